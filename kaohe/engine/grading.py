"""Totals, grades (等级) and ranks (名次) of units, as vectorised Polars expressions.

A unit's total is the sum of its items' shown scores, so a printed score table adds up. Grades
are bands on the total (一等奖 ≥ 95, 二等奖 ≥ 90, …); a vetoed unit (一票否决) takes the veto
grade whatever its total, and ranks after every unit of its kind that was not vetoed.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from kaohe.engine.explain import SCORE_DECIMALS
from kaohe.engine.rules import round_shown
from kaohe.engine.spec import GradeSpec, ItemSpec


def total_expr(items: Sequence[ItemSpec]) -> pl.Expr:
    """The sum of the items' shown scores ``s:ITEM`` (bonus items included), to 0.01.

    Rounding the sum strips the float noise of adding two-decimal figures, so the total equals
    what a clerk adds up from the printed scores. No items → 0.
    """
    if not items:
        return pl.lit(0.0)
    total = pl.sum_horizontal([pl.col(f"s:{item.code}") for item in items])
    return round_shown(total, SCORE_DECIMALS)


def grade_expr(
    total: pl.Expr,
    vetoed: pl.Expr,
    grades: Sequence[GradeSpec],
    veto_grade: str | None,
) -> pl.Expr:
    """The code of the highest grade whose ``min_total`` the total reaches (String).

    A total below every band (or a null total) has no grade (null). A vetoed unit takes
    ``veto_grade``, or the lowest band's code when the scheme names none. A null ``vetoed``
    counts as not vetoed: whether a missing veto input blocks the unit is the caller's call.
    """
    bands = sorted(grades, key=lambda grade: grade.min_total, reverse=True)
    # Compare at 0.01 so a total of 94.99999999 that prints as 95.00 gets the 95 band.
    shown = round_shown(total, SCORE_DECIMALS)
    grade: pl.Expr = pl.lit(None, dtype=pl.String)
    for band in reversed(bands):
        grade = pl.when(shown >= band.min_total).then(pl.lit(band.code)).otherwise(grade)
    if veto_grade is None and bands:
        veto_grade = bands[-1].code
    if veto_grade is None:
        return grade
    return pl.when(vetoed.fill_null(False)).then(pl.lit(veto_grade)).otherwise(grade)


def rank_expr(total: pl.Expr, vetoed: pl.Expr, group: str = "kind") -> pl.Expr:
    """The unit's rank (Int64) within ``group``; ties share the lowest number (1, 2, 2, 4).

    Units not vetoed rank by total, highest first. Vetoed units come after every unit of
    their group that was not vetoed, ranked among themselves by total: rank = the number of
    ranked units not vetoed + the min-rank among the vetoed. A null total has no rank (null);
    a null ``vetoed`` counts as not vetoed.
    """
    shown = round_shown(total, SCORE_DECIMALS)
    is_vetoed = vetoed.fill_null(False)
    # One "min" rank over (vetoed, −total) gives both parts at once: every unit not vetoed
    # sorts before every vetoed one, and a vetoed unit's min-rank counts the units before it.
    # A null key (no total) is left unranked and is not counted.
    key = pl.struct(is_vetoed.alias("vetoed"), (-shown).alias("total"))
    ranked = pl.when(shown.is_not_null()).then(key)
    return ranked.rank("min").over(group).cast(pl.Int64)
