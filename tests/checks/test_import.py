"""Importing files of cross-check figures: CSV and .xlsx, all of it or nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.checks.models import SourceValue
from kaohe.checks.services import do_import_source_values

from .conftest import World

pytestmark = pytest.mark.django_db

GOOD = """source,element,period,unit,value,comment
SPOT,BIRTHS,2006,V1,5,入户核实
SPOT,BIRTHS,2006,V3,4,
SPOT,BIRTHS,2006,V4,5,
HOSP,BIRTHS,200605,V1,2,
"""


def web(world: World, role: str) -> Actor:
    return Actor(name=role, channel=Channel.WEB, user=world.users[role])


def run(world: World, text: str, role: str = "admin", **kw: object) -> object:
    return do_import_source_values(text.encode(), actor=web(world, role), filename="f.csv", **kw)


def test_a_good_file_lands_whole_and_counts_created_updated_and_unchanged(world: World) -> None:
    outcome = run(world, GOOD)
    assert outcome.ok  # type: ignore[attr-defined]
    assert (outcome.rows, outcome.created, outcome.updated, outcome.unchanged) == (4, 2, 1, 1)  # type: ignore[attr-defined]
    assert world.value("SPOT", "V1", "2006").comment == "入户核实"
    assert world.value("SPOT", "V3", "2006").value == Decimal(4)
    assert world.value("HOSP", "V1", "200605").value == Decimal(2)
    actions = AuditEntry.objects.filter(action__startswith="sourcevalue")
    assert sorted(actions.values_list("action", flat=True)) == [
        "sourcevalue.create",
        "sourcevalue.create",
        "sourcevalue.update",
    ]
    assert "新增 2，更新 1，未变 1" in outcome.lines()[0]  # type: ignore[attr-defined]


def test_one_bad_row_keeps_every_row_out_and_each_problem_names_row_and_column(
    world: World,
) -> None:
    text = (
        "source,element,period,unit,value\n"
        "SPOT,BIRTHS,2006,V1,5\n"
        "SPOT,BIRTHS,2006,V2,-1\n"
        "\n"
        "HOSP,BIRTHS,2006,V2,1\n"
        "SPOT,BIRTHS,2006,W1,1\n"
        "SPOT,BIRTHS,2006,DH,1\n"
        "POLICE,BIRTHS,2006,V1,1\n"
        "SPOT,BIRTHS,2006,V1,6\n"
    )
    outcome = run(world, text)
    assert not outcome.ok  # type: ignore[attr-defined]
    found = [(p.row, p.column, p.value) for p in outcome.problems]  # type: ignore[attr-defined]
    assert found == [
        (3, "value", "-1"),
        (5, "period", "2006"),
        (6, "unit", "W1"),
        (7, "unit", "DH"),
        (8, "source", "POLICE"),
        (9, "unit", "V1"),
    ]
    reasons = [p.reason for p in outcome.problems]  # type: ignore[attr-defined]
    assert all(" / " in r for r in reasons)
    assert "the same source, element, period and unit as row 2" in reasons[-1]
    assert str(outcome.problems[0]).startswith("第 3 行 / row 3")  # type: ignore[attr-defined]
    assert (outcome.created, outcome.updated) == (0, 0)  # type: ignore[attr-defined]
    assert not SourceValue.objects.filter(unit__code="V1", source__code="SPOT").exists()
    assert not AuditEntry.objects.filter(action__startswith="sourcevalue").exists()


def test_a_file_without_the_columns_or_any_rows_is_refused(world: World) -> None:
    outcome = run(world, "source,element,unit,value\nSPOT,BIRTHS,V1,3\n")
    assert [p.row for p in outcome.problems] == [None]  # type: ignore[attr-defined]
    assert "the header lacks period" in outcome.problems[0].reason  # type: ignore[attr-defined]
    assert "empty" in run(world, "\n\n").problems[0].reason  # type: ignore[attr-defined]


def test_chinese_headers_other_columns_and_a_gbk_file_are_read(world: World) -> None:
    text = "单位名称,来源,数据元素,期间,单位,值,备注\n一村,SPOT,BIRTHS,2006,V1,2,抽中\n"
    outcome = do_import_source_values(
        text.encode("gb18030"), actor=web(world, "admin"), filename="抽查.csv"
    )
    assert outcome.ok and outcome.encoding == "gbk"
    assert "GBK" in outcome.lines()[0]
    stored = world.value("SPOT", "V1", "2006")
    assert (stored.value, stored.comment) == (Decimal(2), "抽中")


def test_an_excel_workbook_is_read_from_its_first_sheet(world: World) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["source", "element", "period", "unit", "value"])
    sheet.append(["SPOT", "BIRTHS", 2006, "V1", 7])
    sheet.append(["HOSP", "BIRTHS", 200605, "V6", 1.0])
    sheet.append(["HOSP", "BIRTHS", 200606, "V6", 1.5])
    data = io.BytesIO()
    book.save(data)
    outcome = do_import_source_values(
        data.getvalue(), actor=web(world, "admin"), filename="checks.xlsx"
    )
    assert [(p.row, p.column) for p in outcome.problems] == [(4, "value")]
    assert "whole number" in outcome.problems[0].reason
    sheet.delete_rows(4)
    data = io.BytesIO()
    book.save(data)
    outcome = do_import_source_values(
        data.getvalue(), actor=web(world, "admin"), filename="checks.xlsx"
    )
    assert outcome.ok and (outcome.fmt, outcome.created) == ("xlsx", 2)
    assert world.value("SPOT", "V1", "2006").value == Decimal(7)


def test_a_file_that_is_not_a_workbook_is_refused(world: World) -> None:
    outcome = do_import_source_values(b"PK\x03\x04junk", actor=web(world, "admin"))
    assert "Excel" in outcome.problems[0].reason


def test_a_dry_run_counts_but_writes_nothing(world: World) -> None:
    outcome = run(world, GOOD, dry_run=True)
    assert outcome.ok and outcome.created == 2  # type: ignore[attr-defined]
    assert "dry run" in outcome.lines()[-1]  # type: ignore[attr-defined]
    assert not SourceValue.objects.filter(unit__code="V1").exists()
    assert not AuditEntry.objects.filter(action__startswith="sourcevalue").exists()


def test_the_hospital_imports_only_its_own_feed(world: World) -> None:
    outcome = run(world, GOOD, role="hospital")
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "unit"), (3, "unit"), (4, "unit")]  # type: ignore[attr-defined]
    outcome = run(world, "source,element,period,unit,value\nHOSP,BIRTHS,200605,V1,2\n", "hospital")
    assert outcome.ok  # type: ignore[attr-defined]
