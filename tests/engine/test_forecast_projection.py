"""The cohort-component forecast: a projection worked by hand, the closed forms of a stationary
and of a stable (geometrically growing) population, the limits of the shrinkage of rates,
missing history, variants, intervals and the checks on bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.forecast import (
    AGE_GROUPS,
    ForecastAssumptions,
    ForecastHistory,
    explain_unit,
    forecast,
    own_weight,
    project_women,
)

NAN = math.nan
A = len(AGE_GROUPS)


def make_history(
    women: list[list[list[float]]],
    births: list[list[list[float]]],
    population: list[list[float]] | None = None,
    groups: list[int] | None = None,
    first_year: int = 2019,
) -> ForecastHistory:
    """``women``/``births``: per unit, per year, 7 age groups."""
    w = np.array(women, dtype=float)
    b = np.array(births, dtype=float)
    units, years = w.shape[0], w.shape[1]
    p = np.full((units, years), NAN) if population is None else np.array(population, dtype=float)
    return ForecastHistory(
        units=tuple(f"V{i + 1:02d}" for i in range(units)),
        years=tuple(range(first_year, first_year + years)),
        women=w,
        births=b,
        population=p,
        groups=None if groups is None else np.array(groups, dtype=np.int64),
    )


def ages(**by_group: float) -> list[float]:
    """Seven age groups, zero but for the ones named like ``a25=200`` (25–29)."""
    return [by_group.get(f"a{group[:2]}", 0.0) for group in AGE_GROUPS]


# --- the projection of women, by hand ---------------------------------------------------------

# Every case: start, assumptions, women after one year, after two years (7 groups each).
# Survival 1 and net migration −10 % make every woman count 0.9 after a year: 4/5 of a group
# stays (× 0.9 = 0.72), 1/5 moves up (× 0.9 = 0.18).
PROJECTION_CASES = [
    pytest.param(
        ages(a20=100, a25=200, a30=50),
        ForecastAssumptions(survival=1.0, net_migration=-0.1, entrants=None),
        # 20–24: 100 × .72 = 72;  25–29: 200 × .72 + 100 × .18 = 144 + 18 = 162;
        # 30–34: 50 × .72 + 200 × .18 = 36 + 36 = 72;  35–39: 50 × .18 = 9
        ages(a20=72, a25=162, a30=72, a35=9),
        # 20–24: 72 × .72 = 51.84;  25–29: 162 × .72 + 72 × .18 = 116.64 + 12.96 = 129.6;
        # 30–34: 72 × .72 + 162 × .18 = 51.84 + 29.16 = 81;  35–39: 9 × .72 + 72 × .18 = 19.44;
        # 40–44: 9 × .18 = 1.62
        ages(a20=51.84, a25=129.6, a30=81, a35=19.44, a40=1.62),
        id="three groups age and migrate out",
    ),
    pytest.param(
        ages(a15=100),
        ForecastAssumptions(survival=1.0, net_migration=-0.1, entrants=1.0),
        # 15–19: 100 × .72 + 1.0 × 100 / 5 = 92;  20–24: 100 × .18 = 18
        ages(a15=92, a20=18),
        # 15–19: 92 × .72 + 92 / 5 = 66.24 + 18.4 = 84.64;  20–24: 18 × .72 + 92 × .18 = 29.52;
        # 25–29: 18 × .18 = 3.24
        ages(a15=84.64, a20=29.52, a25=3.24),
        id="girls enter 15-19 as a share of the fifth that leaves",
    ),
    pytest.param(
        ages(a15=100, a45=100),
        ForecastAssumptions(survival=(0.5, 1, 1, 1, 1, 1, 0.5), entrants=None),
        # 15–19 kept at its size; 20–24: 100 × 1/5 × 0.5 = 10; 45–49: 100 × 4/5 × 0.5 = 40
        # (the fifth of 45–49 that turns 50 leaves the projection)
        ages(a15=100, a20=10, a45=40),
        # 20–24: 10 × 4/5 + 100 × 1/5 × 0.5 = 18; 25–29: 10 / 5 = 2; 45–49: 40 × .4 = 16
        ages(a15=100, a20=18, a25=2, a45=16),
        id="survival per age group and women leaving at fifty",
    ),
]


@pytest.mark.parametrize(("start", "assumptions", "year1", "year2"), PROJECTION_CASES)
def test_women_are_projected_as_worked_by_hand(
    start: list[float],
    assumptions: ForecastAssumptions,
    year1: list[float],
    year2: list[float],
) -> None:
    women = project_women(np.array([start]), assumptions, 2)
    assert women[0, 1] == pytest.approx(year1)
    assert women[0, 2] == pytest.approx(year2)


@settings(max_examples=60, deadline=None)
@given(start=st.lists(st.floats(0, 10_000), min_size=A, max_size=A))
def test_without_deaths_or_moves_women_change_only_by_who_enters_and_who_turns_fifty(
    start: list[float],
) -> None:
    # survival 1, no migration, entrants 1.0: the year adds a fifth of 15–19 and removes a
    # fifth of 45–49; every other move is inside the projection
    women = project_women(np.array([start]), ForecastAssumptions(survival=1.0, entrants=1.0), 1)
    assert women[0, 1].sum() == pytest.approx(sum(start) + start[0] / 5 - start[-1] / 5)


def test_births_of_two_years_are_worked_by_hand() -> None:
    # given one village whose women stood at 100, 200 and 50 in 20–24, 25–29 and 30–34 at the
    # end of 2019 and 2020, with 10, 30 and 4 births in 2020: rates 0.10, 0.15, 0.08 (no
    # shrinkage: prior strength 0, only 2020 estimates)
    start = ages(a20=100, a25=200, a30=50)
    history = make_history([[start, start]], [[ages(), ages(a20=10, a25=30, a30=4)]])
    assumptions = ForecastAssumptions(
        horizon=2, survival=1.0, net_migration=-0.1, prior_strength=0, estimation_years=1
    )
    # when
    result = forecast(history, assumptions)
    # then 2021 uses the mean of the 2020 and 2021 women (the first case above):
    # 0.10 × (100 + 72)/2 + 0.15 × (200 + 162)/2 + 0.08 × (50 + 72)/2 = 8.6 + 27.15 + 4.88 = 40.63
    # and 2022: 0.10 × 61.92 + 0.15 × 145.8 + 0.08 × 76.5 = 6.192 + 21.87 + 6.12 = 34.182
    assert result.years == (2021, 2022)
    assert result.rates[0] == pytest.approx(ages(a20=0.10, a25=0.15, a30=0.08))
    assert result.births[0, :, 1] == pytest.approx([40.63, 34.182])
    assert result.births[0, :, 0] == pytest.approx([40.63 * 0.85, 34.182 * 0.85])
    assert result.births[0, :, 2] == pytest.approx([40.63 * 1.15, 34.182 * 1.15])
    assert result.tfr[0] == pytest.approx(5 * (0.10 + 0.15 + 0.08))
    assert result.women[0, 1] == pytest.approx(
        ages(a20=51.84, a25=129.6, a30=81, a35=19.44, a40=1.62)
    )


def test_a_fertility_trend_compounds_year_by_year() -> None:
    start = ages(a20=100, a25=200, a30=50)
    history = make_history([[start, start]], [[ages(), ages(a20=10, a25=30, a30=4)]])
    assumptions = ForecastAssumptions(
        horizon=2,
        survival=1.0,
        net_migration=-0.1,
        prior_strength=0,
        estimation_years=1,
        fertility_trend=-0.1,
    )
    result = forecast(history, assumptions)
    # 40.63 × 0.9 and 34.182 × 0.81
    assert result.births[0, :, 1] == pytest.approx([36.567, 27.68742])


# --- closed forms -----------------------------------------------------------------------------

RATES = [0.01, 0.08, 0.11, 0.07, 0.03, 0.006, 0.001]


@pytest.mark.parametrize("entrants", [None, 1.0])
def test_a_stationary_population_has_constant_births(entrants: float | None) -> None:
    # given equal groups of 1000 women, survival 1, no migration, and as many girls entering
    # 15–19 as women turning 50: every group keeps its 1000 (4/5 stay, 1/5 arrives)
    women = [1000.0] * A
    births = [1000.0 * r for r in RATES]
    history = make_history([[women] * 3], [[births] * 3])
    assumptions = ForecastAssumptions(survival=1.0, entrants=entrants, prior_strength=0)
    # when
    result = forecast(history, assumptions)
    # then the women and the births stay put: Σ rates × 1000 = 307 a year, TFR 5 × 0.307
    assert result.women[0] == pytest.approx(np.full((5, A), 1000.0))
    assert result.births[0, :, 1] == pytest.approx([1000 * sum(RATES)] * 5)
    assert result.tfr[0] == pytest.approx(5 * sum(RATES))


def test_a_stable_population_grows_by_its_closed_form_factor() -> None:
    # With every woman kept with c = survival × (1 + migration) and entrants e × (15–19)/5, the
    # projection W(t+1)_a = c (4/5 W_a + 1/5 W_{a−1}), W(t+1)_0 = (4c/5 + e/5) W_0 has the
    # geometric solution W_a(t) = x_a λ^t with λ = (4c + e)/5 and x_a = x_0 (c/e)^a.
    # Births of year t are Σ r_a (W_a(t−1) + W_a(t))/2 = λ^(t−1) (1 + λ)/2 Σ r_a x_a.
    c, e = 0.98, 1.2
    lam = (4 * c + e) / 5  # 1.024
    x = [1000.0 * (c / e) ** a for a in range(A)]
    history = make_history([[x] * 2], [[[xa * r for xa, r in zip(x, RATES, strict=True)]] * 2])
    result = forecast(
        history, ForecastAssumptions(survival=c, entrants=e, prior_strength=0, estimation_years=1)
    )
    base = sum(r * xa for r, xa in zip(RATES, x, strict=True))
    expected = [lam ** (t - 1) * (1 + lam) / 2 * base for t in range(1, 6)]
    assert result.births[0, :, 1] == pytest.approx(expected)
    assert result.women[0, 4] == pytest.approx([xa * lam**5 for xa in x])
    assert result.births[0, 1:, 1] / result.births[0, :-1, 1] == pytest.approx([lam] * 4)


# --- rates: shrinkage toward the township -------------------------------------------------------

BIG = 1e9


def test_shrinkage_limits_and_the_credibility_weight() -> None:
    # Township of three villages, one year of history (women equal at both year ends, so the
    # exposure of the year is the count itself), prior strength 250 woman-years:
    #   V01 has a billion women a group and a rate of 0.10 everywhere → the township's rate;
    #   V02 has no births reported → exposure 0, weight 0: the township's rate exactly;
    #   V03 has 250 women and 50 births a group (own rate 0.2) → weight 250/(250+250) = 0.5,
    #       rate (50 + 250 × town)/(250 + 250).
    big = [BIG] * A
    history = make_history(
        [[big, big], [[80.0] * A] * 2, [[250.0] * A] * 2],
        [[[0.0] * A, [0.1 * BIG] * A], [[NAN] * A] * 2, [[0.0] * A, [50.0] * A]],
    )
    result = forecast(history, ForecastAssumptions(estimation_years=1))
    town = (0.1 * BIG + 50) / (BIG + 250)
    assert result.group_rates[0] == pytest.approx([town] * A)
    assert result.weight[:, 0] == pytest.approx([BIG / (BIG + 250), 0.0, 0.5])
    assert result.rates[0] == pytest.approx([0.1] * A)  # huge exposure → own rate
    assert result.rates[1] == pytest.approx([town] * A)  # no exposure → township's
    assert result.rates[2] == pytest.approx([(50 + 250 * town) / 500] * A)
    assert np.isnan(result.own_rates[1]).all()
    assert result.own_rates[2] == pytest.approx([0.2] * A)


def test_units_shrink_toward_their_own_township() -> None:
    # Two townships (groups 0 and 1) of one big village each, rates 0.05 and 0.12; a village
    # of group 1 without any usable year takes 0.12.
    big = [BIG] * A
    history = make_history(
        [[big, big], [big, big], [[90.0] * A] * 2],
        [[[0.0] * A, [0.05 * BIG] * A], [[0.0] * A, [0.12 * BIG] * A], [[NAN] * A] * 2],
        groups=[0, 1, 1],
    )
    result = forecast(history, ForecastAssumptions(estimation_years=1))
    assert result.group_rates[:, 0] == pytest.approx([0.05, 0.12])
    assert result.rates[2] == pytest.approx([0.12] * A)
    totals = result.totals()
    assert totals.births.shape == (2, 5, 3)
    assert totals.births[1, :, 1] == pytest.approx(result.births[1:, :, 1].sum(axis=0))


def test_shrinkage_tames_a_small_village_with_a_lucky_year() -> None:
    # 30 women a group; 9 births in 25–29 in one year (own rate 0.3, three times the township's)
    # The shrunk rate must lie between the two and much closer to the township's.
    town_women = [[5000.0] * A] * 4
    town_births = [[500.0 * r / 0.1 for r in RATES]] * 4
    small_births = [ages(a25=3)] * 3 + [ages(a25=9)]
    history = make_history([town_women, [[30.0] * A] * 4], [town_births, small_births])
    result = forecast(history, ForecastAssumptions(estimation_years=1))
    town, own, shrunk = result.group_rates[0, 2], result.own_rates[1, 2], result.rates[1, 2]
    assert own == pytest.approx(0.3)
    assert town < shrunk < own
    assert shrunk - town < (own - town) / 5  # weight 30 / 280 ≈ 0.107


# --- missing history ----------------------------------------------------------------------------


def test_missing_women_come_from_the_last_known_year_or_from_population() -> None:
    # V01: women known in 2019 only (2020 missing) → projected from 2019's counts;
    # V02: no women ever, population 700 → 700 × the township's women per person
    #      (V01's 2019: 100 women a group per 1000 people → 70 a group);
    # V03: nothing at all → not projectable, NaN births, left out of the township total.
    known = [100.0] * A
    history = make_history(
        [[known, [NAN] * A], [[NAN] * A] * 2, [[NAN] * A] * 2],
        [[[10.0] * A, [NAN] * A], [[NAN] * A] * 2, [[NAN] * A] * 2],
        population=[[1000, NAN], [NAN, 700], [NAN, NAN]],
    )
    result = forecast(history, ForecastAssumptions(horizon=1, survival=1.0, prior_strength=0))
    assert result.women[0, 0] == pytest.approx(known)
    assert result.women[1, 0] == pytest.approx([70.0] * A)
    assert result.projectable.tolist() == [True, True, False]
    assert np.isnan(result.births[2]).all()
    assert np.isnan(result.lower[2]).all() and np.isnan(result.upper[2]).all()
    # rates: 10 births per 100 woman-years everywhere (2019's exposure is its year-end count)
    assert result.births[:2, 0, 1] == pytest.approx([70.0, 49.0])
    totals = result.totals()
    assert totals.births[0, 0, 1] == pytest.approx(119.0)
    assert (totals.units.tolist(), totals.missing_units.tolist()) == ([2], [1])


def test_a_history_without_any_usable_year_is_refused() -> None:
    history = make_history([[[NAN] * A]], [[[NAN] * A]])
    with pytest.raises(ValueError, match="no year that can estimate fertility"):
        forecast(history)


# --- variants and intervals -----------------------------------------------------------------


def small_and_large() -> ForecastHistory:
    """A village of ~30 women a group and a township-sized unit of 3000, stationary."""
    women = [[[30.0] * A] * 3, [[3000.0] * A] * 3]
    births = [[[30 * r for r in RATES]] * 3, [[3000 * r for r in RATES]] * 3]
    return make_history(women, births)


def test_intervals_contain_the_medium_and_widen_with_the_horizon() -> None:
    result = forecast(small_and_large(), ForecastAssumptions(survival=1.0, entrants=1.0))
    medium = result.births[:, :, 1]
    assert (result.lower <= medium).all() and (medium <= result.upper).all()
    width = result.upper - result.lower
    assert (np.diff(width, axis=1) >= 0).all()
    assert width[1, -1] > width[1, 0]
    # relative to the expectation, the small village's interval is far wider
    relative = width / medium
    assert relative[0, 0] > 3 * relative[1, 0]


def test_without_parameter_uncertainty_the_interval_is_poisson() -> None:
    # A village without births of its own takes the township's rates (prior strength 0, a
    # billion woman-years behind them: no parameter uncertainty) and no drift: births are
    # Poisson(10), whose 10 % and 90 % quantiles are 6 and 14
    # (P(X ≤ 5) = 0.067, P(X ≤ 6) = 0.130; P(X ≤ 13) = 0.864, P(X ≤ 14) = 0.917).
    rate = 10 / (100 * A)
    history = make_history(
        [[[BIG] * A] * 2, [[100.0] * A] * 2],
        [[[0.0] * A, [rate * BIG] * A], [[NAN] * A] * 2],
    )
    result = forecast(
        history,
        ForecastAssumptions(
            horizon=1, survival=1.0, prior_strength=0, level_drift=0, estimation_years=1
        ),
    )
    assert result.births[1, 0, 1] == pytest.approx(10.0)
    assert (result.lower[1, 0], result.upper[1, 0]) == (6.0, 14.0)


def test_an_expectation_below_one_birth_still_lies_in_its_interval() -> None:
    # A hamlet of one woman a group at the township's rate of 0.05 in 25–29: about 0.05 births.
    # P(0 births) = e^−0.05 = 0.95, so the 90 % quantile is 0 births; the interval is widened
    # to [0, 1] to contain the expectation.
    history = make_history(
        [[[1000.0] * A] * 2, [[1.0] * A] * 2], [[[0.0] * A, ages(a25=50)], [[NAN] * A] * 2]
    )
    result = forecast(history, ForecastAssumptions(horizon=1, estimation_years=1))
    assert result.births[1, 0, 1] == pytest.approx(0.05, abs=1e-4)
    assert (result.lower[1, 0], result.upper[1, 0]) == (0.0, 1.0)


def test_township_totals_have_their_own_narrower_interval() -> None:
    women = [[[300.0] * A] * 3 for _ in range(10)]
    births = [[[300 * r for r in RATES]] * 3 for _ in range(10)]
    result = forecast(make_history(women, births), ForecastAssumptions(horizon=1))
    totals = result.totals()
    assert totals.lower[0, 0] > result.lower[:, 0].sum()
    assert totals.upper[0, 0] < result.upper[:, 0].sum()
    assert totals.lower[0, 0] <= totals.births[0, 0, 1] <= totals.upper[0, 0]


FINITE = st.floats(0, 400, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    women=st.lists(st.lists(FINITE, min_size=A, max_size=A), min_size=1, max_size=4),
    rate=st.floats(0.0, 0.3),
    factors=st.lists(st.floats(0.5, 1.5), min_size=3, max_size=3).map(sorted),
    migration=st.floats(-0.2, 0.2),
)
def test_variants_are_ordered_and_nothing_is_negative(
    women: list[list[float]], rate: float, factors: list[float], migration: float
) -> None:
    history = make_history(
        [[w, w] for w in women], [[[0.0] * A, [round(x * rate) for x in w]] for w in women]
    )
    if not any(sum(w) > 0 for w in women):
        return
    result = forecast(
        history,
        ForecastAssumptions(
            variant_factors=(factors[0], factors[1], factors[2]), net_migration=migration
        ),
    )
    births = result.births
    assert (births >= 0).all()
    assert (births[:, :, 0] <= births[:, :, 1]).all() and (births[:, :, 1] <= births[:, :, 2]).all()
    assert (result.lower >= 0).all()
    assert (result.lower <= births[:, :, 1]).all() and (births[:, :, 1] <= result.upper).all()
    assert (result.women >= 0).all()


# --- bad input ----------------------------------------------------------------------------------

BAD_ASSUMPTIONS = [
    ({"horizon": 0}, "horizon"),
    ({"horizon": 6}, "horizon"),
    ({"survival": 1.2}, "Survival"),
    ({"survival": (0.9, 0.9)}, "one per age group"),
    ({"net_migration": -1.0}, "migration"),
    ({"entrants": -0.5}, "Entrants"),
    ({"variant_factors": (1.1, 1.0, 1.2)}, "low ≤ medium ≤ high"),
    ({"estimation_years": 0}, "Estimation years"),
    ({"prior_strength": -1}, "prior strength"),
    ({"interval": 1.0}, "interval"),
    ({"level_drift": -0.1}, "drift"),
]


@pytest.mark.parametrize(("kwargs", "words"), BAD_ASSUMPTIONS)
def test_bad_assumptions_are_refused_in_two_languages(
    kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(ValueError, match=words) as raised:
        ForecastAssumptions(**kwargs)  # type: ignore[arg-type]
    assert " / " in str(raised.value)


def test_a_history_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="should have shape"):
        ForecastHistory(
            ("V01",), (2020,), np.zeros((1, 1, 6)), np.zeros((1, 1, 7)), np.zeros((1, 1))
        )
    with pytest.raises(ValueError, match="consecutive"):
        ForecastHistory(
            ("V01",), (2020, 2022), np.zeros((1, 2, 7)), np.zeros((1, 2, 7)), np.zeros((1, 2))
        )
    with pytest.raises(ValueError, match="negative"):
        ForecastHistory(
            ("V01",), (2020,), -np.ones((1, 1, 7)), np.zeros((1, 1, 7)), np.zeros((1, 1))
        )


# --- in words -------------------------------------------------------------------------------


def test_a_units_forecast_is_explained_in_chinese_and_english() -> None:
    # V01 as in the hand-worked case above, shrunk with 250 woman-years toward a township that
    # is V01 alone (so the rates stay 0.10, 0.15, 0.08; TFR 5 × 0.33 = 1.65)
    start = ages(a20=100, a25=200, a30=50)
    history = make_history([[start, start]], [[ages(), ages(a20=10, a25=30, a30=4)]])
    assumptions = ForecastAssumptions(
        horizon=2, survival=1.0, net_migration=-0.1, estimation_years=1
    )
    result = forecast(history, assumptions)
    words = explain_unit(result, 0)
    lower, upper = int(result.lower[0, 0]), int(result.upper[0, 0])
    assert words.zh.startswith(
        f"2021 年预计出生 40.6 人（低方案 34.5 人，高方案 46.7 人），有 80% 的把握在 {lower} 到 {upper} 人之间。"
    )
    assert "妇女共 350 人年，生育 44 人" in words.zh
    assert "采用的总和生育率为 1.65" in words.zh
    assert "350 woman-years and had 44 births" in words.en
    # weights 100/350, 200/450, 50/300 by the rates 0.10, 0.15, 0.08 → (2/7 × .1 + 4/9 × .15 + 1/6 × .08)/.33
    assert own_weight(result, 0) == pytest.approx(
        (2 / 7 * 0.1 + 4 / 9 * 0.15 + 1 / 6 * 0.08) / 0.33
    )
    assert "本单位自身数据占 33% 的权重" in words.zh
