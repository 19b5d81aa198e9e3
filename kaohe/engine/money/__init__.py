"""The money engine (奖惩兑现): pure, exact Decimal computation of every money rule kind.

* :func:`money_rules_from_config` checks a scheme's ``money_rules`` JSON (every problem at
  once, :class:`MoneyRuleError`) and gives typed :class:`MoneyRule` objects;
* :func:`compute_money` applies them to :class:`MoneyUnit` results and gives explained
  :class:`MoneyLine` rows in a deterministic order;
* :func:`totals` adds lines up by unit, person or kind, exactly.

Order of application: base amounts (``grade_amount``, ``population_tier``, ``per_point``,
``per_case``, ``fine_band``), then ``veto``, then ``haircut``, then ``split``, then the
per-person rules (``withheld_pay``, ``risk_deposit``). Each rule's result is rounded half-up
to the fen; totals add the rounded lines.
"""

from kaohe.engine.money.compute import compute_money, totals
from kaohe.engine.money.config import case_items, money_rules_from_config
from kaohe.engine.money.model import (
    BASE_KINDS,
    UNIT_ROLE,
    FineBand,
    FineBandTerms,
    GradeAmountTerms,
    HaircutTerms,
    LineKind,
    MoneyInputError,
    MoneyLabels,
    MoneyLine,
    MoneyPerson,
    MoneyRule,
    MoneyRuleError,
    MoneyRuleKind,
    MoneyTerms,
    MoneyUnit,
    PerCaseTerms,
    PerPointTerms,
    PopulationTier,
    PopulationTierTerms,
    RiskDepositTerms,
    SplitTerms,
    VetoTerms,
    WithheldPayTerms,
)

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
    "case_items",
    "compute_money",
    "money_rules_from_config",
    "totals",
]
