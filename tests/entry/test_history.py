"""A value's history (from the audit log) one click away, and its comment and follow-up flag."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from kaohe.audit.models import AuditEntry
from kaohe.datavalues.models import DataValue

from .conftest import SETUP, Place, cell_html, client_of, hidden, store

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY = "/entry/history/BIRTHS/V01/202601/"
NOTE = "/entry/note/BIRTHS/V01/202601/"


def test_the_history_lists_every_earlier_value_newest_first(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202601", "3")
    store("BIRTHS", "202601", "5")
    store("BIRTHS", "202601", "6", comment="补报")

    text = clerk.get(HISTORY).content.decode()

    rows = re.findall(r"<tr>\s*<td class=\"num\">.*?</tr>", text, re.S)
    assert len(rows) == 3
    changes = [re.findall(r'<td class="text-end num">([^<]*)<', row) for row in rows]
    assert changes == [["5", "6"], ["3", "5"], ["—", "3"]]
    assert "修改" in rows[0] and "新增" in rows[2]
    assert "备注：补报" in rows[0]
    assert SETUP.name in rows[0]


def test_the_history_is_a_page_without_javascript_and_a_fragment_for_the_popup(
    place: Place, clerk: Client
) -> None:
    store("BIRTHS", "202601", "3")

    page = clerk.get(HISTORY).content.decode()
    fragment = clerk.get(HISTORY, **HTMX).content.decode()

    assert "<html" in page and 'href="/entry/FP_MONTHLY/V01/2026/"' in page  # back to the grid
    assert "<html" not in fragment and fragment.startswith('<div class="kaohe-details">')
    assert "修改历史" in fragment and "出生人数" in fragment


def test_a_note_keeps_the_value_and_is_recorded(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202601", "3")
    token = hidden(clerk.get(HISTORY).content.decode(), "token")

    response = clerk.post(NOTE, {"comment": "含双胞胎", "follow_up": "on", "token": token})

    assert response.status_code == 302 and response["Location"] == HISTORY
    value = DataValue.objects.get()
    assert (value.value, value.comment, value.follow_up) == (Decimal(3), "含双胞胎", True)
    entry = AuditEntry.objects.filter(object_type="datavalue").first()
    assert entry is not None and entry.actor == "clerk"
    assert entry.after == {"value": "3", "comment": "含双胞胎", "follow_up": True}


def test_a_note_saved_from_the_popup_refreshes_the_grids_cell_with_its_new_token(
    place: Place, clerk: Client
) -> None:
    store("BIRTHS", "202601", "3")
    token = hidden(clerk.get(HISTORY, **HTMX).content.decode(), "token")

    response = clerk.post(NOTE, {"comment": "待核实", "token": token}, **HTMX)

    text = response.content.decode()
    assert response.status_code == 200 and "备注已保存" in text
    cell = cell_html(text, "BIRTHS", "202601")
    assert 'hx-swap-oob="true"' in cell and "<template>" in text
    assert hidden(cell, "t:BIRTHS:202601") == DataValue.objects.get().last_updated.isoformat()
    assert 'title="待核实"' in cell


def test_a_note_on_a_value_changed_meanwhile_is_refused_and_says_so(place: Place) -> None:
    store("BIRTHS", "202601", "3")
    clerk = client_of(place.clerk)
    token = hidden(clerk.get(HISTORY).content.decode(), "token")
    store("BIRTHS", "202601", "4")

    response = clerk.post(NOTE, {"comment": "含双胞胎", "token": token}, **HTMX)

    text = response.content.decode()
    assert response.status_code == 409
    assert "你的备注未保存" in text and "改为 4" in text
    assert DataValue.objects.get().comment == ""
    # The form keeps what was typed, now with the token of the value as it is.
    assert "含双胞胎" in text
    assert hidden(text, "token") == DataValue.objects.get().last_updated.isoformat()


def test_an_empty_cell_has_a_history_but_no_note_to_write(place: Place, clerk: Client) -> None:
    text = clerk.get(HISTORY).content.decode()

    assert "没有修改记录" in text
    assert 'name="comment"' not in text


def test_a_reviewer_reads_the_history_and_the_note_but_may_not_write_one(place: Place) -> None:
    store("BIRTHS", "202601", "3", comment="含双胞胎")
    reviewer = client_of(place.reviewer)

    text = reviewer.get(HISTORY).content.decode()
    response = reviewer.post(NOTE, {"comment": "改", "token": "x"})

    assert "含双胞胎" in text and 'name="comment"' not in text
    assert response.status_code == 403
    assert DataValue.objects.get().comment == "含双胞胎"


def test_another_villages_reporter_gets_404_for_the_history(place: Place) -> None:
    store("BIRTHS", "202601", "3", comment="含双胞胎")
    west = client_of(place.west_clerk)

    response = west.get(HISTORY)

    assert response.status_code == 404
    assert "含双胞胎" not in response.content.decode()
    assert west.post(NOTE, {"comment": "x", "token": "x"}).status_code == 404
