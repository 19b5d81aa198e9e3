"""The completeness grid as a page, downloads, the API and the command line, for each role.

The township and its reports are described in completeness_world.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.datavalues.models import Period
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.models import Status, Submission

from .completeness_world import CONSOLE, Township, build, local

pytestmark = pytest.mark.django_db

PAGE = "/submissions/completeness/"
API = "/api/completeness/"
T9_2025 = {"township": "T9", "year": "2025"}

# user name → (role, unit)
ROLES = {
    "township_admin": (Role.TOWNSHIP_ADMIN, "T9"),
    "reporter_a": (Role.REPORTER, "VA"),
    "other_admin": (Role.TOWNSHIP_ADMIN, "T8"),
    "county_viewer": (Role.COUNTY_VIEWER, "C9"),
}


@pytest.fixture
def town(tmp_path: Path) -> Township:
    return build(tmp_path)


def client(town: Township, name: str) -> Client:
    user = User.objects.create_user(name)
    if name in ROLES:
        role, unit = ROLES[name]
        do_grant_role(CONSOLE, user, role, town.units[unit])
    signed_in = Client()
    signed_in.force_login(user)
    return signed_in


def text(response: object) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return response.content.decode()  # type: ignore[attr-defined]


# --- the page --------------------------------------------------------------------------------


def test_the_township_administrator_sees_the_grid_of_the_township(town: Township) -> None:
    response = client(town, "township_admin").get(PAGE, T9_2025)

    assert response.status_code == 200
    page = text(response)
    for name in ("东村", "西村", "南村", "卫生院", "月报", "季报"):
        assert name in page
    assert "外村" not in page and "北村" not in page
    # 18 of 21 monthly reports received (85.7 %), 16 on time (76.2 %)
    assert "85.7%" in page and "76.2%" in page
    monthly = page.split('data-grid="MONTHLY"')[1].split("</table>")[0]
    assert monthly.count('data-state="missing"') == 3
    assert monthly.count('data-state="late"') == 2
    assert monthly.count('data-state="on_time"') == 16
    # a received report links to its submission
    late = town.submissions[("MONTHLY", "VA", "202502")]
    assert f'href="/submissions/{late.pk}/"' in monthly


def test_a_reporter_sees_their_own_village_and_not_the_township(town: Township) -> None:
    reporter = client(town, "reporter_a")

    own = text(reporter.get(PAGE, {"year": "2025"}))
    assert "东村" in own and "西村" not in own and "卫生院" not in own
    assert reporter.get(PAGE, T9_2025).status_code == 404
    assert reporter.get(PAGE, {"township": "VB", "year": "2025"}).status_code == 404


def test_another_townships_administrator_gets_404(town: Township) -> None:
    other = client(town, "other_admin")
    assert other.get(PAGE, T9_2025).status_code == 404
    assert other.get(PAGE + "?township=T9&year=2025&dataset=NOPE").status_code == 404
    page = text(other.get(PAGE, {"year": "2025"}))
    assert "外村" in page and "东村" not in page


def test_a_bad_year_is_answered_400_naming_the_field(town: Township) -> None:
    response = client(town, "township_admin").get(PAGE, {"township": "T9", "year": "20x5"})
    assert response.status_code == 400
    assert "年份（year）" in text(response)


def test_a_user_without_a_role_is_told_there_is_nothing_to_see(town: Township) -> None:
    response = client(town, "nobody").get(PAGE)
    assert response.status_code == 200
    assert "东村" not in text(response)


# --- downloads -------------------------------------------------------------------------------


def test_the_summary_downloads_as_csv_with_a_row_per_unit_and_the_total(town: Township) -> None:
    response = client(town, "township_admin").get("/submissions/completeness.csv", T9_2025)

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    monthly = [r for r in rows[1:] if r[0] == "MONTHLY"]
    assert [r[2:] for r in monthly] == [
        ["VA", "东村", "12", "10", "9", "1", "2", "0", "83.3", "75.0"],
        ["VB", "西村", "6", "6", "5", "1", "0", "0", "100.0", "83.3"],
        ["VC", "南村", "3", "2", "2", "0", "1", "0", "66.7", "66.7"],
        ["", "合计", "21", "18", "16", "2", "3", "0", "85.7", "76.2"],
    ]


def test_every_cell_downloads_as_a_workbook_within_the_readers_reach(town: Township) -> None:
    response = client(town, "reporter_a").get(
        "/submissions/completeness.xlsx", {"year": "2025", "what": "cells"}
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert {r[2] for r in rows} == {"VA"}
    assert (
        "MONTHLY",
        "月报",
        "VA",
        "东村",
        "202502",
        "2025-03-03",
        "2025-03-04",
        "late",
        "逾期",
    ) in (rows)
    assert len(rows) == 12 + 4  # a cell per month and per quarter

    summary = client(town, "township_admin").get("/submissions/completeness.xlsx", T9_2025)
    sheet = load_workbook(io.BytesIO(b"".join(summary.streaming_content))).active
    total = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[3] == "合计")
    assert total[4:] == (21, 18, 16, 2, 3, 0, 85.7, 76.2)


def test_downloads_are_refused_outside_the_readers_reach(town: Township) -> None:
    reporter = client(town, "reporter_a")
    assert reporter.get("/submissions/completeness.csv", T9_2025).status_code == 404
    bad = reporter.get("/submissions/completeness.xlsx", {"year": "x"})
    assert bad.status_code == 400


# --- the API ---------------------------------------------------------------------------------


def test_the_api_gives_the_grid_and_its_totals(town: Township) -> None:
    data = client(town, "county_viewer").get(API, {**T9_2025, "dataset": "MONTHLY"}).json()

    assert (data["township"], data["year"]) == ("T9", 2025)
    [monthly] = data["datasets"]
    assert monthly["periods"][0] == "202501" and len(monthly["periods"]) == 12
    assert [u["unit"] for u in monthly["units"]] == ["VA", "VB", "VC"]
    va = monthly["units"][0]
    assert va["cells"][1] == {
        "period": "202502",
        "due": "2025-03-03",
        "state": "late",
        "received_on": "2025-03-04",
        "submission": town.submissions[("MONTHLY", "VA", "202502")].pk,
    }
    assert va["totals"]["reporting_rate_on_time"] == "75.0"
    assert monthly["totals"]["expected"] == 21
    assert monthly["totals"]["reporting_rate"] == "85.7"
    assert monthly["period_totals"][2] == {
        "period": "202503",
        "expected": 2,
        "actual": 0,
        "on_time": 0,
        "late": 0,
        "missing": 2,
        "not_due": 0,
        "reporting_rate": "0.0",
        "reporting_rate_on_time": "0.0",
    }
    assert data["totals"]["expected"] == 21


def test_the_api_refuses_what_the_user_may_not_see_and_a_bad_year(town: Township) -> None:
    assert client(town, "reporter_a").get(API, T9_2025).status_code == 404
    reporter = client(town, "reporter_b_like")  # no role at all
    assert reporter.get(API).status_code == 404
    admin = client(town, "township_admin")
    response = admin.get(API, {"township": "T9", "year": "0"})
    assert response.status_code == 400 and "year" in response.json()
    assert Client().get(API, T9_2025).status_code == 403


def test_the_endpoint_is_in_the_openapi_schema(town: Township) -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/completeness/" in schema and "reporting_rate_on_time" in schema


# --- the command line ------------------------------------------------------------------------


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("completeness", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_prints_a_grid_per_data_set(town: Township) -> None:
    lines = command("--township", "T9", "--year", "2025").splitlines()
    va = next(line for line in lines if line.startswith("VA\t")).split("\t")
    assert va[1:13] == ["✓", "!", "✗", "✓", "✓", "✓", "✓", "✓", "✓", "✓", "✗", "✓"]
    assert va[13:] == ["12", "10", "9", "83.3%", "75.0%"]
    assert any(line.startswith("合计\t2/2\t2/2\t0/2") for line in lines)


def test_the_command_writes_csv_and_json(town: Township) -> None:
    rows = list(
        csv.reader(
            io.StringIO(
                command(
                    "--township", "T9", "--year", "2025", "--format", "csv", "--dataset", "MONTHLY"
                )
            )
        )
    )
    assert rows[-1][2:] == ["", "合计", "21", "18", "16", "2", "3", "0", "85.7", "76.2"]
    cells = command("--township", "T9", "--year", "2025", "--format", "csv", "--cells")
    assert len(cells.strip().splitlines()) == 1 + 3 * 12 + 5 * 4  # every cell, owed or not
    data = json.loads(command("--township", "T9", "--year", "2025", "--format", "json"))
    assert [d["dataset"] for d in data["datasets"]] == ["MONTHLY", "QUARTERLY"]


def test_the_command_names_what_it_cannot_find(town: Township) -> None:
    with pytest.raises(CommandError, match="no unit with code NOPE"):
        command("--township", "NOPE", "--year", "2025")
    with pytest.raises(CommandError, match="no data set with code NOPE"):
        command("--township", "T9", "--year", "2025", "--dataset", "NOPE")
    with pytest.raises(CommandError, match="year must be"):
        command("--township", "T9", "--year", "twenty")


def test_the_page_reads_the_same_number_of_queries_however_many_villages(
    town: Township,
) -> None:
    admin = client(town, "township_admin")
    admin.get(PAGE, T9_2025)  # the session and the scope are read once
    with CaptureQueriesContext(connection) as small:
        admin.get(PAGE, T9_2025)
    for k in range(5):
        village = OrgUnit.objects.create(
            code=f"VN{k}", name=f"新村{k}", kind="village", parent=town.units["T9"]
        )
        Submission.objects.create(
            dataset=town.datasets["MONTHLY"],
            unit=village,
            period=Period.objects.get_or_create_code("202501"),
            status=Status.SUBMITTED,
            submitted_at=local(date(2025, 2, 1)),
        )
    with CaptureQueriesContext(connection) as large:
        response = admin.get(PAGE, T9_2025)
    assert "新村4" in text(response)
    assert len(large.captured_queries) == len(small.captured_queries)
