"""The REST API: one router; each app contributes its viewsets."""

from rest_framework.routers import DefaultRouter

from kaohe.accounts.api import MembershipViewSet
from kaohe.appeals.api import AppealViewSet
from kaohe.assessments.api import AssessmentRunViewSet
from kaohe.audit.api import AuditEntryViewSet
from kaohe.checks.api import register as register_checks
from kaohe.contracts.api import ContractViewSet
from kaohe.datavalues.api import DataValueViewSet
from kaohe.documents.api import register as register_documents
from kaohe.elements.api import DataElementViewSet, DataSetViewSet
from kaohe.forecasts.api import register as register_forecasts
from kaohe.interop.api import register as register_interop
from kaohe.levels.api import register as register_levels
from kaohe.orgunits.api import OfficialViewSet, OrgUnitViewSet
from kaohe.quality.api import MinMaxRangeViewSet, OutlierViewSet
from kaohe.remediation.api import DesignationViewSet, RemediationPlanViewSet
from kaohe.rewards.api import LedgerEntryViewSet
from kaohe.schemes.api import IndicatorViewSet, SchemeViewSet
from kaohe.schemes.plan_api import BirthPlanViewSet
from kaohe.submissions.api import SubmissionViewSet
from kaohe.submissions.completeness_api import CompletenessViewSet
from kaohe.validation.api import (
    ValidationResultViewSet,
    ValidationRuleViewSet,
    ValidationRunViewSet,
)

router = DefaultRouter()
router.register("units", OrgUnitViewSet, basename="unit")
router.register("officials", OfficialViewSet, basename="official")
router.register("elements", DataElementViewSet, basename="element")
router.register("datasets", DataSetViewSet, basename="dataset")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("runs", AssessmentRunViewSet, basename="run")
router.register("audit", AuditEntryViewSet, basename="audit")
router.register("datavalues", DataValueViewSet, basename="datavalue")
router.register("submissions", SubmissionViewSet, basename="submission")
router.register("completeness", CompletenessViewSet, basename="completeness")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("contracts", ContractViewSet, basename="contract")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("birth-plans", BirthPlanViewSet, basename="birth-plan")
router.register("designations", DesignationViewSet, basename="designation")
router.register("remediation-plans", RemediationPlanViewSet, basename="remediation-plan")
router.register("money", LedgerEntryViewSet, basename="money")
router.register("validation-rules", ValidationRuleViewSet, basename="validation-rule")
router.register("validation-runs", ValidationRunViewSet, basename="validation-run")
router.register("validation-results", ValidationResultViewSet, basename="validation-result")
router.register("outliers", OutlierViewSet, basename="outlier")
router.register("minmax-ranges", MinMaxRangeViewSet, basename="minmax-range")
for register in (
    register_checks,
    register_forecasts,
    register_interop,
    register_levels,
    register_documents,
):
    register(router)

urlpatterns = router.urls
