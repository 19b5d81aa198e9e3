"""Base amounts, hand-computed to the fen: by grade, population tier, per point, per case, band."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from kaohe.engine.money import (
    MoneyInputError,
    MoneyLabels,
    MoneyLine,
    MoneyUnit,
    compute_money,
    money_rules_from_config,
)

D = Decimal
LABELS = MoneyLabels(
    grades={
        "FIRST": ("一等奖", "First prize"),
        "SECOND": ("二等奖", "Second prize"),
        "FAIL": ("不合格", "Fail"),
    }
)
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
    persons=(),
)


def money(rules: list[dict[str, Any]], **changes: Any) -> list[MoneyLine]:
    return compute_money(
        money_rules_from_config(rules), [replace(VILLAGE, **changes)], labels=LABELS
    )


def amounts(lines: list[MoneyLine]) -> list[tuple[str, str, Decimal]]:
    return [(line.kind, line.rule, line.amount) for line in lines]


# --- grade_amount ----------------------------------------------------------------------------

GRADE = {
    "code": "V_GRADE",
    "kind": "grade_amount",
    "name": "村级奖励标准",
    "name_en": "the village reward standard",
    "amounts": {"FIRST": 10000, "SECOND": "5000", "FAIL": -2000},
}


def test_grade_amount_pays_the_amount_of_the_grade() -> None:
    (line,) = money([GRADE])
    assert (line.unit, line.person, line.role) == ("V01", None, "unit")
    assert (line.kind, line.rule, line.amount) == ("reward", "V_GRADE", D("5000.00"))
    assert str(line.amount) == "5000.00"
    assert line.explanation_zh == "二等奖，按村级奖励标准 5,000.00 元"
    assert line.explanation_en == "Second prize: 5,000.00 yuan under the village reward standard"
    assert line.figures == {"grade": "SECOND", "amount": "5000.00"}


def test_a_negative_grade_amount_is_a_penalty_and_a_vetoed_unit_takes_its_veto_grade() -> None:
    (line,) = money([GRADE], grade="FAIL", vetoed=True, vetoes=("计划外生育",))
    assert amounts([line]) == [("penalty", "V_GRADE", D("-2000.00"))]
    assert line.explanation_zh == "不合格（一票否决：计划外生育），按村级奖励标准扣罚 2,000.00 元"


def test_a_grade_the_rule_does_not_list_gives_nothing() -> None:
    assert money([GRADE], grade="PASS") == []


def test_a_unit_without_a_grade_gets_an_explained_zero() -> None:
    (line,) = money([GRADE], grade=None, total=None)
    assert line.amount == 0 and str(line.amount) == "0.00"
    assert line.explanation_zh == "没有等级（总分缺失），不计村级奖励标准"


def test_unit_kinds_limit_a_rule() -> None:
    rule = {**GRADE, "unit_kinds": ["direct_unit"]}
    assert money([rule]) == []
    assert amounts(money([rule], kind="direct_unit")) == [("reward", "V_GRADE", D("5000.00"))]


def test_grade_codes_are_shown_when_no_name_is_given() -> None:
    lines = compute_money(money_rules_from_config([GRADE]), [VILLAGE])
    assert lines[0].explanation_zh == "SECOND，按村级奖励标准 5,000.00 元"


# --- population_tier -------------------------------------------------------------------------

TIERS = {
    "code": "V_POP",
    "kind": "population_tier",
    "name": "人口分档奖励",
    "tiers": [
        {"min_population": 3000, "amounts": {"FIRST": 12000, "SECOND": 8000}},
        {"min_population": 1000, "amounts": {"FIRST": 9000, "SECOND": 6000}},
        {"min_population": 500, "amounts": {"FIRST": 6000, "SECOND": 4000}},
    ],
}


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        ("2350", D("6000.00")),
        ("3000", D("8000.00")),  # exactly on a tier's minimum: that tier
        ("2999", D("6000.00")),
        ("500", D("4000.00")),
    ],
)
def test_population_tier_takes_the_largest_tier_reached(population: str, expected: Decimal) -> None:
    (line,) = money([TIERS], population=D(population))
    assert amounts([line]) == [("reward", "V_POP", expected)]


def test_population_tier_explains_the_tier() -> None:
    (line,) = money([TIERS])
    assert (
        line.explanation_zh
        == "人口 2,350 人，属 1,000 人以上档；二等奖，按人口分档奖励 6,000.00 元"
    )
    assert line.figures == {
        "population": "2350",
        "tier_min_population": "1000",
        "grade": "SECOND",
        "amount": "6000.00",
    }


def test_population_below_every_tier_gives_nothing() -> None:
    assert money([TIERS], population=D("499")) == []


def test_a_missing_population_gets_an_explained_zero() -> None:
    (line,) = money([TIERS], population=None)
    assert amounts([line]) == [("reward", "V_POP", D("0.00"))]
    assert line.explanation_zh == "缺少人口数，无法确定档次，不计人口分档奖励"
    assert line.figures == {"population": ""}


# --- per_point -------------------------------------------------------------------------------

ABOVE = {
    "code": "V_POINT",
    "kind": "per_point",
    "name": "超分奖励",
    "base": 90,
    "per_point": 200,
    "cap": 1000,
    "direction": "above",
}
BELOW = {
    "code": "V_SHORT",
    "kind": "per_point",
    "name": "欠分扣罚",
    "base": 85,
    "per_point": "33.33",
    "direction": "below",
}


@pytest.mark.parametrize(
    ("rule", "total", "expected"),
    [
        (ABOVE, "92.50", ("reward", "V_POINT", D("500.00"))),  # 2.5 × 200
        (ABOVE, "94.99", ("reward", "V_POINT", D("998.00"))),  # 4.99 × 200
        (ABOVE, "96.00", ("reward", "V_POINT", D("1000.00"))),  # 6 × 200 = 1200, capped
        (BELOW, "82.65", ("penalty", "V_SHORT", D("-78.33"))),  # 2.35 × 33.33 = 78.3255
        (BELOW, "84.99", ("penalty", "V_SHORT", D("-0.33"))),  # 0.01 × 33.33 = 0.3333
    ],
)
def test_per_point_pays_part_points_pro_rata(
    rule: dict[str, Any], total: str, expected: tuple[str, str, Decimal]
) -> None:
    assert amounts(money([rule], total=D(total))) == [expected]


def test_per_point_rounds_half_up_to_the_fen() -> None:
    # 0.05 points × 12.50 = 0.625: half-up gives 0.63 (banker's rounding would give 0.62).
    rule = {**ABOVE, "per_point": "12.5", "cap": None}
    rule.pop("cap")
    (line,) = money([rule], total=D("90.05"))
    assert line.amount == D("0.63")
    assert line.figures["points"] == "0.05"


def test_per_point_gives_nothing_on_the_wrong_side_of_the_base() -> None:
    assert money([ABOVE], total=D("90.00")) == []
    assert money([BELOW], total=D("85.00")) == []


def test_per_point_explains_the_cap() -> None:
    (line,) = money([ABOVE], total=D("96.00"))
    assert line.explanation_zh == (
        "总分 96 分，超出基准 90 分 6 分，按超分奖励每分 200.00 元，奖励 1,200.00 元，"
        "封顶 1,000.00 元"
    )
    assert line.figures["cap"] == "1000.00" and line.figures["amount"] == "1000.00"


def test_per_point_without_a_total_gets_an_explained_zero() -> None:
    (line,) = money([BELOW], total=None, grade=None)
    assert amounts([line]) == [("penalty", "V_SHORT", D("0.00"))]
    assert line.explanation_zh == "缺少总分，不计欠分扣罚"


# --- per_case and fine_band ------------------------------------------------------------------

PER_CASE = {
    "code": "V_HID",
    "kind": "per_case",
    "name": "瞒报罚款",
    "case": "CONCEALED",
    "per_case": "200.50",
}
BANDS = {
    "code": "V_MISS",
    "kind": "fine_band",
    "name": "漏报罚款",
    "case": "MISSED",
    "bands": [{"min": 1, "amount": 1000}, {"min": 3, "amount": 3000}, {"min": 6, "amount": 5000}],
}


def test_per_case_fines_each_case() -> None:
    (line,) = money([PER_CASE], cases={"CONCEALED": D(3)})
    assert amounts([line]) == [("fine", "V_HID", D("-601.50"))]
    assert line.explanation_zh == "瞒报罚款：3 例，每例 200.50 元，罚款 601.50 元"
    assert line.figures == {
        "case": "CONCEALED",
        "cases": "3",
        "per_case": "200.5",
        "amount": "-601.50",
    }


def test_no_case_no_fine_and_a_missing_count_is_explained() -> None:
    assert money([PER_CASE], cases={"CONCEALED": D(0)}) == []
    (line,) = money([PER_CASE], cases={})
    assert amounts([line]) == [("fine", "V_HID", D("0.00"))]
    assert line.explanation_zh == "缺少案件数（CONCEALED），不计瞒报罚款"


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "-1000.00"),
        (2, "-1000.00"),
        (3, "-3000.00"),
        (5, "-3000.00"),
        (6, "-5000.00"),
        (40, "-5000.00"),
    ],
)
def test_fine_band_fines_once_by_the_band_reached(count: int, expected: str) -> None:
    (line,) = money([BANDS], cases={"MISSED": D(count)})
    assert amounts([line]) == [("fine", "V_MISS", D(expected))]


def test_fine_band_explains_the_band() -> None:
    (line,) = money([BANDS], cases={"MISSED": D(4)})
    assert line.explanation_zh == "漏报罚款：4 例，属 3 例以上档，罚款 3,000.00 元"
    assert line.figures["band_min"] == "3"


def test_fine_band_gives_nothing_below_the_first_band() -> None:
    assert money([BANDS], cases={"MISSED": D(0)}) == []
    rule = {**BANDS, "bands": [{"min": 2, "amount": 500}]}
    assert money([rule], cases={"MISSED": D(1)}) == []


# --- bad figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"total": 92.5}, "total must be a Decimal"),
        ({"over_report_ratio": D("1.2")}, "between 0 and 1"),
        ({"population": D(-1)}, "population -1 is negative"),
        ({"cases": {"CONCEALED": D(-2)}}, "CONCEALED (-2) is negative"),
    ],
)
def test_it_refuses_figures_no_rule_can_use(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(MoneyInputError, match=r"V01") as caught:
        money([GRADE], **changes)
    assert fragment in str(caught.value)
