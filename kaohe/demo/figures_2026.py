"""The demo township twenty years on: its villages' figures for the 2026 library (VILLAGE_2026).

Pure Python and NumPy, no Django, like :mod:`kaohe.demo.generator`, which calls
:func:`generate_2026` after the 2006 library's years. The figures are drawn from a random
generator of their own (seeded from the demo's seed and 2026), so that adding them leaves every
figure of the earlier years exactly as it was.

Everything is aggregate, as the 2026 elements define it: births due for registration and
registered on time, live births and newborns screened (monthly); childcare-subsidy applications
received and handled, payments due and paid in full within the quarter (quarterly: about three
years of births are under three); support payments, special families and their three coverages,
the resident population, childcare places, pre-pregnancy screening and the satisfaction survey
(yearly); and the township's check of the villages' statistics.

Three stories are built in (see :class:`Stories2026`): a village that pays the childcare
subsidy late, one whose statistics the township's check found falsified, and one that does
everything well.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .records import DemoValue

SCHEME_2026 = "VILLAGE_2026"
# The first year VILLAGE_2026 is valid for (its ``year_from`` in kaohe/library/2026).
FIRST_2026_YEAR = 2026

MONTHLY_2026 = ("BIRTH_REG_DUE", "BIRTH_REG_ON_TIME", "NEWBORN_LIVE_BIRTHS", "NEWBORN_SCREENED")
QUARTERLY_2026 = ("SUBSIDY_APPLIED", "SUBSIDY_ACCEPTED", "SUBSIDY_DUE", "SUBSIDY_PAID_IN_QUARTER")
YEARLY_2026 = (
    "SUPPORT_DUE",
    "SUPPORT_PAID_FULL",
    "SPECIAL_FAMILIES",
    "SPECIAL_CONTACT",
    "SPECIAL_DOCTOR",
    "SPECIAL_PRIORITY",
    "POP_RESIDENT",
    "CHILDCARE_PLACES",
    "PREPREG_TARGET",
    "PREPREG_CHECKED",
    "SATISF_RESPONDENTS",
    "SATISF_SATISFIED",
)
CHECK_2026 = "CHECK_FALSIFIED"
# Villages the township checks in the stories' year (the falsifier among them).
CHECKED_VILLAGES = 8

# Per mille of the resident population a year.
DEATHS_PER_MILLE = 8.5
SUPPORT_PER_MILLE = (12.0, 25.0)  # reward and special-support recipients
SPECIAL_FAMILIES_PER_MILLE = 0.9
# A rural village twenty years on keeps this share of its 2006 population.
POPULATION_KEPT = (0.78, 0.92)


@dataclass(frozen=True)
class Stories2026:
    """The villages the 2026 figures single out (village codes).

    * ``late_payer``: pays only ``late_paid`` of ``late_due`` childcare-subsidy payments in full
      within the quarter in ``year`` (the item 育儿补贴按季足额发放率 scores nothing);
    * ``falsified``: its reports look excellent, but the township's check in ``year`` found
      falsified statistics (veto FALSIFIED);
    * ``excellent``: every service in place in every year, and childcare places well above
      the target (the bonus): first in the ranking.
    """

    late_payer: str
    falsified: str
    excellent: str
    year: int
    late_paid: int
    late_due: int


@dataclass(frozen=True)
class Figures2026:
    values: tuple[DemoValue, ...]
    stories: Stories2026 | None
    # The villages the township checked in the stories' year.
    checked: tuple[str, ...]


@dataclass(frozen=True)
class _Profile2026:
    """A village's way of working in the 2026 years: the rates its figures are drawn around."""

    birth_rate: float  # per mille a year
    registered_on_time: float
    subsidy_paid: float
    applications_missed: int  # applications not handled in time in a year
    support_missed: int
    doctor_missed: int
    priority_missed: int
    screening_missed: int
    places_per_mille: float
    prepregnancy: float
    satisfaction: float
    # Places rounded up rather than to the nearest: at least the rate, however small the village.
    places_rounded_up: bool = False


@dataclass
class _Village2026:
    population: int
    under_three: int
    special_families: int
    support_share: float
    places: int = 0


def _short(total: int, rate: float) -> int:
    """How many of ``total`` fall short when ``rate`` of them are done (rounded half-up)."""
    return math.floor(total * (1 - rate) + 0.5)


def _take(rng: np.random.Generator, counts: np.ndarray, missing: int) -> np.ndarray:
    """``counts`` with ``missing`` of them taken out of periods that had some."""
    left = counts.copy()
    for _ in range(min(missing, int(left.sum()))):
        periods = np.flatnonzero(left)
        left[periods[rng.integers(len(periods))]] -= 1
    return left


def _normal(rng: np.random.Generator) -> _Profile2026:
    return _Profile2026(
        birth_rate=float(rng.uniform(5.0, 7.0)),
        registered_on_time=1.0 if rng.random() < 0.6 else float(rng.uniform(0.93, 0.99)),
        subsidy_paid=1.0 if rng.random() < 0.6 else float(rng.uniform(0.985, 0.997)),
        applications_missed=int(rng.random() < 0.1),
        support_missed=int(rng.random() < 0.1),
        doctor_missed=int(rng.random() < 0.15),
        priority_missed=int(rng.random() < 0.1),
        screening_missed=int(rng.random() < 0.12),
        places_per_mille=float(rng.uniform(2.0, 5.6)),
        prepregnancy=float(rng.uniform(0.76, 0.96)),
        satisfaction=float(rng.uniform(0.86, 0.98)),
    )


def _flawless(rng: np.random.Generator, base: _Profile2026, places: float) -> _Profile2026:
    """Every service in place: what the excellent village does, and what the falsifier's
    reports claim."""
    return _Profile2026(
        birth_rate=base.birth_rate,
        registered_on_time=1.0,
        subsidy_paid=1.0,
        applications_missed=0,
        support_missed=0,
        doctor_missed=0,
        priority_missed=0,
        screening_missed=0,
        places_per_mille=places,
        prepregnancy=float(rng.uniform(0.92, 0.97)),
        satisfaction=float(rng.uniform(0.96, 0.99)),
    )


def _late_payer(rng: np.random.Generator, base: _Profile2026) -> _Profile2026:
    """The same village in the year it pays the subsidy late: a fifth of the payments slip."""
    return dataclasses.replace(base, subsidy_paid=float(rng.uniform(0.76, 0.82)))


def _check_years(years: Sequence[int]) -> tuple[int, ...]:
    result = tuple(sorted(int(y) for y in years))
    if any(y < FIRST_2026_YEAR for y in result) or any(
        b - a != 1 for a, b in zip(result, result[1:], strict=False)
    ):
        raise ValueError(
            f"2026 年模板库的年度须为 {FIRST_2026_YEAR} 年及以后的连续年度 / the 2026 "
            f"library's years must be consecutive, from {FIRST_2026_YEAR} on: {years}"
        )
    return result


def generate_2026(
    seed: int,
    years: Sequence[int],
    village_codes: Sequence[str],
    populations: Mapping[str, int],
) -> Figures2026:
    """The villages' 2026-library figures for ``years`` (consecutive, from 2026 on).

    ``populations`` are the villages' populations at the end of the demo's 2006 years: each
    village keeps most of its people twenty years on. No years, no figures.
    """
    years = _check_years(years)
    if not years:
        return Figures2026(values=(), stories=None, checked=())
    rng = np.random.default_rng([seed, FIRST_2026_YEAR])
    picked = [village_codes[int(i)] for i in rng.permutation(len(village_codes))[:3]]
    late_payer, falsified, excellent = picked
    story_year = years[-1]

    villages: dict[str, _Village2026] = {}
    profiles: dict[str, _Profile2026] = {}
    for code in village_codes:
        profile = _normal(rng)
        if code == excellent:
            places = float(rng.uniform(6.6, 7.2))
            profile = dataclasses.replace(_flawless(rng, profile, places), places_rounded_up=True)
        elif code == falsified:
            profile = _flawless(rng, profile, profile.places_per_mille)
        population = round(populations[code] * float(rng.uniform(*POPULATION_KEPT)))
        # About three years of births are under three (births fell a little over those years).
        births_a_year = population * profile.birth_rate / 1000
        villages[code] = _Village2026(
            population=population,
            under_three=round(3 * births_a_year * float(rng.uniform(1.0, 1.15))),
            special_families=max(
                1, int(rng.poisson(population * SPECIAL_FAMILIES_PER_MILLE / 1000))
            ),
            support_share=float(rng.uniform(*SUPPORT_PER_MILLE)) / 1000,
        )
        profiles[code] = profile

    values: list[DemoValue] = []
    late = (0, 0)
    for year in years:
        for code in village_codes:
            profile = profiles[code]
            if code == late_payer and year == story_year:
                profile = _late_payer(rng, profile)
            out, paid_due = _village_year(rng, code, year, profile, villages[code])
            values += out
            if code == late_payer and year == story_year:
                late = paid_due
    others = [c for c in village_codes if c != falsified]
    sample = rng.choice(len(others), size=CHECKED_VILLAGES - 1, replace=False)
    checked = tuple(sorted({falsified, *(others[int(i)] for i in sample)}))
    for code in checked:
        # A village the check found clean has none: the zero is reported, and not stored.
        values.append(DemoValue(CHECK_2026, str(story_year), code, int(code == falsified)))
    stories = Stories2026(
        late_payer=late_payer,
        falsified=falsified,
        excellent=excellent,
        year=story_year,
        late_paid=late[0],
        late_due=late[1],
    )
    return Figures2026(values=tuple(values), stories=stories, checked=checked)


def _village_year(
    rng: np.random.Generator,
    code: str,
    year: int,
    profile: _Profile2026,
    village: _Village2026,
) -> tuple[list[DemoValue], tuple[int, int]]:
    """One village's figures for ``year`` and (subsidy payments made in the quarter, due);
    moves ``village`` on to the end of the year."""
    births = max(2, int(rng.poisson(village.population * profile.birth_rate / 1000)))
    monthly = rng.multinomial(births, [1 / 12] * 12)
    on_time = _take(rng, monthly, _short(births, profile.registered_on_time))
    screened = _take(rng, monthly, profile.screening_missed)
    out = [
        DemoValue(element, f"{year}{month + 1:02d}", code, int(counts[month]))
        for month in range(12)
        for element, counts in zip(MONTHLY_2026, (monthly, on_time, monthly, screened), strict=True)
    ]

    quarterly_births = monthly.reshape(4, 3).sum(axis=1)
    due = np.zeros(4, dtype=int)
    for quarter in range(4):
        # Every child under three is paid once a quarter, the newborns of the quarter included.
        due[quarter] = village.under_three + int(quarterly_births[quarter])
        aged_out = int(rng.binomial(village.under_three, 1 / 12))
        village.under_three += int(quarterly_births[quarter]) - aged_out
    applied = quarterly_births + rng.poisson(0.4, size=4)
    accepted = _take(rng, applied, profile.applications_missed)
    paid = _take(rng, due, _short(int(due.sum()), profile.subsidy_paid))
    for quarter in range(4):
        period = f"{year}Q{quarter + 1}"
        counts = (applied[quarter], accepted[quarter], due[quarter], paid[quarter])
        out += [
            DemoValue(e, period, code, int(n)) for e, n in zip(QUARTERLY_2026, counts, strict=True)
        ]

    deaths = int(rng.poisson(village.population * DEATHS_PER_MILLE / 1000))
    village.population += births - deaths + int(rng.integers(-15, 6))
    population = village.population
    places = population * profile.places_per_mille / 1000
    # Places are never closed.
    village.places = max(
        village.places, math.ceil(places) if profile.places_rounded_up else round(places)
    )
    support_due = round(population * village.support_share)
    families = village.special_families
    planning = max(3, round(births * float(rng.uniform(1.1, 1.4))))
    respondents = int(rng.integers(40, 61))
    yearly = (
        support_due,
        support_due - profile.support_missed,
        families,
        families,
        families - profile.doctor_missed,
        families - profile.priority_missed,
        population,
        village.places,
        planning,
        planning - _short(planning, profile.prepregnancy),
        respondents,
        respondents - _short(respondents, profile.satisfaction),
    )
    out += [DemoValue(e, str(year), code, int(n)) for e, n in zip(YEARLY_2026, yearly, strict=True)]
    return out, (int(paid.sum()), int(due.sum()))
