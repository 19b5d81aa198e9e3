"""URLs of the remediation pages: the designated units, designating a run (POST), making a
plan, one plan and its writes (POST)."""

from django.urls import path

from . import views

app_name = "remediation"

urlpatterns = [
    path("", views.index, name="index"),
    path("designate/", views.designate, name="designate"),
    path("designations/<int:designation_id>/plan/", views.create_plan, name="create-plan"),
    path("plans/<int:plan_id>/", views.plan, name="plan"),
    path("plans/<int:plan_id>/progress/", views.add_progress, name="progress"),
    path("plans/<int:plan_id>/accept/", views.accept, name="accept"),
]
