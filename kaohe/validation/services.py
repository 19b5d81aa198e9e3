"""The writes of validation: a bulk run for a township and year, and marking a result's
figures for follow-up.

Each runs in one transaction, checks who may do it through :mod:`kaohe.core.access` (the
console has no user and is not checked, as elsewhere), writes an audit row, and changes
nothing when it refuses. Refusals are :class:`ValidationRunError` naming the field at fault.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_review
from kaohe.datavalues.models import DataValue, Period
from kaohe.datavalues.services import do_set_follow_up
from kaohe.engine.periods import MAX_YEAR, MIN_YEAR
from kaohe.engine.validation import Status
from kaohe.orgunits.models import OrgUnit

from .evaluation import RuleConfigError, check_year, compiled
from .models import ValidationResult, ValidationRule, ValidationRun

__all__ = ["ValidationRunError", "do_mark_follow_up", "do_run_validation", "values_of"]

OBJECT_RUN: Final = "validation_run"
OBJECT_RESULT: Final = "validation_result"
_BATCH: Final = 1000


class ValidationRunError(ValueError):
    """A step that cannot be taken; ``field`` names what is wrong, the message is bilingual."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _person(actor: Actor) -> Any | None:
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def _check(actor: Actor, unit: OrgUnit, refusal: str) -> None:
    """Refuse unless the person behind ``actor`` may review ``unit``'s figures; a web or API
    actor without a person is refused, the console is not checked."""
    user = _person(actor)
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not may_review(user, unit):
        raise PermissionDenied(refusal)


def do_run_validation(
    actor: Actor, township: OrgUnit, year: int, rule: ValidationRule | None = None
) -> ValidationRun:
    """Check every validation rule (or only ``rule``) for every unit under ``township`` in
    every period of ``year``, and store the run with one result per rule, unit and period
    (passed, failed or skipped). Needs "review" over the township."""
    refusal = _("无权校验该单位的数据 / not allowed to validate that unit's figures")
    _check(actor, township, refusal)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationRunError(
            "year",
            _("年度须在 {low}–{high} 之间 / the year must be between {low} and {high}").format(
                low=MIN_YEAR, high=MAX_YEAR
            ),
        )
    started = time.perf_counter()
    rules = [rule] if rule is not None else list(ValidationRule.objects.all())
    if not rules:
        raise ValidationRunError(
            "rule", _("还没有校验规则，请先加载 / there are no validation rules; load some first")
        )
    try:
        checks = check_year(township, year, rules)
    except RuleConfigError as error:
        raise ValidationRunError("rule", str(error)) from None
    with transaction.atomic():
        user = _person(actor)
        run = ValidationRun.objects.create(
            township=township,
            year=year,
            rule=rule,
            created_by=user,
            actor=actor.name[:150],
            rules_checked=len(rules),
        )
        periods = {
            code: Period.objects.get_or_create_code(code)
            for code in sorted({c.period.code for c in checks})
        }
        rows = [
            ValidationResult(
                run=run,
                rule=c.rule,
                unit=c.unit,
                period=periods[c.period.code],
                left_value=c.left,
                right_value=c.right,
                status=c.status.value,
            )
            for c in checks
        ]
        ValidationResult.objects.bulk_create(rows, batch_size=_BATCH)
        counts = {s: sum(1 for c in checks if c.status is s) for s in Status}
        run.passed = counts[Status.PASSED]
        run.failed = counts[Status.FAILED]
        run.skipped = counts[Status.SKIPPED]
        run.duration_ms = round((time.perf_counter() - started) * 1000, 1)
        run.save(update_fields=["passed", "failed", "skipped", "duration_ms"])
        after = {
            "township": township.code,
            "year": year,
            "rule": rule.code if rule is not None else None,
            "passed": run.passed,
            "failed": run.failed,
            "skipped": run.skipped,
        }
        record(actor, "validation.run", OBJECT_RUN, str(run.pk), after=after)
        _check(actor, township, refusal)
    return run


def values_of(result: ValidationResult) -> list[DataValue]:
    """The stored figures a result was computed from: the rule's elements, for its unit, in
    every period lying inside its period (a year's rule reads the months), in period order."""
    [(_rule, rule)] = compiled([result.rule])
    period = result.period
    return list(
        DataValue.objects.filter(
            unit=result.unit,
            element__code__in=sorted(rule.elements),
            period__start_date__gte=period.start_date,
            period__end_date__lte=period.end_date,
        )
        .select_related("element", "period")
        .order_by("period__start_date", "period__end_date", "element__code")
    )


def _locked_result(result_id: int) -> ValidationResult:
    found = (
        ValidationResult.objects.select_for_update(of=("self",))
        .select_related("rule", "unit", "period", "run")
        .filter(pk=result_id)
        .first()
    )
    if found is None:
        raise ValidationRunError(
            "result",
            _("校验结果 {id} 不存在 / validation result {id} does not exist").format(id=result_id),
        )
    return found


def do_mark_follow_up(
    actor: Actor, result_id: int, follow_up: bool = True
) -> tuple[ValidationResult, list[DataValue]]:
    """Mark (or, with ``follow_up`` false, clear) a result for follow-up: the result, and the
    follow-up flag of every stored figure it was computed from, each through
    :func:`kaohe.datavalues.services.do_set_follow_up` (only the flag, audited; a locked period
    does not refuse a note). Either every flag changes or none does.
    Needs "review" over the result's unit. Returns the result and the figures flagged."""
    refusal = _("无权标记该单位的数据 / not allowed to mark that unit's figures")
    with transaction.atomic():
        result = _locked_result(result_id)
        _check(actor, result.unit, refusal)
        try:
            values = values_of(result)
        except RuleConfigError as error:
            raise ValidationRunError("rule", str(error)) from None
        changed = _set_flags(actor, values, follow_up)
        before = {"follow_up": result.follow_up}
        result.follow_up = follow_up
        result.save(update_fields=["follow_up"])
        after = {
            "follow_up": follow_up,
            "values": [f"{v.element.code}/{v.period.code}/{v.unit.code}" for v in values],
        }
        key = f"{result.run_id}/{result.rule.code}/{result.period.code}/{result.unit.code}"
        record(actor, "validation.follow_up", OBJECT_RESULT, key, before, after)
        _check(actor, result.unit, refusal)
    return result, changed


def _set_flags(actor: Actor, values: Iterable[DataValue], follow_up: bool) -> list[DataValue]:
    """Each figure's follow-up flag, and only that: marking is a note on a figure, not an edit
    of it, so it is audited but not refused by a locked period."""
    changed = []
    for value in values:
        stored = do_set_follow_up(actor, value, follow_up)
        value.follow_up = stored.follow_up
        changed.append(value)  # with its element, period and unit at hand
    return changed
