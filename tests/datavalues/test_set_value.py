"""Single data value edits: checks, audit rows and optimistic concurrency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import DataValueConflict, DataValueError, do_set_value

from .fixtures import Township, build_township

pytestmark = pytest.mark.django_db

CLERK = Actor(name="clerk", channel=Channel.WEB)
OTHER_CLERK = Actor(name="other", channel=Channel.WEB)


@pytest.fixture
def town() -> Township:
    return build_township()


def set_births(
    value: str | int | Decimal, actor: Actor = CLERK, **options: object
) -> DataValue | None:
    return do_set_value(
        actor=actor,
        element_code="BIRTHS",
        period_code="202601",
        unit_code="V01",
        value=value,
        **options,  # type: ignore[arg-type]
    )


def test_setting_a_new_value_stores_it_and_writes_a_create_audit_row(town: Township) -> None:
    value = set_births("3", comment="含双胞胎")

    assert value is not None
    value.refresh_from_db()
    assert (value.value, value.comment, value.stored_by, value.period.code) == (
        Decimal("3"),
        "含双胞胎",
        "clerk",
        "202601",
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_key) == (
        "datavalue.create",
        "datavalue",
        "BIRTHS/202601/V01",
    )
    assert entry.after == {"value": "3", "comment": "含双胞胎", "follow_up": False}
    assert entry.channel == Channel.WEB


def test_changing_a_value_writes_an_update_audit_row_with_before_and_after(
    town: Township,
) -> None:
    set_births(3)

    set_births(Decimal("4"), follow_up=True)

    assert DataValue.objects.get().value == 4
    entry = AuditEntry.objects.get(action="datavalue.update")
    assert entry.before == {"value": "3", "comment": "", "follow_up": False}
    assert entry.after == {"value": "4", "comment": "", "follow_up": True}


def test_saving_an_unchanged_value_writes_nothing(town: Township) -> None:
    first = set_births(3)
    assert first is not None

    again = set_births("3.0")

    assert again is not None
    assert again.last_updated == first.last_updated
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("element_code", "NOPE", "unknown data element code NOPE"),
        ("unit_code", "V77", "unknown organisation unit code V77"),
        ("unit_code", "V09", "closed on 2025-06-30"),
        ("period_code", "2026M1", 'unrecognised period code "2026M1"'),
        ("value", "-1", "cannot be negative"),
        ("value", "2.5", "whole number"),
        ("value", "many", "not a number"),
        ("value", "", "the value is empty"),
        ("comment", "长" * 501, "longer than 500"),
    ],
)
def test_an_unfit_edit_is_refused_with_a_bilingual_message(
    town: Township, field: str, bad: str, message: str
) -> None:
    arguments = {
        "element_code": "BIRTHS",
        "period_code": "202601",
        "unit_code": "V01",
        "value": "3",
        field: bad,
    }

    with pytest.raises(DataValueError) as raised:
        do_set_value(actor=CLERK, **arguments)

    assert message in str(raised.value)
    assert " / " in str(raised.value)
    assert not DataValue.objects.exists()
    assert not AuditEntry.objects.exists()


def test_percentages_and_yes_no_values_follow_their_element_types(town: Township) -> None:
    rate = do_set_value(
        actor=CLERK, element_code="CONTRA_RATE", period_code="2026Q1", unit_code="V01", value="99.5"
    )
    plan = do_set_value(
        actor=CLERK, element_code="HAS_PLAN", period_code="2026", unit_code="V01", value="否"
    )

    assert rate is not None and rate.value == Decimal("99.5")
    assert plan is not None and plan.value == 0
    with pytest.raises(DataValueError, match="between 0 and 100"):
        do_set_value(
            actor=CLERK,
            element_code="CONTRA_RATE",
            period_code="2026Q1",
            unit_code="V01",
            value=101,
        )


def test_an_edit_based_on_the_current_value_is_saved(town: Township) -> None:
    loaded = set_births(3)
    assert loaded is not None

    saved = set_births(4, expected_last_updated=loaded.last_updated)

    assert saved is not None and saved.value == 4


def test_an_edit_based_on_a_stale_value_conflicts_and_changes_nothing(town: Township) -> None:
    loaded = set_births(3, comment="first")
    assert loaded is not None
    newer = set_births(5, actor=OTHER_CLERK, comment="second")
    assert newer is not None
    audit_rows = AuditEntry.objects.count()

    with pytest.raises(DataValueConflict) as raised:
        set_births(4, comment="mine", expected_last_updated=loaded.last_updated)

    conflict = raised.value
    assert conflict.stored is not None
    assert (conflict.stored.value, conflict.stored.comment) == (Decimal("5"), "second")
    assert (conflict.attempted_value, conflict.attempted_comment) == (Decimal("4"), "mine")
    assert "5" in str(conflict) and "4" in str(conflict)
    assert isinstance(conflict, DataValueError)
    value = DataValue.objects.get()
    assert (value.value, value.comment, value.stored_by) == (Decimal("5"), "second", "other")
    assert AuditEntry.objects.count() == audit_rows


def test_an_edit_of_a_value_deleted_meanwhile_conflicts_with_nothing_stored(
    town: Township,
) -> None:
    loaded = set_births(3)
    assert loaded is not None
    DataValue.objects.all().delete()

    with pytest.raises(DataValueConflict) as raised:
        set_births(4, expected_last_updated=loaded.last_updated + timedelta(0))

    assert raised.value.stored is None
    assert raised.value.attempted_value == 4
    assert not DataValue.objects.exists()


def test_a_zero_of_an_element_whose_zeros_are_not_stored_removes_the_value(
    town: Township,
) -> None:
    def set_migrants(value: int) -> DataValue | None:
        return do_set_value(
            actor=CLERK, element_code="MIGRANTS", period_code="202601", unit_code="V02", value=value
        )

    assert set_migrants(6) is not None

    assert set_migrants(0) is None

    assert not DataValue.objects.exists()
    entry = AuditEntry.objects.get(action="datavalue.delete")
    assert entry.before == {"value": "6", "comment": "", "follow_up": False}
    assert set_migrants(0) is None
    assert AuditEntry.objects.count() == 2


def test_an_edit_without_a_comment_keeps_the_stored_comment_and_flag(town: Township) -> None:
    set_births(3, comment="含双胞胎", follow_up=True)
    saved = set_births(4)
    assert saved is not None
    assert (saved.value, saved.comment, saved.follow_up) == (4, "含双胞胎", True)


def test_an_edit_made_on_an_empty_cell_conflicts_when_a_value_appeared_meanwhile(
    town: Township,
) -> None:
    # Two clerks open the empty cell; the first saves 3, the second, who saw nothing, is refused.
    set_births(3)
    with pytest.raises(DataValueConflict) as refused:
        set_births(5, expected_last_updated=None)
    assert refused.value.stored is not None and refused.value.stored.value == 3
    assert DataValue.objects.get(element__code="BIRTHS", unit__code="V01").value == 3
