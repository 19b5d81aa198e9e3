"""Every kind of mistake gets a bilingual message, a 1-based position and a caret under it."""

from __future__ import annotations

import pickle

import pytest

from kaohe.engine.expressions import CompileContext, ExpressionError, compile_expression, parse
from kaohe.engine.expressions.errors import source_excerpt

CONTEXT = CompileContext(
    elements=frozenset({"BIRTHS", "POLICY", "WOMEN"}),
    indicators=frozenset({"BIRTH_RATE"}),
    constants={"K": 2.0},
    items=frozenset({"ITEM1"}),
    datasets=frozenset({"DS"}),
)

# (source, error code, line, column, a fragment of the English message)
ERRORS = [
    # syntax: what was found and what was expected
    ("#{BIRTHS} +\n  * #{POLICY}", "syntax", 2, 3, 'unexpected "*"; expected a value'),
    ("#{BIRTHS}\n  #{POLICY}", "syntax", 2, 3, "expected an operator or the end of the expression"),
    ("round(#{BIRTHS} 2)", "syntax", 1, 17, 'expected an operator, "," or ")"'),
    ("if(#{BIRTHS} > 0,\n   1,\n   2", "syntax", 3, 5, 'the "(" at line 1, column 3 is not closed'),
    ("#{BIRTHS} +\n", "syntax", 1, 12, "unexpected end of the expression; expected a value"),
    ("#{BIRTHS}\n  @ 2", "syntax", 2, 3, 'unexpected character "@"; expected an operator'),
    ("#{BIRTHS} = 2", "syntax", 1, 11, 'use "==" to compare'),
    ("#{BIRTHS} > 0 & #{POLICY} > 0", "syntax", 1, 15, 'use "&&" or "and"'),
    ("#{BIRTHS} > 0 AND #{POLICY} > 0", "syntax", 1, 15, 'keywords are lower case: write "and"'),
    ("#{BIRTHS} > 0 == TRUE", "syntax", 1, 18, 'keywords are lower case: write "true"'),
    ("if(isNull(#{BIRTHS}),\n   null, 1)", "syntax", 2, 4, "there is no null literal"),
    ("BIRTHS / /* WOMEN */ 2", "syntax", 1, 1, "write a data element as #{BIRTHS}"),
    ("1 + #{BIRTHS} * WOMEN", "syntax", 1, 17, '"WOMEN" is not a value'),
    ('#{BIRTHS} == "x"', "syntax", 1, 14, "text strings are not supported"),
    ("1 +\n #{BIRTHS", "syntax", 2, 2, 'the braces of the operand "#{BIRTHS" are not closed'),
    ("#{BIR{THS}", "syntax", 1, 6, 'an operand may not contain "{"'),
    ("n{BIRTH_RATE}", "syntax", 1, 1, 'operand prefixes are upper case: write "N{"'),
    ("1 + /* note\n 2", "syntax", 1, 5, 'unclosed comment: missing "*/"'),
    ("round(#{BIRTHS}，2)", "syntax", 1, 16, 'full-width character "，": use the ASCII ","'),
    ("  \n /* nothing */ ", "empty", 1, 1, "the expression is empty"),
    # operands
    ("#{BIRTHS} +\n    #{BIRTHZ}", "unknown_element", 2, 5, 'unknown data element code "BIRTHZ"'),
    ("1 +\n N{BIRTH_RAT}", "unknown_indicator", 2, 2, 'did you mean "BIRTH_RATE"?'),
    ("#{BIRTH_RATE}", "unknown_element", 1, 1, "is an indicator code: write N{BIRTH_RATE}"),
    ("1 +\n C{KK}", "unknown_constant", 2, 2, 'unknown constant code "KK"'),
    ("T{ITEM9} *\n 2", "unknown_item", 1, 1, 'unknown scoring item code "ITEM9"'),
    ("R{DSX.REPORTING_RATE}", "unknown_dataset", 1, 1, 'unknown data set code "DSX"'),
    ("R{DS}", "unsupported_operand", 1, 5, "unsupported reporting rate metric"),
    ("R{DS.COMPLETENESS}", "unsupported_operand", 1, 6, 'metric ("COMPLETENESS")'),
    ("1 +\n R{DS.reporting_rate}", "unsupported_operand", 2, 7, 'did you mean "REPORTING_RATE"?'),
    ("R{DSX.ACTUAL_REPORTS_ON_TIME}", "unknown_dataset", 1, 1, 'unknown data set code "DSX"'),
    ("1 + D{prog.de}", "unsupported_operand", 1, 5, 'unsupported operand type "D{…}"'),
    ("#{BIR THS}", "invalid_code", 1, 6, 'invalid character a space in code "BIR THS"'),
    ("#{}", "invalid_code", 1, 3, 'missing code in "#{}"'),
    ("#{A.B.C.D}", "invalid_code", 1, 9, "too many parts"),
    ("#{BIRTHS} +\n #{POLICY.abc123}", "disaggregation", 2, 11, "not supported: disaggregation"),
    ("#{BIRTHS.*.aoc}", "disaggregation", 1, 10, "not supported: disaggregation"),
    # functions
    ("1 +\n  sqrt(4)", "unknown_function", 2, 3, 'unknown function "sqrt"'),
    ("Round(2.5)", "unknown_function", 1, 1, 'did you mean "round"?'),
    ("log(2)", "unsupported_function", 1, 1, 'the function "log" is not supported'),
    ("if(true,\n 1)", "arity", 1, 1, "if takes 3 arguments, got 2"),
    ("round(1, 2, 3)", "arity", 1, 1, "round takes 1 or 2 arguments, got 3"),
    ("isNull()", "arity", 1, 1, "isNull takes 1 argument, got 0"),
    ("greatest()", "arity", 1, 1, "greatest takes at least 1 argument, got 0"),
    ('#{BIRTHS} == "x" + 1', "syntax", 1, 14, "unexpected '\"': text strings"),
    ("round(#{BIRTHS}, #{POLICY})", "round_digits", 1, 18, "a whole-number constant"),
    ("round(#{BIRTHS}, 1.5)", "round_digits", 1, 18, "a whole-number constant"),
    ("round(#{BIRTHS}, 11)", "round_digits", 1, 18, "from 0 to 10"),
    # period offsets
    ("#{BIRTHS}.periodOffset(\n 0)", "period_offset", 2, 2, "the offset must not be 0"),
    ("T{ITEM1}.periodOffset(-1)", "period_offset", 1, 10, "applies only to #{element}"),
    ("(#{BIRTHS} + 1).periodOffset(-1)", "period_offset", 1, 17, "applies only to"),
    ("#{BIRTHS}.periodOffset(0.5)", "period_offset", 1, 24, "a whole number"),
    ("#{BIRTHS}.periodOffset(#{POLICY})", "period_offset", 1, 24, "a whole number"),
    ("#{BIRTHS}.periodOffset()", "arity", 1, 11, "periodOffset takes 1 argument, got 0"),
    ("#{BIRTHS}.yearToDate()", "unsupported_function", 1, 11, 'item function ".yearToDate()"'),
    ("#{BIRTHS}.foo(1)", "unknown_function", 1, 11, 'unknown item function ".foo()"'),
    # types: at the operator, or at the offending argument
    ("#{BIRTHS} +\n (#{POLICY} > 1)", "type", 1, 11, "its right side is a condition"),
    ("#{BIRTHS} && true", "type", 1, 11, '"&&" needs a condition (true/false) on each side'),
    ("1 < #{BIRTHS} < 3", "type", 1, 15, "comparisons do not chain"),
    ("-(1 > 2)", "type", 1, 1, '"-" needs a number, but its operand is a condition'),
    ("!#{BIRTHS}", "type", 1, 1, '"!" needs a condition (true/false)'),
    ("1 == true", "type", 1, 3, '"==" compares values of the same type'),
    ("if(#{BIRTHS}, 1, 2)", "type", 1, 4, "argument 1 of if must be a condition"),
    ("if(true, 1,\n   false)", "type", 2, 4, "the two results of if must have the same type"),
    ("greatest(1,\n  2 > 1)", "type", 2, 3, "argument 2 of greatest must be a number"),
    ("firstNonNull(1, true)", "type", 1, 17, "the arguments of firstNonNull must have the same"),
    ("abs(#{BIRTHS} > 0)", "type", 1, 5, "argument 1 of abs must be a number"),
    ("round(true)", "type", 1, 7, "argument 1 of round must be a number"),
    # constants
    ("C{K} /\n (2 - 2)", "constant_division_by_zero", 1, 6, "division by zero in a constant"),
    ("1 + 5 % (3 - 3)", "constant_division_by_zero", 1, 7, "remainder (%) by zero"),
    ("0 ^ -1", "constant_division_by_zero", 1, 3, "0 raised to a negative power"),
    ("#{BIRTHS} / 0", "constant_division_by_zero", 1, 11, 'the divisor of "/" is always 0'),
    ("#{BIRTHS} / (C{K} - 2)", "constant_division_by_zero", 1, 11, "is always 0"),
    ("(-8) ^ 0.5", "constant_invalid", 1, 6, "not a real number"),
    ("10 ^ 400", "constant_invalid", 1, 4, "too large"),
    ("1e400", "number_too_large", 1, 1, "the number 1e400 is too large"),
]


@pytest.mark.parametrize(("text", "code", "line", "column", "fragment"), ERRORS)
def test_every_error_kind_reports_its_position_and_a_caret(
    text: str, code: str, line: int, column: int, fragment: str
) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, CONTEXT)
    error = caught.value
    assert (error.code, error.line, error.column) == (code, line, column), str(error)
    assert fragment in error.message_en
    assert error.message_zh and error.text == text

    header, source, caret = str(error).split("\n")
    assert header == (
        f"第{line}行第{column}列：{error.message_zh} / "
        f"line {line}, column {column}: {error.message_en}"
    )
    assert source == "  " + text.split("\n")[line - 1]
    assert caret == "  " + " " * (column - 1) + "^"


def test_unknown_code_points_a_caret_at_it() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("#{BIRTHS} + #{BIRTHZ}", CONTEXT)
    assert str(caught.value) == (
        '第1行第13列：未知的数据元素代码 "BIRTHZ"（是否应为 "BIRTHS"？） / '
        'line 1, column 13: unknown data element code "BIRTHZ" (did you mean "BIRTHS"?)\n'
        "  #{BIRTHS} + #{BIRTHZ}\n"
        "              ^"
    )


def test_an_unknown_code_without_a_near_miss_has_no_hint() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("#{ZZZ}", CONTEXT)
    assert caught.value.message_en == 'unknown data element code "ZZZ"'
    assert caught.value.message_zh == '未知的数据元素代码 "ZZZ"'


def test_the_caret_lines_up_under_wide_characters_and_tabs() -> None:
    text = "/* 出生 */\t#{NOPE}"
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, CONTEXT)
    error = caught.value
    assert (error.line, error.column) == (1, 10)
    # 出 and 生 take two cells each; the tab is copied so that it expands the same way.
    assert str(error).split("\n")[2] == "  " + "   " + "    " + "   " + "\t" + "^"


def test_the_caret_can_sit_just_past_the_end_of_a_line() -> None:
    assert source_excerpt("1 +", 1, 4) == "  1 +\n     ^"


def test_syntax_errors_are_raised_by_parse_alone() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("1 +\n+")
    assert (caught.value.code, caught.value.line, caught.value.column) == ("syntax", 2, 2)


def test_context_errors_are_not_raised_by_parse() -> None:
    parse("#{ANYTHING} + #{X.COC} + N{Y}.periodOffset(-1)")  # codes are checked when compiling


def test_expression_errors_are_value_errors_that_survive_pickling() -> None:
    with pytest.raises(ValueError) as caught:
        compile_expression("#{BIRTHS} +", CONTEXT)
    error = caught.value
    assert isinstance(error, ExpressionError)
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ExpressionError)
    assert (copy.text, copy.line, copy.column, copy.code) == (
        error.text,
        error.line,
        error.column,
        error.code,
    )
    assert str(copy) == str(error)


@pytest.mark.parametrize("text", ["-" * 5000 + "1", "1" + " + 1" * 5000])
def test_absurdly_deep_expressions_fail_cleanly(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text, CONTEXT)
    assert caught.value.code == "too_deep"


def test_a_constant_that_is_not_a_finite_number_is_reported() -> None:
    context = CompileContext(constants={"BAD": float("nan")})
    with pytest.raises(ExpressionError) as caught:
        compile_expression("C{BAD} + 1", context)
    assert caught.value.code == "constant_invalid"
