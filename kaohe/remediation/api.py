"""REST API: designated units and their remediation plans, read through the access check, and
the steps that change them.

``GET /api/designations/`` lists the designations in force the user may see (``?year=``,
``?status=``, ``?scheme=``, ``?unit=``, ``?township=`` narrow it); ``GET …/{id}/`` gives one.
``POST /api/designations/designate/`` {run} designates a published run (idempotent);
``POST /api/designations/{id}/plan/`` {leader, staff, responsibilities, deadline,
rewards_penalties, shares_outcome} makes its plan.

``GET /api/remediation-plans/`` (``?status=``, ``?year=``, ``?unit=``) and ``…/{id}/`` with its
progress and checks; ``GET …/overdue/`` (``?township=``, ``?today=``) the plans in force past
their deadline; ``POST …/{id}/progress/`` {date, text}; ``POST …/{id}/accept/`` {date, outcome,
findings, new_deadline?}.

A refused step answers 400 with ``{"field", "detail"}`` (bilingual); a row the user cannot
see 404; a step outside their roles 403.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import restrict
from kaohe.orgunits.models import Official, OrgUnit

from .errors import RemediationError
from .models import (
    AcceptanceCheck,
    Designation,
    DesignationStatus,
    Outcome,
    PlanStatus,
    ProgressEntry,
    RemediationPlan,
)
from .selectors import filtered, overdue_plans, visible_designations, visible_plans
from .services import do_accept_check, do_add_progress, do_create_plan, do_designate


def _plan_of(designation: Designation) -> RemediationPlan | None:
    try:
        return designation.plan
    except RemediationPlan.DoesNotExist:
        return None


class DesignationSerializer(serializers.ModelSerializer[Designation]):
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    plan = serializers.SerializerMethodField(help_text="帮促方案 id，未制定为空")
    plan_status = serializers.SerializerMethodField(help_text="帮促方案状态，未制定为空")

    class Meta:
        model = Designation
        fields = [
            "id",
            "scheme_code",
            "unit",
            "unit_name",
            "year",
            "status",
            "rule",
            "rules",
            "reason_zh",
            "reason_en",
            "origin",
            "run",
            "plan",
            "plan_status",
            "created_at",
            "updated_at",
        ]

    def get_plan(self, obj: Designation) -> int | None:
        plan = _plan_of(obj)
        return plan.pk if plan is not None else None

    def get_plan_status(self, obj: Designation) -> str | None:
        plan = _plan_of(obj)
        return plan.status if plan is not None else None


class OfficialBriefSerializer(serializers.ModelSerializer[Official]):
    unit = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Official
        fields = ["code", "name", "role", "unit"]


class ProgressEntrySerializer(serializers.ModelSerializer[ProgressEntry]):
    class Meta:
        model = ProgressEntry
        fields = ["id", "date", "text", "actor", "created_at"]


class AcceptanceCheckSerializer(serializers.ModelSerializer[AcceptanceCheck]):
    class Meta:
        model = AcceptanceCheck
        fields = ["id", "date", "outcome", "findings", "new_deadline", "actor", "created_at"]


class RemediationPlanSerializer(serializers.ModelSerializer[RemediationPlan]):
    unit = serializers.CharField(source="designation.unit.code", read_only=True)
    unit_name = serializers.CharField(source="designation.unit.name", read_only=True)
    year = serializers.IntegerField(source="designation.year", read_only=True)
    designation_status = serializers.CharField(source="designation.status", read_only=True)
    leader = OfficialBriefSerializer(read_only=True)
    staff = OfficialBriefSerializer(many=True, read_only=True)
    overdue = serializers.SerializerMethodField(help_text="在整改中且已过完成时限")

    class Meta:
        model = RemediationPlan
        fields = [
            "id",
            "designation",
            "unit",
            "unit_name",
            "year",
            "designation_status",
            "leader",
            "staff",
            "responsibilities",
            "deadline",
            "rewards_penalties",
            "shares_outcome",
            "status",
            "overdue",
            "closed_on",
            "escalated_to",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_overdue(self, obj: RemediationPlan) -> bool:
        return obj.active and obj.deadline < timezone.localdate()


class RemediationPlanDetailSerializer(RemediationPlanSerializer):
    progress = ProgressEntrySerializer(many=True, read_only=True)
    checks = AcceptanceCheckSerializer(many=True, read_only=True)

    class Meta(RemediationPlanSerializer.Meta):
        fields = [*RemediationPlanSerializer.Meta.fields, "progress", "checks"]


# --- what the steps take ---------------------------------------------------------------------


class DesignateSerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField(help_text="已发布的考核计算 id / a published run's id")


class DesignateOutcomeSerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField()
    created = DesignationSerializer(many=True)
    updated = DesignationSerializer(many=True)
    unchanged = DesignationSerializer(many=True)
    revoked = DesignationSerializer(many=True)
    kept = DesignationSerializer(many=True)


class PlanInputSerializer(serializers.Serializer[Any]):
    leader = serializers.CharField(max_length=50, help_text="定领导：责任人代码 / official code")
    staff = serializers.ListField(
        child=serializers.CharField(max_length=50),
        allow_empty=True,
        help_text="定人员：帮扶人员代码 / staff official codes",
    )
    responsibilities = serializers.CharField(allow_blank=True, help_text="定责任")
    deadline = serializers.DateField(help_text="定时间：须晚于考核年度结束日")
    rewards_penalties = serializers.CharField(allow_blank=True, help_text="定奖惩")
    shares_outcome = serializers.BooleanField(default=False, help_text="同奖同罚")


class ProgressInputSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    text = serializers.CharField(allow_blank=True)


class AcceptInputSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    findings = serializers.CharField(allow_blank=True)
    new_deadline = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="继续整改时必填"
    )


class RemediationRefusalSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()


REFUSED = {400: RemediationRefusalSerializer}


def _refused(error: RemediationError) -> Response:
    return Response(
        {"field": error.field, "detail": str(error)}, status=status.HTTP_400_BAD_REQUEST
    )


def _actor(request: Request) -> Actor:
    return Actor.from_request(request, Channel.API)


def _year(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


class DesignationViewSet(viewsets.ReadOnlyModelViewSet[Designation]):
    serializer_class = DesignationSerializer

    def get_queryset(self) -> QuerySet[Designation]:
        params = self.request.query_params
        rows = filtered(
            visible_designations(self.request.user),
            year=_year(params.get("year")),
            status=params.get("status", "")
            if params.get("status") in DesignationStatus.values
            else "",
            scheme=params.get("scheme", ""),
            township=params.get("township", ""),
        )
        if params.get("unit"):
            rows = rows.filter(unit__code=params["unit"])
        return rows.order_by("-year", "unit__path", "scheme_code")

    @extend_schema(
        request=DesignateSerializer, responses={200: DesignateOutcomeSerializer, **REFUSED}
    )
    @action(detail=False, methods=["post"])
    def designate(self, request: Request) -> Response:
        payload = DesignateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = (
            restrict(AssessmentRun.objects.all(), request.user)
            .filter(pk=payload.validated_data["run"])
            .first()
        )
        if run is None:
            return Response(
                {"field": "run", "detail": _("没有这个考核结果 / no such run")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            outcome = do_designate(run, _actor(request))
        except RemediationError as error:
            return _refused(error)
        body = {
            "run": run.pk,
            **{
                name: DesignationSerializer(getattr(outcome, name), many=True).data
                for name in ("created", "updated", "unchanged", "revoked", "kept")
            },
        }
        return Response(body)

    @extend_schema(
        request=PlanInputSerializer, responses={201: RemediationPlanDetailSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk: str | None = None) -> Response:
        designation = self.get_object()
        payload = PlanInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        officials = {
            o.code: o for o in Official.objects.filter(code__in=[data["leader"], *data["staff"]])
        }
        missing = [c for c in [data["leader"], *data["staff"]] if c not in officials]
        if missing:
            field = "leader" if data["leader"] in missing else "staff"
            return Response(
                {
                    "field": field,
                    "detail": _("没有责任人 {code} / no official {code}").format(code=missing[0]),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            plan = do_create_plan(
                designation,
                leader=officials[data["leader"]],
                staff=[officials[c] for c in data["staff"]],
                responsibilities=data["responsibilities"],
                deadline=data["deadline"],
                rewards_penalties=data["rewards_penalties"],
                shares_outcome=data["shares_outcome"],
                actor=_actor(request),
            )
        except RemediationError as error:
            return _refused(error)
        fresh = visible_plans(request.user).get(pk=plan.pk)
        return Response(RemediationPlanDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


class RemediationPlanViewSet(viewsets.ReadOnlyModelViewSet[RemediationPlan]):
    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action in ("list", "overdue"):
            return RemediationPlanSerializer
        return RemediationPlanDetailSerializer

    def get_queryset(self) -> QuerySet[RemediationPlan]:
        params = self.request.query_params
        rows = visible_plans(self.request.user).prefetch_related("staff__unit", "leader__unit")
        if self.action not in ("list", "overdue"):
            rows = rows.prefetch_related("progress", "checks")
        if params.get("status") in PlanStatus.values:
            rows = rows.filter(status=params["status"])
        if (year := _year(params.get("year"))) is not None:
            rows = rows.filter(designation__year=year)
        if params.get("unit"):
            rows = rows.filter(designation__unit__code=params["unit"])
        return rows.order_by("deadline", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("township", OpenApiTypes.STR, description="乡镇代码 / township code"),
            OpenApiParameter("today", OpenApiTypes.DATE, description="缺省为今天 / default today"),
        ],
        responses={200: RemediationPlanSerializer(many=True), **REFUSED},
    )
    @action(detail=False, methods=["get"])
    def overdue(self, request: Request) -> Response:
        params = request.query_params
        today = timezone.localdate()
        if params.get("today"):
            try:
                today = datetime.date.fromisoformat(params["today"])
            except ValueError:
                return Response(
                    {
                        "field": "today",
                        "detail": _("日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD"),
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        rows = self.get_queryset()
        if params.get("township"):
            township = (
                restrict(OrgUnit.objects.all(), request.user)
                .filter(code=params["township"])
                .first()
            )
            if township is None:
                return Response(
                    {"field": "township", "detail": _("没有这个乡镇 / no such township")},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            rows = rows.filter(designation__unit__path__startswith=township.path)
        overdue = overdue_plans(rows, today)
        return Response(RemediationPlanSerializer(overdue, many=True).data)

    @extend_schema(
        request=ProgressInputSerializer, responses={201: ProgressEntrySerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        payload = ProgressInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            entry = do_add_progress(
                plan, date=data["date"], text=data["text"], actor=_actor(request)
            )
        except RemediationError as error:
            return _refused(error)
        return Response(ProgressEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AcceptInputSerializer, responses={201: RemediationPlanDetailSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        payload = AcceptInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            do_accept_check(
                plan,
                date=data["date"],
                outcome=data["outcome"],
                findings=data["findings"],
                new_deadline=data["new_deadline"],
                actor=_actor(request),
            )
        except RemediationError as error:
            return _refused(error)
        fresh = self.get_queryset().get(pk=plan.pk)
        return Response(RemediationPlanDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)
