"""Writes and downloads of data entry, role by role, in the county of tests/access: a reporter
saves only their own village's figures; one who edits the URL to another village gets 404 and
nothing of it. (The matrix of GETs is in tests/access/cases_entry.py.)"""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from kaohe.datavalues.excel import build_template
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from tests.access.cases_entry import ENTERS
from tests.access.conftest import ROLES, World
from tests.access.matrix import ANON, FORBIDDEN, SEES

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def open_figures(world: World) -> Iterator[None]:
    """The world's figures are of 2006, long past their lock day; these tests are about roles."""
    DataSet.objects.filter(code="MONTHLY").update(lock_after_days=32000)
    yield


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANON:
        client.force_login(world.users[role])
    return client


def expected(role: str, village: str, ok: int = 200) -> int:
    if role in ENTERS[village]:
        return ok
    if role == ANON:
        return 302
    return 403 if role in SEES[village] else 404


def december(village: str) -> Decimal | None:
    value = DataValue.objects.filter(
        element__code="BIRTHS", period__code="200612", unit__code=village
    ).first()
    return value.value if value is not None else None


def leaks(role: str, text: str) -> list[str]:
    return [marker for marker in FORBIDDEN[role] if marker in text]


@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_enter_a_villages_figures_save_its_cells(world: World, role: str) -> None:
    response = client_for(world, role).post(
        "/entry/cell/BIRTHS/VA01/200612/", {"v:BIRTHS:200612": "2"}, **HTMX
    )

    assert response.status_code == expected(role, "VA01")
    assert december("VA01") == (Decimal(2) if role in ENTERS["VA01"] else None)
    assert leaks(role, response.content.decode()) == []


@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_enter_a_villages_figures_save_its_grid(world: World, role: str) -> None:
    response = client_for(world, role).post("/entry/MONTHLY/VA01/2006/", {"v:BIRTHS:200612": "2"})

    assert response.status_code == expected(role, "VA01", ok=302)
    assert december("VA01") == (Decimal(2) if role in ENTERS["VA01"] else None)
    assert leaks(role, response.content.decode()) == []


@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_enter_a_villages_figures_write_its_notes(world: World, role: str) -> None:
    value = DataValue.objects.get(element__code="BIRTHS", period__code="200603", unit__code="VA01")
    token = value.last_updated.isoformat()

    response = client_for(world, role).post(
        "/entry/note/BIRTHS/VA01/200603/", {"comment": "核实", "token": token}
    )

    assert response.status_code == expected(role, "VA01", ok=302)
    value.refresh_from_db()
    assert value.comment == ("核实" if role in ENTERS["VA01"] else "")


def test_a_reporter_who_edits_the_url_to_another_village_gets_404_and_nothing_of_it(
    world: World,
) -> None:
    reporter_b = client_for(world, "reporter_b")
    urls = [
        "/entry/MONTHLY/VA01/2006/",
        "/entry/MONTHLY/VA01/200603/",
        "/entry/cell/BIRTHS/VA01/200603/",
        "/entry/history/BIRTHS/VA01/200603/",
        "/entry/MONTHLY/2006/template.xlsx?units=VA01",
    ]
    for url in urls:
        response = reporter_b.get(url)
        assert response.status_code == 404, url
        assert leaks("reporter_b", response.content.decode()) == [], url
    assert reporter_b.post("/entry/MONTHLY/VA01/2006/", {"v:BIRTHS:200612": "9"}).status_code == 404
    assert december("VA01") is None


def sheets(response: object) -> list[str]:
    return load_workbook(io.BytesIO(response.content)).sheetnames  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ROLES)
def test_the_template_of_a_village_is_for_those_who_enter_its_figures(
    world: World, role: str
) -> None:
    response = client_for(world, role).get("/entry/MONTHLY/2006/template.xlsx?units=VA01")

    assert response.status_code == expected(role, "VA01")
    if response.status_code == 200:
        assert sheets(response)[0] == "甲家村"
        assert "乙家村" not in sheets(response)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("township_admin", 200),
        ("system_admin", 200),
        ("reporter_a", 404),  # 乙家村 is not theirs to see
        ("reporter_b", 404),
        ("reviewer", 403),  # sees both, enters neither
        ("other_township_admin", 404),
    ],
)
def test_a_template_of_several_villages_needs_every_one_of_them(
    world: World, role: str, status: int
) -> None:
    response = client_for(world, role).get("/entry/MONTHLY/2006/template.xlsx?units=VA01,VB01")

    assert response.status_code == status
    if status == 200:
        assert sheets(response)[:2] == ["甲家村", "乙家村"]


def test_a_reporter_uploading_another_villages_sheet_writes_nothing(world: World) -> None:
    book = load_workbook(
        io.BytesIO(
            build_template(
                DataSet.objects.get(code="MONTHLY"), "2006", [OrgUnit.objects.get(code="VA01")]
            )
        )
    )
    ws = book["甲家村"]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "BIRTHS")
    col = next(c for c in range(5, ws.max_column + 1) if ws.cell(1, c).value == "200612")
    ws.cell(row, col).value = 9
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("甲家村.xlsx", buffer.getvalue())

    response = client_for(world, "reporter_b").post("/entry/upload/", {"file": upload})

    assert response.status_code == 422
    assert "无权填报单位 VA01" in response.content.decode()
    assert december("VA01") is None
