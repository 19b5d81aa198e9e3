"""The vocabulary of the money engine (奖惩兑现): rules, units, persons and ledger lines.

Every amount is a :class:`~decimal.Decimal` in yuan. Rules come from a scheme's
``money_rules`` JSON through :func:`kaohe.engine.money.config.money_rules_from_config`; the
Django side fills :class:`MoneyUnit` from a published run and :func:`compute_money` turns both
into :class:`MoneyLine` rows, each of which becomes one ledger entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

__all__ = [
    "BASE_KINDS",
    "UNIT_ROLE",
    "FineBand",
    "FineBandTerms",
    "GradeAmountTerms",
    "HaircutTerms",
    "LineKind",
    "MoneyInputError",
    "MoneyLabels",
    "MoneyLine",
    "MoneyPerson",
    "MoneyRule",
    "MoneyRuleError",
    "MoneyRuleKind",
    "MoneyTerms",
    "MoneyUnit",
    "PerCaseTerms",
    "PerPointTerms",
    "PopulationTier",
    "PopulationTierTerms",
    "RiskDepositTerms",
    "SplitTerms",
    "VetoTerms",
    "WithheldPayTerms",
]

# The role of a line held by the unit itself (and the key of the unit's share in a split).
UNIT_ROLE = "unit"


class MoneyRuleKind(str, Enum):
    """The ``kind`` of a money rule in a scheme's ``money_rules``."""

    GRADE_AMOUNT = "grade_amount"
    POPULATION_TIER = "population_tier"
    PER_POINT = "per_point"
    PER_CASE = "per_case"
    FINE_BAND = "fine_band"
    SPLIT = "split"
    WITHHELD_PAY = "withheld_pay"
    RISK_DEPOSIT = "risk_deposit"
    HAIRCUT = "haircut"
    VETO = "veto"


# Rules that produce a unit's base amounts (applied first, before vetoes, haircuts and splits).
BASE_KINDS = frozenset(
    {
        MoneyRuleKind.GRADE_AMOUNT,
        MoneyRuleKind.POPULATION_TIER,
        MoneyRuleKind.PER_POINT,
        MoneyRuleKind.PER_CASE,
        MoneyRuleKind.FINE_BAND,
    }
)


class LineKind(str, Enum):
    """The ``kind`` of a ledger line. Amount > 0 is paid to the unit or person, < 0 by them."""

    REWARD = "reward"
    PENALTY = "penalty"
    FINE = "fine"
    WITHHELD_RELEASE = "withheld_release"
    WITHHELD_FORFEIT = "withheld_forfeit"
    DEPOSIT = "deposit"
    DEPOSIT_RETURN = "deposit_return"
    DEPOSIT_FORFEIT = "deposit_forfeit"


class MoneyRuleError(ValueError):
    """Money rules that cannot be used; ``problems`` lists every problem found (bilingual)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class MoneyInputError(ValueError):
    """A unit's figures that no rule can use (a ratio above 1, a negative count…)."""


# --- the terms of each rule kind ------------------------------------------------------------


@dataclass(frozen=True)
class GradeAmountTerms:
    """``grade_amount``: yuan by grade (negative = a penalty)."""

    amounts: Mapping[str, Decimal]


@dataclass(frozen=True)
class PopulationTier:
    """One tier of ``population_tier``: units of at least ``min_population`` people."""

    min_population: Decimal
    amounts: Mapping[str, Decimal]


@dataclass(frozen=True)
class PopulationTierTerms:
    """``population_tier``: the tiers, smallest ``min_population`` first."""

    tiers: tuple[PopulationTier, ...]


@dataclass(frozen=True)
class PerPointTerms:
    """``per_point``: yuan per point of the total above (reward) or below (penalty) ``base``."""

    base: Decimal
    per_point: Decimal
    cap: Decimal | None
    direction: str  # "above" or "below"


@dataclass(frozen=True)
class PerCaseTerms:
    """``per_case``: a fine of ``per_case`` yuan for each counted case."""

    case: str
    item: str  # the scoring item whose actual value counts the cases (default: the case code)
    per_case: Decimal


@dataclass(frozen=True)
class FineBand:
    """One band of ``fine_band``: a count of at least ``min`` cases costs ``amount``."""

    min: Decimal
    amount: Decimal


@dataclass(frozen=True)
class FineBandTerms:
    """``fine_band``: one fine by the band the count falls in; bands smallest ``min`` first."""

    case: str
    item: str
    bands: tuple[FineBand, ...]


@dataclass(frozen=True)
class SplitTerms:
    """``split`` (同奖同罚): shares of the covered rules' unit amounts by role.

    ``applies_to`` is ``None`` for "all" (every base and veto rule); ``shares`` has the key
    :data:`UNIT_ROLE` for the unit's own share and add up to exactly 1.
    """

    applies_to: tuple[str, ...] | None
    shares: Mapping[str, Decimal]


@dataclass(frozen=True)
class WithheldPayTerms:
    """``withheld_pay``: performance pay withheld per person of a role, released by grade."""

    per_role: Mapping[str, Decimal]
    release: Mapping[str, Decimal]


@dataclass(frozen=True)
class RiskDepositTerms:
    """``risk_deposit``: deposited per person of a role, returned × ``multiple`` on success."""

    per_role: Mapping[str, Decimal]
    success_grades: tuple[str, ...]
    multiple: Decimal


@dataclass(frozen=True)
class HaircutTerms:
    """``haircut``: positive amounts of the covered rules × (1 − over-report ratio)."""

    applies_to: tuple[str, ...] | None


@dataclass(frozen=True)
class VetoTerms:
    """``veto``: what a veto does to money: rewards become 0, and/or a fixed fine."""

    zero_rewards: bool
    fine: Decimal | None


MoneyTerms = (
    GradeAmountTerms
    | PopulationTierTerms
    | PerPointTerms
    | PerCaseTerms
    | FineBandTerms
    | SplitTerms
    | WithheldPayTerms
    | RiskDepositTerms
    | HaircutTerms
    | VetoTerms
)


@dataclass(frozen=True)
class MoneyRule:
    """One checked money rule. ``unit_kinds`` empty means every kind of unit."""

    code: str
    kind: MoneyRuleKind
    name: str
    name_en: str
    unit_kinds: tuple[str, ...]
    terms: MoneyTerms

    def covers(self, unit_kind: str) -> bool:
        """Whether the rule applies to units of ``unit_kind``."""
        return not self.unit_kinds or unit_kind in self.unit_kinds


# --- what the engine is given and gives back ------------------------------------------------


@dataclass(frozen=True)
class MoneyPerson:
    """A responsible person of a unit; ``role`` is the role code (``stationed_cadre``…)."""

    official: str
    name: str
    role: str


@dataclass(frozen=True)
class MoneyUnit:
    """A unit's result as the money rules need it.

    ``grade`` is the grade code (a vetoed unit's is the veto grade), ``total`` the shown
    total, ``vetoes`` the names of the vetoes it fell under, ``cases`` the counted cases by
    case code, ``over_report_ratio`` the share of its reported figures that checks found to be
    over-reported (0–1; ``None`` when not checked).
    """

    unit: str
    name: str
    kind: str
    grade: str | None
    total: Decimal | None
    rank: int | None
    vetoed: bool
    vetoes: tuple[str, ...]
    population: Decimal | None
    cases: Mapping[str, Decimal]
    over_report_ratio: Decimal | None
    persons: tuple[MoneyPerson, ...]


@dataclass(frozen=True)
class MoneyLine:
    """One amount for a unit (``person`` None, ``role`` :data:`UNIT_ROLE`) or one person.

    ``kind`` is a :class:`LineKind` value, ``rule`` the code of the rule that produced the
    amount (a split or haircut keeps the code of the rule it adjusted and adds its own code to
    ``figures``), ``figures`` the values used as text.
    """

    unit: str
    person: str | None
    role: str
    kind: str
    rule: str
    amount: Decimal
    figures: Mapping[str, str]
    explanation_zh: str
    explanation_en: str


@dataclass(frozen=True)
class MoneyLabels:
    """Display names for explanations: grade code → (中文, English), role code → (中文, English).

    Codes without a name are shown as they are (roles fall back to the standard role names).
    """

    grades: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    roles: Mapping[str, tuple[str, str]] = field(default_factory=dict)
