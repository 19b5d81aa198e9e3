"""The data of a births forecast: its input history, the user's assumptions and the result.

Shapes: ``U`` units, ``Y`` history years, ``A = 7`` age groups (:data:`AGE_GROUPS`), ``H``
forecast years, ``V = 3`` variants (low, medium, high), ``G`` groups (townships). Arrays are
float64 with NaN for "missing". Inputs are checked when they are built and a bad one raises a
``ValueError`` whose message is "中文 / English".

Import from :mod:`kaohe.engine.forecast`, which gathers the public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from .forecast_counts import count_quantiles

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Women's five-year age groups, in order; axis ``A`` of every array.
AGE_GROUPS: tuple[str, ...] = ("15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49")
N_AGES = len(AGE_GROUPS)
#: Years in an age group: each year a fifth of a group moves up to the next.
GROUP_WIDTH = 5
#: The forecast reaches at most this many years ahead.
MAX_HORIZON = 5


class Variant(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: Variant order on axis ``V``.
VARIANTS: tuple[Variant, ...] = (Variant.LOW, Variant.MEDIUM, Variant.HIGH)
MEDIUM = 1


def _fail(zh: str, en: str) -> ValueError:
    return ValueError(f"{zh} / {en}")


@dataclass(frozen=True)
class ForecastHistory:
    """What the forecast starts from: aggregates per unit and year, nothing about a person.

    ``women`` (U, Y, A): women by age group at year end; ``births`` (U, Y, A): births in the
    year by mother's age group; ``population`` (U, Y): population at year end. NaN = missing.
    ``years`` are consecutive and ascending. ``groups`` (U,) gives each unit's township index
    0..G-1 (``None``: all units are one group).
    """

    units: tuple[str, ...]
    years: tuple[int, ...]
    women: FloatArray
    births: FloatArray
    population: FloatArray
    groups: IntArray | None = None

    def __post_init__(self) -> None:
        n_units, n_years = len(self.units), len(self.years)
        if n_years == 0:
            raise _fail("历史数据没有年份", "The history has no years")
        if any(b - a != 1 for a, b in zip(self.years, self.years[1:], strict=False)):
            raise _fail(
                "历史年份须连续递增", "The history's years must be consecutive and ascending"
            )
        expected = {
            "women": (n_units, n_years, N_AGES),
            "births": (n_units, n_years, N_AGES),
            "population": (n_units, n_years),
        }
        for name, shape in expected.items():
            actual = np.shape(getattr(self, name))
            if actual != shape:
                raise _fail(
                    f"{name} 的形状应为 {shape}，实为 {actual}",
                    f"{name} should have shape {shape}, not {actual}",
                )
        for name in ("women", "births", "population"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if bool(np.any(values < 0)) or bool(np.any(np.isinf(values))):
                raise _fail(f"{name} 含负数或无穷大", f"{name} holds a negative or infinite value")
        if self.groups is not None:
            groups = np.asarray(self.groups)
            if groups.shape != (n_units,) or (n_units and int(groups.min()) < 0):
                raise _fail(
                    "groups 须为每个单位一个非负整数",
                    "groups must be one non-negative int per unit",
                )

    @property
    def group_index(self) -> IntArray:
        """Each unit's group index (all 0 when ``groups`` is None)."""
        if self.groups is None:
            return np.zeros(len(self.units), dtype=np.int64)
        return np.asarray(self.groups, dtype=np.int64)

    @property
    def n_groups(self) -> int:
        groups = self.group_index
        return int(groups.max()) + 1 if groups.size else 1

    def head(self, n_years: int) -> ForecastHistory:
        """The first ``n_years`` years only (what was known at the end of the last of them)."""
        return ForecastHistory(
            units=self.units,
            years=self.years[:n_years],
            women=self.women[:, :n_years],
            births=self.births[:, :n_years],
            population=self.population[:, :n_years],
            groups=self.groups,
        )


def _per_age(value: float | tuple[float, ...], name: str) -> FloatArray:
    given = np.asarray(value, dtype=np.float64)
    if given.shape not in ((), (N_AGES,)) or not bool(np.all(np.isfinite(given))):
        raise _fail(
            f"{name} 须为一个数或每个年龄组一个数",
            f"{name} must be one number or one per age group",
        )
    return np.broadcast_to(given, (N_AGES,)).copy()


@dataclass(frozen=True)
class ForecastAssumptions:
    """The assumptions a user may set (defaults and their reasons: docs/forecast-method.md).

    ``horizon`` 1..5 years after the last history year. ``survival`` and ``net_migration``:
    one annual value, or one per age group (the group a woman is in at the start of the year).
    ``entrants``: girls entering 15–19 in a year as a share of a fifth of the 15–19 group (1.0
    replaces the fifth that ages out); ``None`` keeps the 15–19 group at its size.
    ``variant_factors`` multiply fertility for low/medium/high. ``fertility_trend``: annual
    relative change of fertility from the estimated rates, in every variant.
    ``estimation_years``: the last years of history whose births estimate the rates.
    ``prior_strength``: woman-years (per age group) that the township's rate counts for when a
    unit's own rate is shrunk toward it. ``interval``: the central probability of the
    prediction interval. ``level_drift``: the relative standard deviation of one year's
    unforeseen change of fertility (a random walk), which widens the interval with the horizon.
    """

    horizon: int = 5
    survival: float | tuple[float, ...] = 0.9995
    net_migration: float | tuple[float, ...] = 0.0
    entrants: float | None = None
    variant_factors: tuple[float, float, float] = (0.85, 1.0, 1.15)
    fertility_trend: float = 0.0
    estimation_years: int = 3
    prior_strength: float = 250.0
    interval: float = 0.8
    level_drift: float = 0.05

    def __post_init__(self) -> None:
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise _fail("预测年数须在 1 到 5 之间", "The horizon must be 1 to 5 years")
        survival = _per_age(self.survival, "survival")
        if bool(np.any((survival <= 0) | (survival > 1))):
            raise _fail("存活率须大于 0 且不超过 1", "Survival must be above 0 and at most 1")
        if bool(np.any(_per_age(self.net_migration, "net_migration") <= -1)):
            raise _fail("净迁移率须大于 −1", "Net migration must be above −1")
        if self.entrants is not None and self.entrants < 0:
            raise _fail("新进入 15–19 岁组的比例不能为负", "Entrants cannot be negative")
        low, medium, high = self.variant_factors
        if not 0 < low <= medium <= high:
            raise _fail(
                "方案系数须为正数且 低 ≤ 中 ≤ 高",
                "Variant factors must be positive, low ≤ medium ≤ high",
            )
        if self.fertility_trend <= -1:
            raise _fail("生育趋势须大于 −1", "The fertility trend must be above −1")
        if self.estimation_years < 1:
            raise _fail("估计年数至少为 1", "Estimation years must be at least 1")
        if self.prior_strength < 0:
            raise _fail("收缩强度不能为负", "The prior strength cannot be negative")
        if not 0 < self.interval < 1:
            raise _fail("区间概率须在 0 与 1 之间", "The interval must lie between 0 and 1")
        if self.level_drift < 0:
            raise _fail("生育水平漂移不能为负", "The level drift cannot be negative")

    @property
    def survival_by_age(self) -> FloatArray:
        return _per_age(self.survival, "survival")

    @property
    def migration_by_age(self) -> FloatArray:
        return _per_age(self.net_migration, "net_migration")


#: The defaults, as a value to pass around.
DEFAULT_ASSUMPTIONS = ForecastAssumptions()


@dataclass(frozen=True)
class TownshipTotals:
    """Births summed per group (G groups).

    ``births`` (G, H, V); ``lower``/``upper`` (G, H) the group's own interval, computed from
    the total (not the sum of the units' bounds, which would be far too wide); ``units``
    (G,) units counted; ``missing_units`` (G,) units left out because they could not be
    projected.
    """

    births: FloatArray
    lower: FloatArray
    upper: FloatArray
    units: IntArray
    missing_units: IntArray


def interval_bounds(
    expected: FloatArray, dispersion: FloatArray, interval: float
) -> tuple[FloatArray, FloatArray]:
    """Whole-birth bounds of the central ``interval`` of a negative binomial with mean
    ``expected`` and variance μ + φμ², widened where needed to contain the expectation
    (``floor(μ)`` ≤ lower, upper ≥ ``ceil(μ)``): below about one expected birth the upper
    quantile alone would be 0 births."""
    tail = (1.0 - interval) / 2.0
    lower, upper = count_quantiles(expected, dispersion, (tail, 1.0 - tail))
    lower = np.fmin(lower, np.floor(expected))
    upper = np.fmax(upper, np.ceil(expected))
    nan = np.isnan(expected)
    lower[nan] = np.nan
    upper[nan] = np.nan
    return lower, upper


def group_sums(values: FloatArray, groups: IntArray, n_groups: int) -> FloatArray:
    """Sum the rows of ``values`` (U, ...) per group → (G, ...); NaN rows count as 0."""
    flat = np.nan_to_num(values.reshape(values.shape[0], -1), nan=0.0)
    out = np.zeros((n_groups, flat.shape[1]))
    np.add.at(out, groups, flat)
    return out.reshape((n_groups, *values.shape[1:]))


def dispersion_of(
    expected: FloatArray, parameter_variance: FloatArray, drift: FloatArray
) -> FloatArray:
    """φ = Var(expected births) / μ²: the parameter part plus the drift shared by all units."""
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(expected > 0, parameter_variance / expected**2, 0.0) + drift
    result: FloatArray = np.where(np.isnan(expected), np.nan, phi)
    return result


@dataclass(frozen=True)
class Forecast:
    """The forecast for ``years`` (H) after the history.

    ``births`` (U, H, V) expected births per variant; ``lower``/``upper`` (U, H) whole births
    bounding the central ``interval`` around the medium variant; ``women`` (U, H, A) projected
    women at year end; ``rates`` (U, A) the shrunk medium rates at the jump-off (before any
    trend); ``tfr`` (U,) = 5 × Σ rates.

    To explain a figure: ``own_rates`` (U, A) the unit's births per woman-year (NaN without
    exposure); ``group_rates`` (G, A) the township's; ``exposure`` (U, A) woman-years behind
    the unit's own rates; ``weight`` (U, A) = exposure / (exposure + prior strength), the share
    of the unit's own rate; ``dispersion`` (U, H) φ of the negative binomial behind the interval
    (variance = μ + φμ²; pass it to :func:`exceed_probability`); ``parameter_variance`` (U, H)
    and ``drift`` (H,) its two parts; ``projectable`` (U,) False where neither women nor
    population are known (the unit's births are NaN and it is left out of totals).
    """

    units: tuple[str, ...]
    years: tuple[int, ...]
    births: FloatArray
    lower: FloatArray
    upper: FloatArray
    women: FloatArray
    rates: FloatArray
    tfr: FloatArray
    groups: IntArray
    group_rates: FloatArray
    own_rates: FloatArray
    exposure: FloatArray
    weight: FloatArray
    dispersion: FloatArray
    parameter_variance: FloatArray
    drift: FloatArray
    projectable: BoolArray
    interval: float
    estimation_years: int = 3

    def totals(self, groups: IntArray | None = None) -> TownshipTotals:
        """Sum births per group (default: the history's groups) with the group's own interval.

        The parameter variances of the units add up; the drift is shared by the whole group (a
        change of fertility reaches every village), so it scales with the square of the total.
        """
        index = self.groups if groups is None else np.asarray(groups, dtype=np.int64)
        if index.shape != (len(self.units),):
            raise _fail("groups 须为每个单位一个整数", "groups must be one int per unit")
        n_groups = int(index.max()) + 1 if index.size else 1
        births = group_sums(self.births, index, n_groups)
        expected = births[:, :, MEDIUM]
        variance = group_sums(self.parameter_variance, index, n_groups)
        phi = dispersion_of(expected, variance, self.drift[np.newaxis, :])
        lower, upper = interval_bounds(expected, phi, self.interval)
        counted = np.bincount(index[self.projectable], minlength=n_groups).astype(np.int64)
        missing = np.bincount(index[~self.projectable], minlength=n_groups).astype(np.int64)
        return TownshipTotals(births, lower, upper, counted, missing)
