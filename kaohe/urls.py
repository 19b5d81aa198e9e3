"""Top-level URL map: pages, the API and its schema."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from kaohe.interop.api import dhis2_urlpatterns

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    *dhis2_urlpatterns,  # /api/dataValueSets, DHIS2's path (no trailing slash)
    path("api/", include("kaohe.api_urls")),
    path("admin/", admin.site.urls),
    path("entry/", include("kaohe.entry.urls")),
    path("submissions/", include("kaohe.submissions.urls")),
    path("appeals/", include("kaohe.appeals.urls")),
    path("results/", include("kaohe.assessments.urls")),
    path("roles/", include("kaohe.accounts.urls")),
    path("contracts/", include("kaohe.contracts.urls")),
    path("remediation/", include("kaohe.remediation.urls")),
    path("validation/", include("kaohe.validation.urls")),
    path("money/", include("kaohe.rewards.urls")),
    path("plans/", include("kaohe.schemes.plan_urls")),
    path("schemes/", include("kaohe.schemes.urls")),
    path("quality/", include("kaohe.quality.urls")),
    path("checks/", include("kaohe.checks.urls")),
    path("forecasts/", include("kaohe.forecasts.urls")),
    path("interop/", include("kaohe.interop.urls")),
    path("levels/", include("kaohe.levels.urls")),
    path("documents/", include("kaohe.documents.urls")),
    path("", include("kaohe.web.urls")),
]
