"""The refusals of the data-quality services: each names the field that is wrong, Chinese first."""

from __future__ import annotations


class QualityError(ValueError):
    """A request that cannot be carried out; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(QualityError):
    """No such row, or none the person may see: the two get the same answer."""
