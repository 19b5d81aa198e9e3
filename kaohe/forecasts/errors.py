"""The refusals of the forecasts app: each names the field that is wrong, Chinese first."""

from __future__ import annotations


class ForecastError(ValueError):
    """A request that cannot be carried out; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
