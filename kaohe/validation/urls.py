"""URLs of the validation app: the results of a run, running the rules, the rules, exports and
marking a result for follow-up (POST)."""

from django.urls import path

from . import views

app_name = "validation"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("run/", views.run, name="run"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("results/<int:result_id>/follow-up/", views.follow_up, name="follow-up"),
]
