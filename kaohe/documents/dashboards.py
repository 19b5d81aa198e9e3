"""What the two dashboards show, read from the published results through the access check.

* :func:`township_dashboard`: a township's year under one scheme — each indicator of the
  township against its target and last year, the monthly trends (:mod:`kaohe.documents.trends`),
  births against the birth plan, the ranking, the weak and strict units with the state of
  their remediation, and (where the forecasts app provides it) the births forecast.
* :func:`unit_dashboard`: one unit — its indicators over the years, its score of a year item
  by item, and its money.

Only **published** runs are shown (a draft may still change). The caller has already decided
that the user may see the township or unit (:func:`kaohe.core.access.may`); the rows are read
through :func:`kaohe.core.access.restrict` all the same, so a reporter sees only their unit's.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Count, Model, QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from kaohe.assessments.models import (
    AssessmentRun,
    IndicatorValue,
    ItemResult,
    RunStatus,
    UnitResult,
)
from kaohe.assessments.publishing import published_run
from kaohe.assessments.selectors import area_indicators
from kaohe.core.access import restrict
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.remediation.models import Designation, ProgressEntry, RemediationPlan
from kaohe.rewards.models import LedgerEntry
from kaohe.rewards.selectors import Totals, totals
from kaohe.schemes.allocation import plan_item_code
from kaohe.schemes.models import BirthPlan, Indicator

from .trends import MonthlyTrends, monthly_trends

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)

UP, DOWN, SAME = "up", "down", "same"
FORECAST_TEMPLATE = "forecasts/_chart.html"


def visible(rows: QuerySet[M], user: Any) -> QuerySet[M]:
    """``rows`` as ``user`` may see them (``None``: the console, which sees everything)."""
    return rows if user is None else restrict(rows, user)


def change_of(value: float | None, before: float | None) -> str:
    """``up``, ``down`` or ``same`` (empty when either is missing)."""
    if value is None or before is None:
        return ""
    if value > before:
        return UP
    return DOWN if value < before else SAME


# --- the township ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    """A township indicator of the year beside its target and last year's figure."""

    code: str
    name: str
    name_en: str
    unit_label: str
    decimals: int
    value: float | None
    target: float | None
    direction: str
    met: bool | None
    last_year: float | None

    @property
    def change(self) -> str:
        return change_of(self.value, self.last_year)

    @property
    def improved(self) -> bool | None:
        """Whether the change is for the better (a lower birth rate where lower is better)."""
        if self.change in ("", SAME):
            return None
        return (self.change == DOWN) == (self.direction == "lower")


@dataclass(frozen=True)
class PlanRow:
    """A unit's births against its quota (the plan item's actual and target)."""

    code: str
    name: str
    quota: float | None
    births: float | None

    @property
    def over(self) -> bool:
        return self.quota is not None and self.births is not None and self.births > self.quota


@dataclass
class BirthsAgainstPlan:
    """The township's plan (cap, rate) and each unit's births against its quota."""

    plan: BirthPlan | None
    rows: list[PlanRow]

    @property
    def births(self) -> float:
        return sum(r.births or 0 for r in self.rows)

    @property
    def quotas(self) -> float:
        return sum(r.quota or 0 for r in self.rows)

    @property
    def cap(self) -> int | None:
        return self.plan.cap_births if self.plan is not None else None

    @property
    def over_cap(self) -> bool:
        return self.cap is not None and self.births > self.cap


@dataclass(frozen=True)
class WeakRow:
    """A weak or strict unit of the year and where its remediation stands."""

    designation: Designation
    plan: RemediationPlan | None
    last_progress: ProgressEntry | None


@dataclass
class TownshipDashboard:
    township: OrgUnit
    year: int | None
    run: AssessmentRun | None
    runs: list[AssessmentRun]  # the published runs of the year, one per scheme
    years: list[int]  # every year with a published run, newest first
    indicators: list[IndicatorRow] = field(default_factory=list)
    last_run: AssessmentRun | None = None
    trends: MonthlyTrends = field(default_factory=MonthlyTrends)
    births: BirthsAgainstPlan | None = None
    ranking: list[UnitResult] = field(default_factory=list)
    weak: list[WeakRow] = field(default_factory=list)
    forecast: Any = None

    @property
    def trend_rows(self) -> list[tuple[IndicatorRow, list[float | None]]]:
        """Each indicator with its year-to-date values by month (only those with any)."""
        rows = []
        for row in self.indicators:
            values = self.trends.indicators.get(row.code, [])
            if any(v is not None for v in values):
                rows.append((row, values))
        return rows


def township_runs(user: Any, township: OrgUnit) -> list[AssessmentRun]:
    """The published runs over ``township`` the user may see, newest year first, the scheme
    assessing the most units first within a year."""
    runs = visible(
        AssessmentRun.objects.filter(status=RunStatus.PUBLISHED, root=township).select_related(
            "scheme", "root"
        ),
        user,
    )
    found = list(runs)
    sizes = dict(
        UnitResult.objects.filter(run__in=found)
        .values_list("run_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return sorted(found, key=lambda r: (-r.year, -sizes.get(r.pk, 0), r.scheme.code))


def _indicator_rows(run: AssessmentRun, last: AssessmentRun | None) -> list[IndicatorRow]:
    before: dict[str, float | None] = {}
    if last is not None:
        before = dict(last.area_indicator_values.values_list("indicator_code", "value"))
    rows = []
    for a in area_indicators(run):
        rows.append(
            IndicatorRow(
                code=a.indicator_code,
                name=getattr(a, "name", None) or a.indicator_code,
                name_en=getattr(a, "name_en", None) or getattr(a, "name", None) or "",
                unit_label=getattr(a, "unit_label", None) or "",
                decimals=int(getattr(a, "decimals", None) or 0),
                value=a.value,
                target=a.target,
                direction=a.direction,
                met=a.met,
                last_year=before.get(a.indicator_code),
            )
        )
    return rows


def births_against_plan(run: AssessmentRun) -> BirthsAgainstPlan | None:
    """Each unit's births against its quota when the scheme scores births against a plan
    (its plan item was scored), with the township's stored plan (cap) if there is one."""
    item = plan_item_code(run.scheme)
    rows = (
        ItemResult.objects.filter(unit_result__run=run, item_code=item, part="")
        .select_related("unit_result__unit")
        .order_by("unit_result__unit__path")
    )
    found = [
        PlanRow(r.unit_result.unit.code, r.unit_result.unit.name, r.target, r.actual) for r in rows
    ]
    if not found:
        return None
    plan = None
    if run.root is not None:
        plan = (
            BirthPlan.objects.filter(scheme__code=run.scheme.code, township=run.root, year=run.year)
            .order_by("-scheme__version")
            .first()
        )
    return BirthsAgainstPlan(plan, found)


def weak_units(run: AssessmentRun) -> list[WeakRow]:
    """The units designated weak or strict from the year under the run's scheme, in the
    township, with their plan and its latest progress."""
    if run.root is None:
        return []
    designations = (
        Designation.objects.filter(
            scheme_code=run.scheme.code,
            year=run.year,
            unit__path__startswith=run.root.path,
            revoked_at__isnull=True,
        )
        .select_related("unit", "plan", "plan__leader")
        .prefetch_related("plan__progress")
        .order_by("unit__path")
    )
    rows = []
    for d in designations:
        try:
            plan = d.plan
        except RemediationPlan.DoesNotExist:
            plan = None
        progress = list(plan.progress.all()) if plan is not None else []
        rows.append(WeakRow(d, plan, progress[-1] if progress else None))
    return rows


def forecast_chart(township: OrgUnit, year: int) -> Any:
    """The births forecast of the forecasts app for the township (history and forecast with
    its band), or None where that app does not provide one or cannot make it."""
    try:
        module = importlib.import_module("kaohe.forecasts.selectors")
        get_template(FORECAST_TEMPLATE)
    except (ImportError, TemplateDoesNotExist):
        return None
    make = getattr(module, "township_forecast_chart", None)
    if not callable(make):
        return None
    try:
        return make(township, year)
    except Exception:  # the dashboard stands without its forecast; the reason goes to the log
        logger.exception("forecast chart of %s %s", township.code, year)
        return None


def township_dashboard(
    user: Any, township: OrgUnit, year: int | None = None, scheme: str = ""
) -> TownshipDashboard:
    """The overview of ``township`` for ``year`` (default: the newest year with a published
    run) under ``scheme`` (a code; default: the scheme assessing the most units that year)."""
    runs = township_runs(user, township)
    years = sorted({r.year for r in runs}, reverse=True)
    if year is None and years:
        year = years[0]
    of_year = [r for r in runs if r.year == year]
    chosen = next((r for r in of_year if r.scheme.code == scheme), None) if scheme else None
    if chosen is None and not scheme and of_year:
        chosen = of_year[0]
    board = TownshipDashboard(township=township, year=year, run=chosen, runs=of_year, years=years)
    if chosen is None:
        return board
    board.last_run = published_run(chosen.scheme, chosen.year - 1, township)
    board.indicators = _indicator_rows(chosen, board.last_run)
    board.trends = monthly_trends(chosen)
    board.births = births_against_plan(chosen)
    board.ranking = list(
        visible(chosen.unit_results.select_related("unit"), user).order_by(
            "kind", "rank", "unit__path"
        )
    )
    board.weak = weak_units(chosen)
    if year is not None:
        board.forecast = forecast_chart(township, year)
    return board


# --- one unit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSeries:
    """One indicator of a unit over the years (None where a year has no value)."""

    code: str
    name: str
    name_en: str
    unit_label: str
    decimals: int
    values: list[float | None]


@dataclass
class UnitDashboard:
    unit: OrgUnit
    year: int | None
    years: list[int]  # years with a published result, oldest first
    results: list[UnitResult]  # the unit's published results of the year (one per scheme)
    result: UnitResult | None
    items: list[ItemResult] = field(default_factory=list)
    series: list[IndicatorSeries] = field(default_factory=list)
    money: Totals | None = None
    entries: int = 0
    vetoes: list[str] = field(default_factory=list)  # the names of the vetoes that fired

    @property
    def township(self) -> OrgUnit | None:
        current: OrgUnit | None = self.unit
        while current is not None and current.kind != UnitKind.TOWNSHIP:
            current = current.parent
        return current


def _published_results(user: Any, unit: OrgUnit) -> QuerySet[UnitResult]:
    return visible(
        UnitResult.objects.filter(unit=unit, run__status=RunStatus.PUBLISHED).select_related(
            "run", "run__scheme", "run__root", "unit"
        ),
        user,
    ).order_by("run__year", "run__scheme__code")


def indicator_series(
    user: Any, unit: OrgUnit, runs: Iterable[AssessmentRun], years: list[int]
) -> list[IndicatorSeries]:
    """The unit's indicators in each of ``years`` from the published ``runs`` (one query, and
    one for the indicators' names)."""
    year_of = {r.pk: r.year for r in runs}
    values = visible(
        IndicatorValue.objects.filter(unit=unit, run_id__in=list(year_of)), user
    ).values_list("run_id", "indicator_code", "value")
    by_code: dict[str, dict[int, float | None]] = {}
    for run_id, code, value in values:
        by_code.setdefault(code, {})[year_of[run_id]] = value
    meta = {i.code: i for i in Indicator.objects.filter(code__in=list(by_code))}
    series = []
    for code in sorted(by_code, key=lambda c: (c not in meta, c)):
        indicator = meta.get(code)
        series.append(
            IndicatorSeries(
                code=code,
                name=indicator.name if indicator else code,
                name_en=(indicator.name_en or indicator.name) if indicator else code,
                unit_label=indicator.unit if indicator else "",
                decimals=indicator.decimals if indicator else 2,
                values=[by_code[code].get(y) for y in years],
            )
        )
    return series


def unit_dashboard(
    user: Any, unit: OrgUnit, year: int | None = None, scheme: str = ""
) -> UnitDashboard:
    """The dashboard of ``unit`` for ``year`` (default: its newest year with a published
    result) under ``scheme`` (default: the first the unit was assessed by that year)."""
    results = list(_published_results(user, unit))
    years = sorted({r.run.year for r in results})
    if year is None and years:
        year = years[-1]
    of_year = [r for r in results if r.run.year == year]
    result = next((r for r in of_year if r.run.scheme.code == scheme), None) if scheme else None
    if result is None and not scheme and of_year:
        result = of_year[0]
    board = UnitDashboard(unit=unit, year=year, years=years, results=of_year, result=result)
    board.series = indicator_series(user, unit, [r.run for r in results], years)
    if result is None:
        return board
    board.items = list(result.items.order_by("part", "sort_order"))
    names = dict(result.run.scheme.vetoes.values_list("code", "name"))
    board.vetoes = [names.get(str(code), str(code)) for code in result.vetoes]
    ledger = LedgerEntry.objects.select_related("unit", "person").filter(run=result.run, unit=unit)
    entries = list(visible(ledger, user).order_by("sort_order", "id"))
    board.entries = len(entries)
    board.money = totals(entries) if entries else None
    return board
