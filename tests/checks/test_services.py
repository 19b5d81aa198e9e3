"""Storing and deleting cross-check figures: who may, each refusal, and the audit rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.checks.errors import CheckError, Forbidden, NotFound
from kaohe.checks.models import SourceValue
from kaohe.checks.services import (
    do_clear_source_value,
    do_delete_source_value,
    do_save_source_value,
)
from kaohe.engine.periods import PeriodType, make_period, period_containing

from .conftest import World

pytestmark = pytest.mark.django_db


def web(world: World, role: str) -> Actor:
    return Actor(name=role, channel=Channel.WEB, user=world.users[role])


def save(actor: Actor, **place: str) -> object:
    figure = {"source": "SPOT", "element": "BIRTHS", "period": "2006", "unit": "V1"}
    figure.update(place)
    value = figure.pop("value", "4")
    return do_save_source_value(actor, **figure, value=value)


def refusal(actor: Actor, **place: str) -> CheckError:
    with pytest.raises(CheckError) as error:
        save(actor, **place)
    return error.value


def test_a_township_administrator_stores_a_spot_check_with_an_audit_row(world: World) -> None:
    saved = save(web(world, "admin"), value="4")
    assert saved.change == "created"  # type: ignore[attr-defined]
    stored = world.value("SPOT", "V1", "2006")
    assert (stored.value, stored.stored_by) == (Decimal(4), "admin")
    entry = AuditEntry.objects.get(object_key="SPOT/BIRTHS/2006/V1")
    assert (entry.action, entry.before, entry.after) == (
        "sourcevalue.create",
        None,
        {"value": "4", "comment": ""},
    )


def test_saving_the_same_figure_again_changes_nothing_and_writes_no_audit_row(
    world: World,
) -> None:
    actor = web(world, "admin")
    save(actor, value="4")
    assert save(actor, value="4.0").change == "unchanged"  # type: ignore[attr-defined]
    assert save(actor, value="5").change == "updated"  # type: ignore[attr-defined]
    actions = list(
        AuditEntry.objects.filter(object_key="SPOT/BIRTHS/2006/V1").values_list("action", flat=True)
    )
    assert sorted(actions) == ["sourcevalue.create", "sourcevalue.update"]


def test_a_comment_left_out_keeps_the_stored_one(world: World) -> None:
    actor = web(world, "admin")
    do_save_source_value(
        actor, source="SPOT", element="BIRTHS", period="2006", unit="V1", value=4, comment="入户"
    )
    do_save_source_value(actor, source="SPOT", element="BIRTHS", period="2006", unit="V1", value=5)
    assert world.value("SPOT", "V1", "2006").comment == "入户"


def test_the_hospitals_staff_enter_the_hospitals_feed_for_their_townships_villages(
    world: World,
) -> None:
    actor = web(world, "hospital")
    saved = save(actor, source="HOSP", period="200605", unit="V1", value="1")
    assert saved.change == "created"  # type: ignore[attr-defined]
    # not another township's village, and not the township's own spot check
    assert isinstance(refusal(actor, source="HOSP", period="200605", unit="W1"), NotFound)
    assert refusal(actor, source="SPOT", unit="V1").field == "unit"


def test_a_source_must_be_known(world: World) -> None:
    error = refusal(web(world, "admin"), source="POLICE")
    assert error.field == "source" and "unknown source POLICE" in str(error)


def test_a_source_takes_only_the_elements_it_counts(world: World) -> None:
    error = refusal(web(world, "admin"), source="HOSP", element="FP_RATE", period="200605")
    assert error.field == "element" and "HOSP does not count FP_RATE" in str(error)
    assert refusal(web(world, "admin"), element="NOPE").field == "element"


def test_a_unit_of_a_kind_the_source_is_not_about_is_refused(world: World) -> None:
    for code in ("DH", "T"):
        error = refusal(web(world, "admin"), unit=code)
        assert error.field == "unit" and "is about units of kind village" in str(error)


def test_a_unit_outside_the_persons_reach_is_refused(world: World) -> None:
    # sees it but may not enter it
    assert isinstance(refusal(web(world, "reviewer"), unit="V2"), Forbidden)
    assert isinstance(refusal(web(world, "reporter_v2"), unit="V2"), Forbidden)
    assert isinstance(refusal(web(world, "county_viewer"), unit="V2"), Forbidden)
    # does not see it: told as if it did not exist
    other = refusal(web(world, "other_admin"), unit="V2")
    assert isinstance(other, NotFound) and "unknown unit V2, or not one you may see" in str(other)
    assert str(refusal(web(world, "other_admin"), unit="NOWHERE")) == str(
        refusal(web(world, "other_admin"), unit="V2")
    ).replace("V2", "NOWHERE")
    assert isinstance(refusal(web(world, "no_role"), unit="V2"), NotFound)
    assert not SourceValue.objects.filter(unit__code="V2", source__code="SPOT").exists()


def test_a_period_of_another_type_than_the_sources_is_refused(world: World) -> None:
    error = refusal(web(world, "admin"), period="200605")
    assert error.field == "period" and "SPOT counts by Yearly periods; 200605 is Monthly" in str(
        error
    )
    assert refusal(web(world, "admin"), source="HOSP", period="2006").field == "period"
    assert refusal(web(world, "admin"), period="2006Q5").field == "period"


def test_a_period_in_the_future_is_refused(world: World) -> None:
    today = timezone.localdate()
    next_year = make_period(PeriodType.YEARLY, today.year + 1).code
    error = refusal(web(world, "admin"), period=next_year)
    assert error.field == "period" and "has not begun yet" in str(error)
    this_year = make_period(PeriodType.YEARLY, today.year).code
    assert save(web(world, "admin"), period=this_year).change == "created"  # type: ignore[attr-defined]
    next_month = period_containing(today + timedelta(days=32), PeriodType.MONTHLY).code
    assert refusal(web(world, "admin"), source="HOSP", period=next_month).field == "period"


def test_a_count_must_be_a_whole_number_not_below_zero(world: World) -> None:
    assert "cannot be negative" in str(refusal(web(world, "admin"), value="-1"))
    assert "whole number" in str(refusal(web(world, "admin"), value="2.5"))
    assert refusal(web(world, "admin"), value="三").field == "value"
    assert refusal(web(world, "admin"), value=" ").field == "value"
    assert not AuditEntry.objects.filter(action__startswith="sourcevalue").exists()


def test_a_comment_over_500_characters_is_refused(world: World) -> None:
    with pytest.raises(CheckError) as error:
        do_save_source_value(
            web(world, "admin"),
            source="SPOT",
            element="BIRTHS",
            period="2006",
            unit="V1",
            value=1,
            comment="长" * 501,
        )
    assert error.value.field == "comment"


def test_a_page_without_a_signed_in_person_is_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        save(Actor(name="anonymous", channel=Channel.WEB, user=AnonymousUser()))


def test_the_console_and_system_administrators_reach_every_township(world: World) -> None:
    assert save(Actor.cli("pytest"), source="HOSP", period="200605", unit="W1").change == "created"  # type: ignore[attr-defined]
    assert save(web(world, "system"), unit="W1").change == "created"  # type: ignore[attr-defined]


def test_clearing_a_cell_deletes_the_figure_with_an_audit_row(world: World) -> None:
    actor = web(world, "admin")
    place = {"source": "SPOT", "element": "BIRTHS", "period": "2006", "unit": "V3"}
    assert do_clear_source_value(actor, **place).change == "deleted"
    assert do_clear_source_value(actor, **place).change == "unchanged"
    entry = AuditEntry.objects.get(object_key="SPOT/BIRTHS/2006/V3", action="sourcevalue.delete")
    assert entry.before == {"value": "3", "comment": ""}
    with pytest.raises(Forbidden):
        do_clear_source_value(web(world, "reviewer"), **{**place, "unit": "V4"})


def test_deleting_by_id_needs_reach_and_hides_what_the_person_cannot_see(world: World) -> None:
    value = world.value("SPOT", "V4", "2006")
    with pytest.raises(NotFound):
        do_delete_source_value(web(world, "other_admin"), value.pk)
    with pytest.raises(Forbidden):
        do_delete_source_value(web(world, "reviewer"), value.pk)
    with pytest.raises(NotFound):
        do_delete_source_value(web(world, "admin"), 999_999)
    do_delete_source_value(web(world, "admin"), value.pk)
    assert not SourceValue.objects.filter(pk=value.pk).exists()
    assert AuditEntry.objects.filter(action="sourcevalue.delete").count() == 1


def test_the_hospital_deletes_its_own_feed_but_not_the_spot_check(world: World) -> None:
    actor = web(world, "hospital")
    do_delete_source_value(actor, world.value("HOSP", "V4", "200611").pk)
    with pytest.raises(NotFound):  # the hospital does not see the villages' spot checks
        do_delete_source_value(actor, world.value("SPOT", "V4", "2006").pk)
