"""Totals, grades and ranks: bands on the total, the veto grade, ties and vetoed units."""

from __future__ import annotations

import numpy as np
import pytest

from kaohe.engine.grading import NO_RANK, grade_codes, ranks, total_scores
from kaohe.engine.spec import GradeSpec

# 一等奖 ≥95, 二等奖 ≥90, 三等奖 ≥85, 合格 ≥70; listed out of order on purpose.
GRADES = (
    GradeSpec("QUALIFIED", "合格", "Qualified", 70.0),
    GradeSpec("FIRST", "一等奖", "First prize", 95.0),
    GradeSpec("THIRD", "三等奖", "Third prize", 85.0),
    GradeSpec("SECOND", "二等奖", "Second prize", 90.0),
)


def grades(
    totals: list[float | None],
    vetoed: list[bool | None] | None = None,
    bands: tuple[GradeSpec, ...] = GRADES,
    veto_grade: str | None = "FAILED",
) -> list[str | None]:
    """The grade of each total (none vetoed unless given; None: no total / not known)."""
    total = np.array([np.nan if t is None else t for t in totals], dtype=np.float64)
    return grade_codes(total, vetoed or [False] * len(totals), bands, veto_grade)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        pytest.param(100.0, "FIRST", id="full_marks"),
        pytest.param(95.0, "FIRST", id="exactly_95_gets_the_first_prize"),
        pytest.param(94.99, "SECOND", id="a_fen_short_of_95"),
        pytest.param(94.999999999, "FIRST", id="float_noise_below_95_snaps_to_95"),
        pytest.param(90.0, "SECOND", id="exactly_90"),
        pytest.param(85.0, "THIRD", id="exactly_85"),
        pytest.param(70.0, "QUALIFIED", id="exactly_70"),
        pytest.param(69.99, None, id="below_every_band"),
        pytest.param(None, None, id="no_total"),
    ],
)
def test_grade_is_the_highest_band_the_total_reaches(
    total: float | None, grade: str | None
) -> None:
    assert grades([total]) == [grade]


def test_veto_grade_overrides_any_total() -> None:
    assert grades([99.0, 50.0, 99.0], vetoed=[True, True, False]) == ["FAILED", "FAILED", "FIRST"]


def test_veto_grade_defaults_to_the_lowest_band() -> None:
    assert grades([99.0, 91.0], vetoed=[True, False], veto_grade=None) == ["QUALIFIED", "SECOND"]


def test_veto_null_counts_as_not_vetoed() -> None:
    assert grades([99.0], vetoed=[None]) == ["FIRST"]


def test_grade_without_bands_is_null_unless_vetoed() -> None:
    assert grades([99.0, 10.0], vetoed=[False, True], bands=()) == [None, "FAILED"]
    assert grades([99.0], vetoed=[True], bands=(), veto_grade=None) == [None]


def rank_list(
    totals: list[float | None],
    vetoed: list[bool | None] | None = None,
    kinds: list[str] | None = None,
) -> list[int | None]:
    """The rank of each total within its kind (one kind unless given; None: no rank)."""
    names = kinds or ["village"] * len(totals)
    codes = {name: code for code, name in enumerate(dict.fromkeys(names))}
    total = np.array([np.nan if t is None else t for t in totals], dtype=np.float64)
    group = np.array([codes[name] for name in names], dtype=np.int64)
    result = ranks(total, vetoed or [False] * len(totals), group)
    assert result.dtype == np.int64
    return [None if rank == NO_RANK else rank for rank in result.tolist()]


def test_rank_ties_share_the_lowest_rank_1_2_2_4() -> None:
    assert rank_list([90.0, 95.0, 90.0, 80.0]) == [2, 1, 2, 4]


def test_rank_treats_totals_equal_to_the_fen_as_ties() -> None:
    assert rank_list([90.0, 89.999999999, 80.0]) == [1, 1, 3]


def test_rank_two_kinds_are_ranked_separately() -> None:
    kinds = ["village", "community", "village", "community", "village"]
    assert rank_list([90.0, 70.0, 95.0, 80.0, 90.0], kinds=kinds) == [2, 2, 1, 1, 2]


def test_rank_vetoed_units_come_after_every_unvetoed_unit_even_with_a_higher_total() -> None:
    totals = [99.0, 90.0, 85.0, 95.0, 85.0, 99.0]
    vetoed = [True, False, False, True, False, True]
    # Not vetoed: 90 → 1, 85 → 2, 85 → 2. Vetoed, after those 3: 99, 99 → 4, 95 → 6.
    assert rank_list(totals, vetoed) == [4, 1, 2, 6, 2, 4]


def test_rank_vetoed_units_count_only_their_own_kind() -> None:
    kinds = ["village", "village", "community", "community", "community"]
    totals = [99.0, 80.0, 99.0, 70.0, 60.0]
    vetoed = [True, False, True, False, False]
    assert rank_list(totals, vetoed, kinds) == [2, 1, 3, 1, 2]


def test_rank_null_veto_counts_as_not_vetoed() -> None:
    assert rank_list([80.0, 90.0], vetoed=[None, True]) == [1, 2]


def test_rank_a_unit_without_a_total_is_not_ranked_nor_counted() -> None:
    assert rank_list([None, 90.0, 80.0, 70.0], vetoed=[False, False, False, True]) == [
        None,
        1,
        2,
        3,
    ]


def test_total_adds_the_shown_scores_bonus_included() -> None:
    # Items A, B (40 each), C (20) and a bonus item: their shown scores for three units.
    by_item = ([2.58, 40.0, 0.1], [10.44, 12.5, 0.2], [4.82, 0.0, 0.0], [3.1, 0.0, 0.0])
    scores = [np.array(unit_scores) for unit_scores in by_item]
    # The float sums a clerk would not recognise, adding pairwise or item by item.
    assert (2.58 + 10.44) + (4.82 + 3.1) == 20.939999999999998
    assert sum(scores, np.zeros(3)).tolist()[2] == 0.30000000000000004
    totals = total_scores(scores)
    assert totals.tolist() == [20.94, 52.5, 0.3]


def test_total_of_no_items_is_zero() -> None:
    assert total_scores([], units=1).tolist() == [0.0]
