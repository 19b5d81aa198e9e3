"""The refusals of the remediation services: each names the field that is wrong, Chinese first."""

from __future__ import annotations


class RemediationError(ValueError):
    """A step that cannot be taken; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
