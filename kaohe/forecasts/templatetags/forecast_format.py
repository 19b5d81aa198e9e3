"""How the forecasts page writes its figures: expected births to one decimal, bounds and counts
as whole numbers, shares as percentages, money to the fen; a missing figure as "—"."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django import template

from kaohe.engine.rounding import round_half_up

register = template.Library()
MISSING = "—"


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def births(value: Any) -> str:
    """An expected number of births, to one decimal."""
    number = _number(value)
    return MISSING if number is None else f"{round_half_up(number, 1)}"


@register.filter
def whole(value: Any) -> str:
    """A whole number (a bound of the interval, a count)."""
    number = _number(value)
    return MISSING if number is None else f"{round_half_up(number, 0):,}"


@register.filter
def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as a percentage (0.123 → 12.3%)."""
    number = _number(value)
    return MISSING if number is None else f"{round_half_up(100 * number, int(decimals))}%"


@register.filter
def rate(value: Any) -> str:
    """A rate to two decimals (the total fertility rate)."""
    number = _number(value)
    return MISSING if number is None else f"{round_half_up(number, 2)}"


@register.filter
def yuan(value: Any) -> str:
    """Money in yuan with thousands separators, to the fen."""
    if value is None:
        return MISSING
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{round_half_up(amount, 2):,}"


@register.filter
def at(values: Any, index: int) -> Any:
    """``values[index]`` (None when out of range)."""
    try:
        return values[int(index)]
    except (IndexError, TypeError, ValueError, KeyError):
        return None
