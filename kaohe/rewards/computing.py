"""Computing a published run's money into the ledger (one transaction, audited).

The scheme's money rules (``Scheme.money_rules``) are read by the engine
(:func:`kaohe.engine.money.money_rules_from_config`) and applied to what the run published
(:func:`kaohe.rewards.inputs.money_units`); every line becomes a ``computed`` entry.

A corrected run that replaces an earlier publication is computed on its own, and the earlier
run's entries that still count are settled against it in the same transaction, so that
nobody is owed or paid twice:

* an entry not paid yet is reversed, and its counter-entry is ``reversed`` too (nothing moved);
* a paid entry that the new run gives again unchanged (same unit, person, role, kind, rule and
  amount) is carried over: its counter-entry and the new entry are both recorded as settled
  with the original date and voucher, so nothing is paid twice and nothing is collected back;
* a paid entry that the new run changes or drops is reversed with a counter-entry to settle
  (collect back or refund), and the new entry is paid like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_run_assessments
from kaohe.engine.money import (
    MoneyInputError,
    MoneyRuleError,
    compute_money,
    money_rules_from_config,
)
from kaohe.orgunits.models import Official, OrgUnit

from .inputs import money_labels, money_units
from .models import EntryStatus, LedgerEntry, LedgerError
from .services import FEN, OBJECT_TYPE, _check, _key, _reverse_locked, _snapshot

__all__ = ["ComputeOutcome", "do_compute_money"]


@dataclass
class ComputeOutcome:
    """The entries a computation stored; the counter-entries it made for the entries of the
    runs it replaces (reversed or carried over)."""

    created: list[LedgerEntry] = field(default_factory=list)
    counter: list[LedgerEntry] = field(default_factory=list)


Signature = tuple[int, int | None, str, str, str, Decimal]


def _signature(entry: LedgerEntry) -> Signature:
    return (entry.unit_id, entry.person_id, entry.role, entry.kind, entry.rule, entry.amount)


def _live_entries_before(run: AssessmentRun) -> list[LedgerEntry]:
    """The entries of the runs ``run`` replaces (following ``replaces`` back) that still
    count: not reversed and not themselves counter-entries; locked."""
    seen: set[int] = set()
    previous = run.replaces
    while previous is not None and previous.pk not in seen and previous.pk != run.pk:
        seen.add(previous.pk)
        previous = previous.replaces
    if not seen:
        return []
    return list(
        LedgerEntry.objects.select_for_update(of=("self",))
        .select_related("unit", "person", "run")
        .filter(run_id__in=seen, reverses__isnull=True)
        .exclude(status=EntryStatus.REVERSED)
        .order_by("run_id", "sort_order", "id")
    )


def _refuse(run: AssessmentRun) -> None:
    if run.status != RunStatus.PUBLISHED:
        raise LedgerError(
            "run",
            _(
                "只能依据已发布的考核结果计算奖惩；第 {id} 次计算的状态为「{status}」/ money is "
                "computed from a published run only; run {id} is {code}"
            ).format(id=run.pk, status=run.get_status_display(), code=run.status),
        )
    first = LedgerEntry.objects.filter(run=run).order_by("created_at", "id").first()
    if first is not None:
        raise LedgerError(
            "run",
            _(
                "第 {id} 次计算的奖惩已于 {at} 由 {actor} 计算，不能重复计算；更正结果须重新发布，"
                "再依据新发布的结果计算 / the money of run {id} was computed on {at} by {actor}; "
                "it is never computed twice: publish a corrected run and compute that one"
            ).format(
                id=run.pk,
                at=timezone.localtime(first.created_at).strftime("%Y-%m-%d %H:%M"),
                actor=first.created_by or "?",
            ),
        )


def _new_entries(run: AssessmentRun, actor: Actor) -> list[LedgerEntry]:
    """The run's money lines as unsaved entries, in the engine's order."""
    config = run.scheme.money_rules or []
    if not config:
        raise LedgerError(
            "money_rules",
            _("考核方案 {code} 没有奖惩兑现规则 / scheme {code} has no money rules").format(
                code=run.scheme.code
            ),
        )
    try:
        rules = money_rules_from_config(list(config))
    except MoneyRuleError as error:
        raise LedgerError("money_rules", "\n".join(error.problems)) from error
    try:
        lines = compute_money(rules, money_units(run, rules, config), labels=money_labels(run))
    except MoneyInputError as error:
        raise LedgerError("run", str(error)) from error
    units = {u.code: u for u in OrgUnit.objects.filter(code__in={line.unit for line in lines})}
    people = {
        o.code: o
        for o in Official.objects.filter(code__in={line.person for line in lines if line.person})
    }
    return [
        LedgerEntry(
            run=run,
            unit=units[line.unit],
            person=people[line.person] if line.person else None,
            role=line.role,
            kind=line.kind,
            rule=line.rule,
            amount=Decimal(line.amount).quantize(FEN),
            figures={str(k): str(v) for k, v in line.figures.items()},
            explanation_zh=line.explanation_zh,
            explanation_en=line.explanation_en,
            sort_order=position,
            created_by=actor.name[:150],
        )
        for position, line in enumerate(lines)
    ]


def _match_carried(
    olds: list[LedgerEntry], rows: list[LedgerEntry]
) -> list[tuple[LedgerEntry, LedgerEntry]]:
    """Pairs (paid old entry, new entry) with the same signature, one to one, in order; the
    new entry is marked settled with the old one's approval, date and voucher."""
    waiting: dict[Signature, list[LedgerEntry]] = {}
    for old in olds:
        if old.status == EntryStatus.PAID and old.amount != 0:
            waiting.setdefault(_signature(old), []).append(old)
    pairs = []
    for row in rows:
        queue = waiting.get(_signature(row))
        if not queue:
            continue
        old = queue.pop(0)
        row.status = EntryStatus.PAID
        row.approved_by, row.approved_at = old.approved_by, old.approved_at
        row.paid_on, row.voucher, row.paid_by = old.paid_on, old.voucher, old.paid_by
        row.figures = {**row.figures, "carried_from": str(old.pk)}
        pairs.append((old, row))
    return pairs


def _carry(old: LedgerEntry, new: LedgerEntry, actor: Actor) -> LedgerEntry:
    """Reverse a paid entry whose payment now counts for ``new``: the counter-entry is
    settled on the same date with the same voucher, so no money moves."""
    before = _snapshot(old)
    old.status = EntryStatus.REVERSED
    old.save(update_fields=["status"])
    reason = _(
        "已兑现金额转入第 {run} 次计算第 {id} 号记录 / paid amount carried to entry {id} of run {run}"
    ).format(run=new.run_id, id=new.pk)
    counter = LedgerEntry.objects.create(
        run=old.run,
        unit=old.unit,
        person=old.person,
        role=old.role,
        kind=old.kind,
        rule=old.rule,
        amount=-old.amount,
        figures={**old.figures, "reverses": str(old.pk), "carried_to": str(new.pk)},
        explanation_zh=_("冲销第 {id} 号记录（{amount} 元）：{reason}").format(
            id=old.pk, amount=format(old.amount, "f"), reason=reason
        ),
        explanation_en="Reverses entry {id} ({amount}): carried to entry {new} of run {run}".format(
            id=old.pk, amount=format(old.amount, "f"), new=new.pk, run=new.run_id
        ),
        sort_order=old.sort_order,
        status=EntryStatus.PAID,
        approved_by=old.approved_by,
        approved_at=old.approved_at,
        paid_on=old.paid_on,
        voucher=old.voucher,
        paid_by=old.paid_by,
        reverses=old,
        reason=reason,
        created_by=actor.name[:150],
    )
    after = {**_snapshot(old), "counter_entry": counter.pk, "carried_to": new.pk}
    record(actor, "money.carry", OBJECT_TYPE, _key(old), before, after)
    return counter


@transaction.atomic
def do_compute_money(run: AssessmentRun, actor: Actor) -> ComputeOutcome:
    """Compute the money of a published run with its scheme's money rules and store every
    line as an entry (``computed``, or settled when carried over from the run it replaces).

    Refused when the run is not the published one (a draft, or superseded), when its money
    was computed already (a correction is a new publication, whose run is computed on its
    own), when the scheme has no money rules, and when a rule is invalid (every problem at
    once). The entries of the runs it replaces that still count are settled against it in the
    same transaction (see the module's description).
    """
    locked = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("scheme", "root", "replaces")
        .get(pk=run.pk)
    )
    _check(
        actor,
        lambda user: may_run_assessments(user, locked.root),
        _("你不能计算该考核结果的奖惩 / you may not compute the money of this run"),
    )
    _refuse(locked)
    rows = _new_entries(locked, actor)
    olds = _live_entries_before(locked)
    pairs = _match_carried(olds, rows)
    outcome = ComputeOutcome(created=LedgerEntry.objects.bulk_create(rows))
    carried = {old.pk: new for old, new in pairs}
    reason = _("第 {old} 次计算已被第 {new} 次发布的结果替代 / run {old} was replaced by run {new}")
    for old in olds:
        if old.pk in carried:
            outcome.counter.append(_carry(old, carried[old.pk], actor))
        else:
            text = reason.format(old=old.run_id, new=locked.pk)
            outcome.counter.append(_reverse_locked(old, text, actor))
    by_kind: dict[str, Decimal] = {}
    for row in rows:
        by_kind[row.kind] = by_kind.get(row.kind, Decimal(0)) + row.amount
    record(
        actor,
        "money.compute",
        "assessment_run",
        str(locked.pk),
        after={
            "scheme": locked.scheme.code,
            "year": locked.year,
            "entries": len(rows),
            "total": format(sum((r.amount for r in rows), Decimal(0)), "f"),
            "by_kind": {k: format(v, "f") for k, v in sorted(by_kind.items())},
            "carried": len(pairs),
            "counter_entries": [e.pk for e in outcome.counter],
        },
    )
    return outcome
