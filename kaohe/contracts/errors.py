"""The refusals of the contract services: each names the field that is wrong, Chinese first."""

from __future__ import annotations

from collections.abc import Mapping


class ContractError(ValueError):
    """A step that cannot be taken; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TargetErrors(ContractError):
    """Several targets refused at once; ``problems`` maps each item code to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("target", "\n".join(self.problems.values()))
