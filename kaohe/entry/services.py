"""Saving what a clerk entered on the page: one cell, a whole grid, or a value's note.

Every write goes through :func:`kaohe.datavalues.services.do_set_value` (its checks, locks and
audit rows), here wrapped so that a grid is saved all at once or not at all, and an editor who saw no value cannot silently overwrite one that someone else has
entered since (``do_set_value`` checks a token only when there was a value to see).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.core.access import may_change
from kaohe.datavalues.importing import ValueProblem, format_value, parse_value
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import DataValueConflict, DataValueError, do_set_value
from kaohe.elements.models import DataElement
from kaohe.engine.periods import Period
from kaohe.orgunits.models import OrgUnit

from .selectors import stored_value

__all__ = ["CellEdit", "SaveOutcome", "do_save_note", "do_save_values"]


@dataclass(frozen=True)
class CellEdit:
    """A value typed into one cell. ``token`` is the stored value's last_updated when the
    editor's page was drawn; ``None`` means the editor saw no value there."""

    element: DataElement
    period: Period
    text: str
    token: datetime | None

    @property
    def key(self) -> str:
        return f"{self.element.code}:{self.period.code}"


@dataclass
class SaveOutcome:
    """What became of each edit: its stored value (``None``: removed, or a zero not kept),
    or why nothing was saved. When ``errors`` is not empty nothing at all was saved."""

    saved: dict[str, DataValue | None] = field(default_factory=dict)
    errors: dict[str, DataValueError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _number(text: str, element: DataElement) -> Decimal:
    try:
        return parse_value(text, element.value_type)
    except ValueProblem as exc:
        raise DataValueError(str(exc)) from None


def _same(conflict: DataValueConflict) -> bool:
    """Whether the value someone else stored is the very value this editor meant to store
    (the same save arriving twice: a cell saved as it lost focus, then the whole grid)."""
    stored = conflict.stored
    return stored is not None and (stored.value, stored.comment, stored.follow_up) == (
        conflict.attempted_value,
        conflict.attempted_comment,
        conflict.attempted_follow_up,
    )


def _set(
    actor: Actor,
    unit: OrgUnit,
    element: DataElement,
    period: Period,
    *,
    text: str,
    token: datetime | None,
    comment: str | None = None,
    follow_up: bool | None = None,
) -> DataValue | None:
    """One value through ``do_set_value``, keeping the stored comment and follow-up flag
    unless new ones are given, and refusing to overwrite a value the editor never saw."""
    stored = stored_value(element, unit, period)
    keep_comment = comment if comment is not None else (stored.comment if stored else "")
    keep_flag = follow_up if follow_up is not None else (stored.follow_up if stored else False)
    try:
        if token is None and stored is not None:
            raise DataValueConflict(
                stored=stored,
                attempted_value=_number(text, element),
                attempted_comment=keep_comment,
                attempted_follow_up=keep_flag,
            )
        try:
            return do_set_value(
                actor=actor,
                element_code=element.code,
                period_code=period.code,
                unit_code=unit.code,
                value=text,
                comment=keep_comment,
                follow_up=keep_flag,
                expected_last_updated=token,
            )
        except IntegrityError:
            # Another editor created the value between our look and our write.
            raise DataValueConflict(
                stored=stored_value(element, unit, period),
                attempted_value=_number(text, element),
                attempted_comment=keep_comment,
                attempted_follow_up=keep_flag,
            ) from None
    except DataValueConflict as conflict:
        if _same(conflict):
            return conflict.stored
        raise


def do_save_values(*, actor: Actor, unit: OrgUnit, edits: Sequence[CellEdit]) -> SaveOutcome:
    """Save the values typed into a grid (or one cell) of ``unit``: all of them, or none.

    Each value goes through ``do_set_value`` (its checks and one audit row per change) inside
    one transaction; every edit is tried so that every problem can be shown beside its cell,
    and if there is any the transaction is rolled back. A stale token, or a value stored
    where the editor saw none, is a :class:`DataValueConflict` carrying both values.
    Raises PermissionDenied if the actor may not change ``unit``'s figures.
    """
    outcome = SaveOutcome()
    with transaction.atomic():
        if not may_change(actor.user, unit):
            raise PermissionDenied
        for edit in edits:
            try:
                outcome.saved[edit.key] = _set(
                    actor, unit, edit.element, edit.period, text=edit.text, token=edit.token
                )
            except DataValueError as exc:
                outcome.errors[edit.key] = exc
        if outcome.errors:
            transaction.set_rollback(True)
            outcome.saved.clear()
    return outcome


def do_save_note(
    *,
    actor: Actor,
    unit: OrgUnit,
    element: DataElement,
    period: Period,
    comment: str,
    follow_up: bool,
    token: datetime,
) -> DataValue | None:
    """Change the comment and follow-up flag of a stored value, keeping the value.

    Raises :class:`DataValueError` when there is no value to annotate or the period is
    locked, :class:`DataValueConflict` when the value changed since ``token``.
    """
    with transaction.atomic():
        if not may_change(actor.user, unit):
            raise PermissionDenied
        stored = stored_value(element, unit, period)
        if stored is None:
            raise DataValueError(_("请先填写数值，再加备注 / enter the value before its comment"))
        return _set(
            actor,
            unit,
            element,
            period,
            text=format_value(stored.value),
            token=token,
            comment=comment,
            follow_up=follow_up,
        )
