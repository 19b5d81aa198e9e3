"""Remediation plans (帮促转化方案) with the five fixes (五定), their progress, the acceptance
check (验收) and the overdue list.

Each write runs in one transaction and writes its audit row; a refusal raises
:class:`RemediationError` naming the field, Chinese first. Pages and the API act for a
signed-in person, who must administer the unit (its township's administrators); the console
acts for whoever runs it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_administer
from kaohe.engine.designation import STRICT
from kaohe.engine.periods import PeriodError, parse_period
from kaohe.orgunits.models import Official, OrgUnit, UnitKind

from .errors import RemediationError
from .models import (
    ACTIVE_PLAN,
    AcceptanceCheck,
    Designation,
    DesignationOrigin,
    Outcome,
    PlanStatus,
    ProgressEntry,
    RemediationPlan,
)
from .records import designation_key, designation_snapshot

OBJECT_TYPE = "remediation_plan"
ESCALATION_RULE = "acceptance"


def township_of(unit: OrgUnit) -> OrgUnit | None:
    """The township the unit belongs to (itself when it is one), else None."""
    current: OrgUnit | None = unit
    while current is not None:
        if current.kind == UnitKind.TOWNSHIP:
            return current
        current = current.parent
    return None


def assessment_year_end(designation: Designation) -> datetime.date:
    """The last day of the assessment year the designation comes from: the end of its run's
    period (a statistical year may end on 30 September); for one made at an acceptance check,
    the year after the year of the plan it came from."""
    if designation.run is not None:
        try:
            return parse_period(designation.run.period_code).end
        except PeriodError:
            pass
    source = designation.escalated_from.select_related("designation__run").first()
    if source is not None and source.designation.run is not None:
        try:
            return parse_period(source.designation.run.period_code).offset(1).end
        except PeriodError:
            pass
    return datetime.date(designation.year, 12, 31)


def _key(plan: RemediationPlan) -> str:
    return designation_key(plan.designation)


def _snapshot(plan: RemediationPlan) -> dict[str, Any]:
    return {
        "leader": plan.leader.code,
        "staff": sorted(plan.staff.values_list("code", flat=True)),
        "responsibilities": plan.responsibilities,
        "deadline": plan.deadline.isoformat(),
        "rewards_penalties": plan.rewards_penalties,
        "shares_outcome": plan.shares_outcome,
        "status": plan.status,
        "closed_on": plan.closed_on.isoformat() if plan.closed_on else None,
        "escalated_to": plan.escalated_to_id,
    }


def _check_actor(actor: Actor, unit: OrgUnit) -> None:
    """Refuse a person who does not administer ``unit``, and a page or API call without one."""
    refusal = _(
        "你不能管理 {unit} 的帮促转化 / you may not manage the remediation of {unit}"
    ).format(unit=unit.code)
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not may_administer(user, unit):
        raise PermissionDenied(refusal)


def _text(value: str | None, name: str, zh: str, en: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RemediationError(name, _("{zh}必填 / {en} is required").format(zh=zh, en=en))
    return text


def _check_official(official: Official, allowed: set[int], name: str, unit: OrgUnit) -> None:
    if official.unit_id not in allowed:
        raise RemediationError(
            name,
            _(
                "{official} 不是 {unit} 或其乡镇的责任人 / {official} is not an official of "
                "{unit} or of its township"
            ).format(official=official.code, unit=unit.code),
        )
    if not official.active:
        raise RemediationError(
            name,
            _("{official} 已不在任 / {official} no longer serves").format(official=official.code),
        )


def _lock_designation(designation: Designation) -> Designation:
    return (
        Designation.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__parent", "run")
        .get(pk=designation.pk)
    )


@transaction.atomic
def do_create_plan(
    designation: Designation,
    *,
    leader: Official | None,
    staff: Sequence[Official],
    responsibilities: str,
    deadline: datetime.date | None,
    rewards_penalties: str,
    shares_outcome: bool,
    actor: Actor,
) -> RemediationPlan:
    """The plan of a designated unit with all five fixes: a leader and staff (officials of
    the unit or its township), the responsibilities, a deadline after the assessment year
    ends, and the rewards and penalties; ``shares_outcome``: the staff share the unit's reward
    or penalty (同奖同罚)."""
    designation = _lock_designation(designation)
    unit = designation.unit
    _check_actor(actor, unit)
    if designation.revoked_at is not None:
        raise RemediationError(
            "designation",
            _("该认定已撤销，不能制定帮促方案 / the designation was withdrawn"),
        )
    if RemediationPlan.objects.filter(designation=designation).exists():
        raise RemediationError(
            "designation",
            _("该单位本年度已有帮促方案 / the designation already has a plan"),
        )
    township = township_of(unit)
    allowed = {unit.pk} | ({township.pk} if township is not None else set())
    if leader is None:
        raise RemediationError("leader", _("定领导：包抓领导必填 / a leader is required"))
    _check_official(leader, allowed, "leader", unit)
    members = list(dict.fromkeys(staff))
    if not members:
        raise RemediationError(
            "staff", _("定人员：至少一名帮扶人员 / at least one staff member is required")
        )
    for member in members:
        _check_official(member, allowed, "staff", unit)
    responsibilities = _text(
        responsibilities, "responsibilities", "定责任：帮促责任", "responsibilities"
    )
    if deadline is None:
        raise RemediationError("deadline", _("定时间：完成时限必填 / a deadline is required"))
    year_end = assessment_year_end(designation)
    if deadline <= year_end:
        raise RemediationError(
            "deadline",
            _(
                "完成时限 {deadline} 须晚于考核年度结束日 {end} / the deadline {deadline} must "
                "be after the assessment year ends ({end})"
            ).format(deadline=deadline.isoformat(), end=year_end.isoformat()),
        )
    rewards_penalties = _text(
        rewards_penalties, "rewards_penalties", "定奖惩：奖惩办法", "rewards and penalties"
    )
    plan = RemediationPlan.objects.create(
        designation=designation,
        leader=leader,
        responsibilities=responsibilities,
        deadline=deadline,
        rewards_penalties=rewards_penalties,
        shares_outcome=bool(shares_outcome),
        created_by=actor.name[:150],
    )
    plan.staff.set(members)
    record(actor, "remediation.create_plan", OBJECT_TYPE, _key(plan), None, _snapshot(plan))
    return plan


def _lock(plan: RemediationPlan) -> RemediationPlan:
    return (
        RemediationPlan.objects.select_for_update(of=("self",))
        .select_related("designation", "designation__unit", "designation__run", "leader")
        .get(pk=plan.pk)
    )


def _require_active(plan: RemediationPlan) -> None:
    if plan.status not in ACTIVE_PLAN:
        raise RemediationError(
            "status",
            _("帮促方案已结束（{status}） / the plan is closed ({status})").format(
                status=plan.get_status_display()
            ),
        )


@transaction.atomic
def do_add_progress(
    plan: RemediationPlan, *, date: datetime.date | None, text: str, actor: Actor
) -> ProgressEntry:
    """Record progress on a plan in force (not dated in the future)."""
    plan = _lock(plan)
    _check_actor(actor, plan.designation.unit)
    _require_active(plan)
    if date is None:
        raise RemediationError("date", _("日期必填 / a date is required"))
    if date > timezone.localdate():
        raise RemediationError(
            "date",
            _("进展日期 {date} 晚于今天 / progress dated {date} is in the future").format(
                date=date.isoformat()
            ),
        )
    body = _text(text, "text", "进展情况", "the progress text")
    entry = ProgressEntry.objects.create(plan=plan, date=date, text=body, actor=actor.name[:150])
    record(
        actor,
        "remediation.progress",
        OBJECT_TYPE,
        _key(plan),
        None,
        {"date": date.isoformat(), "text": body},
    )
    return entry


def _escalate(plan: RemediationPlan, date: datetime.date, actor: Actor) -> Designation:
    """The strict designation of the next year that an escalation makes, or marks when the
    next year's results designated the unit already (its reasons are kept)."""
    source = plan.designation
    reason_zh = f"{source.year}年度{source.get_status_display()}单位经验收（{date.isoformat()}）未能转化，升级为严管"
    reason_en = (
        f"{source.year} {source.status} unit not turned round at the acceptance check of "
        f"{date.isoformat()}: escalated to strict management"
    )
    row = (
        Designation.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(scheme_code=source.scheme_code, unit=source.unit, year=source.year + 1)
        .first()
    )
    before = designation_snapshot(row) if row is not None else None
    if row is None:
        row = Designation(
            scheme_code=source.scheme_code,
            unit=source.unit,
            year=source.year + 1,
            reason_zh=reason_zh,
            reason_en=reason_en,
            rules=[],
        )
    else:
        row.reason_zh = f"{row.reason_zh}；{reason_zh}" if row.reason_zh else reason_zh
        row.reason_en = f"{row.reason_en}; {reason_en}" if row.reason_en else reason_en
    row.status = STRICT
    row.rule = ESCALATION_RULE
    row.rules = [*(r for r in row.rules if r != ESCALATION_RULE), ESCALATION_RULE]
    row.origin = DesignationOrigin.ACCEPTANCE
    row.revoked_at = None
    row.revoked_reason = ""
    row.save()
    action = "designation.escalate" if before is None else "designation.update"
    record(actor, action, "designation", designation_key(row), before, designation_snapshot(row))
    return row


@transaction.atomic
def do_accept_check(
    plan: RemediationPlan,
    *,
    date: datetime.date | None,
    outcome: str,
    findings: str,
    actor: Actor,
    new_deadline: datetime.date | None = None,
) -> AcceptanceCheck:
    """The acceptance check (验收) of a plan in force. ``lifted`` closes it; ``continued``
    keeps it in force with a new, later deadline (required); ``escalated`` closes it and puts
    the unit under strict management for the next year (a strict designation, made or
    marked)."""
    plan = _lock(plan)
    unit = plan.designation.unit
    _check_actor(actor, unit)
    _require_active(plan)
    if outcome not in Outcome.values:
        raise RemediationError(
            "outcome",
            _(
                "验收结论须是 摘帽、继续整改 或 升级严管 / the outcome must be lifted, continued "
                "or escalated"
            ),
        )
    if date is None:
        raise RemediationError("date", _("验收日期必填 / a date is required"))
    body = _text(findings, "findings", "验收意见", "the findings")
    if outcome == Outcome.CONTINUED:
        if new_deadline is None:
            raise RemediationError(
                "new_deadline",
                _("继续整改须定新的完成时限 / continuing needs a new deadline"),
            )
        if new_deadline <= max(date, plan.deadline):
            raise RemediationError(
                "new_deadline",
                _(
                    "新的完成时限 {new} 须晚于验收日期和原时限 {old} / the new deadline {new} "
                    "must be after the check and the old deadline ({old})"
                ).format(new=new_deadline.isoformat(), old=plan.deadline.isoformat()),
            )
    else:
        new_deadline = None
    before = _snapshot(plan)
    check = AcceptanceCheck.objects.create(
        plan=plan,
        date=date,
        outcome=outcome,
        findings=body,
        new_deadline=new_deadline,
        actor=actor.name[:150],
    )
    if outcome == Outcome.CONTINUED:
        assert new_deadline is not None
        plan.status, plan.deadline = PlanStatus.CONTINUED, new_deadline
    elif outcome == Outcome.LIFTED:
        plan.status, plan.closed_on = PlanStatus.LIFTED, date
    else:
        plan.status, plan.closed_on = PlanStatus.ESCALATED, date
        plan.escalated_to = _escalate(plan, date, actor)
    plan.save()
    after = _snapshot(plan) | {"check": {"date": date.isoformat(), "outcome": outcome}}
    record(actor, "remediation.accept", OBJECT_TYPE, _key(plan), before, after)
    return check


def overdue(township: OrgUnit, today: datetime.date) -> QuerySet[RemediationPlan]:
    """The plans in force of units in ``township`` whose deadline has passed, oldest first."""
    return (
        RemediationPlan.objects.filter(
            status__in=ACTIVE_PLAN,
            deadline__lt=today,
            designation__revoked_at__isnull=True,
            designation__unit__path__startswith=township.path,
        )
        .select_related("designation", "designation__unit", "leader")
        .order_by("deadline", "designation__unit__path")
    )
