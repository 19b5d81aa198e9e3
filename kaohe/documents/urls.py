"""Pages of the documents app: the documents of a township's year, their downloads and the
dashboards."""

from django.urls import URLPattern, path

from . import views

app_name = "documents"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("download/<str:kind>/", views.download, name="download"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("unit/<str:code>/", views.unit, name="unit"),
]
