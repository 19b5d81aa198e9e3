"""The refusals of the cross-check services: each names the field that is wrong, Chinese first."""

from __future__ import annotations


class CheckError(ValueError):
    """A request that cannot be carried out; ``field`` names what is wrong (pages show the
    message beside that field, the API answers 400 ``{"field", "detail"}``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CheckError):
    """No such row, or none the person may see: the two get the same answer (404)."""


class Forbidden(CheckError):
    """The person sees the row or unit but may not change it (403)."""
