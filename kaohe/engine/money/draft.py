"""A money line while the rules are still being applied to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kaohe.engine.money.model import UNIT_ROLE, LineKind, MoneyLine

__all__ = ["Draft"]


@dataclass
class Draft:
    """A line being built: later steps (veto, haircut, split) change its amount and add to
    its figures and explanation. ``rule_index`` and ``person_index`` (−1 for the unit) order
    the final lines."""

    rule_index: int
    unit: str
    rule: str
    kind: LineKind
    amount: Decimal
    zh: list[str]
    en: list[str]
    figures: dict[str, str] = field(default_factory=dict)
    person: str | None = None
    person_index: int = -1
    role: str = UNIT_ROLE

    def explain(self, zh: str, en: str) -> None:
        """Add one step to the explanation."""
        self.zh.append(zh)
        self.en.append(en)

    def line(self) -> MoneyLine:
        """The finished, immutable line."""
        return MoneyLine(
            unit=self.unit,
            person=self.person,
            role=self.role,
            kind=self.kind.value,
            rule=self.rule,
            amount=self.amount,
            figures=dict(self.figures),
            explanation_zh="；".join(self.zh),
            explanation_en="; ".join(self.en),
        )
