"""Pages of the checks app: the sources, the entry grid (and its cells), the file import, the
reconciliation and its downloads."""

from django.urls import path

from . import views

app_name = "checks"

urlpatterns = [
    path("", views.index, name="index"),
    path("enter/", views.enter, name="enter"),
    path("enter/cell/", views.enter_cell, name="enter-cell"),
    path("import/", views.import_values, name="import"),
    path("reconcile/", views.reconcile, name="reconcile"),
    path("reconcile/export/", views.reconcile_export, name="reconcile-export"),
]
