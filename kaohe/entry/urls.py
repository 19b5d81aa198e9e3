"""URLs of the entry app: choosing a form, the form (or year grid), its cells, a value's history
and note, and the Excel round trip."""

from django.urls import path

from . import views

app_name = "entry"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("cell/<str:element>/<str:unit>/<str:period>/", views.cell, name="cell"),
    path("history/<str:element>/<str:unit>/<str:period>/", views.history, name="history"),
    path("note/<str:element>/<str:unit>/<str:period>/", views.note, name="note"),
    path("<str:dataset>/<str:period>/template.xlsx", views.template, name="template"),
    path("<str:dataset>/<str:unit>/<str:period>/", views.form, name="form"),
]
