"""URLs of the birth-plan page: choosing, allocating, recalculating and applying, all on one."""

from django.urls import path

from . import plan_views

app_name = "plans"

urlpatterns = [
    path("", plan_views.index, name="index"),
]
