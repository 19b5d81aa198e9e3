"""URLs of the forecasts app: a township's forecast, and saving or clearing its assumptions
(POST)."""

from django.urls import path

from . import views

app_name = "forecasts"

urlpatterns = [
    path("", views.index, name="index"),
    path("assumptions/", views.assumptions_save, name="assumptions-save"),
    path("assumptions/clear/", views.assumptions_clear, name="assumptions-clear"),
]
