"""REST API: ``GET /api/completeness/?township=CODE&year=YYYY&dataset=CODE``.

The completeness and timeliness of a unit's subtree (a township, usually) for a calendar year:
per data set, a row per unit with a cell per period (``on_time``, ``late``, ``missing``,
``not_due``, ``not_expected``) and the counts and rates, and the totals per period and for the
data set. Empty ``township`` is the user's first township (a reporter: their own unit); empty
``year`` is this year. A unit or data set the user does not see answers 404; a bad year 400.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit

from .completeness import CellState, Completeness, DataSetGrid, Tally
from .selectors import CompletenessError, completeness_of, resolve_query


class CompletenessTallySerializer(serializers.Serializer[Any]):
    expected = serializers.IntegerField(help_text=gettext_lazy("应报份数"))
    actual = serializers.IntegerField(help_text=gettext_lazy("实报份数（已提交）"))
    on_time = serializers.IntegerField(help_text=gettext_lazy("按时份数"))
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    not_due = serializers.IntegerField()
    reporting_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text=gettext_lazy("实报 ÷ 应报 × 100；无应报时为 null"),
    )
    reporting_rate_on_time = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text=gettext_lazy("按时 ÷ 应报 × 100；无应报时为 null"),
    )


class CompletenessCellSerializer(serializers.Serializer[Any]):
    period = serializers.CharField()
    due = serializers.DateField(help_text=gettext_lazy("报送期限（含当天）"))
    state = serializers.ChoiceField(choices=CellState.choices)
    received_on = serializers.DateField(allow_null=True)
    submission = serializers.IntegerField(allow_null=True)


class CompletenessUnitRowSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    cells = CompletenessCellSerializer(many=True)
    totals = CompletenessTallySerializer()


class CompletenessPeriodTotalSerializer(CompletenessTallySerializer):
    period = serializers.CharField()


class CompletenessDataSetGridSerializer(serializers.Serializer[Any]):
    dataset = serializers.CharField()
    name = serializers.CharField()
    period_type = serializers.CharField()
    due_day = serializers.IntegerField()
    periods = serializers.ListField(child=serializers.CharField())
    units = CompletenessUnitRowSerializer(many=True)
    period_totals = CompletenessPeriodTotalSerializer(many=True)
    totals = CompletenessTallySerializer()


class CompletenessSerializer(serializers.Serializer[Any]):
    township = serializers.CharField(help_text=gettext_lazy("所选单位（通常是乡镇）的代码"))
    name = serializers.CharField()
    year = serializers.IntegerField()
    as_of = serializers.DateField(help_text=gettext_lazy("按哪一天区分“缺报”与“未到期”"))
    datasets = CompletenessDataSetGridSerializer(many=True)
    totals = CompletenessTallySerializer()


def _tally(tally: Tally) -> dict[str, Any]:
    return {
        "expected": tally.expected,
        "actual": tally.actual,
        "on_time": tally.on_time,
        "late": tally.late,
        "missing": tally.missing,
        "not_due": tally.not_due,
        "reporting_rate": tally.reporting_rate,
        "reporting_rate_on_time": tally.reporting_rate_on_time,
    }


def _grid(grid: DataSetGrid) -> dict[str, Any]:
    return {
        "dataset": grid.dataset.code,
        "name": grid.dataset.name,
        "period_type": grid.dataset.period_type,
        "due_day": grid.dataset.due_day,
        "periods": [p.code for p in grid.periods],
        "units": [
            {
                "unit": row.unit.code,
                "name": row.unit.name,
                "kind": row.unit.kind,
                "cells": [
                    {
                        "period": cell.period.code,
                        "due": cell.due,
                        "state": cell.state.value,
                        "received_on": cell.report.received_on if cell.report else None,
                        "submission": cell.report.submission_id if cell.report else None,
                    }
                    for cell in row.cells
                ],
                "totals": _tally(row.tally),
            }
            for row in grid.rows
        ],
        "period_totals": [
            {"period": period.code, **_tally(tally)}
            for period, tally in zip(grid.periods, grid.period_tallies, strict=True)
        ],
        "totals": _tally(grid.tally),
    }


def as_data(report: Completeness) -> dict[str, Any]:
    """The report as the API (and the command line's JSON) gives it."""
    return {
        "township": report.root.code,
        "name": report.root.name,
        "year": report.year,
        "as_of": report.as_of,
        "datasets": [_grid(grid) for grid in report.grids],
        "totals": _tally(report.tally),
    }


class CompletenessViewSet(viewsets.ViewSet):
    """Completeness and timeliness of reporting (报表完整性与及时性)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("township", OpenApiTypes.STR, description="单位代码（通常是乡镇）"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年"),
            OpenApiParameter("dataset", OpenApiTypes.STR, description="只看此数据集"),
        ],
        responses=CompletenessSerializer,
    )
    def list(self, request: Request) -> Response:
        params = request.query_params
        try:
            query = resolve_query(
                request.user,
                params.get("township", ""),
                params.get("year", ""),
                params.get("dataset", ""),
            )
        except (OrgUnit.DoesNotExist, DataSet.DoesNotExist):
            raise NotFound(_("没有这个单位或数据集 / no such unit or data set")) from None
        except CompletenessError as error:
            raise ValidationError({"year": [str(error)]}) from None
        if query is None:
            raise NotFound(_("你还没有可以查看的单位 / you see no unit yet"))
        report = completeness_of(query, request.user)
        return Response(CompletenessSerializer(as_data(report)).data)
