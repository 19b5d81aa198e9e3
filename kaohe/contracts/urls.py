"""URLs of the contracts pages: a township's table, one contract, its writes (POST) and its
Word print."""

from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("<int:contract_id>/", views.detail, name="detail"),
    path("<int:contract_id>/targets/", views.targets, name="targets"),
    path("<int:contract_id>/targets/<str:item>/", views.target, name="target"),
    path("<int:contract_id>/signatories/", views.add_signatory, name="add-signatory"),
    path(
        "<int:contract_id>/signatories/<str:official>/remove/",
        views.remove_signatory,
        name="remove-signatory",
    ),
    path("<int:contract_id>/sign/", views.sign, name="sign"),
    path("<int:contract_id>/amend/", views.amend, name="amend"),
    path("<int:contract_id>/print.docx", views.print_docx, name="print"),
]
