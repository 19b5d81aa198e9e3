"""Submitting, approving, returning and unlocking figures, and whether figures are locked.

Each ``do_*`` function runs in one transaction, locks the submission row it changes
(``select_for_update``), checks who may do it through :mod:`kaohe.core.access`, writes a
:class:`~kaohe.submissions.models.SubmissionEvent` and an audit row, and checks again after the
write. The command line has no user: whoever runs it already holds the database, so its actor
is not checked against roles (as in :mod:`kaohe.accounts.services`).

Figures of a unit for a period are locked (:func:`is_locked`) when a data set holding them has
been approved for that unit and period, or when the data set's lock day (the period's end plus
``DataSet.lock_after_days``) has passed. A township administrator lifts either lock with
:func:`do_unlock`; nobody else is exempt from the approval lock. The lock day binds people
(actors with a signed-in user, system administrators included); the console, which loads
historical figures, is bound only by approvals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_administer, may_change, may_review
from kaohe.datavalues.importing import format_value, unit_closed_reason
from kaohe.datavalues.models import DataValue, Period
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.periods import Period as ParsedPeriod
from kaohe.engine.periods import PeriodError, parse_period
from kaohe.orgunits.models import OrgUnit

from .models import EventAction, Status, Submission, SubmissionEvent

__all__ = [
    "AlreadyApproved",
    "Figure",
    "LockState",
    "Outcome",
    "SubmissionError",
    "SubmissionNotFound",
    "ValidationFailed",
    "do_approve",
    "do_approve_many",
    "do_return",
    "do_submit",
    "do_unlock",
    "due_date",
    "figures_of",
    "is_locked",
    "lock_state_of",
    "locked_values",
    "on_time",
    "submission_on_time",
]

OBJECT_TYPE: Final = "submission"
MAX_REASON: Final = 1000
_CHUNK: Final = 500

PeriodLike = Period | ParsedPeriod | str
LockKey = tuple[int, str, int | None]  # unit id, period code, element id (None: any)


class SubmissionError(ValueError):
    """A step that cannot be taken; the message is bilingual, Chinese first."""


class SubmissionNotFound(SubmissionError):
    """No submission has that id."""


class AlreadyApproved(SubmissionError):
    """The submission was approved already (perhaps a moment ago, by another reviewer)."""


class ValidationFailed(SubmissionError):
    """The data set requires its rules to pass and high ones fail; ``failures`` lists them
    (:class:`kaohe.validation.evaluation.Check`), ``field`` is ``"validation"``."""

    field = "validation"

    def __init__(self, message: str, failures: Sequence[Any]) -> None:
        super().__init__(message)
        self.failures = list(failures)


@dataclass(frozen=True)
class LockState:
    """Whether figures are locked and why (bilingual). True when locked."""

    locked: bool
    reason: str = ""
    by_approval: bool = False
    lock_day: date | None = None  # the last day the figures could be changed, when that decided

    def __bool__(self) -> bool:
        return self.locked


OPEN: Final = LockState(locked=False)


@dataclass(frozen=True)
class Outcome:
    """What became of one submission of a bulk approval."""

    id: int
    ok: bool
    status: str
    message: str


@dataclass(frozen=True)
class Figure:
    """One element of a submission: its value now and at the last approval."""

    code: str
    name: str
    value: str | None
    approved_value: str | None
    changed: bool


# --- periods and data sets -----------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    code: str
    period_type: str
    start: date
    end: date


def _span(period: PeriodLike) -> _Span:
    if isinstance(period, Period):
        return _Span(period.code, period.period_type, period.start_date, period.end_date)
    parsed = parse_period(period) if isinstance(period, str) else period
    return _Span(parsed.code, parsed.period_type.value, parsed.start, parsed.end)


@dataclass(frozen=True)
class _Form:
    """A data set with the ids of its elements: what locking needs to know of it."""

    dataset: DataSet
    element_ids: frozenset[int]

    def covers(self, unit: OrgUnit, span: _Span, element_id: int | None) -> bool:
        dataset = self.dataset
        return (
            dataset.period_type == span.period_type
            and (not dataset.unit_kinds or unit.kind in dataset.unit_kinds)
            and (element_id is None or element_id in self.element_ids)
        )


def _forms() -> list[_Form]:
    elements: dict[int, set[int]] = defaultdict(set)
    for dataset_id, element_id in DataSetElement.objects.values_list("dataset_id", "element_id"):
        elements[dataset_id].add(element_id)
    return [_Form(d, frozenset(elements[d.pk])) for d in DataSet.objects.all()]


def _naming(dataset: DataSet, unit: OrgUnit, code: str) -> dict[str, str]:
    return {
        "dataset": dataset.name,
        "dataset_code": dataset.code,
        "unit": unit.name,
        "unit_code": unit.code,
        "period": code,
    }


def _decide(
    dataset: DataSet,
    unit: OrgUnit,
    span: _Span,
    submission: Submission | None,
    today: date,
    deadline: bool,
) -> LockState:
    if submission is not None and submission.status == Status.APPROVED:
        return LockState(
            locked=True,
            by_approval=True,
            reason=_(
                "{dataset}（{unit}，{period}）已审核通过，数据已锁定，须由乡镇管理员解锁后才能修改 / "
                "data set {dataset_code} of {unit_code} for {period} is approved and locked; a "
                "township administrator must unlock it first"
            ).format(**_naming(dataset, unit, span.code)),
        )
    lock_day = span.end + timedelta(days=dataset.lock_after_days)
    unlocked = submission is not None and submission.unlocked_at is not None
    if deadline and today > lock_day and not unlocked:
        return LockState(
            locked=True,
            lock_day=lock_day,
            reason=_(
                "{dataset}（{unit}，{period}）已过锁定日 {day}，数据已锁定，须由乡镇管理员解锁后才能修改 "
                "/ data set {dataset_code} of {unit_code} for {period} locked after {day}; a "
                "township administrator must unlock it first"
            ).format(day=lock_day.isoformat(), **_naming(dataset, unit, span.code)),
        )
    return OPEN


def _person(actor: Actor | None) -> Any | None:
    user = actor.user if actor is not None else None
    return user if user is not None and user.is_authenticated else None


def _deadline_binds(actor: Actor | None) -> bool:
    """The lock day binds people; the console (no user), which loads history, is bound only by
    approvals. Without an actor the question is simply whether the figures are locked."""
    return actor is None or _person(actor) is not None


# --- locks ---------------------------------------------------------------------------------


def _submissions(
    pairs: set[tuple[int, str]], *, for_update: bool
) -> dict[tuple[int, int, str], Submission]:
    """The submissions of these (unit id, period code) pairs, by (data set, unit, period)."""
    found: dict[tuple[int, int, str], Submission] = {}
    codes = sorted({code for _unit, code in pairs})
    units = {unit for unit, _code in pairs}
    for start in range(0, len(codes), _CHUNK):
        queryset = Submission.objects.filter(period__code__in=codes[start : start + _CHUNK])
        if len(units) <= _CHUNK:
            # Only these units' rows: an import must not hold other townships' approvals up.
            queryset = queryset.filter(unit_id__in=units)
        if for_update:
            # Locked against an approval running at the same moment; see do_approve.
            queryset = queryset.select_for_update(of=("self",))
        for row in queryset.select_related("period").order_by("pk"):
            if (row.unit_id, row.period.code) in pairs:
                found[(row.dataset_id, row.unit_id, row.period.code)] = row
    return found


def locked_values(
    keys: Iterable[tuple[OrgUnit, PeriodLike, DataElement | None]],
    *,
    actor: Actor | None = None,
    for_update: bool = False,
) -> dict[LockKey, LockState]:
    """Which of these (unit, period, element) figures are locked, and why; open ones are left
    out. A few queries for any number of keys. ``element`` ``None`` asks about any data set
    of the unit and period. ``for_update`` (inside a transaction that writes figures) locks the
    submission rows so that no approval slips in between the check and the write."""
    wanted = [(unit, _span(period), element) for unit, period, element in keys]
    if not wanted:
        return {}
    forms = _forms()
    covered = []  # (unit, span, key, the data sets holding that figure)
    for unit, span, element in wanted:
        element_id = element.pk if element is not None else None
        holding = [f.dataset for f in forms if f.covers(unit, span, element_id)]
        if holding:
            covered.append((unit, span, (unit.pk, span.code, element_id), holding))
    if not covered:
        return {}
    submissions = _submissions({(u.pk, s.code) for u, s, _k, _h in covered}, for_update=for_update)
    today = timezone.localdate()
    deadline = _deadline_binds(actor)
    found: dict[LockKey, LockState] = {}
    for unit, span, key, holding in covered:
        for dataset in holding:
            submission = submissions.get((dataset.pk, unit.pk, span.code))
            state = _decide(dataset, unit, span, submission, today, deadline)
            if state:
                found[key] = state
                break
    return found


def is_locked(
    unit: OrgUnit,
    period: PeriodLike,
    element: DataElement | None = None,
    *,
    actor: Actor | None = None,
    for_update: bool = False,
) -> LockState:
    """Whether ``element``'s figure of ``unit`` for ``period`` is locked (``element`` ``None``:
    any figure of any data set of that unit and period), and why. A LockState is true when
    locked. With ``actor`` the answer is for that actor: the console is bound only by
    approvals (see the module notes)."""
    found = locked_values([(unit, period, element)], actor=actor, for_update=for_update)
    return next(iter(found.values()), OPEN)


def lock_state_of(submission: Submission) -> LockState:
    """Whether the figures of ``submission`` are locked, and why."""
    return _decide(
        submission.dataset,
        submission.unit,
        _span(submission.period),
        submission,
        timezone.localdate(),
        deadline=True,
    )


def due_date(dataset: DataSet, period: PeriodLike) -> date:
    """The last day a submission of ``dataset`` for ``period`` is on time."""
    return _span(period).end + timedelta(days=dataset.due_day)


def on_time(dataset: DataSet, unit: OrgUnit, period: PeriodLike) -> bool | None:
    """Whether ``unit`` first submitted ``dataset`` for ``period`` on or before the period's
    end plus ``due_day`` days; ``None`` when it has not submitted it."""
    submission = (
        Submission.objects.filter(dataset=dataset, unit=unit, period__code=_span(period).code)
        .select_related("dataset", "period")
        .first()
    )
    return submission_on_time(submission) if submission is not None else None


def submission_on_time(submission: Submission) -> bool | None:
    """:func:`on_time` of a submission at hand (its data set and period loaded with it)."""
    if submission.submitted_at is None:
        return None
    deadline = due_date(submission.dataset, submission.period)
    return timezone.localdate(submission.submitted_at) <= deadline


def figures_of(submission: Submission) -> list[Figure]:
    """The figures of ``submission`` in the order of the form, each beside its value at the
    last approval (``approved_value`` and ``changed`` only if it was ever approved)."""
    current = _current_values(submission)
    approved_before = submission.events.filter(action=EventAction.APPROVE).exists()
    snapshot: dict[str, str] = submission.approved_snapshot or {}
    rows = []
    for link in _links(submission.dataset):
        code = link.element.code
        value = current.get(code)
        previous = snapshot.get(code) if approved_before else None
        rows.append(
            Figure(
                code=code,
                name=link.element.name,
                value=value,
                approved_value=previous,
                changed=approved_before and previous != value,
            )
        )
    return rows


def _links(dataset: DataSet) -> Sequence[DataSetElement]:
    return list(
        DataSetElement.objects.filter(dataset=dataset)
        .select_related("element")
        .order_by("sort_order", "pk")
    )


def _current_values(submission: Submission) -> dict[str, str]:
    values = DataValue.objects.filter(
        unit_id=submission.unit_id,
        period_id=submission.period_id,
        element__datasetelement__dataset_id=submission.dataset_id,
    ).values_list("element__code", "value")
    return {code: format_value(value) for code, value in values}


# --- transitions ---------------------------------------------------------------------------


def _key(submission: Submission) -> str:
    return f"{submission.dataset.code}/{submission.period.code}/{submission.unit.code}"


def _check(
    actor: Actor, allowed: Callable[[Any, OrgUnit], bool], unit: OrgUnit, refusal: str
) -> None:
    """Refuse unless the person behind ``actor`` may act on ``unit``. Pages and the API always
    act for a signed-in person; a web or API actor without one is refused."""
    user = _person(actor)
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not allowed(user, unit):
        raise PermissionDenied(refusal)


def _reason(text: str, missing: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise SubmissionError(missing)
    if len(reason) > MAX_REASON:
        raise SubmissionError(
            _("原因超过 {n} 个字符 / the reason is longer than {n} characters").format(n=MAX_REASON)
        )
    return reason


def _locked(submission_id: int) -> Submission:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("dataset", "unit", "period")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise SubmissionNotFound(
            _("报送 {id} 不存在 / submission {id} does not exist").format(id=submission_id)
        )
    return submission


def _log(
    actor: Actor,
    submission: Submission,
    action: str,
    before: dict[str, Any],
    reason: str = "",
) -> None:
    SubmissionEvent.objects.create(
        submission=submission,
        action=action,
        actor=actor.name[:150],
        user=_person(actor),
        at=timezone.now(),
        reason=reason,
    )
    after = {"status": submission.status, **({"reason": reason} if reason else {})}
    record(actor, f"submission.{action}", OBJECT_TYPE, _key(submission), before, after)


def _status_label(status: str) -> str:
    return str(Status(status).label)


def _period_row(period: Period | str) -> Period:
    if isinstance(period, Period):
        return period
    try:
        return Period.objects.get_or_create_code(period)
    except PeriodError as exc:
        raise SubmissionError(str(exc)) from None


def _check_reports(dataset: DataSet, unit: OrgUnit, period: Period) -> None:
    if period.period_type != dataset.period_type:
        raise SubmissionError(
            _(
                "数据集 {dataset} 按 {wanted} 报送，期间 {period} 不是 / data set {dataset} is "
                "reported {wanted}; period {period} is not"
            ).format(dataset=dataset.code, wanted=dataset.period_type, period=period.code)
        )
    if dataset.unit_kinds and unit.kind not in dataset.unit_kinds:
        raise SubmissionError(
            _(
                "{unit} 不报送数据集 {dataset} / {unit_code} does not report data set {dataset}"
            ).format(unit=unit.name, unit_code=unit.code, dataset=dataset.code)
        )
    if (closed := unit_closed_reason(unit, _parsed(period))) is not None:
        raise SubmissionError(closed)


def _parsed(period: Period) -> ParsedPeriod:
    return parse_period(period.code)


def _check_validation(dataset: DataSet, unit: OrgUnit, period: Period) -> None:
    """Refuse (:class:`ValidationFailed`, listing them) when the data set requires its rules
    to pass and a high-importance rule fails on this report."""
    if dataset.validation_required:
        from kaohe.validation.evaluation import submission_refusal

        if (refused := submission_refusal(dataset, unit, _parsed(period))) is not None:
            raise ValidationFailed(*refused)


def do_submit(actor: Actor, dataset: DataSet, unit: OrgUnit, period: Period | str) -> Submission:
    """Submit ``unit``'s figures of ``dataset`` for ``period`` for review (a draft or a returned
    submission; the row is created on the first submission). The time it first came in is
    kept: on time or late is decided by it. A data set with ``validation_required`` refuses
    while a high-importance validation rule fails (:class:`ValidationFailed`)."""
    refusal = _("无权报送该单位的数据 / not allowed to submit that unit's figures")
    _check(actor, may_change, unit, refusal)
    with transaction.atomic():
        row = _period_row(period)
        _check_reports(dataset, unit, row)
        created, _new = Submission.objects.get_or_create(dataset=dataset, unit=unit, period=row)
        submission = _locked(created.pk)
        if submission.status == Status.SUBMITTED:
            raise SubmissionError(_("已提交，正在等待审核 / already submitted and awaiting review"))
        if submission.status == Status.APPROVED:
            raise AlreadyApproved(
                _(
                    "已审核通过并锁定，须由乡镇管理员解锁后才能再次提交 / already approved and "
                    "locked; a township administrator must unlock it before it is submitted again"
                )
            )
        _check_validation(dataset, unit, row)
        before = {"status": submission.status}
        now = timezone.now()
        submission.status = Status.SUBMITTED
        first = submission.submitted_at is None
        submission.submitted_at = submission.submitted_at or now
        submission.last_submitted_at = now
        submission.submitted_by = actor.name[:150]
        submission.save()
        _log(actor, submission, EventAction.SUBMIT, before)
        _check(actor, may_change, submission.unit, refusal)
        if first:
            # A report received (on time or late) is a figure too (R{…}): only its first
            # submission counts, so only then do the drafts reading it follow.
            # (Imported here: the assessments read completeness, which reads this module.)
            from kaohe.assessments.recompute import schedule_recompute

            schedule_recompute([submission.unit], [parse_period(row.code)])
    return submission


def do_approve(actor: Actor, submission_id: int) -> Submission:
    """Approve a submitted submission: its figures are kept as the approved snapshot and
    locked. Two reviewers approving at once give one approval: the row is locked, and the
    second finds it approved (:class:`AlreadyApproved`)."""
    refusal = _("无权审核该单位的数据 / not allowed to review that unit's figures")
    with transaction.atomic():
        submission = _locked(submission_id)
        _check(actor, may_review, submission.unit, refusal)
        if submission.status == Status.APPROVED:
            raise AlreadyApproved(
                _(
                    "该报送已由 {who} 于 {when} 审核通过 / this submission was already approved by "
                    "{who} at {when}"
                ).format(
                    who=submission.reviewed_by,
                    when=timezone.localtime(submission.reviewed_at).strftime("%Y-%m-%d %H:%M")
                    if submission.reviewed_at
                    else "?",
                )
            )
        if submission.status != Status.SUBMITTED:
            raise SubmissionError(
                _(
                    "只能审核已提交的报送，此报送为“{status}” / only a submitted submission can be "
                    "approved; this one is {code}"
                ).format(status=_status_label(submission.status), code=submission.status)
            )
        before = {"status": submission.status}
        submission.status = Status.APPROVED
        submission.reviewed_at = timezone.now()
        submission.reviewed_by = actor.name[:150]
        submission.return_reason = ""
        submission.approved_snapshot = _current_values(submission)
        submission.save()
        _log(actor, submission, EventAction.APPROVE, before)
        _check(actor, may_review, submission.unit, refusal)
    return submission


def do_approve_many(actor: Actor, ids: Iterable[int]) -> list[Outcome]:
    """Approve each of ``ids`` on its own: one refused does not hold back the others. Returns
    one outcome per id, in the order given (repeats dropped)."""
    outcomes = []
    for submission_id in dict.fromkeys(ids):
        try:
            submission = do_approve(actor, submission_id)
        except AlreadyApproved as exc:
            outcomes.append(Outcome(submission_id, False, Status.APPROVED, str(exc)))
        except (PermissionDenied, SubmissionNotFound):
            # Nothing is told about a submission outside the reviewer's reach.
            message = _(
                "报送 {id} 不存在或无权审核 / submission {id} does not exist or is not yours to "
                "review"
            ).format(id=submission_id)
            outcomes.append(Outcome(submission_id, False, "", message))
        except SubmissionError as exc:
            status = Submission.objects.filter(pk=submission_id).values_list("status", flat=True)
            outcomes.append(Outcome(submission_id, False, status.first() or "", str(exc)))
        else:
            message = _("报送 {id} 已审核通过 / submission {id} approved").format(id=submission_id)
            outcomes.append(Outcome(submission_id, True, submission.status, message))
    return outcomes


def do_return(actor: Actor, submission_id: int, reason: str) -> Submission:
    """Return a submitted submission to its unit with a reason (required)."""
    reason = _reason(reason, _("请填写退回原因 / a reason for returning it is required"))
    refusal = _("无权审核该单位的数据 / not allowed to review that unit's figures")
    with transaction.atomic():
        submission = _locked(submission_id)
        _check(actor, may_review, submission.unit, refusal)
        if submission.status != Status.SUBMITTED:
            raise SubmissionError(
                _(
                    "只能退回已提交的报送，此报送为“{status}” / only a submitted submission can be "
                    "returned; this one is {code}"
                ).format(status=_status_label(submission.status), code=submission.status)
            )
        before = {"status": submission.status}
        submission.status = Status.RETURNED
        submission.reviewed_at = timezone.now()
        submission.reviewed_by = actor.name[:150]
        submission.return_reason = reason
        submission.save()
        _log(actor, submission, EventAction.RETURN, before, reason)
        _check(actor, may_review, submission.unit, refusal)
    return submission


def do_unlock(actor: Actor, submission_id: int, reason: str) -> Submission:
    """Unlock a submission's figures, with a reason (required): an approved one goes back to
    draft, to be corrected and submitted again; one past its lock day may be edited again. Only
    township administrators over the unit (and system administrators) may."""
    reason = _reason(reason, _("请填写解锁原因 / a reason for unlocking is required"))
    refusal = _("无权解锁该单位的数据 / not allowed to unlock that unit's figures")
    with transaction.atomic():
        submission = _locked(submission_id)
        _check(actor, may_administer, submission.unit, refusal)
        if not lock_state_of(submission):
            raise SubmissionError(_("数据未锁定，无需解锁 / the figures are not locked"))
        before = {"status": submission.status}
        if submission.status == Status.APPROVED:
            submission.status = Status.DRAFT
        submission.unlocked_at = timezone.now()
        submission.unlocked_by = actor.name[:150]
        submission.unlock_reason = reason
        submission.save()
        _log(actor, submission, EventAction.UNLOCK, before, reason)
        _check(actor, may_administer, submission.unit, refusal)
    return submission
