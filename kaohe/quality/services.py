"""Writes of the data-quality feature: marking values for follow-up, and min–max ranges.

Marking a flagged value for follow-up goes through
:func:`kaohe.datavalues.services.do_set_follow_up`, inside a transaction that holds the value's
row: only the flag changes (with its audit row), never the figure, its comment or who stored it,
and a locked period (approved, or past its lock day) does not refuse it, because a note for
follow-up is not an edit. The range writes are in :mod:`kaohe.quality.ranges` and re-exported
here.

Pages and the API act for a signed-in person: marking needs the right to enter or to review
the unit's figures; the console acts for whoever runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import VIEW, may_change, may_review, restrict
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import do_set_follow_up

from .errors import NotFound, QualityError
from .ranges import (
    GenerateOutcome,
    do_delete_range,
    do_generate_ranges,
    do_save_range,
)

__all__ = [
    "GenerateOutcome",
    "MarkOutcome",
    "NotFound",
    "QualityError",
    "do_delete_range",
    "do_generate_ranges",
    "do_mark_follow_up",
    "do_mark_many",
    "do_save_range",
]


def _no_such_value() -> QualityError:
    return NotFound("value", _("没有这个数据值 / no such data value"))


def do_mark_follow_up(
    actor: Actor,
    value_id: int,
    *,
    follow_up: bool = True,
    expected_last_updated: datetime | None = None,
) -> DataValue:
    """Mark a stored value for follow-up (``follow_up=False``: clear the mark), never changing
    the value or its comment.

    ``expected_last_updated`` is the value's ``last_updated`` when the list was drawn: if the
    value has changed since, nothing is written and :class:`QualityError` says so. A value the
    person may not see is refused like a missing one; one they see but may neither enter nor
    review raises PermissionDenied; a locked figure is refused with the lock's reason.
    """
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is None and actor.channel in (Channel.WEB, Channel.API):
        raise PermissionDenied
    with transaction.atomic():
        values = DataValue.objects.select_related("element", "period", "unit")
        if user is not None:
            values = restrict(values, user, VIEW)
        stored = values.select_for_update(of=("self",)).filter(pk=value_id).first()
        if stored is None:
            raise _no_such_value()
        if user is not None and not (
            may_change(user, stored.unit) or may_review(user, stored.unit)
        ):
            raise PermissionDenied(
                _(
                    "你不能标记该单位的数据需跟进 / you may not mark this unit's figures for "
                    "follow-up"
                )
            )
        if expected_last_updated is not None and expected_last_updated != stored.last_updated:
            raise _changed()
        # Only the flag changes (audited), even in a locked period: marking is not editing.
        return do_set_follow_up(actor, stored, follow_up)


def _changed() -> QualityError:
    return QualityError(
        "value",
        _(
            "该值在列表生成后已被修改，请重新查找 / the value changed after the list was drawn; "
            "search again"
        ),
    )


@dataclass(frozen=True)
class MarkOutcome:
    """What became of marking one value: ``ok``, and the message if not."""

    id: int
    ok: bool
    follow_up: bool
    message: str = ""


def do_mark_many(
    actor: Actor, value_ids: Sequence[int], *, follow_up: bool = True
) -> list[MarkOutcome]:
    """Mark each of these values (each on its own, so a locked one does not hold back the
    others); one outcome per id, in order. A value the person may not touch is refused in its
    outcome, worded like a missing one."""
    outcomes = []
    for value_id in value_ids:
        try:
            stored = do_mark_follow_up(actor, value_id, follow_up=follow_up)
        except PermissionDenied as error:
            message = str(error) or _("无权标记 / you may not mark it")
            outcomes.append(MarkOutcome(value_id, False, False, message))
        except QualityError as error:
            outcomes.append(MarkOutcome(value_id, False, False, str(error)))
        else:
            outcomes.append(MarkOutcome(value_id, True, stored.follow_up))
    return outcomes
