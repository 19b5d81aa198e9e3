"""Pages of the exchange: import and export data value sets (DHIS2 CSV, JSON, ADX), the record
of imports, and the mappings; the writes are POST."""

from django.urls import URLPattern, path

from . import views

app_name = "interop"

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("import/", views.import_values, name="import"),
    path("export/", views.export_values, name="export"),
    path("imports/<int:import_id>/", views.import_detail, name="import-detail"),
    path("mappings/", views.mappings, name="mappings"),
    path("mappings/download/", views.mappings_download, name="mappings-download"),
    path("mappings/upload/", views.mappings_upload, name="mappings-upload"),
    path("mappings/external/", views.external_save, name="external-save"),
    path("mappings/external/<int:row_id>/delete/", views.external_delete, name="external-delete"),
    path("mappings/combos/", views.combo_save, name="combo-save"),
    path("mappings/combos/<int:row_id>/delete/", views.combo_delete, name="combo-delete"),
]
