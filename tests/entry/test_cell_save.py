"""Saving one cell as it loses focus (the HTMX request): stored with an audit row, refused with
the reason beside the cell, and a second editor's save refused as a conflict that shows both
values, never silently overwriting the first."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from kaohe.audit.models import AuditEntry, Channel
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataSet

from .conftest import Place, cell_html, cell_url, client_of, grid_url, hidden, store, tokens

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def stored(element: str = "BIRTHS", period: str = "202601", unit: str = "V01") -> Decimal | None:
    value = DataValue.objects.filter(
        element__code=element, period__code=period, unit__code=unit
    ).first()
    return value.value if value is not None else None


def save(client: Client, element: str, period: str, form: dict[str, str], value: str) -> str:
    """Type ``value`` into a cell of a page the client loaded (``form``) and leave it."""
    key = f"{element}:{period}"
    data = {**form, f"v:{key}": value}
    response = client.post(cell_url(element, period), data, **HTMX)
    save.status = response.status_code  # type: ignore[attr-defined]
    return response.content.decode()


def loaded(client: Client, element: str = "BIRTHS", period: str = "202601") -> dict[str, str]:
    """What a freshly loaded grid holds for one cell."""
    return tokens(client.get(grid_url("2026")).content.decode(), element, period)


def test_a_saved_cell_is_stored_with_an_audit_row_and_answered_with_the_new_cell(
    place: Place, clerk: Client
) -> None:
    fragment = save(clerk, "BIRTHS", "202601", loaded(clerk), "5")

    assert save.status == 200  # type: ignore[attr-defined]
    assert stored() == Decimal(5)
    entry = AuditEntry.objects.get(object_key="BIRTHS/202601/V01")
    assert (entry.action, entry.actor, entry.channel) == ("datavalue.create", "clerk", Channel.WEB)
    assert entry.after == {"value": "5", "comment": "", "follow_up": False}
    assert fragment.startswith('<td id="c-BIRTHS-202601"')
    assert 'value="5"' in fragment and "已保存" in fragment
    assert hidden(fragment, "t:BIRTHS:202601") == DataValue.objects.get().last_updated.isoformat()


@pytest.mark.parametrize(
    ("element", "value", "message"),
    [
        ("BIRTHS", "三", "不是数值 / not a number"),
        ("BIRTHS", "abc", "不是数值 / not a number"),
        ("BIRTHS", "-1", "计数不能为负数 / a count cannot be negative"),
        ("BIRTHS", "1.5", "计数须为整数 / a count must be a whole number"),
        ("CONTRA_RATE", "100.5", "百分比须在 0–100 之间"),
        ("CONTRA_RATE", "-3", "百分比须在 0–100 之间"),
        ("HAS_PLAN", "也许", "是/否型数据须为 1、0、true、false、是 或 否"),
        ("AVG_POP", "1e20", "数值过大"),
    ],
)
def test_a_value_that_does_not_suit_its_element_is_refused_beside_the_cell(
    place: Place, clerk: Client, element: str, value: str, message: str
) -> None:
    fragment = save(clerk, element, "202601", loaded(clerk, element), value)

    assert save.status == 422  # type: ignore[attr-defined]
    assert message in fragment
    assert f'id="c-{element}-202601-m"' in fragment  # the message sits in the cell
    assert f'value="{value}"' in fragment  # what was typed stays for correcting
    assert "is-invalid" in fragment
    assert stored(element) is None
    assert not AuditEntry.objects.filter(object_type="datavalue").exists()


def test_emptying_a_stored_value_is_refused(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202601", "3")

    fragment = save(clerk, "BIRTHS", "202601", loaded(clerk), "")

    assert save.status == 422  # type: ignore[attr-defined]
    assert "已填的值不能清空" in fragment
    assert stored() == Decimal(3)


def test_a_changed_value_keeps_its_comment_and_follow_up_flag(place: Place, clerk: Client) -> None:
    store("BIRTHS", "202601", "3", comment="含双胞胎", follow_up=True)

    save(clerk, "BIRTHS", "202601", loaded(clerk), "4")

    value = DataValue.objects.get()
    assert (value.value, value.comment, value.follow_up) == (Decimal(4), "含双胞胎", True)


def test_the_second_of_two_editors_gets_a_conflict_showing_both_values(place: Place) -> None:
    store("BIRTHS", "202601", "3")
    first, second = client_of(place.clerk), client_of(place.colleague)
    first_page, second_page = loaded(first), loaded(second)

    save(first, "BIRTHS", "202601", first_page, "5")
    fragment = save(second, "BIRTHS", "202601", second_page, "7")

    assert save.status == 409  # type: ignore[attr-defined]
    assert stored() == Decimal(5)
    assert "你的值 7，已被 clerk 于" in fragment and "改为 5" in fragment
    assert "采用对方的值 5" in fragment and "用我的值 7 覆盖" in fragment
    # The page keeps the stale token: only the explicit button overwrites.
    assert hidden(fragment, "t:BIRTHS:202601") == second_page["t:BIRTHS:202601"]
    assert hidden(fragment, "n:BIRTHS:202601") == DataValue.objects.get().last_updated.isoformat()
    assert AuditEntry.objects.filter(action="datavalue.update").count() == 1


def test_two_editors_filling_the_same_empty_cell_conflict_too(place: Place) -> None:
    first, second = client_of(place.clerk), client_of(place.colleague)
    first_page, second_page = loaded(first), loaded(second)
    assert first_page["t:BIRTHS:202601"] == ""

    save(first, "BIRTHS", "202601", first_page, "5")
    fragment = save(second, "BIRTHS", "202601", second_page, "7")

    assert save.status == 409  # type: ignore[attr-defined]
    assert "你的值 7，已被 clerk 于" in fragment
    assert stored() == Decimal(5)


def test_overwriting_after_a_conflict_is_an_explicit_choice_that_saves_mine(
    place: Place,
) -> None:
    store("BIRTHS", "202601", "3")
    first, second = client_of(place.clerk), client_of(place.colleague)
    first_page, second_page = loaded(first), loaded(second)
    save(first, "BIRTHS", "202601", first_page, "5")
    conflict = save(second, "BIRTHS", "202601", second_page, "7")

    # What the "overwrite" button posts: the cell's inputs and the button itself.
    data = {
        **tokens(conflict, "BIRTHS", "202601"),
        "n:BIRTHS:202601": hidden(conflict, "n:BIRTHS:202601"),
        "overwrite": "BIRTHS:202601",
    }
    response = second.post(cell_url("BIRTHS", "202601"), data, **HTMX)

    assert response.status_code == 200
    assert stored() == Decimal(7)
    latest = AuditEntry.objects.filter(action="datavalue.update").first()
    assert latest is not None and latest.before["value"] == "5" and latest.after["value"] == "7"
    assert latest.actor == "colleague"


def test_taking_their_value_after_a_conflict_reloads_the_cell(place: Place) -> None:
    store("BIRTHS", "202601", "3")
    first, second = client_of(place.clerk), client_of(place.colleague)
    first_page, second_page = loaded(first), loaded(second)
    save(first, "BIRTHS", "202601", first_page, "5")
    save(second, "BIRTHS", "202601", second_page, "7")

    response = second.get(cell_url("BIRTHS", "202601"), {"take": "BIRTHS:202601"}, **HTMX)

    fragment = response.content.decode()
    assert response.status_code == 200
    assert hidden(fragment, "v:BIRTHS:202601") == "5"
    assert hidden(fragment, "t:BIRTHS:202601") == DataValue.objects.get().last_updated.isoformat()
    assert stored() == Decimal(5)


def test_the_same_value_saved_twice_is_not_a_conflict(place: Place, clerk: Client) -> None:
    # A cell saved as it loses focus, then the same page saved whole with the old token.
    page = loaded(clerk)
    save(clerk, "BIRTHS", "202601", page, "5")

    fragment = save(clerk, "BIRTHS", "202601", page, "5")

    assert save.status == 200  # type: ignore[attr-defined]
    assert "你的值" not in fragment
    assert stored() == Decimal(5)


def test_a_locked_value_is_shown_read_only_with_the_reason_and_not_saved(
    place: Place, clerk: Client
) -> None:
    DataSet.objects.filter(pk=place.dataset.pk).update(lock_after_days=0)
    store("BIRTHS", "202001", "3")

    text = clerk.get(grid_url("2020")).content.decode()
    cell = cell_html(text, "BIRTHS", "202001")
    assert "<input" not in cell and "数据已锁定" in cell
    assert re.search(r"data-v[^>]*>3<", cell)

    response = clerk.post(cell_url("BIRTHS", "202001"), {"v:BIRTHS:202001": "4"}, **HTMX)
    assert response.status_code == 422
    assert "已锁定" in response.content.decode()
    assert stored(period="202001") == Decimal(3)


def test_a_cell_of_an_element_outside_the_units_forms_is_not_found(
    place: Place, clerk: Client
) -> None:
    # BIRTHS is reported monthly: there is no yearly cell of it to save.
    response = clerk.post(cell_url("BIRTHS", "2026"), {"v:BIRTHS:2026": "4"}, **HTMX)

    assert response.status_code == 404
    assert not DataValue.objects.exists()
