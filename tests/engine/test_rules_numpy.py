"""The NumPy machinery of the scoring rules: ranks within groups, group codes, inputs, flags
and branches. The rules' scores and wording are in ``test_rules.py`` and
``test_rules_within_kind.py``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.rules import (
    BRANCH_MISSING_ACTUAL,
    FLAG_MISSING_ACTUAL,
    FLAG_MISSING_PREVIOUS,
    FLAG_NAMES,
    FLAG_NONE,
    Groups,
    ItemInputs,
    branch_count,
    rank_within,
    score_item,
)
from kaohe.engine.spec import (
    CaseTerm,
    Direction,
    ItemSpec,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
    RelativeToBestRule,
    RuleParams,
)
from kaohe.engine.templates import item_templates
from tests.engine.test_explain import ITEMS


def naive_ranks(
    values: list[float], groups: list[int], tiers: list[int], descending: bool
) -> list[int]:
    """1 + the units of the same group that come strictly before (lower tier, or same tier
    and a better value); NaN: 0 and never counted."""
    result = []
    for value, group, tier in zip(values, groups, tiers, strict=True):
        if value != value:
            result.append(0)
            continue
        before = 0
        for other, other_group, other_tier in zip(values, groups, tiers, strict=True):
            if other_group != group or other != other:
                continue
            better = other > value if descending else other < value
            before += other_tier < tier or (other_tier == tier and better)
        result.append(before + 1)
    return result


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(
                st.sampled_from([np.nan, 0.0, -0.0, 1.0, -1.0, 90.0]),
                st.floats(-1e6, 1e6, allow_nan=False),
            ),
            st.sampled_from([0, 3, -7, 2**40]),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=40,
    ),
    descending=st.booleans(),
    tiered=st.booleans(),
)
def test_rank_within_matches_counting_the_units_before(
    rows: list[tuple[float, int, int]], descending: bool, tiered: bool
) -> None:
    values = [value for value, _, _ in rows]
    groups = [group for _, group, _ in rows]
    tiers = [tier if tiered else 0 for _, _, tier in rows]
    grouping = Groups(np.array(groups, dtype=np.int64))
    ranks = rank_within(
        grouping.bins,
        np.array(values, dtype=np.float64),
        descending=descending,
        tier=np.array(tiers, dtype=np.int8) if tiered else None,
        single=grouping.single,
    )
    assert ranks.dtype == np.int64
    assert ranks.tolist() == naive_ranks(values, groups, tiers, descending)


def test_rank_within_no_units() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert rank_within(empty, np.zeros(0), descending=True).tolist() == []


@pytest.mark.parametrize(
    "rule", [RelativeToBestRule(), RankPointsRule(first=6.0), LevelProgressRule()]
)
def test_any_group_codes_compare_the_same_units(rule: RuleParams) -> None:
    item = ItemSpec("X", "项目", "Item", 20.0, rule, "#{X}", decimals=1, unit="%")
    actual = np.array([90.0, 80.5, np.nan, 70.0, 95.0, 60.0])
    previous = np.array([85.0, 80.0, 50.0, 72.0, 90.0, np.nan])
    compact = np.array([0, 1, 0, 1, 0, 1], dtype=np.int64)
    scattered = np.array([-5, 2**40, -5, 2**40, -5, 2**40], dtype=np.int64)
    target = np.full(6, np.nan)
    first = score_item(item, ItemInputs(actual, target, compact, previous))
    second = score_item(item, ItemInputs(actual, target, scattered, previous))
    assert first.score.tolist() == second.score.tolist()
    assert first.branch.tolist() == second.branch.tolist()
    assert sorted(first.figures) == sorted(second.figures)
    for name, values in first.figures.items():
        assert np.array_equal(values, second.figures[name], equal_nan=True)


def test_groups_number_small_codes_as_themselves_and_others_densely() -> None:
    small = Groups(np.array([2, 0, 2], dtype=np.int64))
    assert (small.bins.tolist(), small.count, small.single) == ([2, 0, 2], 3, False)
    large = Groups(np.array([2**40, -1, 2**40], dtype=np.int64))
    assert (large.bins.tolist(), large.count, large.single) == ([1, 0, 1], 2, False)
    assert Groups(np.array([7, 7], dtype=np.int64)).single


def test_inputs_of_the_wrong_length_are_an_error() -> None:
    item = ItemSpec("X", "项目", "Item", 20.0, LinearRule(points=2), "#{X}")
    with pytest.raises(ValueError, match="target"):
        score_item(item, ItemInputs(np.zeros(3), np.zeros(2), np.zeros(3, dtype=np.int64)))
    with pytest.raises(ValueError, match="group"):
        score_item(item, ItemInputs(np.zeros(3), np.zeros(3), np.zeros(4, dtype=np.int64)))


def test_per_case_needs_one_count_per_extra_term() -> None:
    rule = PerCaseRule(points=2.0, also=(CaseTerm("瞒报", "concealed", "#{C}", 5.0),))
    item = ItemSpec("LB", "漏报", "Unreported", 20.0, rule, "#{U}", decimals=0)
    with pytest.raises(ValueError, match="1 extra case counts expected, 0 given"):
        score_item(item, ItemInputs(np.zeros(2), np.zeros(2), np.zeros(2, dtype=np.int64)))


def test_level_progress_needs_the_previous_period() -> None:
    item = ItemSpec("X", "项目", "Item", 20.0, LevelProgressRule(), "#{X}")
    with pytest.raises(ValueError, match="previous"):
        score_item(item, ItemInputs(np.zeros(2), np.zeros(2), np.zeros(2, dtype=np.int64)))


def test_flags_name_the_first_missing_input() -> None:
    item = ItemSpec("X", "项目", "Item", 20.0, LevelProgressRule(), "#{X}", unit="%")
    outcome = score_item(
        item,
        ItemInputs(
            actual=np.array([90.0, np.nan, 80.0, np.nan]),
            target=np.full(4, np.nan),
            group=np.zeros(4, dtype=np.int64),
            previous=np.array([85.0, 85.0, np.nan, np.nan]),
        ),
    )
    assert outcome.flag.dtype == np.int8
    assert outcome.flag.tolist() == [
        FLAG_NONE,
        FLAG_MISSING_ACTUAL,
        FLAG_MISSING_PREVIOUS,
        FLAG_MISSING_ACTUAL,
    ]
    assert outcome.flag_names() == [None, "missing_actual", "missing_previous", "missing_actual"]
    assert FLAG_NAMES[FLAG_MISSING_ACTUAL] == "missing_actual"
    assert outcome.score.tolist()[1::2] == [0.0, 0.0]


@settings(max_examples=200, deadline=None)
@given(
    item=ITEMS,
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-500, 12_000).map(lambda n: n / 100)),
            st.one_of(st.none(), st.integers(-100, 12_000).map(lambda n: n / 100)),
            st.one_of(st.none(), st.integers(0, 12_000).map(lambda n: n / 100)),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_every_branch_scored_has_its_wording(
    item: ItemSpec, rows: list[tuple[float | None, float | None, float | None, int]]
) -> None:
    def floats(column: tuple[float | None, ...]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in column], dtype=np.float64)

    actual, target, previous, group = zip(*rows, strict=True)
    also = item.rule.also if isinstance(item.rule, PerCaseRule) else ()
    outcome = score_item(
        item,
        ItemInputs(
            actual=floats(actual),
            target=floats(target),
            group=np.array(group, dtype=np.int64),
            previous=floats(previous),
            cases=tuple(floats(previous) for _ in also),
        ),
    )
    templates = item_templates(item)
    codes = set(outcome.branch.tolist())
    assert codes <= set(range(branch_count(item)))
    for code in codes:
        assert templates.zh[code] and templates.en[code]
    missing = np.isnan(floats(actual))
    assert (outcome.branch[missing] == BRANCH_MISSING_ACTUAL).all()
    assert (outcome.score[missing] == 0.0).all()
    if item.direction is Direction.HIGHER and isinstance(item.rule, LinearRule):
        assert (outcome.score <= item.weight).all()
