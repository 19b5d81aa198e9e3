"""A corrected run published in place of one whose money was computed (and partly paid): the
new run is computed on its own, and the old entries are settled against it so that nobody is
owed or paid twice."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone

from kaohe.assessments.models import RunStatus
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import EntryStatus, LedgerEntry
from kaohe.rewards.selectors import totals
from kaohe.rewards.services import do_approve_run, do_pay

from .conftest import CONSOLE, FIGURES, Town, publish, set_figures

TODAY = timezone.localdate()


def _key(e: LedgerEntry) -> tuple[str, str | None, str, str]:
    return (e.unit.code, e.person.code if e.person else None, e.kind, e.rule)


@pytest.fixture
def corrected(town: Town) -> tuple[Town, object]:
    """Run 1 computed and approved; V1's and V2's grade money paid. Then V2's over-reporting
    is found to be 0 (an appeal): V2 now scores 90, first prize. Run 2 is published."""
    do_compute_money(town.run, CONSOLE)
    do_approve_run(town.run, CONSOLE)
    for e in LedgerEntry.objects.filter(unit__code__in=["V1", "V2"], rule="GRADE"):
        do_pay(e, TODAY, f"记-{e.pk}", CONSOLE)
    set_figures({"V2": (*FIGURES["V2"][:2], 0, *FIGURES["V2"][3:])})
    second = publish(town.scheme)
    town.run.refresh_from_db()
    assert town.run.status == RunStatus.SUPERSEDED and second.replaces_id == town.run.pk
    return town, second


def test_the_new_run_is_computed_and_the_old_entries_settled_against_it(corrected: tuple) -> None:
    town, second = corrected

    outcome = do_compute_money(second, CONSOLE)

    old = LedgerEntry.objects.filter(run=town.run, reverses__isnull=True)
    assert not old.exclude(status=EntryStatus.REVERSED).exists()  # nothing of run 1 counts
    assert len(outcome.counter) == old.count()
    # V1 unchanged and paid: carried over, settled with the same voucher, nothing moves
    for new in LedgerEntry.objects.filter(run=second, unit__code="V1", rule="GRADE"):
        assert new.status == EntryStatus.PAID
        carried = LedgerEntry.objects.get(pk=int(new.figures["carried_from"]))
        assert (carried.voucher, carried.amount) == (new.voucher, new.amount)
        counter = carried.reversed_by
        assert counter.status == EntryStatus.PAID and counter.voucher == new.voucher
    # V2 now first prize: its paid 2,700 is to be collected back, the new 6,000 to be paid
    paid_before = LedgerEntry.objects.get(
        run=town.run, unit__code="V2", rule="GRADE", person__isnull=True, reverses__isnull=True
    )
    counter = paid_before.reversed_by
    assert (counter.amount, counter.status) == (Decimal("-2700.00"), EntryStatus.COMPUTED)
    new = LedgerEntry.objects.get(run=second, unit__code="V2", rule="GRADE", person__isnull=True)
    assert (new.amount, new.status) == (Decimal("6000.00"), EntryStatus.COMPUTED)
    # entries never paid are simply cancelled
    fine = LedgerEntry.objects.get(run=town.run, unit__code="V2", rule="CONCEAL", reverses=None)
    assert fine.status == EntryStatus.REVERSED
    assert fine.reversed_by.status == EntryStatus.REVERSED


def test_across_both_runs_everyone_is_owed_what_the_new_run_gives(corrected: tuple) -> None:
    town, second = corrected

    do_compute_money(second, CONSOLE)

    everything: dict[tuple, Decimal] = defaultdict(Decimal)
    for e in LedgerEntry.objects.select_related("unit", "person"):
        everything[_key(e)] += e.amount
    now: dict[tuple, Decimal] = defaultdict(Decimal)
    for e in LedgerEntry.objects.filter(run=second).select_related("unit", "person"):
        now[_key(e)] += e.amount
    assert {k: v for k, v in everything.items() if v} == {k: v for k, v in now.items() if v}
    # and what was paid once is not paid again: V1's grade money settled exactly once
    sums = totals(LedgerEntry.objects.filter(unit__code="V1", rule="GRADE").select_related(
        "unit", "person"
    ))  # fmt: skip
    assert sums.all.settled == Decimal("10000.00") and sums.all.outstanding == 0
