"""Marking a flagged value for follow-up: through the audited data-value service, never changing
the value or its comment, refused for a locked figure, a stale list, and the wrong person."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataSet
from kaohe.quality.errors import NotFound, QualityError
from kaohe.quality.services import do_mark_follow_up, do_mark_many
from kaohe.submissions.services import do_approve, do_submit

from .conftest import ACTOR, World

pytestmark = pytest.mark.django_db


def as_user(world: World, role: str) -> Actor:
    user = world.users[role]
    return Actor(name=user.get_username(), channel=Channel.WEB, user=user)


def test_marking_writes_the_flag_and_an_audit_row_and_keeps_the_value(world: World) -> None:
    stored = world.value("V1", "202512")
    marked = do_mark_follow_up(as_user(world, "admin"), stored.pk)
    assert marked.follow_up is True
    fresh = world.value("V1", "202512")
    assert (fresh.value, fresh.follow_up, fresh.comment) == (Decimal(9), True, "")
    entry = AuditEntry.objects.filter(object_type="datavalue").latest("id")
    assert (entry.action, entry.object_key, entry.actor) == (
        "datavalue.follow_up",
        "BIRTHS/202512/V1",
        "admin",
    )
    assert entry.before == {"follow_up": False}
    assert entry.after == {"follow_up": True}
    assert (fresh.stored_by, fresh.last_updated) == (stored.stored_by, stored.last_updated)


def test_the_comment_is_kept_and_the_mark_can_be_cleared(world: World) -> None:
    do_set_value(
        actor=ACTOR,
        element_code="BIRTHS",
        period_code="202512",
        unit_code="V1",
        value=9,
        comment="待核实",
    )
    stored = world.value("V1", "202512")
    do_mark_follow_up(as_user(world, "reviewer"), stored.pk)
    do_mark_follow_up(as_user(world, "reviewer"), stored.pk, follow_up=False)
    fresh = world.value("V1", "202512")
    assert (fresh.value, fresh.comment, fresh.follow_up) == (Decimal(9), "待核实", False)
    flags = [
        e.after["follow_up"]
        for e in AuditEntry.objects.filter(object_key="BIRTHS/202512/V1").order_by("id")
    ]
    assert flags[-2:] == [True, False]


def test_marking_what_is_already_marked_writes_nothing(world: World) -> None:
    stored = world.value("V1", "202512")
    do_mark_follow_up(as_user(world, "admin"), stored.pk)
    count = AuditEntry.objects.count()
    do_mark_follow_up(as_user(world, "admin"), stored.pk)
    assert AuditEntry.objects.count() == count


def test_a_value_changed_since_the_list_was_drawn_is_not_marked(world: World) -> None:
    stored = world.value("V1", "202512")
    seen = stored.last_updated
    do_set_value(actor=ACTOR, element_code="BIRTHS", period_code="202512", unit_code="V1", value=1)
    with pytest.raises(QualityError, match="已被修改"):
        do_mark_follow_up(as_user(world, "admin"), stored.pk, expected_last_updated=seen)
    fresh = world.value("V1", "202512")
    assert (fresh.value, fresh.follow_up) == (Decimal(1), False)


def test_a_locked_figure_is_marked_without_being_changed(world: World) -> None:
    dataset = DataSet.objects.get(code="MONTHLY")
    submission = do_submit(ACTOR, dataset, world.unit("V1"), "202512")
    do_approve(ACTOR, submission.pk)
    stored = world.value("V1", "202512")

    do_mark_follow_up(as_user(world, "admin"), stored.pk)  # a note on the figure, not an edit

    fresh = world.value("V1", "202512")
    assert fresh.follow_up is True
    assert (fresh.value, fresh.last_updated) == (stored.value, stored.last_updated)


def test_who_may_mark(world: World) -> None:
    stored = world.value("V1", "202512")
    with pytest.raises(PermissionDenied):
        do_mark_follow_up(as_user(world, "county_viewer"), stored.pk)
    for role in ("reporter_v4", "other_admin", "no_role"):
        with pytest.raises(NotFound):
            do_mark_follow_up(as_user(world, role), stored.pk)
    assert world.value("V1", "202512").follow_up is False
    do_mark_follow_up(as_user(world, "reporter_v1"), stored.pk)
    assert world.value("V1", "202512").follow_up is True


def test_a_page_without_a_signed_in_user_may_not_mark(world: World) -> None:
    with pytest.raises(PermissionDenied):
        do_mark_follow_up(
            Actor(name="anonymous", channel=Channel.WEB), world.value("V1", "202512").pk
        )


def test_marking_many_answers_for_each_value(world: World) -> None:
    mine, other = world.value("V1", "202512"), world.value("W1", "202512")
    outcomes = do_mark_many(as_user(world, "admin"), [mine.pk, other.pk, 999999])
    assert [(o.id, o.ok, o.follow_up) for o in outcomes] == [
        (mine.pk, True, True),
        (other.pk, False, False),
        (999999, False, False),
    ]
    assert outcomes[1].message == outcomes[2].message  # another township's value: like none
    assert world.value("W1", "202512").follow_up is False
