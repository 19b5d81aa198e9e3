"""Totals by unit, person and kind reconcile with the entries to the fen, reversals included;
the finance table's totals are the sums of its rows."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.exports import AMOUNT, AMOUNT_COLUMN, finance_workbook
from kaohe.rewards.models import EntryStatus, LedgerEntry
from kaohe.rewards.selectors import GROUPS, totals
from kaohe.rewards.services import do_approve, do_approve_run, do_pay, do_reverse

from .conftest import CONSOLE, Town

TODAY = timezone.localdate()
ZERO = Decimal("0.00")


def _entries() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.select_related("unit", "person").order_by("id"))


@pytest.fixture
def busy(town: Town) -> Town:
    """Computed; approved; some paid; a paid entry reversed (its counter-entry outstanding),
    an unpaid one reversed (cancelled), and one counter-entry collected back."""
    do_compute_money(town.run, CONSOLE)
    do_approve_run(town.run, CONSOLE)
    v1 = LedgerEntry.objects.filter(unit__code="V1").order_by("id")
    for e in v1.exclude(amount=0):
        do_pay(e, TODAY, f"记-{e.pk}", CONSOLE)
    grade = LedgerEntry.objects.get(unit__code="V1", rule="GRADE", person__code="V1_DIR")
    pop = LedgerEntry.objects.get(unit__code="V1", rule="POP")
    do_reverse(grade, "签订人有误", CONSOLE)  # paid: to collect back
    counter = do_reverse(pop, "人口数有误", CONSOLE)  # paid: collected back below
    do_approve(counter, CONSOLE)
    do_pay(counter, TODAY, "收-1", CONSOLE)
    do_reverse(LedgerEntry.objects.get(unit__code="V2", rule="CONCEAL"), "申诉改正", CONSOLE)
    return town


def test_totals_by_unit_person_and_kind_reconcile_with_the_entries(busy: Town) -> None:
    entries = _entries()
    sums = totals(entries)

    grand = sum((e.amount for e in entries), ZERO)
    assert sums.all.net == grand
    assert sums.all.count == len(entries)
    for group in GROUPS:
        rows = sums.of(group)
        assert sum((r.net for r in rows), ZERO) == grand, group
        assert sum((r.count for r in rows), 0) == len(entries), group
        for row in rows:
            assert row.net == row.settled + row.outstanding, (group, row.key)
    # by unit, each total is the sum of that unit's entries, to the fen
    by_unit: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for e in entries:
        by_unit[e.unit.code] += e.amount
    assert {r.key: r.net for r in sums.by_unit} == dict(by_unit)


def test_reversals_are_counted_so_the_sums_come_out_right(busy: Town) -> None:
    sums = totals(_entries())
    people = {r.key: r for r in sums.by_person}

    director = people["V1_DIR"]  # paid 1,000, reversed, not yet collected back
    assert (director.net, director.settled, director.outstanding) == (
        ZERO,
        Decimal("1000.00"),
        Decimal("-1000.00"),
    )
    v1 = people["unit:V1"]  # 6,000 paid; the population reward paid and collected back
    assert (v1.net, v1.settled, v1.outstanding) == (Decimal("6000.00"), Decimal("6000.00"), ZERO)
    v2_fines = [e for e in _entries() if e.unit.code == "V2" and e.rule == "CONCEAL"]
    assert sum((e.amount for e in v2_fines), ZERO) == ZERO  # cancelled: a pair
    assert all(e.status == EntryStatus.REVERSED for e in v2_fines)


def test_the_finance_table_totals_are_the_sums_of_its_rows(busy: Town) -> None:
    entries = _entries()

    data = finance_workbook(busy.run, entries, totals(entries))

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert "奖惩兑现表" in sheet["A1"].value
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    body, last = rows[:-1], rows[-1]
    assert len(body) == len(entries)
    assert [r[0] for r in body] == [e.pk for e in entries]
    amounts = [Decimal(str(r[AMOUNT_COLUMN - 1])) for r in body]
    assert amounts == [e.amount for e in entries]
    assert last[0] == "合计"
    assert Decimal(str(last[AMOUNT_COLUMN - 1])) == sum(amounts, ZERO)
    for row in sheet.iter_rows(min_row=3, min_col=AMOUNT_COLUMN, max_col=AMOUNT_COLUMN):
        assert row[0].number_format == AMOUNT

    summary = book.worksheets[1]
    lines = list(summary.iter_rows(min_row=3, values_only=True))
    totals_rows = [line for line in lines if line[0] == "合计"]
    assert len(totals_rows) == 3  # by unit, by person, by kind
    for line in totals_rows:
        assert Decimal(str(line[2])) == sum(amounts, ZERO)
        assert Decimal(str(line[2])) == Decimal(str(line[3])) + Decimal(str(line[4]))
