"""The NumPy backend (``CompiledExpression.evaluate``) gives the Polars backend's results.

Every expression here is evaluated both ways on the same data: with Polars, from a frame in
which NaN has become null, and with NumPy, from float64 arrays in which NaN means null. The
two must agree: the same nulls (NaN) in the same places and the same values within 1e-12
relative, booleans compared as 1.0 / 0.0.

They nearly always agree to the last bit. The tolerance covers ``^`` (NumPy's SIMD ``power``
and the C library's ``pow``, which Polars calls, may differ in the last binary digit) and
Polars' own one-row frames, where it divides instead of multiplying by a reciprocal inside
``round_half_up_expr`` and special-cases ``x ^ column`` by the exponent's value.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kaohe.engine.expressions import (
    CompileContext,
    CompiledExpression,
    ExpressionError,
    ExprType,
    compile_expression,
)
from kaohe.engine.rounding import round_half_up_array
from tests.engine.test_expressions import (
    AND,
    CONTEXT,
    DIGITS,
    FUNCTIONS,
    FUNCTIONS_ON_FRAMES,
    NULL_NOT_INF,
    OR,
    PRECEDENCE,
    TRUTH,
    with_columns,
)

FloatArray = npt.NDArray[np.float64]
Values = Sequence[float | None]

# --- evaluating both ways ----------------------------------------------------------------


def as_arrays(columns: Mapping[str, Values]) -> dict[str, FloatArray]:
    """The columns as read-only float64 arrays, None as NaN.

    Read-only, so that a kernel writing over an input column fails loudly.
    """
    arrays = {}
    for name, values in columns.items():
        array = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
        array.flags.writeable = False
        arrays[name] = array
    return arrays


def with_polars(
    compiled: CompiledExpression, arrays: Mapping[str, FloatArray], n: int
) -> FloatArray:
    """The Polars backend's values, null as NaN and booleans as 1.0 / 0.0."""
    if arrays:
        frame = pl.DataFrame(dict(arrays), schema={name: pl.Float64 for name in arrays})
        frame = frame.fill_nan(None)  # NaN means missing: make it Polars' null
    else:
        frame = pl.DataFrame({"unit": range(n)})
    # with_columns, as the engine uses it: a folded constant broadcasts to every row.
    series = frame.with_columns(compiled.expr.alias("x"))["x"]
    expected_dtype = pl.Boolean if compiled.type is ExprType.BOOLEAN else pl.Float64
    assert series.dtype == expected_dtype
    values: FloatArray = series.cast(pl.Float64).fill_null(math.nan).to_numpy()
    return values


def assert_same(numpy_values: FloatArray, polars_values: FloatArray, text: str = "") -> None:
    """Nulls in the same places and values equal within 1e-12 relative."""
    assert numpy_values.dtype == np.float64
    assert numpy_values.shape == polars_values.shape, text
    assert np.array_equal(np.isnan(numpy_values), np.isnan(polars_values)), (
        text,
        numpy_values,
        polars_values,
    )
    present = ~np.isnan(polars_values)
    np.testing.assert_allclose(
        numpy_values[present], polars_values[present], rtol=1e-12, atol=0, err_msg=text
    )


def both_ways(
    text: str,
    columns: Mapping[str, Values] | None = None,
    context: CompileContext = CONTEXT,
    n: int | None = None,
) -> FloatArray:
    """Evaluate ``text`` with NumPy and with Polars, assert they agree, return the values."""
    compiled = compile_expression(text, context)
    arrays = as_arrays(columns or {})
    if n is None:
        n = len(next(iter(arrays.values()))) if arrays else 1
    numpy_values = compiled.evaluate(arrays, n)
    assert_same(numpy_values, with_polars(compiled, arrays, n), text)
    for array in arrays.values():
        assert not np.shares_memory(numpy_values, array)  # the caller owns the result
    return numpy_values


def as_list(values: FloatArray) -> list[float | None]:
    """NaN as None, to compare with the tables of the Polars tests."""
    return [None if math.isnan(value) else float(value) for value in values]


def expected(value: float | bool | None) -> float | None:
    """A table's expected value in the NumPy encoding (None stays None for as_list)."""
    if value is None:
        return None
    return float(value)


DIGIT_COLUMNS = {f"e:{code}": [value] for code, value in DIGITS.items()}


# --- the tables of the Polars tests ------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), PRECEDENCE)
def test_precedence_table_gives_the_same_values_with_numpy_as_with_polars(
    text: str, value: float | bool
) -> None:
    for variant in (text, with_columns(text)):  # folded, and computed from columns
        (result,) = as_list(both_ways(variant, DIGIT_COLUMNS))
        assert result == pytest.approx(expected(value), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("text", "value"), FUNCTIONS_ON_FRAMES)
def test_every_function_gives_the_same_value_with_numpy_as_with_polars(
    text: str, value: float | bool
) -> None:
    values = {**DIGITS, "MINUS_2_5": -2.5, "P10_625": 10.625, "P1_005": 1.005, "P2_45": 2.45}
    context = CompileContext(elements=frozenset(values))
    (result,) = as_list(both_ways(text, {f"e:{c}": [v] for c, v in values.items()}, context))
    assert result == pytest.approx(expected(value), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("text", "value"), FUNCTIONS)
def test_every_folded_function_broadcasts_its_constant_with_numpy(
    text: str, value: float | bool
) -> None:
    result = both_ways(text, n=3)
    assert as_list(result) == [pytest.approx(expected(value), rel=1e-12, abs=1e-12)] * 3


@pytest.mark.parametrize(
    ("text", "columns", "values"),
    [
        ("if(#{A} > 1, 10, 20)", {"e:A": [5.0, 0.0, None]}, [10.0, 20.0, None]),
        ("if(#{A} > 1, #{A} > 4, false)", {"e:A": [5.0, 0.0, None]}, [1.0, 0.0, None]),
        (
            "greatest(#{A}, #{B})",
            {"e:A": [1.0, None, 7.0], "e:B": [3.0, 2.0, None]},
            [3, None, None],
        ),
        (
            "least(#{A}, #{B}, 2)",
            {"e:A": [1.0, None, 7.0], "e:B": [3.0, 2.0, None]},
            [1, None, None],
        ),
        ("greatest(#{A} + 0, 5)", {"e:A": [1.0, None, 7.0]}, [5.0, None, 7.0]),
        ("firstNonNull(#{A}, #{B})", {"e:A": [1.0, None, None], "e:B": [3, 2, None]}, [1, 2, None]),
        ("firstNonNull(#{A}, #{B}, 0)", {"e:A": [1.0, None, None], "e:B": [3, 2, None]}, [1, 2, 0]),
        (
            "firstNonNull(#{A} > 0, #{B} > 2)",
            {"e:A": [1.0, None, None], "e:B": [3.0, 2.0, None]},
            [1.0, 0.0, None],
        ),
        ("isNull(#{A})", {"e:A": [1.0, None]}, [0.0, 1.0]),
        ("isNotNull(#{A})", {"e:A": [1.0, None]}, [1.0, 0.0]),
        ("isNull(#{A} > 0)", {"e:A": [1.0, None]}, [0.0, 1.0]),
        ("abs(#{A})", {"e:A": [-1.5, None, 2.0]}, [1.5, None, 2.0]),
        (
            "#{A} % #{B}",
            {"e:A": [7.0, -7.0, 7.0, -7.0, 7.5], "e:B": [3.0, 3.0, -3.0, -3.0, 2.0]},
            [1.0, -1.0, 1.0, -1.0, 1.5],
        ),
        ("#{A} % 3", {"e:A": [7.0, -7.0, 7.5, None]}, [1.0, -1.0, 1.5, None]),
        ("(#{A} + 0) % -3", {"e:A": [7.0, -7.0, 7.5, None]}, [1.0, -1.0, 1.5, None]),
        ("7 % #{A}", {"e:A": [3.0, -3.0, 2.0, None]}, [1.0, 1.0, 1.0, None]),
    ],
)
def test_functions_and_nulls_on_several_rows_agree_with_polars(
    text: str, columns: dict[str, Values], values: list[float | None]
) -> None:
    assert as_list(both_ways(text, columns)) == values


# --- three-valued logic ------------------------------------------------------------------


def truth_columns() -> tuple[dict[str, Values], list[tuple[str, str]]]:
    pairs = list(AND)
    return {"e:A": [TRUTH[a] for a, _ in pairs], "e:B": [TRUTH[b] for _, b in pairs]}, pairs


@pytest.mark.parametrize("spelling", ["&&", "and"])
def test_and_follows_kleene_logic_in_all_nine_cases_with_numpy(spelling: str) -> None:
    columns, pairs = truth_columns()
    result = both_ways(f"#{{A}} > 0 {spelling} #{{B}} > 0", columns)
    assert as_list(result) == [expected(AND[pair]) for pair in pairs]


@pytest.mark.parametrize("spelling", ["||", "or"])
def test_or_follows_kleene_logic_in_all_nine_cases_with_numpy(spelling: str) -> None:
    columns, pairs = truth_columns()
    result = both_ways(f"#{{A}} > 0 {spelling} #{{B}} > 0", columns)
    assert as_list(result) == [expected(OR[pair]) for pair in pairs]


def test_not_of_true_false_and_null_is_false_true_and_null_with_numpy() -> None:
    columns = {"e:A": [1.0, -1.0, None]}
    assert as_list(both_ways("!(#{A} > 0)", columns)) == [0.0, 1.0, None]
    assert as_list(both_ways("not (#{A} > 0)", columns)) == [0.0, 1.0, None]
    assert as_list(both_ways("!!(#{A} > 0)", columns)) == [1.0, 0.0, None]


@pytest.mark.parametrize("constant", ["true", "false"])
def test_kleene_logic_with_one_constant_side_agrees_with_polars(constant: str) -> None:
    columns = {"e:A": [1.0, -1.0, None]}
    states = ("true", "false", "null")
    assert as_list(both_ways(f"{constant} && #{{A}} > 0", columns)) == [
        expected(AND[(constant, state)]) for state in states
    ]
    assert as_list(both_ways(f"#{{A}} > 0 || {constant}", columns)) == [
        expected(OR[(state, constant)]) for state in states
    ]


@pytest.mark.parametrize("op", ["==", "!="])
def test_conditions_compare_with_equality_in_all_nine_cases(op: str) -> None:
    columns, pairs = truth_columns()
    result = as_list(both_ways(f"(#{{A}} > 0) {op} (#{{B}} > 0)", columns))
    for (a, b), value in zip(pairs, result, strict=True):
        if "null" in (a, b):
            assert value is None
        else:
            assert value == float((a == b) == (op == "=="))


def test_if_with_a_null_condition_is_null_with_numpy() -> None:
    columns = {"e:A": [5.0, 0.0, None], "e:B": [1.0, 2.0, 3.0]}
    assert as_list(both_ways("if(#{A} > 1, #{B}, -#{B})", columns)) == [1.0, -2.0, None]


@pytest.mark.parametrize(
    "text",
    [
        "if(#{A} > 0, #{B} > 1, #{B} < 1)",
        "if(#{A} > 0, true, #{B} < 1)",
        "firstNonNull(#{A} > 0, #{B} > 1, false)",
        "(#{A} > 0) == true",
        "(#{A} > 0) != (#{B} > 1)",
        "isNull(#{A} > #{B})",
        "isNotNull(#{A} > #{B}) || #{B} == 2",
        "!(#{A} > 0 && #{B} > 1) || !isNull(#{B})",
    ],
)
def test_conditions_built_from_conditions_agree_with_polars(text: str) -> None:
    columns = {"e:A": [1.0, -1.0, None, 1.0, None, 0.0], "e:B": [2.0, 0.0, 1.0, None, None, 2.0]}
    both_ways(text, columns)


@pytest.mark.parametrize(
    "text",
    [
        "if(#{A} > 0, #{B} * 2, 0)",  # written over the first branch
        "if(#{A} > 0, 1, #{B} * 2)",  # written over the second branch
        "if(#{A} > 0, #{B}, 1)",  # a new array: the branches are a column and a constant
        "if(#{A} > 0, #{B}, #{A})",
        "if(#{A} > 0, #{B} / #{A}, -#{B})",
    ],
)
def test_if_gives_the_same_values_whichever_array_it_writes_into(text: str) -> None:
    columns = {"e:A": [1.0, -1.0, None, 0.0, 2.0], "e:B": [2.0, 3.0, 4.0, None, 5.0]}
    both_ways(text, columns)


# --- nulls, division by zero, overflow ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "#{A} + 1",
        "#{A} - 1",
        "2 * #{A}",
        "#{A} / 2",
        "2 / #{A}",
        "#{A} % 2",
        "#{A} ^ 2",
        "#{A} ^ 0",
        "#{A} ^ 1",
        "#{A} ^ 0.5",
        "#{A} ^ -1",
        "2 ^ #{A}",
        "1 ^ #{A}",
        "-#{A}",
        "abs(#{A})",
        "round(#{A})",
        "round(#{A}, 2)",
        "greatest(#{A}, 1)",
        "least(#{A}, 1)",
        "if(#{A} > 1, #{A}, 0)",
    ],
)
def test_null_propagates_through_arithmetic_with_numpy(text: str) -> None:
    result = both_ways(text, {"e:A": [None, 4.0]})
    assert math.isnan(result[0]) and not math.isnan(result[1])


@pytest.mark.parametrize(
    "text", ["#{A} > 1", "#{A} < 1", "#{A} >= 1", "#{A} <= 1", "#{A} == 1", "#{A} != 1"]
)
def test_null_propagates_through_comparisons_with_numpy(text: str) -> None:
    result = both_ways(text, {"e:A": [None, 1.0, 2.0]})
    assert math.isnan(result[0]) and set(result[1:]) <= {0.0, 1.0}


@pytest.mark.parametrize("text", NULL_NOT_INF)
def test_division_by_zero_and_overflow_give_null_with_numpy(text: str) -> None:
    columns = {"e:A": [3.0, 3.0], "e:ZERO": [0.0, 0.0], "e:BIG": [1e200, 1e200]}
    assert as_list(both_ways(text, columns)) == [None, None]


def test_a_null_from_division_by_zero_behaves_as_missing_everywhere_with_numpy() -> None:
    columns = {"e:A": [3.0, 3.0], "e:ZERO": [0.0, 1.0]}
    assert as_list(both_ways("isNull(#{A} / #{ZERO})", columns)) == [1.0, 0.0]
    assert as_list(both_ways("isNotNull(#{A} / #{ZERO})", columns)) == [0.0, 1.0]
    assert as_list(both_ways("#{A} / #{ZERO} > 0", columns)) == [None, 1.0]
    assert as_list(both_ways("#{A} / #{ZERO} == #{A} / #{ZERO}", columns)) == [None, 1.0]
    assert as_list(both_ways("firstNonNull(#{A} / #{ZERO}, 7)", columns)) == [7.0, 3.0]
    assert as_list(both_ways("#{A} / #{ZERO} * 100", columns)) == [None, 300.0]
    assert as_list(both_ways("#{A} % #{ZERO}", columns)) == [None, 0.0]
    assert as_list(both_ways("(#{A} - 3) ^ -1", columns)) == [None, None]


def test_division_by_zero_on_many_rows_leaves_other_rows_alone_with_numpy() -> None:
    count = 100_000
    columns = {"e:A": [float(i) for i in range(count)], "e:B": [float(i % 3) for i in range(count)]}
    result = both_ways("#{A} / #{B} * 100", columns)
    assert np.isnan(result).sum() == len(range(0, count, 3))
    assert np.isfinite(result[~np.isnan(result)]).all()


# --- Polars' own float arithmetic, reproduced --------------------------------------------


def test_division_by_a_constant_multiplies_by_its_reciprocal_as_polars_does() -> None:
    # 3 * 0.1, not 3 / 10: Polars divides by a scalar with its reciprocal.
    assert both_ways("#{A} / 10", {"e:A": [3.0]})[0] == 0.30000000000000004
    assert both_ways("#{A} / #{B}", {"e:A": [3.0], "e:B": [10.0]})[0] == 0.3
    assert both_ways("#{A} / 10 == 0.3", {"e:A": [3.0]})[0] == 0.0


@pytest.mark.parametrize(
    "text", ["#{A} % 0.1", "(#{A} + 0) % 0.1", "#{A} % #{B}", "abs(#{A}) % 0.1", "0.1 % #{A}"]
)
def test_remainders_of_inexact_decimals_carry_the_same_float_noise_as_polars(text: str) -> None:
    columns = {"e:A": [-80.6, 39.4, 5.3, 1.0, 0.3], "e:B": [0.1] * 5}
    both_ways(text, columns)


@pytest.mark.parametrize(
    "text", ["#{A} / 10", "#{A} / 3 * 3", "#{A} % 0.1", "(#{A} + 0) % 0.1", "-#{A} % 0.3"]
)
def test_polars_gives_a_unit_the_same_value_in_a_one_row_frame_as_among_others(
    text: str,
) -> None:
    # Polars divides by a scalar with its reciprocal, but divides in a one-row frame (3 / 10
    # is 0.3 there and 0.30000000000000004 in a larger frame); the compiler spells the
    # reciprocal out so that a unit's value does not depend on the other units.
    values = [-80.6, 39.4, 5.3, 3.0, 0.3, 1.0]
    compiled = compile_expression(text, CONTEXT)
    together = pl.DataFrame({"e:A": values}).select(compiled.expr)[:, 0].to_list()
    alone = [pl.DataFrame({"e:A": [v]}).select(compiled.expr)[:, 0].item() for v in values]
    assert alone == together
    assert compiled.evaluate(as_arrays({"e:A": values}), len(values)).tolist() == together


@pytest.mark.parametrize("text", ["0 < #{A}", "1 >= #{A}", "2 == #{A}", "(1 < 2) != (#{A} > 0)"])
def test_a_constant_on_the_left_compares_with_a_column_polars_holds_as_one_value(
    text: str,
) -> None:
    # A left join that matches nothing gives a column Polars stores as one repeated null;
    # Polars 2.1 then fails on "literal < column" (one row, or an error in with_columns),
    # so the compiler puts the literal on the right.
    units = pl.DataFrame({"unit": ["a", "b", "c"]})
    data = pl.DataFrame({"unit": ["z"], "e:A": [1.0]})
    frame = units.join(data, on="unit", how="left")
    compiled = compile_expression(text, CONTEXT)
    assert frame.with_columns(compiled.expr.alias("x"))["x"].to_list() == [None] * 3
    assert np.isnan(both_ways(text, {"e:A": [None, None, None]})).all()


@pytest.mark.parametrize("exponent", ["0", "0.5", "1", "2", "3", "4", "9", "10", "-1", "-2", "1.5"])
def test_powers_by_constants_agree_with_polars(exponent: str) -> None:
    columns = {"e:A": [2.0, 3.7, -1.3, 0.0, 1e-3, 123.456, None]}
    both_ways(f"#{{A}} ^ {exponent}", columns)
    both_ways(f"(#{{A}} - 1) ^ {exponent}", columns)


# --- operands ----------------------------------------------------------------------------


def test_period_offset_columns_are_read_by_numpy() -> None:
    columns = {"e:BIRTHS": [110.0, 90.0, None], "e:BIRTHS@-1": [100.0, 100.0, 100.0]}
    text = "(#{BIRTHS} - #{BIRTHS}.periodOffset(-1)) / #{BIRTHS}.periodOffset(-1) * 100"
    assert as_list(both_ways(text, columns)) == [
        pytest.approx(10.0),
        pytest.approx(-10.0),
        None,
    ]
    assert as_list(both_ways("#{BIRTHS}.periodOffset(-1).periodOffset(1)", columns)) == [
        110.0,
        90.0,
        None,
    ]
    indicator = {"n:BIRTH_RATE": [1.5, None], "n:BIRTH_RATE@-1": [1.0, 2.0]}
    text = "N{BIRTH_RATE} - N{BIRTH_RATE}.periodOffset(-1)"
    assert as_list(both_ways(text, indicator)) == [0.5, None]


def test_reporting_rate_and_target_operands_are_read_by_numpy() -> None:
    columns = {
        "r:DS:REPORTING_RATE": [100.0, 80.0, None],
        "r:DS:REPORTING_RATE_ON_TIME": [90.0, 50.0, 10.0],
        "t:ITEM1": [95.0, 95.0, 95.0],
    }
    text = "R{DS.REPORTING_RATE} >= T{ITEM1} && R{DS.REPORTING_RATE_ON_TIME} > 60"
    assert as_list(both_ways(text, columns)) == [1.0, 0.0, 0.0]
    text = "R{DS.REPORTING_RATE} - R{DS.REPORTING_RATE_ON_TIME}"
    assert as_list(both_ways(text, columns)) == [10.0, 30.0, None]


# --- rounding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "result"),
    [
        ("round(#{A}, 2)", 10.625, 10.63),
        ("round(#{A}, 2)", -10.625, -10.63),
        ("round(#{A}, 2)", 1.005, 1.01),
        ("round(#{A})", -2.5, -3.0),
        ("round(#{A})", 2.5, 3.0),
        ("round(#{A})", 2.4, 2.0),
        ("round(#{A}, 1)", 2.45, 2.5),
        ("round(#{A}, 0)", 7.0, 7.0),
        ("round(#{A} / 100, 2)", 7521.0, 75.21),
        ("round(#{A} * 3, 1)", 0.1, 0.3),
        ("round(#{A}, 10)", 0.12345678905, 0.1234567891),
    ],
)
def test_round_is_half_up_away_from_zero_with_numpy(text: str, value: float, result: float) -> None:
    assert both_ways(text, {"e:A": [value]})[0] == result


def test_round_half_up_works_on_columns_with_float_noise_with_numpy() -> None:
    columns = {"e:A": [7521.0, 1062.5, -2.5, 0.125, None], "e:B": [100.0, 100, 1, 1, 1]}
    assert as_list(both_ways("round(#{A} / #{B}, 2)", columns)) == [75.21, 10.63, -2.5, 0.13, None]
    assert as_list(both_ways("round(#{A} / #{B})", columns)) == [75.0, 11.0, -3.0, 0.0, None]


@pytest.mark.parametrize(
    "text",
    ["round(#{A} / #{B}, 2)", "round(#{A} / #{B} * 100)", "round(-#{A} / #{B}, 1) + 1"],
)
def test_round_of_a_division_by_zero_is_null_and_leaves_other_units_alone(text: str) -> None:
    columns = {"e:A": [1.0, 2.0, -3.0, 0.0, None], "e:B": [3.0, 0.0, 7.0, 0.0, 1.0]}
    result = both_ways(text, columns)
    assert np.isnan(result).tolist() == [False, True, False, True, True]


@pytest.mark.parametrize("digits", [0, 1, 2, 6, 10])
def test_round_of_huge_values_agrees_with_polars(digits: int) -> None:
    # NumPy's np.round overflows to inf where Polars' round returns its argument; the
    # kernel must take the same side for every magnitude.
    values: list[float | None] = [1e303, -1.7e308, 1e200, 6e12, 5.63e12, 2.0**52 + 1, 1e16 + 2]
    values += [123456789.125, None, 0.5]
    result = both_ways(f"round(#{{A}}, {digits})", {"e:A": values})
    if digits == 0:
        assert result[0] == 1e303  # not null: NumPy's np.round(1e303, 6) would be inf


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=False),
            st.integers(-(10**9), 10**9).map(lambda i: i / 1000),
            st.integers(-(10**6), 10**6).map(lambda i: i / 8),
        ),
        min_size=1,
        max_size=8,
    ),
    digits=st.integers(0, 10),
    scale=st.sampled_from(["", " / 100", " * 100", " / 3"]),
)
def test_round_agrees_with_polars_for_any_float(
    values: list[float], digits: int, scale: str
) -> None:
    both_ways(f"round(#{{A}}{scale}, {digits})", {"e:A": values})


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=-1e6, max_value=1e6),
            st.integers(-(10**9), 10**9).map(lambda i: i / 1000),
        ),
        min_size=1,
        max_size=8,
    ),
    digits=st.integers(0, 3),
)
def test_round_is_round_half_up_array_then_numpy_round_for_ordinary_figures(
    values: list[float], digits: int
) -> None:
    # The kernel computes round_half_up_array's steps in place; for figures below 10^6 the
    # result is the shared helper's, and np.round (to shed binary noise) leaves it alone.
    array = np.array(values, dtype=np.float64)
    compiled = compile_expression(f"round(#{{A}}, {digits})", CONTEXT)
    result = compiled.evaluate({"e:A": array}, len(values))
    expected = np.round(round_half_up_array(array, digits), digits)
    np.testing.assert_array_equal(result, expected)


# --- the result and its errors -----------------------------------------------------------


def test_a_missing_column_raises_a_key_error_naming_it() -> None:
    compiled = compile_expression("#{A} + #{B}.periodOffset(-1)", CONTEXT)
    with pytest.raises(KeyError) as caught:
        compiled.evaluate({"e:A": np.array([1.0])}, 1)
    assert caught.value.args == ("e:B@-1",)


def test_a_missing_column_in_any_firstnonnull_argument_raises_a_key_error() -> None:
    compiled = compile_expression("firstNonNull(#{A}, #{B})", CONTEXT)
    with pytest.raises(KeyError) as caught:
        compiled.evaluate({"e:A": np.array([1.0])}, 1)  # #{B} is never needed, still read
    assert caught.value.args == ("e:B",)


def test_branches_folded_away_read_no_columns() -> None:
    compiled = compile_expression("if(true, 1, #{BIRTHS}) + C{K}", CONTEXT)
    assert compiled.evaluate({}, 2).tolist() == [3.5, 3.5]


def test_a_column_of_the_wrong_length_is_an_error() -> None:
    compiled = compile_expression("#{A} + 1", CONTEXT)
    with pytest.raises(ValueError, match="e:A"):
        compiled.evaluate({"e:A": np.array([1.0, 2.0])}, 3)


def test_results_are_float64_arrays_of_n_values_even_for_constants() -> None:
    for text, value in [("3", 3.0), ("1 < 2", 1.0), ("1 > 2", 0.0), ("C{K} * 2", 5.0)]:
        result = compile_expression(text, CONTEXT).evaluate({}, 4)
        assert result.dtype == np.float64 and result.tolist() == [value] * 4


def test_integer_columns_are_read_as_floats_with_numpy() -> None:
    compiled = compile_expression("#{A} / #{B}", CONTEXT)
    result = compiled.evaluate({"e:A": np.array([7, 2]), "e:B": np.array([2, 4])}, 2)
    assert result.dtype == np.float64 and result.tolist() == [3.5, 0.5]


@pytest.mark.parametrize(
    "text", ["#{A}", "+#{A}", "greatest(#{A})", "firstNonNull(#{A})", "#{A} ^ 1", "7", "true"]
)
def test_the_result_is_a_new_array_the_caller_may_modify(text: str) -> None:
    column = np.array([1.0, 2.0])
    column.flags.writeable = False  # no kernel writes to its inputs
    result = compile_expression(text, CONTEXT).evaluate({"e:A": column}, 2)
    assert not np.shares_memory(result, column)
    result[0] = 42.0


@pytest.mark.parametrize(
    "text",
    ["if(#{A} > 1, #{A}, 0)", "greatest(#{A} + 1, 2)", "#{A} % 2", "round(#{A} / 3, 1)", "7"],
)
def test_expressions_evaluate_on_no_units(text: str) -> None:
    assert both_ways(text, {"e:A": []}, n=0).shape == (0,)


def test_the_numpy_form_takes_no_part_in_equality_hashing_or_repr() -> None:
    first = compile_expression("#{A} + 1", CONTEXT)
    second = compile_expression("#{A} + 1", CONTEXT)
    assert first.kernel is not second.kernel
    assert first == second and hash(first) == hash(second)
    assert "kernel" not in repr(first)


def test_compiled_expressions_still_pickle_and_evaluate_afterwards() -> None:
    compiled = compile_expression("round(if(#{A} > 0, #{A} % 0.3, -1) ^ 2, 2)", CONTEXT)
    copy = pickle.loads(pickle.dumps(compiled))
    assert copy == compiled
    columns = {"e:A": np.array([1.0, -1.0, math.nan])}
    np.testing.assert_array_equal(copy.evaluate(columns, 3), compiled.evaluate(columns, 3))


# --- random expressions ------------------------------------------------------------------

COLUMN_VALUES = st.one_of(
    st.sampled_from([math.nan, 0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3.0, 10.0, -2.5, 0.1, 7.0]),
    st.sampled_from([1e200, -1e200, 1e-300, 2.0**53 + 2]),
    st.floats(allow_nan=True, allow_infinity=False),
    st.integers(-1000, 1000).map(lambda i: i / 10),
)
COLUMN_LEAVES = st.sampled_from(["#{A}", "#{B}", "#{C}"])
NUMBER_LEAVES = st.sampled_from(
    ["0", "1", "2", "3", "0.5", "0.1", "2.5", "10", "100", "1e200", "C{K}"]
)
BOOLEAN_LEAVES = st.sampled_from(["true", "false"])

Typed = tuple[str, ExprType]  # an expression's text and type
NUMBER, BOOLEAN = ExprType.NUMBER, ExprType.BOOLEAN


def number(node: Typed) -> str:
    """``node`` as a number: a condition becomes ``if(c, 1, 0)``."""
    text, kind = node
    return text if kind is NUMBER else f"if({text}, 1, 0)"


def condition(node: Typed) -> str:
    """``node`` as a condition: a number becomes ``(x > 0)``."""
    text, kind = node
    return text if kind is BOOLEAN else f"({text} > 0)"


def like(node: Typed, kind: ExprType) -> str:
    return number(node) if kind is NUMBER else condition(node)


@st.composite
def combine(draw: st.DrawFn, children: st.SearchStrategy[Typed]) -> Typed:
    """One operator or function applied to random children, coerced to the right types."""
    a, b, c = draw(children), draw(children), draw(children)
    shape = draw(
        st.sampled_from(
            ["arithmetic", "negate", "compare", "equal", "logic", "not", "if", "extreme"]
            + ["first", "null", "abs", "round"]
        )
    )
    if shape == "arithmetic":
        op = draw(st.sampled_from(["+", "-", "*", "/", "%", "^"]))
        return f"({number(a)} {op} {number(b)})", NUMBER
    if shape == "negate":
        return f"(-{number(a)})", NUMBER
    if shape == "compare":
        op = draw(st.sampled_from(["<", ">", "<=", ">=", "==", "!="]))
        return f"({number(a)} {op} {number(b)})", BOOLEAN
    if shape == "equal":
        op = draw(st.sampled_from(["==", "!="]))
        return f"({condition(a)} {op} {condition(b)})", BOOLEAN
    if shape == "logic":
        op = draw(st.sampled_from(["&&", "||", "and", "or"]))
        return f"({condition(a)} {op} {condition(b)})", BOOLEAN
    if shape == "not":
        return f"(!{condition(a)})", BOOLEAN
    if shape == "if":
        return f"if({condition(a)}, {b[0]}, {like(c, b[1])})", b[1]
    if shape == "extreme":
        name = draw(st.sampled_from(["greatest", "least"]))
        args = [number(a), number(b), number(c)][: draw(st.integers(1, 3))]
        return f"{name}({', '.join(args)})", NUMBER
    if shape == "first":
        args = [a[0], like(b, a[1]), like(c, a[1])][: draw(st.integers(1, 3))]
        return f"firstNonNull({', '.join(args)})", a[1]
    if shape == "null":
        return f"{draw(st.sampled_from(['isNull', 'isNotNull']))}({a[0]})", BOOLEAN
    if shape == "abs":
        return f"abs({number(a)})", NUMBER
    digits = draw(st.sampled_from(["", ", 0", ", 1", ", 2", ", 3"]))
    return f"round({number(a)}{digits})", NUMBER


# Columns half the time: an expression of constants only is folded, not evaluated.
LEAVES: st.SearchStrategy[Typed] = st.one_of(
    COLUMN_LEAVES.map(lambda text: (text, NUMBER)),
    COLUMN_LEAVES.map(lambda text: (text, NUMBER)),
    NUMBER_LEAVES.map(lambda text: (text, NUMBER)),
    BOOLEAN_LEAVES.map(lambda text: (text, BOOLEAN)),
)
EXPRESSIONS = st.recursive(LEAVES, combine, max_leaves=12)
RANDOM_CONTEXT = CompileContext(elements=frozenset({"A", "B", "C"}), constants={"K": 2.5})


@settings(max_examples=1500, deadline=None)
@given(
    tree=EXPRESSIONS,
    rows=st.integers(1, 6).flatmap(
        lambda n: st.tuples(*[st.lists(COLUMN_VALUES, min_size=n, max_size=n)] * 3)
    ),
)
def test_random_expressions_give_the_same_values_with_numpy_as_with_polars(
    tree: Typed, rows: tuple[list[float], list[float], list[float]]
) -> None:
    text = tree[0]
    try:
        compile_expression(text, RANDOM_CONTEXT)
    except ExpressionError as error:
        # Constant mistakes (1 / 0, 1e200 ^ 3) are compile errors, not a backend's business.
        assume(error.code not in {"constant_division_by_zero", "constant_invalid"})
        raise
    columns = dict(zip(["e:A", "e:B", "e:C"], rows, strict=True))
    both_ways(text, columns, RANDOM_CONTEXT)
