"""REST API: birth plans (人口计划).

``GET /api/birth-plans/`` lists the stored plans of the townships the user may see (``?year=``,
``?township=``, ``?scheme=`` narrow it); ``GET /api/birth-plans/{id}/`` gives one.
``POST /api/birth-plans/preview/`` {scheme, version?, year, township, method, cap_births |
rate_per_mille, adjust?} answers the allocation (rows, totals, problems) and writes nothing;
``POST /api/birth-plans/apply/`` (the same, and a reason) stores it and answers 201 with the
stored plan. Input that cannot be used answers 400 ``{"field", "detail", "problems"}``; a
township the user may not see is refused like one that does not exist, and applying for a
township the user does not administer answers 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import VIEW, may_administer, restrict
from kaohe.engine.allocation import AllocationMethod
from kaohe.orgunits.models import OrgUnit

from .allocation import (
    AllocationPlan,
    AllocationRefused,
    Refusal,
    birth_plan_for,
    do_apply_allocation,
    plan_allocation,
)
from .models import BirthPlan, Scheme
from .plan_selectors import METHOD_LABELS, visible_plans


class BirthPlanSerializer(serializers.ModelSerializer[BirthPlan]):
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True)
    township = serializers.CharField(source="township.code", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    quotas = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    total = serializers.SerializerMethodField()

    class Meta:
        model = BirthPlan
        fields = [
            "id",
            "scheme",
            "scheme_version",
            "township",
            "township_name",
            "year",
            "method",
            "cap_births",
            "rate_per_mille",
            "quotas",
            "total",
            "applied_at",
            "actor",
        ]

    def get_total(self, obj: BirthPlan) -> int:
        return sum(int(v) for v in obj.quotas.values())


class AllocationRequestSerializer(serializers.Serializer[Any]):
    scheme = serializers.CharField(max_length=50, help_text="考核方案代码 / scheme code")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="方案版本，省略为最新 / scheme version"
    )
    year = serializers.IntegerField(min_value=1902, max_value=2999, help_text="计划年度 / year")
    township = serializers.CharField(max_length=50, help_text="乡镇代码 / township code")
    method = serializers.ChoiceField(
        choices=[(m, str(label)) for m, label in METHOD_LABELS.items()],
        help_text="population | mwra | equal_rate",
    )
    cap_births = serializers.IntegerField(
        required=False, allow_null=True, help_text="出生控制数（人）/ cap in births"
    )
    rate_per_mille = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text="出生率控制指标（‰），与 cap_births 二选一 / or the cap as a rate in ‰",
    )
    adjust = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="手工调整：{单位代码: 计划数} / quotas set by hand: {unit: births}",
    )


class ApplyRequestSerializer(AllocationRequestSerializer):
    reason = serializers.CharField(
        max_length=500, allow_blank=True, default="", help_text="理由（必填）/ reason"
    )


class AllocationRowSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    name = serializers.CharField()
    population_start = serializers.FloatField(allow_null=True)
    population_end = serializers.FloatField(allow_null=True)
    average_population = serializers.FloatField(allow_null=True)
    mwra = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField(allow_null=True)
    exact = serializers.FloatField()
    quota = serializers.IntegerField()
    adjusted = serializers.IntegerField()


class ProblemSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()


class RefusedSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()
    problems = ProblemSerializer(many=True)


class AllocationPreviewSerializer(serializers.Serializer[Any]):
    scheme = serializers.CharField(source="scheme.code")
    scheme_version = serializers.IntegerField(source="scheme.version")
    year = serializers.IntegerField()
    township = serializers.CharField(source="township.code")
    township_name = serializers.CharField(source="township.name")
    method = serializers.CharField(source="method.value")
    item = serializers.CharField(source="item_code")
    cap_births = serializers.IntegerField(source="cap", help_text="控制数（人）/ the cap in births")
    rate_per_mille = serializers.DecimalField(
        max_digits=8, decimal_places=3, allow_null=True, coerce_to_string=True
    )
    allocated_total = serializers.IntegerField(source="allocation.total")
    adjusted_total = serializers.IntegerField()
    left = serializers.IntegerField(help_text="控制数减分配合计，负数为超出 / cap minus the sum")
    over_cap = serializers.SerializerMethodField()
    rows = AllocationRowSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField(), source="allocation.notes")
    missing = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()
    stored = serializers.SerializerMethodField()

    def get_over_cap(self, obj: AllocationPlan) -> bool:
        return obj.left < 0

    def get_missing(self, obj: AllocationPlan) -> list[str]:
        return [row.unit for row in obj.missing]

    @extend_schema_field(ProblemSerializer(many=True))  # type: ignore[misc]
    def get_problems(self, obj: AllocationPlan) -> list[dict[str, str]]:
        return [{"field": r.field, "detail": r.message} for r in obj.refusals]

    @extend_schema_field(BirthPlanSerializer(allow_null=True))  # type: ignore[misc]
    def get_stored(self, obj: AllocationPlan) -> dict[str, Any] | None:
        stored = birth_plan_for(obj.scheme, obj.township, obj.year)
        return None if stored is None else dict(BirthPlanSerializer(stored).data)


def _refused(refusals: list[Refusal]) -> Response:
    first = refusals[0]
    return Response(
        {
            "field": first.field,
            "detail": first.message,
            "problems": [{"field": r.field, "detail": r.message} for r in refusals],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _invalid(errors: dict[str, Any]) -> Response:
    """Serializer errors in the same shape as a refusal: the first field and its message."""
    refusals = []
    for name, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            refusals.append(Refusal(name, str(message)))
    return _refused(refusals)


_ERRORS = {400: OpenApiResponse(RefusedSerializer, description="无法分配 / refused")}


class BirthPlanViewSet(viewsets.ReadOnlyModelViewSet[BirthPlan]):
    """Stored birth plans of the townships the user may see, and allocating a new one."""

    serializer_class = BirthPlanSerializer

    def get_queryset(self) -> QuerySet[BirthPlan]:
        queryset = visible_plans(self.request.user).order_by("-year", "township__path", "pk")
        params = self.request.query_params
        if (year := params.get("year", "")).isdigit():
            queryset = queryset.filter(year=int(year))
        if township := params.get("township"):
            queryset = queryset.filter(township__code=township)
        if scheme := params.get("scheme"):
            queryset = queryset.filter(scheme__code=scheme)
        return queryset

    def _arguments(
        self, serializer_class: type[AllocationRequestSerializer]
    ) -> dict[str, Any] | Response:
        """The allocation's arguments from the body, or the 400 answer saying what is wrong."""
        payload = serializer_class(data=self.request.data)
        if not payload.is_valid():
            return _invalid(payload.errors)
        data = payload.validated_data
        user = self.request.user
        # Among the units the user may see: another township is answered like a missing one.
        township = restrict(OrgUnit.objects.all(), user, VIEW).filter(code=data["township"]).first()
        if township is None:
            return _refused(
                [
                    Refusal(
                        "township",
                        _("没有这个乡镇 {code} / no such township: {code}").format(
                            code=data["township"]
                        ),
                    )
                ]
            )
        schemes = restrict(Scheme.objects.filter(code=data["scheme"]), user)
        if "version" in data:
            schemes = schemes.filter(version=data["version"])
        scheme = schemes.order_by("-version").first()
        if scheme is None:
            return _refused(
                [
                    Refusal(
                        "scheme",
                        _("没有这个考核方案 {code} / no such scheme: {code}").format(
                            code=data["scheme"]
                        ),
                    )
                ]
            )
        return {
            "scheme": scheme,
            "year": data["year"],
            "township": township,
            "method": AllocationMethod(data["method"]),
            "cap_births": data.get("cap_births"),
            "rate_per_mille": data.get("rate_per_mille"),
            "adjust": data.get("adjust") or {},
            **({"reason": data["reason"]} if "reason" in data else {}),
        }

    @extend_schema(
        request=AllocationRequestSerializer,
        responses={200: AllocationPreviewSerializer, **_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """The allocation with its rows, totals and problems; nothing is written."""
        arguments = self._arguments(AllocationRequestSerializer)
        if isinstance(arguments, Response):
            return arguments
        scheme, year = arguments.pop("scheme"), arguments.pop("year")
        try:
            plan = plan_allocation(scheme, year, **arguments)
        except AllocationRefused as error:
            return _refused(error.refusals)
        return Response(AllocationPreviewSerializer(plan).data)

    @extend_schema(
        request=ApplyRequestSerializer,
        responses={201: BirthPlanSerializer, **_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        """Store the allocation: the villages' targets and the township's birth plan."""
        arguments = self._arguments(ApplyRequestSerializer)
        if isinstance(arguments, Response):
            return arguments
        if not may_administer(request.user, arguments["township"]):
            raise PermissionDenied(
                _("无权分解该乡镇的人口计划 / not allowed to apply this township's birth plan")
            )
        scheme, year = arguments.pop("scheme"), arguments.pop("year")
        try:
            applied = do_apply_allocation(
                scheme, year, actor=Actor.from_request(request, Channel.API), **arguments
            )
        except AllocationRefused as error:
            return _refused(error.refusals)
        stored = visible_plans(request.user).get(pk=applied.birth_plan.pk)
        return Response(BirthPlanSerializer(stored).data, status=status.HTTP_201_CREATED)
