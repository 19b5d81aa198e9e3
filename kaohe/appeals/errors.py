"""The refusals of the appeal services: each names the field that is wrong, Chinese first."""

from __future__ import annotations


class AppealError(ValueError):
    """A step that cannot be taken; ``field`` names what is wrong (``run``, ``unit``,
    ``item_code``, ``reasons``, ``appeal_days``, ``filed_at``, ``status``,
    ``decision_reason``, ``decided_by``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AppealNotFound(AppealError):
    """No appeal has that id."""


class AlreadyDecided(AppealError):
    """The appeal was decided already (perhaps a moment ago, by another reviewer)."""
