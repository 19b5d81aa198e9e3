"""How the money engine writes figures and names in explanations a clerk understands.

Amounts are shown as on a finance table (``5,000.00``), ratios as percentages (``10%``),
counts and points without trailing zeros (``2,350``, ``6.5``); ``figures`` keep plain text
without separators (``5000.00``, ``0.1``) so a program can read them back exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kaohe.engine.money.model import UNIT_ROLE, MoneyLabels, MoneyUnit

__all__ = [
    "FEN",
    "STANDARD_ROLES",
    "Names",
    "amount_text",
    "count",
    "fen",
    "percent",
    "plain",
    "rate",
    "yuan",
]

FEN = Decimal("0.01")

# The standard roles of officials (the choices of the official's role field), used when the
# caller gives no name for a role code.
STANDARD_ROLES: dict[str, tuple[str, str]] = {
    "party_secretary": ("村支书", "party secretary"),
    "director": ("村主任", "village director"),
    "fp_officer": ("计生专干", "family-planning officer"),
    "stationed_cadre": ("包村干部", "stationed cadre"),
    "department_head": ("部门负责人", "department head"),
    "other": ("其他责任人", "other official"),
    UNIT_ROLE: ("单位", "the unit"),
}


def fen(value: Decimal) -> Decimal:
    """``value`` rounded half-up (away from zero) to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    """An amount as shown on a finance table: ``5,000.00`` (the sign kept)."""
    return f"{fen(value):,.2f}"


def amount_text(value: Decimal) -> str:
    """An amount for ``figures``: plain, two decimals, no separators (``-500.00``)."""
    return f"{fen(value):f}"


def plain(value: Decimal) -> str:
    """A number for ``figures`` without trailing zeros or exponent (``0.1``, ``2350``)."""
    return f"{value.normalize():f}"


def count(value: Decimal) -> str:
    """A count, population or points with thousands separators and no trailing zeros."""
    return f"{value.normalize():,f}"


def rate(value: Decimal) -> str:
    """A yuan rate: two decimals, or more when the rule gave more (``12.345``)."""
    return yuan(value) if value == fen(value) else f"{value:,f}"


def percent(ratio: Decimal) -> str:
    """A ratio 0–1 as a percentage: ``0.1`` → ``10%``, ``0.125`` → ``12.5%``."""
    return f"{plain(ratio * 100)}%"


class Names:
    """Display names of a unit's grade, roles and vetoes, in Chinese and English."""

    def __init__(self, unit: MoneyUnit, labels: MoneyLabels) -> None:
        self.unit = unit
        self.labels = labels

    def grade(self, code: str | None) -> tuple[str, str]:
        """A grade's name (the code when the caller gave none)."""
        if code is None:
            return ("无等级", "no grade")
        return self.labels.grades.get(code, (code, code))

    def role(self, code: str) -> tuple[str, str]:
        """A role's name: the caller's, else the standard one, else the code."""
        if code in self.labels.roles:
            return self.labels.roles[code]
        return STANDARD_ROLES.get(code, (code, code))

    def vetoes(self) -> tuple[str, str]:
        """``一票否决（计划外生育）`` / ``vetoed (births over the plan)``."""
        if not self.unit.vetoes:
            return ("一票否决", "vetoed")
        return (
            f"一票否决（{'、'.join(self.unit.vetoes)}）",
            f"vetoed ({', '.join(self.unit.vetoes)})",
        )

    def grade_phrase(self) -> tuple[str, str]:
        """The unit's grade as the start of an explanation, naming a veto when there is one:
        ``不合格（一票否决：计划外生育）``."""
        zh, en = self.grade(self.unit.grade)
        if not self.unit.vetoed:
            return (zh, en)
        if not self.unit.vetoes:
            return (f"{zh}（一票否决）", f"{en} (vetoed)")
        return (
            f"{zh}（一票否决：{'、'.join(self.unit.vetoes)}）",
            f"{en} (vetoed: {', '.join(self.unit.vetoes)})",
        )
