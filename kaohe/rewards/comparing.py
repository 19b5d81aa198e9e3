"""The money part of comparing two runs (:mod:`kaohe.assessments.comparing`).

Each run's amounts are its ledger's computed lines (counter-entries left out: they undo,
they do not compute) when its money was computed, otherwise what its scheme's money rules
would give it now, computed without storing anything (a draft, or a run not yet computed).
Amounts are compared per unit, person, kind and rule; those that differ are reported, each
with the newer explanation. A run whose scheme has no usable money rules gives nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from kaohe.assessments.comparing import MoneyChange
from kaohe.assessments.models import AssessmentRun
from kaohe.engine.money import (
    MoneyInputError,
    MoneyRuleError,
    compute_money,
    money_rules_from_config,
)

from .inputs import money_labels, money_units
from .models import LedgerEntry

Key = tuple[str, str | None, str, str]
Amounts = dict[Key, tuple[Decimal, str, str]]


def _add(amounts: Amounts, key: Key, amount: Decimal, zh: str, en: str) -> None:
    before = amounts.get(key)
    total = amount + (before[0] if before else Decimal(0))
    amounts[key] = (total, zh or (before[1] if before else ""), en or (before[2] if before else ""))


def run_amounts(run: AssessmentRun) -> Amounts:
    """The amounts ``run`` gives, by (unit, person, kind, rule)."""
    amounts: Amounts = {}
    stored = list(
        LedgerEntry.objects.filter(run=run, reverses__isnull=True).select_related("unit", "person")
    )
    if stored:
        for e in stored:
            key = (e.unit.code, e.person.code if e.person else None, e.kind, e.rule)
            _add(amounts, key, e.amount, e.explanation_zh, e.explanation_en)
        return amounts
    config = run.scheme.money_rules or []
    if not config:
        return amounts
    try:
        rules = money_rules_from_config(list(config))
        lines = compute_money(rules, money_units(run, rules, config), labels=money_labels(run))
    except (MoneyRuleError, MoneyInputError):
        return amounts
    for line in lines:
        key = (line.unit, line.person, line.kind, line.rule)
        _add(amounts, key, line.amount, line.explanation_zh, line.explanation_en)
    return amounts


def money_between(old: AssessmentRun, new: AssessmentRun) -> Iterable[MoneyChange]:
    """The amounts that differ from ``old`` to ``new``, in the new run's order (amounts only
    the old run gave last)."""
    before, after = run_amounts(old), run_amounts(new)
    keys = list(after) + [k for k in before if k not in after]
    for key in keys:
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was[0] == now[0]:
            continue
        text = now or was
        assert text is not None
        yield MoneyChange(
            unit=key[0],
            person=key[1],
            kind=key[2],
            rule=key[3],
            old_amount=was[0] if was else None,
            new_amount=now[0] if now else None,
            explanation_zh=text[1],
            explanation_en=text[2],
        )
