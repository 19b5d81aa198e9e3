"""The Excel round trip: templates, uploads, and every way an upload can go wrong."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.excel import (
    CellProblem,
    TemplateError,
    UploadSummary,
    build_template,
    do_import_upload,
    read_upload,
)
from kaohe.datavalues.excel_format import period_heading, period_title, sheet_titles
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import ImportSummary, do_set_value
from kaohe.elements.models import DataSet, DataSetElement
from kaohe.engine.periods import parse_period
from kaohe.orgunits.models import OrgUnit

from .fixtures import HERE, Township

pytestmark = pytest.mark.django_db

WEB = Actor(name="clerk1", channel=Channel.WEB)
EXCEL_FIXTURES = HERE / "excel"
MONTHS = [f"2026{m:02d}" for m in range(1, 13)]


def template(dataset: DataSet, town: Township, period: str = "2026", *units: OrgUnit) -> bytes:
    return build_template(dataset, period, units or (town.village_1, town.village_2))


def workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cell_at(ws: Worksheet, element: str, period: str) -> Any:
    """The value cell of an element and a period, found by the hidden codes."""
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == element)
    col = next(c for c in range(5, ws.max_column + 1) if ws.cell(1, c).value == period)
    return ws.cell(row, col)


def filled(data: bytes, edit: Callable[[Workbook], None]) -> bytes:
    """The template after a clerk's edits, saved again."""
    book = workbook(data)
    edit(book)
    return saved(book)


def upload(data: bytes, filename: str = "填报.xlsx", **options: Any) -> ImportSummary:
    return do_import_upload(data, filename=filename, actor=WEB, **options)


def stored_value(element: str, period: str, unit: str) -> Decimal:
    return DataValue.objects.get(element__code=element, period__code=period, unit__code=unit).value


def only_problem(summary: ImportSummary) -> CellProblem:
    assert len(summary.problems) == 1, [str(p) for p in summary.problems]
    problem = summary.problems[0]
    assert isinstance(problem, CellProblem)
    return problem


def reasons(summary: ImportSummary) -> str:
    return "\n".join(str(p) for p in summary.problems)


def rezip(
    data: bytes, change: Callable[[str, bytes], bytes], extra: Iterable[tuple[str, bytes]] = ()
) -> bytes:
    """The same .xlsx with some parts rewritten (and others added), as another program might."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in extra:
            target.writestr(name, content)
    return out.getvalue()


# --- the template --------------------------------------------------------------------------


def test_the_template_has_a_protected_sheet_per_unit_and_a_hidden_metadata_sheet(
    dataset: DataSet, town: Township
) -> None:
    book = workbook(template(dataset, town))

    assert book.sheetnames == ["东村", "西村", "_kaohe"]
    assert book["_kaohe"].sheet_state == "veryHidden"
    assert book.security.lockStructure
    meta = {row[0]: row[1] for row in book["_kaohe"].iter_rows(values_only=True) if row[0]}
    assert meta["format"] == "kaohe-template"
    assert meta["version"] == 1
    assert meta["dataset"] == "FP_MONTHLY"
    assert meta["period"] == "2026"
    assert meta["elements"] == "BIRTHS,MIGRANTS,CONTRA_RATE,AVG_POP,HAS_PLAN"
    assert meta["periods"] == ",".join(MONTHS)
    assert meta["东村"] == "V01" and meta["西村"] == "V02"
    for ws in book.worksheets[:2]:
        assert ws.protection.sheet
        assert ws.protection.password is None
        assert ws.freeze_panes == "E5"
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # 9: A4


def test_codes_sit_in_a_hidden_row_and_column_and_the_labels_are_chinese(
    dataset: DataSet, town: Township
) -> None:
    ws = workbook(template(dataset, town))["西村"]

    assert ws.row_dimensions[1].hidden
    assert ws.column_dimensions["A"].hidden
    assert (ws["A1"].value, ws["B1"].value) == ("kaohe", "V02")
    assert [ws.cell(1, c).value for c in range(5, 17)] == MONTHS
    assert [ws.cell(r, 1).value for r in range(5, 10)] == [
        "BIRTHS",
        "MIGRANTS",
        "CONTRA_RATE",
        "AVG_POP",
        "HAS_PLAN",
    ]
    assert ws["B2"].value == "计划生育月报　西村　2026年"
    assert [ws.cell(4, c).value for c in range(2, 5)] == ["序号", "指标名称", "填写要求"]
    assert [ws.cell(4, c).value for c in range(5, 18)] == [f"{m}月" for m in range(1, 13)] + [
        "合计"
    ]
    assert ws["C5"].value == "出生人数"


def test_only_value_cells_are_unlocked_and_each_is_validated_by_its_value_type(
    dataset: DataSet, town: Township
) -> None:
    ws = workbook(template(dataset, town))["东村"]

    assert ws["E5"].protection.locked is False
    assert ws["P9"].protection.locked is False
    assert ws["E5"].fill.fgColor.rgb.endswith("FFF2CC")
    for locked in ("A5", "B5", "C5", "D5", "Q5", "E4", "B2"):
        assert ws[locked].protection.locked is True, locked
    rules = {
        (dv.type, dv.operator, dv.formula1, dv.formula2): str(dv.sqref)
        for dv in ws.data_validations.dataValidation
    }
    whole = rules[("whole", "greaterThanOrEqual", "0", None)]
    assert "E5" in whole and "P6" in whole  # BIRTHS and MIGRANTS are counts
    assert "E7" in rules[("decimal", "between", "0", "100")]  # CONTRA_RATE
    assert "P9" in rules[("list", None, '"1,0"', None)]  # HAS_PLAN
    assert all(dv.showErrorMessage and dv.allow_blank for dv in ws.data_validations.dataValidation)


def test_the_totals_column_sums_the_months_of_sum_aggregated_elements_only(
    dataset: DataSet, town: Township
) -> None:
    ws = workbook(template(dataset, town))["东村"]

    assert ws["Q5"].value == "=SUM(E5:P5)"
    assert ws["Q6"].value == "=SUM(E6:P6)"
    assert ws["Q7"].value == "—"  # a rate is averaged, not summed
    assert ws["Q9"].value == "—"


def test_stored_values_are_filled_in(dataset: DataSet, town: Township) -> None:
    for element, value in (("BIRTHS", 4), ("CONTRA_RATE", "92.5"), ("HAS_PLAN", 1)):
        do_set_value(
            actor=WEB, element_code=element, period_code="202603", unit_code="V01", value=value
        )

    ws = workbook(template(dataset, town))["东村"]

    assert cell_at(ws, "BIRTHS", "202603").value == 4
    assert cell_at(ws, "CONTRA_RATE", "202603").value == 92.5
    assert cell_at(ws, "HAS_PLAN", "202603").value == 1
    assert cell_at(ws, "BIRTHS", "202604").value is None


def test_a_period_of_the_data_sets_own_type_gives_one_column_and_no_totals(
    dataset: DataSet, town: Township
) -> None:
    ws = workbook(template(dataset, town, "202603"))["东村"]

    assert ws["E1"].value == "202603"
    assert ws["F1"].value is None
    assert ws["E4"].value == "2026年3月"
    assert ws["F4"].value is None
    assert ws["B2"].value == "计划生育月报　东村　2026年3月"


def test_months_outside_a_units_life_are_locked_and_left_empty(
    dataset: DataSet, town: Township
) -> None:
    DataValue.objects.all().delete()
    ws = workbook(template(dataset, town, "2025", town.closed_village))["旧村"]  # closed 30 June

    assert cell_at(ws, "BIRTHS", "202506").protection.locked is False
    july = cell_at(ws, "BIRTHS", "202507")
    assert july.protection.locked is True
    assert july.value is None


def test_a_template_cannot_be_made_for_a_period_shorter_than_the_data_sets(
    dataset: DataSet, town: Township
) -> None:
    with pytest.raises(TemplateError, match="20260115"):
        template(dataset, town, "20260115")


def test_a_template_cannot_be_made_for_a_unit_that_does_not_report_the_data_set(
    dataset: DataSet, town: Township
) -> None:
    with pytest.raises(TemplateError, match="T01"):
        template(dataset, town, "2026", town.township)


def test_sheet_titles_are_excel_safe_unique_and_at_most_31_characters() -> None:
    assert sheet_titles(["东村", "东村", "a/b:c", "x" * 40, "X" * 40, "_kaohe", ""]) == [
        "东村",
        "东村(2)",
        "a_b_c",
        "x" * 31,
        "X" * 28 + "(2)",
        "_kaohe(2)",
        "Sheet",
    ]


@pytest.mark.parametrize(
    ("code", "title", "heading"),
    [
        ("2026", "2026年", "2026年"),
        ("202601", "2026年1月", "1月"),
        ("2026Q3", "2026年第3季度", "第3季度"),
        ("2026S2", "2026年下半年", "下半年"),
        ("2026W5", "2026年第5周", "第5周"),
        ("20260115", "2026年1月15日", "1月15日"),
        ("202603B", "2026年5–6月", "5–6月"),
        ("2026Oct", "2026年10月–2027年9月", "2026年10月–2027年9月"),
    ],
)
def test_periods_are_labelled_in_chinese(code: str, title: str, heading: str) -> None:
    period = parse_period(code)
    assert (period_title(period), period_heading(period)) == (title, heading)


def test_a_financial_year_grid_names_the_year_of_each_month(town: Township) -> None:
    dataset = DataSet.objects.create(
        code="OCT", name="统计年度", period_type="Monthly", unit_kinds=["village"]
    )
    DataSetElement.objects.create(dataset=dataset, element=town.births)

    ws = workbook(build_template(dataset, "2026Oct", [town.village_1]))["东村"]

    assert [ws.cell(4, c).value for c in (5, 7, 8, 16)] == [
        "2026年10月",
        "2026年12月",
        "2027年1月",
        "2027年9月",
    ]


def test_the_template_command_writes_the_workbook(
    dataset: DataSet, town: Township, tmp_path: Path
) -> None:
    output = tmp_path / "f.xlsx"
    out = io.StringIO()

    call_command(
        "template",
        dataset="FP_MONTHLY",
        period="2026",
        units="V02,V01",
        output=str(output),
        stdout=out,
    )

    assert workbook(output.read_bytes()).sheetnames == ["西村", "东村", "_kaohe"]
    assert "f.xlsx" in out.getvalue()


def test_the_template_command_defaults_to_the_units_that_report_in_the_period(
    dataset: DataSet, town: Township, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    call_command("template", dataset="FP_MONTHLY", period="2026", stdout=io.StringIO())

    # V09 closed in 2025 and V10 opens in 2027: neither reports in 2026.
    assert workbook((tmp_path / "FP_MONTHLY-2026.xlsx").read_bytes()).sheetnames == [
        "东村",
        "西村",
        "_kaohe",
    ]


def test_the_template_command_names_unknown_units(dataset: DataSet, town: Township) -> None:
    with pytest.raises(CommandError, match="V77"):
        call_command("template", dataset="FP_MONTHLY", period="2026", units="V01,V77")


# --- round trips ---------------------------------------------------------------------------


def fill_some(book: Workbook) -> None:
    east, west = book["东村"], book["西村"]
    cell_at(east, "BIRTHS", "202601").value = 3
    cell_at(east, "BIRTHS", "202602").value = 2
    cell_at(east, "CONTRA_RATE", "202601").value = 92.5
    cell_at(east, "AVG_POP", "202601").value = 1234.5
    cell_at(east, "HAS_PLAN", "202601").value = 1
    cell_at(west, "BIRTHS", "202601").value = 1


def test_a_filled_template_stores_every_value_with_an_audit_row(
    dataset: DataSet, town: Township
) -> None:
    data = filled(template(dataset, town), fill_some)

    summary = upload(data)

    assert summary.problems == []
    assert (summary.imported, summary.updated, summary.ignored, summary.deleted) == (6, 0, 0, 0)
    assert stored_value("BIRTHS", "202601", "V01") == 3
    assert stored_value("BIRTHS", "202602", "V01") == 2
    assert stored_value("CONTRA_RATE", "202601", "V01") == Decimal("92.5")
    assert stored_value("AVG_POP", "202601", "V01") == Decimal("1234.5")
    assert stored_value("HAS_PLAN", "202601", "V01") == 1
    assert stored_value("BIRTHS", "202601", "V02") == 1
    entries = AuditEntry.objects.filter(action="datavalue.create")
    assert entries.count() == 6
    entry = entries.get(object_key="CONTRA_RATE/202601/V01")
    assert (entry.actor, entry.channel) == ("clerk1", Channel.WEB)
    assert entry.after == {"value": "92.5", "comment": "", "follow_up": False}
    assert (
        DataValue.objects.get(
            element__code="BIRTHS", period__code="202601", unit__code="V02"
        ).stored_by
        == "clerk1"
    )


def test_the_totals_formulas_are_not_read(dataset: DataSet, town: Township) -> None:
    data = filled(template(dataset, town), fill_some)
    # openpyxl saves formulas without results, so every 合计 cell is a formula with no value.
    assert workbook(data)["东村"]["Q5"].value == "=SUM(E5:P5)"

    summary = upload(data)

    assert summary.problems == []
    assert DataValue.objects.count() == 6


def test_the_import_command_channel_comes_from_the_actor(dataset: DataSet, town: Township) -> None:
    summary = do_import_upload(
        filled(template(dataset, town), fill_some),
        filename="f.xlsx",
        actor=Actor(name="cli:x", channel=Channel.IMPORT),
    )

    assert summary.ok
    assert set(AuditEntry.objects.values_list("channel", flat=True)) == {Channel.IMPORT}


def test_uploading_the_filled_in_template_again_changes_nothing(
    dataset: DataSet, town: Township
) -> None:
    upload(filled(template(dataset, town), fill_some))

    summary = upload(template(dataset, town))  # the new download shows the stored values

    assert (summary.imported, summary.updated, summary.ignored) == (0, 0, 6)
    assert AuditEntry.objects.count() == 6


def test_a_changed_value_is_updated(dataset: DataSet, town: Township) -> None:
    upload(filled(template(dataset, town), fill_some))

    data = filled(
        template(dataset, town),
        lambda b: setattr(cell_at(b["东村"], "BIRTHS", "202601"), "value", 5),
    )
    summary = upload(data)

    assert (summary.imported, summary.updated, summary.ignored) == (0, 1, 5)
    assert stored_value("BIRTHS", "202601", "V01") == 5


def test_an_emptied_cell_is_skipped_and_does_not_delete_the_stored_value(
    dataset: DataSet, town: Township
) -> None:
    upload(filled(template(dataset, town), fill_some))

    def clear(book: Workbook) -> None:
        cell_at(book["东村"], "BIRTHS", "202601").value = None
        cell_at(book["东村"], "BIRTHS", "202602").value = "  "

    summary = upload(filled(template(dataset, town), clear))

    assert summary.ok
    assert summary.rows == 4
    assert stored_value("BIRTHS", "202601", "V01") == 3


def test_a_dry_run_checks_and_counts_but_writes_nothing(dataset: DataSet, town: Township) -> None:
    summary = upload(filled(template(dataset, town), fill_some), dry_run=True)

    assert summary.ok
    assert summary.imported == 6
    assert DataValue.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_read_upload_maps_each_cell_to_its_element_period_and_unit(
    dataset: DataSet, town: Township
) -> None:
    parsed = read_upload(filled(template(dataset, town), fill_some), filename="f.xlsx")

    assert (parsed.fmt, parsed.dataset_code, parsed.period_code) == ("xlsx", "FP_MONTHLY", "2026")
    found = {
        (cell.sheet, cell.cell): (raw.element, raw.period, raw.unit, raw.value)
        for cell, raw in zip(parsed.cells, parsed.rows, strict=True)
    }
    assert found[("东村", "F5")] == ("BIRTHS", "202602", "V01", "2")
    assert found[("东村", "E7")] == ("CONTRA_RATE", "202601", "V01", "92.5")
    assert found[("西村", "E5")] == ("BIRTHS", "202601", "V02", "1")
    assert len(found) == 6


# --- bad cells -----------------------------------------------------------------------------


def test_one_bad_cell_stores_nothing_and_names_the_sheet_cell_value_and_reason(
    dataset: DataSet, town: Township
) -> None:
    def with_a_word(book: Workbook) -> None:
        fill_some(book)
        cell_at(book["西村"], "BIRTHS", "202603").value = "三"

    summary = upload(filled(template(dataset, town), with_a_word))

    problem = only_problem(summary)
    assert (problem.sheet, problem.cell, problem.row, problem.column) == ("西村", "G5", 5, "G")
    assert problem.value == "三"
    assert problem.reason == "不是数值 / not a number"
    assert str(problem) == '「西村」!G5 = "三"：不是数值 / not a number'
    assert DataValue.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert summary.imported == 0
    assert any("nothing was written" in line for line in summary.lines())


def test_every_bad_cell_is_reported_in_sheet_and_cell_order(
    dataset: DataSet, town: Township
) -> None:
    def several(book: Workbook) -> None:
        cell_at(book["西村"], "BIRTHS", "202601").value = -1
        cell_at(book["东村"], "CONTRA_RATE", "202602").value = 101
        cell_at(book["东村"], "BIRTHS", "202603").value = 2.5
        cell_at(book["东村"], "HAS_PLAN", "202601").value = 2

    summary = upload(filled(template(dataset, town), several))

    assert [(p.sheet, p.cell) for p in summary.problems] == [  # type: ignore[attr-defined]
        ("东村", "G5"),
        ("东村", "F7"),
        ("东村", "E9"),
        ("西村", "E5"),
    ]
    assert "计数须为整数" in summary.problems[0].reason
    assert "0–100" in summary.problems[1].reason
    assert "是/否" in summary.problems[2].reason
    assert "负数" in summary.problems[3].reason


def test_text_with_a_unit_in_a_number_cell_is_refused(dataset: DataSet, town: Township) -> None:
    data = filled(
        template(dataset, town),
        lambda b: setattr(cell_at(b["东村"], "BIRTHS", "202601"), "value", "12人"),
    )

    problem = only_problem(upload(data))

    assert (problem.cell, problem.value, problem.reason) == (
        "E5",
        "12人",
        "不是数值 / not a number",
    )


def test_full_width_digits_are_read_as_ordinary_digits_and_noted(
    dataset: DataSet, town: Township
) -> None:
    def full_width(book: Workbook) -> None:
        cell_at(book["东村"], "BIRTHS", "202601").value = "１２"
        cell_at(book["东村"], "CONTRA_RATE", "202601").value = "９２．５"
        cell_at(book["东村"], "BIRTHS", "202602").value = "7"  # text, but ordinary digits

    summary = upload(filled(template(dataset, town), full_width))

    assert summary.ok, reasons(summary)
    assert stored_value("BIRTHS", "202601", "V01") == 12
    assert stored_value("CONTRA_RATE", "202601", "V01") == Decimal("92.5")
    assert stored_value("BIRTHS", "202602", "V01") == 7
    assert any("2 个单元格含全角字符" in line for line in summary.lines())


def test_a_percentage_cell_formatted_as_a_percentage_is_read_as_it_shows(
    dataset: DataSet, town: Township
) -> None:
    def percent(book: Workbook) -> None:
        shown = cell_at(book["东村"], "CONTRA_RATE", "202601")
        shown.value = 0.925  # what Excel stores when a clerk types 92.5%
        shown.number_format = "0.0%"
        cell_at(book["东村"], "CONTRA_RATE", "202602").value = "88%"

    summary = upload(filled(template(dataset, town), percent))

    assert summary.ok, reasons(summary)
    assert stored_value("CONTRA_RATE", "202601", "V01") == Decimal("92.5")
    assert stored_value("CONTRA_RATE", "202602", "V01") == 88


def test_a_date_in_a_number_cell_is_a_problem(dataset: DataSet, town: Township) -> None:
    data = filled(
        template(dataset, town),
        lambda b: setattr(cell_at(b["东村"], "BIRTHS", "202601"), "value", datetime(2026, 1, 2)),
    )

    problem = only_problem(upload(data))

    assert problem.cell == "E5"
    assert "日期" in problem.reason and "date" in problem.reason


def test_a_formula_without_a_computed_value_is_a_problem(dataset: DataSet, town: Township) -> None:
    data = filled(
        template(dataset, town),
        lambda b: setattr(cell_at(b["东村"], "BIRTHS", "202601"), "value", "=1+2"),
    )

    problem = only_problem(upload(data))

    assert (problem.sheet, problem.cell, problem.value) == ("东村", "E5", "=1+2")
    assert problem.reason == (
        "公式没有计算结果，请在 Excel 中保存后再上传 / the formula has no computed value: save "
        "the file in Excel and upload again"
    )
    assert DataValue.objects.count() == 0


def test_a_formula_with_a_saved_result_is_read_as_that_result(
    dataset: DataSet, town: Township
) -> None:
    data = filled(
        template(dataset, town),
        lambda b: setattr(cell_at(b["东村"], "BIRTHS", "202601"), "value", "=1+2"),
    )

    # As Excel saves it: the formula together with its result.
    def with_result(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        # openpyxl writes the empty cached value as <v />, or as <v></v> with lxml installed.
        changed, count = re.subn(rb"<f>1\+2</f>(?:<v ?/>|<v></v>)", b"<f>1+2</f><v>3</v>", content)
        assert count == 1
        return changed

    summary = upload(rezip(data, with_result))

    assert summary.ok, reasons(summary)
    assert stored_value("BIRTHS", "202601", "V01") == 3
    assert any("公式" in line for line in summary.lines())


def test_a_template_saved_by_libreoffice_uploads_with_its_formula_results(
    dataset: DataSet, town: Township
) -> None:
    data = (EXCEL_FIXTURES / "saved_by_libreoffice.xlsx").read_bytes()

    summary = upload(data)

    assert summary.ok, reasons(summary)
    assert summary.imported == 4
    assert stored_value("BIRTHS", "202601", "V01") == 3
    assert stored_value("BIRTHS", "202605", "V01") == 3  # =1+2, as LibreOffice computed it
    assert stored_value("CONTRA_RATE", "202601", "V01") == Decimal("92.5")
    assert stored_value("BIRTHS", "202601", "V02") == 1


def test_an_error_value_is_a_problem(dataset: DataSet, town: Township) -> None:
    data = filled(
        template(dataset, town),
        lambda b: setattr(cell_at(b["东村"], "BIRTHS", "202601"), "value", "=1/0"),
    )

    def with_error(name: str, content: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return content
        content = content.replace(b'<c r="E5"', b'<c t="e" r="E5"')
        return re.sub(rb"<f>1/0</f>(?:<v ?/>|<v></v>)", b"<f>1/0</f><v>#DIV/0!</v>", content)

    problem = only_problem(upload(rezip(data, with_error)))

    assert (problem.cell, problem.value) == ("E5", "#DIV/0!")
    assert "#DIV/0!" in problem.reason


def test_merged_value_cells_are_a_problem_naming_the_range(
    dataset: DataSet, town: Township
) -> None:
    def merge(book: Workbook) -> None:
        ws = book["东村"]
        cell_at(ws, "BIRTHS", "202601").value = 3
        ws.merge_cells("E5:F6")

    summary = upload(filled(template(dataset, town), merge))

    problem = only_problem(summary)
    assert (problem.sheet, problem.cell, problem.value) == ("东村", "E5:F6", "3")
    assert "E5:F6" in problem.reason and "merged" in problem.reason
    assert DataValue.objects.count() == 0


def test_a_value_in_a_month_after_the_unit_closed_is_refused_by_the_imports_rule(
    dataset: DataSet, town: Township
) -> None:
    data = filled(
        template(dataset, town, "2025", town.closed_village),
        lambda b: setattr(cell_at(b["旧村"], "BIRTHS", "202507"), "value", 1),
    )

    problem = only_problem(upload(data))

    assert (problem.sheet, problem.cell) == ("旧村", "K5")
    assert "撤销" in problem.reason and "closed" in problem.reason


def test_a_sheet_of_a_unit_the_actor_may_not_write_is_a_problem(
    dataset: DataSet, town: Township
) -> None:
    summary = upload(filled(template(dataset, town), fill_some), units={"V01"})

    problem = only_problem(summary)
    assert (problem.sheet, problem.cell) == ("西村", "")
    assert "V02" in problem.reason
    assert DataValue.objects.count() == 0


def test_a_value_of_an_element_removed_from_the_data_set_since_the_download_is_a_problem(
    dataset: DataSet, town: Township
) -> None:
    data = template(dataset, town)
    DataSetElement.objects.filter(element=town.average_population).delete()

    assert upload(filled(data, lambda b: setattr(b["东村"]["E5"], "value", 1))).ok
    problem = only_problem(
        upload(filled(data, lambda b: setattr(cell_at(b["东村"], "AVG_POP", "202601"), "value", 1)))
    )
    assert problem.cell == "E8"
    assert "AVG_POP" in problem.reason


# --- sheets --------------------------------------------------------------------------------


def test_an_extra_sheet_is_ignored_with_a_note(dataset: DataSet, town: Township) -> None:
    def scribble(book: Workbook) -> None:
        fill_some(book)
        book.create_sheet("草稿")["A1"] = "随手记的数：12"

    summary = upload(filled(template(dataset, town), scribble))

    assert summary.ok
    assert isinstance(summary, UploadSummary)
    assert any("草稿" in note and "ignored" in note for note in summary.notes)
    assert any("草稿" in line for line in summary.lines())
    assert DataValue.objects.count() == 6


def test_an_extra_sheet_that_looks_like_ours_but_has_no_codes_is_a_problem(
    dataset: DataSet, town: Township
) -> None:
    def retyped(book: Workbook) -> None:
        ws = book.create_sheet("南村")
        ws.append([])
        ws.append([None, "计划生育月报　南村　2026年"])
        ws.append([])
        ws.append([None, "序号", "指标名称", "填写要求", "1月"])
        ws.append([None, 1, "出生人数", "非负整数", 4])

    problem = only_problem(upload(filled(template(dataset, town), retyped)))

    assert problem.sheet == "南村"
    assert "hidden codes" in problem.reason
    assert DataValue.objects.count() == 0


def test_a_sheet_whose_hidden_element_code_was_edited_is_refused(
    dataset: DataSet, town: Township
) -> None:
    def tamper(book: Workbook) -> None:
        fill_some(book)
        book["东村"]["A5"] = "MIGRANTS"

    problem = only_problem(upload(filled(template(dataset, town), tamper)))

    assert (problem.sheet, problem.cell, problem.value) == ("东村", "A5", "MIGRANTS")
    assert "BIRTHS" in problem.reason and "edited" in problem.reason
    assert DataValue.objects.count() == 0


def test_a_sheet_whose_hidden_period_code_was_deleted_is_refused(
    dataset: DataSet, town: Township
) -> None:
    problem = only_problem(
        upload(filled(template(dataset, town), lambda b: setattr(b["西村"]["G1"], "value", None)))
    )

    assert (problem.sheet, problem.cell) == ("西村", "G1")
    assert "202603" in problem.reason


def test_a_sheet_whose_hidden_unit_code_was_edited_is_refused(
    dataset: DataSet, town: Township
) -> None:
    problem = only_problem(
        upload(filled(template(dataset, town), lambda b: setattr(b["西村"]["B1"], "value", "V09")))
    )

    assert (problem.sheet, problem.cell, problem.value) == ("西村", "B1", "V09")
    assert "expected V02" in problem.reason


def test_a_sheet_given_another_sheets_unit_code_is_refused_at_that_cell(
    dataset: DataSet, town: Township
) -> None:
    summary = upload(
        filled(template(dataset, town), lambda b: setattr(b["东村"]["B1"], "value", "V02"))
    )

    problem = only_problem(summary)
    assert (problem.sheet, problem.cell, problem.value) == ("东村", "B1", "V02")
    assert "expected V01" in problem.reason


def test_a_sheet_whose_hidden_column_was_deleted_is_refused(
    dataset: DataSet, town: Township
) -> None:
    def delete_codes(book: Workbook) -> None:
        fill_some(book)
        book["东村"].delete_cols(1)

    problem = only_problem(upload(filled(template(dataset, town), delete_codes)))

    assert problem.sheet == "东村"
    assert "hidden codes were deleted" in problem.reason


def test_a_copied_sheet_of_the_same_unit_is_a_problem(dataset: DataSet, town: Township) -> None:
    def copy(book: Workbook) -> None:
        book.copy_worksheet(book["东村"]).title = "东村副本"

    problem = only_problem(upload(filled(template(dataset, town), copy)))

    assert (problem.sheet, problem.cell) == ("东村副本", "")
    assert "东村" in problem.reason and "V01" in problem.reason


# --- whole files ---------------------------------------------------------------------------


def refusal(summary: ImportSummary) -> str:
    assert len(summary.problems) == 1, reasons(summary)
    assert summary.problems[0].row is None
    assert DataValue.objects.count() == 0
    return summary.problems[0].reason


def test_a_workbook_not_made_from_a_template_is_refused(dataset: DataSet, town: Township) -> None:
    book = Workbook()
    book.active.append(["出生人数", 3])

    reason = refusal(upload(saved(book)))

    assert reason.startswith("这不是考核系统生成的模板")
    assert "not made from a Kaohe template" in reason


def test_a_workbook_that_lost_its_hidden_metadata_sheet_is_refused(
    dataset: DataSet, town: Township
) -> None:
    def drop(book: Workbook) -> None:
        fill_some(book)
        book.remove(book["_kaohe"])

    assert "_kaohe" in refusal(upload(filled(template(dataset, town), drop)))


def test_a_template_of_another_version_is_refused(dataset: DataSet, town: Township) -> None:
    def older(book: Workbook) -> None:
        book["_kaohe"]["B2"] = 0

    assert "version 0" in refusal(upload(filled(template(dataset, town), older)))


def test_a_legacy_xls_is_refused_with_save_as_xlsx(dataset: DataSet, town: Township) -> None:
    # What every .xls starts with: the compound-file signature, then its header sectors.
    legacy = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + "Workbook".encode("utf-16-le")

    reason = refusal(upload(legacy, filename="2026年报表.xls"))

    assert ".xls" in reason and "另存为" in reason and "save as .xlsx" in reason


def test_a_real_legacy_xls_is_refused_with_save_as_xlsx(dataset: DataSet, town: Township) -> None:
    reason = refusal(upload((EXCEL_FIXTURES / "legacy.xls").read_bytes(), filename="报表.xls"))

    assert reason.startswith("不支持 .xls 格式")


def test_an_opendocument_spreadsheet_is_refused_with_save_as_xlsx(
    dataset: DataSet, town: Township
) -> None:
    reason = refusal(upload((EXCEL_FIXTURES / "calc.ods").read_bytes(), filename="报表.ods"))

    assert ".ods" in reason and "save as .xlsx" in reason


def test_an_html_table_saved_as_xls_is_refused_with_save_as_xlsx(
    dataset: DataSet, town: Township
) -> None:
    assert "save as .xlsx" in refusal(upload(b"<html><table></table></html>", filename="f.xls"))


def test_an_encrypted_workbook_is_refused(dataset: DataSet, town: Township) -> None:
    # An Excel file with a password to open is a compound file with these two streams.
    encrypted = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(504)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(36)
        + "EncryptedPackage".encode("utf-16-le")
    )

    reason = refusal(upload(encrypted, filename="f.xlsx"))

    assert "加密" in reason and "password" in reason


def test_a_damaged_xlsx_is_refused(dataset: DataSet, town: Township) -> None:
    data = template(dataset, town)

    assert "damaged" in refusal(upload(data[: len(data) // 2]))


def test_a_file_of_another_kind_is_refused(dataset: DataSet, town: Township) -> None:
    assert ".pdf" in refusal(upload(b"%PDF-1.4", filename="f.pdf"))


def test_an_xlsm_is_read_and_its_macros_ignored(dataset: DataSet, town: Township) -> None:
    data = filled(template(dataset, town), fill_some)

    def macro_enabled(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return content.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                b"<Default ",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject" />'
                b"<Default ",
                1,
            )
        if name == "xl/_rels/workbook.xml.rels":
            return content.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Target="vbaProject.bin" Type="http://schemas.'
                b'microsoft.com/office/2006/relationships/vbaProject" /></Relationships>',
            )
        return content

    xlsm = rezip(data, macro_enabled, [("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")])

    summary = upload(xlsm, filename="填报.xlsm")

    assert summary.ok, reasons(summary)
    assert summary.fmt == "xlsm"
    assert DataValue.objects.count() == 6
    assert any("宏" in line and "macros were ignored" in line for line in summary.lines())


def test_a_gbk_csv_is_handed_to_the_csv_import(town: Township) -> None:
    summary = upload((HERE / "gbk.csv").read_bytes(), filename="导出.csv")

    assert summary.ok, reasons(summary)
    assert (summary.fmt, summary.encoding_used) == ("csv", "gbk")
    assert summary.imported > 0
    assert DataValue.objects.get(element__code="BIRTHS", unit__code="V01").comment == "含双胞胎一例"
    assert set(AuditEntry.objects.values_list("channel", flat=True)) == {Channel.WEB}


def test_read_upload_reads_a_csv_with_the_imports_reader(town: Township) -> None:
    parsed = read_upload((HERE / "gbk.csv").read_bytes(), filename="导出.csv")

    assert (parsed.fmt, parsed.encoding_used, parsed.refused) == ("csv", "gbk", False)
    assert parsed.rows[0].element == "BIRTHS"
