"""A deterministic synthetic township for the demo: units, officials, quotas and figures.

Pure Python and NumPy, no Django: :func:`generate_township` turns a seed into plain dataclasses
that :mod:`kaohe.demo.services` writes through the ordinary bundle loader and DHIS2 importer.

Everything is aggregate. The only people named are officials (synthetic names made from common
surnames and given-name characters); no figure is ever about a resident.

The generator builds a few stories into the figures so that the assessment has something to
show (see :class:`Stories`): a village over its birth quota, one that concealed a birth the
township's spot check found, one that under-reported births, and weak villages with poor
contraception, measures, migrant management and late marriage — one of them weak in every year.
The direct units and departments, with stories of their own, come from :mod:`kaohe.demo.units`.

The demo's years are of two kinds. Years up to 2021 are the 2006 library's (its schemes end
with the 2021 policy change): two or more consecutive ones, with the figures above. Years from
2026 on are the 2026 library's (VILLAGE_2026 starts in 2026): none or more consecutive ones,
whose village figures come from :mod:`kaohe.demo.figures_2026`, drawn from a generator of their
own so that the earlier years' figures stay as they were. :mod:`kaohe.demo.years` splits them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .figures_2026 import Stories2026, generate_2026
from .names import person_name, village_names
from .records import DemoOfficial, DemoSourceValue, DemoUnit, DemoValue
from .units import DEPARTMENTS, DIRECT_UNITS, UnitStories, generate_units
from .years import split_years

DEFAULT_SEED = 2006
# Two years of the 2006 library and one of the 2026 library.
DEFAULT_YEARS = (2005, 2006, 2026)
VILLAGE_COUNT = 20
SPOT_CHECK_SIZE = 8

COUNTY_CODE = "DEMO_COUNTY"
TOWNSHIP_CODE = "DEMO_TWP"
SCHEME_CODE = "VILLAGE_2006"
QUOTA_ITEM = "BIRTHS_VS_PLAN"

# The township's birth cap is this many per thousand of its (planned) average population.
CAP_PER_MILLE = 11.5
# Expected natural growth used when the plan is set at the start of a year (per mille a year).
PLANNED_GROWTH_PER_MILLE = 4.0
DEATHS_PER_MILLE = 6.5
MARRIAGES_PER_MILLE = 7.0
REWARD_DUE_PER_MILLE = 15.0
BOY_SHARE = 1.1 / 2.1

MONTHLY_ELEMENTS = (
    "BIRTHS",
    "BIRTHS_POLICY",
    "BIRTHS_BOYS",
    "BIRTHS_GIRLS",
    "BIRTHS_FIRST",
    "BIRTHS_FIRST_LATE",
    "MARRIAGES_FIRST",
    "MARRIAGES_LATE",
    "POPULATION",
    "MWRA",
    "MWRA_CONTRACEPTING",
    "MEASURES_DUE",
    "MEASURES_DONE",
    "MIGRANT_WOMEN",
    "MIGRANT_CERT",
    "MIGRANT_FILED",
    "MIGRANT_VERIFIED",
    "REWARD_DUE",
    "REWARD_PAID",
)
QUARTERLY_ELEMENTS = ("MEETINGS_HELD",)
YEARLY_ELEMENTS = ("SURVEY_RESPONDENTS", "SURVEY_SATISFIED")
CHECK_ELEMENTS = ("CHECK_BIRTHS_CONCEALED",)
# The cross-check sources the demo fills (codes of the 2006 library's `sources:`).
HOSPITAL_SOURCE = "HOSPITAL_BIRTHS"
CHECK_SOURCE = "TOWNSHIP_CHECK"
# Share of births at home (not in the hospital's feed), and the share of contraception users the
# over-reporting village claimed that the check did not find.
HOME_BIRTH_SHARE = 0.08
OVER_REPORTED_SHARE = 0.08

VILLAGE_ROLES = (
    ("SEC", "party_secretary"),
    ("DIR", "director"),
    ("FP", "fp_officer"),
    ("CADRE", "stationed_cadre"),
)


# --- what the generator returns -----------------------------------------------------------


@dataclass(frozen=True)
class Stories:
    """The villages the demo's figures were built to single out (village codes).

    * ``over_plan``: its births exceed its quota in ``over_plan_year`` (veto OVER_PLAN);
    * ``concealed``: hid one birth in ``concealed_year``; the township's spot check, which
      samples it that year, found it (veto CONCEALED);
    * ``under_reported``: left ``under_reported_missed`` births out of its reports in
      ``under_reported_year``, by mistake; the hospital's feed and the spot check found them
      (scored on the corrected births, points lost, no veto);
    * ``inconsistent``: in ``under_reported_year`` it left ``inconsistent_missing`` births out of
      its busiest month's total but not out of that month's boys and girls, so its figures do
      not add up (a validation rule catches it) and the hospital's feed shows the births it left
      out;
    * ``over_reported``: claimed more contraception users at the end of
      ``under_reported_year`` than the spot check found (its rewards are cut in proportion);
    * ``weak``: by year, villages with poor contraception, measures, migrant management and
      late marriage (薄弱村), which grade 合格 or 不合格 at the bottom of the ranking;
    * ``weak_both``: weak in every year, and worse than the others (a case for 严管村).

    Apart from ``over_plan`` in its year, every village's true births stay within its quota.
    """

    over_plan: str
    over_plan_year: int
    concealed: str
    concealed_year: int
    under_reported: str
    under_reported_year: int
    under_reported_missed: int
    weak_both: str
    weak: dict[int, tuple[str, ...]]
    inconsistent: str = ""
    inconsistent_missing: int = 0
    over_reported: str = ""

    def weak_villages(self) -> tuple[str, ...]:
        """Every village weak in at least one year, in code order."""
        return tuple(sorted({code for codes in self.weak.values() for code in codes}))


@dataclass(frozen=True)
class DemoTownship:
    seed: int
    # Every year of the demo; those of the 2006 library and those of the 2026 library.
    years: tuple[int, ...]
    years_2006: tuple[int, ...]
    years_2026: tuple[int, ...]
    units: tuple[DemoUnit, ...]
    officials: tuple[DemoOfficial, ...]
    values: tuple[DemoValue, ...]
    # The township's birth cap and each village's quota (target of BIRTHS_VS_PLAN) by year.
    caps: dict[int, int]
    quotas: dict[int, dict[str, int]]
    planned_population: dict[int, dict[str, float]]
    # Births that really happened (reported births are fewer where a village hid some).
    true_births: dict[int, dict[str, int]]
    # Births each village reported in each year (fewer than the true ones where it left some out).
    reported_births: dict[int, dict[str, int]]
    spot_checks: dict[int, tuple[str, ...]]
    stories: Stories
    village_codes: tuple[str, ...]
    # The direct units' and departments' stories (their figures are in ``values``).
    unit_stories: UnitStories
    # The 2026 stories (None without 2026 years) and the villages the township checked.
    stories_2026: Stories2026 | None
    checks_2026: tuple[str, ...]
    # What other sources found: the hospital's births by village, the township's spot checks.
    source_values: tuple[DemoSourceValue, ...] = ()

    def codes_of(self, kind: str) -> tuple[str, ...]:
        """The codes of the units of one kind (``direct_unit``, ``department`` …)."""
        return tuple(u.code for u in self.units if u.kind == kind)

    def value_map(self) -> dict[tuple[str, str, str], int]:
        """{(element, period, unit): value} of every figure."""
        return {(v.element, v.period, v.unit): v.value for v in self.values}


@dataclass
class _Profile:
    """A village's way of working in a year: the rates its figures are drawn around."""

    birth_rate: float  # per mille a year
    policy: float
    first_share: float
    late_first: float
    late_marriage: float
    contraception: float
    measures: float
    migrant_done: tuple[float, float, float]  # certificate, file, verification
    reward_paid: float
    satisfaction: float
    meetings_missed: int


@dataclass
class _VillageState:
    population: int
    mwra_share: float
    migrant_share: float
    mwra: int = 0
    migrant_women: int = 0


# --- pure helpers -------------------------------------------------------------------------


def allocate_quotas(
    populations: dict[str, float], per_mille: float = CAP_PER_MILLE
) -> tuple[int, dict[str, int]]:
    """The township cap and each village's whole-birth quota in proportion to its population.

    cap = ⌊per_mille × Σ population / 1000⌋; each village gets the floor of its share and the
    births left over go to the largest remainders (ties by code), so the quotas sum to the cap.
    """
    total = sum(populations.values())
    cap = math.floor(per_mille * total / 1000 + 1e-9)
    if total <= 0:
        return cap, dict.fromkeys(populations, 0)
    shares = {code: cap * pop / total for code, pop in populations.items()}
    quotas = {code: math.floor(share + 1e-9) for code, share in shares.items()}
    left = cap - sum(quotas.values())
    by_remainder = sorted(shares, key=lambda code: (-(shares[code] - quotas[code]), code))
    for code in by_remainder[:left]:
        quotas[code] += 1
    return cap, quotas


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _rates(rng: np.random.Generator, low: float, high: float, count: int) -> tuple[float, ...]:
    return tuple(_uniform(rng, low, high) for _ in range(count))


def _normal_profile(rng: np.random.Generator) -> _Profile:
    cert, filed, verified = _rates(rng, 0.96, 1.0, 3)
    return _Profile(
        birth_rate=_uniform(rng, 9.8, 11.3),
        policy=_uniform(rng, 0.95, 1.0),
        first_share=_uniform(rng, 0.55, 0.65),
        late_first=_uniform(rng, 0.5, 0.8),
        late_marriage=_uniform(rng, 0.5, 0.7),
        contraception=_uniform(rng, 0.84, 0.96),
        measures=_uniform(rng, 0.93, 1.0),
        migrant_done=(cert, filed, verified),
        reward_paid=1.0 if rng.random() < 0.6 else _uniform(rng, 0.95, 0.99),
        satisfaction=_uniform(rng, 0.87, 0.99),
        meetings_missed=int(rng.random() < 0.15),
    )


def _weak_profile(rng: np.random.Generator, base: _Profile, severe: bool) -> _Profile:
    """The same village in a bad year: contraception, measures, migrants and marriages slip.

    A ``severe`` year (the village weak year after year) slips further than a first one, which
    keeps its policy births and reward payments but not its management.
    """
    if severe:
        cert, filed, verified = _rates(rng, 0.55, 0.72, 3)
        return _Profile(
            birth_rate=base.birth_rate,
            policy=_uniform(rng, 0.92, 0.95),
            first_share=base.first_share,
            late_first=_uniform(rng, 0.3, 0.4),
            late_marriage=_uniform(rng, 0.15, 0.3),
            contraception=_uniform(rng, 0.74, 0.8),
            measures=_uniform(rng, 0.6, 0.75),
            migrant_done=(cert, filed, verified),
            reward_paid=_uniform(rng, 0.8, 0.9),
            satisfaction=_uniform(rng, 0.72, 0.82),
            meetings_missed=2,
        )
    filed, verified = _rates(rng, 0.8, 0.9, 2)
    return _Profile(
        birth_rate=base.birth_rate,
        policy=base.policy,
        first_share=base.first_share,
        late_first=_uniform(rng, 0.4, 0.5),
        late_marriage=_uniform(rng, 0.3, 0.4),
        contraception=_uniform(rng, 0.8, 0.84),
        measures=_uniform(rng, 0.8, 0.88),
        migrant_done=(base.migrant_done[0], filed, verified),
        reward_paid=base.reward_paid,
        satisfaction=_uniform(rng, 0.86, 0.89),
        meetings_missed=1,
    )


def _drift(rng: np.random.Generator, base: _Profile) -> _Profile:
    """A normal village's next year: the same habits, a little noise."""

    def jitter(value: float, low: float, high: float) -> float:
        return min(high, max(low, value + float(rng.normal(0.0, 0.01))))

    cert, filed, verified = (jitter(rate, 0.96, 1.0) for rate in base.migrant_done)
    reward = base.reward_paid
    return _Profile(
        birth_rate=base.birth_rate,
        policy=jitter(base.policy, 0.95, 1.0),
        first_share=base.first_share,
        late_first=jitter(base.late_first, 0.5, 0.8),
        late_marriage=jitter(base.late_marriage, 0.5, 0.7),
        contraception=jitter(base.contraception, 0.84, 0.96),
        measures=jitter(base.measures, 0.93, 1.0),
        migrant_done=(cert, filed, verified),
        reward_paid=reward if reward == 1.0 else jitter(reward, 0.95, 0.99),
        satisfaction=jitter(base.satisfaction, 0.87, 0.99),
        meetings_missed=int(rng.random() < 0.15),
    )


def _yearly_births(rng: np.random.Generator, expected: float, low: int, high: int) -> int:
    return int(min(high, max(low, rng.poisson(expected))))


def _remove_units(rng: np.random.Generator, monthly: np.ndarray, count: int) -> np.ndarray:
    """Monthly counts with ``count`` of them taken out of months that had some."""
    reduced = monthly.copy()
    for _ in range(min(count, int(reduced.sum()))):
        months = np.flatnonzero(reduced)
        reduced[months[rng.integers(len(months))]] -= 1
    return reduced


def _shortfall(total: int, rate: float) -> int:
    """How many of ``total`` fall short when ``rate`` of them are done (rounded half-up)."""
    return math.floor(total * (1 - rate) + 0.5)


def _done(rng: np.random.Generator, monthly: np.ndarray, rate: float) -> np.ndarray:
    """Monthly counts done out of ``monthly`` due, so that the year's rate is about ``rate``.

    Controlled over the year rather than drawn month by month: with a few dozen cases a year
    binomial noise alone would move a village by several percentage points.
    """
    return _remove_units(rng, monthly, _shortfall(int(monthly.sum()), rate))


# --- the generator ------------------------------------------------------------------------


def _structure(
    rng: np.random.Generator,
) -> tuple[list[DemoUnit], list[DemoOfficial], list[str], set[str]]:
    units = [
        DemoUnit(COUNTY_CODE, "示范县", "Demo County", "county", None, 0),
        DemoUnit(TOWNSHIP_CODE, "示范镇", "Demo Township", "township", COUNTY_CODE, 0),
    ]
    officials: list[DemoOfficial] = []
    used_names: set[str] = set()

    def fresh_name() -> str:
        while True:
            name = person_name(rng)
            if name not in used_names:
                used_names.add(name)
                return name

    village_codes = [f"V{i:02d}" for i in range(1, VILLAGE_COUNT + 1)]
    for index, (code, (zh, en)) in enumerate(
        zip(village_codes, village_names(rng, VILLAGE_COUNT), strict=True), start=1
    ):
        units.append(DemoUnit(code, zh, en, "village", TOWNSHIP_CODE, index))
        for suffix, role in VILLAGE_ROLES:
            officials.append(DemoOfficial(f"{code}-{suffix}", fresh_name(), role, code))
    for index, (code, zh, en, *_size) in enumerate(DIRECT_UNITS, start=1):
        units.append(DemoUnit(code, zh, en, "direct_unit", TOWNSHIP_CODE, 100 + index))
        officials.append(DemoOfficial(f"{code}-HEAD", fresh_name(), "department_head", code))
    for index, (code, zh, en) in enumerate(DEPARTMENTS, start=1):
        units.append(DemoUnit(code, zh, en, "department", TOWNSHIP_CODE, 200 + index))
        officials.append(DemoOfficial(f"{code}-HEAD", fresh_name(), "department_head", code))
    return units, officials, village_codes, used_names


def _choose_stories(
    rng: np.random.Generator, village_codes: list[str], years: tuple[int, ...]
) -> Stories:
    picked = [village_codes[i] for i in rng.permutation(len(village_codes))[:8]]
    over_plan, concealed, weak_both, weak_first, weak_last, under_reported = picked[:6]
    inconsistent, over_reported = picked[6:]
    weak: dict[int, tuple[str, ...]] = {}
    for year in years:
        codes = {weak_both}
        if year == years[0]:
            codes.add(weak_first)
        if year == years[-1]:
            codes.add(weak_last)
        weak[year] = tuple(sorted(codes))
    return Stories(
        over_plan=over_plan,
        over_plan_year=years[-1],
        concealed=concealed,
        concealed_year=years[0],
        under_reported=under_reported,
        under_reported_year=years[-1],
        under_reported_missed=int(rng.integers(2, 4)),
        weak_both=weak_both,
        weak=weak,
        inconsistent=inconsistent,
        inconsistent_missing=2,
        over_reported=over_reported,
    )


def generate_township(
    seed: int = DEFAULT_SEED, years: Sequence[int] = DEFAULT_YEARS
) -> DemoTownship:
    """The demo township for ``seed`` and ``years``: the same seed always gives the same figures.

    ``years`` holds two or more consecutive years of the 2006 library and, optionally,
    consecutive years of the 2026 library (see :func:`~kaohe.demo.years.split_years`).
    """
    years, years_2026 = split_years(years)
    rng = np.random.default_rng(seed)
    units, officials, village_codes, used_names = _structure(rng)
    stories = _choose_stories(rng, village_codes, years)

    states: dict[str, _VillageState] = {}
    profiles: dict[str, _Profile] = {}
    values: list[DemoValue] = []
    before = f"{years[0] - 1}12"
    for code in village_codes:
        population = int(rng.integers(900, 3301))
        profile = _normal_profile(rng)
        profiles[code] = profile
        states[code] = _VillageState(
            population=population,
            mwra_share=_uniform(rng, 0.15, 0.18),
            migrant_share=_uniform(rng, 0.01, 0.04),
        )
        # The birth rate divides by the population at the end of the previous year; the birth
        # plan of the first year averages the two year-ends before it (no random draw here, so
        # the figures of every other element stay as they were).
        values.append(DemoValue("POPULATION", before, code, population))
        earlier = round(population / (1 + PLANNED_GROWTH_PER_MILLE / 1000))
        values.append(DemoValue("POPULATION", f"{years[0] - 2}12", code, earlier))

    caps: dict[int, int] = {}
    quotas: dict[int, dict[str, int]] = {}
    planned: dict[int, dict[str, float]] = {}
    true_births: dict[int, dict[str, int]] = {}
    reported_births: dict[int, dict[str, int]] = {}
    spot_checks: dict[int, tuple[str, ...]] = {}
    source_values: list[DemoSourceValue] = []
    # The hospital's feed draws from a generator of its own, so the villages' figures stay as
    # they were without it.
    feed_rng = np.random.default_rng(seed + 1006)
    for year in years:
        # The plan is set at the start of the year from the population then and its expected
        # growth, so the quotas do not depend on the births they limit.
        planned[year] = {
            code: states[code].population * (1 + PLANNED_GROWTH_PER_MILLE / 2000)
            for code in village_codes
        }
        caps[year], quotas[year] = allocate_quotas(planned[year])
        true_births[year] = {}
        reported_total: dict[str, int] = reported_births.setdefault(year, {})
        concealed_count: dict[str, int] = {}
        for code in village_codes:
            if year != years[0]:
                profiles[code] = _drift(rng, profiles[code])
            profile = profiles[code]
            if code in stories.weak[year]:
                profile = _weak_profile(rng, profiles[code], severe=code == stories.weak_both)
            quota = quotas[year][code]
            expected = planned[year][code] * profile.birth_rate / 1000
            hidden = 0
            concealed = 0
            if code == stories.over_plan and year == stories.over_plan_year:
                births = quota + int(rng.integers(2, 4))
            elif code == stories.concealed and year == stories.concealed_year:
                births = _yearly_births(rng, expected, math.ceil(0.9 * quota), quota - 1)
                hidden = concealed = 1
            elif code == stories.under_reported and year == stories.under_reported_year:
                births = _yearly_births(rng, expected, math.ceil(0.9 * quota), quota)
                hidden = stories.under_reported_missed
            else:
                births = _yearly_births(rng, expected, math.ceil(0.87 * quota), quota)
            monthly_true = rng.multinomial(births, [1 / 12] * 12)
            monthly_reported = _remove_units(rng, monthly_true, hidden)
            sexes = monthly_reported
            if code == stories.inconsistent and year == stories.under_reported_year:
                # The busiest month's total leaves births out; its boys and girls do not.
                month = int(np.argmax(monthly_true))
                hidden = min(stories.inconsistent_missing, int(monthly_true[month]))
                sexes = monthly_true
                monthly_reported = monthly_true.copy()
                monthly_reported[month] -= hidden
            true_births[year][code] = births
            reported_total[code] = births - hidden
            concealed_count[code] = concealed
            values.extend(
                _village_year(
                    rng, code, year, profile, states[code], monthly_true, monthly_reported, sexes
                )
            )
            source_values.extend(
                _hospital_feed(feed_rng, code, year, monthly_true, monthly_reported, stories)
            )
        spot_checks[year] = _spot_check(rng, village_codes, year, stories)
        reported_users = {
            v.unit: v.value
            for v in values
            if v.element == "MWRA_CONTRACEPTING" and v.period == f"{year}12"
        }
        for code in spot_checks[year]:
            period = str(year)
            source_values.append(
                DemoSourceValue(CHECK_SOURCE, "BIRTHS", period, code, true_births[year][code])
            )
            users = reported_users.get(code, 0)
            if code == stories.over_reported and year == stories.under_reported_year:
                users = round(users * (1 - OVER_REPORTED_SHARE))
            source_values.append(
                DemoSourceValue(CHECK_SOURCE, "MWRA_CONTRACEPTING", period, code, users)
            )
            if concealed_count[code]:
                values.append(
                    DemoValue("CHECK_BIRTHS_CONCEALED", period, code, concealed_count[code])
                )
    # The maternity ward delivers most of the births the villages reported, month by month.
    monthly_births: dict[str, int] = {}
    for v in values:
        if v.element == "BIRTHS":
            monthly_births[v.period] = monthly_births.get(v.period, 0) + v.value
    others = generate_units(seed, years, monthly_births, _unused_name(used_names))
    later = generate_2026(
        seed,
        years_2026,
        village_codes,
        {code: state.population for code, state in states.items()},
    )
    return DemoTownship(
        seed=seed,
        years=(*years, *years_2026),
        years_2006=years,
        years_2026=years_2026,
        units=tuple(units),
        officials=(*officials, *others.officials),
        values=(*values, *others.values, *later.values),
        caps=caps,
        quotas=quotas,
        planned_population=planned,
        true_births=true_births,
        reported_births=reported_births,
        spot_checks=spot_checks,
        stories=stories,
        village_codes=tuple(village_codes),
        unit_stories=others.stories,
        stories_2026=later.stories,
        checks_2026=later.checked,
        source_values=tuple(source_values),
    )


def _unused_name(used: set[str]) -> Callable[[np.random.Generator], str]:
    """A name drawer that never repeats a name already given to an official."""

    def draw(rng: np.random.Generator) -> str:
        while True:
            name = person_name(rng)
            if name not in used:
                used.add(name)
                return name

    return draw


def _hospital_feed(
    rng: np.random.Generator,
    code: str,
    year: int,
    monthly_true: np.ndarray,
    monthly_reported: np.ndarray,
    stories: Stories,
) -> list[DemoSourceValue]:
    """The hospital's births to mothers living in the village, month by month: the true births
    less those at home. The births a village hid by mistake were born in the hospital (so its
    feed shows them); a concealed birth was born at home (only the spot check finds it)."""
    home = rng.binomial(monthly_true, HOME_BIRTH_SHARE)
    hidden = monthly_true - monthly_reported
    story_year = year == stories.under_reported_year
    if story_year and code in (stories.under_reported, stories.inconsistent):
        home = np.zeros_like(home)
    elif year == stories.concealed_year and code == stories.concealed:
        home = np.maximum(home, hidden)
    delivered = monthly_true - home
    return [
        DemoSourceValue(HOSPITAL_SOURCE, "BIRTHS", f"{year}{month + 1:02d}", code, int(count))
        for month, count in enumerate(delivered)
        if count > 0
    ]


def _spot_check(
    rng: np.random.Generator, village_codes: list[str], year: int, stories: Stories
) -> tuple[str, ...]:
    """The villages the township checks in ``year``: the story villages of that year and others."""
    chosen: set[str] = set()
    if year == stories.concealed_year:
        chosen.add(stories.concealed)
    if year == stories.under_reported_year:
        chosen.add(stories.under_reported)
    others = [c for c in village_codes if c not in chosen]
    extra = rng.choice(len(others), size=SPOT_CHECK_SIZE - len(chosen), replace=False)
    chosen.update(others[int(i)] for i in extra)
    return tuple(sorted(chosen))


def _village_year(
    rng: np.random.Generator,
    code: str,
    year: int,
    profile: _Profile,
    state: _VillageState,
    monthly_true: np.ndarray,
    monthly_reported: np.ndarray,
    sexes: np.ndarray,
) -> Iterable[DemoValue]:
    """One village's monthly, quarterly and yearly figures for ``year``; updates ``state``.

    ``sexes`` are the births its boys and girls are reported of (the reported births, except
    for a village whose figures do not add up)."""
    births = monthly_reported
    boys = rng.binomial(sexes, BOY_SHARE)
    first = rng.binomial(births, profile.first_share)
    marriages = np.array(
        [rng.poisson(state.population * MARRIAGES_PER_MILLE / 12000) for _ in range(12)]
    )
    due = rng.integers(1, 5, size=12)
    reward_due = np.array(
        [rng.poisson(state.population * REWARD_DUE_PER_MILLE / 12000) for _ in range(12)]
    )
    flows = {
        "BIRTHS": births,
        "BIRTHS_POLICY": _done(rng, births, profile.policy),
        "BIRTHS_BOYS": boys,
        "BIRTHS_GIRLS": sexes - boys,
        "BIRTHS_FIRST": first,
        "BIRTHS_FIRST_LATE": _done(rng, first, profile.late_first),
        "MARRIAGES_FIRST": marriages,
        "MARRIAGES_LATE": _done(rng, marriages, profile.late_marriage),
        "MEASURES_DUE": due,
        "MEASURES_DONE": _done(rng, due, profile.measures),
        "REWARD_DUE": reward_due,
        "REWARD_PAID": _done(rng, reward_due, profile.reward_paid),
    }
    migrant_rates = profile.migrant_done
    out: list[DemoValue] = []
    for month in range(12):
        period = f"{year}{month + 1:02d}"
        deaths = int(rng.poisson(state.population * DEATHS_PER_MILLE / 12000))
        moved = int(rng.integers(-2, 3))
        population = state.population + int(monthly_true[month]) - deaths + moved
        state.population = min(3500, max(800, population))
        # Stocks follow the population, give or take a woman moving in or out.
        state.mwra = round(state.population * state.mwra_share) + int(rng.integers(-1, 2))
        state.migrant_women = max(
            1, round(state.population * state.migrant_share) + int(rng.integers(-1, 2))
        )
        rate = min(1.0, profile.contraception + float(rng.normal(0.0, 0.004)))
        women = state.migrant_women
        stocks = {
            "POPULATION": state.population,
            "MWRA": state.mwra,
            "MWRA_CONTRACEPTING": state.mwra - _shortfall(state.mwra, rate),
            "MIGRANT_WOMEN": women,
            "MIGRANT_CERT": women - _shortfall(women, migrant_rates[0]),
            "MIGRANT_FILED": women - _shortfall(women, migrant_rates[1]),
            "MIGRANT_VERIFIED": women - _shortfall(women, migrant_rates[2]),
        }
        figures = {e: int(v[month]) for e, v in flows.items()} | stocks
        out.extend(DemoValue(e, period, code, figures[e]) for e in MONTHLY_ELEMENTS)
    missed = set(rng.choice(4, size=profile.meetings_missed, replace=False).tolist())
    for quarter in range(1, 5):
        held = 0 if quarter - 1 in missed else 1
        out.append(DemoValue("MEETINGS_HELD", f"{year}Q{quarter}", code, held))
    respondents = int(rng.integers(40, 61))
    satisfied = respondents - _shortfall(respondents, profile.satisfaction)
    out.append(DemoValue("SURVEY_RESPONDENTS", str(year), code, respondents))
    out.append(DemoValue("SURVEY_SATISFIED", str(year), code, satisfied))
    return out
