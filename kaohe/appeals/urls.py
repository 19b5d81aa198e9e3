"""URLs of the appeals app: the list, filing, one appeal and its decisions (POST)."""

from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:appeal_id>/", views.detail, name="detail"),
    path("<int:appeal_id>/accept/", views.accept, name="accept"),
    path("<int:appeal_id>/reject/", views.reject, name="reject"),
]
