"""Vetoes, the verification haircut and the split (同奖同罚), hand-computed to the fen."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from kaohe.engine.money import (
    MoneyLabels,
    MoneyLine,
    MoneyPerson,
    MoneyUnit,
    compute_money,
    money_rules_from_config,
)

D = Decimal
LABELS = MoneyLabels(grades={"SECOND": ("二等奖", "Second prize"), "FAIL": ("不合格", "Fail")})
CADRE = MoneyPerson("P_LIN", "林庆", "stationed_cadre")
SECRETARY = MoneyPerson("P_ZHANG", "张华", "party_secretary")
VILLAGE = MoneyUnit(
    unit="V01",
    name="东村",
    kind="village",
    grade="SECOND",
    total=D("92.50"),
    rank=3,
    vetoed=False,
    vetoes=(),
    population=D("2350"),
    cases={},
    over_report_ratio=None,
    persons=(SECRETARY, CADRE),
)
GRADE = {
    "code": "V_GRADE",
    "kind": "grade_amount",
    "name": "村级奖励标准",
    "amounts": {"SECOND": 5000, "FAIL": -2000},
}
POINTS = {
    "code": "V_POINT",
    "kind": "per_point",
    "name": "超分奖励",
    "base": 90,
    "per_point": 100,
    "direction": "above",
}
CASES = {"code": "V_HID", "kind": "per_case", "name": "瞒报罚款", "case": "HID", "per_case": 500}
VETOED = {"grade": "FAIL", "vetoed": True, "vetoes": ("计划外生育", "瞒报出生")}


def money(rules: list[dict[str, Any]], **changes: Any) -> list[MoneyLine]:
    return compute_money(
        money_rules_from_config(rules), [replace(VILLAGE, **changes)], labels=LABELS
    )


def parts(lines: list[MoneyLine]) -> list[tuple[str, str | None, Decimal]]:
    return [(line.rule, line.person, line.amount) for line in lines]


# --- veto ----------------------------------------------------------------------------------

ZERO = {"code": "V_VETO", "kind": "veto", "name": "否决规定", "effect": "zero_rewards"}
FINE = {"code": "V_VETO", "kind": "veto", "name": "否决规定", "effect": "fine", "amount": 3000}


def test_a_veto_zeroes_the_rewards_of_a_vetoed_unit_and_names_the_veto() -> None:
    # The grade gives nothing for FAIL here, so only the per-point reward (2.5 × 100) is left.
    lines = money([GRADE | {"amounts": {"SECOND": 5000}}, POINTS, ZERO], **VETOED)
    assert parts(lines) == [("V_POINT", None, D("0.00"))]
    (line,) = lines
    assert line.kind == "reward"
    assert line.explanation_zh == (
        "总分 92.5 分，超出基准 90 分 2.5 分，按超分奖励每分 100.00 元，奖励 250.00 元；"
        "一票否决（计划外生育、瞒报出生），按否决规定取消奖励 250.00 元，实得 0.00 元"
    )
    assert line.figures["veto_rule"] == "V_VETO"
    assert line.figures["amount_before_veto"] == "250.00"


def test_a_veto_leaves_penalties_and_fines_alone() -> None:
    lines = money([GRADE, CASES, ZERO], cases={"HID": D(1)}, **VETOED)
    assert parts(lines) == [("V_GRADE", None, D("-2000.00")), ("V_HID", None, D("-500.00"))]


def test_a_veto_fine_is_its_own_line_in_the_veto_rules_place() -> None:
    lines = money([GRADE, FINE, POINTS], **VETOED)
    assert parts(lines) == [
        ("V_GRADE", None, D("-2000.00")),
        ("V_VETO", None, D("-3000.00")),
        ("V_POINT", None, D("250.00")),  # a fine alone does not zero the rewards
    ]
    assert lines[1].kind == "fine"
    assert lines[1].explanation_zh == "一票否决（计划外生育、瞒报出生），按否决规定罚款 3,000.00 元"


def test_zero_rewards_and_a_fine_together() -> None:
    rule = ZERO | {"effect": ["zero_rewards", "fine"], "amount": "1500.50"}
    lines = money([POINTS, rule], **VETOED)
    assert parts(lines) == [("V_POINT", None, D("0.00")), ("V_VETO", None, D("-1500.50"))]


def test_a_unit_that_is_not_vetoed_is_untouched_by_veto_rules() -> None:
    rule = ZERO | {"effect": ["zero_rewards", "fine"], "amount": 1000}
    assert parts(money([GRADE, rule])) == [("V_GRADE", None, D("5000.00"))]


# --- haircut -------------------------------------------------------------------------------

CUT = {"code": "V_CUT", "kind": "haircut", "name": "核查扣减", "applies_to": "all"}


def test_the_haircut_cuts_rewards_by_the_over_reporting_ratio() -> None:
    (line,) = money([GRADE, CUT], over_report_ratio=D("0.10"))
    assert line.amount == D("4500.00")
    assert line.explanation_zh == (
        "二等奖，按村级奖励标准 5,000.00 元；"
        "核查多报比例 10%，奖励 5,000.00 元扣减 500.00 元，实得 4,500.00 元"
    )
    assert line.figures["over_report_ratio"] == "0.1"
    assert line.figures["amount_before_haircut"] == "5000.00"
    assert line.figures["haircut"] == "V_CUT"


@pytest.mark.parametrize(
    ("reward", "ratio", "expected"),
    [
        ("1234.57", "0.125", "1080.25"),  # 1,234.57 × 0.875 = 1,080.24875
        ("100.05", "0.5", "50.03"),  # 50.025: half-up, not half-even
        ("5000", "1", "0.00"),
        ("5000", "0.3333", "3333.50"),
    ],
)
def test_the_haircut_rounds_half_up(reward: str, ratio: str, expected: str) -> None:
    rule = GRADE | {"amounts": {"SECOND": reward}}
    (line,) = money([rule, CUT], over_report_ratio=D(ratio))
    assert line.amount == D(expected)


def test_the_haircut_cuts_only_the_rules_it_names_and_never_a_fine() -> None:
    cut = CUT | {"applies_to": ["V_GRADE"]}
    lines = money([GRADE, POINTS, CASES, cut], over_report_ratio=D("0.2"), cases={"HID": D(2)})
    assert parts(lines) == [
        ("V_GRADE", None, D("4000.00")),
        ("V_POINT", None, D("250.00")),
        ("V_HID", None, D("-1000.00")),
    ]


def test_without_a_ratio_nothing_is_cut_and_the_line_says_so() -> None:
    (line,) = money([GRADE, CUT], over_report_ratio=None)
    assert line.amount == D("5000.00")
    assert line.explanation_zh.endswith("；没有核查多报比例，不扣减")
    assert line.figures["over_report_ratio"] == ""
    (line,) = money([GRADE, CUT], over_report_ratio=D(0))
    assert line.amount == D("5000.00")
    assert line.explanation_zh.endswith("；核查多报比例 0%，不扣减")


def test_a_reward_zeroed_by_a_veto_is_not_cut_again() -> None:
    (line,) = money([POINTS, ZERO, CUT], over_report_ratio=D("0.5"), **VETOED)
    assert line.amount == 0
    assert "核查" not in line.explanation_zh


# --- split ---------------------------------------------------------------------------------

SPLIT = {
    "code": "V_SPLIT",
    "kind": "split",
    "name": "同奖同罚",
    "name_en": "shared reward",
    "applies_to": ["V_GRADE"],
    "shares": {"unit": 0.8, "stationed_cadre": 0.1, "party_secretary": 0.1},
}


def test_the_split_divides_a_unit_amount_by_role() -> None:
    lines = money([GRADE, SPLIT])
    assert parts(lines) == [
        ("V_GRADE", None, D("4000.00")),
        ("V_GRADE", "P_ZHANG", D("500.00")),
        ("V_GRADE", "P_LIN", D("500.00")),
    ]
    assert [line.role for line in lines] == ["unit", "party_secretary", "stationed_cadre"]
    assert {line.kind for line in lines} == {"reward"}
    assert lines[2].explanation_zh == (
        "二等奖，按村级奖励标准 5,000.00 元；同奖同罚：包村干部 林庆 分得 10%，500.00 元"
    )
    assert lines[2].explanation_en.endswith(
        "shared reward: stationed cadre 林庆 gets 10%, 500.00 yuan"
    )
    assert lines[0].explanation_zh.endswith("；同奖同罚：单位留存 80%，4,000.00 元")
    assert lines[2].figures["split"] == "V_SPLIT"
    assert lines[2].figures["share"] == "0.1"
    assert lines[2].figures["amount_before_split"] == "5000.00"


def test_a_split_of_a_haircut_reward_divides_what_is_left() -> None:
    lines = money([GRADE, CUT, SPLIT], over_report_ratio=D("0.1"))
    assert parts(lines) == [
        ("V_GRADE", None, D("3600.00")),
        ("V_GRADE", "P_ZHANG", D("450.00")),
        ("V_GRADE", "P_LIN", D("450.00")),
    ]


def test_a_penalty_is_shared_too() -> None:
    lines = money([GRADE, SPLIT], grade="FAIL")
    assert parts(lines) == [
        ("V_GRADE", None, D("-1600.00")),
        ("V_GRADE", "P_ZHANG", D("-200.00")),
        ("V_GRADE", "P_LIN", D("-200.00")),
    ]
    assert lines[2].explanation_zh.endswith("同奖同罚：包村干部 林庆 分担 10%，200.00 元")
    assert lines[0].explanation_zh.endswith("同奖同罚：单位承担 80%，1,600.00 元")


def test_one_hundred_yuan_in_three_parts_gives_the_last_fen_to_the_unit() -> None:
    # 100.00 × 0.6666 / 2 = 33.33 for each cadre; the unit takes 100.00 − 66.66 = 33.34.
    cadres = (CADRE, MoneyPerson("P_WU", "吴敏", "stationed_cadre"))
    rule = SPLIT | {"shares": {"unit": "0.3334", "stationed_cadre": "0.6666"}}
    lines = money([GRADE | {"amounts": {"SECOND": 100}}, rule], persons=cadres)
    assert parts(lines) == [
        ("V_GRADE", None, D("33.34")),
        ("V_GRADE", "P_LIN", D("33.33")),
        ("V_GRADE", "P_WU", D("33.33")),
    ]
    assert lines[1].explanation_zh.endswith(
        "同奖同罚：包村干部 2 人共得 66.66%，林庆 分得 33.33 元"
    )


def test_three_persons_of_one_role_divide_its_share_and_the_remainder_stays_with_the_unit() -> None:
    cadres = tuple(MoneyPerson(f"P{i}", f"干部{i}", "stationed_cadre") for i in range(3))
    rule = SPLIT | {"shares": {"stationed_cadre": 1}}
    lines = money([GRADE | {"amounts": {"SECOND": 100}}, rule], persons=cadres)
    assert parts(lines) == [
        ("V_GRADE", None, D("0.01")),
        ("V_GRADE", "P0", D("33.33")),
        ("V_GRADE", "P1", D("33.33")),
        ("V_GRADE", "P2", D("33.33")),
    ]
    assert lines[0].explanation_zh.endswith("同奖同罚：单位留存 0%，含分配尾差 0.01 元，0.01 元")
    # A penalty rounds the same way, away from zero.
    lines = money([GRADE | {"amounts": {"SECOND": -100}}, rule], persons=cadres)
    assert [line.amount for line in lines] == [D("-0.01")] + [D("-33.33")] * 3


def test_a_share_rounds_half_up_and_the_unit_side_absorbs_it() -> None:
    # 10.05 × 0.5 = 5.025 → 5.03 for the cadre, 5.02 for the unit.
    rule = SPLIT | {"shares": {"unit": 0.5, "stationed_cadre": 0.5}}
    lines = money([GRADE | {"amounts": {"SECOND": "10.05"}}, rule])
    assert parts(lines) == [("V_GRADE", None, D("5.02")), ("V_GRADE", "P_LIN", D("5.03"))]
    assert "含分配尾差 -0.01 元" in lines[0].explanation_zh


def test_a_role_without_a_person_leaves_its_share_with_the_unit() -> None:
    rule = SPLIT | {"shares": {"unit": 0.7, "stationed_cadre": 0.2, "fp_officer": 0.1}}
    lines = money([GRADE, rule])
    assert parts(lines) == [("V_GRADE", None, D("4000.00")), ("V_GRADE", "P_LIN", D("1000.00"))]
    assert lines[0].explanation_zh.endswith(
        "同奖同罚：单位留存 70%，计生专干无人，其 10% 归单位，4,000.00 元"
    )
    assert lines[0].figures["vacant_roles"] == "fp_officer"


def test_the_split_covers_only_the_rules_it_names() -> None:
    lines = money([GRADE, POINTS, SPLIT])
    assert parts(lines) == [
        ("V_GRADE", None, D("4000.00")),
        ("V_GRADE", "P_ZHANG", D("500.00")),
        ("V_GRADE", "P_LIN", D("500.00")),
        ("V_POINT", None, D("250.00")),
    ]


def test_split_all_covers_a_veto_fine_but_not_a_zeroed_reward() -> None:
    rules = [POINTS, ZERO | {"effect": ["zero_rewards", "fine"], "amount": 1000}]
    lines = money([*rules, SPLIT | {"applies_to": "all"}], **VETOED)
    assert parts(lines) == [
        ("V_POINT", None, D("0.00")),
        ("V_VETO", None, D("-800.00")),
        ("V_VETO", "P_ZHANG", D("-100.00")),
        ("V_VETO", "P_LIN", D("-100.00")),
    ]


def test_role_names_can_be_given() -> None:
    labels = MoneyLabels(roles={"stationed_cadre": ("驻村干部", "village-based cadre")})
    rules = money_rules_from_config([GRADE, SPLIT])
    lines = compute_money(rules, [VILLAGE], labels=labels)
    assert "驻村干部 林庆 分得 10%" in lines[2].explanation_zh


def test_rounding_up_never_gives_away_more_than_the_amount() -> None:
    # 0.03 × 0.3334 / 2 = 0.005001 → 0.01 for each cadre; 0.03 × 0.6666 = 0.019998 → 0.02 for
    # the officer: 0.04 in all. The unit's share is 0, so the officer's rounded-up fen is taken
    # back rather than leaving the unit with −0.01 of a reward.
    people = (
        CADRE,
        MoneyPerson("P_WU", "吴敏", "stationed_cadre"),
        MoneyPerson("P_WANG", "王芳", "fp_officer"),
    )
    rule = SPLIT | {"shares": {"unit": 0, "stationed_cadre": "0.3334", "fp_officer": "0.6666"}}
    lines = money([GRADE | {"amounts": {"SECOND": "0.03"}}, rule], persons=people)
    assert parts(lines) == [
        ("V_GRADE", "P_LIN", D("0.01")),
        ("V_GRADE", "P_WU", D("0.01")),
        ("V_GRADE", "P_WANG", D("0.01")),
    ]
    assert lines[2].explanation_zh.endswith("王芳 分得 66.66%，0.01 元（分配尾差少计 0.01 元）")
