"""Reading a township's figures for the forecast: one query for every element, unit and year.

What is read (the elements named in the configuration, :mod:`kaohe.forecasts.config`), for the
villages (the configured unit kinds) under the township:

* women by age group: the last figure of each year (a stock);
* births by mother's age group: the sum of the year's figures (a flow);
* the population at year end: the last figure of the year of the first configured element that
  has one (the 2026 library's resident population, else the 2006 library's population);
* the births the villages report month by month (the first configured element with a figure in
  the month): their yearly sums, to compare with the births by age, and the months themselves,
  for the childcare-subsidy budget.

The history is the run of consecutive years that ends in the base year and in which some village
reported women or births by age (at most ``max_history_years``). Figures of the years after the
base year are read too: where they exist, the forecast is shown beside what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import F, Q, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from kaohe.datavalues.models import DataValue
from kaohe.engine.forecast import AGE_GROUPS, FloatArray, ForecastHistory
from kaohe.orgunits.models import OrgUnit

from .config import ForecastConfig
from .errors import ForecastError

AGES = len(AGE_GROUPS)
# Months read before the base year's first month: enough for every child under three in the
# quarters after it.
MONTHS_BEFORE = 36


@dataclass(frozen=True)
class TownshipFigures:
    """A township's figures, arrays in the order of ``units`` and ``years``.

    ``women``/``births`` (U, Y, 7), ``population`` and ``reported`` (U, Y): NaN where missing.
    ``reported`` is the year's sum of the monthly births the villages report. ``later_births``
    (U, L) are the births by age of the years ``later_years`` after the base year (NaN where
    missing). ``monthly`` (U, M) the monthly births from ``first_month`` to the base year's
    December (NaN where no figure)."""

    township: OrgUnit
    units: tuple[OrgUnit, ...]
    base_year: int
    years: tuple[int, ...]
    women: FloatArray
    births: FloatArray
    population: FloatArray
    reported: FloatArray
    later_years: tuple[int, ...]
    later_births: FloatArray
    later_reported: FloatArray
    first_month: tuple[int, int]
    monthly: FloatArray

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)

    def history(self) -> ForecastHistory:
        """The engine's input: the history years' figures."""
        return ForecastHistory(
            units=self.codes,
            years=self.years,
            women=self.women,
            births=self.births,
            population=self.population,
        )

    def births_by_year(self) -> FloatArray:
        """(U, Y) births of each history year, the age groups summed (NaN if any is missing)."""
        summed: FloatArray = self.births.sum(axis=2)
        return summed


def _in_subtree(root: OrgUnit) -> Q:
    """Values of units under ``root``, letter case included (see kaohe.core.access)."""
    prefix = Substr(F("unit__path"), 1, len(root.path))
    return Q(unit__path__startswith=root.path) & Q(Exact(prefix, Value(root.path)))


def forecast_units(township: OrgUnit, config: ForecastConfig, base_year: int) -> list[OrgUnit]:
    """The units forecast one by one: the township's units of the configured kinds still open in
    the base year, in tree order."""
    units = OrgUnit.objects.subtree(township).filter(kind__in=list(config.unit_kinds))
    units = units.filter(Q(closed_date__isnull=True) | Q(closed_date__gte=date(base_year, 1, 1)))
    return list(units.order_by("path"))


def figure_years(township: OrgUnit, config: ForecastConfig) -> list[int]:
    """The years in which some unit under ``township`` reported women or births by age."""
    codes = [*config.elements.women, *config.elements.births_by_age]
    starts = (
        DataValue.objects.filter(_in_subtree(township), element__code__in=codes)
        .values_list("period__start_date", flat=True)
        .distinct()
    )
    return sorted({d.year for d in starts})


def _rows(
    township: OrgUnit, config: ForecastConfig, first: date, last: date
) -> list[tuple[Any, ...]]:
    """Every figure the forecast needs between ``first`` and ``last``: one query."""
    return list(
        DataValue.objects.filter(
            _in_subtree(township),
            unit__kind__in=list(config.unit_kinds),
            element__code__in=list(config.elements.all()),
            period__start_date__gte=first,
            period__end_date__lte=last,
        ).values_list(
            "unit_id",
            "element__code",
            "period__period_type",
            "period__start_date",
            "period__end_date",
            "value",
        )
    )


def _history_years(years: Sequence[int], base_year: int, longest: int) -> tuple[int, ...]:
    """The consecutive years ending in ``base_year`` that have figures (at most ``longest``)."""
    have = set(years)
    run = [base_year]
    while run[0] - 1 in have and len(run) < longest:
        run.insert(0, run[0] - 1)
    return tuple(run)


def read_figures(
    township: OrgUnit, base_year: int, config: ForecastConfig, *, later: int = 5
) -> TownshipFigures:
    """The township's figures for a forecast from ``base_year`` (see the module notes).

    Refuses (:class:`ForecastError`, field ``year``) a base year in which no unit reported
    women or births by age."""
    available = figure_years(township, config)
    if base_year not in available:
        shown = "、".join(str(y) for y in available) or "—"
        raise ForecastError(
            "year",
            _(
                "{township} {year} 年没有分年龄妇女数和出生数，无法预测；有数据的年度：{years} / "
                "{township} has no women or births by age for {year}, so nothing can be forecast "
                "from it; years with figures: {years}"
            ).format(township=township.name, year=base_year, years=shown),
        )
    years = _history_years(available, base_year, config.max_history_years)
    units = forecast_units(township, config, base_year)
    later_years = tuple(range(base_year + 1, base_year + later + 1))
    first_month_year = base_year - MONTHS_BEFORE // 12 + 1
    first = min(years[0], first_month_year)
    rows = _rows(township, config, date(first, 1, 1), date(later_years[-1], 12, 31))
    return _arrange(township, units, base_year, years, later_years, first_month_year, rows, config)


def _arrange(
    township: OrgUnit,
    units: Sequence[OrgUnit],
    base_year: int,
    years: tuple[int, ...],
    later_years: tuple[int, ...],
    first_month_year: int,
    rows: Sequence[tuple[Any, ...]],
    config: ForecastConfig,
) -> TownshipFigures:
    codes = config.elements
    index = {u.pk: i for i, u in enumerate(units)}
    all_years = (*years, *later_years)
    year_index = {y: t for t, y in enumerate(all_years)}
    n, span = len(units), len(all_years)
    women = np.full((n, span, AGES), np.nan)
    women_end = np.full((n, span, AGES), -1, dtype=np.int64)  # ordinal of the figure's end
    births = np.full((n, span, AGES), np.nan)
    population = np.full((n, span), np.nan)
    population_key = np.full((n, span, 2), np.iinfo(np.int64).max, dtype=np.int64)
    months = (base_year - first_month_year + 1) * 12
    monthly = np.full((n, months), np.nan)
    monthly_rank = np.full((n, months), len(codes.births_total), dtype=np.int64)
    yearly_by_element: dict[tuple[int, int, int], float] = {}
    women_at = {code: a for a, code in enumerate(codes.women)}
    births_at = {code: a for a, code in enumerate(codes.births_by_age)}
    total_rank = {code: r for r, code in enumerate(codes.births_total)}
    population_rank = {code: r for r, code in enumerate(codes.population)}
    for unit_id, element, period_type, start, end, value in rows:
        i = index.get(unit_id)
        if i is None or start.year != end.year:
            continue  # a unit not forecast, or a period across two years (2026Oct)
        number = float(value)
        t = year_index.get(start.year)
        if element in women_at and t is not None:
            a = women_at[element]
            if end.toordinal() > women_end[i, t, a]:
                women_end[i, t, a] = end.toordinal()
                women[i, t, a] = number
        if element in births_at and t is not None:
            a = births_at[element]
            births[i, t, a] = number if np.isnan(births[i, t, a]) else births[i, t, a] + number
        if element in population_rank and t is not None:
            key = (population_rank[element], -end.toordinal())
            if key < tuple(population_key[i, t]):
                population_key[i, t] = key
                population[i, t] = number
        if element in total_rank:
            rank = total_rank[element]
            yearly_key = (i, start.year, rank)
            yearly_by_element[yearly_key] = yearly_by_element.get(yearly_key, 0.0) + number
            if period_type == "Monthly" and first_month_year <= start.year <= base_year:
                m = (start.year - first_month_year) * 12 + start.month - 1
                if rank < monthly_rank[i, m]:
                    monthly_rank[i, m] = rank
                    monthly[i, m] = number
    reported = np.full((n, span), np.nan)
    for (i, year, _rank), total in sorted(yearly_by_element.items(), key=lambda kv: -kv[0][2]):
        t = year_index.get(year)
        if t is not None:
            reported[i, t] = total  # the first element in the configured order wins
    h = len(years)
    return TownshipFigures(
        township=township,
        units=tuple(units),
        base_year=base_year,
        years=years,
        women=women[:, :h],
        births=births[:, :h],
        population=population[:, :h],
        reported=reported[:, :h],
        later_years=later_years,
        later_births=births[:, h:].sum(axis=2),
        later_reported=reported[:, h:],
        first_month=(first_month_year, 1),
        monthly=monthly,
    )
