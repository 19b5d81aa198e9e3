"""The demo villages' women by five-year age group and births by mother's age group, yearly.

Pure Python and NumPy, no Django, like :mod:`kaohe.demo.generator`. The figures are drawn from
a random generator of their own (seeded from the demo's seed), so adding them leaves every other
figure of the demo as it was; :mod:`kaohe.demo.services` appends them to the data value set it
imports.

Two runs of consecutive years, each long enough for the forecast's backtest:

* the 2006 library's era: the five years before the demo's last 2006-library year and that year
  (2001–2006 for the default years): the "fourth birth peak", when the large cohorts born in the
  late 1980s reached their twenties and births rose year after year;
* the 2026 library's era, when the demo has 2026-library years: the seven years before the first
  of them and those years (2019–2026), a time of falling births, of small cohorts reaching
  childbearing age and of young women moving away.

Women are rolled forward year by year as a demographer's cohort-component projection does (a
fifth of each five-year group moves up a group, a few die or move), so the forecast that reads
them back has a real history to learn from. Births are drawn around age-specific rates that fit
each village's own level. Where the demo already reports a year's births (BIRTHS in the 2006
library's years, NEWBORN_LIVE_BIRTHS in the 2026 library's), the births by mother's age add up
to exactly the births the village reported; other years are drawn. Everything is aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .generator import DemoTownship
from .records import DemoValue

FloatArray = npt.NDArray[np.float64]

AGE_SUFFIXES = ("15_19", "20_24", "25_29", "30_34", "35_39", "40_44", "45_49")
WOMEN_ELEMENTS = tuple(f"WOMEN_{suffix}" for suffix in AGE_SUFFIXES)
BIRTHS_ELEMENTS = tuple(f"BIRTHS_MOTHER_{suffix}" for suffix in AGE_SUFFIXES)
# Which monthly element holds a year's reported births, by era.
BIRTHS_2006 = "BIRTHS"
BIRTHS_2026 = "NEWBORN_LIVE_BIRTHS"
POPULATION_2006 = "POPULATION"
POPULATION_2026 = "POP_RESIDENT"
# Years of history before the demo's own years in each era.
YEARS_BEFORE_2006 = 5
YEARS_BEFORE_2026 = 7
# The generator's salt: its own stream, apart from the others (1: units, 2026: the 2026 figures).
SALT = 9
SURVIVAL = 0.9992


@dataclass(frozen=True)
class _Era:
    """How one era's women and births look: the age structure at its first year (relative sizes
    of the seven groups), the girls entering 15–19 each year (relative to a fifth of the group),
    the share of the population that is women aged 15–49, the shape of fertility by age (births
    per woman per year), its change by year (relative to the era's last year) and the yearly
    net migration of women aged 20–34."""

    structure: tuple[float, ...]
    entrants: float
    women_share: float
    rates: tuple[float, ...]
    level_by_year: tuple[float, ...]
    migration: float


# Cohorts of 2001: born 1982–86 (large), the late-1970s dip, the 1960s boom in their thirties,
# the famine's small cohort at 40–44; the girls entering 15–19 were born in the late 1980s peak.
ERA_2006 = _Era(
    structure=(1.15, 0.85, 0.95, 1.2, 1.15, 0.7, 0.8),
    entrants=1.25,
    women_share=0.27,
    rates=(0.008, 0.13, 0.085, 0.028, 0.008, 0.002, 0.0005),
    level_by_year=(1.0,),
    migration=0.0,
)
# Cohorts of 2019: the children of the early-2000s trough are 15–24, the late-1980s peak is in
# its thirties; fewer girls each year; births falling until the middle of the decade.
ERA_2026 = _Era(
    structure=(0.8, 0.85, 1.1, 1.2, 1.0, 1.0, 1.15),
    entrants=0.85,
    women_share=0.21,
    rates=(0.004, 0.045, 0.085, 0.055, 0.02, 0.004, 0.0005),
    level_by_year=(1.3, 1.18, 1.1, 1.03, 0.98, 1.04, 0.97, 1.0),
    migration=-0.01,
)


@dataclass(frozen=True)
class ForecastFigures:
    """The figures, and the years of each era (for the tests and the stories)."""

    values: tuple[DemoValue, ...]
    years_2006: tuple[int, ...]
    years_2026: tuple[int, ...]


def era_years(
    years_2006: Sequence[int], years_2026: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The years of each era the figures cover: the 2006 library's last year and the five
    before it (and any earlier demo year), and, with 2026-library years, those and the seven
    before them (never reaching back into the first era)."""
    last = max(years_2006)
    early = tuple(range(min(min(years_2006), last - YEARS_BEFORE_2006), last + 1))
    late: tuple[int, ...] = ()
    if years_2026:
        first = max(min(years_2026) - YEARS_BEFORE_2026, last + 1)
        late = tuple(range(first, max(years_2026) + 1))
    return early, late


def _year_totals(
    values: Iterable[DemoValue], element: str, years: Sequence[int]
) -> dict[tuple[str, int], int]:
    """{(unit, year): the year's total} of a monthly flow, for ``years``."""
    wanted = {str(y) for y in years}
    totals: dict[tuple[str, int], int] = {}
    for v in values:
        if v.element == element and len(v.period) == 6 and v.period[:4] in wanted:
            key = (v.unit, int(v.period[:4]))
            totals[key] = totals.get(key, 0) + v.value
    return totals


def _populations(values: Iterable[DemoValue]) -> dict[tuple[str, str], int]:
    """{(unit, period): population} of both libraries' population elements."""
    return {
        (v.unit, v.period): v.value
        for v in values
        if v.element in (POPULATION_2006, POPULATION_2026)
    }


def _roll(rng: np.random.Generator, women: FloatArray, era: _Era) -> FloatArray:
    """The women one year on: a fifth of each group moves up, the oldest fifth leaves, girls
    enter 15–19, a few die or move; whole women, never fewer than none."""
    fifth = women / 5
    after = women - fifth
    after[1:] += fifth[:-1]
    after[0] += era.entrants * fifth[0]
    after *= SURVIVAL
    after[1:4] *= 1 + era.migration
    moved = rng.integers(-1, 2, size=women.shape)
    return np.maximum(np.rint(after) + moved, 0.0)


def _levels(era: _Era, count: int) -> FloatArray:
    """The era's fertility level for each of ``count`` years, aligned on the last year (earlier
    years than the era describes keep its first level)."""
    given = list(era.level_by_year[-count:])
    return np.array([given[0]] * (count - len(given)) + given)


def _village(
    rng: np.random.Generator,
    era: _Era,
    years: Sequence[int],
    population: float,
    reported: Mapping[int, int],
) -> tuple[FloatArray, FloatArray]:
    """One village's women (years × 7) and births by mother's age (years × 7) in one era.

    ``population`` is the village's population at the era's end; ``reported`` its reported
    births by year where the demo has them (the births by age add up to those exactly)."""
    structure = np.array(era.structure) * rng.uniform(0.92, 1.08, size=7)
    total = era.women_share * population * float(rng.uniform(0.95, 1.05))
    women = np.zeros((len(years), 7))
    women[0] = np.rint(total * structure / structure.sum())
    for t in range(1, len(years)):
        women[t] = _roll(rng, women[t - 1], era)
    shape = np.array(era.rates)
    level = _levels(era, len(years))
    expected = (women * shape).sum(axis=1) * level
    known = [t for t, year in enumerate(years) if year in reported]
    # The village's own level: the rates that give, on average, the births it reported.
    scale = float(rng.uniform(0.9, 1.1))
    if known:
        reported_sum = sum(reported[years[t]] for t in known)
        scale = max(reported_sum, 1) / max(float(expected[known].sum()), 1e-9)
    births = np.zeros((len(years), 7))
    for t, year in enumerate(years):
        weights = women[t] * shape
        count = reported[year] if year in reported else int(rng.poisson(scale * expected[t]))
        if weights.sum() <= 0:
            weights = shape
        births[t] = rng.multinomial(count, weights / weights.sum())
    return women, births


def generate_forecast_figures(
    seed: int,
    village_codes: Sequence[str],
    years_2006: Sequence[int],
    years_2026: Sequence[int],
    values: Sequence[DemoValue],
) -> ForecastFigures:
    """Women by age group and births by mother's age for every village in both eras.

    ``values`` are the demo's other figures: the births each village reported, which the births
    by age add up to, and the population the women are scaled to."""
    early, late = era_years(years_2006, years_2026)
    rng = np.random.default_rng([seed, SALT])
    populations = _populations(values)
    out: list[DemoValue] = []
    for era, years, births_element in (
        (ERA_2006, early, BIRTHS_2006),
        (ERA_2026, late, BIRTHS_2026),
    ):
        if not years:
            continue
        reported = _year_totals(values, births_element, years)
        for code in village_codes:
            population = _era_population(populations, code, years)
            own = {year: n for (unit, year), n in reported.items() if unit == code}
            women, births = _village(rng, era, years, population, own)
            for t, year in enumerate(years):
                period = str(year)
                out += [
                    DemoValue(element, period, code, int(n))
                    for element, n in zip(WOMEN_ELEMENTS, women[t], strict=True)
                ]
                out += [
                    DemoValue(element, period, code, int(n))
                    for element, n in zip(BIRTHS_ELEMENTS, births[t], strict=True)
                ]
    return ForecastFigures(values=tuple(out), years_2006=early, years_2026=late)


def _era_population(
    populations: Mapping[tuple[str, str], int], code: str, years: Sequence[int]
) -> float:
    """The village's latest known population in the era (December's, or the year's own); 1,500
    where the demo reports none."""
    for year in reversed(years):
        for period in (f"{year}12", str(year)):
            if (code, period) in populations:
                return float(populations[(code, period)])
    return 1500.0


def forecast_values(township: DemoTownship) -> tuple[DemoValue, ...]:
    """The figures for the demo township (what the demo imports beside its own)."""
    return generate_forecast_figures(
        township.seed,
        township.village_codes,
        township.years_2006,
        township.years_2026,
        township.values,
    ).values
