"""REST API of the forecasts app.

``GET /api/forecasts/?township=T&year=Y&horizon=N`` answers a township's whole forecast from
base year ``Y`` (default: the latest year with women and births by age): the births per village
and for the township (low, medium, high, the interval), the backtest, the early-warning list,
the childcare-subsidy budget by quarter and the service needs (:func:`kaohe.forecasts.tables.
report_document`). Nothing is stored.

``GET /api/forecasts/assumptions/?township=T`` reads the township's own assumptions (null where
the configuration's default applies); ``PUT`` with {survival, net_migration, entrants,
fertility_trend, low_factor, high_factor, note} saves them (a township administrator; audited)
and ``DELETE`` goes back to the defaults.

A township the user may not see answers 404 (like an unknown code); a refused figure 400 with
``{"field", "detail"}`` (bilingual); a write outside their roles 403.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit

from .errors import ForecastError
from .models import TownshipAssumptions
from .selectors import find_township, parse_horizon, parse_year, township_forecast
from .services import (
    FIELDS,
    do_clear_assumptions,
    do_save_assumptions,
    saved_assumptions,
)
from .tables import report_document


def _numbers(help_text: str = "") -> serializers.ListField:
    return serializers.ListField(child=serializers.FloatField(allow_null=True), help_text=help_text)


class UnitForecastSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    name = serializers.CharField()
    history = _numbers("各历史年度出生数 / births in each history year")
    low = _numbers("低方案 / low variant, per forecast year")
    medium = _numbers("中方案 / medium variant")
    high = _numbers("高方案 / high variant")
    lower = _numbers("预测区间下限 / interval, lower bound")
    upper = _numbers("预测区间上限 / interval, upper bound")
    actual = _numbers("预测年度已知的实际出生数 / births that happened, where known")
    women = serializers.FloatField(allow_null=True, help_text="基准年15–49岁妇女数")
    tfr = serializers.FloatField(allow_null=True, help_text="总和生育率 / total fertility rate")
    own_weight = serializers.FloatField(allow_null=True, help_text="自身生育率的权重（0–1）")
    exposure = serializers.FloatField(allow_null=True, help_text="妇女人年数 / woman-years")
    projectable = serializers.BooleanField()
    backtest_wape = serializers.FloatField(allow_null=True)
    backtest_mae = serializers.FloatField(allow_null=True)
    explanation_zh = serializers.CharField()
    explanation_en = serializers.CharField()


class WarningSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    name = serializers.CharField()
    quota = serializers.FloatField()
    source = serializers.ChoiceField(choices=["contract", "target", "plan"])
    scheme = serializers.CharField()
    expected = serializers.FloatField(allow_null=True)
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    probability = serializers.FloatField(help_text="超出计划的概率 / P(births > quota)")
    flagged = serializers.BooleanField()


_REPORT = inline_serializer(
    "ForecastReport",
    {
        "township": serializers.CharField(),
        "township_name": serializers.CharField(),
        "base_year": serializers.IntegerField(help_text="基准年度 / the last year of figures"),
        "history_years": serializers.ListField(child=serializers.IntegerField()),
        "years": serializers.ListField(child=serializers.IntegerField()),
        "variants": serializers.ListField(child=serializers.CharField()),
        "age_groups": serializers.ListField(child=serializers.CharField()),
        "assumptions": serializers.DictField(),
        "township_births": inline_serializer(
            "ForecastTownshipBirths",
            {
                "history": _numbers(),
                "low": _numbers(),
                "medium": _numbers(),
                "high": _numbers(),
                "lower": _numbers(),
                "upper": _numbers(),
                "actual": _numbers(),
                "tfr": serializers.FloatField(allow_null=True),
                "rates": _numbers("全镇分年龄生育率 / the township's rates by age group"),
            },
        ),
        "units": UnitForecastSerializer(many=True),
        "backtest": inline_serializer(
            "ForecastBacktest",
            {
                "years": serializers.ListField(child=serializers.IntegerField()),
                "predicted": _numbers(),
                "lower": _numbers(),
                "upper": _numbers(),
                "actual": _numbers(),
                "mape": serializers.FloatField(allow_null=True, help_text="平均绝对百分比误差"),
                "coverage": serializers.FloatField(allow_null=True),
                "township_coverage": serializers.FloatField(allow_null=True),
                "reason": serializers.CharField(),
            },
        ),
        "warnings": inline_serializer(
            "ForecastWarnings",
            {
                "year": serializers.IntegerField(),
                "flag_probability": serializers.FloatField(),
                "units": WarningSerializer(many=True),
            },
        ),
        "budget": inline_serializer(
            "ForecastBudget",
            {
                "amount_per_year": serializers.CharField(allow_null=True),
                "quarters": serializers.ListField(child=serializers.CharField()),
                "children": _numbers("3岁以下婴幼儿（按月折算） / children under three"),
                "money": serializers.ListField(child=serializers.CharField()),
                "complete": serializers.ListField(child=serializers.BooleanField()),
                "total": serializers.CharField(allow_null=True),
                "units": serializers.ListField(child=serializers.DictField()),
                "reason": serializers.CharField(),
            },
        ),
        "services": serializers.ListField(child=serializers.DictField()),
        "mismatches": serializers.ListField(child=serializers.DictField()),
    },
)

_TOWNSHIP = OpenApiParameter("township", str, required=True, description="乡镇代码 / township")
_PARAMETERS = [
    _TOWNSHIP,
    OpenApiParameter(
        "year", int, description="基准年度（默认有数据的最近一年） / base year (default: latest)"
    ),
    OpenApiParameter("horizon", int, description="预测年数 1–5 / years ahead"),
]


class AssumptionsSerializer(serializers.ModelSerializer[TownshipAssumptions]):
    township = serializers.CharField(source="township.code", read_only=True)

    class Meta:
        model = TownshipAssumptions
        fields = ["township", *FIELDS, "note", "updated_by", "updated_at"]
        read_only_fields = ["updated_by", "updated_at"]


class AssumptionsInputSerializer(serializers.Serializer[Any]):
    survival = serializers.FloatField(required=False, allow_null=True)
    net_migration = serializers.FloatField(required=False, allow_null=True)
    entrants = serializers.FloatField(required=False, allow_null=True)
    fertility_trend = serializers.FloatField(required=False, allow_null=True)
    low_factor = serializers.FloatField(required=False, allow_null=True)
    high_factor = serializers.FloatField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _refused(error: ForecastError) -> Response:
    return Response({"field": error.field, "detail": str(error)}, status=400)


def _township(request: Request) -> OrgUnit:
    code = request.query_params.get("township", "")
    if not code.strip():
        raise ForecastError("township", "请指定乡镇 / name the township")
    try:
        return find_township(code, request.user)
    except ForecastError:
        raise NotFound("未知或无权查看的乡镇 / unknown township, or not one you may see") from None


class ForecastViewSet(viewsets.ViewSet):
    """A township's birth forecast, computed on request; its saved assumptions."""

    @extend_schema(parameters=_PARAMETERS, responses=_REPORT)
    def list(self, request: Request) -> Response:
        try:
            township = _township(request)
            year = parse_year(request.query_params.get("year"), township)
            text = request.query_params.get("horizon")
            horizon = parse_horizon(text, 5) if text else None
            report = township_forecast(township, year, horizon=horizon)
        except ForecastError as error:
            return _refused(error)
        return Response(report_document(report))

    @extend_schema(
        methods=["GET"],
        parameters=[_TOWNSHIP],
        responses=inline_serializer(
            "ForecastAssumptionsState",
            {"saved": AssumptionsSerializer(allow_null=True)},
        ),
    )
    @extend_schema(
        methods=["PUT"],
        parameters=[_TOWNSHIP],
        request=AssumptionsInputSerializer,
        responses=AssumptionsSerializer,
    )
    @extend_schema(methods=["DELETE"], parameters=[_TOWNSHIP], responses={204: None})
    @action(detail=False, methods=["get", "put", "delete"], url_path="assumptions")
    def assumptions(self, request: Request) -> Response:
        actor = Actor.from_request(request, Channel.API)
        try:
            township = _township(request)
            if request.method == "GET":
                row = saved_assumptions(township)
                return Response({"saved": AssumptionsSerializer(row).data if row else None})
            if request.method == "DELETE":
                do_clear_assumptions(actor, township)
                return Response(status=204)
            payload = AssumptionsInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            data = dict(payload.validated_data)
            note = data.pop("note", "")
            row = do_save_assumptions(actor, township, data, note)
        except ForecastError as error:
            return _refused(error)
        return Response(AssumptionsSerializer(row).data)


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the API router."""
    router.register("forecasts", ForecastViewSet, basename="forecast")
