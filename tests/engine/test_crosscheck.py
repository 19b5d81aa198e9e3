"""Cross-checks (核查): the arithmetic of a report against feeds and spot checks, worked by hand.

Five villages report births for the year; the hospital (a feed: births it delivered to mothers
living in the village) and the township's spot check (a check of the sampled villages) found:

=====  ========  ========  =====  ==========================================================
unit   reported  hospital  check  what it shows
=====  ========  ========  =====  ==========================================================
V1     10        —         —      no other source: nothing to correct
V2     10        12        —      feed above the report: 2 under-reported
V3     10        8         —      feed below the report: not over-reporting (a feed is partial)
V4     10        9         13     checked: 3 under-reported; the feed is below both
V5     10        —         7      checked below the report: 3 over-reported
V6     —         4         —      nothing reported, the feed found 4
=====  ========  ========  =====  ==========================================================
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe.engine.crosscheck import (
    CorrectionMethod,
    CrossCheck,
    SourceKind,
    UsedFigure,
    accuracy,
)

NAN = math.nan
REPORTED = np.array([10, 10, 10, 10, 10, NAN])
HOSPITAL = np.array([NAN, 12, 8, 9, NAN, 4])
CHECK = np.array([NAN, NAN, NAN, 13, 7, NAN])
KINDS = {"HOSPITAL": SourceKind.FEED, "CHECK": SourceKind.CHECK}


def cross(**sources: np.ndarray) -> CrossCheck:
    return CrossCheck(REPORTED, sources, {code: KINDS[code] for code in sources})


def same(actual: np.ndarray, expected: list[float]) -> bool:
    return bool(np.array_equal(actual, np.array(expected), equal_nan=True))


def test_found_is_the_largest_figure_any_source_found() -> None:
    assert same(cross(HOSPITAL=HOSPITAL, CHECK=CHECK).found(), [NAN, 12, 8, 13, 7, 4])


def test_checked_reads_only_the_spot_check() -> None:
    assert same(cross(HOSPITAL=HOSPITAL, CHECK=CHECK).checked(), [NAN, NAN, NAN, 13, 7, NAN])


def test_under_reported_counts_what_sources_found_beyond_the_report() -> None:
    assert same(cross(HOSPITAL=HOSPITAL, CHECK=CHECK).under_reported(), [0, 2, 0, 3, 0, 4])


def test_over_reporting_is_found_only_by_a_check_never_by_a_feed() -> None:
    assert same(cross(HOSPITAL=HOSPITAL, CHECK=CHECK).over_reported(), [0, 0, 0, 0, 3, 0])
    assert same(cross(HOSPITAL=HOSPITAL).over_reported(), [0, 0, 0, 0, 0, 0])


def test_no_source_at_all_finds_nothing() -> None:
    check = cross()
    assert same(check.found(), [NAN] * 6)
    assert same(check.under_reported(), [0] * 6)
    assert same(check.over_reported(), [0] * 6)


@pytest.mark.parametrize(
    ("sources", "method", "values", "used"),
    [
        # the larger of the report and every source
        (
            {"HOSPITAL": HOSPITAL, "CHECK": CHECK},
            CorrectionMethod.LARGER,
            [10, 12, 10, 13, 10, 4],
            ["reported", "source", "reported", "source", "reported", "source"],
        ),
        # the check where there is one (V4 up to 13, V5 down to 7), else report vs feed
        (
            {"HOSPITAL": HOSPITAL, "CHECK": CHECK},
            CorrectionMethod.CHECK,
            [10, 12, 10, 13, 7, 4],
            ["reported", "source", "reported", "check", "check", "source"],
        ),
        # feed only
        (
            {"HOSPITAL": HOSPITAL},
            CorrectionMethod.CHECK,
            [10, 12, 10, 10, 10, 4],
            ["reported", "source", "reported", "reported", "reported", "source"],
        ),
        # check only
        (
            {"CHECK": CHECK},
            CorrectionMethod.LARGER,
            [10, 10, 10, 13, 10, NAN],
            ["reported", "reported", "reported", "source", "reported", "reported"],
        ),
        # no source: the report as it is, missing stays missing
        ({}, CorrectionMethod.LARGER, [10, 10, 10, 10, 10, NAN], ["reported"] * 6),
    ],
    ids=["larger-both", "check-both", "check-feed-only", "larger-check-only", "none"],
)
def test_corrected_figure_for_each_source_combination(
    sources: dict[str, np.ndarray],
    method: CorrectionMethod,
    values: list[float],
    used: list[str],
) -> None:
    fixed, which = cross(**sources).corrected(method)
    assert same(fixed, values)
    assert [UsedFigure(w).value for w in which] == used


def test_accuracy_is_the_share_of_found_births_that_were_reported() -> None:
    # V2: 100 − (12 − 10) / 12 × 100 = 83.33…; V4: 100 − 3/13 × 100 = 76.92…;
    # V3 and V5 reported at least what was found: 100; V1 unchecked, V6 found 4 of 0 reported: 0.
    found = cross(HOSPITAL=HOSPITAL, CHECK=CHECK).found()
    rate = accuracy(REPORTED, found)
    assert math.isnan(rate[0])
    assert rate[1] == pytest.approx(100 - 2 / 12 * 100)
    assert rate[2] == 100
    assert rate[3] == pytest.approx(100 - 3 / 13 * 100)
    assert rate[4] == 100
    assert rate[5] == 0


def test_accuracy_is_missing_where_nothing_was_found() -> None:
    assert math.isnan(accuracy(np.array([3.0]), np.array([0.0]))[0])


figures = st.one_of(st.just(NAN), st.integers(min_value=0, max_value=500).map(float))


@given(st.lists(st.tuples(figures, figures, figures), min_size=1, max_size=30))
def test_corrections_never_go_below_what_was_found_or_reported(
    rows: list[tuple[float, float, float]],
) -> None:
    reported, fed, checked = (np.array(column) for column in zip(*rows, strict=True))
    check = CrossCheck(
        reported, {"F": fed, "C": checked}, {"F": SourceKind.FEED, "C": SourceKind.CHECK}
    )
    larger, _ = check.corrected(CorrectionMethod.LARGER)
    for value, rep, found in zip(larger, reported, check.found(), strict=True):
        if not math.isnan(rep):
            assert value >= rep
        if not math.isnan(found):
            assert value >= found
    under = check.under_reported()
    assert (under >= 0).all()
    assert np.array_equal(
        np.where(np.isnan(check.found()), 0, larger - np.nan_to_num(reported)), under
    )
