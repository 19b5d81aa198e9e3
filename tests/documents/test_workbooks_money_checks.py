"""奖惩兑现表 against the ledger, and 数据核查表 against the cross-check reconciliation.

Every total row is checked twice: against the rows above it, and against the source it must
reconcile with (the ledger's entries added up in Decimal; the reconciliation of
:mod:`kaohe.checks.selectors`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from kaohe.checks.models import Source, SourceValue
from kaohe.checks.selectors import reconciliation, reported_sums
from kaohe.datavalues.models import Period
from kaohe.elements.models import DataElement
from kaohe.engine.periods import parse_period
from kaohe.engine.rounding import round_half_up
from kaohe.orgunits.models import OrgUnit
from kaohe.rewards.models import EntryStatus, LedgerEntry

from .conftest import Demo
from .test_workbooks import Table, d, notes, open_workbook, read_table, request_for

MONEY_COLUMNS = ("单位奖惩", "责任人奖惩", "合计", "已兑现", "未兑现")


def _ledger(demo: Demo) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(run=demo.published()).select_related("unit"))


def _sum(values: list[Any]) -> Decimal:
    return sum((d(v) for v in values if v is not None), Decimal(0))


def _money_tables(demo: Demo) -> tuple[Table, Table, Table]:
    book = open_workbook("money", request_for(demo))
    assert [s.title for s in book.worksheets] == ["按单位", "按领款人", "明细"]
    by_unit, by_payee, entries = (read_table(s) for s in book.worksheets)
    return by_unit, by_payee, entries


# --- 奖惩兑现表 ------------------------------------------------------------------------------


def test_money_by_unit_adds_up_to_the_ledger(demo_db: Demo) -> None:
    ledger = _ledger(demo_db)
    assert ledger, "the demo paid out money"
    by_unit, _payee, _entries = _money_tables(demo_db)
    (total,) = by_unit.totals
    for name in MONEY_COLUMNS:
        assert d(total.values[name]) == _sum(by_unit.column(name)), name
        assert "¥" in total.cells[name].number_format
        assert "#,##0.00" in total.cells[name].number_format
    assert d(total.values["合计"]) == sum(e.amount for e in ledger)
    assert total.values["笔数"] == len(ledger)
    per_unit: dict[str, Decimal] = defaultdict(Decimal)
    for entry in ledger:
        per_unit[entry.unit.code] += entry.amount
    results = demo_db.published().unit_results.count()
    assert len(by_unit.data) == results  # every unit, with money or without
    for row in by_unit.data:
        net = d(row.values["合计"])
        assert net == per_unit.get(row.values["单位代码"], Decimal(0))
        assert net == d(row.values["单位奖惩"]) + d(row.values["责任人奖惩"])
        assert net == d(row.values["已兑现"]) + d(row.values["未兑现"])


def test_money_by_payee_splits_each_payee_by_status_and_adds_up_to_the_ledger(
    demo_db: Demo,
) -> None:
    ledger = _ledger(demo_db)
    _unit, by_payee, _entries = _money_tables(demo_db)
    (total,) = by_payee.totals
    statuses = {str(label): code for code, label in EntryStatus.choices}
    for row in by_payee.data:
        assert d(row.values["合计"]) == _sum([row.values[s] for s in statuses])
    for label, code in statuses.items():
        assert d(total.values[label]) == _sum(by_payee.column(label))
        assert d(total.values[label]) == sum(
            (e.amount for e in ledger if e.status == code), Decimal(0)
        ), label
    assert d(total.values["合计"]) == sum(e.amount for e in ledger)
    assert total.values["笔数"] == len(ledger) == sum(by_payee.column("笔数"))
    units_own = [r for r in by_payee.data if r.values["领款人"] == "（单位本身）"]
    assert units_own and {r.values["身份"] for r in units_own} == {"单位"}


def test_the_entries_sheet_lists_every_ledger_entry_and_sums_to_the_ledger(
    demo_db: Demo,
) -> None:
    ledger = {e.pk: e for e in _ledger(demo_db)}
    _unit, _payee, entries = _money_tables(demo_db)
    amount = "金额（元）"
    assert sorted(entries.column("编号")) == sorted(ledger)
    for row in entries.data:
        assert d(row.values[amount]) == ledger[row.values["编号"]].amount
    (total,) = entries.totals
    assert (
        d(total.values[amount])
        == _sum(entries.column(amount))
        == sum(e.amount for e in ledger.values())
    )
    assert "¥" in total.cells[amount].number_format


# --- 数据核查表 ------------------------------------------------------------------------------


@pytest.fixture
def sources(demo_db: Demo) -> dict[str, Any]:
    """A hospital feed and a spot check of births, with figures chosen against the villages'
    reports: a feed above one report (under-reporting), a feed below another (not
    over-reporting), a check below a third (over-reporting), a check above a fourth. The
    figures other sources may hold are set aside (in this test's savepoint), so these are the
    only ones."""
    SourceValue.objects.all().delete()
    births = DataElement.objects.get(code="BIRTHS")
    run = demo_db.published()
    period = parse_period(run.period_code)
    villages = list(
        OrgUnit.objects.filter(path__startswith=demo_db.township.path, kind="village").order_by(
            "path"
        )
    )
    reported = dict(
        zip(
            [v.code for v in villages],
            reported_sums([births], villages, period)["BIRTHS"],
            strict=True,
        )
    )
    feed = Source.objects.create(
        code="DOCTEST_HOSPITAL",
        name="测试医院出生医学证明",
        name_en="Test hospital birth certificates",
        kind="feed",
        unit_kinds=["village"],
        period_type="Yearly",
        sort_order=900,
    )
    check = Source.objects.create(
        code="DOCTEST_SPOT",
        name="测试乡镇抽查",
        name_en="Test township spot check",
        kind="check",
        unit_kinds=["village"],
        period_type="Yearly",
        sort_order=901,
    )
    feed.elements.add(births)
    check.elements.add(births)
    year = Period.objects.get_or_create_code(run.period_code)
    figures = {
        (feed, "V01"): reported["V01"] + 5,
        (feed, "V02"): reported["V02"] - 3,
        (check, "V03"): reported["V03"] - 2,
        (check, "V04"): reported["V04"] + 1,
    }
    units = {v.code: v for v in villages}
    for (source, code), value in figures.items():
        SourceValue.objects.create(
            source=source,
            element=births,
            period=year,
            unit=units[code],
            value=Decimal(int(value)),
            last_updated=timezone.now(),
        )
    return {"element": births, "period": period}


def test_the_checks_workbook_shows_the_reconciliation_unit_by_unit(
    demo_db: Demo, sources: dict[str, Any]
) -> None:
    book = open_workbook("checks", request_for(demo_db))
    births = sources["element"]
    rec = reconciliation(births, demo_db.township, sources["period"], None)
    sheet = next(s for s in book.worksheets if s.title == births.name)
    table = read_table(sheet)
    names = [s.name for s in rec.sources]
    assert table.header[2 : 3 + len(names)] == ["村报数", *names]
    assert len(table.data) == len(rec.rows)
    for row, expected in zip(table.data, rec.rows, strict=True):
        v = row.values
        assert v["单位代码"] == expected.unit.code
        assert v["村报数"] == expected.reported
        assert [v[n] for n in names] == list(expected.sources)
        assert v["核查数"] == expected.found
        assert v["漏报"] == expected.under_reported
        assert v["多报"] == expected.over_reported
        shown = None if expected.accuracy is None else float(round_half_up(expected.accuracy, 2))
        assert v["统计求实率"] == shown
        assert v["更正数"] == expected.corrected
    flags = {r.values["单位代码"]: r.values["情况"] for r in table.data}
    assert flags["V01"] == "漏报" and flags["V04"] == "漏报"
    assert flags["V03"] == "多报"
    assert flags["V02"] is None  # a report above a feed is not over-reporting
    assert table.data[0].cells["统计求实率"].number_format == '0.00"%"'


def test_the_checks_totals_add_up_and_recompute_accuracy_from_the_sums(
    demo_db: Demo, sources: dict[str, Any]
) -> None:
    book = open_workbook("checks", request_for(demo_db))
    births = sources["element"]
    table = read_table(next(s for s in book.worksheets if s.title == births.name))
    (total,) = table.totals
    for name in ("村报数", "核查数", "差额", "漏报", "多报", "更正数"):
        assert d(total.values[name]) == _sum(table.column(name)), name
    found, under = _sum(table.column("核查数")), _sum(table.column("漏报"))
    accuracy = round_half_up(Decimal(100) - under / found * 100, 2)
    assert d(total.values["统计求实率"]) == accuracy
    rates = [d(r) for r in table.column("统计求实率") if r is not None]
    assert round_half_up(sum(rates, Decimal(0)) / len(rates), 2) != accuracy  # not averaged
    rec = reconciliation(births, demo_db.township, sources["period"], None)
    assert total.values["漏报"] == rec.totals.under_reported
    assert f"漏报 {rec.totals.under_count} 个" in total.values["情况"]

    summary = read_table(book.worksheets[0])
    line = next(r for r in summary.data if r.values["数据元素"] == births.name)
    assert d(line.values["统计求实率"]) == accuracy
    assert line.values["漏报单位"] == rec.totals.under_count
    assert line.values["多报单位"] == rec.totals.over_count
    assert line.values["核查数"] == rec.totals.found
    assert np.isclose(line.values["村报数"], rec.totals.reported or 0)


def test_a_scheme_whose_units_no_source_counts_says_there_is_nothing_to_check(
    demo_db: Demo,
) -> None:
    SourceValue.objects.all().delete()
    for source in Source.objects.all():
        source.elements.clear()
    Source.objects.all().delete()
    book = open_workbook("checks", request_for(demo_db))
    assert len(book.worksheets) == 1
    assert not read_table(book.worksheets[0]).rows
    assert any("没有核查来源" in line for line in notes(book.worksheets[0]))


def test_an_english_checks_workbook_names_sources_and_findings_in_english(
    demo_db: Demo, sources: dict[str, Any]
) -> None:
    book = open_workbook("checks", request_for(demo_db, language="en"))
    births = sources["element"]
    sheet = next(s for s in book.worksheets if s.title == (births.name_en or births.name)[:31])
    table = read_table(sheet)
    assert "Test hospital birth certificates" in table.header
    findings = {r.values["Code"]: r.values["Finding"] for r in table.data}
    assert findings["V01"] == "under-reported" and findings["V03"] == "over-reported"


def test_elements_no_source_has_a_figure_for_are_named_not_listed(
    demo_db: Demo, sources: dict[str, Any]
) -> None:
    book = open_workbook("checks", request_for(demo_db))
    # Every source of the demo (and of the fixture) is about villages; only births have figures.
    counted = DataElement.objects.filter(sources__isnull=False).distinct()
    silent = [e for e in counted if e.code != "BIRTHS"]
    titles = [s.title for s in book.worksheets]
    assert titles == ["汇总", sources["element"].name]
    if silent:
        said = " ".join(notes(book.worksheets[0]))
        assert all(e.name in said for e in silent)
        assert "本期各核查来源没有数字" in said
