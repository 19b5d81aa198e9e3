"""URLs of the data-quality pages: outliers (list, CSV export, follow-up marks) and min–max
ranges (list, generate, set by hand, delete); the writes are POST."""

from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("outliers/", views.outliers, name="outliers"),
    path("outliers/export/", views.outliers_export, name="outliers-export"),
    path("outliers/follow-up/", views.follow_up, name="follow-up"),
    path("ranges/", views.ranges, name="ranges"),
    path("ranges/generate/", views.ranges_generate, name="ranges-generate"),
    path("ranges/save/", views.range_save, name="range-save"),
    path("ranges/<int:range_id>/delete/", views.range_delete, name="range-delete"),
]
