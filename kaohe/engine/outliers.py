"""Outliers in reported series, and min–max ranges drawn from a series' history.

A *series* is one unit's values of one element over consecutive periods (a village's monthly
births, say). Many series are judged at once: ``values`` is a float array of shape
``(series, periods)`` with NaN where there is no value, and every statistic is computed along
the period axis in a handful of NumPy passes.

Methods (``OutlierMethod``), each flagging the values *strictly* beyond its bounds:

* ``modified_z`` (the default; Iglewicz and Hoaglin): ``M = 0.6745 × (x − median) / MAD``,
  where MAD is the median of ``|x − median|``. A value is an outlier when ``|M| > 3.5``. The
  median and MAD are not dragged along by the outlier itself, and a village's small counts
  (0, 1, 2 births a month) give a MAD of about 1 rather than the tiny standard deviation on
  which the plain z-score alarms.
* ``iqr`` (Tukey's fences): outside ``[Q1 − k·IQR, Q3 + k·IQR]``, ``k = 1.5``; quartiles by
  linear interpolation between the sorted values (NumPy's default, Excel's QUARTILE.INC).
  The score is the distance beyond the nearer quartile in IQRs (0 between the quartiles).
* ``z`` (DHIS2's standard-deviation method, kept for comparison): ``(x − mean) / SD`` with the
  population SD, outlier when ``|z| > 3``. In a series of eleven zeros and a single 1 the 1
  scores √11 ≈ 3.32 however small it is: this is the alarm on zero-heavy village data.
* ``min_max``: outside a range set per unit and element (by hand, or by
  :func:`generate_ranges`); the score is the distance outside the range in the value's units.

When the spread is 0 — the MAD when more than half of the values are equal (eleven months of
0 births), the IQR when the middle half is, the SD when all are — the series is reported as
``NO_SPREAD`` ("cannot judge") and nothing in it is flagged. The mean-absolute-deviation variant
``0.7979 × (x − median) / mean|x − median|`` is deliberately not used: its scale shrinks the more
zeros a series holds, so a single birth in a year of zeros would score 9.6. Such series are
left to min–max ranges set by hand. Series with fewer than ``min_values`` values (default 6)
are ``TOO_SHORT`` and not judged either (min–max judges every value on its own and ignores it).

Pure: no Django, no database. Values are only ever read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum

import numpy as np
import numpy.typing as npt

from .rounding import format_trimmed

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Scales the MAD to the standard deviation of normal data (the 0.75 quantile of N(0, 1)).
MAD_FACTOR = 0.6745
#: Series with fewer values than this are not judged.
DEFAULT_MIN_VALUES = 6
#: The multiple of the MAD a generated range reaches on either side of the median.
DEFAULT_RANGE_K = 5.0
# A standard deviation this small relative to the mean is rounding noise of a constant series.
_SD_TOLERANCE = 1e-12


class OutlierMethod(str, Enum):
    MODIFIED_Z = "modified_z"
    IQR = "iqr"
    Z = "z"
    MIN_MAX = "min_max"


#: Iglewicz and Hoaglin's 3.5, Tukey's 1.5, DHIS2's 3; min–max has no threshold.
DEFAULT_THRESHOLD: Mapping[OutlierMethod, float] = {
    OutlierMethod.MODIFIED_Z: 3.5,
    OutlierMethod.IQR: 1.5,
    OutlierMethod.Z: 3.0,
    OutlierMethod.MIN_MAX: 0.0,
}


class SeriesStatus(IntEnum):
    JUDGED = 0
    TOO_SHORT = 1  # fewer values than the minimum
    NO_SPREAD = 2  # MAD, IQR or SD is 0: cannot judge
    NO_RANGE = 3  # min–max: no range for this unit and element


@dataclass(frozen=True)
class OutlierScores:
    """The judgement of every series, and of every value in it.

    Per series (length ``series``): ``status`` (a :class:`SeriesStatus` value), ``count`` (values
    present), ``centre`` (median; the mean for ``z``), ``spread`` (MAD, IQR or SD), ``q1`` and
    ``q3`` (``iqr`` only), and the bounds ``lower``/``upper`` beyond which a value is flagged
    (for ``modified_z``: ``median ± threshold × MAD / 0.6745``). Statistics are NaN where the
    method does not use them or, except the centre and spread of a ``NO_SPREAD`` series, where
    the series was not judged. Per value (``series × periods``): ``score`` (NaN where there is
    no value or the series was not judged) and ``flagged``.
    """

    method: OutlierMethod
    threshold: float
    status: IntArray
    count: IntArray
    centre: FloatArray
    spread: FloatArray
    q1: FloatArray
    q3: FloatArray
    lower: FloatArray
    upper: FloatArray
    score: FloatArray
    flagged: BoolArray


@dataclass(frozen=True)
class RangeProposal:
    """Ranges drawn from history, per series: ``lower = max(floor, median − k·MAD)``,
    ``upper = median + k·MAD``; NaN where ``status`` is not ``JUDGED``."""

    status: IntArray
    count: IntArray
    median: FloatArray
    mad: FloatArray
    lower: FloatArray
    upper: FloatArray


def _as_matrix(values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"values must be a 2-D array (series × periods), not {array.ndim}-D")
    return array


def _nan(n: int) -> FloatArray:
    return np.full(n, np.nan, dtype=np.float64)


def _median_mad(rows: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The median and the median absolute deviation of each row (each has a value)."""
    if rows.shape[0] == 0:
        return _nan(0), _nan(0)
    median = np.nanmedian(rows, axis=1)
    mad = np.nanmedian(np.abs(rows - median[:, None]), axis=1)
    return median.astype(np.float64), mad.astype(np.float64)


def _quartiles(rows: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    if rows.shape[0] == 0:
        return _nan(0), _nan(0), _nan(0)
    q1, median, q3 = np.nanpercentile(rows, [25.0, 50.0, 75.0], axis=1)
    return q1.astype(np.float64), median.astype(np.float64), q3.astype(np.float64)


def _mean_sd(rows: FloatArray) -> tuple[FloatArray, FloatArray]:
    if rows.shape[0] == 0:
        return _nan(0), _nan(0)
    mean = np.nanmean(rows, axis=1)
    sd = np.nanstd(rows, axis=1)
    sd = np.where(sd <= _SD_TOLERANCE * np.maximum(1.0, np.abs(mean)), 0.0, sd)
    return mean.astype(np.float64), sd.astype(np.float64)


def _check(threshold: float, min_values: int) -> None:
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite number ≥ 0, not {threshold}")
    if min_values < 1:
        raise ValueError(f"min_values must be at least 1, not {min_values}")


def detect_outliers(
    values: npt.ArrayLike,
    method: OutlierMethod = OutlierMethod.MODIFIED_Z,
    *,
    threshold: float | None = None,
    min_values: int = DEFAULT_MIN_VALUES,
    ranges: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
) -> OutlierScores:
    """Judge every series (row) of ``values`` by ``method``; see the module notes.

    ``threshold`` defaults to :data:`DEFAULT_THRESHOLD` of the method (for ``iqr`` it is
    Tukey's ``k``). ``ranges`` (``min_max`` only) is ``(lower, upper)``, one entry per series,
    NaN where a series has no range.
    """
    method = OutlierMethod(method)
    data = _as_matrix(values)
    t = DEFAULT_THRESHOLD[method] if threshold is None else float(threshold)
    _check(t, min_values)
    n = data.shape[0]
    present = ~np.isnan(data)
    count = present.sum(axis=1).astype(np.int64)
    status = np.full(n, SeriesStatus.JUDGED, dtype=np.int64)
    centre, spread, q1, q3, lower, upper = (_nan(n) for _ in range(6))
    score = np.full(data.shape, np.nan, dtype=np.float64)

    if method is OutlierMethod.MIN_MAX:
        if ranges is None:
            raise ValueError("the min_max method needs ranges (lower, upper)")
        low = np.asarray(ranges[0], dtype=np.float64).reshape(-1)
        high = np.asarray(ranges[1], dtype=np.float64).reshape(-1)
        if low.shape != (n,) or high.shape != (n,):
            raise ValueError(f"ranges must have one entry per series ({n})")
        has_range = ~(np.isnan(low) | np.isnan(high))
        status[~has_range] = SeriesStatus.NO_RANGE
        lower = np.where(has_range, low, np.nan)
        upper = np.where(has_range, high, np.nan)
        above = np.where(data > upper[:, None], data - upper[:, None], 0.0)
        below = np.where(data < lower[:, None], data - lower[:, None], 0.0)
        score = np.where(present & has_range[:, None], above + below, np.nan)
        flagged = (data > upper[:, None]) | (data < lower[:, None])
        return OutlierScores(
            method, t, status, count, centre, spread, q1, q3, lower, upper, score, flagged
        )

    long_enough = count >= min_values
    status[~long_enough] = SeriesStatus.TOO_SHORT
    rows = np.flatnonzero(long_enough)
    sub = data[rows]
    if method is OutlierMethod.MODIFIED_Z:
        mid, width = _median_mad(sub)
        reach = t * width / MAD_FACTOR
        sub_low, sub_high = mid - reach, mid + reach
        with np.errstate(divide="ignore", invalid="ignore"):
            sub_score = MAD_FACTOR * (sub - mid[:, None]) / width[:, None]
    elif method is OutlierMethod.Z:
        mid, width = _mean_sd(sub)
        sub_low, sub_high = mid - t * width, mid + t * width
        with np.errstate(divide="ignore", invalid="ignore"):
            sub_score = (sub - mid[:, None]) / width[:, None]
    else:
        first, mid, third = _quartiles(sub)
        width = third - first
        q1[rows], q3[rows] = first, third
        sub_low, sub_high = first - t * width, third + t * width
        with np.errstate(divide="ignore", invalid="ignore"):
            sub_score = np.where(
                sub > third[:, None],
                (sub - third[:, None]) / width[:, None],
                np.where(sub < first[:, None], (sub - first[:, None]) / width[:, None], 0.0),
            )
    centre[rows], spread[rows] = mid, width
    judged = width > 0
    status[rows[~judged]] = SeriesStatus.NO_SPREAD
    keep = rows[judged]
    lower[keep], upper[keep] = sub_low[judged], sub_high[judged]
    score[keep] = sub_score[judged]
    score[~present] = np.nan
    q1[rows[~judged]] = q3[rows[~judged]] = np.nan
    if method is OutlierMethod.IQR:
        flagged = (data < lower[:, None]) | (data > upper[:, None])
    else:
        flagged = np.abs(np.nan_to_num(score, nan=0.0)) > t
    return OutlierScores(
        method, t, status, count, centre, spread, q1, q3, lower, upper, score, flagged
    )


def generate_ranges(
    values: npt.ArrayLike,
    *,
    k: float = DEFAULT_RANGE_K,
    min_values: int = DEFAULT_MIN_VALUES,
    floor: float = 0.0,
) -> RangeProposal:
    """A min–max range for each series (row) of ``values``: ``median ± k·MAD``, the lower end
    no less than ``floor``. Series with fewer than ``min_values`` values are ``TOO_SHORT``;
    those whose MAD is 0 (more than half the values equal) are ``NO_SPREAD`` and get no range:
    ``[median, median]`` would call every other value out of range."""
    data = _as_matrix(values)
    _check(k, min_values)
    n = data.shape[0]
    count = (~np.isnan(data)).sum(axis=1).astype(np.int64)
    status = np.full(n, SeriesStatus.JUDGED, dtype=np.int64)
    status[count < min_values] = SeriesStatus.TOO_SHORT
    median, mad, lower, upper = _nan(n), _nan(n), _nan(n), _nan(n)
    rows = np.flatnonzero(count >= min_values)
    mid, width = _median_mad(data[rows])
    median[rows], mad[rows] = mid, width
    status[rows[width == 0]] = SeriesStatus.NO_SPREAD
    keep = rows[width > 0]
    lower[keep] = np.maximum(floor, median[keep] - k * mad[keep])
    upper[keep] = median[keep] + k * mad[keep]
    return RangeProposal(status, count, median, mad, lower, upper)


# --- in words --------------------------------------------------------------------------------


def _n(value: float) -> str:
    return format_trimmed(float(value), 2)


def describe_value(
    method: OutlierMethod,
    value: float,
    *,
    centre: float,
    spread: float,
    q1: float,
    q3: float,
    lower: float,
    upper: float,
    score: float,
    threshold: float,
) -> tuple[str, str]:
    """Why one value was flagged (or not), in Chinese and English, with its arithmetic."""
    method = OutlierMethod(method)
    x = float(value)
    if method is OutlierMethod.MIN_MAX:
        if x > upper:
            return (
                f"{_n(x)} 高于上限 {_n(upper)}（允许范围 {_n(lower)}–{_n(upper)}），超出 {_n(x - upper)}",
                f"{_n(x)} is above the maximum {_n(upper)} (range {_n(lower)}–{_n(upper)}) "
                f"by {_n(x - upper)}",
            )
        if x < lower:
            return (
                f"{_n(x)} 低于下限 {_n(lower)}（允许范围 {_n(lower)}–{_n(upper)}），差 {_n(lower - x)}",
                f"{_n(x)} is below the minimum {_n(lower)} (range {_n(lower)}–{_n(upper)}) "
                f"by {_n(lower - x)}",
            )
        return (
            f"{_n(x)} 在允许范围 {_n(lower)}–{_n(upper)} 之内",
            f"{_n(x)} is within the range {_n(lower)}–{_n(upper)}",
        )
    if method is OutlierMethod.IQR:
        iqr = q3 - q1
        if x > q3:
            zh_side, en_side, gap, fence = (
                "高于上四分位数",
                "above the upper quartile",
                x - q3,
                upper,
            )
        elif x < q1:
            zh_side, en_side, gap, fence = (
                "低于下四分位数",
                "below the lower quartile",
                q1 - x,
                lower,
            )
        else:
            return (
                f"{_n(x)} 在四分位数 {_n(q1)}–{_n(q3)} 之间",
                f"{_n(x)} lies between the quartiles {_n(q1)}–{_n(q3)}",
            )
        beyond = "超出" if abs(score) > threshold else "未超出"
        beyond_en = "beyond" if abs(score) > threshold else "within"
        return (
            f"{_n(x)} {zh_side} {_n(q3 if x > q3 else q1)} 达 {_n(gap)}，是四分位距 {_n(iqr)} 的 "
            f"{_n(abs(score))} 倍，{beyond} {_n(threshold)} 倍（界限 {_n(fence)}）",
            f"{_n(x)} is {_n(gap)} {en_side} {_n(q3 if x > q3 else q1)}, {_n(abs(score))} times "
            f"the interquartile range {_n(iqr)}: {beyond_en} {_n(threshold)} times (fence "
            f"{_n(fence)})",
        )
    higher = x >= centre
    gap = abs(x - centre)
    over = abs(score) > threshold
    if method is OutlierMethod.MODIFIED_Z:
        zh_what, en_what = "中位数", "the median"
        formula = f"0.6745 × {_n(gap)} / {_n(spread)} = {_n(abs(score))}"
        zh_tail = f"是中位绝对偏差 {_n(spread)} 的 {_n(gap / spread)} 倍；修正 z 分数 {formula}"
        en_tail = (
            f"{_n(gap / spread)} times the median absolute deviation {_n(spread)}; "
            f"modified z-score {formula}"
        )
    else:
        zh_what, en_what = "均值", "the mean"
        zh_tail = f"是标准差 {_n(spread)} 的 {_n(abs(score))} 倍（z 分数）"
        en_tail = f"{_n(abs(score))} times the standard deviation {_n(spread)} (z-score)"
    return (
        f"{_n(x)} 比{zh_what} {_n(centre)} {'高' if higher else '低'} {_n(gap)}，{zh_tail}，"
        f"{'超过' if over else '未超过'}阈值 {_n(threshold)}",
        f"{_n(x)} is {_n(gap)} {'above' if higher else 'below'} {en_what} {_n(centre)}, "
        f"{en_tail}: {'beyond' if over else 'within'} the threshold {_n(threshold)}",
    )


def describe_status(status: SeriesStatus, method: OutlierMethod) -> tuple[str, str]:
    """What happened to a series, in Chinese and English."""
    status, method = SeriesStatus(status), OutlierMethod(method)
    if status is SeriesStatus.TOO_SHORT:
        return ("数据太少，不判断", "too few values to judge")
    if status is SeriesStatus.NO_RANGE:
        return ("没有设定最小–最大值范围", "no min–max range is set")
    if status is SeriesStatus.NO_SPREAD:
        if method is OutlierMethod.IQR:
            return (
                "中间一半的值相同，四分位距为 0，无法判断",
                "cannot judge: the middle half of the values are equal, so the IQR is 0",
            )
        if method is OutlierMethod.Z:
            return ("所有值相同，标准差为 0，无法判断", "cannot judge: all values are equal")
        return (
            "半数以上的值相同，中位绝对偏差为 0，无法判断",
            "cannot judge: more than half of the values are equal, so the MAD is 0",
        )
    return ("已判断", "judged")
