"""Exact evaluation of constant sub-expressions with :mod:`decimal`.

Constants are folded in decimal, not binary, arithmetic so that ``0.1 + 0.2 == 0.3`` holds
and ``C{RATE} * 100`` is exactly what the county wrote. Results are only converted to float
when they become Polars literals. Folding follows the run-time semantics, except that what
would be a null for every unit (a division by zero, a non-real power, an overflow) is
reported as a compile error: in a constant expression it is always a mistake.
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from kaohe.engine.rounding import round_half_up

# 34 significant digits (IEEE decimal128) is far beyond what a float literal can carry; the
# exponent range is narrow enough that 10^10^10 overflows at once instead of computing.
_CONTEXT = Context(
    prec=34,
    rounding=ROUND_HALF_EVEN,
    Emin=-9999,
    Emax=9999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
FLOAT_MAX = Decimal("1.7976931348623157e308")


class FoldError(Exception):
    """A constant sub-expression has no value; the compiler adds the position."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


def _division_by_zero(symbol: str) -> FoldError:
    if symbol == "%":
        return FoldError(
            "constant_division_by_zero",
            "取余（%）的除数为零",
            "remainder (%) by zero",
        )
    return FoldError("constant_division_by_zero", "除数为零", "division by zero")


def _too_large() -> FoldError:
    return FoldError("constant_invalid", "结果太大", "the result is too large")


def _not_real() -> FoldError:
    return FoldError(
        "constant_invalid",
        "负数的非整数次方不是实数",
        "a negative number raised to a fractional power is not a real number",
    )


def _zero_to_negative() -> FoldError:
    return FoldError(
        "constant_division_by_zero",
        "出现 0 的负数次方（相当于除以零）",
        "0 raised to a negative power divides by zero",
    )


def checked(value: Decimal) -> Decimal:
    """``value`` if a float can hold it; otherwise a "too large" :class:`FoldError`."""
    if not value.is_finite() or abs(value) > FLOAT_MAX:
        raise _too_large()
    return value


def arithmetic(op: str, left: Decimal, right: Decimal, symbol: str | None = None) -> Decimal:
    """``left op right`` for ``op`` in ``+ - * / % ^`` (``%`` keeps the dividend's sign)."""
    symbol = symbol or op
    with localcontext(_CONTEXT):
        try:
            if op == "+":
                result = left + right
            elif op == "-":
                result = left - right
            elif op == "*":
                result = left * right
            elif op == "/":
                if right == 0:
                    raise _division_by_zero(symbol)
                result = left / right
            elif op == "%":
                result = _remainder(left, right, symbol)
            elif op == "^":
                result = _power(left, right)
            else:
                raise AssertionError(f"not an arithmetic operator: {op!r}")
        except Overflow:
            raise _too_large() from None
    return checked(result)


def _remainder(left: Decimal, right: Decimal, symbol: str) -> Decimal:
    if right == 0:
        raise _division_by_zero(symbol)
    try:
        # Decimal's % truncates the quotient, so the result has the dividend's sign: the
        # semantics of Java's % that DHIS2 uses, and of the compiled Polars expression.
        return left % right
    except InvalidOperation:
        # The quotient has more digits than the context holds (1e40 % 3); such a remainder
        # is float noise at run time too, so compute it as a float would.
        return Decimal(repr(math.fmod(float(left), float(right))))


def _power(base: Decimal, exponent: Decimal) -> Decimal:
    if base == 0:
        if exponent == 0:
            return Decimal(1)  # as Polars' pow and IEEE 754 pow define 0^0
        if exponent < 0:
            raise _zero_to_negative()
        return Decimal(0)
    if base < 0 and exponent != exponent.to_integral_value():
        raise _not_real()
    try:
        return base**exponent
    except InvalidOperation:
        raise _not_real() from None


def compare(op: str, left: Decimal | bool, right: Decimal | bool) -> bool:
    """``left op right`` for the comparison operators ``< > <= >= == !=``."""
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if isinstance(left, bool) or isinstance(right, bool):
        raise AssertionError("ordering comparisons need numbers")
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    if op == ">=":
        return left >= right
    raise AssertionError(f"not a comparison operator: {op!r}")


def rounded(value: Decimal, digits: int) -> Decimal:
    """``value`` rounded half away from zero to ``digits`` decimals, as ``round()`` does."""
    with localcontext(_CONTEXT):
        try:
            return checked(round_half_up(value, digits))
        except InvalidOperation:
            # Too many digits to quantize: the value is so large (beyond 10^(34 - digits))
            # that it has no decimals to round.
            return checked(value)


def to_float(value: Decimal) -> float:
    """The float nearest to ``value`` (which :func:`checked` has kept in range)."""
    return float(value)


def from_float(value: float) -> Decimal:
    """The decimal a float was written as: its shortest repr, so 0.1 stays 0.1."""
    return Decimal(repr(float(value)))
