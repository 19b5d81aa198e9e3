"""The sentences the Word documents are made of, worded from figures (no database here).

Every sentence exists in Chinese and English and adapts to the data: a change is 上升 / 下降 /
持平 (up / down / unchanged), a target is 完成 / 未完成 (met / missed), one unit is not "units".
Figures are shown as the results pages show them: rounded half-up to the indicator's decimals
(:func:`kaohe.engine.rounding.format_fixed`), targets without trailing zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from kaohe.engine.rounding import format_fixed, format_trimmed, round_half_up

ZH: Final = "zh"
EN: Final = "en"

# Units whose differences are points of the same scale (上升 2 个百分点), not amounts.
_POINTS: Final[dict[str, tuple[str, str]]] = {
    "%": ("个百分点", "percentage points"),
    "‰": ("个千分点", "per-mille points"),
    "‱": ("个万分点", "points per ten thousand"),
}
CHINESE_ORDINALS: Final = "一二三四五六七八九十"


def lang_of(language: str) -> str:
    """``en`` for an English request, ``zh`` for everything else (the offices' own)."""
    return EN if language.lower().startswith("en") else ZH


def ordinal_zh(index: int) -> str:
    """一, 二, … 十, 十一 … for 1, 2, … (the numbering of 一是 / （一）)."""
    if index <= 10:
        return CHINESE_ORDINALS[index - 1]
    tens, ones = divmod(index, 10)
    head = "" if tens == 1 else CHINESE_ORDINALS[tens - 1]
    return f"{head}十{CHINESE_ORDINALS[ones - 1] if ones else ''}"


def ordinal_en(index: int) -> str:
    """First, Second, … (then 11th, 12th …)."""
    words = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth")
    if index <= len(words):
        return words[index - 1]
    return f"{index}th"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 village``, ``2 villages`` (English only; Chinese needs no plural)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


def join_zh(parts: Sequence[str]) -> str:
    """Names as a Chinese list: 甲、乙和丙."""
    items = [p for p in parts if p]
    if len(items) <= 1:
        return "".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


def join_en(parts: Sequence[str]) -> str:
    """Names as an English list: A, B and C."""
    items = [p for p in parts if p]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def join(parts: Sequence[str], lang: str) -> str:
    return join_en(parts) if lang == EN else join_zh(parts)


def money(amount: Decimal, lang: str) -> str:
    """``12,000 元`` / ``¥12,000`` (fen shown only when there are any)."""
    rounded = round_half_up(amount, 2)
    text = f"{rounded:,.0f}" if rounded == rounded.to_integral_value() else f"{rounded:,.2f}"
    return f"¥{text}" if lang == EN else f"{text}元"


@dataclass(frozen=True)
class Measure:
    """How a figure is shown: its unit label (``%``, ``‰``, ``人``, ``""``) and decimals."""

    unit: str
    decimals: int

    def show(self, value: float | Decimal | None) -> str:
        """The value as the results pages show it, with its unit (``10.74‰``)."""
        return f"{format_fixed(value, self.decimals)}{self.unit}"

    def show_target(self, value: float | Decimal) -> str:
        """A target without trailing zeros (``12‰``, ``95%``)."""
        return f"{format_trimmed(value, self.decimals)}{self.unit}"

    @property
    def is_rate(self) -> bool:
        return self.unit in _POINTS

    def difference(self, value: float | Decimal, other: float | Decimal) -> Decimal:
        """``value − other`` between the two figures as shown (so a reader can check it)."""
        return round_half_up(value, self.decimals) - round_half_up(other, self.decimals)

    def amount(self, difference: Decimal, lang: str) -> str:
        """A difference in words: ``0.50个百分点`` / ``0.50 percentage points``, ``3人``."""
        number = format_fixed(abs(difference), self.decimals)
        if self.unit in _POINTS:
            zh, en = _POINTS[self.unit]
            return f"{number} {en}" if lang == EN else f"{number}{zh}"
        if lang == EN:
            return f"{number} {self.unit}".rstrip() if self.unit else number
        return f"{number}{self.unit}"


def change(
    value: float | Decimal | None,
    previous: float | Decimal | None,
    measure: Measure,
    lang: str,
    *,
    count: bool = False,
    short: bool = False,
) -> str:
    """The comparison with the year before: ``比上年上升0.50个百分点`` / ``下降`` / ``与上年持平``
    (``增加`` / ``减少`` for counts such as births); ``short`` leaves out the year before (a
    table column says it: ``上升0.50个百分点``, ``持平``). Empty when either figure is missing."""
    if value is None or previous is None:
        return ""
    difference = measure.difference(value, previous)
    if difference == 0:
        if lang == EN:
            return "unchanged" if short else "unchanged from the year before"
        return "持平" if short else "与上年持平"
    up = difference > 0
    amount = measure.amount(difference, lang)
    if lang == EN:
        if count:
            verb = "more" if up else "fewer"
            return f"{amount} {verb}" if short else f"{amount} {verb} than the year before"
        verb = "up" if up else "down"
        return f"{verb} {amount}" if short else f"{verb} {amount} on the year before"
    verb = ("增加" if up else "减少") if count else ("上升" if up else "下降")
    return f"{verb}{amount}" if short else f"比上年{verb}{amount}"


def met(value: float | None, target: float | None, direction: str) -> bool | None:
    """Whether ``value`` reaches ``target`` (≥, or ≤ where lower is better); None when either
    is missing (the same rule as the results pages)."""
    if value is None or target is None:
        return None
    return value <= target if direction == "lower" else value >= target


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator of the area (the township's own figure) with its target and last year's."""

    code: str
    name: str
    measure: Measure
    value: float | None
    target: float | None
    direction: str  # "higher", "lower" or "" (no target)
    previous: float | None = None

    @property
    def met(self) -> bool | None:
        return met(self.value, self.target, self.direction)

    def shown(self) -> str:
        return self.measure.show(self.value) if self.value is not None else "—"

    def shown_target(self) -> str:
        if self.target is None:
            return ""
        sign = "≤" if self.direction == "lower" else "≥"
        return f"{sign} {self.measure.show_target(self.target)}"

    def shown_previous(self) -> str:
        return self.measure.show(self.previous) if self.previous is not None else "—"

    def change(self, lang: str, *, short: bool = False) -> str:
        return change(self.value, self.previous, self.measure, lang, short=short)

    def status(self, lang: str) -> str:
        """完成 / 未完成 (met / missed), empty without a target or a value."""
        if self.met is None:
            return ""
        if lang == EN:
            return "met" if self.met else "missed"
        return "完成" if self.met else "未完成"


def target_clause(figure: IndicatorFigure, lang: str) -> str:
    """How the value stands against its target: ``控制在12‰以内`` / ``超过12‰的控制指标0.50个千分点``,
    ``达到95%的目标`` / ``低于95%的目标1.20个百分点``; empty without a target or a value."""
    outcome = figure.met
    if outcome is None or figure.value is None or figure.target is None:
        return ""
    target = figure.measure.show_target(figure.target)
    gap = figure.measure.amount(figure.measure.difference(figure.value, figure.target), lang)
    lower = figure.direction == "lower"
    if lang == EN:
        if lower:
            return (
                f"within the limit of {target}" if outcome else f"{gap} over the limit of {target}"
            )
        return (
            f"reaching the target of {target}"
            if outcome
            else f"{gap} short of the target of {target}"
        )
    if lower:
        return f"控制在{target}以内" if outcome else f"超过{target}的控制指标{gap}"
    return f"达到{target}的目标" if outcome else f"低于{target}的目标{gap}"


def indicator_sentence(figure: IndicatorFigure, lang: str) -> str:
    """The indicator in one clause: name, value, the target clause and the change on last year
    (``人口出生率为10.74‰，控制在12‰以内，比上年下降0.07个千分点``)."""
    if figure.value is None:
        if lang == EN:
            return f"the {lowered(figure.name)} could not be computed (figures missing)"
        return f"{figure.name}因缺少数据无法计算"
    parts = [
        f"the {lowered(figure.name)} was {figure.shown()}"
        if lang == EN
        else f"{figure.name}为{figure.shown()}"
    ]
    parts += [p for p in (target_clause(figure, lang), figure.change(lang)) if p]
    return (", " if lang == EN else "，").join(parts)


def lowered(name: str) -> str:
    """An English name inside a sentence: ``Birth rate`` → ``birth rate`` (``ADX`` stays)."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def capitalised(text: str) -> str:
    """An English clause as the start of a sentence."""
    return text[:1].upper() + text[1:] if text else text


def sentence(clauses: Sequence[str], lang: str) -> str:
    """Clauses as one sentence (``；`` between, ``。`` at the end; English ``; `` and ``.``)."""
    items = [c for c in clauses if c]
    if not items:
        return ""
    if lang == EN:
        return capitalised("; ".join(items)) + "."
    return "；".join(items) + "。"
