"""Totals, grades (等级) and ranks (名次) of units, with NumPy.

A unit's total is the sum of its items' shown scores, so a printed score table adds up. Grades
are bands on the total (一等奖 ≥ 95, 二等奖 ≥ 90, …); a vetoed unit (一票否决) takes the veto
grade whatever its total, and ranks after every unit of its kind that was not vetoed.
A NaN total is a missing one: no grade (unless vetoed) and no rank.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kaohe.engine.rounding import round_half_up_array
from kaohe.engine.rules import SCORE_DECIMALS, FloatArray, Groups, Int64Array, rank_within
from kaohe.engine.spec import GradeSpec

BoolArray = npt.NDArray[np.bool_]
# The rank of a unit without a total.
NO_RANK = 0


def _shown(total: FloatArray) -> FloatArray:
    """The total at 0.01, as printed: 94.99999999 is 95.00 and gets the 95 band."""
    shown: FloatArray = round_half_up_array(np.asarray(total, dtype=np.float64), SCORE_DECIMALS)
    return shown + 0.0


def _vetoed(vetoed: BoolArray | Sequence[bool | None], size: int) -> BoolArray:
    """Veto flags as booleans; a missing (None) flag counts as not vetoed."""
    flags = np.asarray(vetoed)
    if flags.dtype != np.bool_:
        flags = np.equal(flags, True)
    if flags.shape != (size,):
        raise ValueError(f"vetoed has shape {flags.shape}, expected ({size},)")
    return flags


def total_scores(scores: Sequence[FloatArray], units: int = 0) -> FloatArray:
    """The sum of the items' shown scores (bonus items included), half-up to 0.01.

    Rounding the sum strips the float noise of adding two-decimal figures, so the total equals
    what a clerk adds up from the printed scores. No items → zeros for ``units`` units.
    """
    if not scores:
        return np.zeros(units, dtype=np.float64)
    total = np.array(scores[0], dtype=np.float64)
    for score in scores[1:]:
        total += score
    return _shown(total)


def grade_codes(
    total: FloatArray,
    vetoed: BoolArray | Sequence[bool | None],
    grades: Sequence[GradeSpec],
    veto_grade: str | None,
) -> list[str | None]:
    """The code of the highest grade whose ``min_total`` each total reaches.

    A total below every band (or a NaN total) has no grade (None). A vetoed unit takes
    ``veto_grade``, or the lowest band's code when the scheme names none.
    """
    shown = _shown(total)
    flags = _vetoed(vetoed, shown.shape[0])
    bands = sorted(grades, key=lambda grade: grade.min_total, reverse=True)
    if veto_grade is None and bands:
        veto_grade = bands[-1].code
    codes = np.array([band.code for band in bands] + [None, veto_grade], dtype=object)
    # The first band (highest first) the total reaches; len(bands) is "none".
    index = np.full(shown.shape[0], len(bands), dtype=np.int64)
    for position in range(len(bands) - 1, -1, -1):
        index[shown >= bands[position].min_total] = position
    index[flags] = len(bands) + 1
    result: list[str | None] = codes[index].tolist()
    return result


def ranks(
    total: FloatArray,
    vetoed: BoolArray | Sequence[bool | None],
    group: Int64Array,
) -> Int64Array:
    """Each unit's rank within its group; ties share the lowest number (1, 2, 2, 4).

    Units not vetoed rank by total, highest first. Vetoed units come after every unit of
    their group that was not vetoed, ranked among themselves by total: rank = the number of
    ranked units not vetoed + the min-rank among the vetoed. A NaN total has no rank
    (:data:`NO_RANK`, 0) and is not counted.
    """
    shown = _shown(total)
    flags = _vetoed(vetoed, shown.shape[0])
    codes = np.asarray(group, dtype=np.int64)
    if codes.shape != shown.shape:
        raise ValueError(f"group has shape {codes.shape}, expected {shown.shape}")
    groups = Groups(codes)
    tier = flags.astype(np.int8)
    return rank_within(groups.bins, shown, descending=True, tier=tier, single=groups.single)
