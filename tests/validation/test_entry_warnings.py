"""Validation warnings in the entry grid: beside the cells of both sides of a failing rule, in
the list above the grid, and brought up to date after each cell is saved (HTMX, out of band)."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kaohe.datavalues.services import do_import_values
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from tests.entry.conftest import cell_html, tokens

from .conftest import CONSOLE, Township

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
GRID = "/entry/MONTHLY/V01/2026/"
POLICY = "符合政策生育数不能大于出生人数"


def warnings_of(html: str, element: str, period: str) -> str:
    """The text of the warnings box of one cell (empty when it is hidden)."""
    match = re.search(
        rf'<div class="kaohe-rule" id="c-{element}-{period}-w"[^>]*>(.*?)</div>\s*</div>|'
        rf'<div class="kaohe-rule" id="c-{element}-{period}-w"[^>]*hidden></div>',
        html,
        re.S,
    )
    assert match, f"no warnings box for {element} {period}"
    return match.group(1) or ""


def test_the_grid_shows_a_failing_rule_beside_the_cells_of_both_sides(
    figures: Township,
) -> None:
    page = figures.client("reporter").get(GRID).content.decode()

    assert POLICY in warnings_of(
        cell_html(page, "BIRTHS_POLICY", "202602"), "BIRTHS_POLICY", "202602"
    )
    assert POLICY in warnings_of(cell_html(page, "BIRTHS", "202602"), "BIRTHS", "202602")
    assert "2 ≤ 1" in cell_html(page, "BIRTHS", "202602")
    # Not beside the cells of a month where it holds, nor beside an element it does not read.
    assert warnings_of(cell_html(page, "BIRTHS", "202601"), "BIRTHS", "202601") == ""
    assert warnings_of(cell_html(page, "BOYS", "202602"), "BOYS", "202602") == ""
    summary = re.search(r'<div id="rule-summary">.*?</ul>', page, re.S)
    assert summary and summary.group(0).count("<li>") == 2  # February and March
    assert "此报表须通过校验" in page


def test_a_grid_without_failures_shows_no_list(township: Township) -> None:
    page = township.client("reporter").get(GRID).content.decode()

    assert '<div id="rule-summary"></div>' in page
    assert "kaohe-rule-msg" not in page


def test_saving_a_cell_updates_the_warnings_of_its_column(figures: Township) -> None:
    client = figures.client("reporter")
    page = client.get(GRID).content.decode()
    form = tokens(page, "BIRTHS", "202602")

    # Correct February's births to 2: 2 policy births of 2 hold, but now boys (1) and girls
    # (none, read as 0) no longer add up to the births.
    response = client.post(
        "/entry/cell/BIRTHS/V01/202602/", {**form, "v:BIRTHS:202602": "2"}, **HTMX
    )

    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.startswith('<td id="c-BIRTHS-202602"')
    own = warnings_of(fragment, "BIRTHS", "202602")
    assert POLICY not in own and "男婴数与女婴数之和应等于出生人数" in own and "1 = 2" in own
    policy = re.search(r'<div class="kaohe-rule" id="c-BIRTHS_POLICY-202602-w"[^>]*>', fragment)
    assert policy and 'hx-swap-oob="true"' in policy.group(0) and "hidden" in policy.group(0)
    girls = re.search(r'<div class="kaohe-rule" id="c-GIRLS-202602-w"[^>]*>', fragment)
    assert girls and "hidden" not in girls.group(0)
    # Only this column's boxes are sent; the list above the grid covers the whole year.
    assert 'id="c-BIRTHS_POLICY-202603-w"' not in fragment
    summary = re.search(r'<div id="rule-summary" hx-swap-oob="true">.*?</ul>', fragment, re.S)
    assert summary and summary.group(0).count("<li>") == 2  # February's sum, March's policy


def test_saving_a_wrong_value_shows_the_warning_beside_both_cells(figures: Township) -> None:
    client = figures.client("reporter")
    page = client.get(GRID).content.decode()
    form = tokens(page, "BIRTHS_POLICY", "202601")

    response = client.post(
        "/entry/cell/BIRTHS_POLICY/V01/202601/", {**form, "v:BIRTHS_POLICY:202601": "5"}, **HTMX
    )

    fragment = response.content.decode()
    assert POLICY in warnings_of(fragment, "BIRTHS_POLICY", "202601")
    births = re.search(
        r'<div class="kaohe-rule" id="c-BIRTHS-202601-w"[^>]*hx-swap-oob="true"[^>]*>(.*?)</div>\s*</div>',
        fragment,
        re.S,
    )
    assert births and POLICY in births.group(1) and "5 ≤ 3" in births.group(1)


def test_the_grid_reads_a_fixed_number_of_times_with_rules_whatever_its_size(
    figures: Township,
) -> None:
    client = figures.client("reporter")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(GRID).status_code == 200
        return len(queries)

    small = count()
    monthly = DataSet.objects.get(code="MONTHLY")
    extra = DataElement.objects.bulk_create(
        DataElement(code=f"EXTRA_{i}", name=f"附加{i}", value_type="integer") for i in range(30)
    )
    DataSetElement.objects.bulk_create(
        DataSetElement(dataset=monthly, element=e, sort_order=10 + i) for i, e in enumerate(extra)
    )
    lines = ["dataelement,period,orgunit,catoptcombo,attroptcombo,value"]
    lines += [f"EXTRA_{i},2026{m:02d},V01,,,{m}" for i in range(30) for m in range(1, 13)]
    assert do_import_values(io.BytesIO("\n".join(lines).encode()), actor=CONSOLE, fmt="csv").ok

    assert count() == small


def test_a_reviewer_sees_the_warnings_read_only(figures: Township) -> None:
    page = figures.client("reviewer").get(GRID).content.decode()

    assert 'name="v:' not in page
    assert POLICY in cell_html(page, "BIRTHS", "202603")


def test_a_clerk_of_another_unit_cannot_reach_the_grid(figures: Township) -> None:
    client: Client = figures.client("west_reporter")

    assert client.get(GRID).status_code == 404
