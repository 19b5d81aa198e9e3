"""The validation pages, the API and ``kaohe validate``: running, filtering, exporting and
marking for follow-up, each seen by who may see it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from kaohe.datavalues.models import DataValue
from kaohe.validation.models import ValidationResult, ValidationRun
from kaohe.validation.services import do_run_validation

from .conftest import CONSOLE, Township

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(figures: Township) -> ValidationRun:
    return do_run_validation(CONSOLE, figures.units["T01"], 2026)


def result_rows(html: str) -> int:
    return html.count("data-result=")


# --- pages ------------------------------------------------------------------------------------


def test_running_from_the_page_stores_a_run_and_shows_its_failures(figures: Township) -> None:
    client = figures.client("reviewer")

    response = client.post("/validation/run/", {"township": "T01", "year": "2026"})

    run = ValidationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/validation/?run={run.pk}"
    page = client.get(response["Location"]).content.decode()
    assert result_rows(page) == 4  # failures only, by default
    assert "符合政策生育数不能大于出生人数" in page and "未通过" in page


def test_the_page_filters_by_rule_importance_unit_period_and_status(
    figures: Township, run: ValidationRun
) -> None:
    client = figures.client("reviewer")

    def rows(**query: str) -> int:
        return result_rows(client.get("/validation/", {"run": run.pk, **query}).content.decode())

    assert rows() == 4
    assert rows(status="") == 73
    assert rows(status="passed") == 4
    assert rows(rule="POLICY_LE_BIRTHS") == 2
    assert rows(importance="medium") == 1
    assert rows(unit="V02") == 1
    assert rows(period="2026Q1") == 1
    assert rows(status="", unit="V02", period="2026") == 1
    assert rows(follow_up="1") == 0


def test_a_reporter_sees_only_their_own_units_results(
    figures: Township, run: ValidationRun
) -> None:
    page = figures.client("reporter").get("/validation/", {"status": ""}).content.decode()

    assert result_rows(page) == 12 * 2 + 4 + 1  # 东村's months, quarters and year
    assert "西村" not in page
    assert 'id="run-form"' not in page  # a reporter does not run checks
    assert "标为需跟进" not in page  # nor mark them


def test_another_townships_administrator_does_not_see_the_run(
    figures: Township, run: ValidationRun
) -> None:
    client = figures.client("other_admin")

    assert client.get("/validation/", {"run": run.pk}).status_code == 404
    assert "东村" not in client.get("/validation/").content.decode()


def test_a_reporter_may_not_run_checks(figures: Township) -> None:
    response = figures.client("reporter").post(
        "/validation/run/", {"township": "T01", "year": 2026}
    )

    assert response.status_code == 403
    assert not ValidationRun.objects.exists()


def test_a_bad_year_is_shown_and_runs_nothing(figures: Township) -> None:
    client = figures.client("reviewer")

    response = client.post("/validation/run/", {"township": "T01", "year": "12"}, follow=True)

    assert "年度" in response.content.decode()
    assert not ValidationRun.objects.exists()


def test_marking_for_follow_up_from_the_page(figures: Township, run: ValidationRun) -> None:
    client = figures.client("reviewer")
    result = ValidationResult.objects.get(run=run, status="failed", period__code="202602")

    response = client.post(
        f"/validation/results/{result.pk}/follow-up/",
        {"follow_up": "1", "next": f"/validation/?run={run.pk}"},
    )

    assert response.status_code == 302 and response["Location"] == f"/validation/?run={run.pk}"
    assert set(
        DataValue.objects.filter(follow_up=True).values_list("element__code", flat=True)
    ) == {"BIRTHS", "BIRTHS_POLICY"}
    page = client.get(response["Location"] + "&follow_up=1").content.decode()
    assert result_rows(page) == 1 and "取消跟进" in page


def test_a_reporter_cannot_mark_for_follow_up(figures: Township, run: ValidationRun) -> None:
    result = ValidationResult.objects.get(run=run, status="failed", period__code="202602")

    response = figures.client("reporter").post(f"/validation/results/{result.pk}/follow-up/")

    assert response.status_code == 403
    assert not DataValue.objects.filter(follow_up=True).exists()
    other = ValidationResult.objects.get(run=run, status="failed", unit__code="V02")
    assert (
        figures.client("reporter").post(f"/validation/results/{other.pk}/follow-up/").status_code
        == 404
    )


def test_the_exports_hold_the_filtered_results(figures: Township, run: ValidationRun) -> None:
    client = figures.client("reviewer")

    response = client.get("/validation/export.csv", {"run": run.pk, "unit": "V01"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["单位代码", "单位", "期间"]
    assert sorted((r[2], r[3]) for r in rows[1:]) == [
        ("202602", "POLICY_LE_BIRTHS"),
        ("202603", "POLICY_LE_BIRTHS"),
        ("2026Q1", "CONTRACEPTING_LE_MWRA"),
    ]

    response = client.get("/validation/export.xlsx", {"run": run.pk, "status": ""})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet.max_row == 2 + 73  # the title, the header and every result


def test_the_rules_page_lists_the_rules(township: Township) -> None:
    page = township.client("reporter").get("/validation/rules/").content.decode()

    assert page.count("data-rule=") == 4 and "#{BOYS} + #{GIRLS}" in page


# --- the API ----------------------------------------------------------------------------------


def test_the_api_runs_and_lists_results(figures: Township) -> None:
    client = figures.client("admin")

    created = client.post(
        "/api/validation-runs/",
        {"township": "T01", "year": 2026, "rule": "POLICY_LE_BIRTHS"},
        content_type="application/json",
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["failed"], body["rule"], body["township"]) == (2, "POLICY_LE_BIRTHS", "T01")
    listed = client.get("/api/validation-results/", {"run": body["id"], "status": "failed"}).json()
    assert [
        (r["unit"], r["period"], r["left_value"], r["right_value"]) for r in listed["results"]
    ] == [
        ("V01", "202602", 2.0, 1.0),
        ("V01", "202603", 1.0, 0.0),
    ]


def test_the_api_refuses_a_bad_run_naming_the_field(figures: Township) -> None:
    client = figures.client("admin")

    response = client.post(
        "/api/validation-runs/", {"township": "T01", "year": 1200}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "year"
    assert (
        client.post(
            "/api/validation-runs/",
            {"township": "T02", "year": 2026},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_the_api_marks_a_result_for_follow_up(figures: Township, run: ValidationRun) -> None:
    result = ValidationResult.objects.get(run=run, status="failed", unit__code="V02")

    response = figures.client("reviewer").post(
        f"/api/validation-results/{result.pk}/follow-up/",
        {"follow_up": True},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["result"]["follow_up"] is True
    assert sorted(body["values"]) == ["BIRTHS/202601/V02", "BOYS/202601/V02", "GIRLS/202601/V02"]
    forbidden = figures.client("west_reporter").post(
        f"/api/validation-results/{result.pk}/follow-up/", {}, content_type="application/json"
    )
    assert forbidden.status_code == 403


def test_the_api_shows_a_reporter_only_their_results(figures: Township, run: ValidationRun) -> None:
    client = figures.client("west_reporter")

    results = client.get("/api/validation-results/", {"run": run.pk}).json()
    assert {r["unit"] for r in results["results"]} == {"V02"}
    assert client.get("/api/validation-runs/").json()["count"] == 0
    assert client.get("/api/validation-rules/BOYS_GIRLS_EQ_BIRTHS/").json()["operator"] == (
        "equal_to"
    )


# --- the command line ---------------------------------------------------------------------------


def test_the_command_prints_the_failures(
    figures: Township, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("validate", "--township", "T01", "--year", "2026")

    out, err = capsys.readouterr()
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert sorted((line[1], line[2], line[3], line[5]) for line in lines) == [
        ("V01", "202602", "POLICY_LE_BIRTHS", "2 ≤ 1"),
        ("V01", "202603", "POLICY_LE_BIRTHS", "1 ≤ 0"),
        ("V01", "2026Q1", "CONTRACEPTING_LE_MWRA", "92 ≤ 90"),
        ("V02", "202601", "BOYS_GIRLS_EQ_BIRTHS", "3 = 2"),
    ]
    assert "4 failed" in err


def test_the_command_writes_a_file_and_marks_follow_up(
    figures: Township, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    call_command(
        "validate", "--township", "T01", "--year", "2026", "--rule", "BOYS_GIRLS_EQ_BIRTHS",
        "--all", "--output", str(target),
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1 + 30

    result = ValidationResult.objects.get(status="failed")
    call_command("validate", "--follow-up", str(result.pk))
    assert DataValue.objects.filter(follow_up=True).count() == 3
    call_command("validate", "--follow-up", str(result.pk), "--clear")
    assert not DataValue.objects.filter(follow_up=True).exists()


def test_the_command_refuses_bad_input(township: Township) -> None:
    with pytest.raises(CommandError, match="T99"):
        call_command("validate", "--township", "T99", "--year", "2026")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("validate", "--township", "T01", "--year", "2026", "--rule", "NOPE")
    with pytest.raises(CommandError, match=".csv"):
        call_command("validate", "--township", "T01", "--year", "2026", "--output", "x.txt")
    with pytest.raises(CommandError):
        call_command("validate", "--year", "2026")
    assert not ValidationRun.objects.exists()


def test_the_command_lists_the_rules(
    township: Township, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("validate", "--rules")

    out = capsys.readouterr().out
    assert "#{BOYS} + #{GIRLS} = #{BIRTHS}" in out and out.count("\n") == 4


def test_a_reporters_workbook_holds_only_their_own_unit(
    figures: Township, run: ValidationRun
) -> None:
    client = figures.client("west_reporter")

    response = client.get("/validation/export.xlsx", {"run": run.pk, "status": ""})

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    units = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert units == {"V02"}
    assert client.get("/validation/export.xlsx", {"run": 999999}).status_code == 404


def test_the_data_set_api_says_whether_validation_is_required(township: Township) -> None:
    client = township.client("reporter")

    assert client.get("/api/datasets/MONTHLY/").json()["validation_required"] is True
    assert client.get("/api/datasets/CHECK/").json()["validation_required"] is False
