"""REST API: assessment runs, their results, starting, publishing and comparing runs."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import ADMIN, may_run_assessments, restrict
from kaohe.engine.assess import SchemeError
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.validity import ValidityError

from .compare_api import ComparisonSerializer
from .comparing import compare_runs
from .models import AssessmentRun, ItemResult, UnitResult
from .publishing import PublicationError, do_publish_run, may_publish
from .services import AssessmentError, do_run_assessment, find_scheme


class ItemResultSerializer(serializers.ModelSerializer[ItemResult]):
    class Meta:
        model = ItemResult
        fields = [
            "part",
            "item_code",
            "item_name",
            "weight",
            "actual",
            "target",
            "score",
            "flag",
            "explanation_zh",
            "explanation_en",
        ]


class ContractVersionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class UnitResultSerializer(serializers.ModelSerializer[UnitResult]):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    contract = ContractVersionSerializer(
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("计分所依据的已签订责任书（id 与版本）；没有则为 null"),
    )
    parts = serializers.JSONField(
        read_only=True,
        help_text=gettext_lazy(
            "分线与分期得分：tracks {线: 得分}、periods {期: 得分}、coefficient（缺失为 null）"
        ),
    )
    items = ItemResultSerializer(many=True, read_only=True)

    class Meta:
        model = UnitResult
        fields = [
            "unit",
            "unit_name",
            "kind",
            "total",
            "grade",
            "grade_name",
            "rank",
            "vetoed",
            "vetoes",
            "flags",
            "contract",
            "parts",
            "total_explanation_zh",
            "total_explanation_en",
            "items",
        ]


class AssessmentRunSerializer(serializers.ModelSerializer[AssessmentRun]):
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True)

    class Meta:
        model = AssessmentRun
        fields = [
            "id",
            "scheme",
            "scheme_version",
            "year",
            "period_code",
            "status",
            "inputs_hash",
            "scheme_hash",
            "created_at",
            "actor",
            "duration_ms",
            "validity_override",
            "warnings",
            "published_at",
            "published_by",
            "publication_exception",
            "unapproved_at_publication",
            "replaces",
        ]


class PublishRunSerializer(serializers.Serializer[Any]):
    confirm_unapproved = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("数据未全部审核通过时确认仍然发布"),
    )
    exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("数据未全部审核通过时仍然发布的理由（确认时必填）"),
    )
    replaces = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy(
            "替代的已发布结果（考核计算 id）；省略为同一方案、年度和范围当前发布的结果"
        ),
    )


class UnapprovedReportSerializer(serializers.Serializer[Any]):
    dataset = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField()
    status = serializers.CharField()


class PublishRefusalSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()
    unapproved = UnapprovedReportSerializer(many=True)


class StartRunSerializer(serializers.Serializer[Any]):
    scheme = serializers.CharField()
    version = serializers.IntegerField(required=False)
    year = serializers.IntegerField(min_value=1900, max_value=2999)
    root = serializers.CharField(
        required=False,
        help_text=gettext_lazy("只考核此单位下的单位（代码）；省略为全部"),
    )
    override_validity = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "年度超出方案或指标的适用年度时，仍然计算的理由；不给理由则拒绝计算"
        ),
    )


class AssessmentRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[AssessmentRun]):
    serializer_class = AssessmentRunSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = restrict(AssessmentRun.objects.select_related("scheme"), self.request.user)
        scheme = self.request.query_params.get("scheme")
        year = self.request.query_params.get("year")
        if scheme:
            qs = qs.filter(scheme__code=scheme)
        if year and year.isdigit():
            qs = qs.filter(year=int(year))
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return StartRunSerializer if self.action == "create" else AssessmentRunSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = StartRunSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        root = None
        if code := payload.validated_data.get("root"):
            # Looked up among the units the user administers: another township's unit is
            # refused exactly like one that does not exist.
            root = restrict(OrgUnit.objects.all(), request.user, ADMIN).filter(code=code).first()
            if root is None:
                raise PermissionDenied(_("无权考核该单位 / not allowed to assess that unit"))
        if not may_run_assessments(request.user, root):
            raise PermissionDenied(_("无权发起考核 / not allowed to start an assessment"))
        try:
            scheme = find_scheme(
                payload.validated_data["scheme"], payload.validated_data.get("version")
            )
            run = do_run_assessment(
                scheme,
                payload.validated_data["year"],
                actor=Actor.from_request(request, Channel.API),
                root=root,
                override_validity=payload.validated_data["override_validity"],
            )
        except ValidityError as error:
            raise ValidationError(
                {"field": "override_validity", "detail": "\n".join(error.problems)}
            ) from error
        except (AssessmentError, SchemeError) as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(AssessmentRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PublishRunSerializer,
        responses={200: AssessmentRunSerializer, 400: PublishRefusalSerializer},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft run (township administrators of its scope; a run of the whole
        tree: system administrators). Refused with 400 ``{field, detail, unapproved}``."""
        run = self.get_object()
        if not may_publish(request.user, run):
            raise PermissionDenied(_("无权发布该考核结果 / not allowed to publish this run"))
        payload = PublishRunSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        replaces = None
        if (replaces_id := payload.validated_data.get("replaces")) is not None:
            replaces = self.get_queryset().filter(pk=replaces_id).first()
            if replaces is None:
                raise ValidationError(
                    {
                        "field": "replaces",
                        "detail": _("没有该考核结果 / no such run"),
                        "unapproved": [],
                    }
                )
        try:
            published = do_publish_run(
                run,
                Actor.from_request(request, Channel.API),
                confirm_unapproved=payload.validated_data["confirm_unapproved"],
                exception_reason=payload.validated_data["exception_reason"],
                replaces=replaces,
            )
        except PublicationError as error:
            raise ValidationError(
                {"field": error.field, "detail": str(error), "unapproved": error.unapproved}
            ) from error
        return Response(AssessmentRunSerializer(published).data)

    @extend_schema(responses=ComparisonSerializer)
    @action(detail=True, methods=["get"], url_path=r"compare/(?P<other>\d+)")
    def compare(self, request: Request, pk: str | None = None, other: str = "") -> Response:
        """What changed from this run to ``other``: units' totals, grades, ranks, vetoes,
        contract versions and money, with the items behind each change. Both runs must be
        visible; a reporter compares only their own unit."""
        old = self.get_object()
        new = self.get_queryset().filter(pk=int(other)).first()
        if new is None:
            raise NotFound
        comparison = compare_runs(
            old,
            new,
            old_results=restrict(UnitResult.objects.filter(run=old), request.user),
            new_results=restrict(UnitResult.objects.filter(run=new), request.user),
        )
        return Response(ComparisonSerializer(comparison).data)

    @action(detail=True, methods=["get"], serializer_class=UnitResultSerializer)
    def results(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        # A reporter reads the run, but only their own unit's results.
        results = (
            restrict(run.unit_results.select_related("unit", "contract"), request.user)
            .prefetch_related(
                Prefetch("items", queryset=ItemResult.objects.order_by("part", "sort_order"))
            )
            .order_by("kind", "rank", "unit__path")
        )
        return Response(UnitResultSerializer(results, many=True).data)
