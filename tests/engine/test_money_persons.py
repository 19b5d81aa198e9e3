"""Withheld performance pay and risk deposits, per person, hand-computed to the fen."""

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
LABELS = MoneyLabels(
    grades={
        "FIRST": ("一等奖", "First prize"),
        "SECOND": ("二等奖", "Second prize"),
        "PASS": ("合格", "Pass"),
        "FAIL": ("不合格", "Fail"),
    }
)
SECRETARY = MoneyPerson("P_ZHANG", "张华", "party_secretary")
DIRECTOR = MoneyPerson("P_LI", "李强", "director")
OFFICER = MoneyPerson("P_WANG", "王芳", "fp_officer")
VILLAGE = MoneyUnit(
    unit="V01",
    name="东村",
    kind="village",
    grade="SECOND",
    total=D("92.50"),
    rank=3,
    vetoed=False,
    vetoes=(),
    population=None,
    cases={},
    over_report_ratio=None,
    persons=(SECRETARY, DIRECTOR, OFFICER),
)
PAY = {
    "code": "V_PAY",
    "kind": "withheld_pay",
    "name": "绩效工资",
    "name_en": "performance pay",
    "per_role": {"party_secretary": 3000, "fp_officer": "1000.01"},
    "release": {"FIRST": 1, "SECOND": 0.8, "PASS": "0.55"},
}
DEPOSIT = {
    "code": "V_DEP",
    "kind": "risk_deposit",
    "name": "风险抵押金",
    "per_role": {"director": 2000, "fp_officer": "1000.01"},
    "success_grades": ["FIRST", "SECOND"],
    "multiple": 1.5,
}


def money(rules: list[dict[str, Any]], **changes: Any) -> list[MoneyLine]:
    return compute_money(
        money_rules_from_config(rules), [replace(VILLAGE, **changes)], labels=LABELS
    )


def rows(lines: list[MoneyLine]) -> list[tuple[str | None, str, Decimal]]:
    return [(line.person, line.kind, line.amount) for line in lines]


# --- withheld_pay --------------------------------------------------------------------------


def test_withheld_pay_is_released_by_the_grade_ratio_and_the_rest_forfeited() -> None:
    lines = money([PAY])
    assert rows(lines) == [
        ("P_ZHANG", "withheld_release", D("2400.00")),  # 3,000 × 0.8
        ("P_ZHANG", "withheld_forfeit", D("-600.00")),
        ("P_WANG", "withheld_release", D("800.01")),  # 1,000.01 × 0.8 = 800.008
        ("P_WANG", "withheld_forfeit", D("-200.00")),
    ]
    assert [line.role for line in lines] == ["party_secretary"] * 2 + ["fp_officer"] * 2
    assert lines[0].explanation_zh == (
        "绩效工资：村支书 张华 预留绩效工资 3,000.00 元，二等奖发放 80%，实发 2,400.00 元"
    )
    assert lines[1].explanation_zh == (
        "绩效工资：村支书 张华 预留绩效工资 3,000.00 元，二等奖发放 80%，扣发 600.00 元"
    )
    assert lines[0].explanation_en == (
        "performance pay: party secretary 张华, 3,000.00 yuan withheld; Second prize releases "
        "80%, 2,400.00 yuan released"
    )
    assert lines[0].figures == {
        "role": "party_secretary",
        "withheld": "3000.00",
        "grade": "SECOND",
        "release_ratio": "0.8",
        "released": "2400.00",
        "forfeited": "600.00",
    }


def test_release_rounds_half_up_and_release_plus_forfeit_is_the_pay_withheld() -> None:
    # 1,000.01 × 0.55 = 550.0055 → 550.01; forfeited 450.00.  3,000 × 0.55 = 1,650.00.
    lines = money([PAY], grade="PASS")
    assert rows(lines) == [
        ("P_ZHANG", "withheld_release", D("1650.00")),
        ("P_ZHANG", "withheld_forfeit", D("-1350.00")),
        ("P_WANG", "withheld_release", D("550.01")),
        ("P_WANG", "withheld_forfeit", D("-450.00")),
    ]


def test_full_release_forfeits_nothing() -> None:
    lines = money([PAY], grade="FIRST")
    assert rows(lines) == [
        ("P_ZHANG", "withheld_release", D("3000.00")),
        ("P_WANG", "withheld_release", D("1000.01")),
    ]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"grade": "FAIL", "vetoed": True, "vetoes": ("计划外生育",)},
            "不合格（一票否决：计划外生育），不予发放",
        ),
        ({"grade": "FAIL"}, "不合格不在发放等次中，不予发放"),
        ({"grade": None, "total": None}, "没有等级（总分缺失），不予发放"),
    ],
)
def test_a_veto_or_a_grade_without_a_ratio_releases_nothing(
    changes: dict[str, Any], reason: str
) -> None:
    lines = money([PAY], **changes)
    assert rows(lines)[:2] == [
        ("P_ZHANG", "withheld_release", D("0.00")),
        ("P_ZHANG", "withheld_forfeit", D("-3000.00")),
    ]
    assert (
        lines[0].explanation_zh
        == f"绩效工资：村支书 张华 预留绩效工资 3,000.00 元，{reason}，实发 0.00 元"
    )


def test_a_veto_releases_nothing_even_on_a_releasing_grade() -> None:
    lines = money([PAY], vetoed=True, vetoes=("瞒报",))
    assert rows(lines)[0] == ("P_ZHANG", "withheld_release", D("0.00"))


def test_persons_of_roles_the_rule_does_not_name_get_nothing() -> None:
    assert money([PAY], persons=(DIRECTOR,)) == []


# --- risk_deposit ----------------------------------------------------------------------------


def test_a_deposit_is_returned_with_the_multiple_on_a_success_grade() -> None:
    lines = money([DEPOSIT])
    assert rows(lines) == [
        ("P_LI", "deposit", D("-2000.00")),
        ("P_LI", "deposit_return", D("3000.00")),  # 2,000 × 1.5
        ("P_WANG", "deposit", D("-1000.01")),
        ("P_WANG", "deposit_return", D("1500.02")),  # 1,000.01 × 1.5 = 1,500.015, half-up
    ]
    assert lines[0].explanation_zh == "风险抵押金：村主任 李强，年初缴纳风险抵押金 2,000.00 元"
    assert lines[1].explanation_zh == (
        "风险抵押金：村主任 李强，二等奖，达到返还等次，抵押金 2,000.00 元按 1.5 倍返还 3,000.00 元"
    )
    assert lines[1].figures == {
        "role": "director",
        "deposit": "2000.00",
        "grade": "SECOND",
        "success_grades": "FIRST,SECOND",
        "multiple": "1.5",
        "amount": "3000.00",
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"grade": "PASS"}, "合格，未达到返还等次"),
        (
            {"grade": "FAIL", "vetoed": True, "vetoes": ("计划外生育",)},
            "不合格（一票否决：计划外生育）",
        ),
        ({"vetoed": True, "vetoes": ()}, "二等奖（一票否决）"),
        ({"grade": None, "total": None}, "没有等级（总分缺失）"),
    ],
)
def test_a_deposit_is_forfeited_on_failure_or_veto(changes: dict[str, Any], reason: str) -> None:
    lines = money([DEPOSIT], persons=(DIRECTOR,), **changes)
    assert rows(lines) == [
        ("P_LI", "deposit", D("-2000.00")),
        ("P_LI", "deposit_forfeit", D("0.00")),
    ]
    assert (
        lines[1].explanation_zh == f"风险抵押金：村主任 李强，{reason}，抵押金 2,000.00 元不予返还"
    )


def test_a_multiple_of_one_returns_the_deposit_itself() -> None:
    rule = DEPOSIT | {"multiple": 1}
    lines = money([rule], persons=(DIRECTOR,))
    assert sum(line.amount for line in lines) == 0
