"""Designation rules: weak by grade, veto, bottom N or total; strict when weak again or vetoed by
a named item; yellow cards; the most severe status wins and every reason is kept."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kaohe.engine.designation import (
    Bottom,
    DesignationInput,
    DesignationRuleError,
    GradeIn,
    Names,
    TotalBelow,
    designate,
    designation_rules_from_config,
    rule_reference_problems,
)

NAMES = Names(
    grades={"PASS": ("合格", "Pass"), "FAIL": ("不合格", "Fail"), "VETO": ("否决", "Vetoed")},
    vetoes={"OVER": ("超计划生育", "Births over the plan"), "FALSE": ("弄虚作假", "False data")},
)


def rule(code: str, status: str, when: dict[str, Any], **extra: Any) -> dict[str, Any]:
    names = {"weak": "薄弱村", "strict": "严管村", "yellow_card": "黄牌村"}
    english = {"weak": "weak village", "strict": "strict village", "yellow_card": "yellow card"}
    return {"code": code, "status": status, "name": names[status], "name_en": english[status]} | {
        "when": when,
        **extra,
    }


def unit(
    code: str,
    total: str | None,
    rank: int | None,
    grade: str | None = "PASS",
    vetoes: tuple[str, ...] = (),
    kind: str = "village",
) -> DesignationInput:
    return DesignationInput(
        unit=code,
        kind=kind,
        grade=grade,
        total=None if total is None else Decimal(total),
        rank=rank,
        vetoed=bool(vetoes),
        vetoes=vetoes,
    )


def statuses(
    config: list[dict[str, Any]],
    results: list[DesignationInput],
    previous: dict[str, str] | None = None,
) -> dict[str, str]:
    rules = designation_rules_from_config(config)
    found = designate(rules, results, previous or {}, year=2006, names=NAMES)
    return {d.unit: d.status for d in found}


# Six villages of one township: V6 is vetoed (it ranks last whatever its total).
VILLAGES = [
    unit("V1", "96.00", 1),
    unit("V2", "88.50", 2),
    unit("V3", "71.00", 3),
    unit("V4", "71.00", 3),
    unit("V5", "55.00", 5, grade="FAIL"),
    unit("V6", "90.00", 6, grade="VETO", vetoes=("OVER",)),
]


@pytest.mark.parametrize(
    ("when", "designated"),
    [
        pytest.param({"grade_in": ["FAIL"]}, {"V5"}, id="grade_in_takes_the_failed_village"),
        pytest.param({"grade_in": ["FAIL", "VETO"]}, {"V5", "V6"}, id="grade_in_several"),
        pytest.param({"vetoed": True}, {"V6"}, id="vetoed_by_any_veto"),
        pytest.param({"veto_in": ["OVER"]}, {"V6"}, id="veto_in_the_named_veto"),
        pytest.param({"veto_in": ["FALSE"]}, set(), id="veto_in_another_veto_does_not_match"),
        pytest.param({"bottom": 1}, {"V6"}, id="bottom_1_is_the_vetoed_village"),
        pytest.param({"bottom": 2}, {"V5", "V6"}, id="bottom_2"),
        pytest.param(
            {"bottom": 3}, {"V3", "V4", "V5", "V6"}, id="bottom_3_takes_both_tied_at_the_boundary"
        ),
        pytest.param({"bottom": 4}, {"V3", "V4", "V5", "V6"}, id="bottom_4_ends_on_the_tie"),
        pytest.param({"bottom": 5}, {"V2", "V3", "V4", "V5", "V6"}, id="bottom_5"),
        pytest.param({"bottom": 50}, {f"V{i}" for i in range(1, 7)}, id="bottom_more_than_all"),
        pytest.param({"total_below": 71}, {"V5"}, id="total_below_is_strictly_below"),
        pytest.param({"total_below": "71.01"}, {"V3", "V4", "V5"}, id="total_below_as_text"),
    ],
)
def test_each_condition_designates_the_hand_picked_villages(
    when: dict[str, Any], designated: set[str]
) -> None:
    assert set(statuses([rule("W", "weak", when)], VILLAGES)) == designated


def test_bottom_n_counts_each_kind_of_unit_on_its_own() -> None:
    results = [
        unit("V1", "90.00", 1),
        unit("V2", "80.00", 2),
        unit("D1", "99.00", 1, kind="direct_unit"),
        unit("D2", "60.00", 2, kind="direct_unit"),
    ]
    assert set(statuses([rule("W", "weak", {"bottom": 1})], results)) == {"V2", "D2"}


def test_bottom_n_with_unit_kinds_looks_only_at_those_kinds() -> None:
    results = [unit("V1", "90.00", 1), unit("D1", "60.00", 1, kind="direct_unit")]
    config = [rule("W", "weak", {"bottom": 1}, unit_kinds=["village"])]
    assert set(statuses(config, results)) == {"V1"}


def test_bottom_n_counts_a_vetoed_unit_without_a_total_but_not_an_unranked_one() -> None:
    results = [
        unit("V1", "90.00", 1),
        unit("V2", "80.00", 2),
        unit("V3", None, None, grade="VETO", vetoes=("FALSE",)),  # vetoed, no total, no rank
        unit("V4", None, 0, grade=None),  # missing figures: neither ranked nor vetoed
    ]
    assert set(statuses([rule("W", "weak", {"bottom": 1})], results)) == {"V3"}
    assert set(statuses([rule("W", "weak", {"bottom": 2})], results)) == {"V2", "V3"}


def test_ties_at_the_bottom_boundary_are_all_taken() -> None:
    # Ranks 1, 2, 2, 4, 4: the last two ranks are both fourth; the last three reach the tie
    # at second place.
    results = [
        unit("A", "95.00", 1),
        unit("B", "90.00", 2),
        unit("C", "90.00", 2),
        unit("D", "80.00", 4),
        unit("E", "80.00", 4),
    ]
    assert set(statuses([rule("W", "weak", {"bottom": 1})], results)) == {"D", "E"}
    assert set(statuses([rule("W", "weak", {"bottom": 2})], results)) == {"D", "E"}
    assert set(statuses([rule("W", "weak", {"bottom": 3})], results)) == {"B", "C", "D", "E"}


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        pytest.param({}, "weak", id="first_year_weak_stays_weak"),
        pytest.param({"V5": "weak"}, "strict", id="weak_again_becomes_strict"),
        pytest.param({"V5": "strict"}, "strict", id="strict_last_year_and_weak_again"),
        pytest.param({"V5": "yellow_card"}, "weak", id="a_yellow_card_last_year_is_not_weak"),
        pytest.param({"V1": "weak"}, "weak", id="another_units_history_does_not_count"),
    ],
)
def test_weak_again_the_next_year_means_strict_management(
    previous: dict[str, str], expected: str
) -> None:
    config = [rule("W", "weak", {"grade_in": ["FAIL"]}), rule("S", "strict", {"weak_again": True})]
    assert statuses(config, VILLAGES, previous)["V5"] == expected


def test_weak_last_year_but_not_this_year_is_not_designated() -> None:
    config = [rule("W", "weak", {"grade_in": ["FAIL"]}), rule("S", "strict", {"weak_again": True})]
    assert "V1" not in statuses(config, VILLAGES, {"V1": "weak"})


@pytest.mark.parametrize(
    ("order", "status", "deciding"),
    [
        pytest.param(["W", "Y", "S"], "strict", "S", id="strict_beats_yellow_and_weak"),
        pytest.param(["S", "Y", "W"], "strict", "S", id="whatever_the_order"),
        pytest.param(["W", "Y"], "yellow_card", "Y", id="yellow_beats_weak"),
        pytest.param(["W"], "weak", "W", id="weak_alone"),
    ],
)
def test_the_most_severe_status_wins_and_every_reason_is_kept(
    order: list[str], status: str, deciding: str
) -> None:
    available = {
        "W": rule("W", "weak", {"bottom": 1}),
        "Y": rule("Y", "yellow_card", {"vetoed": True}),
        "S": rule("S", "strict", {"veto_in": ["OVER"]}),
    }
    rules = designation_rules_from_config([available[code] for code in order])
    (found,) = designate(rules, [VILLAGES[5]], {}, year=2006, names=NAMES)
    assert (found.status, found.rule) == (status, deciding)
    assert found.rules == tuple(order)
    assert found.reason_zh.count("列为") == len(order)


def test_the_reasons_read_as_a_clerk_writes_them() -> None:
    config = [
        rule("WEAK_GRADE", "weak", {"grade_in": ["FAIL"]}),
        rule("STRICT_AGAIN", "strict", {"weak_again": True}),
    ]
    found = designate(
        designation_rules_from_config(config), VILLAGES, {"V5": "weak"}, year=2006, names=NAMES
    )
    assert len(found) == 1
    assert found[0].reason_zh == (
        "2006年度总分 55.00，等次 不合格，列为薄弱村；连续两年薄弱（上一年度为薄弱），列为严管村"
    )
    assert found[0].reason_en == (
        "2006 total 55.00, grade Fail: designated weak village; weak two years running "
        "(last year: weak): designated strict village"
    )


@pytest.mark.parametrize(
    ("when", "zh"),
    [
        ({"vetoed": True}, "2006年度被一票否决（超计划生育），列为薄弱村"),
        ({"veto_in": ["OVER"]}, "2006年度触发否决项 超计划生育，列为薄弱村"),
        (
            {"bottom": 2},
            "2006年度总分 90.00，被一票否决，在 6 个同类单位中排第 6 名（末 2 名），列为薄弱村",
        ),
        ({"total_below": 95}, "2006年度总分 90.00，低于 95 分，列为薄弱村"),
        ({"grade_in": ["VETO"]}, "2006年度总分 90.00，等次 否决，列为薄弱村"),
    ],
)
def test_each_condition_explains_itself(when: dict[str, Any], zh: str) -> None:
    rules = designation_rules_from_config([rule("W", "weak", when)])
    found = designate(rules, VILLAGES, {}, year=2006, names=NAMES)
    assert {d.unit: d.reason_zh for d in found}["V6"] == zh


def test_without_names_or_year_the_codes_are_shown() -> None:
    rules = designation_rules_from_config([rule("W", "weak", {"grade_in": ["FAIL"]})])
    (found,) = designate(rules, VILLAGES, {})
    assert found.reason_zh == "本年度总分 55.00，等次 FAIL，列为薄弱村"


def test_unit_kinds_limit_a_rule() -> None:
    results = [unit("V5", "55.00", 1, grade="FAIL"), unit("D5", "55.00", 1, grade="FAIL", kind="x")]
    config = [rule("W", "weak", {"grade_in": ["FAIL"]}, unit_kinds=["x"])]
    assert set(statuses(config, results)) == {"D5"}


def test_results_keep_their_order() -> None:
    config = [rule("W", "weak", {"total_below": 100})]
    assert list(statuses(config, VILLAGES)) == [f"V{i}" for i in range(1, 7)]


# --- reading the configuration --------------------------------------------------------------


def test_a_good_configuration_is_read() -> None:
    rules = designation_rules_from_config(
        [
            rule("W", "weak", {"bottom": 2}, unit_kinds=["village"]),
            rule("T", "weak", {"total_below": 60.5}),
        ]
    )
    assert rules[0].when == Bottom(2)
    assert rules[0].unit_kinds == ("village",)
    assert rules[1].when == TotalBelow(Decimal("60.5"))


@pytest.mark.parametrize(
    ("entry", "fragments"),
    [
        ({"status": "weak", "name": "薄弱村", "when": {"vetoed": True}}, ["code"]),
        (rule("W", "weak", {"vetoed": True}) | {"status": "bad"}, ["（W）", "status"]),
        (rule("W", "weak", {"vetoed": True}) | {"name": " "}, ["name"]),
        (rule("W", "weak", {"vetoed": False}), ["when.vetoed", "must be true"]),
        (rule("W", "weak", {"weak_again": 1}), ["when.weak_again"]),
        (rule("W", "weak", {"bottom": 0}), ["when.bottom"]),
        (rule("W", "weak", {"bottom": True}), ["when.bottom"]),
        (rule("W", "weak", {"bottom": 1.5}), ["when.bottom"]),
        (rule("W", "weak", {"grade_in": []}), ["when.grade_in"]),
        (rule("W", "weak", {"veto_in": [""]}), ["when.veto_in"]),
        (rule("W", "weak", {"total_below": "abc"}), ["when.total_below"]),
        (rule("W", "weak", {"total_below": float("nan")}), ["when.total_below"]),
        (rule("W", "weak", {"rank_above": 3}), ["when.rank_above", "not a condition"]),
        (rule("W", "weak", {"bottom": 1, "vetoed": True}), ["when", "exactly one"]),
        (rule("W", "weak", {"bottom": 1}) | {"colour": "red"}, ["colour"]),
        (rule("W", "weak", {"bottom": 1}) | {"unit_kinds": []}, ["unit_kinds"]),
        (rule("W", "weak", {"bottom": 1}) | {"name_en": 5}, ["name_en"]),
    ],
)
def test_each_bad_rule_is_named_with_its_key(entry: dict[str, Any], fragments: list[str]) -> None:
    with pytest.raises(DesignationRuleError) as raised:
        designation_rules_from_config([entry])
    (problem,) = raised.value.problems
    assert "认定规则第 1 条" in problem and "designation rule 1" in problem
    assert " / " in problem  # Chinese, then English
    for fragment in fragments:
        assert fragment in problem


def test_every_problem_is_reported_at_once() -> None:
    config = [
        rule("W", "weak", {"bottom": 0}),
        rule("W", "weak", {"vetoed": True}) | {"status": "nope"},
        "not a rule",
    ]
    with pytest.raises(DesignationRuleError) as raised:
        designation_rules_from_config(config)  # type: ignore[list-item]
    problems = raised.value.problems
    assert len(problems) == 4
    assert "第 1 条" in problems[0] and "第 2 条" in problems[1] and "第 2 条" in problems[2]
    assert "repeats" in problems[1] or "repeats" in problems[2]
    assert "第 3 条" in problems[3]


def test_a_configuration_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(DesignationRuleError):
        designation_rules_from_config({"code": "W"})  # type: ignore[arg-type]


def test_no_rules_designate_nobody() -> None:
    assert designation_rules_from_config([]) == ()
    assert designate((), VILLAGES, {"V5": "weak"}) == []


def test_codes_the_scheme_does_not_have_are_named() -> None:
    rules = designation_rules_from_config(
        [rule("W", "weak", {"grade_in": ["FAIL", "NOPE"]}), rule("S", "strict", {"veto_in": ["X"]})]
    )
    assert rules[0].when == GradeIn(("FAIL", "NOPE"))
    problems = rule_reference_problems(rules, grades=["PASS", "FAIL"], vetoes=["OVER"])
    assert len(problems) == 2
    assert "NOPE" in problems[0] and "X" in problems[1]
