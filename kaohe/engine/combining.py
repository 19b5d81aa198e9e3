"""Making a unit's total from its item scores: tracks, a coefficient and period parts.

Without any of these a unit's total is the sum of its items' shown scores
(:func:`~kaohe.engine.grading.total_scores`). A scheme may instead

* split its items into **tracks** (分线考核: 领导班子线 and 基础工作线, each of 100 points): a
  track's score is the sum of its items' shown scores (bonus items count in their track),
  half-up to 0.01, and the tracks combine by weight, Σ(weightₜ × trackₜ) / Σ weightₜ, half-up
  to 0.01 (two lines combined 6:4 give 0.6 × L + 0.4 × B);
* multiply the combined score by a **coefficient** (难度系数, 人口系数): an expression evaluated
  per unit like a veto's operands, applied with :data:`COEFFICIENT_DECIMALS` decimals (the
  figure the explanation prints); total = combined × coefficient, half-up to 0.01. A missing
  coefficient counts as 1 and flags the unit ``coefficient_missing``;
* score **period parts** (分期考核, three quarters 4:3:3) each on its own figures, tracks and
  coefficient included, and combine the parts' totals by weight: Σ(wₚ × totalₚ) / Σ wₚ,
  half-up to 0.01.

Every step rounds to the figure it is shown with, so the total explanation adds up on paper.
This module also resolves a part to its DHIS2 period and checks parts and tracks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .grading import total_scores
from .periods import (
    FREQUENCY_ORDER,
    Period,
    PeriodError,
    PeriodType,
    make_period,
    periods_within,
)
from .rounding import round_half_up_array
from .rules import SCORE_DECIMALS
from .spec import ItemSpec, PeriodPartSpec, SchemeSpec, TrackSpec

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "COEFFICIENT_DECIMALS",
    "FLAG_COEFFICIENT_MISSING",
    "Combined",
    "combine",
    "combine_weighted",
    "part_period",
    "period_part_problems",
    "track_problems",
]

# A coefficient is printed and applied with this many decimals (1.05, 0.9875).
COEFFICIENT_DECIMALS = 4
FLAG_COEFFICIENT_MISSING = "coefficient_missing"


@dataclass(frozen=True)
class Combined:
    """How every unit's total of one period (the year, or one part) was made.

    ``tracks`` holds each track's score (empty without tracks); ``combined`` the score before
    the coefficient (the tracks combined, or the plain sum); ``coefficient`` the coefficient as
    applied, NaN where it is missing (None when the scheme has none), and
    ``coefficient_missing`` where it is; ``total`` the unit's total.
    """

    total: FloatArray
    combined: FloatArray
    tracks: Mapping[str, FloatArray]
    coefficient: FloatArray | None = None
    coefficient_missing: BoolArray | None = None


def _shown(values: FloatArray, decimals: int = SCORE_DECIMALS) -> FloatArray:
    rounded: FloatArray = round_half_up_array(values, decimals)
    return np.round(rounded, decimals) + 0.0


def combine_weighted(values: Sequence[FloatArray], weights: Sequence[float]) -> FloatArray:
    """Σ(wᵢ × valuesᵢ) / Σ wᵢ, half-up to 0.01 (the weights need not add up to 1)."""
    if len(values) != len(weights) or not values:
        raise ValueError(f"{len(values)} figures for {len(weights)} weights")
    weighted = np.zeros_like(np.asarray(values[0], dtype=np.float64))
    for value, weight in zip(values, weights, strict=True):
        weighted += float(weight) * np.asarray(value, dtype=np.float64)
    return _shown(weighted / float(sum(weights)))


def track_scores(
    items: Sequence[ItemSpec], scores: Sequence[FloatArray], tracks: Sequence[TrackSpec], n: int
) -> dict[str, FloatArray]:
    """Each track's score: the sum of its items' shown scores, half-up to 0.01."""
    by_track: dict[str, list[FloatArray]] = {track.code: [] for track in tracks}
    for item, score in zip(items, scores, strict=True):
        by_track[item.track].append(score)
    return {code: total_scores(parts, units=n) for code, parts in by_track.items()}


def combine(
    spec: SchemeSpec,
    scores: Sequence[FloatArray],
    coefficient: FloatArray | None,
    n: int,
) -> Combined:
    """The total of every unit from its items' shown scores (in ``spec.items`` order).

    ``coefficient`` holds the coefficient expression's values (NaN = missing) when the scheme
    has one. Without tracks and coefficient this is :func:`~kaohe.engine.grading.total_scores`.
    """
    tracks: dict[str, FloatArray] = {}
    if spec.tracks:
        tracks = track_scores(spec.items, scores, spec.tracks, n)
        combined = combine_weighted(
            [tracks[t.code] for t in spec.tracks], [t.weight for t in spec.tracks]
        )
    else:
        combined = total_scores(scores, units=n)
    if coefficient is None:
        return Combined(total=combined, combined=combined, tracks=tracks)
    applied = _shown(np.asarray(coefficient, dtype=np.float64), COEFFICIENT_DECIMALS)
    missing = ~np.isfinite(applied)
    applied[missing] = np.nan
    total = _shown(combined * np.where(missing, 1.0, applied))
    return Combined(
        total=total,
        combined=combined,
        tracks=tracks,
        coefficient=applied,
        coefficient_missing=missing,
    )


# --- period parts ---------------------------------------------------------------------------


def part_period(assessment: Period, part: PeriodPartSpec) -> Period:
    """The period ``part`` scores inside ``assessment``: the ``index``-th period of its type,
    by start date (the scheme's own type: the whole assessment period).

    Raises :class:`~kaohe.engine.periods.PeriodError` when the assessment period has no such
    period (an unknown type, or an index out of range).
    """
    try:
        period_type = PeriodType(part.period_type)
    except ValueError:
        raise PeriodError(
            part.period_type,
            "不是 DHIS2 期间类型",
            "not a DHIS2 period type",
            what_zh=f"分期 {part.code} 的期间类型无效",
            what_en=f"invalid period type of period part {part.code}",
        ) from None
    if period_type is assessment.period_type and part.index == 1:
        return assessment
    within = periods_within(assessment, period_type)
    if not 1 <= part.index <= len(within):
        raise PeriodError(
            assessment.code,
            f"其中只有 {len(within)} 个 {period_type.value} 期间，没有第 {part.index} 个",
            f"it holds {len(within)} {period_type.value} periods, not a number {part.index}",
            what_zh=f"分期 {part.code} 不在考核期间内",
            what_en=f"period part {part.code} is not inside the assessment period",
        )
    return within[part.index - 1]


# Years whose calendars differ in every way that matters to counting periods (leap years,
# 52- and 53-week ISO years): a whole 28-year solar cycle.
_SAMPLE_YEARS = range(2001, 2029)


@lru_cache(maxsize=256)
def _fewest_within(outer_type: PeriodType, inner_type: PeriodType) -> int:
    """The fewest periods of ``inner_type`` an ``outer_type`` period holds, in any year."""
    years = (
        _SAMPLE_YEARS if inner_type in (PeriodType.DAILY, PeriodType.WEEKLY) else _SAMPLE_YEARS[:1]
    )
    return min(len(periods_within(make_period(outer_type, year), inner_type)) for year in years)


def period_part_problems(
    parts: Sequence[PeriodPartSpec], scheme_period_type: str | None = None
) -> list[str]:
    """Every problem of a scheme's period parts (bilingual), empty when there is none.

    Codes must be unique, weights greater than 0, indexes from 1, types DHIS2 period types.
    Given the scheme's period type, a part's type must not be coarser than it (the scheme's
    own type means the whole period, index 1) and its index must exist in every year.
    """
    problems: list[str] = []
    seen: set[str] = set()
    outer: PeriodType | None = None
    if scheme_period_type:
        try:
            outer = PeriodType(scheme_period_type)
        except ValueError:
            outer = None
    for position, part in enumerate(parts, start=1):
        label_zh = f"分期 {part.code or f'#{position}'}"
        label_en = f"period part {part.code or f'#{position}'}"
        if not part.code:
            problems.append(f"{label_zh}：缺少代码 / {label_en}: the code is missing")
        elif part.code in seen:
            problems.append(f"{label_zh}：代码重复 / {label_en}: the code is repeated")
        seen.add(part.code)
        if not (math.isfinite(part.weight) and part.weight > 0):
            problems.append(
                f"{label_zh}：权重应大于 0（现为 {part.weight:g}） / "
                f"{label_en}: the weight must be greater than 0 (it is {part.weight:g})"
            )
        if isinstance(part.index, bool) or part.index < 1:
            problems.append(
                f"{label_zh}：序号应从 1 开始（现为 {part.index}） / "
                f"{label_en}: the index counts from 1 (it is {part.index})"
            )
        try:
            inner = PeriodType(part.period_type)
        except ValueError:
            names = ", ".join(t.value for t in PeriodType)
            problems.append(
                f"{label_zh}：未知的期间类型 {part.period_type!r}，可用：{names} / "
                f"{label_en}: unknown period type {part.period_type!r}; allowed: {names}"
            )
            continue
        if outer is None or part.index < 1:
            continue
        problems += _type_problems(label_zh, label_en, part, outer, inner)
    return problems


def _type_problems(
    label_zh: str, label_en: str, part: PeriodPartSpec, outer: PeriodType, inner: PeriodType
) -> list[str]:
    if inner is outer:
        if part.index != 1:
            return [
                f"{label_zh}：期间类型与方案相同（全期），序号只能为 1 / "
                f"{label_en}: the scheme's own period type is the whole period; the index "
                "must be 1"
            ]
        return []
    if FREQUENCY_ORDER[inner] >= FREQUENCY_ORDER[outer]:
        return [
            f"{label_zh}：期间类型 {inner.value} 不比方案的 {outer.value} 更细 / "
            f"{label_en}: period type {inner.value} is not finer than the scheme's {outer.value}"
        ]
    fewest = _fewest_within(outer, inner)
    if part.index > fewest:
        return [
            f"{label_zh}：{outer.value} 期间内只有 {fewest} 个 {inner.value} 期间，"
            f"序号 {part.index} 超出范围 / {label_en}: a {outer.value} period holds "
            f"{fewest} {inner.value} periods; index {part.index} is out of range"
        ]
    return []


def track_problems(spec: SchemeSpec) -> list[str]:
    """Every problem of a scheme's tracks (bilingual): codes, weights, and items whose track
    is missing or unknown (all listed in one problem), or items naming a track when the
    scheme has none."""
    problems: list[str] = []
    codes: set[str] = set()
    for position, track in enumerate(spec.tracks, start=1):
        label_zh = f"分线 {track.code or f'#{position}'}"
        label_en = f"track {track.code or f'#{position}'}"
        if not track.code:
            problems.append(f"{label_zh}：缺少代码 / {label_en}: the code is missing")
        elif track.code in codes:
            problems.append(f"{label_zh}：代码重复 / {label_en}: the code is repeated")
        codes.add(track.code)
        if not (math.isfinite(track.weight) and track.weight > 0):
            problems.append(
                f"{label_zh}：权重应大于 0（现为 {track.weight:g}） / "
                f"{label_en}: the weight must be greater than 0 (it is {track.weight:g})"
            )
    if spec.tracks:
        stray = [item for item in spec.items if item.track not in codes or not item.track]
        if stray:
            listed = ", ".join(
                f"{item.code}（{item.track}）" if item.track else item.code for item in stray
            )
            listed_en = ", ".join(
                f"{item.code} ({item.track})" if item.track else item.code for item in stray
            )
            known = ", ".join(t.code for t in spec.tracks)
            problems.append(
                f"以下项目没有所属分线或分线不存在（可用：{known}）：{listed} / "
                f"items without a valid track (allowed: {known}): {listed_en}"
            )
    else:
        named = [item for item in spec.items if item.track]
        if named:
            listed = ", ".join(f"{item.code} ({item.track})" for item in named)
            problems.append(
                f"方案没有分线，以下项目却指定了分线：{listed} / "
                f"the scheme has no tracks, but these items name one: {listed}"
            )
    return problems
