"""The backtest: a tiny history worked by hand, years without births, and a synthetic township
with known rates where the forecast must be close and the interval must cover."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe.engine.forecast import AGE_GROUPS, ForecastAssumptions, ForecastHistory, backtest

NAN = math.nan
A = len(AGE_GROUPS)
STATIONARY = {"survival": 1.0, "entrants": None, "prior_strength": 0.0, "estimation_years": 2}


def only_25_29(births: float) -> list[float]:
    return [0.0, 0.0, births, 0.0, 0.0, 0.0, 0.0]


def hand_history() -> ForecastHistory:
    # V01: 100 women in every group every year; births (all at 25–29) 10, 14, 9, 15 in
    # 2018–2021. V02: 100 women a group; births 1, 1, 0, 2.
    women = np.full((2, 4, A), 100.0)
    births = np.array(
        [[only_25_29(b) for b in (10, 14, 9, 15)], [only_25_29(b) for b in (1, 1, 0, 2)]]
    )
    return ForecastHistory(
        ("V01", "V02"), (2018, 2019, 2020, 2021), women, births, np.full((2, 4), 1000.0)
    )


def test_each_year_is_forecast_from_the_years_before_it_as_worked_by_hand() -> None:
    # given prior strength 0 (own rates), two estimation years, a stationary population
    result = backtest(hand_history(), ForecastAssumptions(**STATIONARY), min_years=2)  # type: ignore[arg-type]
    # 2020 from 2018–2019: V01 rate (10 + 14)/(100 + 100) = 0.12 → 12 births (actual 9);
    #                      V02 rate 2/200 = 0.01 → 1 birth (actual 0)
    # 2021 from 2019–2020: V01 (14 + 9)/200 = 0.115 → 11.5 (actual 15); V02 1/200 → 0.5 (actual 2)
    assert result.years == (2020, 2021)
    assert result.predicted[:, :, 0] == pytest.approx(np.array([[12, 11.5], [1, 0.5]]))
    assert result.actual.tolist() == [[9, 15], [0, 2]]
    # V01: errors 3 and 3.5: MAE 3.25, WAPE 6.5/24, MAPE (3/9 + 3.5/15)/2
    # V02: errors 1 and 1.5: MAE 1.25, WAPE 2.5/2, MAPE over the year with births only: 1.5/2
    assert result.unit_mae[:, 0] == pytest.approx([3.25, 1.25])
    assert result.unit_wape[:, 0] == pytest.approx([6.5 / 24, 2.5 / 2])
    assert result.unit_mape[:, 0] == pytest.approx([(3 / 9 + 3.5 / 15) / 2, 0.75])
    # township: 13 vs 9 and 12 vs 17: MAPE (4/9 + 5/17)/2
    assert result.township_predicted[0, :, 0] == pytest.approx([13, 12])
    assert result.township_actual[0, :, 0].tolist() == [9, 17]
    assert result.township_mape[0, 0] == pytest.approx((4 / 9 + 5 / 17) / 2)
    inside = (result.lower <= result.actual[:, :, None]) & (
        result.actual[:, :, None] <= result.upper
    )
    assert result.coverage[0] == pytest.approx(inside.mean())


def test_a_unit_without_a_single_birth_has_no_percentage_error_but_an_absolute_one() -> None:
    history = hand_history()
    births = history.births.copy()
    births[1] = 0.0
    zero = ForecastHistory(history.units, history.years, history.women, births, history.population)
    result = backtest(zero, ForecastAssumptions(**STATIONARY), min_years=2)  # type: ignore[arg-type]
    assert np.isnan(result.unit_mape[1, 0]) and np.isnan(result.unit_wape[1, 0])
    assert result.unit_mae[1, 0] == 0.0


def test_years_with_missing_births_are_left_out_of_every_measure() -> None:
    history = hand_history()
    births = history.births.copy()
    births[0, 3, 4] = NAN  # V01's 2021 is incomplete
    gappy = ForecastHistory(history.units, history.years, history.women, births, history.population)
    result = backtest(gappy, ForecastAssumptions(**STATIONARY), min_years=2)  # type: ignore[arg-type]
    assert np.isnan(result.actual[0, 1])
    assert result.unit_mae[0, 0] == pytest.approx(3.0)
    # the township of 2021 is V02 alone: 0.5 forecast, 2 actual
    assert result.township_predicted[0, 1, 0] == pytest.approx(0.5)
    assert result.township_actual[0, 1, 0] == 2


def test_several_steps_ahead_fill_the_years_they_can_reach() -> None:
    result = backtest(hand_history(), ForecastAssumptions(**STATIONARY), min_years=2, steps=2)  # type: ignore[arg-type]
    # two steps ahead, 2021 comes from 2018–2019: V01 still 0.12 × 100 = 12
    assert result.predicted[0, :, 1].tolist()[1] == pytest.approx(12.0)
    assert np.isnan(result.predicted[0, 0, 1])  # 2020 two years ahead would need 2018 alone


def test_a_history_too_short_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 3 years"):
        backtest(hand_history().head(3))


def synthetic_township(seed: int) -> ForecastHistory:
    """Twenty villages of 60–600 women a group, constant known rates, Poisson births."""
    rng = np.random.default_rng(seed)
    rates = np.array([0.006, 0.06, 0.09, 0.05, 0.02, 0.004, 0.0005])
    size = rng.integers(60, 600, 20).astype(float)
    women = np.repeat(size[:, None, None], 8, axis=1) * np.ones((1, 1, A))
    births = rng.poisson(women * rates).astype(float)
    return ForecastHistory(
        tuple(f"V{i:02d}" for i in range(20)),
        tuple(range(2015, 2023)),
        women,
        births,
        size[:, None] * 20 * np.ones((1, 8)),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_known_rates_the_backtest_errors_are_small(seed: int) -> None:
    result = backtest(synthetic_township(seed), ForecastAssumptions(survival=1.0), steps=2)
    # the township's ~700 births a year vary by √700 ≈ 26 (3.8 %) by chance alone
    assert result.township_mape[0, 0] < 0.06
    assert result.township_mape[0, 1] < 0.06
    assert np.nanmedian(result.unit_wape[:, 0]) < 0.25
    # an 80 % interval with a little drift allowed for: covers most unit-years
    assert 0.7 <= result.coverage[0] <= 0.99
