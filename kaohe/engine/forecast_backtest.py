"""How far to trust the forecast: every past year forecast from the years before it.

For each origin year o (from the ``min_years``-th history year on) the forecast is made from
years ≤ o only — its rates, its jump-off women, its township rates — exactly as it would have
been made at the end of year o, and compared with the births of years o + 1 … o + ``steps``.

Error measures (per step ahead ``s``):

* township: the mean absolute percentage error (MAPE) of the group's total births,
  ``mean_t |P − A| / A`` over the target years with A > 0;
* unit: the mean absolute error in births (MAE); the weighted absolute percentage error
  ``Σ|P − A| / ΣA`` (WAPE), which a year of zero births does not break; and the MAPE over the
  unit's years with A > 0 only (NaN when there are none) — a village with 2 births forecast
  at 3 has an APE of 50 % while being off by a single birth, so the WAPE and the MAE are the
  measures to read for small villages;
* coverage: the share of unit-years (and of township-years) whose actual births lie within the
  interval; it should be near the interval's probability.

A unit-year counts only when both the forecast and the actual births (all seven age groups)
are known; township totals are summed over those units, forecast and actual alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .forecast_model import (
    DEFAULT_ASSUMPTIONS,
    MAX_HORIZON,
    MEDIUM,
    BoolArray,
    FloatArray,
    ForecastAssumptions,
    ForecastHistory,
    _fail,
    dispersion_of,
    group_sums,
    interval_bounds,
)
from .forecast_projection import forecast


@dataclass(frozen=True)
class Backtest:
    """Each past year forecast from the years before it.

    ``years`` (T,) the target years. ``predicted``/``lower``/``upper`` (U, T, S): the medium
    births and the interval for target year t made ``s + 1`` years ahead (NaN where the history
    before it was too short); ``actual`` (U, T) (NaN if an age group is missing).
    ``township_predicted``/``township_lower``/``township_upper`` (G, T, S) and
    ``township_actual`` (G, T, S) over the units compared.
    Errors (see the module docstring): ``township_mape`` (G, S), ``unit_mae``/``unit_wape``/
    ``unit_mape`` (U, S), ``coverage``/``township_coverage`` (S,). Percentages are fractions
    (0.12 = 12 %).
    """

    units: tuple[str, ...]
    years: tuple[int, ...]
    predicted: FloatArray
    lower: FloatArray
    upper: FloatArray
    actual: FloatArray
    township_predicted: FloatArray
    township_lower: FloatArray
    township_upper: FloatArray
    township_actual: FloatArray
    township_mape: FloatArray
    unit_mae: FloatArray
    unit_wape: FloatArray
    unit_mape: FloatArray
    coverage: FloatArray
    township_coverage: FloatArray


def _mean_over(values: FloatArray, mask: BoolArray, axis: int | tuple[int, ...]) -> FloatArray:
    """Mean of ``values`` where ``mask`` is true along ``axis``; NaN where nothing counts."""
    count = mask.sum(axis=axis)
    total = np.where(mask, values, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = np.where(count > 0, total / count, np.nan)
    return result


def backtest(
    history: ForecastHistory,
    assumptions: ForecastAssumptions = DEFAULT_ASSUMPTIONS,
    min_years: int = 3,
    steps: int = 1,
) -> Backtest:
    """Forecast every history year from at least ``min_years`` years before it, 1 … ``steps``
    years ahead, and measure the errors. Needs more than ``min_years`` years of history."""
    n_years = len(history.years)
    if min_years < 1 or not 1 <= steps <= MAX_HORIZON:
        raise _fail(
            "回测至少需 1 年历史，提前 1 到 5 年",
            "A backtest needs at least 1 year of history and 1 to 5 steps ahead",
        )
    if n_years <= min_years:
        raise _fail(
            f"回测需要多于 {min_years} 年的历史数据",
            f"A backtest needs more than {min_years} years of history",
        )
    groups = history.group_index
    n_groups = history.n_groups
    n_units = len(history.units)
    targets = n_years - min_years
    predicted = np.full((n_units, targets, steps), np.nan)
    lower, upper = predicted.copy(), predicted.copy()
    variance = predicted.copy()
    drift = np.full((targets, steps), np.nan)
    births = np.asarray(history.births, dtype=np.float64)
    actual = np.where(np.all(np.isfinite(births), axis=2), births.sum(axis=2), np.nan)
    actual = actual[:, min_years:]
    for origin in range(min_years - 1, n_years - 1):
        horizon = min(steps, n_years - 1 - origin)
        made = forecast(history.head(origin + 1), replace(assumptions, horizon=horizon))
        for step in range(horizon):
            t = origin + 1 + step - min_years
            predicted[:, t, step] = made.births[:, step, MEDIUM]
            lower[:, t, step] = made.lower[:, step]
            upper[:, t, step] = made.upper[:, step]
            variance[:, t, step] = made.parameter_variance[:, step]
            drift[t, step] = made.drift[step]
    compared = np.isfinite(predicted) & np.isfinite(actual)[:, :, np.newaxis]
    # Townships: totals over the units compared, with the interval of the total.
    town_predicted = group_sums(np.where(compared, predicted, 0.0), groups, n_groups)
    town_actual = group_sums(np.where(compared, actual[:, :, np.newaxis], 0.0), groups, n_groups)
    town_variance = group_sums(np.where(compared, variance, 0.0), groups, n_groups)
    any_compared = group_sums(compared.astype(np.float64), groups, n_groups) > 0
    phi = dispersion_of(town_predicted, town_variance, drift[np.newaxis])
    town_lower, town_upper = interval_bounds(town_predicted, phi, assumptions.interval)
    for array in (town_predicted, town_actual, town_lower, town_upper):
        array[~any_compared] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        town_ape = np.abs(town_predicted - town_actual) / town_actual
        unit_ape = np.abs(predicted - actual[:, :, np.newaxis]) / actual[:, :, np.newaxis]
    town_counted = any_compared & (town_actual > 0)
    error = np.abs(predicted - actual[:, :, np.newaxis])
    actual_sum = np.where(compared, actual[:, :, np.newaxis], 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wape = np.where(
            compared.any(axis=1) & (actual_sum > 0),
            np.where(compared, error, 0.0).sum(axis=1) / actual_sum,
            np.nan,
        )
    inside = (lower <= actual[:, :, np.newaxis]) & (actual[:, :, np.newaxis] <= upper)
    town_inside = (town_lower <= town_actual) & (town_actual <= town_upper)
    return Backtest(
        units=history.units,
        years=history.years[min_years:],
        predicted=predicted,
        lower=lower,
        upper=upper,
        actual=actual,
        township_predicted=town_predicted,
        township_lower=town_lower,
        township_upper=town_upper,
        township_actual=town_actual,
        township_mape=_mean_over(town_ape, town_counted, axis=1),
        unit_mae=_mean_over(error, compared, axis=1),
        unit_wape=wape,
        unit_mape=_mean_over(unit_ape, compared & (actual[:, :, np.newaxis] > 0), axis=1),
        coverage=_mean_over(inside.astype(np.float64), compared, axis=(0, 1)),
        township_coverage=_mean_over(
            town_inside.astype(np.float64),
            any_compared,
            axis=(0, 1),
        ),
    )
