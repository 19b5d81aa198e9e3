"""REST API of the ledger (奖惩兑现), read through the access check.

``GET /api/money/?run=&unit=&person=&kind=&status=`` lists the entries the user may see
(``person=-``: the units' own entries); ``GET /api/money/{id}/`` gives one;
``GET /api/money/totals/?run=`` the totals by unit, person and kind (the same filters apply);
``GET /api/money/vetoes/?run=`` the veto consequences list.

The steps: ``POST /api/money/compute/`` {run} (who may run the assessment's scope);
``POST /api/money/approve-run/`` {run} (reviewers); ``POST /api/money/{id}/approve/``
(reviewers); ``POST …/{id}/pay/`` {paid_on, voucher, amount?} and ``POST …/{id}/reverse/``
{reason} (township administrators). A refused step answers 400 with ``{"field", "detail"}``
(bilingual); an entry or run the user cannot see 404; a step outside their roles 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor

from .computing import do_compute_money
from .models import LedgerEntry, LedgerError
from .selectors import (
    GROUPS,
    Total,
    filtered,
    totals,
    veto_consequences,
    visible_entries,
    visible_run,
)
from .services import do_approve, do_approve_run, do_pay, do_reverse


class LedgerEntrySerializer(serializers.ModelSerializer[LedgerEntry]):
    run = serializers.IntegerField(source="run_id", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    person = serializers.CharField(source="person.code", read_only=True, allow_null=True)
    person_name = serializers.CharField(source="person.name", read_only=True, allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    figures = serializers.DictField(child=serializers.CharField(), read_only=True)
    reverses = serializers.IntegerField(source="reverses_id", read_only=True, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "run",
            "unit",
            "unit_name",
            "person",
            "person_name",
            "role",
            "kind",
            "rule",
            "amount",
            "figures",
            "explanation_zh",
            "explanation_en",
            "status",
            "approved_by",
            "approved_at",
            "paid_on",
            "paid_by",
            "voucher",
            "reverses",
            "reason",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class RunRequestSerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField(help_text="考核计算编号 / run id")


class ComputeOutcomeSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField(help_text="新计算的记录数 / entries stored")
    counter = serializers.IntegerField(help_text="冲销被替代结果的记录数 / counter-entries made")
    entries = LedgerEntrySerializer(many=True)


class ApproveRunOutcomeSerializer(serializers.Serializer[Any]):
    approved = serializers.ListField(child=serializers.IntegerField())


class PaySerializer(serializers.Serializer[Any]):
    paid_on = serializers.DateField(help_text="兑现（付出或收缴）日期 / date paid or collected")
    voucher = serializers.CharField(max_length=100, allow_blank=True, help_text="凭证号")
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="凭证金额，可选；须等于记录金额（付出为正，收缴为负）/ optional check",
    )


class ReverseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, help_text="冲销原因（必填）")


class TotalSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    net = serializers.DecimalField(max_digits=16, decimal_places=2)
    settled = serializers.DecimalField(max_digits=16, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=16, decimal_places=2)


class TotalsSerializer(serializers.Serializer[Any]):
    unit = TotalSerializer(many=True)
    person = TotalSerializer(many=True)
    kind = TotalSerializer(many=True)
    all = TotalSerializer()


class VetoOfficialSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()


class VetoRowSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(source="result.unit.code")
    unit_name = serializers.CharField(source="result.unit.name")
    vetoes = serializers.SerializerMethodField()
    officials = VetoOfficialSerializer(many=True)
    consequences = serializers.ListField(child=serializers.CharField())
    applies_to = serializers.IntegerField(help_text="后果适用的年度 / the year they apply to")
    signed = serializers.BooleanField(help_text="是否有已签订的责任书 / a signed contract")

    def get_vetoes(self, row: Any) -> list[dict[str, Any]]:
        return [
            {"code": v.code, "name": v.name, "consequences": list(v.consequences)}
            for v in row.vetoes
        ]


class LedgerRefusalSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()


REFUSED = {400: LedgerRefusalSerializer}
RUN_PARAM = OpenApiParameter("run", int, required=True, description="考核计算编号 / run id")
FILTER_PARAMS = [
    OpenApiParameter("run", int, description="考核计算编号 / run id"),
    OpenApiParameter("unit", str, description="单位代码 / unit code"),
    OpenApiParameter("person", str, description="责任人代码，- 为单位本身 / official code"),
    OpenApiParameter("kind", str),
    OpenApiParameter("status", str),
]


def _refused(error: LedgerError) -> Response:
    return Response({"field": error.field, "detail": str(error)}, status=400)


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet[LedgerEntry]):
    serializer_class = LedgerEntrySerializer

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        entries = visible_entries(self.request.user)
        params = self.request.query_params
        if params.get("run"):
            try:
                entries = entries.filter(run_id=int(params["run"]))
            except ValueError:
                raise ValidationError({"run": "应为整数 / must be an integer"}) from None
        return filtered(entries, params)

    def _actor(self) -> Actor:
        return Actor.from_request(self.request, Channel.API)

    def _run(self, value: Any) -> AssessmentRun:
        run = visible_run(self.request.user, value)
        if run is None:
            raise NotFound("没有这次考核计算 / no such run")
        return run

    def _entry(self, pk: str | None) -> LedgerEntry:
        # The base queryset, not the filtered list: a step on an entry ignores list filters.
        entry = visible_entries(self.request.user).filter(pk=pk).first()
        if entry is None:
            raise NotFound
        return entry

    @extend_schema(parameters=FILTER_PARAMS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=RunRequestSerializer, responses={201: ComputeOutcomeSerializer, **REFUSED}
    )
    @action(detail=False, methods=["post"])
    def compute(self, request: Request) -> Response:
        payload = RunRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = self._run(payload.validated_data["run"])
        try:
            outcome = do_compute_money(run, self._actor())
        except LedgerError as error:
            return _refused(error)
        created = visible_entries(request.user, run).filter(pk__in=[e.pk for e in outcome.created])
        body = {
            "created": len(outcome.created),
            "counter": len(outcome.counter),
            "entries": LedgerEntrySerializer(created, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=RunRequestSerializer, responses={200: ApproveRunOutcomeSerializer})
    @action(detail=False, methods=["post"], url_path="approve-run", url_name="approve-run")
    def approve_run(self, request: Request) -> Response:
        payload = RunRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = self._run(payload.validated_data["run"])
        approved = do_approve_run(run, self._actor())
        return Response({"approved": [e.pk for e in approved]})

    @extend_schema(request=None, responses={200: LedgerEntrySerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        entry = self._entry(pk)
        try:
            done = do_approve(entry, self._actor())
        except LedgerError as error:
            return _refused(error)
        return Response(LedgerEntrySerializer(done).data)

    @extend_schema(request=PaySerializer, responses={200: LedgerEntrySerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        entry = self._entry(pk)
        payload = PaySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            done = do_pay(
                entry, data["paid_on"], data["voucher"], self._actor(), amount=data["amount"]
            )
        except LedgerError as error:
            return _refused(error)
        return Response(LedgerEntrySerializer(done).data)

    @extend_schema(request=ReverseSerializer, responses={201: LedgerEntrySerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        entry = self._entry(pk)
        payload = ReverseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            counter = do_reverse(entry, payload.validated_data["reason"], self._actor())
        except LedgerError as error:
            return _refused(error)
        return Response(LedgerEntrySerializer(counter).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[RUN_PARAM, *FILTER_PARAMS[1:]], responses=TotalsSerializer)
    @action(detail=False, methods=["get"])
    def totals(self, request: Request) -> Response:
        run = self._run(request.query_params.get("run"))
        sums = totals(filtered(visible_entries(request.user, run), request.query_params))

        def rows(items: list[Total]) -> Any:
            return TotalSerializer(items, many=True).data

        body = {group: rows(sums.of(group)) for group in GROUPS}
        body["all"] = TotalSerializer(sums.all).data
        return Response(body)

    @extend_schema(parameters=[RUN_PARAM], responses=VetoRowSerializer(many=True))
    @action(detail=False, methods=["get"])
    def vetoes(self, request: Request) -> Response:
        run = self._run(request.query_params.get("run"))
        rows = veto_consequences(request.user, run)
        return Response(VetoRowSerializer(rows, many=True).data)
