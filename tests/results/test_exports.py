"""The ranking and the item explanations as CSV and XLSX: what the files hold and how they look."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.assessments.exports import neutralise
from kaohe.assessments.models import AssessmentRun, ItemResult, UnitResult
from kaohe.orgunits.models import OrgUnit

from .conftest import content_of, rows_of, sheet_of

pytestmark = pytest.mark.django_db

RANKING_HEADER = [
    "类型",
    "名次",
    "代码",
    "单位",
    "总分",
    "等次",
    "一票否决",
    "否决项",
    "待核实",
]
ITEMS_HEADER = [
    "代码",
    "单位",
    "项目代码",
    "考核项目",
    "分值",
    "实际值",
    "目标值",
    "得分",
    "标记",
    "说明",
]


@pytest.fixture
def clerk(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("clerk", password="x-long-password-1"))
    return client


@pytest.fixture
def run(demo_runs: dict[int, AssessmentRun]) -> AssessmentRun:
    return demo_runs[2006]


def csv_rows(response: object) -> list[list[str]]:
    text = content_of(response).decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, so that Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


# --- the ranking ---------------------------------------------------------------------------


def test_the_ranking_workbook_has_a_title_a_frozen_header_widths_and_number_formats(
    clerk: Client, run: AssessmentRun
) -> None:
    response = clerk.get(f"/results/{run.pk}/ranking.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        f'filename="ranking-VILLAGE_2006-2006-run{run.pk}.xlsx"' in response["Content-Disposition"]
    )
    sheet = sheet_of(response)
    title, header, *data = list(rows_of(sheet))
    assert run.scheme.name in str(title[0]) and "2006" in str(title[0])
    assert sheet["A1"].font.b and sheet["A2"].font.b
    assert list(header) == RANKING_HEADER
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["D"].width >= 20  # unit names
    assert sheet.column_dimensions["B"].width < sheet.column_dimensions["D"].width
    assert sheet.auto_filter.ref == f"A2:I{len(data) + 2}"
    assert sheet["B3"].number_format == "0" and sheet["E3"].number_format == "0.00"
    assert len(data) == run.unit_results.count() == 20


def test_the_ranking_workbook_holds_the_stored_results_in_ranking_order_with_veto_marks(
    clerk: Client, run: AssessmentRun
) -> None:
    data = list(rows_of(sheet_of(clerk.get(f"/results/{run.pk}/ranking.xlsx"))))[2:]
    stored = list(run.unit_results.select_related("unit").order_by("kind", "rank", "unit__path"))

    assert [row[2] for row in data] == [r.unit.code for r in stored]
    assert [Decimal(str(row[4])).quantize(Decimal("0.01")) for row in data] == [
        r.total for r in stored
    ]
    assert all(isinstance(row[1], int) and isinstance(row[4], int | float) for row in data)
    vetoed = {row[2]: row for row in data if row[6]}
    assert set(vetoed) == {"V11"}
    assert vetoed["V11"][0] == "村"
    assert vetoed["V11"][6] == "被否决" and vetoed["V11"][7] == "超计划生育"


def test_the_ranking_csv_holds_the_same_rows_as_the_workbook(
    clerk: Client, run: AssessmentRun
) -> None:
    response = clerk.get(f"/results/{run.pk}/ranking.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    workbook = list(rows_of(sheet_of(clerk.get(f"/results/{run.pk}/ranking.xlsx"))))[2:]
    assert header == RANKING_HEADER
    assert [row[2] for row in rows] == [row[2] for row in workbook]
    v11 = next(row for row in rows if row[2] == "V11")
    stored = UnitResult.objects.get(run=run, unit__code="V11")
    assert v11[4] == f"{stored.total:.2f}" and v11[6:8] == ["被否决", "超计划生育"]


# --- the item explanations -----------------------------------------------------------------


def test_the_items_workbook_explains_every_item_of_every_unit(
    clerk: Client, run: AssessmentRun
) -> None:
    sheet = sheet_of(clerk.get(f"/results/{run.pk}/items.xlsx"))
    title, header, *data = list(rows_of(sheet))

    assert list(header) == ITEMS_HEADER
    assert sheet.freeze_panes == "A3"
    assert sheet["J3"].alignment.wrap_text and sheet.column_dimensions["J"].width >= 60
    assert sheet["E3"].number_format == "0.00" and sheet["H3"].number_format == "0.00"
    assert len(data) == ItemResult.objects.filter(unit_result__run=run).count() == 300
    stored = ItemResult.objects.get(
        unit_result__run=run, unit_result__unit__code="V11", sort_order=0
    )
    row = next(r for r in data if r[0] == "V11" and r[2] == stored.item_code)
    assert row[3] == stored.item_name and row[9] == stored.explanation_zh
    assert Decimal(str(row[7])).quantize(Decimal("0.01")) == stored.score


def test_the_explanations_follow_the_readers_language(clerk: Client, run: AssessmentRun) -> None:
    clerk.post("/i18n/setlang/", {"language": "en"})
    ranking = csv_rows(clerk.get(f"/results/{run.pk}/ranking.csv"))
    rows = csv_rows(clerk.get(f"/results/{run.pk}/items.csv"))[1:]

    header, *units = ranking
    assert header[:5] == ["Type", "Rank", "Code", "Unit", "Total score"]
    v11 = next(r for r in units if r[2] == "V11")
    assert v11[6:8] == ["Vetoed", "Births over the plan"]

    stored = ItemResult.objects.get(
        unit_result__run=run, unit_result__unit__code="V11", sort_order=0
    )
    row = next(r for r in rows if r[0] == "V11" and r[2] == stored.item_code)
    assert row[9] == stored.explanation_en != stored.explanation_zh


def test_the_items_of_one_unit_can_be_downloaded_alone(clerk: Client, run: AssessmentRun) -> None:
    rows = csv_rows(clerk.get(f"/results/{run.pk}/items.csv?unit=V11"))[1:]

    assert len(rows) == 15 and {r[0] for r in rows} == {"V11"}
    assert clerk.get(f"/results/{run.pk}/items.csv?unit=NO_SUCH_UNIT").status_code == 404


# --- formulas and odd characters -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("甲家村", "甲家村"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_apostrophe(text: str, shown: str) -> None:
    assert neutralise(text) == shown


def test_a_formula_in_a_unit_name_stays_text_in_both_files(
    clerk: Client, run: AssessmentRun
) -> None:
    OrgUnit.objects.filter(code="V11").update(name='=HYPERLINK("http://evil","x")')
    OrgUnit.objects.filter(code="V12").update(name="-1+1")

    rows = csv_rows(clerk.get(f"/results/{run.pk}/ranking.csv"))[1:]
    names = {row[2]: row[3] for row in rows}
    assert names["V11"] == '\'=HYPERLINK("http://evil","x")' and names["V12"] == "'-1+1"

    sheet = sheet_of(clerk.get(f"/results/{run.pk}/ranking.xlsx"))
    cells = {row[2].value: row[3] for row in sheet.iter_rows(min_row=3)}
    assert cells["V11"].data_type == "s" and cells["V11"].value.startswith("'=")
    assert cells["V12"].data_type == "s" and cells["V12"].value == "'-1+1"


def test_control_characters_that_xlsx_cannot_hold_are_dropped(
    clerk: Client, run: AssessmentRun
) -> None:
    OrgUnit.objects.filter(code="V11").update(name="邓\x07屯村")

    sheet = sheet_of(clerk.get(f"/results/{run.pk}/ranking.xlsx"))

    assert "邓屯村" in [row[3] for row in rows_of(sheet)]


# --- query counts: the downloads read in a fixed number of queries -------------------------

# Committed baselines. A change that adds a query per row shows up here as hundreds more.
QUERIES = {
    "ranking.csv": 6,  # session, user, roles, run, vetoes, results
    "ranking.xlsx": 6,
    "items.csv": 5,  # session, user, roles, run, items
    "items.xlsx": 5,
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_download_reads_a_fixed_number_of_queries(
    clerk: Client, run: AssessmentRun, name: str, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(QUERIES[name]):  # type: ignore[operator]
        response = clerk.get(f"/results/{run.pk}/{name}")
        assert response.status_code == 200
        content_of(response)
