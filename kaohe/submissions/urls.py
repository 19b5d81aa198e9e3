"""URLs of the submissions app: the review queue, one submission, and its actions (POST)."""

from django.urls import path

from . import completeness_views, views

app_name = "submissions"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("submit/", views.submit, name="submit"),
    path("approve/", views.approve_many, name="approve-many"),
    path("<int:submission_id>/", views.detail, name="detail"),
    path("<int:submission_id>/approve/", views.approve, name="approve"),
    path("<int:submission_id>/return/", views.return_, name="return"),
    path("<int:submission_id>/unlock/", views.unlock, name="unlock"),
    path("completeness/", completeness_views.completeness, name="completeness"),
    path("completeness.csv", completeness_views.completeness_csv, name="completeness-csv"),
    path("completeness.xlsx", completeness_views.completeness_xlsx, name="completeness-xlsx"),
]
