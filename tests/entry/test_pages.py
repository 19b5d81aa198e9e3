"""The chooser and the form: Chinese labels, the year grid of a monthly data set, stored values
filled in, and what is not a form at all."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from kaohe.orgunits.models import OrgUnit, UnitKind

from .conftest import Place, cell_html, client_of, grid_url, hidden, store

pytestmark = pytest.mark.django_db


def test_the_year_grid_has_the_months_as_columns_and_the_elements_as_rows(
    place: Place, clerk: Client
) -> None:
    text = clerk.get(grid_url("2026")).content.decode()

    assert "计划生育月报" in text and "东村" in text and "2026年" in text
    headings = re.findall(r'<th scope="col" id="h-(\d+)"[^>]*>([^<]+)<', text)
    assert headings == [(f"2026{m:02d}", f"{m}月") for m in range(1, 13)]
    assert ">合计<" in text
    rows = re.findall(r'<th scope="row" id="r-(\w+)"[^>]*>([^<]+)<', text)
    assert rows == [
        ("BIRTHS", "出生人数"),
        ("CONTRA_RATE", "综合避孕率"),
        ("AVG_POP", "平均人口"),
        ("HAS_PLAN", "是否制定帮促方案"),
    ]
    assert "非负整数" in text and "百分比 0–100" in text


def test_stored_values_are_filled_in_and_a_sum_row_shows_its_total(
    place: Place, clerk: Client
) -> None:
    store("BIRTHS", "202601", "3")
    store("BIRTHS", "202602", "4")
    store("CONTRA_RATE", "202601", "92.5")

    text = clerk.get(grid_url("2026")).content.decode()

    assert hidden(text, "v:BIRTHS:202601") == "3"
    assert hidden(text, "v:BIRTHS:202602") == "4"
    assert hidden(text, "v:BIRTHS:202603") == ""
    assert hidden(text, "v:CONTRA_RATE:202601") == "92.5"
    births = re.search(r'<tr data-type="integer" data-sums>.*?</tr>', text, re.S)
    assert births and re.search(r"data-total>7<", births.group(0))
    # An average is not added up over the months.
    rate = re.search(r'<tr data-type="percentage">.*?</tr>', text, re.S)
    assert rate and "data-total" not in rate.group(0)


def test_a_stored_value_carries_its_token_and_a_link_to_its_history(
    place: Place, clerk: Client
) -> None:
    store("BIRTHS", "202601", "3")

    text = clerk.get(grid_url("2026")).content.decode()

    assert hidden(text, "t:BIRTHS:202601").startswith("20")
    assert hidden(text, "o:BIRTHS:202601") == "3"
    assert 'href="/entry/history/BIRTHS/V01/202601/"' in cell_html(text, "BIRTHS", "202601")
    # An empty cell has neither: the editor saw no value there.
    assert hidden(text, "t:BIRTHS:202602") == ""
    assert "/entry/history/" not in cell_html(text, "BIRTHS", "202602")


def test_a_month_of_a_monthly_data_set_is_a_form_of_one_column(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202603", "2")

    text = clerk.get(grid_url("202603")).content.decode()

    assert "2026年3月" in text
    assert re.findall(r'<th scope="col" id="h-(\d+)"', text) == ["202603"]
    assert ">合计<" not in text
    assert hidden(text, "v:BIRTHS:202603") == "2"


def test_the_grid_offers_the_previous_and_next_year_and_the_excel_template(
    place: Place, clerk: Client
) -> None:
    text = clerk.get(grid_url("2026")).content.decode()

    assert 'href="/entry/FP_MONTHLY/V01/2025/"' in text
    assert 'href="/entry/FP_MONTHLY/V01/2027/"' in text
    assert 'href="/entry/FP_MONTHLY/2026/template.xlsx?units=V01"' in text


@pytest.mark.parametrize(
    "url",
    [
        grid_url("2026Q5"),  # not a period
        grid_url("20260301"),  # a day: shorter than the data set's month
        grid_url("2026", unit="T01"),  # a township does not report a village data set
        grid_url("2026", dataset="NO_SUCH_SET"),
        grid_url("2026", unit="NO_SUCH_UNIT"),
    ],
)
def test_what_is_not_a_form_is_not_found(place: Place, url: str) -> None:
    assert client_of(place.admin).get(url).status_code == 404


def test_a_unit_closed_before_a_month_shows_that_month_read_only_with_the_reason(
    place: Place, clerk: Client
) -> None:
    place.east.closed_date = date(2026, 6, 30)
    place.east.save()

    text = clerk.get(grid_url("2026")).content.decode()

    assert 'name="v:BIRTHS:202606"' in text
    july = cell_html(text, "BIRTHS", "202607")
    assert "<input" not in july
    assert "单位已于 2026-06-30 撤销" in july


def test_a_reviewer_sees_the_grid_read_only(place: Place) -> None:
    store("BIRTHS", "202601", "3")

    text = client_of(place.reviewer).get(grid_url("2026")).content.decode()

    assert "只读" in text
    assert 'name="v:' not in text
    assert "data-v>3<" in cell_html(text, "BIRTHS", "202601")
    assert "全部保存" not in text


def test_the_chooser_offers_only_the_units_the_user_may_enter(place: Place) -> None:
    clerk_page = client_of(place.clerk).get("/entry/").content.decode()
    admin_page = client_of(place.admin).get("/entry/").content.decode()
    reviewer_page = client_of(place.reviewer).get("/entry/").content.decode()

    assert "东村" in clerk_page and "西村" not in clerk_page
    assert "东村" in admin_page and "西村" in admin_page and "城关镇" not in admin_page
    assert "你没有可以填报数据的单位" in reviewer_page


def test_the_chooser_opens_the_chosen_form(place: Place, clerk: Client) -> None:
    response = clerk.get(
        "/entry/", {"go": "form", "dataset": "FP_MONTHLY", "unit": "V01", "period": "2026"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/entry/FP_MONTHLY/V01/2026/"


def test_the_chooser_says_what_is_wrong_with_a_period(place: Place, clerk: Client) -> None:
    response = clerk.get(
        "/entry/", {"go": "form", "dataset": "FP_MONTHLY", "unit": "V01", "period": "2026Q5"}
    )

    assert response.status_code == 200
    assert "季度须为 1–4" in response.content.decode()


def test_the_chooser_does_not_open_another_villages_form(place: Place, clerk: Client) -> None:
    response = clerk.get(
        "/entry/", {"go": "form", "dataset": "FP_MONTHLY", "unit": "V02", "period": "2026"}
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "西村" not in text
    assert "有效的选项" in text  # Django's "select a valid choice"


def test_the_chooser_sends_a_template_request_to_the_download(
    place: Place,
) -> None:
    response = client_of(place.admin).get(
        "/entry/",
        {
            "go": "template",
            "xlsx-dataset": "FP_MONTHLY",
            "xlsx-period": "2026",
            "xlsx-units": ["V01", "V02"],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/entry/FP_MONTHLY/2026/template.xlsx?units=V01%2CV02"


def test_a_unit_of_a_kind_without_data_sets_is_not_offered(place: Place) -> None:
    OrgUnit.objects.create(
        code="D01", name="卫生院", kind=UnitKind.DIRECT_UNIT, parent=place.township
    )

    text = client_of(place.admin).get("/entry/").content.decode()

    assert "卫生院" not in text


def test_a_reporter_submits_a_month_from_the_year_grid(place: Place, clerk: Client) -> None:
    from kaohe.submissions.models import Submission

    text = clerk.get(grid_url("2026")).content.decode()
    submit = text[text.index('action="/submissions/submit/"') :]
    assert 'name="dataset" value="FP_MONTHLY"' in submit
    assert 'name="unit" value="V01"' in submit
    assert '<option value="202603">' in submit

    store("BIRTHS", "202603", "2")
    response = clerk.post(
        "/submissions/submit/", {"dataset": "FP_MONTHLY", "unit": "V01", "period": "202603"}
    )

    assert response.status_code == 302
    submission = Submission.objects.get(unit__code="V01", period__code="202603")
    assert submission.status == "submitted"
