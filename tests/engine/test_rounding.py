"""Half-up rounding that agrees with decimal arithmetic, on floats that are not exact."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe.engine.rounding import (
    format_fixed,
    format_fixed_expr,
    format_trimmed,
    format_trimmed_expr,
    round_half_up,
    round_half_up_array,
    round_half_up_expr,
)

CASES = [
    (10.625, 2, 10.63),  # 10.625 * 100 is 1062.4999999999998 in binary
    (7521 / 100, 2, 75.21),  # 75.21000000000001
    (0.125, 2, 0.13),
    (2.5, 0, 3.0),
    (-2.5, 0, -3.0),  # half away from zero, as ROUND_HALF_UP does
    (1.005, 2, 1.01),
    (93.5, 2, 93.5),
]


@pytest.mark.parametrize(("value", "decimals", "expected"), CASES)
def test_half_up_rounds_the_decimal_the_clerk_sees(
    value: float, decimals: int, expected: float
) -> None:
    frame = pl.DataFrame({"x": [value]})
    assert frame.select(round_half_up_expr(pl.col("x"), decimals)).item() == expected
    assert round_half_up_array(np.array([value]), decimals)[0] == expected
    assert float(round_half_up(value, decimals)) == expected


def test_null_and_nan_stay_missing() -> None:
    frame = pl.DataFrame({"x": [None]}, schema={"x": pl.Float64})
    assert frame.select(round_half_up_expr(pl.col("x"), 2)).item() is None
    assert np.isnan(round_half_up_array(np.array([np.nan]), 2)[0])


@pytest.mark.parametrize(
    ("value", "fixed", "trimmed"),
    [
        (17.0, "17.00", "17"),
        (95.0, "95.00", "95"),
        (93.5, "93.50", "93.5"),
        (100.0, "100.00", "100"),
        (-3.0, "-3.00", "-3"),
        (0.005, "0.01", "0.01"),
    ],
)
def test_fixed_and_trimmed_formats(value: float, fixed: str, trimmed: str) -> None:
    frame = pl.DataFrame({"x": [value]})
    assert frame.select(format_fixed_expr(pl.col("x"), 2)).item() == fixed
    assert frame.select(format_trimmed_expr(pl.col("x"), 2)).item() == trimmed
    assert format_fixed(value, 2) == fixed
    assert format_trimmed(value, 2) == trimmed


@given(
    st.integers(min_value=-(10**7), max_value=10**7),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=3),
)
def test_rounding_a_short_decimal_matches_decimal_half_up(
    numerator: int, scale: int, decimals: int
) -> None:
    # Values of the form n / 10**scale are what indicators and scores produce.
    exact = Decimal(numerator).scaleb(-scale)
    as_float = numerator / 10**scale
    expected = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    frame = pl.DataFrame({"x": [as_float]})
    got = frame.select(round_half_up_expr(pl.col("x"), decimals)).item()
    assert Decimal(repr(got)).quantize(Decimal(1).scaleb(-decimals)) == expected
    # A clerk writes 0, not -0: adding zero drops Decimal's negative zero.
    assert frame.select(format_fixed_expr(pl.col("x"), decimals)).item() == f"{expected + 0:f}"
