"""Semantics of the expression language: precedence, functions, nulls, folding, references."""

from __future__ import annotations

import dataclasses
import math
import re
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from kaohe.engine.expressions import (
    Binary,
    Call,
    CompileContext,
    ElementRef,
    ExpressionError,
    ExprType,
    IndicatorRef,
    Node,
    Number,
    References,
    Unary,
    column_name,
    compile_expression,
    parse,
    referenced_codes,
)

# Columns N0 … N9 hold the numbers 0 … 9, so that a literal can be swapped for a column and
# the same expression evaluated by Polars instead of by constant folding.
DIGITS = {f"N{digit}": float(digit) for digit in range(10)}

CONTEXT = CompileContext(
    elements=frozenset({*DIGITS, "A", "B", "ZERO", "BIG", "COUNT", "BIRTHS", "X"}),
    indicators=frozenset({"RATE", "BIRTH_RATE"}),
    constants={"K": 2.5, "HUNDRED": 100, "ZERO_C": 0.0, "TENTH": 0.1},
    items=frozenset({"ITEM1"}),
    datasets=frozenset({"DS"}),
)


def evaluate(text: str, frame: pl.DataFrame | None = None) -> list[Any]:
    """Compile ``text`` and evaluate it over ``frame`` (one empty row when None)."""
    compiled = compile_expression(text, CONTEXT)
    if frame is None:
        frame = pl.DataFrame({"unit": ["only"]})
    # with_columns, as the engine uses it: a folded constant broadcasts to every row.
    return frame.with_columns(compiled.expr.alias("value"))["value"].to_list()


def value_of(text: str) -> Any:
    """The single value of an expression that reads no columns (or only N0 … N9)."""
    frame = pl.DataFrame({f"e:{code}": [value] for code, value in DIGITS.items()})
    (value,) = evaluate(text, frame)
    return value


def with_columns(text: str) -> str:
    """``text`` with every one-digit literal replaced by the column holding that digit."""
    text = re.sub(r"(?<![\w.{])(\d)(?![\w.}])", r"#{N\1}", text)
    return text.replace("true", "(#{N1} > 0)").replace("false", "(#{N1} < 0)")


def assert_close(actual: Any, expected: Any) -> None:
    if isinstance(expected, bool) or expected is None:
        assert actual is expected
    else:
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-12)


# --- precedence and associativity --------------------------------------------------------

PRECEDENCE = [
    ("-2^2", -4),
    ("2^3^2", 512),
    ("(2^3)^2", 64),
    ("2^-1", 0.5),
    ("-2^-2", -0.25),
    ("1+2*3", 7),
    ("(1+2)*3", 9),
    ("2*3^2", 18),
    ("9-4-3", 2),
    ("8/4/2", 1),
    ("7%4*2", 6),
    ("2+7%4", 5),
    ("-7%4", -3),
    ("1 - -1", 2),
    ("+3 - +1", 2),
    ("- 2 * 3", -6),
    ("!true || true", True),
    ("!(true || true)", False),
    ("not true or true", True),
    ("1 < 2 == true", True),
    ("2 > 1 == 1 > 2", False),
    ("1 + 1 == 2", True),
    ("2 * 3 >= 6", True),
    ("true || false && false", True),
    ("(true || false) && false", False),
    ("false && false || true", True),
    ("1 < 2 && 3 < 4", True),
    ("1 < 2 and 4 < 3 or 5 == 5", True),
    ("1 != 1 || 2 <= 1", False),
    ("!(1 == 1)", False),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE)
def test_precedence_of_constant_expressions_matches_hand_computed_values(
    text: str, expected: float | bool
) -> None:
    compiled = compile_expression(text, CONTEXT)
    assert_close(compiled.constant_value, expected)
    assert_close(value_of(text), expected)


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE)
def test_precedence_on_frames_matches_the_constant_result(
    text: str, expected: float | bool
) -> None:
    # The same expressions with columns instead of literals go through Polars, not folding.
    text = with_columns(text)
    assert compile_expression(text, CONTEXT).constant_value is None
    assert_close(value_of(text), expected)


def test_minus_binds_looser_than_power_in_the_tree() -> None:
    tree = parse("-2^2")
    assert isinstance(tree, Unary) and tree.op == "-"
    assert isinstance(tree.operand, Binary) and tree.operand.op == "^"


def test_not_binds_tighter_than_equality() -> None:
    # (!1) == 1 is a type error at "!", which shows "!" took the 1 alone.
    with pytest.raises(ExpressionError) as caught:
        compile_expression("!1 == 1", CONTEXT)
    assert (caught.value.code, caught.value.column) == ("type", 1)


def shape(node: Node) -> Any:
    """A node without positions or spellings, to compare trees by structure alone."""
    if isinstance(node, Binary):
        return (node.op, shape(node.left), shape(node.right))
    if isinstance(node, Unary):
        return (node.op, shape(node.operand))
    if isinstance(node, Call):
        return (node.name, *(shape(arg) for arg in node.args))
    return dataclasses.replace(node, line=0, column=0)


def test_keywords_and_symbols_parse_to_the_same_tree() -> None:
    spelled = parse("not #{A} > 1 and #{B} > 1 or #{A} < 0")
    symbols = parse("!#{A} > 1 && #{B} > 1 || #{A} < 0")
    assert shape(spelled) == shape(symbols)
    assert shape(symbols) == (
        "||",
        (
            "&&",
            (">", ("!", shape(parse("#{A}"))), shape(parse("1"))),
            (">", shape(parse("#{B}")), shape(parse("1"))),
        ),
        ("<", shape(parse("#{A}")), shape(parse("0"))),
    )


def test_keywords_and_symbols_evaluate_alike() -> None:
    frame = pl.DataFrame({"e:A": [2.0, 0.0, None], "e:B": [3.0, 3.0, 0.0]})
    spelled = evaluate("not (#{A} > 1) and #{B} > 1 or #{A} < 0", frame)
    symbols = evaluate("!(#{A} > 1) && #{B} > 1 || #{A} < 0", frame)
    assert spelled == symbols == [False, True, None]


def test_names_that_start_with_a_keyword_are_not_split() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("order(1)", CONTEXT)
    assert caught.value.code == "unknown_function"
    assert 'unknown function "order"' in caught.value.message_en


def test_no_break_and_full_width_spaces_count_as_whitespace() -> None:
    assert value_of("#{N7}\u3000+\u00a0#{N2}") == 9.0


def test_whitespace_newlines_and_comments_are_allowed_anywhere() -> None:
    text = "/* 出生率 */ round(\n\t#{N7} /* 七 */ /\n   #{N2} ,\n 1 )  /* end */\n"
    assert value_of(text) == 3.5


# --- functions ---------------------------------------------------------------------------

FUNCTIONS = [
    ("if(true, 1, 2)", 1),
    ("if(false, 1, 2)", 2),
    ("if(1 > 2, true, false)", False),
    ("greatest(1, 5, 3)", 5),
    ("greatest(4)", 4),
    ("least(1, 5, -3)", -3),
    ("isNull(1)", False),
    ("isNotNull(1)", True),
    ("firstNonNull(4, 5)", 4),
    ("abs(-2.5)", 2.5),
    ("abs(2.5)", 2.5),
    ("round(10.625, 2)", 10.63),
    ("round(-10.625, 2)", -10.63),
    ("round(1.005, 2)", 1.01),
    ("round(-2.5)", -3),
    ("round(2.5)", 3),
    ("round(2.4)", 2),
    ("round(2.45, 1)", 2.5),
    ("round(7, 0)", 7),
]


@pytest.mark.parametrize(("text", "expected"), FUNCTIONS)
def test_every_function_folds_to_the_hand_computed_value(text: str, expected: float | bool) -> None:
    assert_close(compile_expression(text, CONTEXT).constant_value, expected)


FUNCTIONS_ON_FRAMES = [
    ("if(#{N1} > 0, #{N1}, #{N2})", 1),
    ("if(#{N1} < 0, #{N1}, #{N2})", 2),
    ("if(#{N1} > #{N2}, #{N1} > 0, #{N1} < 0)", False),
    ("greatest(#{N1}, #{N5}, #{N3})", 5),
    ("greatest(#{N4})", 4),
    ("least(#{N1}, #{N5}, -#{N3})", -3),
    ("isNull(#{N1})", False),
    ("isNotNull(#{N1})", True),
    ("firstNonNull(#{N4}, #{N5})", 4),
    ("abs(#{MINUS_2_5})", 2.5),
    ("abs(-#{MINUS_2_5})", 2.5),
    ("round(#{P10_625}, 2)", 10.63),
    ("round(-#{P10_625}, 2)", -10.63),
    ("round(#{P1_005}, 2)", 1.01),
    ("round(#{MINUS_2_5})", -3),
    ("round(-#{MINUS_2_5})", 3),
    ("round(#{MINUS_2_5} + 0.1)", -2),
    ("round(#{P2_45}, 1)", 2.5),
    ("round(#{N7}, 0)", 7),
]


@pytest.mark.parametrize(("text", "expected"), FUNCTIONS_ON_FRAMES)
def test_every_function_gives_the_same_value_on_frames(text: str, expected: float | bool) -> None:
    values = {**DIGITS, "MINUS_2_5": -2.5, "P10_625": 10.625, "P1_005": 1.005, "P2_45": 2.45}
    frame = pl.DataFrame({f"e:{code}": [value] for code, value in values.items()})
    context = CompileContext(elements=frozenset(values))
    compiled = compile_expression(text, context)
    assert compiled.constant_value is None
    (value,) = frame.select(compiled.expr)[:, 0].to_list()
    assert_close(value, expected)


def test_round_half_up_works_on_columns_with_float_noise() -> None:
    frame = pl.DataFrame({"e:A": [7521.0, 1062.5, -2.5, 0.125, None], "e:B": [100.0, 100, 1, 1, 1]})
    assert evaluate("round(#{A} / #{B}, 2)", frame) == [75.21, 10.63, -2.5, 0.13, None]
    assert evaluate("round(#{A} / #{B})", frame) == [75.0, 11.0, -3.0, 0.0, None]


def test_if_with_a_null_condition_is_null() -> None:
    frame = pl.DataFrame({"e:A": [5.0, 0.0, None]})
    assert evaluate("if(#{A} > 1, 10, 20)", frame) == [10.0, 20.0, None]
    assert evaluate("if(#{A} > 1, #{A} > 4, false)", frame) == [True, False, None]


def test_greatest_and_least_are_null_when_any_argument_is_null() -> None:
    frame = pl.DataFrame({"e:A": [1.0, None, 7.0], "e:B": [3.0, 2.0, None]})
    assert evaluate("greatest(#{A}, #{B})", frame) == [3.0, None, None]
    assert evaluate("least(#{A}, #{B}, 2)", frame) == [1.0, None, None]
    assert evaluate("greatest(#{A} + 0, 5)", frame) == [5.0, None, 7.0]


def test_first_non_null_takes_the_first_present_value() -> None:
    frame = pl.DataFrame({"e:A": [1.0, None, None], "e:B": [3.0, 2.0, None]})
    assert evaluate("firstNonNull(#{A}, #{B})", frame) == [1.0, 2.0, None]
    assert evaluate("firstNonNull(#{A}, #{B}, 0)", frame) == [1.0, 2.0, 0.0]
    assert evaluate("firstNonNull(#{A} > 0, #{B} > 2)", frame) == [True, False, None]


def test_is_null_and_is_not_null_accept_numbers_and_conditions() -> None:
    frame = pl.DataFrame({"e:A": [1.0, None]})
    assert evaluate("isNull(#{A})", frame) == [False, True]
    assert evaluate("isNotNull(#{A})", frame) == [True, False]
    assert evaluate("isNull(#{A} > 0)", frame) == [False, True]


def test_abs_keeps_nulls() -> None:
    frame = pl.DataFrame({"e:A": [-1.5, None, 2.0]})
    assert evaluate("abs(#{A})", frame) == [1.5, None, 2.0]


def test_remainder_has_the_sign_of_the_dividend_as_in_dhis2() -> None:
    frame = pl.DataFrame({"e:A": [7.0, -7.0, 7.0, -7.0, 7.5], "e:B": [3.0, 3.0, -3.0, -3.0, 2.0]})
    assert evaluate("#{A} % #{B}", frame) == [1.0, -1.0, 1.0, -1.0, 1.5]
    for a, b, expected in [(7, 3, 1), (-7, 3, -1), (7, -3, 1), (-7, -3, -1)]:
        assert compile_expression(f"({a}) % ({b})", CONTEXT).constant_value == expected


# --- nulls and three-valued logic --------------------------------------------------------

TRUTH = {"true": 1.0, "false": -1.0, "null": None}  # #{A} > 0 is then true / false / null

AND = {
    ("true", "true"): True,
    ("true", "false"): False,
    ("true", "null"): None,
    ("false", "true"): False,
    ("false", "false"): False,
    ("false", "null"): False,
    ("null", "true"): None,
    ("null", "false"): False,
    ("null", "null"): None,
}
OR = {
    ("true", "true"): True,
    ("true", "false"): True,
    ("true", "null"): True,
    ("false", "true"): True,
    ("false", "false"): False,
    ("false", "null"): None,
    ("null", "true"): True,
    ("null", "false"): None,
    ("null", "null"): None,
}


def _truth_frame() -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    pairs = list(AND)
    frame = pl.DataFrame(
        {
            "e:A": [TRUTH[a] for a, _ in pairs],
            "e:B": [TRUTH[b] for _, b in pairs],
        },
        schema={"e:A": pl.Float64, "e:B": pl.Float64},
    )
    return frame, pairs


@pytest.mark.parametrize("spelling", ["&&", "and"])
def test_and_follows_kleene_logic_in_all_nine_cases(spelling: str) -> None:
    frame, pairs = _truth_frame()
    result = evaluate(f"#{{A}} > 0 {spelling} #{{B}} > 0", frame)
    assert result == [AND[pair] for pair in pairs]


@pytest.mark.parametrize("spelling", ["||", "or"])
def test_or_follows_kleene_logic_in_all_nine_cases(spelling: str) -> None:
    frame, pairs = _truth_frame()
    result = evaluate(f"#{{A}} > 0 {spelling} #{{B}} > 0", frame)
    assert result == [OR[pair] for pair in pairs]


@pytest.mark.parametrize("constant", ["true", "false"])
def test_kleene_logic_holds_when_one_side_is_a_constant(constant: str) -> None:
    frame = pl.DataFrame({"e:A": [1.0, -1.0, None]})
    assert evaluate(f"{constant} && #{{A}} > 0", frame) == [
        AND[(constant, state)] for state in ("true", "false", "null")
    ]
    assert evaluate(f"#{{A}} > 0 || {constant}", frame) == [
        OR[(state, constant)] for state in ("true", "false", "null")
    ]


def test_not_null_is_null() -> None:
    frame = pl.DataFrame({"e:A": [1.0, -1.0, None]})
    assert evaluate("!(#{A} > 0)", frame) == [False, True, None]
    assert evaluate("not (#{A} > 0)", frame) == [False, True, None]


@pytest.mark.parametrize(
    "text",
    ["#{A} + 1", "#{A} - 1", "2 * #{A}", "#{A} / 2", "#{A} % 2", "#{A} ^ 2", "-#{A}", "abs(#{A})"],
)
def test_null_propagates_through_arithmetic(text: str) -> None:
    frame = pl.DataFrame({"e:A": [None, 4.0]}, schema={"e:A": pl.Float64})
    result = evaluate(text, frame)
    assert result[0] is None and result[1] is not None


@pytest.mark.parametrize(
    "text", ["#{A} > 1", "#{A} < 1", "#{A} >= 1", "#{A} <= 1", "#{A} == 1", "#{A} != 1"]
)
def test_null_propagates_through_comparisons(text: str) -> None:
    frame = pl.DataFrame({"e:A": [None, 1.0]}, schema={"e:A": pl.Float64})
    result = evaluate(text, frame)
    assert result[0] is None and isinstance(result[1], bool)


def test_integer_columns_are_read_as_floats() -> None:
    frame = pl.DataFrame({"e:A": [7, 2], "e:B": [2, 4]})
    compiled = compile_expression("#{A} / #{B}", CONTEXT)
    result = frame.select(compiled.expr.alias("v"))
    assert result.schema["v"] == pl.Float64
    assert result["v"].to_list() == [3.5, 0.5]


@pytest.mark.parametrize(
    ("text", "dtype"),
    [
        ("#{A}", pl.Float64),
        ("#{A} > 1", pl.Boolean),
        ("if(#{A} > 1, 1, 0)", pl.Float64),
        ("if(#{A} > 1, true, false)", pl.Boolean),
        ("isNull(#{A})", pl.Boolean),
        ("firstNonNull(#{A}, 0)", pl.Float64),
        ("3", pl.Float64),
        ("true", pl.Boolean),
    ],
)
def test_output_dtype_is_float64_for_numbers_and_boolean_for_conditions(
    text: str, dtype: pl.DataType
) -> None:
    frame = pl.DataFrame({"e:A": [1, 2]})
    compiled = compile_expression(text, CONTEXT)
    assert frame.select(compiled.expr.alias("v")).schema["v"] == dtype


# --- division by zero, NaN and infinity --------------------------------------------------

NULL_NOT_INF = [
    "#{A} / #{ZERO}",
    "#{ZERO} / #{ZERO}",
    "#{A} % #{ZERO}",
    "#{ZERO} ^ -1",
    "(#{ZERO} - 8) ^ (1 / 3)",
    "1 / (1 / #{ZERO})",  # 1 / inf would be 0: the inner null must stay null
    "#{ZERO} * (1 / #{ZERO})",
    "#{BIG} * #{BIG}",  # overflow
    "#{BIG} * #{BIG} - #{BIG} * #{BIG}",  # inf - inf
    "round(#{BIG} * 1e107, 2)",  # scaling 1e307 by 100 overflows
    "(#{A} / #{ZERO}) ^ 0",  # NaN ^ 0 would be 1
    "greatest(#{A} / #{ZERO}, 1)",
    "abs(-#{A} / #{ZERO})",
    "if(#{A} > 0, #{A} / #{ZERO}, 0)",
]


@pytest.mark.parametrize("text", NULL_NOT_INF)
def test_division_by_zero_and_overflow_give_null_never_inf_or_nan(text: str) -> None:
    frame = pl.DataFrame({"e:A": [3.0], "e:ZERO": [0.0], "e:BIG": [1e200]})
    assert evaluate(text, frame) == [None]


def test_a_null_from_division_by_zero_behaves_as_missing_everywhere() -> None:
    frame = pl.DataFrame({"e:A": [3.0, 3.0], "e:ZERO": [0.0, 1.0]})
    assert evaluate("isNull(#{A} / #{ZERO})", frame) == [True, False]
    assert evaluate("#{A} / #{ZERO} > 0", frame) == [None, True]
    assert evaluate("#{A} / #{ZERO} == #{A} / #{ZERO}", frame) == [None, True]
    assert evaluate("firstNonNull(#{A} / #{ZERO}, 7)", frame) == [7.0, 3.0]
    assert evaluate("#{A} / #{ZERO} * 100", frame) == [None, 300.0]


def test_division_by_zero_on_many_rows_leaves_other_rows_alone() -> None:
    count = 100_000
    frame = pl.DataFrame(
        {"e:A": [float(i) for i in range(count)], "e:B": [float(i % 3) for i in range(count)]}
    )
    result = pl.Series(evaluate("#{A} / #{B} * 100", frame))
    assert result.null_count() == len(range(0, count, 3))
    assert result.drop_nulls().is_finite().all()


# --- period offsets and column names -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "code", "offset", "expected"),
    [
        ("e", "BIRTHS", 0, "e:BIRTHS"),
        ("e", "BIRTHS", -1, "e:BIRTHS@-1"),
        ("e", "BIRTHS", -2, "e:BIRTHS@-2"),
        ("n", "BIRTH_RATE", -1, "n:BIRTH_RATE@-1"),
        ("n", "BIRTH_RATE", 1, "n:BIRTH_RATE@1"),
        ("t", "ITEM1", 0, "t:ITEM1"),
    ],
)
def test_column_name_follows_the_spec_convention(
    kind: str, code: str, offset: int, expected: str
) -> None:
    assert column_name(kind, code, offset) == expected


@pytest.mark.parametrize(("kind", "offset"), [("x", 0), ("t", -1), ("a", 0)])
def test_column_name_rejects_unknown_kinds_and_offset_targets(kind: str, offset: int) -> None:
    with pytest.raises(ValueError):
        column_name(kind, "CODE", offset)


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("#{BIRTHS}", ["e:BIRTHS"]),
        ("#{BIRTHS}.periodOffset(-1)", ["e:BIRTHS@-1"]),
        ("#{BIRTHS}.periodOffset(2)", ["e:BIRTHS@2"]),
        ("#{BIRTHS}.periodOffset( - 1 ).periodOffset(-1)", ["e:BIRTHS@-2"]),
        ("#{BIRTHS}.periodOffset(-1).periodOffset(1)", ["e:BIRTHS"]),
        ("N{BIRTH_RATE}.periodOffset(-1)", ["n:BIRTH_RATE@-1"]),
        ("T{ITEM1}", ["t:ITEM1"]),
        ("R{DS.REPORTING_RATE}", ["r:DS:REPORTING_RATE"]),
        ("R{DS.REPORTING_RATE_ON_TIME}", ["r:DS:REPORTING_RATE_ON_TIME"]),
        (
            "(#{BIRTHS} - #{BIRTHS}.periodOffset(-1)) / #{BIRTHS}.periodOffset(-1)",
            ["e:BIRTHS", "e:BIRTHS@-1"],
        ),
    ],
)
def test_compiled_expressions_read_the_columns_named_by_the_convention(
    text: str, columns: list[str]
) -> None:
    compiled = compile_expression(text, CONTEXT)
    assert sorted(set(compiled.expr.meta.root_names())) == columns


def test_period_offset_reads_the_previous_period_values() -> None:
    frame = pl.DataFrame({"e:BIRTHS": [110.0, 90.0], "e:BIRTHS@-1": [100.0, 100.0]})
    text = "(#{BIRTHS} - #{BIRTHS}.periodOffset(-1)) / #{BIRTHS}.periodOffset(-1) * 100"
    assert evaluate(text, frame) == pytest.approx([10.0, -10.0])


def test_period_offset_is_recorded_in_the_tree() -> None:
    tree = parse("#{BIRTHS}.periodOffset(-1) + N{RATE}.periodOffset(-3)")
    assert isinstance(tree, Binary)
    assert tree.left == ElementRef(line=1, column=1, code="BIRTHS", offset=-1)
    assert tree.right == IndicatorRef(line=1, column=30, code="RATE", offset=-3)


# --- references --------------------------------------------------------------------------


def test_referenced_codes_lists_every_operand_without_a_context() -> None:
    text = """
        if(isNull(#{BIRTHS}.periodOffset(-1)),
           C{K} * N{RATE} + #{UNKNOWN_TO_CONTEXT},
           T{ITEM1} / R{DS.REPORTING_RATE_ON_TIME} + #{BIRTHS} + R{DS.REPORTING_RATE})
    """
    assert referenced_codes(text) == References(
        elements=frozenset({("BIRTHS", -1), ("BIRTHS", 0), ("UNKNOWN_TO_CONTEXT", 0)}),
        indicators=frozenset({("RATE", 0)}),
        constants=frozenset({"K"}),
        items=frozenset({"ITEM1"}),
        datasets=frozenset({("DS", "REPORTING_RATE_ON_TIME"), ("DS", "REPORTING_RATE")}),
    )


def test_compiled_references_include_branches_folded_away() -> None:
    compiled = compile_expression("if(true, 1, #{BIRTHS}) + C{K}", CONTEXT)
    assert compiled.constant_value == 3.5
    assert compiled.references.elements == frozenset({("BIRTHS", 0)})
    assert compiled.references.constants == frozenset({"K"})


def test_referenced_codes_of_a_disaggregated_element_name_the_element() -> None:
    assert referenced_codes("#{BIRTHS.COC1}").elements == frozenset({("BIRTHS", 0)})


def test_referenced_codes_raises_on_syntax_errors() -> None:
    with pytest.raises(ExpressionError):
        referenced_codes("#{A} +")


def test_codes_may_hold_dhis2_uid_characters() -> None:
    refs = referenced_codes("#{fbfJHSPpUQD} + #{a-b_C9}")
    assert refs.elements == frozenset({("fbfJHSPpUQD", 0), ("a-b_C9", 0)})


# --- constant folding --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1 + 0.2", 0.3),
        ("0.1 + 0.2 == 0.3", True),
        ("C{TENTH} * 3", 0.3),
        ("C{TENTH} * 3 == 0.3", True),
        ("C{K} * C{HUNDRED}", 250.0),
        ("1e3 / 8", 125.0),
        (".5 + 1.", 1.5),
        ("10 / 4", 2.5),
        ("2 ^ 0.5", math.sqrt(2)),
        ("0 ^ 0", 1.0),
        ("-0.5 ^ 2", -0.25),
        ("(1 + 2) * 3 > 8 && !false", True),
        ("round(C{K})", 3.0),
        ("isNull(C{K})", False),
        ("firstNonNull(C{K}, 1)", 2.5),
        ("greatest(C{K}, 3)", 3.0),
        ("if(C{K} > 2, 1, 0)", 1.0),
    ],
)
def test_constant_subexpressions_fold_with_decimal_arithmetic(
    text: str, expected: float | bool
) -> None:
    compiled = compile_expression(text, CONTEXT)
    assert compiled.constant_value == expected
    assert compiled.expr.meta.root_names() == []
    assert value_of(text) == expected


def test_constant_value_is_none_when_the_expression_reads_columns() -> None:
    compiled = compile_expression("#{A} * (1 + 2)", CONTEXT)
    assert compiled.constant_value is None
    frame = pl.DataFrame({"e:A": [2.0]})
    assert frame.select(compiled.expr)[:, 0].to_list() == [6.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("false && #{A} > 0", False),
        ("#{A} > 0 && false", False),
        ("true || #{A} > 0", True),
        ("#{A} > 0 || true", True),
    ],
)
def test_a_decisive_constant_side_folds_logic_even_beside_columns(
    text: str, expected: bool
) -> None:
    assert compile_expression(text, CONTEXT).constant_value is expected


def test_folded_constants_keep_their_types() -> None:
    assert compile_expression("1 < 2", CONTEXT).type is ExprType.BOOLEAN
    assert compile_expression("C{K}", CONTEXT).type is ExprType.NUMBER
    assert isinstance(compile_expression("1 < 2", CONTEXT).constant_value, bool)
    assert isinstance(compile_expression("3", CONTEXT).constant_value, float)


# --- the expected type -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#{A} > 1", ExprType.BOOLEAN),
        ("#{A} + 1", ExprType.NUMBER),
        ("true", ExprType.BOOLEAN),
        ("if(#{A} > 1, 1, 2)", ExprType.NUMBER),
    ],
)
def test_expected_type_accepts_matching_expressions(text: str, expected: ExprType) -> None:
    assert compile_expression(text, CONTEXT, expected=expected).type is expected


def test_a_veto_condition_must_be_a_condition() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("#{A} +\n #{B}", CONTEXT, expected=ExprType.BOOLEAN)
    error = caught.value
    assert error.code == "expected_type"
    assert "应为条件表达式（真/假）" in error.message_zh
    assert "expected a condition (true/false)" in error.message_en
    assert (error.line, error.column) == (1, 6)  # the operator at the top of the tree


def test_a_numerator_must_be_a_number() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("#{A} > 1", CONTEXT, expected=ExprType.NUMBER)
    assert caught.value.code == "expected_type"
    assert "expected a number" in caught.value.message_en


# --- the context and the result ----------------------------------------------------------


def test_compile_context_is_hashable_and_read_only() -> None:
    constants = {"K": 1.0}
    context = CompileContext(elements=frozenset({"A"}), constants=constants)
    constants["K"] = 2.0  # the caller's dict changing later must not change the context
    assert context.constants["K"] == 1.0
    assert hash(context) == hash(CompileContext(elements=frozenset({"A"}), constants={"K": 5.0}))
    with pytest.raises(TypeError):
        context.constants["K"] = 3.0  # type: ignore[index]


def test_constants_may_be_ints_floats_or_decimals() -> None:
    context = CompileContext(constants={"I": 3, "F": 0.1, "D": Decimal("0.2")})
    assert compile_expression("C{I} + C{F} + C{D}", context).constant_value == 3.3


@pytest.mark.parametrize(
    "text",
    ["if(#{A} > 1, #{A}, 0)", "greatest(#{A} + 1, 2)", "#{A} % 2", "round(#{A} / 3, 1)", "7"],
)
def test_expressions_evaluate_on_an_empty_frame(text: str) -> None:
    frame = pl.DataFrame({"e:A": []}, schema={"e:A": pl.Float64})
    assert evaluate(text, frame) == []


def test_compiled_expressions_compare_by_source_not_by_polars_expression() -> None:
    first = compile_expression("#{A} + 1", CONTEXT)
    second = compile_expression("#{A} + 1", CONTEXT)
    assert first == second
    assert hash(first) == hash(second)


def test_parse_keeps_positions_and_exact_decimal_literals() -> None:
    tree = parse("1 +\n  2.50")
    assert isinstance(tree, Binary)
    assert (tree.line, tree.column) == (1, 3)
    assert tree.right == Number(line=2, column=3, value=Decimal("2.50"), text="2.50")
