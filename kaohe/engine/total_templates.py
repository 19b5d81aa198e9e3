"""The wording of a unit's total explanation, in Chinese and English, as data.

Like the item explanations of :mod:`kaohe.engine.templates`, a total explanation is made of
templates (literal text and :class:`~kaohe.engine.templates.Figure` pieces) that
:mod:`kaohe.engine.explain` renders for every unit at once. It shows how the total was made:

* the plain sum: ``各项得分合计 93.50 分``;
* tracks: ``领导班子线 92.00 分 × 60% + 基础工作线 88.00 分 × 40% = 90.40 分``;
* a coefficient after either: ``；难度系数 1.05，总分 94.92 分`` (missing: ``；难度系数缺少数据，
  按 1 计，总分 90.40 分（待核实）``);
* period parts: one line per part that has tracks or a coefficient (``第一季度：…``), then
  ``第一季度 90.00 分 × 40% + 第二季度 88.00 分 × 30% + 第三季度 85.50 分 × 30% = 88.05 分``.

A segment is an :class:`~kaohe.engine.templates.ItemTemplates` whose branch 0 is the usual
wording and branch 1 the wording where the coefficient is missing; its figures are named
``track:CODE``, ``combined``, ``coefficient``, ``total`` and, in the parts line, ``period:CODE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .combining import COEFFICIENT_DECIMALS, Combined
from .rounding import format_trimmed
from .rules import SCORE_DECIMALS, FloatArray, ItemOutcome
from .spec import PeriodPartSpec, SchemeSpec
from .templates import Figure, ItemTemplates, Piece, Template, merge

__all__ = [
    "BRANCH_COEFFICIENT_MISSING",
    "BRANCH_TOTAL",
    "parts_outcome",
    "scope_outcome",
    "total_templates",
]

BRANCH_TOTAL = 0
BRANCH_COEFFICIENT_MISSING = 1

TOTAL = Figure("total", SCORE_DECIMALS)
COMBINED = Figure("combined", SCORE_DECIMALS)
COEFFICIENT = Figure("coefficient", COEFFICIENT_DECIMALS, trimmed=True)


def _share(weight: float, weights: Sequence[float]) -> str:
    """A weight as a share of all: 6 of 6 + 4 → ``60%``; 1 of 3 → ``33.33%``."""
    return f"{format_trimmed(weight / sum(weights) * 100, 2)}%"


def _weighted_sum(
    terms: Sequence[tuple[str, str, Figure, float]], result: Figure
) -> tuple[list[Piece], list[Piece]]:
    """``A 92.00 分 × 60% + B 88.00 分 × 40% = 90.40 分`` and its English twin."""
    weights = [weight for _, _, _, weight in terms]
    zh: list[Piece] = []
    en: list[Piece] = []
    for position, (name, name_en, figure, weight) in enumerate(terms):
        joint = " + " if position else ""
        share = _share(weight, weights)
        zh += [f"{joint}{name} ", figure, f" 分 × {share}"]
        en += [f"{joint}{name_en} ", figure, f" × {share}"]
    return [*zh, " = ", result, " 分"], [*en, " = ", result]


def _scope(spec: SchemeSpec, code: str, label: tuple[str, str] | None) -> ItemTemplates:
    """The segment of one scope (the year, or one part labelled ``label``)."""
    has_coefficient = spec.coefficient is not None and bool(spec.coefficient.strip())
    made = COMBINED if has_coefficient else TOTAL
    if spec.tracks:
        zh, en = _weighted_sum(
            [
                (t.name, t.name_en or t.name, Figure(f"track:{t.code}", SCORE_DECIMALS), t.weight)
                for t in spec.tracks
            ],
            made,
        )
    else:
        zh, en = ["各项得分合计 ", made, " 分"], ["Item scores add up to ", made]
    if label is not None:
        zh, en = [f"{label[0]}：", *zh], [f"{label[1]}: ", *en]
    if not has_coefficient:
        template = (merge(zh), merge(en))
        return ItemTemplates(code, (template[0],), (template[1],))
    name = spec.coefficient_name or "系数"
    found_zh: Template = merge([*zh, f"；{name} ", COEFFICIENT, "，总分 ", TOTAL, " 分"])
    found_en: Template = merge([*en, "; coefficient ", COEFFICIENT, ", total ", TOTAL])
    missing_zh: Template = merge([*zh, f"；{name}缺少数据，按 1 计，总分 ", TOTAL, " 分（待核实）"])
    missing_en: Template = merge(
        [*en, "; coefficient missing, counted as 1, total ", TOTAL, " (to be checked)"]
    )
    return ItemTemplates(code, (found_zh, missing_zh), (found_en, missing_en))


def _parts_line(parts: Sequence[PeriodPartSpec]) -> ItemTemplates:
    zh, en = _weighted_sum(
        [
            (p.name, p.name_en or p.name, Figure(f"period:{p.code}", SCORE_DECIMALS), p.weight)
            for p in parts
        ],
        TOTAL,
    )
    return ItemTemplates("periods", (merge(zh),), (merge(en),))


@lru_cache(maxsize=256)
def total_templates(spec: SchemeSpec) -> tuple[ItemTemplates, ...]:
    """The segments of ``spec``'s total explanation, one line each, in order (cached).

    Without period parts: the year's one segment. With them: a segment for each part when
    the parts have tracks or a coefficient (a plain sum says nothing the items do not), then
    the line combining the parts.
    """
    if not spec.period_parts:
        return (_scope(spec, "total", None),)
    segments: list[ItemTemplates] = []
    has_coefficient = spec.coefficient is not None and bool(spec.coefficient.strip())
    if spec.tracks or has_coefficient:
        for part in spec.period_parts:
            segments.append(_scope(spec, f"total@{part.code}", (part.name, part.name_en)))
    segments.append(_parts_line(spec.period_parts))
    return tuple(segments)


def scope_outcome(made: Combined) -> ItemOutcome:
    """The figures (and branches) a scope's segment prints for every unit."""
    total = made.total
    figures: dict[str, FloatArray] = {"total": total, "combined": made.combined}
    for code, scores in made.tracks.items():
        figures[f"track:{code}"] = scores
    branch = np.zeros(total.shape[0], dtype=np.int8)
    if made.coefficient is not None and made.coefficient_missing is not None:
        figures["coefficient"] = made.coefficient
        branch[made.coefficient_missing] = BRANCH_COEFFICIENT_MISSING
    return ItemOutcome(
        score=total, flag=np.zeros(total.shape[0], dtype=np.int8), branch=branch, figures=figures
    )


def parts_outcome(part_totals: dict[str, FloatArray], total: FloatArray) -> ItemOutcome:
    """The figures the line combining the parts prints for every unit."""
    figures: dict[str, FloatArray] = {"total": total}
    for code, values in part_totals.items():
        figures[f"period:{code}"] = values
    size = total.shape[0]
    return ItemOutcome(
        score=total,
        flag=np.zeros(size, dtype=np.int8),
        branch=np.zeros(size, dtype=np.int8),
        figures=figures,
    )
