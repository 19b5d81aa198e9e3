"""Importing DHIS2 data value sets (CSV and JSON): counters, audit, problems, encodings."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue, Period
from kaohe.datavalues.services import ImportSummary, do_import_values

from .fixtures import HERE, Township, build_township

pytestmark = pytest.mark.django_db

HEADER = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup\n"
ACTOR = Actor(name="tester", channel=Channel.IMPORT)


@pytest.fixture
def town() -> Township:
    return build_township()


def run(content: str | bytes, **options: Any) -> ImportSummary:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return do_import_values(io.BytesIO(data), actor=ACTOR, **options)


def csv_file(*rows: str) -> str:
    return HEADER + "".join(f"{row}\n" for row in rows)


def stored(element: str, period: str, unit: str) -> DataValue:
    return DataValue.objects.get(element__code=element, period__code=period, unit__code=unit)


def written() -> tuple[int, int, int]:
    return DataValue.objects.count(), AuditEntry.objects.count(), Period.objects.count()


# --- good files ----------------------------------------------------------------------------


def test_a_good_csv_imports_every_row_and_counts_them_as_imported(town: Township) -> None:
    summary = do_import_values(HERE / "good.csv", actor=ACTOR)

    assert summary.problems == []
    assert (summary.imported, summary.updated, summary.ignored, summary.deleted) == (5, 0, 0, 0)
    assert summary.rows == 5
    assert summary.encoding_used == "utf-8"
    assert summary.fmt == "csv"
    births = stored("BIRTHS", "202601", "V01")
    assert births.value == Decimal("3")
    assert births.stored_by == "clerk1"
    assert births.last_updated == datetime(2026, 2, 3, 2, 0, tzinfo=UTC)
    assert births.follow_up is False
    rate = stored("CONTRA_RATE", "2026Q1", "V01")
    assert rate.value == Decimal("92.5")
    assert rate.comment == "核对后, 已确认"
    assert rate.follow_up is True
    assert rate.stored_by == "tester"  # no storedby in the file: the actor's name
    assert stored("HAS_PLAN", "2026", "V02").value == 1
    assert stored("AVG_POP", "2026", "V01").value == Decimal("1234.5")
    entries = AuditEntry.objects.filter(action="datavalue.create", object_type="datavalue")
    assert entries.count() == 5
    entry = entries.get(object_key="CONTRA_RATE/2026Q1/V01")
    assert entry.before is None
    assert entry.after == {"value": "92.5", "comment": "核对后, 已确认", "follow_up": True}
    assert entry.actor == "tester"
    assert entry.channel == Channel.IMPORT


def test_periods_are_created_on_first_use_with_their_dates(town: Township) -> None:
    do_import_values(HERE / "good.csv", actor=ACTOR)

    quarter = Period.objects.get(code="2026Q1")
    assert (quarter.period_type, str(quarter.start_date), str(quarter.end_date)) == (
        "Quarterly",
        "2026-01-01",
        "2026-03-31",
    )
    assert set(Period.objects.values_list("code", flat=True)) == {"202601", "2026Q1", "2026"}


def test_reimporting_the_same_file_reports_everything_ignored(town: Township) -> None:
    do_import_values(HERE / "good.csv", actor=ACTOR)
    before = written()

    summary = do_import_values(HERE / "good.csv", actor=ACTOR)

    assert (summary.imported, summary.updated, summary.ignored, summary.deleted) == (0, 0, 5, 0)
    assert written() == before


def test_a_changed_value_counts_as_updated_and_is_audited_with_before_and_after(
    town: Township,
) -> None:
    run(csv_file("BIRTHS,202601,V01,,,3,,,first count,false", "BIRTHS,202601,V02,,,2"))

    summary = run(csv_file("BIRTHS,202601,V01,,,4,clerk9,,recounted,true", "BIRTHS,202601,V02,,,2"))

    assert (summary.imported, summary.updated, summary.ignored) == (0, 1, 1)
    value = stored("BIRTHS", "202601", "V01")
    assert (value.value, value.comment, value.follow_up, value.stored_by) == (
        Decimal("4"),
        "recounted",
        True,
        "clerk9",
    )
    entry = AuditEntry.objects.get(action="datavalue.update")
    assert entry.object_key == "BIRTHS/202601/V01"
    assert entry.before == {"value": "3", "comment": "first count", "follow_up": False}
    assert entry.after == {"value": "4", "comment": "recounted", "follow_up": True}


def test_a_changed_comment_alone_is_an_update(town: Township) -> None:
    run(csv_file("BIRTHS,202601,V01,,,3,,,,"))

    summary = run(csv_file("BIRTHS,202601,V01,,,3.000,,,checked again,"))

    assert (summary.updated, summary.ignored) == (1, 0)
    assert stored("BIRTHS", "202601", "V01").comment == "checked again"


def test_absent_comment_columns_keep_the_stored_comment_and_follow_up(town: Township) -> None:
    run(csv_file("BIRTHS,202601,V01,,,3,,,keep me,true"))

    summary = run(csv_file("BIRTHS,202601,V01,,,3"))

    assert summary.ignored == 1
    value = stored("BIRTHS", "202601", "V01")
    assert (value.comment, value.follow_up) == ("keep me", True)


def test_a_csv_without_a_header_row_is_read_as_data(town: Township) -> None:
    summary = run("BIRTHS,202601,V01,,,3\nBIRTHS,202601,V02,,,1\n")

    assert summary.imported == 2


def test_values_are_rounded_half_up_to_six_decimal_places(town: Township) -> None:
    run(csv_file("AVG_POP,2026,V01,,,1.2345675", "AVG_POP,2026,V02,,,1e3"))

    assert stored("AVG_POP", "2026", "V01").value == Decimal("1.234568")
    assert stored("AVG_POP", "2026", "V02").value == Decimal("1000")


def test_json_one_form_values_take_the_period_and_unit_given_once_at_the_top(
    town: Township,
) -> None:
    summary = do_import_values(HERE / "one_form.json", actor=ACTOR)

    assert summary.problems == []
    assert summary.fmt == "json"
    assert summary.imported == 4
    assert stored("BIRTHS", "202601", "V01").value == 3
    assert stored("MIGRANTS", "202601", "V01").comment == "含外出务工返乡"
    assert stored("CONTRA_RATE", "2026Q1", "V01").value == Decimal("91.25")
    assert stored("BIRTHS", "202601", "V02").value == 1


def test_json_bulk_values_carry_their_own_keys_as_strings_numbers_or_booleans(
    town: Township,
) -> None:
    summary = do_import_values(HERE / "bulk.json", actor=ACTOR)

    assert summary.problems == []
    assert summary.imported == 3
    births = stored("BIRTHS", "202602", "V01")
    assert (births.value, births.stored_by, births.follow_up) == (Decimal("4"), "clerk1", False)
    plan = stored("HAS_PLAN", "2026", "V02")
    assert (plan.value, plan.follow_up) == (1, True)
    assert stored("AVG_POP", "2025Oct", "V02").value == Decimal("2048.75")
    assert str(Period.objects.get(code="2025Oct").end_date) == "2026-09-30"


def test_the_format_is_detected_from_the_content_when_there_is_no_file_name(
    town: Township,
) -> None:
    document = {
        "period": "202601",
        "orgUnit": "V01",
        "dataValues": [{"dataElement": "BIRTHS", "value": 2}],
    }

    summary = run(json.dumps(document))

    assert (summary.fmt, summary.imported) == ("json", 1)


# --- problems ------------------------------------------------------------------------------

BAD_ROWS = [
    ("unknown element", "NOPE,202601,V01,,,3", "dataelement", "NOPE", "unknown data element"),
    ("unknown unit", "BIRTHS,202601,V77,,,3", "orgunit", "V77", "unknown organisation unit"),
    ("bad period", "BIRTHS,2026Q5,V01,,,3", "period", "2026Q5", "quarter must be 1–4"),
    ("missing period", "BIRTHS,,V01,,,3", "period", "", "period code is missing"),
    ("not a number", "BIRTHS,202601,V01,,,abc", "value", "abc", "not a number"),
    ("thousands separator", 'AVG_POP,2026,V01,,,"1,234"', "value", "1,234", "not a number"),
    ("negative count", "BIRTHS,202601,V01,,,-1", "value", "-1", "cannot be negative"),
    ("fractional count", "BIRTHS,202601,V01,,,2.5", "value", "2.5", "whole number"),
    (
        "percentage over 100",
        "CONTRA_RATE,2026Q1,V01,,,100.5",
        "value",
        "100.5",
        "between 0 and 100",
    ),
    ("negative percentage", "CONTRA_RATE,2026Q1,V01,,,-3", "value", "-3", "between 0 and 100"),
    ("yes/no answer", "HAS_PLAN,2026,V01,,,maybe", "value", "maybe", "yes/no"),
    ("too large", "AVG_POP,2026,V01,,,1e14", "value", "1e14", "too large"),
    ("empty value", "BIRTHS,202601,V01,,,", "value", "", "--delete-empty"),
    ("closed unit", "BIRTHS,202601,V09,,,3", "orgunit", "V09", "closed on 2025-06-30"),
    ("unit opened later", "BIRTHS,202601,V10,,,3", "orgunit", "V10", "opened on 2027-01-01"),
    ("disaggregation", "BIRTHS,202601,V01,Fmale123,,3", "catoptcombo", "Fmale123", "not supported"),
    (
        "attribute combo",
        "BIRTHS,202601,V01,,Prj00001,3",
        "attroptcombo",
        "Prj00001",
        "not supported",
    ),
    ("follow-up flag", "BIRTHS,202601,V01,,,3,,,,yes", "followup", "yes", "true or false"),
    ("timestamp", "BIRTHS,202601,V01,,,3,,yesterday", "lastupdated", "yesterday", "ISO 8601"),
    ("too few columns", "BIRTHS,202601,V01,,", "", "BIRTHS,202601,V01,,", "6–10 expected"),
    (
        "too many columns",
        "BIRTHS,202601,V01,,,3,,,a,false,b",
        "",
        "BIRTHS,202601,V01,,,3,,,a,false,b",
        "6–10 expected",
    ),
]


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_a_bad_row_is_reported_with_its_line_and_column_and_nothing_is_written(
    town: Township, row: str, column: str, value: str, reason: str
) -> None:
    run(csv_file("BIRTHS,202512,V02,,,1"))
    before = written()

    summary = run(csv_file("BIRTHS,202601,V02,,,5", row))

    assert len(summary.problems) == 1
    problem = summary.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, column, value)
    assert reason in problem.reason
    assert " / " in problem.reason  # Chinese and English
    assert (summary.imported, summary.updated, summary.ignored, summary.deleted) == (0, 0, 0, 0)
    assert written() == before


def test_a_bad_period_reports_the_period_parsers_own_message(town: Township) -> None:
    summary = run(csv_file("BIRTHS,202613,V01,,,3"))

    assert summary.problems[0].reason.startswith('无法识别的期间代码 "202613"')


def test_a_key_repeated_in_the_file_names_both_rows(town: Township) -> None:
    summary = run(
        csv_file("BIRTHS,202601,V01,,,3", "BIRTHS,202601,V02,,,1", "BIRTHS,202601,V01,,,4")
    )

    [problem] = summary.problems
    assert problem.row == 4
    assert problem.column == "dataelement/period/orgunit"
    assert problem.value == "BIRTHS/202601/V01"
    assert "duplicates row 2" in problem.reason
    assert written() == (0, 0, 0)


def test_a_file_with_several_bad_rows_reports_all_of_them_by_line_number(town: Township) -> None:
    summary = do_import_values(HERE / "several_bad.csv", actor=ACTOR)

    assert [(p.row, p.column) for p in summary.problems] == [
        (3, "dataelement"),
        (5, "period"),
        (6, "value"),
        (7, "value"),
        (8, "dataelement/period/orgunit"),
    ]
    assert written() == (0, 0, 0)


def test_one_row_with_several_problems_reports_each(town: Township) -> None:
    summary = run(csv_file("NOPE,2026Q5,V77,x,,3"))

    assert [p.column for p in summary.problems] == [
        "dataelement",
        "period",
        "orgunit",
        "catoptcombo",
    ]
    assert {p.row for p in summary.problems} == {2}


def test_a_quoted_comment_spanning_lines_keeps_later_line_numbers_true(town: Township) -> None:
    summary = run(
        csv_file('BIRTHS,202601,V01,,,3,,,"line one\nline two",', "BIRTHS,202601,V02,,,x")
    )

    assert [(p.row, p.column) for p in summary.problems] == [(4, "value")]


def test_json_problems_give_the_position_in_data_values_and_the_key(town: Township) -> None:
    document = {
        "period": "202601",
        "orgUnit": "V01",
        "dataValues": [
            {"dataElement": "BIRTHS", "value": 1},
            {"dataElement": "BIRTHS", "orgUnit": "V02", "value": -2},
            {"dataElement": "NOPE", "orgUnit": "V02", "value": 1},
            {"dataElement": "AVG_POP", "period": "2026", "value": {"n": 1}},
            "not an object",
        ],
    }
    before = written()

    summary = run(json.dumps(document))

    assert [(p.row, p.column) for p in summary.problems] == [
        (2, "value"),
        (3, "dataElement"),
        (4, "value"),
        (5, ""),
    ]
    assert written() == before


def test_a_json_document_that_is_not_a_data_value_set_is_a_file_problem(town: Township) -> None:
    for content in ('{"dataValues": [', '[{"dataElement": "BIRTHS"}]', '{"rows": []}'):
        summary = run(content, fmt="json")

        [problem] = summary.problems
        assert problem.row is None
        assert str(problem).startswith("文件 / file")


def test_an_empty_value_deletes_the_stored_one_when_asked_to(town: Township) -> None:
    run(csv_file("BIRTHS,202601,V01,,,3,,,note,"))

    summary = run(csv_file("BIRTHS,202601,V01,,,", "BIRTHS,202601,V02,,,"), delete_empty=True)

    assert (summary.deleted, summary.ignored) == (1, 1)
    assert not DataValue.objects.exists()
    entry = AuditEntry.objects.get(action="datavalue.delete")
    assert entry.object_key == "BIRTHS/202601/V01"
    assert entry.before == {"value": "3", "comment": "note", "follow_up": False}
    assert entry.after is None


def test_zeros_of_an_element_whose_zeros_are_not_significant_are_not_stored(
    town: Township,
) -> None:
    run(csv_file("MIGRANTS,202601,V01,,,5"))

    summary = run(
        csv_file("MIGRANTS,202601,V01,,,0", "MIGRANTS,202601,V02,,,0", "BIRTHS,202601,V02,,,0")
    )

    assert (summary.imported, summary.deleted, summary.ignored) == (1, 1, 1)
    assert list(DataValue.objects.values_list("element__code", "unit__code", "value")) == [
        ("BIRTHS", "V02", Decimal("0"))
    ]


# --- dry run -------------------------------------------------------------------------------


def test_a_dry_run_counts_what_would_happen_but_writes_nothing(town: Township) -> None:
    run(csv_file("BIRTHS,202601,V01,,,3"))
    before = written()

    summary = run(
        csv_file("BIRTHS,202601,V01,,,4", "BIRTHS,202601,V02,,,1", "BIRTHS,202607,V02,,,1"),
        dry_run=True,
    )

    assert summary.dry_run is True
    assert (summary.imported, summary.updated, summary.ignored) == (2, 1, 0)
    assert written() == before
    assert stored("BIRTHS", "202601", "V01").value == 3
    assert any("dry run" in line for line in summary.lines())


# --- encodings -----------------------------------------------------------------------------


def test_a_gbk_csv_from_excel_imports_and_says_it_was_read_as_gbk(town: Township) -> None:
    summary = do_import_values(HERE / "gbk.csv", actor=ACTOR)

    assert summary.problems == []
    assert summary.encoding_used == "gbk"
    assert any("GBK" in line for line in summary.lines())
    assert summary.imported == 2
    births = stored("BIRTHS", "202601", "V01")
    assert (births.comment, births.stored_by) == ("含双胞胎一例", "计生专干")


def test_a_utf8_csv_with_a_byte_order_mark_still_has_its_header_recognised(
    town: Township,
) -> None:
    summary = run(b"\xef\xbb\xbf" + csv_file("BIRTHS,202601,V01,,,3,,,备注,").encode())

    assert (summary.imported, summary.encoding_used) == (1, "utf-8")
    assert stored("BIRTHS", "202601", "V01").comment == "备注"


def test_undecodable_bytes_give_an_error_naming_the_byte_offset(town: Township) -> None:
    good = csv_file("BIRTHS,202601,V01,,,3").encode()
    summary = run(good + b"BIRTHS,202601,V02,,,\xff\xfe\n")

    [problem] = summary.problems
    assert problem.row is None
    assert f"offset {len(good) + 20}" in problem.reason
    assert "UTF-8" in problem.reason and "GBK" in problem.reason
    assert written() == (0, 0, 0)


def test_a_gbk_file_read_as_utf8_on_request_names_the_first_bad_byte(town: Township) -> None:
    content = (HERE / "gbk.csv").read_bytes()
    offset = content.index("计".encode("gbk"))

    summary = run(content, encoding="utf-8")

    [problem] = summary.problems
    assert f"offset {offset}" in problem.reason
    assert written() == (0, 0, 0)


def test_an_offset_is_exact_across_the_decoders_chunk_boundary(town: Township) -> None:
    # 65,535 ASCII bytes then a two-byte GBK character split across the 64 KiB read size.
    padding = b"#" * 65535
    content = padding + "计".encode("gbk") + b"\xff"

    summary = run(content, encoding="gbk", fmt="csv")

    assert f"offset {len(padding) + 2}" in summary.problems[0].reason


# --- efficiency ----------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(town: Township) -> None:
    def queries(rows: list[str]) -> int:
        with CaptureQueriesContext(connection) as context:
            summary = run(csv_file(*rows))
        assert summary.problems == []
        return len(context.captured_queries)

    small = queries([f"BIRTHS,2025{m:02d},V01,,,1" for m in (1, 2)])
    large = queries([f"BIRTHS,2024{m:02d},{u},,,{m}" for m in range(1, 13) for u in ("V01", "V02")])

    assert large == small


# --- the command ---------------------------------------------------------------------------


def test_the_import_command_prints_a_bilingual_summary(town: Township) -> None:
    out = io.StringIO()

    call_command("import_values", str(HERE / "good.csv"), stored_by="村会计", stdout=out)

    text = out.getvalue()
    assert "good.csv" in text
    assert "新增 5" in text and "imported 5" in text
    assert stored("AVG_POP", "2026", "V01").stored_by == "村会计"
    assert stored("BIRTHS", "202601", "V02").stored_by == "clerk2"  # the file wins
    assert AuditEntry.objects.filter(channel=Channel.IMPORT).count() == 5


def test_the_import_command_dry_run_writes_nothing(town: Township) -> None:
    out = io.StringIO()

    call_command("import_values", str(HERE / "good.csv"), dry_run=True, stdout=out)

    assert "dry run" in out.getvalue()
    assert written() == (0, 0, 0)


def test_the_import_command_prints_every_problem_and_fails(town: Township) -> None:
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="5 problem"):
        call_command("import_values", str(HERE / "several_bad.csv"), stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 5
    assert "第 3 行 / row 3" in lines[0] and 'dataelement="NOPE"' in lines[0]
    assert "nothing was written" in out.getvalue()
    assert written() == (0, 0, 0)


def test_a_problem_in_a_later_file_undoes_the_earlier_files(town: Township, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_file("BIRTHS,202601,V01,,,-4"), encoding="utf-8")

    with pytest.raises(CommandError):
        call_command(
            "import_values",
            str(HERE / "good.csv"),
            str(bad),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    assert written() == (0, 0, 0)


def test_the_import_command_refuses_a_missing_file(town: Township, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="file not found"):
        call_command("import_values", str(tmp_path / "nope.csv"))
