"""Validation rules: every operator and missing-value strategy, on hand-made figures.

Each case gives the stored figures of one report (``None``: nothing stored), the rule, and the
outcome worked out by hand from DHIS2's rules (see kaohe/engine/validation.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.periods import PeriodType, parse_period
from kaohe.engine.spec import AggregationType, ElementSpec
from kaohe.engine.validation import (
    STATUS_CODES,
    Figures,
    Importance,
    MissingValueStrategy,
    Operator,
    RuleError,
    RuleSpec,
    Status,
    compile_rule,
    evaluate_rule,
    figures_of,
    rule_periods,
    side_values,
)

ANY = MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING
ALL = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING
NEVER = MissingValueStrategy.NEVER_SKIP
PASSED, FAILED, SKIPPED = Status.PASSED, Status.FAILED, Status.SKIPPED
CODES = ("A", "B", "C")
NAN = math.nan


def figures(*rows: dict[str, float | None]) -> Figures:
    """The figures of one row per mapping; an element left out or ``None`` is not stored."""
    n = len(rows)
    values = {c: np.array([r.get(c) if r.get(c) is not None else NAN for r in rows]) for c in CODES}
    present = {c: np.array([r.get(c) is not None for r in rows]) for c in CODES}
    return Figures(n=n, values=values, present=present)  # type: ignore[arg-type]


def check(
    operator: Operator,
    row: dict[str, float | None],
    left: str = "#{A}",
    right: str = "#{B}",
    left_missing: MissingValueStrategy = ALL,
    right_missing: MissingValueStrategy = ALL,
) -> tuple[Status, float | None, float | None]:
    spec = RuleSpec("R", left, operator, right, left_missing, right_missing)
    outcome = evaluate_rule(compile_rule(spec, CODES), figures(row))
    shown = [None if math.isnan(v) else float(v) for v in (outcome.left[0], outcome.right[0])]
    return outcome.status_of(0), shown[0], shown[1]


# --- the six comparisons ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "a", "b", "expected"),
    [
        (Operator.EQUAL_TO, 3, 3, PASSED),
        (Operator.EQUAL_TO, 3, 4, FAILED),
        (Operator.NOT_EQUAL_TO, 3, 4, PASSED),
        (Operator.NOT_EQUAL_TO, 3, 3, FAILED),
        (Operator.GREATER_THAN, 4, 3, PASSED),
        (Operator.GREATER_THAN, 3, 3, FAILED),
        (Operator.GREATER_THAN_OR_EQUAL_TO, 3, 3, PASSED),
        (Operator.GREATER_THAN_OR_EQUAL_TO, 2, 3, FAILED),
        (Operator.LESS_THAN, 2, 3, PASSED),
        (Operator.LESS_THAN, 3, 3, FAILED),
        (Operator.LESS_THAN_OR_EQUAL_TO, 3, 3, PASSED),
        (Operator.LESS_THAN_OR_EQUAL_TO, 4, 3, FAILED),
    ],
)
def test_each_comparison_passes_when_it_holds_and_fails_when_it_does_not(
    operator: Operator, a: float, b: float, expected: Status
) -> None:
    assert check(operator, {"A": a, "B": b}) == (expected, a, b)


def test_boys_plus_girls_must_equal_births() -> None:
    rule = ("#{A} + #{B}", "#{C}")
    assert check(Operator.EQUAL_TO, {"A": 2, "B": 1, "C": 3}, *rule)[0] is PASSED
    assert check(Operator.EQUAL_TO, {"A": 2, "B": 2, "C": 3}, *rule) == (FAILED, 4.0, 3.0)


def test_sides_are_compared_to_six_decimal_places() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    assert check(Operator.EQUAL_TO, {"A": 0.1, "B": 0.2, "C": 0.3}, "#{A} + #{B}", "#{C}")[0] is (
        PASSED
    )
    assert check(Operator.LESS_THAN, {"A": 0.3000001, "B": 0.3})[0] is FAILED


def test_a_constant_side_always_has_its_value() -> None:
    # No element on the right: nothing can be missing there, whatever the strategy.
    for strategy in (ANY, ALL, NEVER):
        outcome = check(Operator.LESS_THAN_OR_EQUAL_TO, {"A": 5}, "#{A}", "10", ALL, strategy)
        assert outcome == (PASSED, 5.0, 10.0)


# --- missing-value strategies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "row", "expected_left"),
    [
        # A + B with both, one or none of the two stored
        (ANY, {"A": 2, "B": 3}, 5.0),
        (ANY, {"A": 2}, None),
        (ANY, {}, None),
        (ALL, {"A": 2, "B": 3}, 5.0),
        (ALL, {"A": 2}, 2.0),  # the missing B reads as 0
        (ALL, {}, None),
        (NEVER, {"A": 2, "B": 3}, 5.0),
        (NEVER, {"A": 2}, 2.0),
        (NEVER, {}, 0.0),  # nothing stored: 0 + 0
    ],
)
def test_each_strategy_decides_when_a_side_has_no_value(
    strategy: MissingValueStrategy, row: dict[str, float | None], expected_left: float | None
) -> None:
    spec = RuleSpec("R", "#{A} + #{B}", Operator.LESS_THAN_OR_EQUAL_TO, "100", strategy)
    rule = compile_rule(spec, CODES)
    value = side_values(rule.left, strategy, figures(row))[0]
    assert (None if math.isnan(value) else float(value)) == expected_left


@pytest.mark.parametrize(
    ("left_missing", "right_missing", "row", "expected"),
    [
        # policy births (A) ≤ births (B); a comparison with a side without value is skipped
        (ALL, ALL, {"A": 1, "B": 2}, PASSED),
        (ALL, ALL, {"A": 3, "B": 2}, FAILED),
        (ALL, ALL, {"A": 3}, SKIPPED),
        (ALL, ALL, {"B": 2}, SKIPPED),
        (ALL, ALL, {}, SKIPPED),
        (ALL, NEVER, {"A": 3}, FAILED),  # births not reported read as 0: 3 ≤ 0 fails
        (NEVER, ALL, {"B": 2}, PASSED),  # 0 ≤ 2
        (NEVER, NEVER, {}, PASSED),  # 0 ≤ 0
        (ANY, ALL, {"A": 3, "B": 2}, FAILED),
        (ANY, ANY, {"B": 2}, SKIPPED),
    ],
)
def test_a_comparison_is_skipped_when_either_side_has_no_value(
    left_missing: MissingValueStrategy,
    right_missing: MissingValueStrategy,
    row: dict[str, float | None],
    expected: Status,
) -> None:
    found = check(Operator.LESS_THAN_OR_EQUAL_TO, row, "#{A}", "#{B}", left_missing, right_missing)
    assert found[0] is expected


def test_a_division_by_zero_counts_as_zero_on_a_side_that_is_not_skipped() -> None:
    # A / B with B = 0 gives no value; DHIS2 counts it 0.
    assert check(Operator.GREATER_THAN, {"A": 5, "B": 0}, "#{A} / #{B}", "-1") == (
        PASSED,
        0.0,
        -1.0,
    )


# --- the pairs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "compulsory", "exclusive"),
    [
        ({"A": 1, "B": 2}, PASSED, FAILED),
        ({"A": 1}, FAILED, PASSED),
        ({"B": 2}, FAILED, PASSED),
        ({}, PASSED, PASSED),
        ({"A": 0, "B": 0}, PASSED, FAILED),  # a stored zero is a value
    ],
)
def test_pairs_look_at_which_sides_have_values(
    row: dict[str, float | None], compulsory: Status, exclusive: Status
) -> None:
    assert check(Operator.COMPULSORY_PAIR, row)[0] is compulsory
    assert check(Operator.EXCLUSIVE_PAIR, row)[0] is exclusive


def test_a_pair_side_with_several_elements_follows_its_strategy() -> None:
    # Left A + C: with ANY the left has no value unless both are there.
    row = {"A": 1, "B": 1}
    assert check(Operator.COMPULSORY_PAIR, row, "#{A} + #{C}", "#{B}", ANY, ALL)[0] is FAILED
    assert check(Operator.COMPULSORY_PAIR, row, "#{A} + #{C}", "#{B}", ALL, ALL)[0] is PASSED
    assert check(Operator.EXCLUSIVE_PAIR, row, "#{A} + #{C}", "#{B}", ANY, ALL)[0] is PASSED


def test_a_never_skip_side_is_always_there_so_a_compulsory_pair_holds_on_that_side() -> None:
    assert check(Operator.COMPULSORY_PAIR, {"B": 2}, "#{A}", "#{B}", NEVER, ALL)[0] is PASSED
    assert check(Operator.EXCLUSIVE_PAIR, {"B": 2}, "#{A}", "#{B}", NEVER, ALL)[0] is FAILED


def test_pairs_are_never_skipped() -> None:
    for operator in (Operator.COMPULSORY_PAIR, Operator.EXCLUSIVE_PAIR):
        assert check(operator, {})[0] is not SKIPPED


# --- many rows at once ---------------------------------------------------------------------


def test_rows_are_checked_independently_in_one_pass() -> None:
    spec = RuleSpec("R", "#{A}", Operator.LESS_THAN_OR_EQUAL_TO, "#{B}")
    outcome = evaluate_rule(
        compile_rule(spec, CODES),
        figures({"A": 1, "B": 2}, {"A": 3, "B": 2}, {"B": 2}, {"A": 2, "B": 2}),
    )
    expected = [PASSED, FAILED, SKIPPED, PASSED]
    assert [outcome.status_of(i) for i in range(4)] == expected
    assert list(outcome.rows_with(FAILED)) == [1]
    assert outcome.status.dtype == np.int8
    assert set(STATUS_CODES) == set(Status)


# --- figures from a cube -------------------------------------------------------------------


def _cube(elements: tuple[ElementSpec, ...], periods: tuple[str, ...], data: list) -> ValueCube:  # type: ignore[type-arg]
    return ValueCube(("U1", "U2"), elements, periods, np.array(data, dtype=np.float64))


def test_figures_of_a_quarter_aggregate_its_months_by_element_type() -> None:
    births = ElementSpec("A", "A", aggregation=AggregationType.SUM)
    women = ElementSpec("B", "B", aggregation=AggregationType.LAST)
    months = ("202601", "202602", "202603", "202604")
    cube = _cube(
        (births, women),
        months,
        [
            [[1, NAN], [2, NAN], [NAN, NAN], [9, 9]],  # A: U1 has 1 and 2; U2 nothing in Q1
            [[50, 40], [51, NAN], [NAN, NAN], [70, 70]],  # B: last value in the quarter
        ],
    )
    found = figures_of(cube, [parse_period("2026Q1"), parse_period("2026Q2")])
    assert found.n == 4  # (Q1, U1), (Q1, U2), (Q2, U1), (Q2, U2)
    np.testing.assert_array_equal(found.values["A"], [3, NAN, 9, 9])
    np.testing.assert_array_equal(found.present["A"], [True, False, True, True])
    np.testing.assert_array_equal(found.values["B"], [51, 40, 70, 70])


def test_an_element_whose_zeros_are_not_stored_is_never_missing() -> None:
    missed = ElementSpec("A", "A", zero_is_significant=False)
    cube = _cube((missed,), ("2026",), [[[NAN, 2]]])
    found = figures_of(cube, [parse_period("2026")])
    np.testing.assert_array_equal(found.values["A"], [0, 2])
    np.testing.assert_array_equal(found.present["A"], [True, True])


def test_a_period_of_the_cube_straddling_the_rule_period_is_not_read() -> None:
    element = ElementSpec("A", "A")
    cube = _cube((element,), ("2026Q1", "202602"), [[[5, 5], [1, NAN]]])
    found = figures_of(cube, [parse_period("202602")])
    np.testing.assert_array_equal(found.values["A"], [1, NAN])


def test_rule_periods_are_those_of_the_year() -> None:
    assert [p.code for p in rule_periods(PeriodType.QUARTERLY, 2026)] == [
        "2026Q1",
        "2026Q2",
        "2026Q3",
        "2026Q4",
    ]
    assert len(rule_periods(PeriodType.MONTHLY, 2026)) == 12
    assert [p.code for p in rule_periods(PeriodType.YEARLY, 2026)] == ["2026"]
    assert [p.code for p in rule_periods(PeriodType.FINANCIAL_OCT, 2026)] == ["2026Oct"]


# --- compiling -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "side", "fragment"),
    [
        ("#{NOPE}", "#{A}", "left", "NOPE"),
        ("#{A}", "#{A} >", "right", "right side"),
        ("#{A} > 1", "#{B}", "left", "number"),
        ("#{A}.periodOffset(-1)", "#{B}", "left", "periodOffset"),
        ("#{A}", "N{RATE}", "right", "right side"),
    ],
)
def test_a_bad_side_is_refused_naming_the_side(
    left: str, right: str, side: str, fragment: str
) -> None:
    spec = RuleSpec("R", left, Operator.EQUAL_TO, right)
    with pytest.raises(RuleError) as caught:
        compile_rule(spec, CODES)
    assert caught.value.side == side
    assert fragment in str(caught.value)
    assert ("左边" if side == "left" else "右边") in str(caught.value)


def test_a_rule_knows_the_elements_of_each_side() -> None:
    spec = RuleSpec("R", "#{B} + #{A}", Operator.EQUAL_TO, "#{C}")
    rule = compile_rule(spec, CODES)
    assert rule.left_elements == ("A", "B")
    assert rule.right_elements == ("C",)
    assert rule.elements == {"A", "B", "C"}


def test_a_rule_applies_to_its_unit_kinds_or_to_every_kind() -> None:
    every = RuleSpec("R", "#{A}", Operator.EQUAL_TO, "#{B}")
    villages = RuleSpec("R", "#{A}", Operator.EQUAL_TO, "#{B}", unit_kinds=("village",))
    assert every.applies_to("department")
    assert villages.applies_to("village") and not villages.applies_to("department")


def test_operators_have_symbols_and_names_in_both_languages() -> None:
    for operator in Operator:
        assert operator.symbol and operator.label_zh and operator.label_en
    assert Operator.LESS_THAN_OR_EQUAL_TO.symbol == "≤"
    assert [o for o in Operator if o.is_pair] == [Operator.COMPULSORY_PAIR, Operator.EXCLUSIVE_PAIR]
    assert Importance("high") is Importance.HIGH
