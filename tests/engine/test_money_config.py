"""Checking a scheme's money rules: every problem at once, each naming the rule and the key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kaohe.engine.money import (
    FineBand,
    MoneyRuleError,
    MoneyRuleKind,
    PerPointTerms,
    SplitTerms,
    VetoTerms,
    case_items,
    money_rules_from_config,
)

GRADE = {"code": "G", "kind": "grade_amount", "name": "村级奖励", "amounts": {"FIRST": 10000}}


def problems_of(data: list[Any]) -> list[str]:
    with pytest.raises(MoneyRuleError) as caught:
        money_rules_from_config(data)
    return caught.value.problems


def test_every_rule_kind_is_read_with_exact_decimals() -> None:
    rules = money_rules_from_config(
        [
            {**GRADE, "name_en": "village reward", "unit_kinds": ["village"]},
            {
                "code": "T",
                "kind": "population_tier",
                "name": "人口档次",
                "tiers": [
                    {"min_population": 2000, "amounts": {"FIRST": "6000"}},
                    {"min_population": 0, "amounts": {"FIRST": 4000}},
                ],
            },
            {
                "code": "P",
                "kind": "per_point",
                "name": "每分",
                "base": 90,
                "per_point": 12.5,
                "cap": 1000,
                "direction": "above",
            },
            {"code": "C", "kind": "per_case", "name": "瞒报", "case": "HID", "per_case": 0.1},
            {
                "code": "B",
                "kind": "fine_band",
                "name": "漏报",
                "case": "MISS",
                "item": "V_MISSED",
                "bands": [{"min": 3, "amount": 3000}, {"min": 1, "amount": 1000}],
            },
            {
                "code": "V",
                "kind": "veto",
                "name": "否决",
                "effect": ["zero_rewards", "fine"],
                "amount": 3000,
            },
            {"code": "H", "kind": "haircut", "name": "核查扣减", "applies_to": ["G", "T"]},
            {
                "code": "S",
                "kind": "split",
                "name": "同奖同罚",
                "applies_to": "all",
                "shares": {"unit": 0.7, "stationed_cadre": 0.2, "fp_officer": 0.1},
            },
            {
                "code": "W",
                "kind": "withheld_pay",
                "name": "绩效工资",
                "per_role": {"party_secretary": 3000},
                "release": {"FIRST": 1, "PASS": 0.6},
            },
            {
                "code": "D",
                "kind": "risk_deposit",
                "name": "抵押金",
                "per_role": {"director": 2000},
                "success_grades": ["FIRST"],
                "multiple": 1.5,
            },
        ]
    )
    assert {rule.kind for rule in rules} == set(MoneyRuleKind)
    assert rules[0].name_en == "village reward" and rules[0].unit_kinds == ("village",)
    assert rules[1].name_en == "人口档次"  # no English name: the Chinese one is used
    # Tiers and bands are kept smallest first, whatever order they were written in.
    tiers = rules[1].terms.tiers
    assert [tier.min_population for tier in tiers] == [0, 2000]
    assert tiers[1].amounts == {"FIRST": Decimal("6000")}
    assert rules[2].terms == PerPointTerms(Decimal("90"), Decimal("12.5"), Decimal("1000"), "above")
    assert rules[3].terms.per_case == Decimal("0.1")
    assert rules[4].terms.item == "V_MISSED"
    assert rules[4].terms.bands == (FineBand(1, 1000), FineBand(3, 3000))
    assert rules[5].terms == VetoTerms(True, Decimal("3000"))
    assert rules[6].terms.applies_to == ("G", "T")
    # 0.7 + 0.2 + 0.1 is exactly 1 in decimal (floats would give 0.9999999999999999).
    assert rules[7].terms == SplitTerms(
        None,
        {"unit": Decimal("0.7"), "stationed_cadre": Decimal("0.2"), "fp_officer": Decimal("0.1")},
    )
    assert rules[9].terms.multiple == Decimal("1.5")


def test_an_empty_list_has_no_rules() -> None:
    assert money_rules_from_config([]) == ()


def test_case_items_default_to_the_case_code() -> None:
    rules = money_rules_from_config(
        [
            {"code": "C", "kind": "per_case", "name": "瞒报", "case": "HID", "per_case": 500},
            {
                "code": "B",
                "kind": "fine_band",
                "name": "漏报",
                "case": "MISS",
                "item": "V_MISS",
                "bands": [{"min": 1, "amount": 1000}],
            },
        ]
    )
    assert case_items(rules) == {"HID": "HID", "MISS": "V_MISS"}


def test_risk_deposit_multiple_defaults_to_one() -> None:
    (rule,) = money_rules_from_config(
        [
            {
                "code": "D",
                "kind": "risk_deposit",
                "name": "抵押金",
                "per_role": {"director": 100},
                "success_grades": ["FIRST"],
            }
        ]
    )
    assert rule.terms.multiple == 1


REFUSALS: list[tuple[str, list[dict[str, Any]], list[str]]] = [
    ("unknown key", [{**GRADE, "amout": 5}], ["第 1 条奖惩规则（G） amout", "unknown key"]),
    (
        "non-numeric amount",
        [{**GRADE, "amounts": {"FIRST": "五千"}}],
        ["amounts.FIRST", "不是数字", "is not a number"],
    ),
    ("boolean amount", [{**GRADE, "amounts": {"FIRST": True}}], ["amounts.FIRST", "not a number"]),
    (
        "amount below the fen",
        [{**GRADE, "amounts": {"FIRST": "100.005"}}],
        ["amounts.FIRST", "more than two decimals"],
    ),
    ("no amounts", [{**GRADE, "amounts": {}}], ["amounts", "non-empty map"]),
    ("unknown kind", [{**GRADE, "kind": "bonus"}], ["kind", "'bonus'", "not a money rule kind"]),
    (
        "missing name",
        [{"code": "G", "kind": "grade_amount", "amounts": {"A": 1}}],
        ["name", "is missing"],
    ),
    ("rule not a map", [["G"]], ["第 1 条奖惩规则", "must be a map"]),
    (
        "shares not adding up to 1",
        [
            {
                "code": "S",
                "kind": "split",
                "name": "分配",
                "applies_to": "all",
                "shares": {"unit": 0.5, "stationed_cadre": 0.4},
            }
        ],
        ["（S） shares", "0.9", "not exactly 1"],
    ),
    (
        "share above 1",
        [
            {
                "code": "S",
                "kind": "split",
                "name": "分配",
                "applies_to": "all",
                "shares": {"unit": 1.5, "stationed_cadre": -0.5},
            }
        ],
        ["shares.unit", "between 0 and 1", "shares.stationed_cadre"],
    ),
    (
        "release ratio above 1",
        [
            {
                "code": "W",
                "kind": "withheld_pay",
                "name": "绩效",
                "per_role": {"director": 100},
                "release": {"FIRST": "1.2"},
            }
        ],
        ["release.FIRST", "1.2", "between 0 and 1"],
    ),
    (
        "negative multiple",
        [
            {
                "code": "D",
                "kind": "risk_deposit",
                "name": "抵押金",
                "per_role": {"director": 100},
                "success_grades": ["FIRST"],
                "multiple": -1,
            }
        ],
        ["multiple", "may not be negative"],
    ),
    (
        "negative fine per case",
        [{"code": "C", "kind": "per_case", "name": "瞒报", "case": "HID", "per_case": -200}],
        ["per_case", "may not be negative"],
    ),
    (
        "applies_to naming an unknown rule",
        [GRADE, {"code": "H", "kind": "haircut", "name": "扣减", "applies_to": ["G", "NOPE"]}],
        ["第 2 条奖惩规则（H） applies_to", "NOPE", "not the code of a money rule"],
    ),
    (
        "applies_to naming a per-person rule",
        [
            {
                "code": "W",
                "kind": "withheld_pay",
                "name": "绩效",
                "per_role": {"director": 1},
                "release": {"A": 1},
            },
            {"code": "H", "kind": "haircut", "name": "扣减", "applies_to": ["W"]},
        ],
        ["applies_to", "W is a withheld_pay rule"],
    ),
    (
        "applies_to neither a list nor all",
        [GRADE, {"code": "H", "kind": "haircut", "name": "扣减", "applies_to": "G"}],
        ["applies_to", '"all"'],
    ),
    (
        "two splits of the same rule",
        [
            GRADE,
            {
                "code": "S1",
                "kind": "split",
                "name": "分配",
                "applies_to": ["G"],
                "shares": {"unit": 1},
            },
            {
                "code": "S2",
                "kind": "split",
                "name": "分配",
                "applies_to": "all",
                "shares": {"unit": 1},
            },
        ],
        ["第 3 条奖惩规则（S2） applies_to", "overlaps rule 2 (S1)"],
    ),
    (
        "duplicate codes",
        [GRADE, {**GRADE, "name": "第二个"}],
        ["第 2 条奖惩规则 code", "G", "already used by rule 1"],
    ),
    (
        "fine without an amount",
        [{"code": "V", "kind": "veto", "name": "否决", "effect": "fine"}],
        ["（V） amount", "is missing"],
    ),
    (
        "amount without a fine",
        [{"code": "V", "kind": "veto", "name": "否决", "effect": "zero_rewards", "amount": 5}],
        ["amount", 'only written when effect includes "fine"'],
    ),
    (
        "unknown veto effect",
        [{"code": "V", "kind": "veto", "name": "否决", "effect": "demote"}],
        ["effect", "'demote'"],
    ),
    (
        "per point direction",
        [
            {
                "code": "P",
                "kind": "per_point",
                "name": "每分",
                "base": 90,
                "per_point": 10,
                "direction": "up",
            }
        ],
        ["direction", "'up'"],
    ),
    (
        "band starting at 0",
        [
            {
                "code": "B",
                "kind": "fine_band",
                "name": "漏报",
                "case": "M",
                "bands": [{"min": 0, "amount": 10}, {"min": 2, "amount": 20, "max": 3}],
            }
        ],
        ["bands[1].min", "greater than 0", "bands[2].max", "unknown key"],
    ),
    (
        "one case counted from two items",
        [
            {
                "code": "C1",
                "kind": "per_case",
                "name": "瞒报",
                "case": "HID",
                "item": "A",
                "per_case": 1,
            },
            {
                "code": "C2",
                "kind": "per_case",
                "name": "瞒报",
                "case": "HID",
                "item": "B",
                "per_case": 1,
            },
        ],
        ["（C2） item", "HID", "counted from A in rule 1 but from B here"],
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS]
)
def test_it_refuses_bad_rules_naming_the_key(
    data: list[dict[str, Any]], expected: list[str]
) -> None:
    text = "\n".join(problems_of(data))
    for fragment in expected:
        assert fragment in text
    # Every problem is written in Chinese and English.
    assert all(" / " in problem for problem in problems_of(data))


def test_it_reports_every_problem_at_once() -> None:
    problems = problems_of(
        [
            {**GRADE, "amounts": {"FIRST": "x", "SECOND": "y"}},
            {
                "code": "S",
                "kind": "split",
                "name": "分配",
                "applies_to": ["Z"],
                "shares": {"unit": 0.5},
            },
            {"code": "G", "kind": "haircut", "name": "扣减", "applies_to": "all", "extra": 1},
        ]
    )
    assert len(problems) == 6
    assert sum("amounts.FIRST" in problem for problem in problems) == 1
    assert sum("amounts.SECOND" in problem for problem in problems) == 1
    assert sum("第 2 条奖惩规则（S） shares" in problem for problem in problems) == 1
    assert sum("applies_to" in problem and "Z" in problem for problem in problems) == 1
    assert sum("第 3 条奖惩规则 code" in problem for problem in problems) == 1
    assert sum("extra" in problem for problem in problems) == 1


def test_it_refuses_something_that_is_not_a_list() -> None:
    assert problems_of({"code": "G"}) == ["奖惩规则应为列表 / money_rules must be a list"]


def test_splits_for_different_unit_kinds_may_cover_the_same_rule() -> None:
    rules = money_rules_from_config(
        [
            GRADE,
            {
                "code": "S1",
                "kind": "split",
                "name": "村",
                "unit_kinds": ["village"],
                "applies_to": ["G"],
                "shares": {"unit": 1},
            },
            {
                "code": "S2",
                "kind": "split",
                "name": "站所",
                "unit_kinds": ["direct_unit"],
                "applies_to": ["G"],
                "shares": {"unit": 0.5, "department_head": 0.5},
            },
        ]
    )
    assert [rule.code for rule in rules] == ["G", "S1", "S2"]
