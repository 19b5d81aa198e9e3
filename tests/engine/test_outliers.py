"""Outlier detection on hand-made series: each method, zero-heavy village counts, MAD = 0,
short series, Tukey's fences, min–max ranges, ranges from history, the wording; and the
vectorised judgement equals a plain per-series loop written with the statistics module."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.outliers import (
    DEFAULT_THRESHOLD,
    OutlierMethod,
    SeriesStatus,
    describe_status,
    describe_value,
    detect_outliers,
    generate_ranges,
)

NAN = math.nan
MOD, IQR, Z, MINMAX = (
    OutlierMethod.MODIFIED_Z,
    OutlierMethod.IQR,
    OutlierMethod.Z,
    OutlierMethod.MIN_MAX,
)
# Eleven months without a birth and one with a single birth.
ONE_BIRTH_IN_A_YEAR = [0] * 11 + [1]
# A village's 0, 1 and 2 births a month over 20 months, then a month of 6.
SMALL_COUNTS_AND_A_SIX = [0] * 8 + [1] * 4 + [2] * 8 + [6]


def judge(series: list[float], method: OutlierMethod = MOD, **kw: object):  # type: ignore[no-untyped-def]
    return detect_outliers(np.array([series], dtype=float), method, **kw)  # type: ignore[arg-type]


def flagged_values(series: list[float], method: OutlierMethod = MOD, **kw: object) -> list[float]:
    scores = judge(series, method, **kw)
    return [series[j] for j in np.flatnonzero(scores.flagged[0])]


# --- the modified z-score ---------------------------------------------------------------------


def test_the_modified_z_score_flags_a_typo_in_a_steady_series() -> None:
    # sorted 3 3 4 4 4 5 5 20: median 4; |x − 4| sorted 0 0 0 1 1 1 1 16: MAD 1;
    # 20 scores 0.6745 × 16 / 1 = 10.792, 3 scores −0.6745.
    scores = judge([3, 4, 5, 4, 3, 5, 4, 20])
    assert scores.status[0] == SeriesStatus.JUDGED
    assert (scores.centre[0], scores.spread[0]) == (4, 1)
    assert scores.score[0, 7] == pytest.approx(10.792)
    assert scores.score[0, 0] == pytest.approx(-0.6745)
    assert scores.flagged[0].tolist() == [False] * 7 + [True]
    assert scores.upper[0] == pytest.approx(4 + 3.5 / 0.6745)
    assert scores.lower[0] == pytest.approx(4 - 3.5 / 0.6745)


def test_a_zero_heavy_series_alarms_the_plain_z_score_but_not_the_modified_one() -> None:
    # One birth in a year: z = (1 − 1/12) / √(11/144) = √11 ≈ 3.317 > 3, however small it is.
    z = judge(ONE_BIRTH_IN_A_YEAR, Z)
    assert z.score[0, 11] == pytest.approx(math.sqrt(11))
    assert flagged_values(ONE_BIRTH_IN_A_YEAR, Z) == [1]
    # The median and MAD are 0: the modified z-score cannot judge it, and flags nothing.
    modified = judge(ONE_BIRTH_IN_A_YEAR)
    assert modified.status[0] == SeriesStatus.NO_SPREAD
    assert not modified.flagged.any()


def test_small_counts_with_a_six_alarm_the_z_score_but_not_the_modified_z_score() -> None:
    # 21 months: mean 26/21, population SD √(72/21 − (26/21)²) = 1.37684, z(6) = 3.4586 > 3.
    assert judge(SMALL_COUNTS_AND_A_SIX, Z).score[0, 20] == pytest.approx(3.45857, abs=1e-5)
    assert flagged_values(SMALL_COUNTS_AND_A_SIX, Z) == [6]
    # Median 1, MAD 1 (|x − 1| is 1 for sixteen months, 0 for four, 5 for one):
    # M(6) = 0.6745 × 5 = 3.3725 ≤ 3.5.
    modified = judge(SMALL_COUNTS_AND_A_SIX)
    assert (modified.centre[0], modified.spread[0]) == (1, 1)
    assert modified.score[0, 20] == pytest.approx(3.3725)
    assert flagged_values(SMALL_COUNTS_AND_A_SIX) == []


def test_when_more_than_half_the_values_are_equal_the_series_cannot_be_judged() -> None:
    # Median 5, MAD 0: the mean-absolute-deviation variant would give 9 a score of
    # 0.7979 × 4 / (4/6) = 4.79 and flag it; this module reports "cannot judge" instead.
    scores = judge([5, 5, 5, 5, 5, 9])
    assert scores.status[0] == SeriesStatus.NO_SPREAD
    assert (scores.centre[0], scores.spread[0]) == (5, 0)
    assert np.isnan(scores.score[0]).all() and not scores.flagged.any()
    assert np.isnan(scores.upper[0])


def test_half_the_values_equal_still_leave_a_spread_but_more_than_half_do_not() -> None:
    # Six zeros, five 2s and a 9: median (0 + 2) / 2 = 1, every |x − 1| is 1 but the 9's 8:
    # MAD 1, M(9) = 0.6745 × 8 = 5.396.
    half = judge([0] * 6 + [2] * 5 + [9])
    assert (half.centre[0], half.spread[0]) == (1, 1)
    assert half.score[0, 11] == pytest.approx(5.396)
    assert half.flagged[0].tolist() == [False] * 11 + [True]
    # Seven zeros: the median and the MAD are 0.
    more = judge([0] * 7 + [2] * 4 + [9])
    assert more.status[0] == SeriesStatus.NO_SPREAD
    assert not more.flagged.any()


def test_a_series_shorter_than_the_minimum_is_not_judged() -> None:
    scores = judge([1, 2, 50, NAN, NAN, NAN, NAN, NAN])
    assert scores.status[0] == SeriesStatus.TOO_SHORT
    assert scores.count[0] == 3
    assert not scores.flagged.any() and np.isnan(scores.score).all()
    # Allowed three values: median 2, MAD 1, M(50) = 0.6745 × 48 = 32.4.
    shorter = judge([1, 2, 50, NAN, NAN, NAN, NAN, NAN], min_values=3)
    assert shorter.status[0] == SeriesStatus.JUDGED
    assert shorter.score[0, 2] == pytest.approx(32.376)
    assert shorter.flagged[0].tolist() == [False, False, True] + [False] * 5


def test_missing_periods_are_left_out_not_counted_as_zero() -> None:
    scores = judge([4, NAN, 5, 4, NAN, 3, 5, 4, 30])
    assert scores.count[0] == 7
    assert scores.centre[0] == 4
    assert np.isnan(scores.score[0, 1]) and not scores.flagged[0, 1]
    assert scores.flagged[0].tolist() == [False] * 8 + [True]


def test_a_lower_threshold_flags_more() -> None:
    series = [3, 4, 5, 4, 3, 5, 4, 8]  # M(8) = 0.6745 × 4 = 2.698
    assert flagged_values(series) == []
    assert flagged_values(series, threshold=2.5) == [8]


# --- Tukey's fences ---------------------------------------------------------------------------


def test_iqr_fences_flag_values_beyond_one_and_a_half_iqrs() -> None:
    # Nine values sorted 2 3 3 4 4 5 5 6 15: Q1 = 3 (position 2), Q3 = 5 (position 6), IQR 2;
    # fences 3 − 3 = 0 and 5 + 3 = 8; 15 is (15 − 5) / 2 = 5 IQRs above Q3.
    scores = judge([4, 3, 5, 2, 6, 4, 3, 5, 15], IQR)
    assert (scores.q1[0], scores.q3[0], scores.spread[0]) == (3, 5, 2)
    assert (scores.lower[0], scores.upper[0]) == (0, 8)
    assert scores.score[0, 8] == 5
    assert scores.score[0, 0] == 0  # between the quartiles
    assert scores.flagged[0].tolist() == [False] * 8 + [True]


def test_iqr_flags_low_values_with_a_negative_score() -> None:
    # Sorted 1 10 11 11 12 12 13 13 14: Q1 11, Q3 13, lower fence 8; 1 is (1 − 11) / 2 = −5.
    scores = judge([10, 11, 11, 12, 12, 13, 13, 14, 1], IQR)
    assert scores.score[0, 8] == -5
    assert flagged_values([10, 11, 11, 12, 12, 13, 13, 14, 1], IQR) == [1]


def test_a_value_on_the_fence_is_not_flagged() -> None:
    # Same quartiles as above (3 and 5), the largest value exactly on the upper fence 8.
    assert flagged_values([4, 3, 5, 2, 6, 4, 3, 5, 8], IQR) == []
    assert flagged_values([4, 3, 5, 2, 6, 4, 3, 5, 8.01], IQR) == [8.01]


def test_quartiles_interpolate_between_sorted_values() -> None:
    # 1…6: Q1 at position 1.25 → 2.25, Q3 at 3.75 → 4.75 (Excel's QUARTILE.INC).
    scores = judge([6, 5, 4, 3, 2, 1], IQR)
    assert (scores.q1[0], scores.q3[0]) == (2.25, 4.75)
    assert scores.centre[0] == 3.5


def test_iqr_cannot_judge_when_the_middle_half_is_equal() -> None:
    scores = judge(ONE_BIRTH_IN_A_YEAR, IQR)
    assert scores.status[0] == SeriesStatus.NO_SPREAD and not scores.flagged.any()


# --- min–max ------------------------------------------------------------------------------------


def test_min_max_flags_values_outside_each_series_range() -> None:
    values = np.array([[0, 2, 5, 1], [10, 3, 40, NAN], [1, 1, 1, 1]], dtype=float)
    scores = detect_outliers(values, MINMAX, ranges=([0, 5, NAN], [4, 30, NAN]))
    assert scores.status.tolist() == [
        SeriesStatus.JUDGED,
        SeriesStatus.JUDGED,
        SeriesStatus.NO_RANGE,
    ]
    assert scores.flagged.tolist() == [
        [False, False, True, False],
        [False, True, True, False],
        [False, False, False, False],
    ]
    assert scores.score[0, 2] == 1  # 5 is 1 above the maximum 4
    assert scores.score[1, 1] == -2  # 3 is 2 below the minimum 5
    assert scores.score[1, 2] == 10
    assert np.isnan(scores.score[1, 3]) and np.isnan(scores.score[2]).all()


def test_min_max_judges_every_value_however_short_the_series() -> None:
    scores = detect_outliers(np.array([[9, NAN, NAN]]), MINMAX, ranges=([0], [3]))
    assert scores.status[0] == SeriesStatus.JUDGED and scores.flagged[0, 0]


def test_min_max_needs_one_range_per_series() -> None:
    with pytest.raises(ValueError, match="ranges"):
        detect_outliers(np.zeros((2, 3)), MINMAX)
    with pytest.raises(ValueError, match="one entry per series"):
        detect_outliers(np.zeros((2, 3)), MINMAX, ranges=([0], [1]))


# --- ranges from history ------------------------------------------------------------------------


def test_a_generated_range_is_the_median_plus_or_minus_k_mads_floored_at_zero() -> None:
    # Sorted 0 1 1 1 1 2 2 3: median 1; |x − 1| sorted 0 0 0 0 1 1 1 2: MAD 0.5.
    # k = 5: 1 ± 2.5 → [0 (not −1.5), 3.5]. Another village: median 30, MAD 2 → [20, 40].
    values = np.array([[0, 1, 2, 1, 3, 1, 2, 1], [28, 30, 32, 30, 26, 34, 30, 31]], dtype=float)
    proposal = generate_ranges(values, k=5)
    assert proposal.median.tolist() == [1, 30]
    assert proposal.mad.tolist() == [0.5, 1.5]
    assert proposal.lower.tolist() == [0, 22.5]
    assert proposal.upper.tolist() == [3.5, 37.5]


def test_no_range_is_generated_from_a_short_or_flat_history() -> None:
    values = np.array([[1, 2, 3, NAN, NAN, NAN, NAN], ONE_BIRTH_IN_A_YEAR[:7]], dtype=float)
    proposal = generate_ranges(values)
    assert proposal.status.tolist() == [SeriesStatus.TOO_SHORT, SeriesStatus.NO_SPREAD]
    assert np.isnan(proposal.lower).all() and np.isnan(proposal.upper).all()


# --- shapes and arguments -------------------------------------------------------------------------


def test_no_series_and_no_periods_give_empty_answers() -> None:
    for shape in ((0, 12), (3, 0)):
        scores = detect_outliers(np.empty(shape))
        assert scores.flagged.shape == shape
        assert not scores.flagged.any()
    assert detect_outliers(np.empty((3, 0))).status.tolist() == [SeriesStatus.TOO_SHORT] * 3


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        detect_outliers(np.zeros(5))
    with pytest.raises(ValueError, match="threshold"):
        detect_outliers(np.zeros((1, 5)), threshold=-1)
    with pytest.raises(ValueError, match="min_values"):
        detect_outliers(np.zeros((1, 5)), min_values=0)
    with pytest.raises(ValueError):
        detect_outliers(np.zeros((1, 5)), "nonsense")  # type: ignore[arg-type]


def test_the_default_thresholds_are_the_published_ones() -> None:
    assert DEFAULT_THRESHOLD[MOD] == 3.5  # Iglewicz and Hoaglin
    assert DEFAULT_THRESHOLD[IQR] == 1.5  # Tukey
    assert DEFAULT_THRESHOLD[Z] == 3.0  # DHIS2's default number of standard deviations


# --- in words --------------------------------------------------------------------------------------


def test_the_reason_shows_the_arithmetic_of_the_modified_z_score() -> None:
    scores = judge([3, 4, 5, 4, 3, 5, 4, 20])
    zh, en = describe_value(
        MOD,
        20,
        centre=scores.centre[0],
        spread=scores.spread[0],
        q1=NAN,
        q3=NAN,
        lower=scores.lower[0],
        upper=scores.upper[0],
        score=scores.score[0, 7],
        threshold=3.5,
    )
    assert zh == (
        "20 比中位数 4 高 16，是中位绝对偏差 1 的 16 倍；修正 z 分数 0.6745 × 16 / 1 = 10.79，"
        "超过阈值 3.5"
    )
    assert en == (
        "20 is 16 above the median 4, 16 times the median absolute deviation 1; modified "
        "z-score 0.6745 × 16 / 1 = 10.79: beyond the threshold 3.5"
    )


def test_the_reason_of_an_iqr_outlier_names_the_quartile_and_the_fence() -> None:
    zh, en = describe_value(
        IQR, 15, centre=4, spread=2, q1=3, q3=5, lower=0, upper=8, score=5, threshold=1.5
    )
    assert zh == "15 高于上四分位数 5 达 10，是四分位距 2 的 5 倍，超出 1.5 倍（界限 8）"
    assert "10 above the upper quartile 5, 5 times the interquartile range 2" in en


def test_the_reason_of_a_low_value_and_of_a_range() -> None:
    zh, _en = describe_value(
        Z, 0, centre=10, spread=2.5, q1=NAN, q3=NAN, lower=2.5, upper=17.5, score=-4, threshold=3
    )
    assert zh == "0 比均值 10 低 10，是标准差 2.5 的 4 倍（z 分数），超过阈值 3"
    zh, en = describe_value(
        MINMAX, 7, centre=NAN, spread=NAN, q1=NAN, q3=NAN, lower=0, upper=4, score=3, threshold=0
    )
    assert zh == "7 高于上限 4（允许范围 0–4），超出 3"
    assert en == "7 is above the maximum 4 (range 0–4) by 3"


def test_each_status_is_explained() -> None:
    assert describe_status(SeriesStatus.NO_SPREAD, MOD)[0] == (
        "半数以上的值相同，中位绝对偏差为 0，无法判断"
    )
    assert "IQR is 0" in describe_status(SeriesStatus.NO_SPREAD, IQR)[1]
    assert describe_status(SeriesStatus.TOO_SHORT, MOD)[1] == "too few values to judge"
    assert describe_status(SeriesStatus.NO_RANGE, MINMAX)[0] == "没有设定最小–最大值范围"


# --- the vectorised judgement equals a per-series loop ------------------------------------------


def _loop(series: list[float | None], method: OutlierMethod, t: float, shortest: int):  # type: ignore[no-untyped-def]
    """One series judged the plain way: its status, and for each period the score (None where
    there is no value) and whether it is flagged."""
    xs = [x for x in series if x is not None]
    none = [None] * len(series), [False] * len(series)
    if len(xs) < shortest:
        return SeriesStatus.TOO_SHORT, *none
    if method is MOD:
        med = statistics.median(xs)
        mad = statistics.median([abs(x - med) for x in xs])
        if mad == 0:
            return SeriesStatus.NO_SPREAD, *none
        scores = [None if x is None else 0.6745 * (x - med) / mad for x in series]
        flags = [s is not None and abs(s) > t for s in scores]
    elif method is Z:
        mean, sd = statistics.fmean(xs), statistics.pstdev(xs)
        if sd == 0:
            return SeriesStatus.NO_SPREAD, *none
        scores = [None if x is None else (x - mean) / sd for x in series]
        flags = [s is not None and abs(s) > t for s in scores]
    else:
        q1, _median, q3 = statistics.quantiles(xs, n=4, method="inclusive")
        if q3 == q1:
            return SeriesStatus.NO_SPREAD, *none
        low, high = q1 - t * (q3 - q1), q3 + t * (q3 - q1)
        scores = [
            None
            if x is None
            else (x - q3) / (q3 - q1)
            if x > q3
            else (x - q1) / (q3 - q1)
            if x < q1
            else 0.0
            for x in series
        ]
        flags = [x is not None and (x < low or x > high) for x in series]
    return SeriesStatus.JUDGED, scores, flags


counts = st.one_of(st.none(), st.just(0), st.integers(0, 3), st.integers(0, 60))


@settings(max_examples=300, deadline=None)
@given(
    data=st.integers(1, 14).flatmap(
        lambda p: st.lists(st.lists(counts, min_size=p, max_size=p), min_size=1, max_size=8)
    ),
    method=st.sampled_from([MOD, IQR, Z]),
    threshold=st.sampled_from([1.0, 1.5, 2.5, 3.0, 3.5]),
    shortest=st.integers(2, 7),
)
def test_the_vectorised_judgement_equals_a_loop_over_the_series(
    data: list[list[int | None]], method: OutlierMethod, threshold: float, shortest: int
) -> None:
    values = np.array([[NAN if x is None else x for x in row] for row in data], dtype=float)
    scores = detect_outliers(values, method, threshold=threshold, min_values=shortest)
    for i, row in enumerate(data):
        status, expected, flags = _loop(row, method, threshold, shortest)
        assert scores.status[i] == status
        for j, want in enumerate(expected):
            got = scores.score[i, j]
            if want is None:
                assert math.isnan(got)
                assert not scores.flagged[i, j]
                continue
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9)
            # The mean and SD are summed in a different order: a z-score within rounding of
            # the threshold may fall either side.
            if method is not Z or abs(abs(want) - threshold) > 1e-9:
                assert bool(scores.flagged[i, j]) == flags[j]


@settings(max_examples=100, deadline=None)
@given(
    data=st.lists(st.lists(counts, min_size=5, max_size=5), min_size=1, max_size=6),
    bounds=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=6, max_size=6),
)
def test_min_max_equals_a_loop_over_the_series(
    data: list[list[int | None]], bounds: list[tuple[int, int]]
) -> None:
    values = np.array([[NAN if x is None else x for x in row] for row in data], dtype=float)
    lower = [min(b) for b in bounds[: len(data)]]
    upper = [max(b) for b in bounds[: len(data)]]
    scores = detect_outliers(values, MINMAX, ranges=(lower, upper))
    for i, row in enumerate(data):
        for j, x in enumerate(row):
            assert bool(scores.flagged[i, j]) == (x is not None and not lower[i] <= x <= upper[i])
