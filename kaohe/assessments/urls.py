"""Result exports, publishing and comparing runs (URL names under the "results" namespace,
mounted at /results/; the ranking and unit pages themselves are kaohe.web's)."""

from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("<int:run_id>/ranking.csv", views.ranking_csv, name="ranking-csv"),
    path("<int:run_id>/ranking.xlsx", views.ranking_xlsx, name="ranking-xlsx"),
    path("<int:run_id>/items.csv", views.items_csv, name="items-csv"),
    path("<int:run_id>/items.xlsx", views.items_xlsx, name="items-xlsx"),
    path("<int:run_id>/indicators.csv", views.indicators_csv, name="indicators-csv"),
    path("<int:run_id>/indicators.xlsx", views.indicators_xlsx, name="indicators-xlsx"),
    path("<int:run_id>/publish/", views.publish, name="publish"),
    path("compare/<int:old_id>/<int:new_id>/", views.compare, name="compare"),
]
