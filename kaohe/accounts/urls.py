"""URLs of the roles page: the list and its grant and revoke buttons (POST)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.index, name="index"),
    path("grant/", views.grant, name="grant"),
    path("<int:membership_id>/revoke/", views.revoke, name="revoke"),
]
