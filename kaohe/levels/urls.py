"""Pages of the levels app: metadata exchange and pushes upward."""

from django.urls import path

from . import views

app_name = "levels"

urlpatterns = [
    path("metadata/", views.metadata, name="metadata"),
    path("metadata/export/", views.metadata_export, name="metadata-export"),
    path("metadata/import/", views.metadata_import, name="metadata-import"),
    path("pushes/", views.pushes, name="pushes"),
    path("pushes/new/", views.push, name="push"),
    path("pushes/<int:log_id>/", views.push_detail, name="push-detail"),
]
