"""Applying money rules to units, and adding the lines up.

For each unit, in this order: base amounts (``grade_amount``, ``population_tier``,
``per_point``, ``per_case``, ``fine_band``), then ``veto`` (positive base amounts of a vetoed
unit become 0; a fixed fine), then ``haircut`` (positive amounts × (1 − over-report ratio)),
then ``split`` (unit amounts divided among the unit and its persons by role), then the
per-person rules (``withheld_pay``, ``risk_deposit``). Each rule's result is rounded half-up
to the fen, so every line is a whole number of fen and totals are sums of the lines.

Lines come out by unit (input order), then by the order of the rule that produced them, then
the unit's own line before its persons' (in the unit's person order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

from kaohe.engine.money.adjust import apply_haircut, apply_split, apply_veto
from kaohe.engine.money.base import base_line
from kaohe.engine.money.draft import Draft
from kaohe.engine.money.model import (
    BASE_KINDS,
    MoneyInputError,
    MoneyLabels,
    MoneyLine,
    MoneyRule,
    MoneyRuleKind,
    MoneyUnit,
)
from kaohe.engine.money.persons import person_lines
from kaohe.engine.money.wording import Names

__all__ = ["compute_money", "totals"]

_PERSON_KINDS = (MoneyRuleKind.WITHHELD_PAY, MoneyRuleKind.RISK_DEPOSIT)


def _check_unit(unit: MoneyUnit) -> None:
    """Refuse figures no rule can use; floats are refused so no binary noise reaches money."""
    figures: list[tuple[str, object]] = [
        ("total", unit.total),
        ("population", unit.population),
        ("over_report_ratio", unit.over_report_ratio),
        *((f"cases.{case}", value) for case, value in unit.cases.items()),
    ]
    for name, value in figures:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise MoneyInputError(
                f"{unit.unit} 的 {name} 应为 Decimal：{value!r} / "
                f"{unit.unit}: {name} must be a Decimal, not {value!r}"
            )
    ratio = unit.over_report_ratio
    if ratio is not None and not 0 <= ratio <= 1:
        raise MoneyInputError(
            f"{unit.unit} 的多报比例 {ratio} 应在 0 到 1 之间 / "
            f"{unit.unit}: the over-report ratio {ratio} must be between 0 and 1"
        )
    if unit.population is not None and unit.population < 0:
        raise MoneyInputError(
            f"{unit.unit} 的人口数 {unit.population} 为负数 / "
            f"{unit.unit}: the population {unit.population} is negative"
        )
    for case, value in unit.cases.items():
        if value < 0:
            raise MoneyInputError(
                f"{unit.unit} 的案件数 {case} = {value} 为负数 / "
                f"{unit.unit}: the count of {case} ({value}) is negative"
            )


def _unit_lines(rules: Sequence[MoneyRule], unit: MoneyUnit, labels: MoneyLabels) -> list[Draft]:
    """Every line of one unit, in the order of application, then sorted for output."""
    names = Names(unit, labels)
    applicable = [(index, rule) for index, rule in enumerate(rules) if rule.covers(unit.kind)]

    def of_kind(*kinds: MoneyRuleKind) -> list[tuple[int, MoneyRule]]:
        return [(index, rule) for index, rule in applicable if rule.kind in kinds]

    base: list[Draft] = []
    for index, rule in of_kind(*BASE_KINDS):
        line = base_line(rule, index, unit, names)
        if line is not None:
            base.append(line)
    lines = list(base)
    for index, rule in of_kind(MoneyRuleKind.VETO):
        lines += apply_veto(rule, index, unit, names, base)
    for _, rule in of_kind(MoneyRuleKind.HAIRCUT):
        apply_haircut(rule, unit, lines)
    for _, rule in of_kind(MoneyRuleKind.SPLIT):
        lines = apply_split(rule, unit, names, lines)
    for index, rule in of_kind(*_PERSON_KINDS):
        lines += person_lines(rule, index, unit, names)
    # A stable sort: lines of one rule and one person keep the order they were made in.
    return sorted(lines, key=lambda line: (line.rule_index, line.person_index))


def compute_money(
    rules: Sequence[MoneyRule],
    units: Sequence[MoneyUnit],
    *,
    labels: MoneyLabels | None = None,
) -> list[MoneyLine]:
    """Every money line of every unit under ``rules`` (from :func:`money_rules_from_config`).

    ``labels`` gives grade and role names for the explanations (codes are shown otherwise).
    Each line's amount is Decimal yuan rounded half-up to the fen; > 0 is paid to the unit or
    person, < 0 by them. Raises :class:`MoneyInputError` for a unit whose figures are not
    Decimal or out of range (a ratio above 1, a negative count or population).
    """
    labels = labels or MoneyLabels()
    result: list[MoneyLine] = []
    for unit in units:
        _check_unit(unit)
        result += [draft.line() for draft in _unit_lines(rules, unit, labels)]
    return result


def totals(lines: Iterable[MoneyLine], by: Literal["unit", "person", "kind"]) -> dict[str, Decimal]:
    """The lines' amounts added up by unit code, person (official code) or line kind.

    Keys appear in the order first met. By person, the lines the unit holds itself are added
    under the empty key ``""``, so that every grouping adds up to the same grand total.
    """
    if by not in ("unit", "person", "kind"):
        raise ValueError(f"无法按 {by!r} 合计 / cannot total by {by!r}")
    result: dict[str, Decimal] = {}
    for line in lines:
        if by == "unit":
            key = line.unit
        elif by == "person":
            key = line.person or ""
        else:
            key = line.kind
        result[key] = result.get(key, Decimal("0.00")) + line.amount
    return result
