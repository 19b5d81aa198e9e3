"""Page URLs."""

from django.contrib.auth import views as auth_views
from django.urls import path

from kaohe.accounts.forms import ThrottledAuthenticationForm

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("results/<int:run_id>/", views.ranking, name="ranking"),
    path("results/<int:run_id>/<str:unit_code>/", views.unit_result, name="unit-result"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]
