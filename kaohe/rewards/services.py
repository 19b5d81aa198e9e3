"""Writing the ledger: approving, paying and reversing entries (computing them from a
published run is :mod:`kaohe.rewards.computing`).

Every function runs in one transaction, locks the rows it changes (``select_for_update``),
checks their status *after* taking the lock, and writes its audit rows in the same
transaction. Refusals raise :class:`LedgerError` naming the field, Chinese first, and change
nothing. Pages and the API act for a signed-in person, who must be allowed the step over the
entry's unit (:mod:`kaohe.core.access`); the console acts for whoever runs it.

Who may do what: computing needs the right to run the assessment's scope (the township
administrators of its root; a run of the whole tree, system administrators); approving needs
"review" over the unit (reviewers, township administrators); paying and reversing need
"admin" over it (township administrators).

Reversal: the entry reversed becomes ``reversed`` and a counter-entry with the negated amount
points at it. When the entry was paid, money has moved, so the counter-entry is a new amount
to settle: it starts ``computed`` and is approved and paid (collected back, or refunded) like
any other. When it was not paid, nothing has moved and nothing will: the counter-entry is
created ``reversed`` as well, and the pair cancels out.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor, build_entry, record
from kaohe.core.access import may_administer, may_review

from .models import EntryStatus, LedgerEntry, LedgerError

__all__ = [
    "LedgerError",
    "do_approve",
    "do_approve_run",
    "do_pay",
    "do_reverse",
    "entries_by_id",
]

OBJECT_TYPE = "ledger_entry"
MAX_REASON = 2000
MAX_VOUCHER = 100
FEN = Decimal("0.01")


def _key(entry: LedgerEntry) -> str:
    return f"run{entry.run_id}/{entry.unit.code}/{entry.pk}"


def _snapshot(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "status": entry.status,
        "amount": format(entry.amount, "f"),
        "kind": entry.kind,
        "rule": entry.rule,
        "person": entry.person.code if entry.person_id and entry.person else None,
        "approved_by": entry.approved_by or None,
        "paid_on": entry.paid_on.isoformat() if entry.paid_on else None,
        "voucher": entry.voucher or None,
    }


def _user(actor: Actor) -> Any | None:
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def _check(actor: Actor, allowed: Any, refusal: str) -> None:
    """Refuse a person without the right; a page or API call without a signed-in person is
    refused too (the console, which has none, acts for whoever runs it)."""
    user = _user(actor)
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not allowed(user):
        raise PermissionDenied(refusal)


def _locked(entry: LedgerEntry | int) -> LedgerEntry:
    """The entry re-read under a row lock: its status is checked on this copy, never on the
    one the caller holds (which may be stale)."""
    pk = entry.pk if isinstance(entry, LedgerEntry) else entry
    try:
        return (
            LedgerEntry.objects.select_for_update(of=("self",))
            .select_related("unit", "person", "run")
            .get(pk=pk)
        )
    except LedgerEntry.DoesNotExist:
        raise LedgerError(
            "entry", _("没有第 {id} 号记录 / no ledger entry {id}").format(id=pk)
        ) from None


def _status_label(entry: LedgerEntry) -> str:
    return str(EntryStatus(entry.status).label)


# --- approving -------------------------------------------------------------------------------


def _refuse_approval(entry: LedgerEntry) -> None:
    if entry.status == EntryStatus.COMPUTED:
        return
    if entry.status == EntryStatus.APPROVED:
        raise LedgerError(
            "status",
            _(
                "第 {id} 号记录已由 {who} 审核，无需再审核 / entry {id} was already approved by {who}"
            ).format(id=entry.pk, who=entry.approved_by or "?"),
        )
    raise LedgerError(
        "status",
        _(
            "第 {id} 号记录状态为「{status}」，不能审核 / entry {id} is {code} and cannot be "
            "approved"
        ).format(id=entry.pk, status=_status_label(entry), code=entry.status),
    )


def _approve_locked(entry: LedgerEntry, actor: Actor, now: datetime.datetime) -> Any:
    before = _snapshot(entry)
    entry.status = EntryStatus.APPROVED
    entry.approved_by = actor.name[:150]
    entry.approved_at = now
    entry.save(update_fields=["status", "approved_by", "approved_at"])
    return build_entry(actor, "money.approve", OBJECT_TYPE, _key(entry), before, _snapshot(entry))


@transaction.atomic
def do_approve(entry: LedgerEntry | int, actor: Actor) -> LedgerEntry:
    """Approve a computed entry. Two reviewers approving at once make one approval: the
    second reads the row after the first has committed, sees it approved, and is refused."""
    locked = _locked(entry)
    _check(
        actor,
        lambda user: may_review(user, locked.unit),
        _("你不能审核 {unit} 的奖惩 / you may not approve the money of {unit}").format(
            unit=locked.unit.code
        ),
    )
    _refuse_approval(locked)
    _approve_locked(locked, actor, timezone.now()).save()
    return locked


@transaction.atomic
def do_approve_run(run: AssessmentRun, actor: Actor) -> list[LedgerEntry]:
    """Approve every computed entry of ``run`` that the actor may review; entries already
    approved, paid or reversed are left as they are. Returns the entries approved."""
    entries = list(
        LedgerEntry.objects.select_for_update(of=("self",))
        .select_related("unit", "person", "run")
        .filter(run=run, status=EntryStatus.COMPUTED)
        .order_by("sort_order", "id")
    )
    user = _user(actor)
    if user is None and actor.channel in (Channel.WEB, Channel.API):
        raise PermissionDenied
    if user is not None:
        entries = [e for e in entries if may_review(user, e.unit)]
    now = timezone.now()
    AuditEntry.objects.bulk_create([_approve_locked(e, actor, now) for e in entries])
    return entries


# --- paying ----------------------------------------------------------------------------------


def _checked_voucher(voucher: str, amount: Decimal) -> str:
    text = (voucher or "").strip()
    if not text and amount != 0:
        raise LedgerError("voucher", _("凭证号必填 / the voucher number is required"))
    if len(text) > MAX_VOUCHER:
        raise LedgerError(
            "voucher",
            _("凭证号最多 {n} 个字 / the voucher number is at most {n} characters").format(
                n=MAX_VOUCHER
            ),
        )
    return text


def _checked_date(entry: LedgerEntry, paid_on: datetime.date | None) -> datetime.date:
    if not isinstance(paid_on, datetime.date):
        raise LedgerError("paid_on", _("兑现日期必填 / the payment date is required"))
    if paid_on > timezone.localdate():
        raise LedgerError(
            "paid_on",
            _("兑现日期 {date} 在今天之后 / the payment date {date} is in the future").format(
                date=paid_on.isoformat()
            ),
        )
    published = entry.run.published_at
    if published is not None and paid_on < timezone.localtime(published).date():
        raise LedgerError(
            "paid_on",
            _(
                "兑现日期 {date} 早于结果发布日期 {published} / the payment date {date} is "
                "before the results were published ({published})"
            ).format(
                date=paid_on.isoformat(),
                published=timezone.localtime(published).date().isoformat(),
            ),
        )
    return paid_on


def _checked_amount(entry: LedgerEntry, amount: Decimal | None) -> None:
    """The amount on the voucher, when given, signed like the ledger (paid out positive,
    collected negative), must be the entry's amount: a sign the other way is refused, and so
    is a part payment."""
    if amount is None:
        return
    try:
        given = Decimal(amount).quantize(FEN)
    except (ArithmeticError, TypeError, ValueError):
        raise LedgerError("amount", _("金额不是数字 / the amount is not a number")) from None
    if given == entry.amount:
        return
    if given != 0 and (given < 0) != (entry.amount < 0):
        raise LedgerError(
            "amount",
            _(
                "金额 {given} 的正负与记录不符：第 {id} 号记录{what} {amount} 元（付出记正数，"
                "收缴记负数）/ the sign of {given} does not match entry {id} ({amount}: paid out "
                "is positive, collected negative)"
            ).format(
                given=format(given, "f"),
                id=entry.pk,
                amount=format(entry.amount, "f"),
                what=_("应收缴") if entry.amount < 0 else _("应付出"),
            ),
        )
    raise LedgerError(
        "amount",
        _(
            "金额 {given} 与第 {id} 号记录的 {amount} 元不符；不登记部分兑现 / {given} differs "
            "from entry {id} ({amount}); part payments are not recorded"
        ).format(given=format(given, "f"), id=entry.pk, amount=format(entry.amount, "f")),
    )


@transaction.atomic
def do_pay(
    entry: LedgerEntry | int,
    paid_on: datetime.date | None,
    voucher: str,
    actor: Actor,
    *,
    amount: Decimal | None = None,
) -> LedgerEntry:
    """Record that an approved entry was settled on ``paid_on`` with voucher ``voucher``:
    paid out for a positive amount, collected for a negative one.

    Refused: an entry not approved (computed, paid already, reversed), an amount of 0 (there
    is nothing to settle), a date in the future or before the results were published, a
    missing voucher, and an ``amount`` (as on the voucher, signed like the ledger) that is
    not the entry's: the other sign, or a part of it."""
    locked = _locked(entry)
    _check(
        actor,
        lambda user: may_administer(user, locked.unit),
        _("你不能登记 {unit} 的兑现 / you may not record payments for {unit}").format(
            unit=locked.unit.code
        ),
    )
    if locked.status == EntryStatus.PAID:
        raise LedgerError(
            "status",
            _(
                "第 {id} 号记录已于 {date} 兑现（凭证 {voucher}），不能重复兑现 / entry {id} was "
                "already paid on {date} (voucher {voucher})"
            ).format(id=locked.pk, date=locked.paid_on, voucher=locked.voucher or "—"),
        )
    if locked.status != EntryStatus.APPROVED:
        raise LedgerError(
            "status",
            _(
                "第 {id} 号记录状态为「{status}」，审核后才能兑现 / entry {id} is {code}: only an "
                "approved entry can be paid"
            ).format(id=locked.pk, status=_status_label(locked), code=locked.status),
        )
    if locked.amount == 0:
        raise LedgerError(
            "amount",
            _("第 {id} 号记录金额为 0，无需兑现 / entry {id} is 0.00: nothing to pay").format(
                id=locked.pk
            ),
        )
    _checked_amount(locked, amount)
    text = _checked_voucher(voucher, locked.amount)
    date = _checked_date(locked, paid_on)
    before = _snapshot(locked)
    locked.status = EntryStatus.PAID
    locked.paid_on = date
    locked.voucher = text
    locked.paid_by = actor.name[:150]
    locked.save(update_fields=["status", "paid_on", "voucher", "paid_by"])
    record(actor, "money.pay", OBJECT_TYPE, _key(locked), before, _snapshot(locked))
    return locked


# --- reversing -------------------------------------------------------------------------------


def _checked_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise LedgerError("reason", _("冲销原因必填 / a reason is required to reverse"))
    if len(text) > MAX_REASON:
        raise LedgerError(
            "reason",
            _("原因最多 {n} 个字 / the reason is at most {n} characters").format(n=MAX_REASON),
        )
    return text


def _reverse_locked(original: LedgerEntry, reason: str, actor: Actor) -> LedgerEntry:
    if original.reverses_id is not None:
        raise LedgerError(
            "entry",
            _(
                "第 {id} 号记录本身是冲销记录（冲销第 {other} 号），不能再冲销 / entry {id} is a "
                "reversal (of entry {other}) and cannot be reversed"
            ).format(id=original.pk, other=original.reverses_id),
        )
    if original.status == EntryStatus.REVERSED:
        raise LedgerError(
            "status",
            _("第 {id} 号记录已经冲销，不能重复冲销 / entry {id} was already reversed").format(
                id=original.pk
            ),
        )
    was_paid = original.status == EntryStatus.PAID
    before = _snapshot(original)
    original.status = EntryStatus.REVERSED
    original.save(update_fields=["status"])
    counter = LedgerEntry.objects.create(
        run=original.run,
        unit=original.unit,
        person=original.person,
        role=original.role,
        kind=original.kind,
        rule=original.rule,
        amount=-original.amount,
        figures={**original.figures, "reverses": str(original.pk)},
        explanation_zh=_("冲销第 {id} 号记录（{amount} 元）：{reason}").format(
            id=original.pk, amount=format(original.amount, "f"), reason=reason
        ),
        explanation_en="Reverses entry {id} ({amount}): {reason}".format(
            id=original.pk, amount=format(original.amount, "f"), reason=reason
        ),
        sort_order=original.sort_order,
        status=EntryStatus.COMPUTED if was_paid else EntryStatus.REVERSED,
        reverses=original,
        reason=reason,
        created_by=actor.name[:150],
    )
    record(
        actor,
        "money.reverse",
        OBJECT_TYPE,
        _key(original),
        before,
        {**_snapshot(original), "counter_entry": counter.pk, "reason": reason},
    )
    return counter


@transaction.atomic
def do_reverse(entry: LedgerEntry | int, reason: str, actor: Actor) -> LedgerEntry:
    """Reverse an entry with a counter-entry of the negated amount; returns the counter-entry.

    Refused: an entry reversed already, a counter-entry (a reversal is never reversed; the
    counter-entry of a paid entry is settled like any other), a missing reason."""
    locked = _locked(entry)
    _check(
        actor,
        lambda user: may_administer(user, locked.unit),
        _("你不能冲销 {unit} 的奖惩 / you may not reverse the money of {unit}").format(
            unit=locked.unit.code
        ),
    )
    return _reverse_locked(locked, _checked_reason(reason), actor)


def entries_by_id(ids: Iterable[int]) -> Sequence[LedgerEntry]:
    """Entries by id, in the order given (the console's ``approve ID…``)."""
    wanted = list(ids)
    found = {e.pk: e for e in LedgerEntry.objects.select_related("unit").filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise LedgerError(
            "entry",
            _("没有这些记录：{ids} / no ledger entries {ids}").format(
                ids=", ".join(str(i) for i in missing)
            ),
        )
    return [found[i] for i in wanted]
