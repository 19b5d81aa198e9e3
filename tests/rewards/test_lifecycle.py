"""An entry's life: computed → approved → paid, or reversed by a counter-entry; each refusal;
never edited, never deleted."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import EntryStatus, LedgerEntry, LedgerError
from kaohe.rewards.services import do_approve, do_approve_run, do_pay, do_reverse

from .conftest import CONSOLE, Town

TODAY = timezone.localdate()


@pytest.fixture
def ledger(town: Town) -> Town:
    do_compute_money(town.run, CONSOLE)
    return town


def entry(unit: str, rule: str, person: str | None = None, kind: str | None = None) -> LedgerEntry:
    rows = LedgerEntry.objects.filter(unit__code=unit, rule=rule, reverses__isnull=True)
    rows = rows.filter(person__code=person) if person else rows.filter(person__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.get()


def fresh(row: LedgerEntry) -> LedgerEntry:
    return LedgerEntry.objects.get(pk=row.pk)


def test_an_entry_is_approved_then_paid(ledger: Town) -> None:
    reward = entry("V1", "GRADE")

    do_approve(reward, CONSOLE)
    paid = do_pay(reward, TODAY, "记-2025-001", CONSOLE, amount=Decimal("6000"))

    row = fresh(reward)
    assert (row.status, row.paid_on, row.voucher) == (EntryStatus.PAID, TODAY, "记-2025-001")
    assert row.approved_by == CONSOLE.name and row.approved_at is not None
    assert paid.paid_by == CONSOLE.name
    actions = list(
        AuditEntry.objects.filter(object_type="ledger_entry")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["money.approve", "money.pay"]


def test_a_penalty_is_collected_with_its_amount_negative(ledger: Town) -> None:
    fine = entry("V2", "CONCEAL")
    do_approve(fine, CONSOLE)

    do_pay(fine, TODAY, "收-001", CONSOLE, amount=Decimal("-500.00"))

    assert fresh(fine).status == EntryStatus.PAID


def test_paying_an_unapproved_entry_is_refused(ledger: Town) -> None:
    reward = entry("V1", "GRADE")

    with pytest.raises(LedgerError) as refused:
        do_pay(reward, TODAY, "记-1", CONSOLE)

    assert refused.value.field == "status"
    assert "审核后才能兑现" in str(refused.value)
    assert fresh(reward).status == EntryStatus.COMPUTED


def test_paying_twice_is_refused(ledger: Town) -> None:
    reward = entry("V1", "GRADE")
    do_approve(reward, CONSOLE)
    do_pay(reward, TODAY, "记-1", CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_pay(reward, TODAY, "记-2", CONSOLE)

    assert refused.value.field == "status"
    assert "不能重复兑现" in str(refused.value) and "记-1" in str(refused.value)
    assert fresh(reward).voucher == "记-1"


@pytest.mark.parametrize(
    ("unit", "rule", "amount", "says"),
    [
        ("V1", "GRADE", Decimal("-6000"), "正负"),  # a negative payment of a reward
        ("V2", "CONCEAL", Decimal("500"), "正负"),  # a fine "paid out"
        ("V1", "GRADE", Decimal("5999.99"), "部分"),  # a part payment
    ],
)
def test_a_payment_inconsistent_with_the_entry_is_refused(
    ledger: Town, unit: str, rule: str, amount: Decimal, says: str
) -> None:
    row = entry(unit, rule)
    do_approve(row, CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_pay(row, TODAY, "记-1", CONSOLE, amount=amount)

    assert refused.value.field == "amount"
    assert says in str(refused.value)
    assert fresh(row).status == EntryStatus.APPROVED


def test_an_entry_of_nothing_is_not_paid(ledger: Town) -> None:
    nothing = entry("V4", "POP")
    do_approve(nothing, CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_pay(nothing, TODAY, "记-1", CONSOLE)

    assert refused.value.field == "amount"


@pytest.mark.parametrize(
    ("paid_on", "voucher", "field"),
    [
        (TODAY + datetime.timedelta(days=1), "记-1", "paid_on"),
        (datetime.date(2020, 1, 1), "记-1", "paid_on"),  # before the results were published
        (None, "记-1", "paid_on"),
        (TODAY, "  ", "voucher"),
        (TODAY, "x" * 101, "voucher"),
    ],
)
def test_a_payment_needs_a_date_and_a_voucher(
    ledger: Town, paid_on: datetime.date | None, voucher: str, field: str
) -> None:
    reward = entry("V1", "GRADE")
    do_approve(reward, CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_pay(reward, paid_on, voucher, CONSOLE)

    assert refused.value.field == field
    assert fresh(reward).status == EntryStatus.APPROVED


def test_approving_twice_makes_one_approval(ledger: Town) -> None:
    reward = entry("V1", "GRADE")
    first = Actor("reviewer-a", Channel.CLI)
    second = Actor("reviewer-b", Channel.CLI)

    do_approve(reward, first)
    with pytest.raises(LedgerError) as refused:
        do_approve(reward, second)

    assert "reviewer-a" in str(refused.value)
    assert fresh(reward).approved_by == "reviewer-a"
    assert AuditEntry.objects.filter(action="money.approve").count() == 1


def test_a_stale_copy_is_checked_against_the_row_not_trusted(ledger: Town) -> None:
    # Two reviewers opened the same page: each holds a copy read while it was computed.
    copy_a = entry("V1", "GRADE")
    copy_b = entry("V1", "GRADE")
    assert copy_b.status == EntryStatus.COMPUTED

    do_approve(copy_a, Actor("reviewer-a", Channel.CLI))
    with pytest.raises(LedgerError):
        do_approve(copy_b, Actor("reviewer-b", Channel.CLI))

    assert fresh(copy_a).approved_by == "reviewer-a"


def test_approving_a_run_approves_what_is_computed_once(ledger: Town) -> None:
    reward = entry("V1", "GRADE")
    do_approve(reward, Actor("early", Channel.CLI))
    computed = LedgerEntry.objects.filter(status=EntryStatus.COMPUTED).count()

    approved = do_approve_run(ledger.run, CONSOLE)

    assert len(approved) == computed
    assert fresh(reward).approved_by == "early"
    assert not LedgerEntry.objects.filter(status=EntryStatus.COMPUTED).exists()
    assert do_approve_run(ledger.run, CONSOLE) == []


def test_reversing_an_unpaid_entry_cancels_it(ledger: Town) -> None:
    reward = entry("V1", "POP")
    do_approve(reward, CONSOLE)

    counter = do_reverse(reward, "人口数填错", CONSOLE)

    assert fresh(reward).status == EntryStatus.REVERSED
    assert counter.reverses_id == reward.pk
    assert counter.amount == -reward.amount
    assert counter.status == EntryStatus.REVERSED  # nothing moved, nothing to settle
    assert (counter.unit_id, counter.kind, counter.rule) == (reward.unit_id, "reward", "POP")
    assert "人口数填错" in counter.explanation_zh and counter.reason == "人口数填错"
    audit = AuditEntry.objects.get(action="money.reverse")
    assert audit.after["counter_entry"] == counter.pk


def test_reversing_a_paid_entry_makes_an_amount_to_collect_back(ledger: Town) -> None:
    reward = entry("V1", "POP")
    do_approve(reward, CONSOLE)
    do_pay(reward, TODAY, "记-7", CONSOLE)

    counter = do_reverse(reward, "重复发放", CONSOLE)

    assert counter.status == EntryStatus.COMPUTED
    do_approve(counter, CONSOLE)
    do_pay(counter, TODAY, "收-7", CONSOLE, amount=Decimal("-2000.00"))
    assert fresh(counter).status == EntryStatus.PAID
    assert fresh(reward).status == EntryStatus.REVERSED
    assert fresh(reward).voucher == "记-7"  # the payment stays on record


def test_reversing_twice_is_refused(ledger: Town) -> None:
    reward = entry("V1", "POP")
    do_reverse(reward, "错误", CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_reverse(reward, "又一次", CONSOLE)

    assert "不能重复冲销" in str(refused.value)
    assert LedgerEntry.objects.filter(reverses=reward).count() == 1


def test_reversing_a_reversal_is_refused(ledger: Town) -> None:
    reward = entry("V1", "POP")
    do_approve(reward, CONSOLE)
    do_pay(reward, TODAY, "记-7", CONSOLE)
    counter = do_reverse(reward, "重复发放", CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_reverse(counter, "撤销冲销", CONSOLE)

    assert refused.value.field == "entry"
    assert fresh(counter).status == EntryStatus.COMPUTED


def test_a_reversal_needs_a_reason(ledger: Town) -> None:
    reward = entry("V1", "POP")

    with pytest.raises(LedgerError) as refused:
        do_reverse(reward, "  ", CONSOLE)

    assert refused.value.field == "reason"
    assert fresh(reward).status == EntryStatus.COMPUTED


def test_a_reversed_entry_is_neither_approved_nor_paid(ledger: Town) -> None:
    reward = entry("V1", "POP")
    do_reverse(reward, "错误", CONSOLE)

    with pytest.raises(LedgerError):
        do_approve(reward, CONSOLE)
    with pytest.raises(LedgerError):
        do_pay(reward, TODAY, "记-1", CONSOLE)


def test_an_entry_is_never_edited(ledger: Town) -> None:
    reward = entry("V1", "GRADE")
    reward.amount = Decimal("9999.00")

    with pytest.raises(LedgerError):
        reward.save()
    with pytest.raises(LedgerError):
        reward.save(update_fields=["amount"])

    assert fresh(reward).amount == Decimal("6000.00")


def test_an_entry_is_never_deleted(ledger: Town) -> None:
    reward = entry("V1", "GRADE")
    count = LedgerEntry.objects.count()

    with pytest.raises(LedgerError):
        reward.delete()
    with pytest.raises(LedgerError):
        LedgerEntry.objects.filter(pk=reward.pk).delete()

    assert LedgerEntry.objects.count() == count


# --- who may take each step -----------------------------------------------------------------


def test_a_person_needs_the_right_over_the_entrys_unit(ledger: Town, users: dict) -> None:
    reward = entry("V1", "GRADE")

    def as_(name: str) -> Actor:
        return Actor(name, Channel.WEB, users[name])

    for who in ("reporter", "other"):
        with pytest.raises(PermissionDenied):
            do_approve(reward, as_(who))
    do_approve(reward, as_("reviewer"))
    with pytest.raises(PermissionDenied):
        do_pay(reward, TODAY, "记-1", as_("reviewer"))  # approving is not paying
    with pytest.raises(PermissionDenied):
        do_reverse(reward, "错", as_("reviewer"))
    do_pay(reward, TODAY, "记-1", as_("admin"))
    assert fresh(reward).paid_by == "admin"


def test_a_page_without_a_signed_in_person_is_refused(ledger: Town) -> None:
    with pytest.raises(PermissionDenied):
        do_approve(entry("V1", "GRADE"), Actor("anonymous", Channel.WEB))


def test_only_the_runs_administrators_compute(town: Town, users: dict) -> None:
    for who in ("reviewer", "reporter", "other"):
        with pytest.raises(PermissionDenied):
            do_compute_money(town.run, Actor(who, Channel.API, users[who]))
    assert not LedgerEntry.objects.exists()
    do_compute_money(town.run, Actor("admin", Channel.API, users["admin"]))
    assert LedgerEntry.objects.exists()
