"""The Excel round trip from the page: download a template, fill it in, upload it; every value
lands or none does, and the page lists each bad cell (sheet, cell, value, reason)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.audit.models import AuditEntry, Channel
from kaohe.datavalues.models import DataValue

from .conftest import Place, client_of, store

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client: Client, query: str = "units=V01", period: str = "2026") -> Workbook:
    response = client.get(f"/entry/FP_MONTHLY/{period}/template.xlsx?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def cell_at(ws: Worksheet, element: str, period: str) -> object:
    """The value cell of an element and a period, found by the template's hidden codes."""
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == element)
    col = next(c for c in range(5, ws.max_column + 1) if ws.cell(1, c).value == period)
    return ws.cell(row, col)


def upload(client: Client, book: Workbook, name: str = "东村填报.xlsx", **extra: str) -> str:
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        "/entry/upload/", {"file": SimpleUploadedFile(name, buffer.getvalue()), **extra}
    )
    upload.status = response.status_code  # type: ignore[attr-defined]
    return response.content.decode()


def stored() -> dict[str, Decimal]:
    return {
        f"{v.element.code}:{v.period.code}:{v.unit.code}": v.value
        for v in DataValue.objects.select_related("element", "period", "unit")
    }


def problem_rows(text: str) -> list[list[str]]:
    table = re.search(r'<table[^>]*id="problems".*?</table>', text, re.S)
    assert table, "no problem list"
    rows = re.findall(r"<tr>\s*(<td.*?)</tr>", table.group(0), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td.*?</td>", r, re.S)]
        for r in rows
    ]


def test_the_template_of_the_page_has_a_sheet_per_unit_with_stored_values(
    place: Place, clerk: Client
) -> None:
    store("BIRTHS", "202603", "4")

    book = download(clerk)

    assert book.sheetnames[0] == "东村"
    assert cell_at(book["东村"], "BIRTHS", "202603").value == 4  # type: ignore[attr-defined]


def test_a_filled_in_template_uploaded_through_the_page_lands_whole(
    place: Place, clerk: Client
) -> None:
    book = download(clerk)
    ws = book["东村"]
    cell_at(ws, "BIRTHS", "202601").value = 3  # type: ignore[attr-defined]
    cell_at(ws, "BIRTHS", "202602").value = 2  # type: ignore[attr-defined]
    cell_at(ws, "CONTRA_RATE", "202601").value = 91.5  # type: ignore[attr-defined]

    text = upload(clerk, book)

    assert upload.status == 200  # type: ignore[attr-defined]
    assert "已全部写入" in text
    assert stored() == {
        "BIRTHS:202601:V01": Decimal(3),
        "BIRTHS:202602:V01": Decimal(2),
        "CONTRA_RATE:202601:V01": Decimal("91.5"),
    }
    entries = AuditEntry.objects.filter(object_type="datavalue")
    assert entries.count() == 3
    assert {(e.actor, e.channel) for e in entries} == {("clerk", Channel.WEB)}


def test_an_upload_with_bad_cells_writes_nothing_and_lists_each_bad_cell(
    place: Place, clerk: Client
) -> None:
    book = download(clerk)
    ws = book["东村"]
    cell_at(ws, "BIRTHS", "202601").value = 3  # type: ignore[attr-defined]  # fine
    bad = cell_at(ws, "BIRTHS", "202602")
    bad.value = -2  # type: ignore[attr-defined]
    rate = cell_at(ws, "CONTRA_RATE", "202603")
    rate.value = 130  # type: ignore[attr-defined]

    text = upload(clerk, book)

    assert upload.status == 422  # type: ignore[attr-defined]
    assert "未写入" in text
    rows = problem_rows(text)
    assert ["东村", bad.coordinate, "-2"] == rows[0][:3]  # type: ignore[attr-defined]
    assert "计数不能为负数" in rows[0][3]
    assert ["东村", rate.coordinate, "130"] == rows[1][:3]  # type: ignore[attr-defined]
    assert "百分比须在 0–100 之间" in rows[1][3]
    assert stored() == {}


def test_a_dry_run_checks_and_writes_nothing(place: Place, clerk: Client) -> None:
    book = download(clerk)
    cell_at(book["东村"], "BIRTHS", "202601").value = 3  # type: ignore[attr-defined]

    text = upload(clerk, book, dry_run="on")

    assert upload.status == 200  # type: ignore[attr-defined]
    assert "检查通过（未写入）" in text
    assert stored() == {}


def test_a_reporter_cannot_upload_another_villages_sheet(place: Place) -> None:
    book = download(client_of(place.admin), "units=V02")
    cell_at(book["西村"], "BIRTHS", "202601").value = 3  # type: ignore[attr-defined]

    text = upload(client_of(place.clerk), book)

    assert upload.status == 422  # type: ignore[attr-defined]
    assert "无权填报单位 V02" in text
    assert stored() == {}


def test_a_csv_file_is_not_taken_by_the_page(place: Place, clerk: Client) -> None:
    data = b"dataelement,period,orgunit,catoptcombo,attroptcombo,value\nBIRTHS,202601,V02,,,3\n"

    response = clerk.post("/entry/upload/", {"file": SimpleUploadedFile("x.csv", data)})

    assert response.status_code == 422
    assert "只接受由模板填写的 Excel 工作簿" in response.content.decode()
    assert stored() == {}


def test_a_workbook_that_is_not_a_template_is_refused_with_the_reason(
    place: Place, clerk: Client
) -> None:
    text = upload(clerk, Workbook())

    assert upload.status == 422  # type: ignore[attr-defined]
    assert "模板" in text
    assert stored() == {}


def test_the_template_of_all_the_users_units_when_none_are_named(place: Place) -> None:
    book = download(client_of(place.admin), "")

    assert book.sheetnames[:2] == ["东村", "西村"]


def test_a_template_of_a_village_the_reporter_does_not_see_is_not_found(place: Place) -> None:
    clerk = client_of(place.clerk)

    response = clerk.get("/entry/FP_MONTHLY/2026/template.xlsx?units=V01,V02")

    assert response.status_code == 404
    assert b"\xe8\xa5\xbf\xe6\x9d\x91" not in response.content  # 西村


def test_a_template_for_a_reviewer_is_forbidden(place: Place) -> None:
    response = client_of(place.reviewer).get("/entry/FP_MONTHLY/2026/template.xlsx?units=V01")

    assert response.status_code == 403
