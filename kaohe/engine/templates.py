"""The wording of item explanations, in Chinese and English, as data.

Each explanation prints the figures the score was computed from (the actual as shown, the
target, the gap, the deduction, the score), so a clerk can redo the arithmetic on paper:
``计划生育率 93.50%，目标≥95%，低1.50个百分点，每1个百分点扣2分，扣3.00分，得17.00/20分``.

:func:`item_templates` words an item once (it is cached): for each branch code of
:mod:`kaohe.engine.rules` a Chinese and an English :data:`Template`, a tuple of pieces. Plain
strings are literal text: the item's name, unit words, weight, points, steps and labels are
constants of the item and are baked in here. A :class:`Figure` prints one of the outcome's
figures; a :class:`Plural` picks an English unit word by whether a figure prints as ``1``.
:mod:`kaohe.engine.explain` renders templates, row by row or vectorised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kaohe.engine.rounding import format_fixed, format_trimmed
from kaohe.engine.rules import (
    BRANCH_CAPPED,
    BRANCH_DEDUCTED,
    BRANCH_FLOORED,
    BRANCH_INVALID_TARGET,
    BRANCH_LEVEL_PROGRESS,
    BRANCH_MET,
    BRANCH_MISSING_ACTUAL,
    BRANCH_MISSING_TARGET,
    BRANCH_NOT_MET,
    PROGRESS_GAINED,
    PROGRESS_NO_GAIN,
    PROGRESS_NO_PREVIOUS,
    RATIO_DECIMALS,
    SCORE_DECIMALS,
    branch_count,
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
    RatioRule,
    RelativeToBestRule,
    ThresholdRule,
)

# Constants (weights, steps, points) are trimmed at this precision: a step of 0.5 stays 0.5,
# a weight of 20 prints as 20.
_CONSTANT_DECIMALS = 4

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Figure:
    """``outcome.figures[name]`` printed with ``decimals`` decimals (``trimmed``: no
    trailing zeros, ``95.00`` → ``95``); a NaN figure prints as nothing."""

    name: str
    decimals: int
    trimmed: bool = False


@dataclass(frozen=True)
class Plural:
    """``one`` where ``figure`` prints as ``1``, else ``many`` (``1 person``, ``2 persons``)."""

    figure: Figure
    one: str
    many: str


Piece = str | Figure | Plural
Template = tuple[Piece, ...]


@dataclass(frozen=True)
class ItemTemplates:
    """An item's explanation templates, indexed by branch code, in both languages.

    A branch code the item's rule never produces has an empty template.
    """

    code: str
    zh: tuple[Template, ...]
    en: tuple[Template, ...]

    def branches(self, lang: str) -> tuple[Template, ...]:
        """The templates of ``lang`` (``"zh"`` or ``"en"``)."""
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")

    def figures(self) -> tuple[Figure, ...]:
        """Every figure the templates print, in order of first use."""
        return tuple(dict.fromkeys(_figures(self.zh + self.en)))

    def plurals(self) -> tuple[Plural, ...]:
        """Every plural choice the templates make, in order of first use."""
        pieces = (p for template in self.zh + self.en for p in template)
        return tuple(dict.fromkeys(p for p in pieces if isinstance(p, Plural)))


def _figures(templates: Iterable[Template]) -> Iterable[Figure]:
    for template in templates:
        for piece in template:
            if isinstance(piece, Figure):
                yield piece
            elif isinstance(piece, Plural):
                yield piece.figure


def merge(pieces: Iterable[Piece]) -> Template:
    """A template of ``pieces`` with adjacent literals merged and empty ones dropped."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str):
            if not piece:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += piece
                continue
        merged.append(piece)
    return tuple(merged)


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


def const(value: float) -> str:
    """A rule constant (weight, step, points, target ratio) as printed: ``20``, ``0.5``."""
    return format_trimmed(value, _CONSTANT_DECIMALS)


def _points_en(value: float) -> str:
    return f"{const(value)} point" if value == 1 else f"{const(value)} points"


Pieces = list[Piece]
Pair = tuple[Pieces, Pieces]  # Chinese and English pieces

SCORE = Figure("score", SCORE_DECIMALS)
DEDUCTION = Figure("deduction", SCORE_DECIMALS)
STEPS = Figure("steps", 0)


class _Wording:
    """The pieces every template shares: the item's name, figures with units, the score."""

    def __init__(self, item: ItemSpec) -> None:
        self.item = item
        self.words = unit_words(item.unit)
        self.weight = const(item.weight)
        self.higher = item.direction is Direction.HIGHER
        self.relation = "≥" if self.higher else "≤"

    def fixed(self, name: str) -> Figure:
        """A figure in the actual's unit with the item's decimals (``93.50``)."""
        return Figure(name, self.item.decimals)

    def trimmed(self, name: str, extra: int = 0) -> Figure:
        """A target-like figure without trailing zeros (``95``), ``extra`` decimals more."""
        return Figure(name, self.item.decimals + extra, trimmed=True)

    def _en(self, figure: Figure, one: str, many: str) -> Piece:
        # "1 person" but "2 persons" and "1.00 persons": only whole figures take the singular.
        if self.item.decimals > 0 or one == many:
            return many
        return Plural(figure, one, many)

    def amount(self, figure: Figure) -> Pair:
        """A figure with its unit: ``38人`` / ``38 persons``."""
        words = self.words
        return [figure, words.zh], [figure, self._en(figure, words.en_one, words.en_many)]

    def gap(self, figure: Figure) -> Pair:
        """A difference of figures with its unit: ``1.50个百分点`` / ``1.50 percentage points``."""
        words = self.words
        return [figure, words.gap_zh], [
            figure,
            self._en(figure, words.gap_en_one, words.gap_en_many),
        ]

    def per_step(self, step: float) -> tuple[str, str]:
        """``每1个百分点`` / ``per 1 percentage point``."""
        words = self.words
        gap_en = words.gap_en_one if step == 1 else words.gap_en_many
        return f"每{const(step)}{words.gap_zh}", f"per {const(step)}{gap_en}"

    def head(self) -> Pair:
        """``计划生育率 93.50%，`` / ``Planned birth rate 93.50%, ``."""
        zh, en = self.amount(self.fixed("actual"))
        return [f"{self.item.name} ", *zh, "，"], [f"{self.item.name_en} ", *en, ", "]

    def target(self) -> Pair:
        """``目标≥95%，`` / ``target ≥ 95%, ``."""
        zh, en = self.amount(self.trimmed("target"))
        return [f"目标{self.relation}", *zh, "，"], [f"target {self.relation} ", *en, ", "]

    def score_end(self) -> Pair:
        """``得17.00/20分`` / ``score 17.00/20``."""
        return ["得", SCORE, f"/{self.weight}分"], ["score ", SCORE, f"/{self.weight}"]

    def full_marks(self, zh: str, en: str) -> Pair:
        """A fixed ending for a branch scoring the whole weight (``已达标，得20.00/20分``)."""
        full = format_fixed(self.item.weight, SCORE_DECIMALS)
        return [f"{zh}，得{full}/{self.weight}分"], [f"{en}, score {full}/{self.weight}"]

    def no_marks(self, zh: str, en: str) -> Pair:
        """A fixed ending for a branch scoring nothing (``未达标，得0.00/20分``)."""
        return [f"{zh}，得0.00/{self.weight}分"], [f"{en}, score 0.00/{self.weight}"]

    def step_rounding(self, whole_steps: bool, step: float) -> Pair:
        """``不足1个百分点按1个百分点计，计2步，`` when part steps count in full."""
        if not whole_steps:
            return [], []
        per = f"{const(step)}{self.words.gap_zh}"
        return [f"不足{per}按{per}计，计", STEPS, "步，"], [
            ", part steps count in full (",
            STEPS,
            " steps)",
        ]

    def deduction_end(self, floored: bool) -> Pair:
        """``扣3.00分，[扣完为止，]得17.00/20分`` / ``: −3.00[, floored at 0], score 17.00/20``."""
        end_zh, end_en = self.score_end()
        return (
            ["扣", DEDUCTION, "分，", "扣完为止，" if floored else "", *end_zh],
            [": −", DEDUCTION, ", floored at 0" if floored else "", ", ", *end_en],
        )


class _Branches:
    """The templates of one item under construction, by branch code."""

    def __init__(self, item: ItemSpec) -> None:
        self.wording = _Wording(item)
        self.zh: list[Template] = [()] * branch_count(item)
        self.en: list[Template] = [()] * branch_count(item)
        zh, en = missing_actual_text(item)
        self.zh[BRANCH_MISSING_ACTUAL], self.en[BRANCH_MISSING_ACTUAL] = (zh,), (en,)

    def set(self, code: int, pair: Pair, *, head: bool = True) -> None:
        """Branch ``code`` reads the item's head (unless ``head`` is False), then ``pair``."""
        head_zh, head_en = self.wording.head() if head else ([], [])
        self.zh[code] = merge([*head_zh, *pair[0]])
        self.en[code] = merge([*head_en, *pair[1]])

    def with_target(self, code: int, body: Pair) -> None:
        """Branch ``code`` reads ``目标≥95%，`` and ``body`` after the head."""
        target_zh, target_en = self.wording.target()
        self.set(code, ([*target_zh, *body[0]], [*target_en, *body[1]]))

    def missing_target(self, *, invalid: bool = False) -> None:
        """The branches of a unit with no (``invalid``: or an unusable) target."""
        self.set(BRANCH_MISSING_TARGET, missing_target_text(self.wording, invalid=False))
        self.set(BRANCH_INVALID_TARGET, missing_target_text(self.wording, invalid=invalid))

    def build(self) -> ItemTemplates:
        return ItemTemplates(self.wording.item.code, tuple(self.zh), tuple(self.en))


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


def missing_target_text(wording: _Wording, *, invalid: bool) -> Pair:
    """What follows the head without a target: ``缺少目标，得0.00/20分（待核实）``.

    With ``invalid`` (a rule that divides by the target) the unusable target is named
    instead: ``目标0%无效``, so the clerk sees why.
    """
    what_zh: Pieces = ["缺少目标"]
    what_en: Pieces = ["missing target"]
    if invalid:
        target = wording.trimmed("target")
        what_zh = ["目标", target, wording.words.zh, "无效"]
        what_en = ["invalid target ", target, wording.words.en_many]
    if isinstance(wording.item.rule, BonusRule):
        return [*what_zh, "，加0.00分（待核实）"], [*what_en, ": +0.00 (to be checked)"]
    weight = wording.weight
    return [*what_zh, f"，得0.00/{weight}分（待核实）"], [
        *what_en,
        f": 0.00/{weight} (to be checked)",
    ]


# --- one builder per rule type -------------------------------------------------------------


@lru_cache(maxsize=4096)
def item_templates(item: ItemSpec) -> ItemTemplates:
    """The explanation templates of ``item`` for every branch code (cached per item)."""
    rule = item.rule
    branches = _Branches(item)
    if isinstance(rule, ThresholdRule):
        _threshold(branches)
    elif isinstance(rule, LinearRule):
        _linear(branches, rule)
    elif isinstance(rule, PerCaseRule):
        _per_case(branches, rule)
    elif isinstance(rule, BandRule):
        _band(branches, rule)
    elif isinstance(rule, RatioRule):
        _ratio(branches)
    elif isinstance(rule, RelativeToBestRule):
        _relative_to_best(branches)
    elif isinstance(rule, RankPointsRule):
        _rank_points(branches, rule)
    elif isinstance(rule, LevelProgressRule):
        _level_progress(branches, rule)
    elif isinstance(rule, BonusRule):
        _bonus(branches, rule)
    else:  # pragma: no cover - spec.RuleParams is closed
        raise TypeError(f"unknown rule parameters {rule!r}")
    return branches.build()


def _threshold(branches: _Branches) -> None:
    """``… 目标≥95%，已达标，得20.00/20分`` / ``未达标，得0.00/20分``."""
    wording = branches.wording
    branches.missing_target()
    branches.with_target(BRANCH_MET, wording.full_marks("已达标", "target met"))
    branches.with_target(BRANCH_NOT_MET, wording.no_marks("未达标", "target not met"))


def _linear(branches: _Branches, rule: LinearRule) -> None:
    """``… 目标≥95%，低1.50个百分点，每1个百分点扣2分，扣3.00分，得17.00/20分``.

    A capped deduction adds ``最多扣10分``, a score floored at 0 ``扣完为止``.
    """
    wording = branches.wording
    branches.missing_target()
    branches.with_target(BRANCH_MET, wording.full_marks("已达标", "target met"))
    gap_zh, gap_en = wording.gap(wording.fixed("gap"))
    per_zh, per_en = wording.per_step(rule.step)
    round_zh, round_en = wording.step_rounding(rule.whole_steps, rule.step)
    cap = const(rule.max_deduction) if rule.max_deduction is not None else ""
    for capped in (False, True):
        for floored in (False, True):
            end_zh, end_en = wording.deduction_end(floored)
            zh: Pieces = ["低" if wording.higher else "高", *gap_zh]
            zh += [f"，{per_zh}扣{const(rule.points)}分，", *round_zh]
            zh += [f"最多扣{cap}分，" if capped else "", *end_zh]
            en: Pieces = [*gap_en, " below" if wording.higher else " above"]
            en += [f", {_points_en(rule.points)} off {per_en}", *round_en]
            en += [f", at most {cap} off" if capped else "", *end_en]
            code = BRANCH_DEDUCTED + capped * BRANCH_CAPPED + floored * BRANCH_FLOORED
            branches.with_target(code, (zh, en))


def _per_case(branches: _Branches, rule: PerCaseRule) -> None:
    """``漏报3例，每例扣2分；瞒报1例，每例扣5分，扣11.00分，得9.00/20分``.

    ``count0`` is the item's own count (labelled with the item's name), ``count1``… one per
    ``rule.also`` term.
    """
    wording = branches.wording
    item = wording.item
    terms = [(item.name, item.name_en, rule.points)]
    terms += [(term.label, term.label_en, term.points) for term in rule.also]
    zh: Pieces = []
    en: Pieces = []
    for index, (label, label_en, points) in enumerate(terms):
        count = wording.fixed(f"count{index}")
        zh += ["；" if index else "", label, count, rule.case_label]
        zh += [f"，每{rule.case_label}扣{const(points)}分"]
        en += ["; " if index else "", f"{label_en} ", count]
        en += [f", {_points_en(points)} off per {rule.case_label_en}"]
    for floored in (False, True):
        end_zh, end_en = wording.deduction_end(floored)
        code = BRANCH_DEDUCTED + floored * BRANCH_FLOORED
        branches.set(code, ([*zh, "，", *end_zh], [*en, *end_en]), head=False)


def _band(branches: _Branches, rule: BandRule) -> None:
    """``出生人数 38人，应在34–40人之间（目标40人的85%–100%），符合，得20.00/20分``.

    The bounds print with two decimals more than the actual, as they are compared (85% of 41
    is 34.85).
    """
    wording = branches.wording
    words = wording.words
    branches.missing_target()
    target_zh, target_en = wording.amount(wording.trimmed("target"))
    low, high = wording.trimmed("low", 2), wording.trimmed("high", 2)
    share = f"{const(rule.low * 100)}%–{const(rule.high * 100)}%"
    zh: Pieces = ["应在", low, "–", high, f"{words.zh}之间（目标", *target_zh, f"的{share}），"]
    en: Pieces = ["should be ", low, "–", high, words.en_many]
    en += [f" ({share} of target ", *target_en, "), "]
    for code, (end_zh, end_en) in (
        (BRANCH_MET, wording.full_marks("符合", "within range")),
        (BRANCH_NOT_MET, wording.no_marks("不符合", "outside range")),
    ):
        branches.set(code, ([*zh, *end_zh], [*en, *end_en]))


def _proportional(wording: _Wording, over: Figure, under: Figure) -> Pair:
    """``按比例20×38/40，得19.00/20分`` / ``proportional 20×38/40, score 19.00/20``."""
    formula: Pieces = [f"{wording.weight}×", over, "/", under]
    end_zh, end_en = wording.score_end()
    return ["按比例", *formula, "，", *end_zh], ["proportional ", *formula, ", ", *end_en]


def _ratio(branches: _Branches) -> None:
    """``… 目标≥40人，按比例20×38/40，得19.00/20分``.

    At or past the target it reads ``已达标，得20.00/20分``; lower-is-better prints the
    formula the other way up (``10×3/4.00``); an unusable target reads ``目标0人无效``.
    """
    wording = branches.wording
    branches.missing_target(invalid=True)
    actual, target = wording.fixed("actual"), wording.trimmed("target")
    over, under = (actual, target) if wording.higher else (target, actual)
    branches.with_target(BRANCH_MET, wording.full_marks("已达标", "target met"))
    branches.with_target(BRANCH_NOT_MET, _proportional(wording, over, under))


def _relative_to_best(branches: _Branches) -> None:
    """``… 同类最优40人，按比例20×38/40，得19.00/20分``; the best: ``为同类最优，得20.00/20分``."""
    wording = branches.wording
    actual, best = wording.fixed("actual"), wording.fixed("best")
    best_zh, best_en = wording.amount(best)
    over, under = (actual, best) if wording.higher else (best, actual)
    for code, (end_zh, end_en) in (
        (BRANCH_MET, wording.full_marks("为同类最优", "this unit is the best")),
        (BRANCH_NOT_MET, _proportional(wording, over, under)),
    ):
        branches.set(
            code,
            (["同类最优", *best_zh, "，", *end_zh], ["best of kind ", *best_en, ", ", *end_en]),
        )


def _rank_points(branches: _Branches, rule: RankPointsRule) -> None:
    """``… 同类第3名，第1名6分，每降1名减1分，得4.00/6分``."""
    wording = branches.wording
    end_zh, end_en = wording.score_end()
    scale_zh = f"第1名{const(rule.first)}分，每降1名减{const(rule.step)}分"
    scale_en = f"{_points_en(rule.first)} for first, {const(rule.step)} less per place"
    if rule.minimum:
        scale_zh += f"，最低{const(rule.minimum)}分"
        scale_en += f", at least {const(rule.minimum)}"
    rank = Figure("rank", 0)
    branches.set(
        BRANCH_MET,
        (
            ["同类第", rank, f"名，{scale_zh}，", *end_zh],
            ["place ", rank, f" in kind, {scale_en}: ", *end_en],
        ),
    )


def _level_progress(branches: _Branches, rule: LevelProgressRule) -> None:
    """Level against the best, progress against the best improvement, the weights used.

    ``… 同类最优95.00%，水平0.9842；上期92.00%，改善1.50个百分点，同类最大改善1.50个百分点，
    进步1.0000；不低于同类平均92.8333%，按0.7:0.3计：20×(0.7×0.9842+0.3×1.0000)，得19.78/20分``
    """
    wording = branches.wording
    best_zh, best_en = wording.amount(wording.fixed("best"))
    previous_zh, previous_en = wording.amount(wording.fixed("previous"))
    gain_zh, gain_en = wording.gap(wording.fixed("improvement"))
    top_zh, top_en = wording.gap(wording.fixed("best_improvement"))
    mean_zh, mean_en = wording.amount(wording.trimmed("mean", 2))
    level, progress = Figure("level", RATIO_DECIMALS), Figure("progress", RATIO_DECIMALS)
    # Progress reads three ways; only the improving one has figures to divide.
    progress_text: dict[int, Pair] = {
        PROGRESS_NO_PREVIOUS: (["上期缺数，进步按0计"], ["no previous figure, progress 0"]),
        PROGRESS_NO_GAIN: (
            ["上期", *previous_zh, "，未改善，进步0"],
            ["previous ", *previous_en, ", no improvement, progress 0"],
        ),
        PROGRESS_GAINED: (
            [
                "上期",
                *previous_zh,
                "，改善",
                *gain_zh,
                "，同类最大改善",
                *top_zh,
                "，进步",
                progress,
            ],
            ["previous ", *previous_en, ", improved ", *gain_en]
            + [", best improvement of kind ", *top_en, ", progress ", progress],
        ),
    }
    side = ("不低于", "低于") if wording.higher else ("不高于", "高于")
    weight = wording.weight
    end_zh, end_en = wording.score_end()
    # The side of the mean decides the wording and the weights of the formula.
    for below, weights in enumerate((rule.above, rule.below)):
        first, second = (const(x) for x in weights)
        mean_words = "worse than" if below else "at least as good as"
        blend_zh: Pieces = [f"{side[below]}同类平均", *mean_zh]
        blend_zh += [f"，按{first}:{second}计：{weight}×({first}×"]
        blend_en: Pieces = [f"{mean_words} the kind's mean ", *mean_en]
        blend_en += [f", weighted {first}:{second}: {weight}×({first}×"]
        formula: Pieces = [level, f"+{second}×", progress, ")"]
        for case, (progress_zh, progress_en) in progress_text.items():
            zh: Pieces = ["同类最优", *best_zh, "，水平", level, "；", *progress_zh, "；"]
            en: Pieces = ["best of kind ", *best_en, ", level ", level, "; ", *progress_en, "; "]
            zh += [*blend_zh, *formula, "，", *end_zh]
            en += [*blend_en, *formula, ", ", *end_en]
            branches.set(BRANCH_LEVEL_PROGRESS + 2 * case + below, (zh, en))


def _bonus(branches: _Branches, rule: BonusRule) -> None:
    """``… 目标≥95%，超0.80个百分点，每1个百分点加1分，最多加5分，加0.80分``.

    A flat bonus reads ``已达标，加10.00分`` / ``未达标，加0.00分``.
    """
    wording = branches.wording
    branches.missing_target()
    if rule.flat:
        shown = format_fixed(min(rule.cap, rule.points), SCORE_DECIMALS)
        branches.with_target(BRANCH_MET, ([f"已达标，加{shown}分"], [f"target met: +{shown}"]))
        branches.with_target(BRANCH_NOT_MET, (["未达标，加0.00分"], ["target not met: +0.00"]))
        return
    gap_zh, gap_en = wording.gap(wording.fixed("excess"))
    per_zh, per_en = wording.per_step(rule.step)
    round_zh, round_en = wording.step_rounding(rule.whole_steps, rule.step)
    cap = const(rule.cap)
    zh: Pieces = ["超" if wording.higher else "低", *gap_zh]
    zh += [f"，{per_zh}加{const(rule.points)}分，", *round_zh, f"最多加{cap}分，加", SCORE, "分"]
    en: Pieces = [*gap_en, " above" if wording.higher else " below"]
    en += [f", {_points_en(rule.points)} added {per_en}", *round_en, f", at most {cap}: +", SCORE]
    branches.with_target(BRANCH_MET, (zh, en))
    branches.with_target(BRANCH_NOT_MET, (["未超过目标，加0.00分"], ["target not exceeded: +0.00"]))
