"""Explanations of item scores, in Chinese and English, as vectorised Polars expressions.

Each explanation prints the figures the score was computed from (the actual as shown, the
target, the gap, the deduction, the score), so a clerk can redo the arithmetic on paper:
``计划生育率 93.50%，目标≥95%，低1.50个百分点，每1个百分点扣2分，扣3.00分，得17.00/20分``.

:mod:`kaohe.engine.rules` computes an item's figures as fields of a struct (``a`` the actual,
``t`` the target, ``gap``, ``deduction``, ``score``…, named in each template's docstring); a
:class:`Template` says which of them to format (upper-case fields: ``A``, ``T``, ``S``…) and
how the two texts read from them. Each figure is therefore computed once and formatted once per
text, which matters: Polars does not share sub-expressions in eager ``with_columns``, and a
formatted figure costs more than all of an item's arithmetic. Per-item constants (weights,
steps, points) are formatted in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from kaohe.engine.rounding import (
    format_fixed,
    format_fixed_expr,
    format_trimmed,
    format_trimmed_expr,
)
from kaohe.engine.spec import (
    BandRule,
    BonusRule,
    Direction,
    ItemSpec,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
)

# Scores, deductions and bonuses are printed with two decimals; constants are trimmed at this
# precision (a step of 0.5 stays 0.5, a weight of 20 prints as 20).
SCORE_DECIMALS = 2
_CONSTANT_DECIMALS = 4
# Level and progress of level_progress items are shown, and scored, with four decimals.
RATIO_DECIMALS = 4

F = pl.field
Piece = pl.Expr | str


@dataclass(frozen=True)
class Template:
    """An item's explanation over the fields of its struct.

    ``formats`` are string fields to add first (each figure formatted once). The texts are the
    head (name and actual: ``计划生育率 93.50%，``) followed by the body (``zh`` / ``en``), which
    reads both the numeric and the formatted fields; a unit with no target keeps the head and
    swaps the body for :func:`missing_target_text`.
    """

    formats: dict[str, pl.Expr]
    head_zh: list[Piece]
    head_en: list[Piece]
    zh: pl.Expr
    en: pl.Expr


@dataclass(frozen=True)
class UnitWords:
    """How an item's unit label reads after a figure and after a difference of figures.

    English suffixes carry their own leading space when they are words (``" persons"``) and
    none when they are symbols (``"%"``).
    """

    zh: str
    gap_zh: str
    en_one: str
    en_many: str
    gap_en_one: str
    gap_en_many: str


_SYMBOL_UNITS = {
    "%": ("个百分点", "percentage point"),
    "‰": ("个千分点", "per-mille point"),
    "‱": ("个万分点", "per-ten-thousand point"),
}

# Measure words whose English reading is plain; "个" just counts and reads as nothing.
_EN_LABELS = {
    "人": ("person", "persons"),
    "例": ("case", "cases"),
    "次": ("time", "times"),
    "个": ("", ""),
}


def unit_words(unit: str) -> UnitWords:
    """The wording of ``unit`` (``%`` → 个百分点 / percentage points; ``人`` → 人 / persons)."""
    if unit in _SYMBOL_UNITS:
        gap_zh, gap_en = _SYMBOL_UNITS[unit]
        return UnitWords(unit, gap_zh, unit, unit, f" {gap_en}", f" {gap_en}s")
    one, many = _EN_LABELS.get(unit, (unit, unit))
    en_one = f" {one}" if one else ""
    en_many = f" {many}" if many else ""
    return UnitWords(unit, unit, en_one, en_many, en_one, en_many)


def concat(pieces: Sequence[Piece]) -> pl.Expr:
    """Concatenate literal and expression pieces; a null piece makes the whole null.

    Adjacent literals are merged first so a template costs one literal per gap between
    figures, not one per fragment.
    """
    exprs: list[pl.Expr] = []
    pending = ""
    for piece in pieces:
        if isinstance(piece, str):
            pending += piece
            continue
        if pending:
            exprs.append(pl.lit(pending))
            pending = ""
        exprs.append(piece)
    if pending or not exprs:
        exprs.append(pl.lit(pending))
    return pl.concat_str(exprs) if len(exprs) > 1 else exprs[0]


def choose(condition: pl.Expr, then: Piece, otherwise: Piece) -> pl.Expr:
    """``then`` where ``condition`` holds, else ``otherwise`` (a null condition picks otherwise)."""
    return pl.when(condition).then(concat([then])).otherwise(concat([otherwise]))


def const(value: float) -> str:
    """A rule constant (weight, step, points, target ratio) as printed: ``20``, ``0.5``."""
    return format_trimmed(value, _CONSTANT_DECIMALS)


def score_format(value: pl.Expr) -> pl.Expr:
    """A score, deduction or bonus with two decimals (``17.00``)."""
    return format_fixed_expr(value, SCORE_DECIMALS)


def _points_en(value: float) -> str:
    return f"{const(value)} point" if value == 1 else f"{const(value)} points"


class _Wording:
    """The pieces every template shares: the item's name, figures with units, the score."""

    def __init__(self, item: ItemSpec) -> None:
        self.item = item
        self.words = unit_words(item.unit)
        self.weight = const(item.weight)
        self.higher = item.direction is Direction.HIGHER
        self.relation = "≥" if self.higher else "≤"

    def fixed(self, name: str) -> pl.Expr:
        """Format a figure in the actual's unit with the item's decimals (``93.50``)."""
        return format_fixed_expr(F(name), self.item.decimals)

    def trimmed(self, name: str) -> pl.Expr:
        """Format a target-like figure without trailing zeros (``95``)."""
        return format_trimmed_expr(F(name), self.item.decimals)

    def _en(self, name: str, one: str, many: str) -> Piece:
        # "1 person" but "2 persons" and "1.00 persons": only whole figures take the singular.
        if self.item.decimals > 0 or one == many:
            return many
        return choose(F(name) == 1, one, many)

    def amount(self, name: str, shown: str) -> tuple[list[Piece], list[Piece]]:
        """Field ``shown`` (the text of numeric field ``name``) with its unit: ``38人``."""
        words = self.words
        return [F(shown), words.zh], [F(shown), self._en(name, words.en_one, words.en_many)]

    def gap(self, name: str, shown: str) -> tuple[list[Piece], list[Piece]]:
        """A difference of figures with its unit: ``1.50个百分点`` / ``1.50 percentage points``."""
        words = self.words
        en = self._en(name, words.gap_en_one, words.gap_en_many)
        return [F(shown), words.gap_zh], [F(shown), en]

    def per_step(self, step: float) -> tuple[str, str]:
        """``每1个百分点`` / ``per 1 percentage point``."""
        words = self.words
        gap_en = words.gap_en_one if step == 1 else words.gap_en_many
        return f"每{const(step)}{words.gap_zh}", f"per {const(step)}{gap_en}"

    def head(self) -> tuple[list[Piece], list[Piece]]:
        """``计划生育率 93.50%，`` / ``Planned birth rate 93.50%, `` (needs ``A``)."""
        zh, en = self.amount("a", "A")
        return [f"{self.item.name} ", *zh, "，"], [f"{self.item.name_en} ", *en, ", "]

    def target(self) -> tuple[list[Piece], list[Piece]]:
        """``目标≥95%，`` / ``target ≥ 95%, `` (needs ``T``)."""
        zh, en = self.amount("t", "T")
        return [f"目标{self.relation}", *zh, "，"], [f"target {self.relation} ", *en, ", "]

    def head_formats(self, *, target: bool) -> dict[str, pl.Expr]:
        """Formats for :meth:`head` (and for :meth:`target`)."""
        formats = {"A": self.fixed("a")}
        if target:
            formats["T"] = self.trimmed("t")
        return formats

    def template(
        self, formats: dict[str, pl.Expr], zh: list[Piece], en: list[Piece], *, head: bool = True
    ) -> Template:
        """The item's :class:`Template`: the head (unless ``head`` is False), then the body."""
        head_zh, head_en = self.head() if head else ([], [])
        return Template(formats, head_zh, head_en, concat(zh), concat(en))

    def score_end(self) -> tuple[list[Piece], list[Piece]]:
        """``得17.00/20分`` / ``score 17.00/20`` (needs ``S``)."""
        return ["得", F("S"), f"/{self.weight}分"], ["score ", F("S"), f"/{self.weight}"]

    def full_marks(self, zh: str, en: str) -> tuple[str, str]:
        """A fixed ending for a branch scoring the whole weight (``已达标，得20.00/20分``)."""
        full = format_fixed(self.item.weight, SCORE_DECIMALS)
        return f"{zh}，得{full}/{self.weight}分", f"{en}, score {full}/{self.weight}"

    def no_marks(self, zh: str, en: str) -> tuple[str, str]:
        """A fixed ending for a branch scoring nothing (``未达标，得0.00/20分``)."""
        return f"{zh}，得0.00/{self.weight}分", f"{en}, score 0.00/{self.weight}"

    def floor_note(self, floored: bool) -> tuple[list[Piece], list[Piece]]:
        """``扣完为止，`` where field ``floored`` holds (only when the rule floors at 0)."""
        if not floored:
            return [], []
        return [choose(F("floored"), "扣完为止，", "")], [
            choose(F("floored"), ", floored at 0", "")
        ]

    def step_rounding(self, whole_steps: bool, step: float) -> tuple[list[Piece], list[Piece]]:
        """``不足1个百分点按1个百分点计，计2步，`` when part steps count in full (needs ``N``)."""
        if not whole_steps:
            return [], []
        per = f"{const(step)}{self.words.gap_zh}"
        return (
            [f"不足{per}按{per}计，计", F("N"), "步，"],
            [", part steps count in full (", F("N"), " steps)"],
        )


def _switch(
    condition: pl.Expr, pair: tuple[Piece, Piece], other: tuple[Piece, Piece]
) -> tuple[pl.Expr, pl.Expr]:
    """The Chinese and English of ``pair`` where ``condition`` holds, else of ``other``."""
    return choose(condition, pair[0], other[0]), choose(condition, pair[1], other[1])


# --- missing inputs ------------------------------------------------------------------------


def missing_actual_text(item: ItemSpec) -> tuple[str, str]:
    """``计划生育率 缺少数据，得0.00/20分（待核实）`` (a bonus item: ``加0.00分``)."""
    if isinstance(item.rule, BonusRule):
        return (
            f"{item.name} 缺少数据，加0.00分（待核实）",
            f"{item.name_en} missing data: +0.00 (to be checked)",
        )
    weight = const(item.weight)
    return (
        f"{item.name} 缺少数据，得0.00/{weight}分（待核实）",
        f"{item.name_en} missing data: 0.00/{weight} (to be checked)",
    )


def missing_target_text(item: ItemSpec, *, may_be_invalid: bool = False) -> tuple[Piece, Piece]:
    """What follows the head without a target: ``缺少目标，得0.00/20分（待核实）``.

    With ``may_be_invalid`` (a rule that divides by the target) a present but unusable target
    is named instead: ``目标0%无效``, so the clerk sees why (needs ``T``).
    """
    wording = _Wording(item)
    what_zh: Piece = "缺少目标"
    what_en: Piece = "missing target"
    if may_be_invalid:
        invalid_zh = concat(["目标", F("T"), wording.words.zh, "无效"])
        invalid_en = concat(["invalid target ", F("T"), wording.words.en_many])
        what_zh = choose(F("t").is_null(), what_zh, invalid_zh)
        what_en = choose(F("t").is_null(), what_en, invalid_en)
    if isinstance(item.rule, BonusRule):
        end_zh, end_en = "，加0.00分（待核实）", ": +0.00 (to be checked)"
    else:
        end_zh = f"，得0.00/{wording.weight}分（待核实）"
        end_en = f": 0.00/{wording.weight} (to be checked)"
    if isinstance(what_zh, str) and isinstance(what_en, str):
        return what_zh + end_zh, what_en + end_en
    return concat([what_zh, end_zh]), concat([what_en, end_en])


# --- one template per rule type ------------------------------------------------------------


def threshold_text(item: ItemSpec) -> Template:
    """``… 目标≥95%，已达标，得20.00/20分`` / ``未达标，得0.00/20分``; fields ``a t met``."""
    wording = _Wording(item)
    target_zh, target_en = wording.target()
    end_zh, end_en = _switch(
        F("met"),
        wording.full_marks("已达标", "target met"),
        wording.no_marks("未达标", "target not met"),
    )
    return wording.template(
        wording.head_formats(target=True), [*target_zh, end_zh], [*target_en, end_en]
    )


def linear_text(item: ItemSpec, rule: LinearRule) -> Template:
    """``… 目标≥95%，低1.50个百分点，每1个百分点扣2分，扣3.00分，得17.00/20分``.

    Fields ``a t gap steps deduction score``, plus ``capped`` with a ``max_deduction`` and
    ``floored`` unless ``allow_negative``: they add ``最多扣10分`` / ``扣完为止``.
    """
    wording = _Wording(item)
    target_zh, target_en = wording.target()
    gap_zh, gap_en = wording.gap("gap", "G")
    per_zh, per_en = wording.per_step(rule.step)
    round_zh, round_en = wording.step_rounding(rule.whole_steps, rule.step)
    cap_zh: list[Piece] = []
    cap_en: list[Piece] = []
    if rule.max_deduction is not None:
        cap = const(rule.max_deduction)
        cap_zh = [choose(F("capped"), f"最多扣{cap}分，", "")]
        cap_en = [choose(F("capped"), f", at most {cap} off", "")]
    floor_zh, floor_en = wording.floor_note(not rule.allow_negative)
    end_zh, end_en = wording.score_end()
    missed_zh = concat(
        ["低" if wording.higher else "高", *gap_zh, f"，{per_zh}扣{const(rule.points)}分，"]
        + [*round_zh, *cap_zh, "扣", F("D"), "分，", *floor_zh, *end_zh]
    )
    missed_en = concat(
        [*gap_en, " below" if wording.higher else " above"]
        + [f", {_points_en(rule.points)} off {per_en}", *round_en, *cap_en]
        + [": −", F("D"), *floor_en, ", ", *end_en]
    )
    met_zh, met_en = wording.full_marks("已达标", "target met")
    formats = wording.head_formats(target=True)
    formats |= {"G": wording.fixed("gap"), "D": score_format(F("deduction"))}
    formats["S"] = score_format(F("score"))
    if rule.whole_steps:
        formats["N"] = format_fixed_expr(F("steps"), 0)
    met = F("gap") == 0
    return wording.template(
        formats,
        [*target_zh, choose(met, met_zh, missed_zh)],
        [*target_en, choose(met, met_en, missed_en)],
    )


def per_case_text(item: ItemSpec, rule: PerCaseRule) -> Template:
    """``漏报3例，每例扣2分；瞒报1例，每例扣5分，扣11.00分，得9.00/20分``.

    Fields ``c0`` (the item's own count, labelled with the item's name), ``c1``… (one per
    ``rule.also`` term), ``deduction``, ``score`` and ``floored`` unless ``allow_negative``.
    """
    wording = _Wording(item)
    terms = [(item.name, item.name_en, rule.points)]
    terms += [(term.label, term.label_en, term.points) for term in rule.also]
    formats: dict[str, pl.Expr] = {}
    zh: list[Piece] = []
    en: list[Piece] = []
    for index, (label, label_en, points) in enumerate(terms):
        shown = f"C{index}"
        formats[shown] = wording.fixed(f"c{index}")
        zh += ["；" if index else "", label, F(shown), rule.case_label]
        zh += [f"，每{rule.case_label}扣{const(points)}分"]
        en += ["; " if index else "", f"{label_en} ", F(shown)]
        en += [f", {_points_en(points)} off per {rule.case_label_en}"]
    formats |= {"D": score_format(F("deduction")), "S": score_format(F("score"))}
    floor_zh, floor_en = wording.floor_note(not rule.allow_negative)
    end_zh, end_en = wording.score_end()
    return wording.template(
        formats,
        [*zh, "，扣", F("D"), "分，", *floor_zh, *end_zh],
        [*en, ": −", F("D"), *floor_en, ", ", *end_en],
        head=False,
    )


def band_text(item: ItemSpec, rule: BandRule) -> Template:
    """``出生人数 38人，应在34–40人之间（目标40人的85%–100%），符合，得20.00/20分``.

    Fields ``a t low high within``; the bounds print with two decimals more than the actual,
    as they are compared (85% of 41 is 34.85).
    """
    wording = _Wording(item)
    target_zh, target_en = wording.amount("t", "T")
    words = wording.words
    share = f"{const(rule.low * 100)}%–{const(rule.high * 100)}%"
    end_zh, end_en = _switch(
        F("within"),
        wording.full_marks("符合", "within range"),
        wording.no_marks("不符合", "outside range"),
    )
    formats = wording.head_formats(target=True)
    formats |= {
        name.upper(): format_trimmed_expr(F(name), item.decimals + 2) for name in ("low", "high")
    }
    zh: list[Piece] = ["应在", F("LOW"), "–", F("HIGH"), f"{words.zh}之间（目标", *target_zh]
    en: list[Piece] = ["should be ", F("LOW"), "–", F("HIGH"), words.en_many]
    zh += [f"的{share}），", end_zh]
    en += [f" ({share} of target ", *target_en, "), ", end_en]
    return wording.template(formats, zh, en)


def _proportional(
    wording: _Wording, condition: pl.Expr, over: str, under: str, full: tuple[str, str]
) -> tuple[pl.Expr, pl.Expr]:
    """``按比例20×38/40，得19.00/20分``, or the full-marks ending where ``condition`` holds."""
    formula: list[Piece] = [f"{wording.weight}×", F(over), "/", F(under)]
    end_zh, end_en = wording.score_end()
    return (
        choose(condition, full[0], concat(["按比例", *formula, "，", *end_zh])),
        choose(condition, full[1], concat(["proportional ", *formula, ", ", *end_en])),
    )


def ratio_text(item: ItemSpec) -> Template:
    """``… 目标≥40人，按比例20×38/40，得19.00/20分``; fields ``a t met score``.

    At or past the target it reads ``已达标，得20.00/20分``; lower-is-better prints the
    formula the other way up (``10×3/4.00``).
    """
    wording = _Wording(item)
    target_zh, target_en = wording.target()
    over, under = ("A", "T") if wording.higher else ("T", "A")
    full = wording.full_marks("已达标", "target met")
    end_zh, end_en = _proportional(wording, F("met"), over, under, full)
    formats = wording.head_formats(target=True) | {"S": score_format(F("score"))}
    return wording.template(formats, [*target_zh, end_zh], [*target_en, end_en])


def relative_to_best_text(item: ItemSpec) -> Template:
    """``… 同类最优40人，按比例20×38/40，得19.00/20分``; fields ``a best score``.

    The best unit reads ``为同类最优，得20.00/20分``.
    """
    wording = _Wording(item)
    best_zh, best_en = wording.amount("best", "B")
    over, under = ("A", "B") if wording.higher else ("B", "A")
    full = wording.full_marks("为同类最优", "this unit is the best")
    end_zh, end_en = _proportional(wording, F("a") == F("best"), over, under, full)
    formats = wording.head_formats(target=False)
    formats |= {"B": wording.fixed("best"), "S": score_format(F("score"))}
    return wording.template(
        formats,
        ["同类最优", *best_zh, "，", end_zh],
        ["best of kind ", *best_en, ", ", end_en],
    )


def rank_points_text(item: ItemSpec, rule: RankPointsRule) -> Template:
    """``… 同类第3名，第1名6分，每降1名减1分，得4.00/6分``; fields ``a rank score``."""
    wording = _Wording(item)
    end_zh, end_en = wording.score_end()
    scale_zh = f"第1名{const(rule.first)}分，每降1名减{const(rule.step)}分"
    scale_en = f"{_points_en(rule.first)} for first, {const(rule.step)} less per place"
    if rule.minimum:
        scale_zh += f"，最低{const(rule.minimum)}分"
        scale_en += f", at least {const(rule.minimum)}"
    formats = wording.head_formats(target=False)
    formats |= {"R": F("rank").cast(pl.String), "S": score_format(F("score"))}
    return wording.template(
        formats,
        ["同类第", F("R"), f"名，{scale_zh}，", *end_zh],
        ["place ", F("R"), f" in kind, {scale_en}: ", *end_en],
    )


def level_progress_text(item: ItemSpec, rule: LevelProgressRule) -> Template:
    """Level against the best, progress against the best improvement, the weights used.

    ``… 同类最优95.00%，水平0.9842；上期92.00%，改善1.50个百分点，同类最大改善1.50个百分点，
    进步1.0000；不低于同类平均92.8333%，按0.7:0.3计：20×(0.7×0.9842+0.3×1.0000)，得19.78/20分``

    Fields ``a p best level improvement best_improvement progress mean above score``.
    """
    wording = _Wording(item)
    best_zh, best_en = wording.amount("best", "B")
    previous_zh, previous_en = wording.amount("p", "PV")
    gain_zh, gain_en = wording.gap("improvement", "I")
    top_zh, top_en = wording.gap("best_improvement", "BI")
    mean_zh, mean_en = wording.amount("mean", "M")
    # Progress reads three ways; only the improving one has figures to divide.
    no_previous = F("p").is_null()
    no_gain = F("improvement") <= 0
    progress_zh = (
        pl.when(no_previous)
        .then(pl.lit("上期缺数，进步按0计"))
        .when(no_gain)
        .then(concat(["上期", *previous_zh, "，未改善，进步0"]))
        .otherwise(
            concat(
                ["上期", *previous_zh, "，改善", *gain_zh, "，同类最大改善", *top_zh]
                + ["，进步", F("P")]
            )
        )
    )
    progress_en = (
        pl.when(no_previous)
        .then(pl.lit("no previous figure, progress 0"))
        .when(no_gain)
        .then(concat(["previous ", *previous_en, ", no improvement, progress 0"]))
        .otherwise(
            concat(
                ["previous ", *previous_en, ", improved ", *gain_en]
                + [", best improvement of kind ", *top_en, ", progress ", F("P")]
            )
        )
    )
    side = ("不低于", "低于") if wording.higher else ("不高于", "高于")
    above_level, above_progress = (const(x) for x in rule.above)
    below_level, below_progress = (const(x) for x in rule.below)
    weight = wording.weight
    # The side of the mean decides the wording and the weights of the formula.
    blend_zh = choose(F("above"), f"{side[0]}同类平均", f"{side[1]}同类平均")
    weights_zh = choose(
        F("above"),
        f"，按{above_level}:{above_progress}计：{weight}×({above_level}×",
        f"，按{below_level}:{below_progress}计：{weight}×({below_level}×",
    )
    blend_en = choose(
        F("above"), "at least as good as the kind's mean ", "worse than the kind's mean "
    )
    weights_en = choose(
        F("above"),
        f", weighted {above_level}:{above_progress}: {weight}×({above_level}×",
        f", weighted {below_level}:{below_progress}: {weight}×({below_level}×",
    )
    second = choose(F("above"), f"+{above_progress}×", f"+{below_progress}×")
    formula: list[Piece] = [F("L"), second, F("P"), ")"]
    end_zh, end_en = wording.score_end()
    formats = wording.head_formats(target=False)
    formats |= {
        "B": wording.fixed("best"),
        "PV": wording.fixed("p"),
        "I": wording.fixed("improvement"),
        "BI": wording.fixed("best_improvement"),
        "L": format_fixed_expr(F("level"), RATIO_DECIMALS),
        "P": format_fixed_expr(F("progress"), RATIO_DECIMALS),
        "M": format_trimmed_expr(F("mean"), item.decimals + 2),
        "S": score_format(F("score")),
    }
    return wording.template(
        formats,
        ["同类最优", *best_zh, "，水平", F("L"), "；", progress_zh, "；", blend_zh, *mean_zh]
        + [weights_zh, *formula, "，", *end_zh],
        ["best of kind ", *best_en, ", level ", F("L"), "; ", progress_en, "; ", blend_en]
        + [*mean_en, weights_en, *formula, ", ", *end_en],
    )


def bonus_text(item: ItemSpec, rule: BonusRule) -> Template:
    """``… 目标≥95%，超0.80个百分点，每1个百分点加1分，最多加5分，加0.80分``.

    Fields ``a t met`` and, per step, ``excess steps score`` (the bonus). A flat bonus reads
    ``已达标，加10.00分`` / ``未达标，加0.00分``.
    """
    wording = _Wording(item)
    target_zh, target_en = wording.target()
    formats = wording.head_formats(target=True)
    if rule.flat:
        shown = format_fixed(min(rule.cap, rule.points), SCORE_DECIMALS)
        end_zh, end_en = _switch(
            F("met"),
            (f"已达标，加{shown}分", f"target met: +{shown}"),
            ("未达标，加0.00分", "target not met: +0.00"),
        )
        return wording.template(formats, [*target_zh, end_zh], [*target_en, end_en])
    gap_zh, gap_en = wording.gap("excess", "G")
    per_zh, per_en = wording.per_step(rule.step)
    round_zh, round_en = wording.step_rounding(rule.whole_steps, rule.step)
    cap = const(rule.cap)
    exceeded_zh = concat(
        ["超" if wording.higher else "低", *gap_zh, f"，{per_zh}加{const(rule.points)}分，"]
        + [*round_zh, f"最多加{cap}分，加", F("S"), "分"]
    )
    exceeded_en = concat(
        [*gap_en, " above" if wording.higher else " below"]
        + [f", {_points_en(rule.points)} added {per_en}", *round_en, f", at most {cap}: +", F("S")]
    )
    formats |= {"G": wording.fixed("excess"), "S": score_format(F("score"))}
    if rule.whole_steps:
        formats["N"] = format_fixed_expr(F("steps"), 0)
    end_zh, end_en = _switch(
        F("met"),
        (exceeded_zh, exceeded_en),
        ("未超过目标，加0.00分", "target not exceeded: +0.00"),
    )
    return wording.template(formats, [*target_zh, end_zh], [*target_en, end_en])
