"""Which units are designated weak (薄弱/后进), put under strict management (严管) or shown a
yellow card (黄牌) after an assessment, and why, in words a clerk understands.

A scheme lists its designation rules (``Scheme.designation_rules``, a JSON list); each rule has
a ``code``, a ``status`` (``weak``, ``strict`` or ``yellow_card``), a ``name`` (the label a unit
gets: 薄弱村, 严管村 …), an optional ``name_en``, an optional ``unit_kinds`` list, and one
condition under ``when``:

* ``{"grade_in": [GRADE…]}``: the unit's grade is one of these;
* ``{"vetoed": true}``: the unit was vetoed (一票否决) by any veto;
* ``{"veto_in": [VETO…]}``: the unit was vetoed by one of these vetoes;
* ``{"bottom": N}``: the last N ranks of each kind of unit; vetoed units count (they rank last,
  with or without a total), units without a rank and not vetoed do not, and a tie at the
  boundary takes every unit of the tied rank;
* ``{"weak_again": true}``: weak now (by another rule of status weak or strict) and weak or
  strict last year: the usual rule for strict management;
* ``{"total_below": x}``: the total is below ``x``.

A unit matched by several rules takes the most severe status (strict > yellow_card > weak) and
keeps every reason. Pure: no Django, no database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kaohe.engine.rounding import format_fixed, format_trimmed

WEAK = "weak"
STRICT = "strict"
YELLOW_CARD = "yellow_card"
# Least to most severe.
STATUSES = (WEAK, YELLOW_CARD, STRICT)
SEVERITY: Mapping[str, int] = {status: level for level, status in enumerate(STATUSES)}
# What a status is called in a reason ("last year: weak").
STATUS_WORDS: Mapping[str, tuple[str, str]] = {
    WEAK: ("薄弱", "weak"),
    STRICT: ("严管", "strict management"),
    YELLOW_CARD: ("黄牌", "yellow card"),
}
# The statuses that count as "weak" for the weak-again rule, last year and this.
_WEAK_LIKE = frozenset({WEAK, STRICT})
_RULE_KEYS = frozenset({"code", "status", "name", "name_en", "unit_kinds", "when"})
CONDITIONS = ("grade_in", "vetoed", "veto_in", "bottom", "weak_again", "total_below")


class DesignationRuleError(ValueError):
    """Designation rules that cannot be used; ``problems`` lists every problem, bilingual, each
    naming the rule (its number from 1, and its code when it has one) and the key."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- the conditions -------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeIn:
    grades: tuple[str, ...]


@dataclass(frozen=True)
class Vetoed:
    pass


@dataclass(frozen=True)
class VetoIn:
    vetoes: tuple[str, ...]


@dataclass(frozen=True)
class Bottom:
    count: int


@dataclass(frozen=True)
class WeakAgain:
    pass


@dataclass(frozen=True)
class TotalBelow:
    threshold: Decimal


Condition = GradeIn | Vetoed | VetoIn | Bottom | WeakAgain | TotalBelow


@dataclass(frozen=True)
class DesignationRule:
    """One rule of a scheme: who it designates (``when``, limited to ``unit_kinds`` when given)
    and with which status and label."""

    code: str
    status: str
    name: str
    when: Condition
    name_en: str = ""
    unit_kinds: tuple[str, ...] = ()

    def applies_to(self, kind: str) -> bool:
        """Whether the rule looks at units of this kind (every kind when none are listed)."""
        return not self.unit_kinds or kind in self.unit_kinds

    @property
    def label_en(self) -> str:
        return self.name_en or self.name


@dataclass(frozen=True)
class DesignationInput:
    """One unit's result in a published run: its grade code, total (None: missing), rank in
    its kind (None or 0: no rank) and vetoes (codes)."""

    unit: str
    kind: str
    grade: str | None
    total: Decimal | None
    rank: int | None
    vetoed: bool
    vetoes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Names:
    """What the scheme calls its grades and vetoes, code → (Chinese, English), for the reasons;
    a code without a name is shown as it is."""

    grades: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    vetoes: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def grade(self, code: str | None) -> tuple[str, str]:
        if not code:
            return ("无", "none")
        zh, en = self.grades.get(code, (code, code))
        return zh, en or zh

    def veto(self, code: str) -> tuple[str, str]:
        zh, en = self.vetoes.get(code, (code, code))
        return zh, en or zh


@dataclass(frozen=True)
class Designation:
    """A designated unit: its status, the rule that decided it (the first, in the scheme's
    order, of the most severe status), every matching rule, and the reasons in words."""

    unit: str
    status: str
    rule: str
    reason_zh: str
    reason_en: str
    rules: tuple[str, ...] = ()


# --- reading the configuration --------------------------------------------------------------


def _where(index: int, code: object) -> tuple[str, str]:
    if isinstance(code, str) and code.strip():
        return (
            f"认定规则第 {index} 条（{code.strip()}）",
            f"designation rule {index} ({code.strip()})",
        )
    return f"认定规则第 {index} 条", f"designation rule {index}"


def _codes(value: object) -> tuple[str, ...] | None:
    """A non-empty list of non-empty texts, else None."""
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(v.strip() for v in value)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _condition(when: object, say: Callable[[str, str, str], None]) -> Condition | None:
    """The condition of ``when``; problems are reported through ``say(key, zh, en)``."""
    if not isinstance(when, dict) or len(when) != 1:
        say(
            "when",
            "须是只含一个条件的对象，条件为 " + "、".join(CONDITIONS),
            "must be an object with exactly one condition, one of " + ", ".join(CONDITIONS),
        )
        return None
    ((key, value),) = when.items()
    if key in ("grade_in", "veto_in"):
        codes = _codes(value)
        if codes is None:
            say(f"when.{key}", "须是非空的代码列表", "must be a non-empty list of codes")
            return None
        return GradeIn(codes) if key == "grade_in" else VetoIn(codes)
    if key in ("vetoed", "weak_again"):
        if value is not True:
            say(f"when.{key}", "只能是 true", "must be true")
            return None
        return Vetoed() if key == "vetoed" else WeakAgain()
    if key == "bottom":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            say("when.bottom", "须是正整数（末几名）", "must be a whole number of at least 1")
            return None
        return Bottom(value)
    if key == "total_below":
        threshold = _decimal(value)
        if threshold is None:
            say("when.total_below", "须是一个分数", "must be a number of points")
            return None
        return TotalBelow(threshold)
    say(
        f"when.{key}",
        "不是认定条件，条件为 " + "、".join(CONDITIONS),
        "is not a condition; conditions are " + ", ".join(CONDITIONS),
    )
    return None


def designation_rules_from_config(data: list[dict[str, Any]]) -> tuple[DesignationRule, ...]:
    """The rules of ``Scheme.designation_rules``, checked all at once.

    Raises :class:`DesignationRuleError` listing every problem (bilingual, each naming the
    rule's number from 1, its code and the key); nothing is returned until all are right.
    """
    if not isinstance(data, list):
        raise DesignationRuleError(["认定规则须是列表 / designation rules must be a list of rules"])
    problems: list[str] = []
    rules: list[DesignationRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            zh, en = _where(index, None)
            problems.append(f"{zh}须是对象 / {en} must be an object")
            continue
        zh_where, en_where = _where(index, entry.get("code"))
        before = len(problems)

        def say(key: str, zh: str, en: str, zw: str = zh_where, ew: str = en_where) -> None:
            problems.append(f"{zw}的 {key} {zh} / {ew}: {key} {en}")

        for key in sorted(set(entry) - _RULE_KEYS):
            say(key, "不是认定规则的键", "is not a key of a designation rule")
        code = entry.get("code")
        if not isinstance(code, str) or not code.strip():
            say("code", "须是非空的代码", "must be a non-empty code")
        elif code.strip() in seen:
            say("code", "与前面的规则重复", "repeats an earlier rule's code")
        else:
            seen.add(code.strip())
        status = entry.get("status")
        if status not in STATUSES:
            say("status", "须是 weak、strict 或 yellow_card", "must be weak, strict or yellow_card")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            say("name", "须是非空的名称（如 薄弱村）", "must be a non-empty name (such as 薄弱村)")
        name_en = entry.get("name_en", "")
        if not isinstance(name_en, str):
            say("name_en", "须是文字", "must be text")
        kinds: tuple[str, ...] | None = ()
        if "unit_kinds" in entry:
            kinds = _codes(entry["unit_kinds"])
            if kinds is None:
                say(
                    "unit_kinds", "须是非空的单位类型列表", "must be a non-empty list of unit kinds"
                )
        condition = _condition(entry.get("when"), say)
        if len(problems) == before and condition is not None and kinds is not None:
            rules.append(
                DesignationRule(
                    code=str(code).strip(),
                    status=str(status),
                    name=str(name).strip(),
                    when=condition,
                    name_en=str(name_en).strip(),
                    unit_kinds=kinds,
                )
            )
    if problems:
        raise DesignationRuleError(problems)
    return tuple(rules)


def rule_reference_problems(
    rules: Sequence[DesignationRule], grades: Sequence[str], vetoes: Sequence[str]
) -> list[str]:
    """The grade and veto codes the rules name that the scheme does not have (bilingual)."""
    problems: list[str] = []
    known = {"grade_in": set(grades), "veto_in": set(vetoes)}
    for index, rule in enumerate(rules, start=1):
        zh_where, en_where = _where(index, rule.code)
        if isinstance(rule.when, GradeIn):
            key, codes = "grade_in", rule.when.grades
        elif isinstance(rule.when, VetoIn):
            key, codes = "veto_in", rule.when.vetoes
        else:
            continue
        for missing in (c for c in codes if c not in known[key]):
            what_zh, what_en = ("等次", "grade") if key == "grade_in" else ("否决项", "veto")
            problems.append(
                f"{zh_where}的 when.{key} 中的{what_zh} {missing} 不在方案中 / "
                f"{en_where}: when.{key} names {what_en} {missing}, which the scheme does not have"
            )
    return problems


# --- designating ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    rule: DesignationRule
    reason_zh: str
    reason_en: str


def _year_words(year: int | None) -> tuple[str, str]:
    return (f"{year}年度", f"{year}") if year is not None else ("本年度", "this year")


def _points(total: Decimal | None) -> str:
    return format_fixed(total, 2) if total is not None else "—"


def _rank(result: DesignationInput) -> int | None:
    return result.rank if result.rank else None


def _bottom_sets(
    rule: DesignationRule, count: int, results: Sequence[DesignationInput]
) -> dict[str, int]:
    """Per kind, the units in the last ``count`` ranks and the size of the kind.

    A vetoed unit without a rank counts as worse than every ranked unit; a unit that is neither
    ranked nor vetoed is not counted. Every unit tied with the ``count``-th from the bottom is
    taken in."""
    by_kind: dict[str, list[tuple[float, str]]] = {}
    for result in results:
        if not rule.applies_to(result.kind):
            continue
        rank = _rank(result)
        if rank is None and not result.vetoed:
            continue
        key = math.inf if rank is None else float(rank)
        by_kind.setdefault(result.kind, []).append((key, result.unit))
    chosen: dict[str, int] = {}  # unit → size of its kind
    for ranked in by_kind.values():
        keys = sorted((key for key, _unit in ranked), reverse=True)
        boundary = keys[min(count, len(keys)) - 1]
        chosen.update({unit: len(ranked) for key, unit in ranked if key >= boundary})
    return chosen


def _grade_reason(result: DesignationInput, year: tuple[str, str], names: Names) -> tuple[str, str]:
    grade_zh, grade_en = names.grade(result.grade)
    if result.total is None:
        return f"{year[0]}等次 {grade_zh}", f"{year[1]}: grade {grade_en}"
    points = _points(result.total)
    return (
        f"{year[0]}总分 {points}，等次 {grade_zh}",
        f"{year[1]} total {points}, grade {grade_en}",
    )


def _veto_list(codes: Sequence[str], names: Names) -> tuple[str, str]:
    pairs = [names.veto(code) for code in codes]
    return "、".join(zh for zh, _en in pairs), ", ".join(en for _zh, en in pairs)


def _match(
    rule: DesignationRule,
    result: DesignationInput,
    year: tuple[str, str],
    names: Names,
    bottom: Mapping[str, int],
) -> tuple[str, str] | None:
    """The reason (without the label) when ``rule`` designates ``result``, else None."""
    when = rule.when
    if isinstance(when, GradeIn):
        if result.grade is None or result.grade not in when.grades:
            return None
        return _grade_reason(result, year, names)
    if isinstance(when, Vetoed):
        if not result.vetoed:
            return None
        if not result.vetoes:
            return f"{year[0]}被一票否决", f"{year[1]}: vetoed"
        zh, en = _veto_list(result.vetoes, names)
        return f"{year[0]}被一票否决（{zh}）", f"{year[1]}: vetoed ({en})"
    if isinstance(when, VetoIn):
        fired = [code for code in result.vetoes if code in when.vetoes]
        if not result.vetoed or not fired:
            return None
        zh, en = _veto_list(fired, names)
        return f"{year[0]}触发否决项 {zh}", f"{year[1]}: veto {en} applied"
    if isinstance(when, Bottom):
        if result.unit not in bottom:
            return None
        size, rank = bottom[result.unit], _rank(result)
        if rank is None:
            return (
                f"{year[0]}被一票否决，排在 {size} 个同类单位的末位（末 {when.count} 名）",
                f"{year[1]}: vetoed, last of the {size} units of its kind (bottom {when.count})",
            )
        points = _points(result.total)
        vetoed_zh = "被一票否决，" if result.vetoed else ""
        vetoed_en = "vetoed, " if result.vetoed else ""
        return (
            f"{year[0]}总分 {points}，{vetoed_zh}在 {size} 个同类单位中排第 {rank} 名"
            f"（末 {when.count} 名）",
            f"{year[1]} total {points}, {vetoed_en}ranked {rank} of the {size} units of its kind "
            f"(bottom {when.count})",
        )
    if isinstance(when, TotalBelow):
        if result.total is None or not result.total < when.threshold:
            return None
        points, below = _points(result.total), format_trimmed(when.threshold, 2)
        return (
            f"{year[0]}总分 {points}，低于 {below} 分",
            f"{year[1]} total {points}, below {below} points",
        )
    return None  # WeakAgain is decided after the other rules


def designate(
    rules: Sequence[DesignationRule],
    results: Sequence[DesignationInput],
    previous: Mapping[str, str],
    *,
    year: int | None = None,
    names: Names | None = None,
) -> list[Designation]:
    """The designated units among ``results``, in the order of ``results``.

    ``previous`` maps a unit code to last year's status (units not designated last year are
    left out). ``year`` and ``names`` only word the reasons ("2006年度总分 55.00，等次 不合格，
    列为薄弱村"). Each reason ends with the rule's label; a unit matched by several rules
    takes the most severe status and lists every reason, in the rules' order.
    """
    names = names or Names()
    words = _year_words(year)
    bottoms = {
        rule.code: _bottom_sets(rule, rule.when.count, results)
        for rule in rules
        if isinstance(rule.when, Bottom)
    }
    designated: list[Designation] = []
    for result in results:
        matches: list[_Match] = []
        for rule in rules:
            if isinstance(rule.when, WeakAgain) or not rule.applies_to(result.kind):
                continue
            reason = _match(rule, result, words, names, bottoms.get(rule.code, {}))
            if reason is not None:
                matches.append(_labelled(rule, reason))
        weak_now = any(m.rule.status in _WEAK_LIKE for m in matches)
        before = previous.get(result.unit)
        if weak_now and before in _WEAK_LIKE:
            before_zh, before_en = STATUS_WORDS[before]
            for rule in rules:
                if isinstance(rule.when, WeakAgain) and rule.applies_to(result.kind):
                    reason = (
                        f"连续两年薄弱（上一年度为{before_zh}）",
                        f"weak two years running (last year: {before_en})",
                    )
                    matches.append(_labelled(rule, reason))
        if matches:
            designated.append(_combined(result.unit, matches, rules))
    return designated


def _labelled(rule: DesignationRule, reason: tuple[str, str]) -> _Match:
    return _Match(rule, f"{reason[0]}，列为{rule.name}", f"{reason[1]}: designated {rule.label_en}")


def _combined(unit: str, matches: list[_Match], rules: Sequence[DesignationRule]) -> Designation:
    order = {rule.code: position for position, rule in enumerate(rules)}
    matches.sort(key=lambda m: order[m.rule.code])
    worst = max(SEVERITY[m.rule.status] for m in matches)
    deciding = next(m for m in matches if SEVERITY[m.rule.status] == worst)
    return Designation(
        unit=unit,
        status=deciding.rule.status,
        rule=deciding.rule.code,
        reason_zh="；".join(m.reason_zh for m in matches),
        reason_en="; ".join(m.reason_en for m in matches),
        rules=tuple(m.rule.code for m in matches),
    )
