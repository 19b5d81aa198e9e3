"""Scoring rules that compare a unit with the other units of its kind: relative_to_best,
rank_points and level_progress (Hunan's 水平 + 进步). Cases are hand-computed.
"""

from __future__ import annotations

import polars as pl
import pytest

from kaohe.engine.spec import (
    Direction,
    ItemSpec,
    LevelProgressRule,
    RankPointsRule,
    RelativeToBestRule,
    RuleParams,
)
from tests.engine.test_rules import outcome_frame

Value = float | None


def run(
    item: ItemSpec,
    actual: list[Value],
    kind: list[str] | None = None,
    previous: list[Value] | None = None,
) -> pl.DataFrame:
    """Score ``item`` over hand-built units (one kind unless given); score/flag/zh/en.

    Both renderers explain every unit and must agree (see :func:`outcome_frame`).
    """
    return outcome_frame(item, actual, kind=kind, previous=previous)


def item(
    rule: RuleParams,
    *,
    weight: float = 20.0,
    unit: str = "人",
    decimals: int = 0,
    direction: Direction = Direction.HIGHER,
) -> ItemSpec:
    """An item of the given rule; counts of persons by default."""
    return ItemSpec(
        "X",
        "出生登记数",
        "Registered births",
        weight,
        rule,
        "#{REG}",
        direction=direction,
        decimals=decimals,
        unit=unit,
    )


# --- relative_to_best -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "actual", "kind", "scores"),
    [
        pytest.param(
            Direction.HIGHER,
            [40.0, 38.0, 30.0],
            None,
            [20.0, 19.0, 15.0],
            id="proportional_to_the_best",
        ),
        pytest.param(
            Direction.HIGHER,
            [40.0, 38.0, 10.0, 5.0],
            ["village", "village", "community", "community"],
            [20.0, 19.0, 20.0, 10.0],
            id="each_kind_has_its_own_best",
        ),
        pytest.param(
            Direction.HIGHER,
            [40.0, 13.0],
            None,
            [20.0, 6.5],
            id="proportional_rounded",
        ),
        pytest.param(Direction.HIGHER, [0.0, 0.0], None, [20.0, 20.0], id="all_zero_all_best"),
        pytest.param(
            Direction.LOWER,
            [2.0, 4.0, 5.0],
            None,
            [20.0, 10.0, 8.0],
            id="lower_is_best_over_actual",
        ),
        pytest.param(Direction.LOWER, [0.0, 4.0], None, [20.0, 0.0], id="lower_zero_is_best"),
        pytest.param(
            Direction.HIGHER,
            [40.0, None, 20.0],
            None,
            [20.0, 0.0, 10.0],
            id="missing_actual_scores_zero_and_is_not_the_best",
        ),
    ],
)
def test_relative_to_best_scores_in_proportion_to_the_best_of_the_kind(
    direction: Direction, actual: list[Value], kind: list[str] | None, scores: list[float]
) -> None:
    frame = run(item(RelativeToBestRule(), direction=direction), actual, kind)
    assert frame["score"].to_list() == scores


def test_relative_to_best_flags_a_missing_actual() -> None:
    frame = run(item(RelativeToBestRule()), [40.0, None])
    assert frame["flag"].to_list() == [None, "missing_actual"]
    assert frame["zh"][1] == "出生登记数 缺少数据，得0.00/20分（待核实）"


def test_relative_to_best_shows_the_best_of_the_kind() -> None:
    frame = run(item(RelativeToBestRule()), [40.0, 38.0])
    assert frame["zh"].to_list() == [
        "出生登记数 40人，同类最优40人，为同类最优，得20.00/20分",
        "出生登记数 38人，同类最优40人，按比例20×38/40，得19.00/20分",
    ]
    assert frame["en"][1] == (
        "Registered births 38 persons, best of kind 40 persons, proportional 20×38/40, "
        "score 19.00/20"
    )


# --- rank_points ----------------------------------------------------------------------------

RANKED = RankPointsRule(first=6.0)


@pytest.mark.parametrize(
    ("rule", "direction", "actual", "kind", "scores"),
    [
        pytest.param(
            RANKED,
            Direction.HIGHER,
            [90.0, 80.0, 80.0, 70.0],
            None,
            [6.0, 5.0, 5.0, 3.0],
            id="ties_share_the_lowest_rank_1_2_2_4",
        ),
        pytest.param(
            RANKED,
            Direction.LOWER,
            [90.0, 80.0, 80.0, 70.0],
            None,
            [3.0, 5.0, 5.0, 6.0],
            id="lower_ranks_ascending",
        ),
        pytest.param(
            RANKED,
            Direction.HIGHER,
            [90.0, 80.0, 10.0, 5.0],
            ["village", "village", "community", "community"],
            [6.0, 5.0, 6.0, 5.0],
            id="each_kind_ranked_separately",
        ),
        pytest.param(
            RankPointsRule(first=6.0, step=1.0, minimum=2.0),
            Direction.HIGHER,
            [60.0, 50.0, 40.0, 30.0, 20.0, 10.0],
            None,
            [6.0, 5.0, 4.0, 3.0, 2.0, 2.0],
            id="minimum_points",
        ),
        pytest.param(
            RankPointsRule(first=6.0, step=1.0),
            Direction.HIGHER,
            [70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0, 5.0],
            None,
            [6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0],
            id="floored_at_zero",
        ),
        pytest.param(
            RankPointsRule(first=5.0, step=0.5),
            Direction.HIGHER,
            [3.0, 2.0, 1.0],
            None,
            [5.0, 4.5, 4.0],
            id="half_point_steps",
        ),
        pytest.param(
            RANKED,
            Direction.HIGHER,
            [90.0, None, 70.0],
            None,
            [6.0, 0.0, 5.0],
            id="missing_actual_is_not_ranked",
        ),
    ],
)
def test_rank_points_give_points_by_place_within_the_kind(
    rule: RankPointsRule,
    direction: Direction,
    actual: list[Value],
    kind: list[str] | None,
    scores: list[float],
) -> None:
    frame = run(item(rule, weight=6.0, unit="%", decimals=2, direction=direction), actual, kind)
    assert frame["score"].to_list() == scores


def test_rank_points_show_the_place() -> None:
    rule = RankPointsRule(first=6.0, minimum=2.0)
    frame = run(item(rule, weight=6.0, unit="%", decimals=2), [90.0, 80.0, 80.0, None])
    assert frame["zh"].to_list() == [
        "出生登记数 90.00%，同类第1名，第1名6分，每降1名减1分，最低2分，得6.00/6分",
        "出生登记数 80.00%，同类第2名，第1名6分，每降1名减1分，最低2分，得5.00/6分",
        "出生登记数 80.00%，同类第2名，第1名6分，每降1名减1分，最低2分，得5.00/6分",
        "出生登记数 缺少数据，得0.00/6分（待核实）",
    ]
    assert frame["en"][1] == (
        "Registered births 80.00%, place 2 in kind, 6 points for first, 1 less per place, "
        "at least 2: score 5.00/6"
    )
    assert frame["flag"].to_list() == [None, None, None, "missing_actual"]


# --- level_progress -------------------------------------------------------------------------

HUNAN = LevelProgressRule()


def contraception(direction: Direction = Direction.HIGHER) -> ItemSpec:
    """A rate in percent with two decimals, weight 20, scored on level and progress."""
    return item(HUNAN, unit="%", decimals=2, direction=direction)


def test_level_progress_weights_level_and_progress_by_the_side_of_the_mean() -> None:
    # best 95; improvements 1, 1.5, 1 (best 1.5); mean 92.8333.
    # u0: 20 × (0.7 × 1.0000 + 0.3 × 0.6667) = 18.0002 → 18.00 (above the mean)
    # u1: 20 × (0.7 × 0.9842 + 0.3 × 1.0000) = 19.7788 → 19.78 (above the mean)
    # u2: 20 × (0.3 × 0.9474 + 0.7 × 0.6667) = 15.0182 → 15.02 (below the mean: 3:7)
    frame = run(contraception(), [95.0, 93.5, 90.0], previous=[94.0, 92.0, 89.0])
    assert frame["score"].to_list() == [18.0, 19.78, 15.02]
    assert frame["flag"].to_list() == [None, None, None]


def test_level_progress_explains_level_progress_and_weights() -> None:
    frame = run(contraception(), [95.0, 93.5, 90.0], previous=[94.0, 92.0, 89.0])
    assert frame["zh"][1] == (
        "出生登记数 93.50%，同类最优95.00%，水平0.9842；上期92.00%，改善1.50个百分点，"
        "同类最大改善1.50个百分点，进步1.0000；不低于同类平均92.8333%，按0.7:0.3计："
        "20×(0.7×0.9842+0.3×1.0000)，得19.78/20分"
    )
    assert frame["zh"][2].endswith(
        "低于同类平均92.8333%，按0.3:0.7计：20×(0.3×0.9474+0.7×0.6667)，得15.02/20分"
    )
    assert frame["en"][1] == (
        "Registered births 93.50%, best of kind 95.00%, level 0.9842; previous 92.00%, "
        "improved 1.50 percentage points, best improvement of kind 1.50 percentage points, "
        "progress 1.0000; at least as good as the kind's mean 92.8333%, weighted 0.7:0.3: "
        "20×(0.7×0.9842+0.3×1.0000), score 19.78/20"
    )


def test_level_progress_without_a_previous_value_counts_no_progress() -> None:
    # u2: 20 × (0.3 × 0.9474 + 0.7 × 0) = 5.6844 → 5.68, flagged but scored.
    frame = run(contraception(), [95.0, 93.5, 90.0], previous=[94.0, 92.0, None])
    assert frame["score"].to_list() == [18.0, 19.78, 5.68]
    assert frame["flag"].to_list() == [None, None, "missing_previous"]
    assert "上期缺数，进步按0计；" in frame["zh"][2]


def test_level_progress_without_improvement_counts_no_progress() -> None:
    # Improvements 1, −0.5, 1 (best 1). u1 fell back: progress 0, above the mean:
    # 20 × 0.7 × 0.9842 = 13.7788; u2 below: 20 × (0.3 × 0.9474 + 0.7 × 1) = 19.6844.
    frame = run(contraception(), [95.0, 93.5, 90.0], previous=[94.0, 94.0, 89.0])
    assert frame["score"].to_list() == [20.0, 13.78, 19.68]
    assert "上期94.00%，未改善，进步0；" in frame["zh"][1]


def test_level_progress_lower_is_better_inverts_level_and_improvement() -> None:
    # best 2 (lowest); level 1, 2/3, 2/4; improvements 1, 0.5, 0 (best 1); mean 3.
    # u0: 20 × (0.7 × 1 + 0.3 × 1) = 20; u1 (3 ≤ mean): 20 × (0.7 × 0.6667 + 0.3 × 0.5)
    # = 12.3338 → 12.33; u2 (4 > mean): 20 × (0.3 × 0.5 + 0.7 × 0) = 3.
    frame = run(contraception(Direction.LOWER), [2.0, 3.0, 4.0], previous=[3.0, 3.5, 4.0])
    assert frame["score"].to_list() == [20.0, 12.33, 3.0]
    assert "不高于同类平均3%" in frame["zh"][1]
    assert "；高于同类平均3%，按0.3:0.7计" in frame["zh"][2]


def test_level_progress_lower_is_better_zero_is_the_best_level() -> None:
    frame = run(contraception(Direction.LOWER), [0.0, 4.0], previous=[1.0, 4.0])
    # u0: level 1, progress 1, below-or-at the mean 2 → 20; u1: level 0, progress 0 → 0.
    assert frame["score"].to_list() == [20.0, 0.0]


def test_level_progress_compares_within_each_kind() -> None:
    frame = run(
        contraception(),
        [95.0, 90.0, 50.0, 45.0],
        kind=["village", "village", "community", "community"],
        previous=[94.0, 89.0, 49.0, 44.0],
    )
    # Each kind: the best has level 1 and progress 1; the other level a/best, progress 1,
    # below its kind's mean: 20 × (0.3 × 0.9474 + 0.7) = 19.6844; 20 × (0.3 × 0.9 + 0.7) = 19.4.
    assert frame["score"].to_list() == [20.0, 19.68, 20.0, 19.4]


def test_level_progress_missing_actual_scores_zero_and_is_flagged() -> None:
    frame = run(contraception(), [95.0, None], previous=[94.0, 90.0])
    assert frame["score"].to_list() == [20.0, 0.0]
    assert frame["flag"].to_list() == [None, "missing_actual"]
