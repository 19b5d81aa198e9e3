"""Saving the whole grid with a plain form POST (no JavaScript): every changed value, or none,
with each problem beside its cell."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from kaohe.audit.models import AuditEntry
from kaohe.datavalues.models import DataValue

from .conftest import Place, cell_html, client_of, grid_url, hidden, store

pytestmark = pytest.mark.django_db


def page_form(html: str) -> dict[str, str]:
    """Every input the grid form would post, as the page holds it."""
    start = html.index('<form method="post"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input[^>]* name="([^"]+)" value="([^"]*)"', form)) | dict(
        re.findall(r'<input name="([^"]+)" value="([^"]*)"', form)
    )


def values() -> dict[str, Decimal]:
    return {
        f"{v.element.code}:{v.period.code}": v.value
        for v in DataValue.objects.select_related("element", "period")
    }


def test_a_whole_grid_is_saved_in_one_post(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202601", "3")
    form = page_form(clerk.get(grid_url()).content.decode())
    form |= {"v:BIRTHS:202601": "4", "v:BIRTHS:202602": "2", "v:CONTRA_RATE:202601": "95"}

    response = clerk.post(grid_url(), form, follow=True)

    assert response.redirect_chain == [(grid_url(), 302)]
    assert "已保存 3 个值" in response.content.decode()
    assert values() == {
        "BIRTHS:202601": Decimal(4),
        "BIRTHS:202602": Decimal(2),
        "CONTRA_RATE:202601": Decimal(95),
    }
    # One row per change; the untouched cells wrote nothing.
    assert AuditEntry.objects.filter(actor="clerk", object_type="datavalue").count() == 3


def test_one_bad_cell_saves_nothing_and_every_problem_is_shown_beside_its_cell(
    place: Place, clerk: Client
) -> None:
    store("BIRTHS", "202601", "3")
    form = page_form(clerk.get(grid_url()).content.decode())
    form |= {
        "v:BIRTHS:202601": "4",  # fine
        "v:BIRTHS:202602": "-2",  # negative count
        "v:CONTRA_RATE:202601": "120",  # percentage over 100
        "v:HAS_PLAN:202601": "1",  # fine
    }

    response = clerk.post(grid_url(), form)

    text = response.content.decode()
    assert response.status_code == 422
    assert "未保存任何数据：2 处需要处理" in text
    assert "计数不能为负数" in cell_html(text, "BIRTHS", "202602")
    assert "百分比须在 0–100 之间" in cell_html(text, "CONTRA_RATE", "202601")
    # Nothing was written, and the page keeps everything as typed.
    assert values() == {"BIRTHS:202601": Decimal(3)}
    assert AuditEntry.objects.filter(actor="clerk", object_type="datavalue").count() == 0
    assert hidden(text, "v:BIRTHS:202601") == "4"
    assert hidden(text, "v:HAS_PLAN:202601") == "1"
    # The 合计 adds up what the page holds and the server would take: 4, not -2 nor 3.
    assert re.search(r"data-total>4<", text)


def test_a_conflict_in_a_grid_saves_nothing_and_shows_both_values(place: Place) -> None:
    store("BIRTHS", "202601", "3")
    mine, theirs = client_of(place.clerk), client_of(place.colleague)
    my_form = page_form(mine.get(grid_url()).content.decode())
    their_form = page_form(theirs.get(grid_url()).content.decode())
    theirs.post(grid_url(), their_form | {"v:BIRTHS:202601": "5"})

    response = mine.post(grid_url(), my_form | {"v:BIRTHS:202601": "7", "v:BIRTHS:202602": "1"})

    text = response.content.decode()
    assert response.status_code == 409
    assert "你的值 7，已被 colleague 于" in cell_html(text, "BIRTHS", "202601")
    assert values() == {"BIRTHS:202601": Decimal(5)}  # theirs stands, and 202602 waits too

    # Saving the refused page again, as it is, overwrites nothing.
    again = page_form(text)
    assert mine.post(grid_url(), again).status_code == 409
    assert values() == {"BIRTHS:202601": Decimal(5)}

    # Keeping theirs saves the rest; choosing mine instead would overwrite theirs.
    response = mine.post(grid_url(), again | {"take": "BIRTHS:202601"})
    assert response.status_code == 302
    assert values() == {"BIRTHS:202601": Decimal(5), "BIRTHS:202602": Decimal(1)}


def test_overwriting_from_the_refused_page_is_explicit(place: Place) -> None:
    store("BIRTHS", "202601", "3")
    mine, theirs = client_of(place.clerk), client_of(place.colleague)
    my_form = page_form(mine.get(grid_url()).content.decode())
    theirs.post(
        grid_url(), page_form(theirs.get(grid_url()).content.decode()) | {"v:BIRTHS:202601": "5"}
    )
    refused = mine.post(grid_url(), my_form | {"v:BIRTHS:202601": "7"}).content.decode()

    response = mine.post(grid_url(), page_form(refused) | {"overwrite": "BIRTHS:202601"})

    assert response.status_code == 302
    assert values() == {"BIRTHS:202601": Decimal(7)}


def test_a_cell_someone_else_changed_but_this_editor_did_not_touch_is_no_conflict(
    place: Place,
) -> None:
    store("BIRTHS", "202601", "3")
    mine, theirs = client_of(place.clerk), client_of(place.colleague)
    my_form = page_form(mine.get(grid_url()).content.decode())
    theirs.post(
        grid_url(), page_form(theirs.get(grid_url()).content.decode()) | {"v:BIRTHS:202601": "5"}
    )

    response = mine.post(grid_url(), my_form | {"v:BIRTHS:202602": "1"})

    assert response.status_code == 302
    assert values() == {"BIRTHS:202601": Decimal(5), "BIRTHS:202602": Decimal(1)}


def test_saving_an_unchanged_grid_writes_nothing(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202601", "3")
    form = page_form(clerk.get(grid_url()).content.decode())

    response = clerk.post(grid_url(), form, follow=True)

    assert "没有修改" in response.content.decode()
    assert AuditEntry.objects.filter(actor="clerk", object_type="datavalue").count() == 0


def test_a_reviewer_may_not_save_a_grid(place: Place) -> None:
    reviewer = client_of(place.reviewer)

    response = reviewer.post(grid_url(), {"v:BIRTHS:202601": "4"})

    assert response.status_code == 403
    assert not DataValue.objects.exists()


def test_a_reporter_posting_to_another_villages_grid_gets_404_and_writes_nothing(
    place: Place,
) -> None:
    response = client_of(place.west_clerk).post(grid_url(), {"v:BIRTHS:202601": "4"})

    assert response.status_code == 404
    assert "东村" not in response.content.decode()
    assert not DataValue.objects.exists()
