"""Scheme pages (URL names under the "schemes" namespace, mounted at /schemes/)."""

from django.urls import path

from . import views

app_name = "schemes"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:scheme_id>/", views.detail, name="detail"),
    path("<int:scheme_id>/edit/", views.edit, name="edit"),
    path("<int:scheme_id>/publish/", views.publish, name="publish"),
    path("<int:scheme_id>/new-version/", views.new_version, name="new-version"),
    path("<int:scheme_id>/diff/<int:other_id>/", views.diff, name="diff"),
    path("<int:scheme_id>/run/", views.run, name="run"),
]
