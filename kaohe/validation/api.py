"""REST API: validation rules, runs and results (read through the access check), running the
rules for a township's year and marking a result for follow-up.

``GET /api/validation-rules/`` lists the rules (``/{code}/`` one). ``GET /api/validation-runs/``
lists the runs of the units the user sees; ``POST /api/validation-runs/`` {township, year,
rule?} runs the rules (201). ``GET /api/validation-results/?run=&rule=&importance=&unit=&period=
&status=&follow_up=`` lists results of the units the user sees; ``POST
/api/validation-results/{id}/follow-up/`` {follow_up} marks (or clears) one. A refused step
answers 400 with the ``field`` at fault and a bilingual ``detail``; a step outside the user's
roles answers 403, and a unit, rule or result they cannot see 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import restrict

from .models import ValidationResult, ValidationRule, ValidationRun
from .selectors import FILTERS, filter_results, review_roots, visible_results, visible_rules
from .services import ValidationRunError, do_mark_follow_up, do_run_validation


class ValidationRuleSerializer(serializers.ModelSerializer[ValidationRule]):
    # DHIS2's period type name (Monthly, Quarterly, Yearly…), as the data sets give it.
    period_type = serializers.CharField(read_only=True)
    dataset = serializers.CharField(source="dataset.code", allow_null=True, read_only=True)

    class Meta:
        model = ValidationRule
        fields = [
            "code",
            "name",
            "name_en",
            "left",
            "operator",
            "right",
            "importance",
            "left_missing",
            "right_missing",
            "period_type",
            "unit_kinds",
            "dataset",
            "message_zh",
            "message_en",
            "description",
        ]


class ValidationRunSerializer(serializers.ModelSerializer[ValidationRun]):
    township = serializers.CharField(source="township.code", read_only=True)
    rule = serializers.CharField(source="rule.code", allow_null=True, read_only=True)

    class Meta:
        model = ValidationRun
        fields = [
            "id",
            "township",
            "year",
            "rule",
            "created_at",
            "actor",
            "rules_checked",
            "passed",
            "failed",
            "skipped",
            "duration_ms",
        ]


class ValidationResultSerializer(serializers.ModelSerializer[ValidationResult]):
    rule = serializers.CharField(source="rule.code", read_only=True)
    importance = serializers.CharField(source="rule.importance", read_only=True)
    operator = serializers.CharField(source="rule.operator", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    message_zh = serializers.CharField(source="rule.message_zh", read_only=True)
    message_en = serializers.CharField(source="rule.message_en", read_only=True)

    class Meta:
        model = ValidationResult
        fields = [
            "id",
            "run",
            "rule",
            "importance",
            "unit",
            "unit_name",
            "period",
            "left_value",
            "operator",
            "right_value",
            "status",
            "follow_up",
            "message_zh",
            "message_en",
            "created",
        ]


class ValidationRunRequestSerializer(serializers.Serializer[Any]):
    township = serializers.CharField(max_length=50, help_text="乡镇代码 / township code")
    year = serializers.IntegerField(help_text="年度 / year")
    rule = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="只校验此规则 / only this rule",
    )


class ValidationFollowUpSerializer(serializers.Serializer[Any]):
    follow_up = serializers.BooleanField(
        default=True, help_text="true 标记，false 取消 / true marks, false clears"
    )


class ValidationFollowUpAnswerSerializer(serializers.Serializer[Any]):
    result = ValidationResultSerializer()
    values = serializers.ListField(child=serializers.CharField())


def _refused(error: ValidationRunError) -> Response:
    return Response({"field": error.field, "detail": str(error)}, status=400)


def _forbidden(error: PermissionDenied) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)


class ValidationRuleViewSet(viewsets.ReadOnlyModelViewSet[ValidationRule]):
    """The validation rules (configuration, loaded from bundles)."""

    serializer_class = ValidationRuleSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[ValidationRule]:
        return visible_rules(self.request.user)


class ValidationRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ValidationRun]
):
    """Validation runs of the units the user sees; ``?township=`` (code), ``?year=``."""

    serializer_class = ValidationRunSerializer

    def get_queryset(self) -> QuerySet[ValidationRun]:
        runs = restrict(
            ValidationRun.objects.select_related("township", "rule"), self.request.user
        ).order_by("-created_at", "-pk")
        params = self.request.query_params
        if value := params.get("township"):
            runs = runs.filter(township__code=value)
        if (value := params.get("year", "")).isdigit():
            runs = runs.filter(year=int(value))
        return runs

    @extend_schema(request=ValidationRunRequestSerializer, responses={201: ValidationRunSerializer})
    def create(self, request: Request) -> Response:
        payload = ValidationRunRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        township = review_roots(request.user).filter(code=data["township"]).first()
        if township is None:
            raise NotFound(_("没有这个乡镇，或无权校验 / no such township, or not yours to check"))
        rule = None
        if data["rule"]:
            rule = visible_rules(request.user).filter(code=data["rule"]).first()
            if rule is None:
                raise NotFound(_("没有这个校验规则 / no such validation rule"))
        try:
            run = do_run_validation(
                Actor.from_request(request, Channel.API), township, data["year"], rule
            )
        except PermissionDenied as error:
            return _forbidden(error)
        except ValidationRunError as error:
            return _refused(error)
        return Response(ValidationRunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("run", int, description="校验运行编号 / run id"),
        *(OpenApiParameter(name, str) for name in FILTERS),
    ]
)
class ValidationResultViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ValidationResult]
):
    """Results of the units the user sees, narrowed by ``?run=`` and the filters."""

    serializer_class = ValidationResultSerializer

    def get_queryset(self) -> QuerySet[ValidationResult]:
        results = visible_results(self.request.user)
        params = self.request.query_params
        if (value := params.get("run", "")).isdigit():
            results = results.filter(run_id=int(value))
        return filter_results(results, params)

    @extend_schema(
        request=ValidationFollowUpSerializer, responses=ValidationFollowUpAnswerSerializer
    )
    @action(detail=True, methods=["post"], url_path="follow-up", url_name="follow-up")
    def follow_up(self, request: Request, pk: str | None = None) -> Response:
        result = self.get_object()
        payload = ValidationFollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            done, values = do_mark_follow_up(
                Actor.from_request(request, Channel.API),
                result.pk,
                payload.validated_data["follow_up"],
            )
        except PermissionDenied as error:
            return _forbidden(error)
        except ValidationRunError as error:
            return _refused(error)
        fresh = visible_results(request.user).get(pk=done.pk)
        keys = [f"{v.element.code}/{v.period.code}/{v.unit.code}" for v in values]
        return Response({"result": ValidationResultSerializer(fresh).data, "values": keys})
