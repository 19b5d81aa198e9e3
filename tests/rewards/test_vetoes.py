"""The consequences of a veto for officials, listed for the personnel office."""

from __future__ import annotations

import csv
import io

from django.test import Client
from openpyxl import load_workbook

from kaohe.assessments.services import do_run_assessment
from kaohe.contracts.models import Contract
from kaohe.rewards.selectors import veto_consequences, veto_lines

from .conftest import CONSEQUENCES, CONSOLE, YEAR, Town


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_vetoed_unit_lists_its_signatories_and_the_consequences(town: Town) -> None:
    rows = veto_consequences(None, town.run, everything=True)

    assert [r.result.unit.code for r in rows] == ["V3"]
    row = rows[0]
    assert [(v.code, v.name) for v in row.vetoes] == [("OVER_PLAN", "超计划生育")]
    assert list(row.consequences) == CONSEQUENCES
    assert [(o.code, o.role) for o in row.officials] == [
        ("V3_SEC", "村支书"),
        ("V3_DIR", "村主任"),
        ("T1_CADRE_C", "包村干部"),
    ]
    assert row.signed and row.applies_to == YEAR + 1
    lines = veto_lines(rows)
    assert [line[2] for line in lines] == ["V3_SEC", "V3_DIR", "T1_CADRE_C"]
    assert all(line[6] == "；".join(CONSEQUENCES) and line[7] == YEAR + 1 for line in lines)


def test_without_a_signed_contract_the_units_officials_are_listed(town: Town) -> None:
    Contract.objects.filter(unit__code="V3").update(status="draft")
    from kaohe.assessments.publishing import do_publish_run

    run = do_publish_run(
        do_run_assessment(town.scheme, YEAR, actor=CONSOLE, root=town.unit("T1")), CONSOLE
    )

    (row,) = veto_consequences(None, run, everything=True)
    assert not row.signed
    assert {o.code for o in row.officials} == {"V3_SEC", "V3_DIR"}


def test_a_draft_run_has_no_list(town: Town) -> None:
    draft = do_run_assessment(town.scheme, YEAR, actor=CONSOLE, root=town.unit("T1"))

    assert veto_consequences(None, draft, everything=True) == []


def test_each_user_sees_the_vetoed_units_they_may_see(town: Town, users: dict) -> None:
    assert len(veto_consequences(users["admin"], town.run)) == 1
    assert veto_consequences(users["reporter"], town.run) == []  # V1's reporter


def test_the_page_and_its_downloads(town: Town, users: dict) -> None:
    client = _client(users["reviewer"])

    page = client.get(f"/money/{town.run.pk}/vetoes/").content.decode()
    assert "三村" in page and "张三书" in page and CONSEQUENCES[1] in page

    workbook = client.get(f"/money/{town.run.pk}/vetoes.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == ["V3_SEC", "V3_DIR", "T1_CADRE_C"]

    text = b"".join(client.get(f"/money/{town.run.pk}/vetoes.csv").streaming_content)
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert len(lines) == 4 and lines[1][3] == "张三书" and lines[1][7] == str(YEAR + 1)


def test_the_api_lists_them(town: Town, users: dict) -> None:
    data = _client(users["admin"]).get("/api/money/vetoes/", {"run": town.run.pk}).json()

    assert [row["unit"] for row in data] == ["V3"]
    assert data[0]["consequences"] == CONSEQUENCES
    assert data[0]["applies_to"] == YEAR + 1
    assert [o["code"] for o in data[0]["officials"]] == ["V3_SEC", "V3_DIR", "T1_CADRE_C"]
    other = _client(users["other"]).get("/api/money/vetoes/", {"run": town.run.pk})
    assert other.status_code == 404
