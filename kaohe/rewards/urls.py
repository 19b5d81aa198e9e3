"""URLs of the money pages (mounted at /money/): the runs, a run's ledger and its steps (POST),
the finance table and the veto consequences list."""

from django.urls import path

from . import views

app_name = "money"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:run_id>/", views.ledger, name="ledger"),
    path("<int:run_id>/compute/", views.compute, name="compute"),
    path("<int:run_id>/approve/", views.approve_run, name="approve-run"),
    path("<int:run_id>/table.xlsx", views.table_xlsx, name="table"),
    path("<int:run_id>/vetoes/", views.vetoes, name="vetoes"),
    path("<int:run_id>/vetoes.xlsx", views.vetoes_xlsx, name="vetoes-xlsx"),
    path("<int:run_id>/vetoes.csv", views.vetoes_csv, name="vetoes-csv"),
    path("entries/<int:entry_id>/approve/", views.approve, name="approve"),
    path("entries/<int:entry_id>/pay/", views.pay, name="pay"),
    path("entries/<int:entry_id>/reverse/", views.reverse_entry, name="reverse"),
]
