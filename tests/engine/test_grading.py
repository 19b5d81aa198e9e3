"""Totals, grades and ranks: bands on the total, the veto grade, ties and vetoed units."""

from __future__ import annotations

import polars as pl
import pytest

from kaohe.engine.grading import grade_expr, rank_expr, total_expr
from kaohe.engine.spec import BonusRule, GradeSpec, ItemSpec, LinearRule

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
    """The grade of each total (none vetoed unless given)."""
    frame = pl.DataFrame(
        {"total": totals, "vetoed": vetoed or [False] * len(totals)},
        schema={"total": pl.Float64, "vetoed": pl.Boolean},
    )
    grade = grade_expr(pl.col("total"), pl.col("vetoed"), bands, veto_grade)
    return frame.select(grade.alias("grade"))["grade"].to_list()


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


def ranks(
    totals: list[float | None],
    vetoed: list[bool | None] | None = None,
    kinds: list[str] | None = None,
) -> list[int | None]:
    """The rank of each total within its kind (one kind unless given)."""
    frame = pl.DataFrame(
        {
            "kind": kinds or ["village"] * len(totals),
            "total": totals,
            "vetoed": vetoed or [False] * len(totals),
        },
        schema={"kind": pl.String, "total": pl.Float64, "vetoed": pl.Boolean},
    )
    result = frame.select(rank_expr(pl.col("total"), pl.col("vetoed")).alias("rank"))
    assert result.schema["rank"] == pl.Int64
    return result["rank"].to_list()


def test_rank_ties_share_the_lowest_rank_1_2_2_4() -> None:
    assert ranks([90.0, 95.0, 90.0, 80.0]) == [2, 1, 2, 4]


def test_rank_treats_totals_equal_to_the_fen_as_ties() -> None:
    assert ranks([90.0, 89.999999999, 80.0]) == [1, 1, 3]


def test_rank_two_kinds_are_ranked_separately() -> None:
    kinds = ["village", "community", "village", "community", "village"]
    assert ranks([90.0, 70.0, 95.0, 80.0, 90.0], kinds=kinds) == [2, 2, 1, 1, 2]


def test_rank_vetoed_units_come_after_every_unvetoed_unit_even_with_a_higher_total() -> None:
    totals = [99.0, 90.0, 85.0, 95.0, 85.0, 99.0]
    vetoed = [True, False, False, True, False, True]
    # Not vetoed: 90 → 1, 85 → 2, 85 → 2. Vetoed, after those 3: 99, 99 → 4, 95 → 6.
    assert ranks(totals, vetoed) == [4, 1, 2, 6, 2, 4]


def test_rank_vetoed_units_count_only_their_own_kind() -> None:
    kinds = ["village", "village", "community", "community", "community"]
    totals = [99.0, 80.0, 99.0, 70.0, 60.0]
    vetoed = [True, False, True, False, False]
    assert ranks(totals, vetoed, kinds) == [2, 1, 3, 1, 2]


def test_rank_null_veto_counts_as_not_vetoed() -> None:
    assert ranks([80.0, 90.0], vetoed=[None, True]) == [1, 2]


def test_rank_a_unit_without_a_total_is_not_ranked_nor_counted() -> None:
    assert ranks([None, 90.0, 80.0, 70.0], vetoed=[False, False, False, True]) == [None, 1, 2, 3]


def _item(code: str, weight: float, bonus: bool = False) -> ItemSpec:
    rule = BonusRule(points=1.0, cap=5.0) if bonus else LinearRule(points=2.0)
    return ItemSpec(code, code, code, weight, rule, f"N{{{code}}}")


def test_total_adds_the_shown_scores_bonus_included() -> None:
    items = [_item("A", 40.0), _item("B", 40.0), _item("C", 20.0), _item("BONUS", 0.0, True)]
    frame = pl.DataFrame(
        {"s:A": [2.58, 40.0], "s:B": [10.44, 12.5], "s:C": [4.82, 0.0], "s:BONUS": [3.1, 0.0]}
    )
    naive = frame.select(pl.sum_horizontal(pl.all()).alias("sum"))["sum"].to_list()
    assert naive[0] == 20.939999999999998  # the float sum a clerk would not recognise
    totals = frame.select(total_expr(items).alias("total"))["total"].to_list()
    assert totals == [20.94, 52.5]


def test_total_of_no_items_is_zero() -> None:
    frame = pl.DataFrame({"unit": ["u0"]})
    assert frame.select(total_expr([]).alias("total"))["total"].to_list() == [0.0]
