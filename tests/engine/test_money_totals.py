"""A whole scheme over two villages: the order of the lines, and totals that reconcile."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.money import (
    MoneyLabels,
    MoneyLine,
    MoneyPerson,
    MoneyUnit,
    compute_money,
    money_rules_from_config,
    totals,
)

D = Decimal
RULES: list[dict[str, Any]] = [
    {
        "code": "GRADE",
        "kind": "grade_amount",
        "name": "村级奖励标准",
        "amounts": {"SECOND": 5000, "FAIL": -2000},
    },
    {"code": "HID", "kind": "per_case", "name": "瞒报罚款", "case": "HID", "per_case": 500},
    {
        "code": "VETO",
        "kind": "veto",
        "name": "否决",
        "effect": ["zero_rewards", "fine"],
        "amount": 1000,
    },
    {"code": "CUT", "kind": "haircut", "name": "核查扣减", "applies_to": ["GRADE"]},
    {
        "code": "SPLIT",
        "kind": "split",
        "name": "同奖同罚",
        "applies_to": "all",
        "shares": {"unit": 0.9, "stationed_cadre": 0.1},
    },
    {
        "code": "PAY",
        "kind": "withheld_pay",
        "name": "绩效工资",
        "per_role": {"party_secretary": 3000},
        "release": {"SECOND": 0.8},
    },
    {
        "code": "DEP",
        "kind": "risk_deposit",
        "name": "风险抵押金",
        "per_role": {"director": 2000},
        "success_grades": ["SECOND"],
        "multiple": 1.5,
    },
]


def village(code: str, grade: str, vetoed: bool, ratio: str | None, hid: int) -> MoneyUnit:
    return MoneyUnit(
        unit=code,
        name=code,
        kind="village",
        grade=grade,
        total=D("91.00"),
        rank=None,
        vetoed=vetoed,
        vetoes=("瞒报",) if vetoed else (),
        population=None,
        cases={"HID": D(hid)},
        over_report_ratio=None if ratio is None else D(ratio),
        persons=(
            MoneyPerson(f"{code}_SEC", "书记", "party_secretary"),
            MoneyPerson(f"{code}_CAD", "干部", "stationed_cadre"),
            MoneyPerson(f"{code}_DIR", "主任", "director"),
        ),
    )


EAST = village("V01", "SECOND", False, "0.1", 1)
WEST = village("V02", "FAIL", True, None, 0)


def rows(lines: list[MoneyLine]) -> list[tuple[str, str, str | None, str, Decimal]]:
    return [(line.unit, line.rule, line.person, line.kind, line.amount) for line in lines]


def test_lines_come_by_unit_then_rule_then_person() -> None:
    lines = compute_money(money_rules_from_config(RULES), [EAST, WEST])
    assert rows(lines) == [
        # 5,000 × 0.9 (haircut) = 4,500, then 90 % / 10 %.
        ("V01", "GRADE", None, "reward", D("4050.00")),
        ("V01", "GRADE", "V01_CAD", "reward", D("450.00")),
        ("V01", "HID", None, "fine", D("-450.00")),
        ("V01", "HID", "V01_CAD", "fine", D("-50.00")),
        ("V01", "PAY", "V01_SEC", "withheld_release", D("2400.00")),
        ("V01", "PAY", "V01_SEC", "withheld_forfeit", D("-600.00")),
        ("V01", "DEP", "V01_DIR", "deposit", D("-2000.00")),
        ("V01", "DEP", "V01_DIR", "deposit_return", D("3000.00")),
        ("V02", "GRADE", None, "penalty", D("-1800.00")),
        ("V02", "GRADE", "V02_CAD", "penalty", D("-200.00")),
        ("V02", "VETO", None, "fine", D("-900.00")),
        ("V02", "VETO", "V02_CAD", "fine", D("-100.00")),
        ("V02", "PAY", "V02_SEC", "withheld_release", D("0.00")),
        ("V02", "PAY", "V02_SEC", "withheld_forfeit", D("-3000.00")),
        ("V02", "DEP", "V02_DIR", "deposit", D("-2000.00")),
        ("V02", "DEP", "V02_DIR", "deposit_forfeit", D("0.00")),
    ]
    # The input order of units decides the output order, and the same input gives the same lines.
    again = compute_money(money_rules_from_config(RULES), [WEST, EAST])
    assert again == lines[8:] + lines[:8]


def test_totals_by_unit_person_and_kind_reconcile_with_the_lines() -> None:
    lines = compute_money(money_rules_from_config(RULES), [EAST, WEST])
    assert totals(lines, "unit") == {"V01": D("6800.00"), "V02": D("-8000.00")}
    assert totals(lines, "person") == {
        "": D("900.00"),  # the unit-held lines: 4,050 − 450 − 1,800 − 900
        "V01_CAD": D("400.00"),
        "V01_SEC": D("1800.00"),
        "V01_DIR": D("1000.00"),
        "V02_CAD": D("-300.00"),
        "V02_SEC": D("-3000.00"),
        "V02_DIR": D("-2000.00"),
    }
    assert totals(lines, "kind") == {
        "reward": D("4500.00"),
        "fine": D("-1500.00"),
        "withheld_release": D("2400.00"),
        "withheld_forfeit": D("-3600.00"),
        "deposit": D("-4000.00"),
        "deposit_return": D("3000.00"),
        "penalty": D("-2000.00"),
        "deposit_forfeit": D("0.00"),
    }
    grand = sum((line.amount for line in lines), D(0))
    assert grand == D("-1200.00")
    for by in ("unit", "person", "kind"):
        assert sum(totals(lines, by).values(), D(0)) == grand  # type: ignore[arg-type]


def test_totals_of_no_lines_are_empty_and_an_unknown_grouping_is_refused() -> None:
    assert totals([], "unit") == {}
    with pytest.raises(ValueError, match="cannot total by 'rule'"):
        totals([], "rule")  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------------

amounts = st.integers(min_value=-(10**9), max_value=10**9).map(lambda fen: D(fen) / 100)


@st.composite
def shares(draw: st.DrawFn) -> dict[str, str]:
    """Shares of 1 in ten-thousandths among the unit and up to three roles."""
    roles = ["unit", "party_secretary", "stationed_cadre", "fp_officer"]
    cuts = sorted(draw(st.lists(st.integers(0, 10000), min_size=3, max_size=3)))
    bounds = [0, *cuts, 10000]
    return {role: str(D(bounds[i + 1] - bounds[i]) / 10000) for i, role in enumerate(roles)}


@st.composite
def persons(draw: st.DrawFn) -> tuple[MoneyPerson, ...]:
    result: list[MoneyPerson] = []
    for role in ("party_secretary", "stationed_cadre", "fp_officer"):
        for index in range(draw(st.integers(0, 4))):
            result.append(MoneyPerson(f"{role}{index}", f"{role}{index}", role))
    return tuple(result)


@settings(max_examples=300, deadline=None)
@given(amount=amounts, split=shares(), people=persons(), ratio=st.integers(0, 1000))
def test_split_parts_always_add_up_to_the_amount_exactly(
    amount: Decimal, split: dict[str, str], people: tuple[MoneyPerson, ...], ratio: int
) -> None:
    rules = money_rules_from_config(
        [
            {"code": "GRADE", "kind": "grade_amount", "name": "奖", "amounts": {"A": str(amount)}},
            {"code": "CUT", "kind": "haircut", "name": "扣减", "applies_to": "all"},
            {"code": "SPLIT", "kind": "split", "name": "分", "applies_to": "all", "shares": split},
        ]
    )
    unit = MoneyUnit(
        "U", "U", "village", "A", None, None, False, (), None, {}, D(ratio) / 1000, people
    )
    lines = compute_money(rules, [unit])
    before_split = (
        D(lines[0].figures.get("amount_before_split", lines[0].amount)) if lines else D(0)
    )
    # Every part is a whole number of fen and the parts add up to the amount exactly.
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in lines)
    assert sum((line.amount for line in lines), D(0)) == before_split
    # The haircut never cuts a penalty and never turns a reward into a penalty.
    expected_sign = 0 if amount == 0 else (1 if amount > 0 else -1)
    assert all(line.amount * expected_sign >= 0 for line in lines)
    # Each person's part is its exact share rounded half-up (within half a fen), or, where
    # rounding up would give away more than the amount, one fen less.
    for line in lines[1:]:
        holders = sum(person.role == line.role for person in people)
        exact = before_split * D(split[line.role]) / holders
        assert abs(line.amount - exact) <= D("0.005") or "尾差少计" in line.explanation_zh
        assert abs(line.amount - exact) < D("0.01")
    by_person = totals(lines, "person")
    assert sum(by_person.values(), D(0)) == sum(totals(lines, "unit").values(), D(0))


def test_the_worked_example_of_the_format_guide() -> None:
    """docs/formats.md, “Money rules”: 东村, 二等奖, 10 % over-reported, one concealed birth."""
    rules = money_rules_from_config(
        [
            {
                "code": "V_REWARD",
                "kind": "grade_amount",
                "name": "村级奖励标准",
                "unit_kinds": ["village"],
                "amounts": {"FIRST": 10000, "SECOND": 5000, "FAIL": -2000},
            },
            {
                "code": "V_HIDDEN",
                "kind": "per_case",
                "name": "瞒报罚款",
                "case": "HIDDEN",
                "item": "CHECK_BIRTHS_CONCEALED",
                "per_case": 500,
            },
            {
                "code": "V_VETO",
                "kind": "veto",
                "name": "一票否决",
                "effect": ["zero_rewards", "fine"],
                "amount": 3000,
            },
            {"code": "V_CHECK", "kind": "haircut", "name": "核查扣减", "applies_to": ["V_REWARD"]},
            {
                "code": "V_SHARE",
                "kind": "split",
                "name": "同奖同罚",
                "applies_to": "all",
                "shares": {"unit": 0.8, "stationed_cadre": 0.1, "party_secretary": 0.1},
            },
            {
                "code": "V_PAY",
                "kind": "withheld_pay",
                "name": "绩效工资",
                "per_role": {"party_secretary": 3000},
                "release": {"FIRST": 1, "SECOND": 0.8, "THIRD": 0.6},
            },
            {
                "code": "V_DEPOSIT",
                "kind": "risk_deposit",
                "name": "风险抵押金",
                "per_role": {"director": 2000},
                "success_grades": ["FIRST", "SECOND"],
                "multiple": 1.5,
            },
        ]
    )
    east = MoneyUnit(
        "V01",
        "东村",
        "village",
        "SECOND",
        D("92.40"),
        2,
        False,
        (),
        D(2350),
        {"HIDDEN": D(1)},
        D("0.10"),
        (
            MoneyPerson("LIN", "林庆", "stationed_cadre"),
            MoneyPerson("ZHANG", "张华", "party_secretary"),
            MoneyPerson("LI", "李强", "director"),
        ),
    )
    lines = compute_money(rules, [east], labels=MoneyLabels(grades={"SECOND": ("二等奖", "")}))
    assert [(line.person, line.kind, line.amount) for line in lines] == [
        (None, "reward", D("3600.00")),
        ("LIN", "reward", D("450.00")),
        ("ZHANG", "reward", D("450.00")),
        (None, "fine", D("-400.00")),
        ("LIN", "fine", D("-50.00")),
        ("ZHANG", "fine", D("-50.00")),
        ("ZHANG", "withheld_release", D("2400.00")),
        ("ZHANG", "withheld_forfeit", D("-600.00")),
        ("LI", "deposit", D("-2000.00")),
        ("LI", "deposit_return", D("3000.00")),
    ]
    assert lines[0].explanation_zh == (
        "二等奖，按村级奖励标准 5,000.00 元；核查多报比例 10%，奖励 5,000.00 元扣减 500.00 元，"
        "实得 4,500.00 元；同奖同罚：单位留存 80%，3,600.00 元"
    )
    assert totals(lines, "person") == {
        "": D("3200.00"),
        "LIN": D("400.00"),
        "ZHANG": D("2200.00"),
        "LI": D("1000.00"),
    }
    vetoed = compute_money(rules, [replace(east, grade="FAIL", vetoed=True, vetoes=("瞒报出生",))])
    assert totals(vetoed, "person") == {
        "": D("-4400.00"),  # −1,600 − 400 − 2,400
        "LIN": D("-550.00"),
        "ZHANG": D("-3550.00"),
        "LI": D("-2000.00"),
    }
