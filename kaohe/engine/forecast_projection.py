"""The cohort-component projection of women and births (method: docs/forecast-method.md).

Three steps, each one vectorised over all units at once:

1. **Rates.** Over the last ``estimation_years`` of history, each unit's births by mother's age
   group and its woman-years of exposure (the mean of the year-end counts at the start and end
   of the year). The township's rates pool all its units. A unit's rate is shrunk toward the
   township's: ``(births + k × township rate) / (exposure + k)`` with ``k`` = the prior
   strength in woman-years, i.e. ``w × own + (1 − w) × township`` with
   ``w = exposure / (exposure + k)``. This is the posterior mean when the unit's rate has a
   gamma prior worth ``k`` woman-years at the township's rate and births are Poisson, whose
   posterior variance ``rate / (exposure + k)`` is the parameter uncertainty of the interval.
2. **Women.** From the last known year-end counts, each year: a fifth of every group moves up
   to the next (a fifth of 45–49 leaves), every woman survives with the survival of the group she
   started the year in and migrates at its net rate, and girls enter 15–19.
3. **Births.** Rates × the mean of the year's start and end women, × the trend, × the variant
   factor; the interval from the negative binomial whose φ holds the parameter variance and a
   random-walk drift of fertility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .forecast_model import (
    DEFAULT_ASSUMPTIONS,
    GROUP_WIDTH,
    MEDIUM,
    N_AGES,
    BoolArray,
    FloatArray,
    Forecast,
    ForecastAssumptions,
    ForecastHistory,
    IntArray,
    _fail,
    dispersion_of,
    group_sums,
    interval_bounds,
)


@dataclass(frozen=True)
class RateEstimate:
    """Rates per unit and age group (U, A) and per group (G, A)."""

    rates: FloatArray
    variance: FloatArray
    own: FloatArray
    exposure: FloatArray
    weight: FloatArray
    group_rates: FloatArray


def _last_finite(values: FloatArray) -> FloatArray:
    """The last finite value along axis 1 (years), NaN where there is none."""
    years = values.shape[1]
    shape = [1] * values.ndim
    shape[1] = years
    position = np.where(np.isfinite(values), np.arange(years).reshape(shape), -1)
    last = np.maximum.accumulate(position, axis=1)[:, -1]
    taken = np.take_along_axis(values, np.expand_dims(np.maximum(last, 0), 1), axis=1)[:, 0]
    result: FloatArray = np.where(last >= 0, taken, np.nan)
    return result


def exposure_in_window(history: ForecastHistory, years: int) -> tuple[FloatArray, FloatArray]:
    """Woman-years and births (U, A) over the last ``years`` years of history.

    A year's exposure is the mean of the women at the end of the previous year and of this
    year; with only one of them known, that one. A unit-year-age cell counts only when both its
    exposure and its births are known.
    """
    women = np.asarray(history.women, dtype=np.float64)
    births = np.asarray(history.births, dtype=np.float64)
    before = np.concatenate([np.full_like(women[:, :1], np.nan), women[:, :-1]], axis=1)
    known = np.isfinite(before).astype(np.float64) + np.isfinite(women)
    with np.errstate(invalid="ignore", divide="ignore"):
        exposure = (np.nan_to_num(before) + np.nan_to_num(women)) / known
    start = max(0, len(history.years) - years)
    exposure, births = exposure[:, start:], births[:, start:]
    usable = np.isfinite(exposure) & np.isfinite(births)
    return (
        np.where(usable, exposure, 0.0).sum(axis=1),
        np.where(usable, births, 0.0).sum(axis=1),
    )


def pooled_rates(
    exposure: FloatArray, births: FloatArray, groups: IntArray, n_groups: int
) -> FloatArray:
    """Births per woman-year of each group (G, A); a group with no exposure in an age group
    takes the rate of all units together, and an age group without a single woman-year
    anywhere has rate 0."""
    group_exposure = group_sums(exposure, groups, n_groups)
    group_births = group_sums(births, groups, n_groups)
    all_exposure = exposure.sum(axis=0)
    if not bool(np.any(all_exposure > 0)):
        raise _fail(
            "历史数据中没有可用于估计生育率的年份（需同一年的妇女数和出生数）",
            "The history has no year that can estimate fertility (women and births of the same year)",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(all_exposure > 0, births.sum(axis=0) / all_exposure, 0.0)
        rates = group_births / group_exposure
    result: FloatArray = np.where(group_exposure > 0, rates, overall[np.newaxis, :])
    return result


def estimate_rates(
    history: ForecastHistory, assumptions: ForecastAssumptions, groups: IntArray, n_groups: int
) -> RateEstimate:
    """Each unit's age-specific rates shrunk toward its group's (see the module docstring)."""
    exposure, births = exposure_in_window(history, assumptions.estimation_years)
    group_rates = pooled_rates(exposure, births, groups, n_groups)
    township = group_rates[groups]
    k = assumptions.prior_strength
    total = exposure + k
    with np.errstate(invalid="ignore", divide="ignore"):
        shrunk = (births + k * township) / total
        own = np.where(exposure > 0, births / exposure, np.nan)
        weight = np.where(total > 0, exposure / total, 0.0)
        # Without a prior and without exposure the township's rate is all there is: its own
        # sampling variance is the best measure of how uncertain it is.
        group_exposure = group_sums(exposure, groups, n_groups)[groups]
        variance = np.where(
            total > 0, shrunk / total, np.where(group_exposure > 0, township / group_exposure, 0.0)
        )
    rates = np.where(total > 0, shrunk, township)
    return RateEstimate(rates, variance, own, exposure, weight, group_rates)


def jump_off_women(history: ForecastHistory, groups: IntArray, n_groups: int) -> FloatArray:
    """Women by age group (U, A) to project from.

    The last known year-end count of each unit and age group. A unit with no count for an age
    group takes its last known population × the group's (township's) women of that age per
    person, pooled over the years where both are known; without population it stays NaN.
    """
    women = np.asarray(history.women, dtype=np.float64)
    population = np.asarray(history.population, dtype=np.float64)
    start = _last_finite(women)
    missing = np.isnan(start)
    if not bool(missing.any()):
        return start
    both = np.isfinite(women) & np.isfinite(population)[:, :, np.newaxis]
    share_women = group_sums(np.where(both, women, 0.0).sum(axis=1), groups, n_groups)
    share_people = group_sums(
        np.where(both, population[:, :, np.newaxis], 0.0).sum(axis=1), groups, n_groups
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = share_women.sum(axis=0) / share_people.sum(axis=0)
        share = np.where(share_people > 0, share_women / share_people, overall[np.newaxis, :])
    estimate = _last_finite(population)[:, np.newaxis] * share[groups]
    result: FloatArray = np.where(missing, estimate, start)
    return result


def project_women(start: FloatArray, assumptions: ForecastAssumptions, steps: int) -> FloatArray:
    """Women at the end of each year (U, steps + 1, A), index 0 being ``start``.

    Each year a fifth of each group ages into the next (women are assumed spread evenly over
    the five years of their group); every woman survives and migrates at the rates of the
    group she was in at the start of the year; ``entrants`` × a fifth of the 15–19 group enter
    it (``None``: as many as keep the group at its size).
    """
    keep = assumptions.survival_by_age * (1.0 + assumptions.migration_by_age)
    stay = (GROUP_WIDTH - 1) / GROUP_WIDTH
    move = 1.0 / GROUP_WIDTH
    women = np.empty((start.shape[0], steps + 1, N_AGES))
    women[:, 0] = start
    for step in range(1, steps + 1):
        current = women[:, step - 1]
        nxt = women[:, step]
        nxt[:] = current * (stay * keep)
        nxt[:, 1:] += current[:, :-1] * (move * keep[:-1])
        if assumptions.entrants is None:
            nxt[:, 0] = current[:, 0]
        else:
            nxt[:, 0] += assumptions.entrants * move * current[:, 0]
    return women


def forecast(
    history: ForecastHistory, assumptions: ForecastAssumptions = DEFAULT_ASSUMPTIONS
) -> Forecast:
    """Forecast births for ``assumptions.horizon`` years after the last history year.

    Units with no usable year of their own get their township's rates (weight 0); units with
    neither women nor population are not projectable (NaN births). Raises a bilingual
    ``ValueError`` when no unit has a single usable year of women and births.
    """
    groups = history.group_index
    n_groups = history.n_groups
    horizon = assumptions.horizon
    estimate = estimate_rates(history, assumptions, groups, n_groups)
    women = project_women(jump_off_women(history, groups, n_groups), assumptions, horizon)
    mean_women = (women[:, :-1] + women[:, 1:]) / 2.0  # (U, H, A)
    trend = (1.0 + assumptions.fertility_trend) ** np.arange(1, horizon + 1)  # (H,)
    medium = np.einsum("uha,ua->uh", mean_women, estimate.rates) * trend
    factors = np.asarray(assumptions.variant_factors, dtype=np.float64)
    births = medium[:, :, np.newaxis] * factors[np.newaxis, np.newaxis, :]
    parameter_variance = np.einsum("uha,ua->uh", mean_women**2, estimate.variance) * trend**2
    drift = assumptions.level_drift**2 * np.arange(1, horizon + 1, dtype=np.float64)
    expected = births[:, :, MEDIUM]
    phi = dispersion_of(expected, parameter_variance, drift[np.newaxis, :])
    lower, upper = interval_bounds(expected, phi, assumptions.interval)
    projectable: BoolArray = np.all(np.isfinite(women[:, 0]), axis=1)
    last = history.years[-1]
    return Forecast(
        units=history.units,
        years=tuple(range(last + 1, last + horizon + 1)),
        births=births,
        lower=lower,
        upper=upper,
        women=women[:, 1:],
        rates=estimate.rates,
        tfr=GROUP_WIDTH * estimate.rates.sum(axis=1),
        groups=groups,
        group_rates=estimate.group_rates,
        own_rates=estimate.own,
        exposure=estimate.exposure,
        weight=estimate.weight,
        dispersion=phi,
        parameter_variance=parameter_variance,
        drift=drift,
        projectable=projectable,
        interval=assumptions.interval,
        estimation_years=min(assumptions.estimation_years, len(history.years)),
    )
