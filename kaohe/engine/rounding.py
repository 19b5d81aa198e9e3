"""Half-up rounding and fixed-decimal formatting that agree with decimal arithmetic.

Binary floats cannot hold most decimal fractions: 10.625 × 100 is 1062.4999999999998 and
Polars divides by a constant by multiplying with its reciprocal (7521 / 100 gives
75.21000000000001). Rounding such a float half-up naively misfires. Every figure the engine
rounds is a short decimal polluted by at most a few units in the last place, so we first snap
the scaled value to 6 decimals (removing that noise) and then round half away from zero, which
is what ``decimal.ROUND_HALF_UP`` does and what a township clerk does on paper.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt
import polars as pl

# Snap scaled values to this many decimals before rounding: far below any shown figure's
# precision, far above float noise for values below 10**8.
SNAP_DECIMALS = 6


def round_half_up_expr(expr: pl.Expr, decimals: int) -> pl.Expr:
    """Round a float expression half away from zero to ``decimals`` places; null stays null."""
    scale = 10.0**decimals
    scaled = (expr * scale).round(SNAP_DECIMALS)
    rounded = scaled.abs().add(0.5).floor() * scaled.sign()
    # Dividing leaves binary noise (19.400000000000002); Polars' own round removes it, and
    # the value is already on the decimal grid, so its rounding mode cannot matter here.
    return (rounded / scale).round(decimals)


def round_half_up_array(values: npt.NDArray[np.float64], decimals: int) -> npt.NDArray[np.float64]:
    """NumPy twin of :func:`round_half_up_expr`; NaN stays NaN."""
    scale = 10.0**decimals
    scaled = np.round(values * scale, SNAP_DECIMALS)
    result: npt.NDArray[np.float64] = np.floor(np.abs(scaled) + 0.5) * np.sign(scaled) / scale
    return result


def round_half_up(value: float | Decimal, decimals: int) -> Decimal:
    """Round one number half-up with :mod:`decimal`; floats go through their shortest repr."""
    quantum = Decimal(1).scaleb(-decimals)
    as_decimal = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return as_decimal.quantize(quantum, rounding=ROUND_HALF_UP)


def format_fixed_expr(expr: pl.Expr, decimals: int) -> pl.Expr:
    """Format a number with exactly ``decimals`` decimals (``17`` → ``"17.00"``); null → null.

    The value is rounded half-up first. Built from integer arithmetic so it is exact and
    vectorised.
    """
    # A Decimal of the right scale prints exactly ``decimals`` digits; the value is already
    # rounded half-up, so the cast only fixes the representation (and is far cheaper to plan
    # than string arithmetic).
    return round_half_up_expr(expr, decimals).cast(pl.Decimal(38, decimals)).cast(pl.String)


def format_trimmed_expr(expr: pl.Expr, decimals: int) -> pl.Expr:
    """Like :func:`format_fixed_expr` but without trailing zeros (``95.00`` → ``95``)."""
    fixed = format_fixed_expr(expr, decimals)
    if decimals == 0:
        return fixed
    return fixed.str.strip_chars_end("0").str.strip_chars_end(".")


def format_fixed(value: float | Decimal | None, decimals: int) -> str:
    """Scalar twin of :func:`format_fixed_expr` (``None`` → ``""``)."""
    if value is None:
        return ""
    return f"{round_half_up(value, decimals):f}"


def format_trimmed(value: float | Decimal | None, decimals: int) -> str:
    """Scalar twin of :func:`format_trimmed_expr`."""
    text = format_fixed(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
