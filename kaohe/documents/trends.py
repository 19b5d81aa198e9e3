"""Monthly trends of a township's year, for the overview dashboard.

Two things a township office follows month by month:

* **the indicators, year to date** (1月至当月累计): for each month of the assessment year, every
  indicator of the scheme recomputed for the whole township from the figures reported from the
  start of the year to the end of that month — the same computation as the run's township
  figures (:func:`kaohe.engine.assess.area_indicators`: numerators and denominators summed
  over the units, never rates averaged), on a shorter span. The last month's figures are the
  year's as they stand now, so they differ from the published run's only where figures changed
  after it was published.
* **the births of each month** against the same month of the year before, and their running
  total against the birth plan's cap, when the scheme scores births against a plan (its plan
  item reads one element: whatever the county named it).

Everything is read in a handful of queries (the assessment's own reading of the year, and one
grouped query for the monthly births of both years).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import AssessmentError, prepare_assessment
from kaohe.datavalues.models import DataValue
from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import AssessmentInputs, area_indicators
from kaohe.engine.compiling import CompiledScheme
from kaohe.engine.periods import Period, PeriodError, PeriodType, parse_period, periods_within
from kaohe.engine.spec import AggregationType
from kaohe.schemes.allocation import plan_item_code


@dataclass(frozen=True)
class Month:
    """One month of the assessment year: its period code, number (1–12) and year."""

    code: str
    year: int
    month: int


@dataclass
class MonthlyTrends:
    """The months of the year; per indicator code its year-to-date value at each month's end
    (None: missing); the births element (code and name; empty when the scheme has no plan
    item reading one element) with this year's and last year's births per month and the
    running total."""

    months: list[Month] = field(default_factory=list)
    indicators: dict[str, list[float | None]] = field(default_factory=dict)
    births_element: str = ""
    births: list[int | None] = field(default_factory=list)
    births_last_year: list[int | None] = field(default_factory=list)
    cumulative: list[int | None] = field(default_factory=list)

    @property
    def has_births(self) -> bool:
        return bool(self.births_element) and any(b is not None for b in self.births)

    @property
    def birth_rows(self) -> list[tuple[Month, int | None, int | None, int | None]]:
        """Month by month: this year's births, last year's, and this year's running total."""
        return list(
            zip(self.months, self.births, self.births_last_year, self.cumulative, strict=False)
        )


def months_of(period: Period) -> list[Month]:
    """The months inside the assessment period (a statistical year: October to September)."""
    try:
        found = periods_within(period, PeriodType.MONTHLY)
    except PeriodError:
        return []
    return [Month(p.code, p.start.year, p.start.month) for p in found]


def _year_to_date(cube: ValueCube, end: Period) -> ValueCube:
    """The cube's figures of the periods that end on or before ``end`` ends."""
    keep = [i for i, code in enumerate(cube.periods) if parse_period(code).end <= end.end]
    return ValueCube(
        cube.units, cube.elements, tuple(cube.periods[i] for i in keep), cube.data[:, keep, :]
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def year_to_date_indicators(
    compiled: CompiledScheme, inputs: AssessmentInputs, months: Sequence[Month]
) -> dict[str, list[float | None]]:
    """Per indicator its township value from the start of the year to each month's end.

    Only the figures count: reporting rates (``R{}``) and other sources serve the whole
    assessed period and are left out, so an indicator built on them reads as missing here."""
    year_cube = inputs.cubes.get(0)
    values: dict[str, list[float | None]] = {i.code: [] for i in compiled.spec.indicators}
    if year_cube is None:
        return values
    # The earlier periods only where an indicator reads them (``.periodOffset``).
    earlier = {o: c for o, c in inputs.cubes.items() if o != 0 and o in compiled.indicator_offsets}
    for month in months:
        cut = _year_to_date(year_cube, parse_period(month.code))
        cubes = {**earlier, 0: cut}
        ytd = AssessmentInputs(units=inputs.units, kinds=inputs.kinds, cubes=cubes)
        found = area_indicators(compiled, ytd)
        for code in values:
            values[code].append(_finite(found.get(code)))
    return values


def births_element(compiled: CompiledScheme, inputs: AssessmentInputs, plan_item: str) -> str:
    """The element the plan item counts (births), when it reads exactly one summed element of
    the assessed period; else ""."""
    year_cube = inputs.cubes.get(0)
    specs = {e.code: e for e in year_cube.elements} if year_cube is not None else {}
    for item in compiled.items:
        if item.spec.code != plan_item:
            continue
        refs = item.actual.references
        own = {code for code, offset in refs.elements if offset == 0}
        if len(own) != 1 or refs.indicators:
            return ""
        code = next(iter(own))
        spec = specs.get(code)
        return code if spec is not None and spec.aggregation is AggregationType.SUM else ""
    return ""


def monthly_sums(
    run: AssessmentRun, element: str, months: Sequence[Month]
) -> tuple[list[int | None], list[int | None]]:
    """This year's and last year's reported ``element`` per month, summed over the run's
    township's units of the scheme's kinds (one query; None where nobody reported)."""
    if run.root is None or not months:
        return [None] * len(months), [None] * len(months)
    codes = [m.code for m in months]
    last = [f"{m.year - 1}{m.month:02d}" for m in months]
    rows = DataValue.objects.filter(
        element__code=element,
        unit__path__startswith=run.root.path,
        period__code__in=codes + last,
    )
    if run.scheme.unit_kinds:
        rows = rows.filter(unit__kind__in=list(run.scheme.unit_kinds))
    sums: Mapping[str, Decimal] = dict(
        rows.values_list("period__code").annotate(total=Sum("value")).order_by()
    )

    def counts(wanted: list[str]) -> list[int | None]:
        return [None if sums.get(c) is None else int(sums[c]) for c in wanted]

    return counts(codes), counts(last)


def running_total(values: Sequence[int | None]) -> list[int | None]:
    """The running total, missing months counting nothing (None until the first figure)."""
    total: int | None = None
    out: list[int | None] = []
    for value in values:
        if value is not None:
            total = (total or 0) + value
        out.append(total)
    return out


def monthly_trends(run: AssessmentRun) -> MonthlyTrends:
    """The trends of ``run``'s township and year (empty when the figures cannot be read)."""
    try:
        prepared = prepare_assessment(run.scheme, run.year, run.root)
    except (AssessmentError, PeriodError):
        return MonthlyTrends()
    months = months_of(prepared.period)
    trends = MonthlyTrends(
        months=months,
        indicators=year_to_date_indicators(prepared.compiled, prepared.inputs, months),
    )
    element = births_element(prepared.compiled, prepared.inputs, plan_item_code(run.scheme))
    if element:
        trends.births_element = element
        trends.births, trends.births_last_year = monthly_sums(run, element, months)
        trends.cumulative = running_total(trends.births)
    return trends
