"""Designating weak, strict and yellow-card units from a published run.

Every change runs in one transaction and writes its audit row; refusals raise
:class:`RemediationError`, naming the field, Chinese first. The plan steps (five fixes,
progress, acceptance, the overdue list) are in :mod:`kaohe.remediation.plans` and re-exported
here.

Pages and the API act for a signed-in person: designating needs the right to run assessments
over the run's scope; the console acts for whoever runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, RunStatus, UnitResult
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_run_assessments
from kaohe.engine.designation import Designation as Designated
from kaohe.engine.designation import (
    DesignationInput,
    DesignationRule,
    DesignationRuleError,
    Names,
    designate,
    designation_rules_from_config,
)
from kaohe.schemes.models import Scheme

from .errors import RemediationError
from .models import Designation, DesignationOrigin
from .plans import (
    do_accept_check,
    do_add_progress,
    do_create_plan,
    overdue,
    township_of,
)
from .records import designation_key
from .records import designation_snapshot as snapshot

__all__ = [
    "DesignateOutcome",
    "RemediationError",
    "designation_key",
    "do_accept_check",
    "do_add_progress",
    "do_create_plan",
    "do_designate",
    "overdue",
    "previous_statuses",
    "township_of",
]

OBJECT_TYPE = "designation"


@dataclass
class DesignateOutcome:
    """What designating a run did: the rows created, updated, left as they were, withdrawn
    (the run no longer designates the unit) and kept (made at an acceptance check)."""

    run: AssessmentRun
    created: list[Designation] = field(default_factory=list)
    updated: list[Designation] = field(default_factory=list)
    unchanged: list[Designation] = field(default_factory=list)
    revoked: list[Designation] = field(default_factory=list)
    kept: list[Designation] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.revoked)

    @property
    def designated(self) -> list[Designation]:
        """Every unit the run designates, in tree order."""
        rows = self.created + self.updated + self.unchanged + self.kept
        return sorted(rows, key=lambda d: d.unit.path)


def _check_actor(actor: Actor, run: AssessmentRun) -> None:
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    refusal = _(
        "你不能认定此考核结果的薄弱、严管单位 / you may not designate weak units from this run"
    )
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not may_run_assessments(user, run.root):
        raise PermissionDenied(refusal)


def scheme_rules(scheme: Scheme) -> tuple[DesignationRule, ...]:
    """The scheme's designation rules, or a refusal naming ``designation_rules``."""
    try:
        rules = designation_rules_from_config(scheme.designation_rules)
    except DesignationRuleError as error:
        raise RemediationError("designation_rules", str(error)) from error
    if not rules:
        raise RemediationError(
            "designation_rules",
            _(
                "考核方案 {code} 没有薄弱、严管认定规则 / scheme {code} has no designation rules"
            ).format(code=scheme.code),
        )
    return rules


def scheme_names(scheme: Scheme) -> Names:
    return Names(
        grades={g.code: (g.name, g.name_en) for g in scheme.grades.all()},
        vetoes={v.code: (v.name, v.name_en) for v in scheme.vetoes.all()},
    )


def previous_statuses(scheme_code: str, year: int) -> dict[str, str]:
    """Unit code → status of the designations in force for ``year`` under the scheme code
    (those of its published run, and those made at acceptance checks)."""
    rows = Designation.objects.filter(scheme_code=scheme_code, year=year, revoked_at__isnull=True)
    return dict(rows.values_list("unit__code", "status"))


def _inputs(results: list[UnitResult]) -> list[DesignationInput]:
    return [
        DesignationInput(
            unit=r.unit.code,
            kind=r.kind,
            grade=r.grade or None,
            total=Decimal(r.total) if r.total is not None else None,
            rank=r.rank or None,
            vetoed=r.vetoed,
            vetoes=tuple(str(code) for code in r.vetoes),
        )
        for r in results
    ]


def _apply(row: Designation, run: AssessmentRun, found: Designated) -> bool:
    """Set ``row`` to what the run designates; whether anything changed."""
    wanted = {
        "run_id": run.pk,
        "status": found.status,
        "rule": found.rule,
        "rules": list(found.rules),
        "reason_zh": found.reason_zh,
        "reason_en": found.reason_en,
        "revoked_at": None,
        "revoked_reason": "",
    }
    changed = False
    for name, value in wanted.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


@transaction.atomic
def do_designate(run: AssessmentRun, actor: Actor) -> DesignateOutcome:
    """Designate the weak, strict and yellow-card units of a published run by its scheme's
    rules, reading last year's designations of the same scheme code.

    Idempotent: designating the same run again changes nothing. Designating a newer published
    run of the same year updates each unit's designation (a plan already made stays with it)
    and withdraws those the new run no longer designates; a designation made at an acceptance
    check (escalation to strict management) is kept as it is.
    """
    run = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("scheme", "root")
        .get(pk=run.pk)
    )
    _check_actor(actor, run)
    if run.status != RunStatus.PUBLISHED:
        raise RemediationError(
            "run",
            _(
                "第 {id} 号考核结果未发布（{status}），只能依据已发布的结果认定 / run {id} is not "
                "published ({status}): only a published run designates weak units"
            ).format(id=run.pk, status=run.status),
        )
    scheme = run.scheme
    rules = scheme_rules(scheme)
    results = list(run.unit_results.select_related("unit").order_by("kind", "rank", "unit__path"))
    found = designate(
        rules,
        _inputs(results),
        previous_statuses(scheme.code, run.year - 1),
        year=run.year,
        names=scheme_names(scheme),
    )
    units = {r.unit.code: r.unit for r in results}
    existing = {
        d.unit_id: d
        for d in Designation.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(scheme_code=scheme.code, year=run.year, unit__in=list(units.values()))
    }
    outcome = DesignateOutcome(run=run)
    designated_ids: set[int] = set()
    for one in found:
        unit = units[one.unit]
        designated_ids.add(unit.pk)
        row = existing.get(unit.pk)
        if row is not None and row.origin == DesignationOrigin.ACCEPTANCE:
            outcome.kept.append(row)
            continue
        if row is None:
            row = Designation(scheme_code=scheme.code, unit=unit, year=run.year)
            _apply(row, run, one)
            row.save()
            record(
                actor, "designation.create", OBJECT_TYPE, designation_key(row), None, snapshot(row)
            )
            outcome.created.append(row)
            continue
        before = snapshot(row)
        if _apply(row, run, one):
            row.save()
            record(
                actor,
                "designation.update",
                OBJECT_TYPE,
                designation_key(row),
                before,
                snapshot(row),
            )
            outcome.updated.append(row)
        else:
            outcome.unchanged.append(row)
    for unit_id, row in existing.items():
        if unit_id in designated_ids or row.revoked_at is not None:
            continue
        if row.origin == DesignationOrigin.ACCEPTANCE:
            outcome.kept.append(row)
            continue
        before = snapshot(row)
        row.revoked_at = timezone.now()
        row.revoked_reason = _(
            "第 {id} 号考核结果不再认定该单位 / run {id} no longer designates the unit"
        ).format(id=run.pk)
        row.save(update_fields=["revoked_at", "revoked_reason", "updated_at"])
        record(
            actor, "designation.revoke", OBJECT_TYPE, designation_key(row), before, snapshot(row)
        )
        outcome.revoked.append(row)
    return outcome
