"""The demo's years: those of the 2006 library and those of the 2026 library.

The 2006 library's schemes end with the 2021 policy change, VILLAGE_2026 starts in 2026; the
demo generates each library's figures for its own years and refuses a year in between.
"""

from __future__ import annotations

from collections.abc import Sequence

from .figures_2026 import FIRST_2026_YEAR

# The last year the 2006 library's schemes are valid for (their ``year_to``).
LAST_2006_YEAR = 2021


def split_years(years: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The demo's years as (the 2006 library's, the 2026 library's), each in order.

    The 2006 library's are the years up to 2021: two or more, consecutive. The 2026 library's
    are the years from 2026 on: none or more, consecutive. A year between is refused: no scheme
    of the demo is valid for it.
    """
    ordered = sorted({int(y) for y in years})
    between = [y for y in ordered if LAST_2006_YEAR < y < FIRST_2026_YEAR]
    if between:
        raise ValueError(
            f"演示没有适用于 {between} 年的考核方案（2006 年模板库至 {LAST_2006_YEAR} 年，2026 年"
            f"模板库自 {FIRST_2026_YEAR} 年起）/ no scheme of the demo is valid for {between}: "
            f"the 2006 library ends in {LAST_2006_YEAR}, the 2026 library starts in "
            f"{FIRST_2026_YEAR}"
        )
    early = tuple(y for y in ordered if y <= LAST_2006_YEAR)
    late = tuple(y for y in ordered if y >= FIRST_2026_YEAR)
    return _check_years(early), late


def _check_years(years: Sequence[int]) -> tuple[int, ...]:
    result = tuple(sorted(int(y) for y in years))
    if len(result) < 2 or any(b - a != 1 for a, b in zip(result, result[1:], strict=False)):
        raise ValueError(
            f"演示需要 {LAST_2006_YEAR} 年及以前至少两个连续年度 / the demo needs two or more "
            f"consecutive years up to {LAST_2006_YEAR}: {years}"
        )
    return result
