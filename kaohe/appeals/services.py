"""Filing, accepting and rejecting appeals, and resolving them when the corrected run is
published.

Each ``do_*`` function runs in one transaction, checks who may act through
:mod:`kaohe.core.access`, writes an :class:`~kaohe.appeals.models.AppealEvent` (what the unit
sees) and an audit row, and checks again after the write. The command line has no user:
whoever runs it already holds the database, so its actor is not checked against roles (as in
:mod:`kaohe.submissions.services`); pages and the API always act for a signed-in person.

Accepting an appeal changes no figure. The data is corrected through the usual audited path
(unlock, correct, submit, approve), the run is computed again and the new run is published in
place of the old one; :func:`resolve_appeals_for`, called by the publication, marks the
accepted appeals of the replaced run resolved.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_administer, may_change, may_review
from kaohe.orgunits.models import OrgUnit

from .errors import AlreadyDecided, AppealError, AppealNotFound
from .models import Appeal, AppealEvent, AppealStatus, AppealStep
from .selectors import MAX_TEXT, check_filing

__all__ = [
    "AlreadyDecided",
    "AppealError",
    "AppealNotFound",
    "do_accept_appeal",
    "do_file_appeal",
    "do_reject_appeal",
    "resolve_appeals_for",
]

OBJECT_TYPE: Final = "appeal"


# --- who acts ------------------------------------------------------------------------------


def _person(actor: Actor) -> Any | None:
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def _may_file(user: Any, unit: OrgUnit) -> bool:
    return bool(may_change(user, unit) or may_administer(user, unit))


def _check(actor: Actor, allowed: Any, unit: OrgUnit, refusal: str) -> None:
    """Refuse unless the person behind ``actor`` may act on ``unit``; a web or API actor
    without a person is refused, the console is not checked."""
    user = _person(actor)
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not allowed(user, unit):
        raise PermissionDenied(refusal)


def _file_refusal() -> str:
    return _("无权为该单位申诉（unit） / not allowed to appeal for that unit")


def _review_refusal() -> str:
    return _("无权处理该单位的申诉 / not allowed to decide that unit's appeals")


# --- helpers -------------------------------------------------------------------------------


def _text(value: str, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise AppealError(field, missing)
    if len(text) > MAX_TEXT:
        raise AppealError(
            field,
            _("{field} 超过 {n} 个字 / {field} is longer than {n} characters").format(
                field=field, n=MAX_TEXT
            ),
        )
    return text


def _key(appeal: Appeal) -> str:
    return f"{appeal.run_id}/{appeal.unit.code}/{appeal.item_code or '*'}"


def _log(
    actor: Actor,
    appeal: Appeal,
    step: str,
    text: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    AppealEvent.objects.create(
        appeal=appeal,
        step=step,
        actor=actor.name[:150],
        user=_person(actor),
        at=timezone.now(),
        text=text,
    )
    record(
        actor, f"appeal.{step}", OBJECT_TYPE, _key(appeal), before, {"appeal": appeal.pk, **after}
    )


def _locked(appeal_id: int) -> Appeal:
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("run__scheme", "unit")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise AppealNotFound(
            "appeal", _("申诉 {id} 不存在 / appeal {id} does not exist").format(id=appeal_id)
        )
    return appeal


# --- filing --------------------------------------------------------------------------------


def do_file_appeal(
    actor: Actor,
    run: AssessmentRun,
    unit: OrgUnit,
    item_code: str,
    reasons: str,
    *,
    today: date | None = None,
) -> Appeal:
    """File ``unit``'s appeal of ``item_code`` (``""``: the whole result) of the published
    ``run``, with its reasons (required).

    Refused (:class:`AppealError`, naming the field; nothing written) as
    :func:`~kaohe.appeals.selectors.check_filing` says, and (PermissionDenied) when the person
    filing may not change ``unit``'s figures (its reporters and administrators may). Two
    filings of the same item at once leave one appeal: the other is refused.
    """
    _check(actor, _may_file, unit, _file_refusal())
    text = _text(
        reasons, "reasons", _("请填写申诉理由（reasons） / reasons: the reasons are required")
    )
    code = (item_code or "").strip()
    with transaction.atomic():
        # The run row is locked so that a publication replacing it waits for the filing.
        locked_run = (
            AssessmentRun.objects.select_for_update(of=("self",))
            .select_related("scheme")
            .get(pk=run.pk)
        )
        name = check_filing(locked_run, unit, code, today=today)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    run=locked_run,
                    unit=unit,
                    item_code=code,
                    item_name=name,
                    reasons=text,
                    status=AppealStatus.FILED,
                    filed_by=_person(actor),
                    filed_by_name=actor.name[:150],
                    filed_at=timezone.now(),
                )
        except IntegrityError:
            # Another filing of the same item got in first.
            check_filing(locked_run, unit, code, today=today)
            raise
        _log(
            actor,
            appeal,
            AppealStep.FILE,
            text,
            None,
            {"status": appeal.status, "item": code, "reasons": text},
        )
        _check(actor, _may_file, appeal.unit, _file_refusal())
    return appeal


# --- deciding ------------------------------------------------------------------------------


def _decide(actor: Actor, appeal_id: int, reason: str, accept: bool) -> Appeal:
    missing = (
        _("请填写采纳理由（decision_reason） / decision_reason: a reason for accepting is required")
        if accept
        else _(
            "请填写驳回理由（decision_reason） / decision_reason: a reason for rejecting is "
            "required"
        )
    )
    text = _text(reason, "decision_reason", missing)
    with transaction.atomic():
        appeal = _locked(appeal_id)
        _check(actor, may_review, appeal.unit, _review_refusal())
        if appeal.status != AppealStatus.FILED:
            when = (
                timezone.localtime(appeal.decided_at).strftime("%Y-%m-%d %H:%M")
                if appeal.decided_at
                else "?"
            )
            raise AlreadyDecided(
                "status",
                _(
                    "申诉 #{id} 已由 {who} 于 {when} 处理（{status}），不能再次处理 / appeal {id} "
                    "was already decided ({code}) by {who} at {when}"
                ).format(
                    id=appeal.pk,
                    who=appeal.decided_by_name or "?",
                    when=when,
                    status=appeal.get_status_display(),
                    code=appeal.status,
                ),
            )
        user = _person(actor)
        if user is not None and appeal.filed_by_id == user.pk:
            raise AppealError(
                "decided_by",
                _("申诉人不能处理自己提出的申诉 / the person who filed an appeal cannot decide it"),
            )
        before = {"status": appeal.status}
        appeal.status = AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED
        appeal.decided_by = user
        appeal.decided_by_name = actor.name[:150]
        appeal.decided_at = timezone.now()
        appeal.decision_reason = text
        appeal.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_by_name",
                "decided_at",
                "decision_reason",
            ]
        )
        step = AppealStep.ACCEPT if accept else AppealStep.REJECT
        _log(actor, appeal, step, text, before, {"status": appeal.status, "reason": text})
        _check(actor, may_review, appeal.unit, _review_refusal())
    return appeal


def do_accept_appeal(actor: Actor, appeal_id: int, reason: str) -> Appeal:
    """Accept a filed appeal, with a reason (required). No figure changes: the data is
    corrected through the usual path and the corrected run published in place of the old
    one, which resolves the appeal (:func:`resolve_appeals_for`). Deciding twice is refused
    (:class:`AlreadyDecided`); only reviewers over the unit may decide (PermissionDenied)."""
    return _decide(actor, appeal_id, reason, accept=True)


def do_reject_appeal(actor: Actor, appeal_id: int, reason: str) -> Appeal:
    """Reject a filed appeal, with a reason (required); the result stands as published."""
    return _decide(actor, appeal_id, reason, accept=False)


# --- resolving -----------------------------------------------------------------------------


def _replaced_runs(new_run: AssessmentRun) -> list[int]:
    """The runs ``new_run`` takes the place of: the chain of ``replaces`` back from it, and any
    other run of the same scheme, year and scope published before it (a publication may name an
    older run it replaces while superseding a newer one)."""
    ids: list[int] = []
    seen = {new_run.pk}
    current = new_run.replaces
    while current is not None and current.pk not in seen:
        ids.append(current.pk)
        seen.add(current.pk)
        current = current.replaces
    same = Q(scheme__code=new_run.scheme.code, year=new_run.year) & (
        Q(root__isnull=True) if new_run.root_id is None else Q(root_id=new_run.root_id)
    )
    earlier = AssessmentRun.objects.filter(
        same, status=RunStatus.SUPERSEDED, published_at__isnull=False
    ).exclude(pk__in=seen)
    if new_run.published_at is not None:
        earlier = earlier.filter(published_at__lte=new_run.published_at)
    ids += list(earlier.values_list("pk", flat=True))
    return ids


def resolve_appeals_for(new_run: AssessmentRun, actor: Actor | None = None) -> list[Appeal]:
    """Mark resolved, with ``resolution_run`` = ``new_run``, every accepted appeal of the runs
    the published ``new_run`` replaces; returns them. Called by the publication, inside its
    transaction (and harmless to call again: an appeal is resolved once). ``actor`` defaults
    to the publisher's name, on the system channel."""
    if new_run.status != RunStatus.PUBLISHED:
        raise AppealError(
            "run",
            _(
                "考核结果 #{id} 尚未发布，不能用来了结申诉 / run {id} is not published: it "
                "resolves no appeals"
            ).format(id=new_run.pk),
        )
    who = actor or Actor(name=new_run.published_by or "system", channel=Channel.SYSTEM)
    with transaction.atomic():
        replaced = _replaced_runs(new_run)
        appeals = list(
            Appeal.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(run_id__in=replaced, status=AppealStatus.ACCEPTED)
            .order_by("pk")
        )
        now = timezone.now()
        text = _(
            "数据已更正，考核结果 #{new} 已发布，替代 #{old} / corrected: run {new} published in "
            "place of run {old}"
        )
        for appeal in appeals:
            appeal.status = AppealStatus.RESOLVED
            appeal.resolution_run = new_run
            appeal.resolved_at = now
            appeal.save(update_fields=["status", "resolution_run", "resolved_at"])
            _log(
                who,
                appeal,
                AppealStep.RESOLVE,
                text.format(new=new_run.pk, old=appeal.run_id),
                {"status": AppealStatus.ACCEPTED.value},
                {"status": appeal.status, "resolution_run": new_run.pk},
            )
    return appeals
