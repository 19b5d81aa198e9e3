"""Checking validation rules against the stored figures: one report, or a township's year.

Reads only. The rules that apply, the figures they read (one query for any number of units,
periods and rules) and the engine's verdict (:mod:`kaohe.engine.validation`); writing a run's
results is :mod:`kaohe.validation.services`' job. Used by the entry grid (warnings beside the
cells), by submission (a data set may require its high rules to pass) and by bulk runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.aggregate import ValueCube
from kaohe.engine.periods import Period, PeriodType
from kaohe.engine.validation import (
    CompiledRule,
    Importance,
    MissingValueStrategy,
    Operator,
    RuleError,
    RuleSpec,
    Status,
    compile_rule,
    evaluate_rule,
    figures_of,
    rule_periods,
)
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.specs import element_specs

from .models import ValidationRule

__all__ = [
    "Check",
    "RuleConfigError",
    "check_report",
    "check_year",
    "compiled",
    "rule_spec",
    "rules_for_report",
    "submission_refusal",
]


class RuleConfigError(ValueError):
    """A stored rule that no longer compiles (an element it reads was removed); bilingual."""


@dataclass(frozen=True)
class Check:
    """One rule's outcome for one unit and period; a side without value is ``None``."""

    rule: ValidationRule
    unit: OrgUnit
    period: Period
    status: Status
    left: float | None
    right: float | None
    left_elements: tuple[str, ...]
    right_elements: tuple[str, ...]

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED

    @property
    def high(self) -> bool:
        return self.rule.importance == Importance.HIGH.value

    @property
    def elements(self) -> tuple[str, ...]:
        """The elements the rule reads, left side first, each once."""
        return tuple(dict.fromkeys((*self.left_elements, *self.right_elements)))

    @property
    def message(self) -> str:
        """The rule's message in the language of the request (Chinese unless English)."""
        english = (get_language() or "").startswith("en")
        return self.rule.message_en if english and self.rule.message_en else self.rule.message_zh

    @property
    def sides(self) -> str:
        """The two values and the relation, e.g. ``5 ≤ 3`` (``—`` for a side without value)."""
        return f"{shown(self.left)} {self.rule.symbol} {shown(self.right)}"

    @property
    def bilingual(self) -> str:
        """The message in both languages with the values, as a refusal lists it."""
        en = self.rule.message_en or self.rule.name_en or self.rule.code
        return f"{self.rule.message_zh} / {en}（{self.period.code}：{self.sides}）"


def shown(value: float | None) -> str:
    """A side's value as people read it: whole numbers without decimals, ``—`` for none."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


# --- rules ---------------------------------------------------------------------------------


def rule_spec(rule: ValidationRule) -> RuleSpec:
    """The engine's view of a stored rule."""
    return RuleSpec(
        code=rule.code,
        left=rule.left,
        operator=Operator(rule.operator),
        right=rule.right,
        left_missing=MissingValueStrategy(rule.left_missing),
        right_missing=MissingValueStrategy(rule.right_missing),
        importance=Importance(rule.importance),
        period_type=PeriodType(rule.period_type),
        unit_kinds=tuple(rule.unit_kinds or ()),
    )


def compiled(rules: Iterable[ValidationRule]) -> list[tuple[ValidationRule, CompiledRule]]:
    """Each rule with its compiled sides; raises :class:`RuleConfigError` for one that no
    longer compiles (bundles check rules when they load, so only a later change does this)."""
    rules = list(rules)
    if not rules:
        return []
    codes = frozenset(DataElement.objects.values_list("code", flat=True))
    found = []
    for rule in rules:
        try:
            found.append((rule, compile_rule(rule_spec(rule), codes)))
        except RuleError as error:
            raise RuleConfigError(
                _(
                    "校验规则 {code} 无法使用 / validation rule {code} cannot be used: {error}"
                ).format(code=rule.code, error=error)
            ) from None
    return found


def rules_for_report(dataset: DataSet, unit: OrgUnit) -> list[ValidationRule]:
    """The rules checked on ``unit``'s report of ``dataset``: those of the data set's period
    type and the unit's kind that are tied to this data set, or to none and read one of its
    elements."""
    candidates = ValidationRule.objects.filter(period_type=dataset.period_type).filter(
        Q(dataset=dataset) | Q(dataset__isnull=True)
    )
    candidates = [r for r in candidates if not r.unit_kinds or unit.kind in r.unit_kinds]
    loose = [r for r in candidates if r.dataset_id is None]
    if not loose:
        return candidates
    own = set(
        DataSetElement.objects.filter(dataset=dataset).values_list("element__code", flat=True)
    )
    reading = {r.pk for r, c in compiled(loose) if c.elements & own}
    return [r for r in candidates if r.dataset_id is not None or r.pk in reading]


# --- figures -------------------------------------------------------------------------------


def _read_cube(units: Sequence[OrgUnit], codes: Sequence[str], start: date, end: date) -> ValueCube:
    """The stored values of ``codes`` of ``units`` in every period lying within start–end."""
    specs = element_specs(codes)
    elements = [specs[c] for c in codes if c in specs]
    element_index = {spec.code: i for i, spec in enumerate(elements)}
    unit_index = {u.pk: i for i, u in enumerate(units)}
    rows = DataValue.objects.filter(
        element__code__in=list(element_index),
        period__start_date__gte=start,
        period__end_date__lte=end,
    )
    if len(units) <= 500:
        rows = rows.filter(unit_id__in=list(unit_index))
    data = [
        r
        for r in rows.values_list(
            "unit_id",
            "element__code",
            "period__code",
            "period__start_date",
            "period__end_date",
            "value",
        )
        if r[0] in unit_index
    ]
    period_keys = sorted({(r[4], r[3], r[2]) for r in data})
    period_index = {key[2]: i for i, key in enumerate(period_keys)}
    return ValueCube.from_long(
        units=[u.code for u in units],
        elements=elements,
        periods=[key[2] for key in period_keys],
        unit_index=np.array([unit_index[r[0]] for r in data], dtype=np.intp),
        element_index=np.array([element_index[r[1]] for r in data], dtype=np.intp),
        period_index=np.array([period_index[r[2]] for r in data], dtype=np.intp),
        values=np.array([float(r[5]) for r in data], dtype=np.float64),
    )


def _value(number: float) -> float | None:
    return None if math.isnan(number) else float(number)


def _open(unit: OrgUnit, period: Period) -> bool:
    """Whether ``unit`` existed during ``period`` (a closed unit reports nothing)."""
    if unit.closed_date is not None and unit.closed_date < period.start:
        return False
    return unit.opening_date is None or unit.opening_date <= period.end


def _checks(
    rules: list[tuple[ValidationRule, CompiledRule]],
    units: Sequence[OrgUnit],
    periods_of: dict[str, list[Period]],
) -> list[Check]:
    """Every rule checked for every unit of its kinds and every period of its type."""
    if not rules or not units:
        return []
    codes = sorted(set().union(*(c.elements for _r, c in rules)))
    every = [p for periods in periods_of.values() for p in periods]
    cube = _read_cube(units, codes, min(p.start for p in every), max(p.end for p in every))
    figures = {kind: figures_of(cube, periods) for kind, periods in periods_of.items()}
    found: list[Check] = []
    for rule, compiled_rule in rules:
        periods = periods_of[rule.period_type]
        outcome = evaluate_rule(compiled_rule, figures[rule.period_type])
        for p, period in enumerate(periods):
            for u, unit in enumerate(units):
                if not compiled_rule.spec.applies_to(unit.kind) or not _open(unit, period):
                    continue
                row = p * len(units) + u
                found.append(
                    Check(
                        rule=rule,
                        unit=unit,
                        period=period,
                        status=outcome.status_of(row),
                        left=_value(outcome.left[row]),
                        right=_value(outcome.right[row]),
                        left_elements=compiled_rule.left_elements,
                        right_elements=compiled_rule.right_elements,
                    )
                )
    return found


def check_report(dataset: DataSet, unit: OrgUnit, periods: Sequence[Period]) -> list[Check]:
    """Every rule of ``unit``'s report of ``dataset`` checked for each of ``periods`` (periods
    of the data set's type: one report, or the months of a year's grid), in one query."""
    if not periods:
        return []
    rules = compiled(rules_for_report(dataset, unit))
    return _checks(rules, [unit], {dataset.period_type: list(periods)})


def check_year(
    root: OrgUnit, year: int, rules: Iterable[ValidationRule] | None = None
) -> list[Check]:
    """Every rule (or those given) checked for every unit under ``root`` (itself included)
    of the rule's kinds, in every period of the rule's type in ``year``
    (:func:`kaohe.engine.validation.rule_periods`), with one query for the figures."""
    chosen = compiled(ValidationRule.objects.all() if rules is None else rules)
    if not chosen:
        return []
    units = list(OrgUnit.objects.subtree(root).order_by("path"))
    kinds = {k for rule, _c in chosen for k in (rule.unit_kinds or [])}
    if all(rule.unit_kinds for rule, _c in chosen):
        units = [u for u in units if u.kind in kinds]
    periods_of = {
        rule.period_type: rule_periods(PeriodType(rule.period_type), year) for rule, _c in chosen
    }
    return _checks(chosen, units, periods_of)


def submission_refusal(
    dataset: DataSet, unit: OrgUnit, period: Period
) -> tuple[str, list[Check]] | None:
    """Why ``unit``'s report of ``dataset`` for ``period`` may not be submitted — the bilingual
    message listing each failing high-importance rule, and those checks — or ``None``. A rule
    that can no longer be checked refuses too, saying so."""
    try:
        checks = check_report(dataset, unit, [period])
    except RuleConfigError as error:
        return str(error), []
    failures = [c for c in checks if c.failed and c.high]
    if not failures:
        return None
    head = _(
        "有 {n} 条重要校验规则未通过，须改正后才能报送 / {n} high-importance validation "
        "rule(s) fail; correct the figures before submitting"
    ).format(n=len(failures))
    return "\n".join([head, *(f"- {c.bilingual}" for c in failures)]), failures
