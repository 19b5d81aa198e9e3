"""What the forecast costs and needs: the childcare-subsidy budget by quarter, and the screening
and childcare places the births and the population call for.

**The subsidy budget** (育儿补贴) counts children under three, month by month, from the births
the villages reported each month (the configured monthly births elements) joined to the
forecast's births (the medium variant, spread evenly over each year's months), and prices them
with the configured amount a year (¥3,600 in the 2026 library), pro-rated by the months a child
is eligible in the quarter: a child born in the quarter's second month counts two months, one
who turns three in it counts the months before. A year in which a village reported no monthly
births but did report its births by mother's age has those spread evenly over its months. The
quarters run from the first quarter after the base year; quarters before the subsidy's first
month are left out (nothing was paid for them). The arithmetic is the engine's
(:func:`kaohe.engine.forecast.subsidy_budget`).

**The service needs**, per forecast year, from the township's medium births and its projected
population, with the configured ratios: newborns to screen (births × the coverage target),
couples in the pre-pregnancy screening target group (births × couples per birth) and those to
screen (× the coverage target), and childcare places (residents / 1,000 × places per 1,000).
The population is the last known one carried forward by the configured yearly growth, or by the
history's average yearly change when none is configured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext as _

from kaohe.engine.forecast import MAX_HORIZON, Budget, FloatArray, Forecast, subsidy_budget

from .config import ForecastConfig
from .history import TownshipFigures

MONTHS = 12


@dataclass(frozen=True)
class BudgetReport:
    """The subsidy budget, or why there is none (``budget`` None and ``reason``)."""

    budget: Budget | None
    reason: str = ""
    # Villages × years whose monthly births were filled from their births by age.
    spread_years: int = 0
    # Villages that could not be projected (their future births count as none).
    unprojected: tuple[str, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum(self.budget.total_money, Decimal("0.00")) if self.budget else Decimal("0.00")


@dataclass(frozen=True)
class ServiceYear:
    """The township's needs in one forecast year."""

    year: int
    births: float
    lower: float
    upper: float
    newborn_screening: float
    prepregnancy_target: float
    prepregnancy_screening: float
    population: float | None
    childcare_places: float | None


def _quarter_index(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


def _monthly_with_spread(figures: TownshipFigures) -> tuple[FloatArray, int]:
    """The reported monthly births, with the births by age spread evenly over the months of a
    year in which a village reported no monthly births; and how many village-years were."""
    monthly = figures.monthly.copy()
    first_year = figures.first_month[0]
    yearly = figures.births_by_year()
    spread = 0
    for t, year in enumerate(figures.years):
        lo = (year - first_year) * MONTHS
        if lo < 0 or lo + MONTHS > monthly.shape[1]:
            continue
        empty = np.all(np.isnan(monthly[:, lo : lo + MONTHS]), axis=1) & np.isfinite(yearly[:, t])
        monthly[empty, lo : lo + MONTHS] = (yearly[empty, t] / MONTHS)[:, np.newaxis]
        spread += int(empty.sum())
    return monthly, spread


def subsidy_report(
    figures: TownshipFigures, made: Forecast, config: ForecastConfig
) -> BudgetReport:
    """The childcare-subsidy budget for the quarters after the base year (module notes)."""
    subsidy = config.subsidy
    first_year, first_month = subsidy.first_month
    after_base = _quarter_index(figures.base_year + 1, 1)
    first = max(after_base, _quarter_index(first_year, (first_month - 1) // 3 + 1))
    last = min(after_base + subsidy.quarters, _quarter_index(made.years[-1], 4) + 1)
    quarters = last - first
    if quarters < 1:
        return BudgetReport(
            None,
            _(
                "育儿补贴自 {year} 年 {month} 月起发放，{base} 年以后的预测年度不在其内 / the "
                "childcare subsidy is paid from {month}/{year}: the years forecast after {base} "
                "come before it"
            ).format(year=first_year, month=first_month, base=figures.base_year),
        )
    monthly, spread = _monthly_with_spread(figures)
    future = made.births[:, :, 1]
    unprojected = tuple(c for c, ok in zip(made.units, made.projectable, strict=True) if not ok)
    try:
        budget = subsidy_budget(
            monthly,
            figures.first_month,
            np.nan_to_num(future, nan=0.0),
            made.years[0],
            quarters,
            subsidy.amount_per_year,
            eligible_months=subsidy.eligible_months,
            first_quarter=(first // 4, first % 4 + 1),
            units=made.units,
        )
    except ValueError as error:  # the engine's refusal, bilingual: the page shows it
        return BudgetReport(None, str(error), spread_years=spread)
    return BudgetReport(budget, spread_years=spread, unprojected=unprojected)


def population_growth(figures: TownshipFigures, config: ForecastConfig) -> float:
    """The yearly change of the population used for the needs: the configured one, else the
    average over the history years in which the township's population is known in both."""
    if config.services.population_growth is not None:
        return config.services.population_growth
    reporting = np.any(np.isfinite(figures.population), axis=1)
    column_known = np.all(np.isfinite(figures.population[reporting]), axis=0)
    total = np.where(column_known, figures.population[reporting].sum(axis=0), np.nan)
    changes = [
        total[t] / total[t - 1] - 1
        for t in range(1, len(total))
        if math.isfinite(total[t]) and math.isfinite(total[t - 1]) and total[t - 1] > 0
    ]
    return float(np.mean(changes)) if changes else 0.0


def last_population(figures: TownshipFigures) -> tuple[int, float] | None:
    """(year, the township's population) in the last history year in which every village that
    reports a population at all has one; None when none does."""
    reporting = np.any(np.isfinite(figures.population), axis=1)
    if not reporting.any():
        return None
    for t in range(len(figures.years) - 1, -1, -1):
        column = figures.population[reporting, t]
        if bool(np.all(np.isfinite(column))):
            return figures.years[t], float(column.sum())
    return None


def service_needs(
    figures: TownshipFigures,
    years: tuple[int, ...],
    births: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    config: ForecastConfig,
) -> list[ServiceYear]:
    """The township's needs in each forecast year, from its medium births (module notes)."""
    ratios = config.services
    growth = population_growth(figures, config)
    known = last_population(figures)
    out = []
    for h, year in enumerate(years[:MAX_HORIZON]):
        population = None if known is None else known[1] * (1 + growth) ** (year - known[0])
        out.append(
            ServiceYear(
                year=year,
                births=float(births[h]),
                lower=float(lower[h]),
                upper=float(upper[h]),
                newborn_screening=float(births[h]) * ratios.newborn_screening_coverage,
                prepregnancy_target=float(births[h]) * ratios.prepregnancy_couples_per_birth,
                prepregnancy_screening=float(births[h])
                * ratios.prepregnancy_couples_per_birth
                * ratios.prepregnancy_coverage,
                population=population,
                childcare_places=None
                if population is None
                else population / 1000 * ratios.childcare_places_per_1000,
            )
        )
    return out
