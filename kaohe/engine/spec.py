"""Plain, typed descriptions of what the engine computes.

These dataclasses are the engine's vocabulary. The Django layer (and the YAML bundle loader)
builds them from configuration; the engine never reads the database. Every number a county
chose lives in an instance of one of these classes, never in engine code.

Column-naming convention of the wide frame the engine works on (one row per unit):

* ``unit`` (str, the unit code) and ``kind`` (str, the unit kind; units are compared within it)
* ``e:CODE`` a data element aggregated over the assessment period
* ``e:CODE@-1`` the same over the previous period (``.periodOffset(-1)``)
* ``n:CODE`` an indicator's value, rounded half-up to its decimals (``n:CODE@-1`` likewise)
* ``t:ITEM`` the unit's target for a scoring item (contract override, else the default)
* ``a:ITEM`` an item's actual value as shown (rounded to the item's decimals)
* ``p:ITEM`` an item's actual value in the previous period (for ``level_progress``)
* ``c:ITEM:K`` the count of the K-th extra case term of a ``per_case`` item (K from 0)
* ``s:ITEM`` an item's score (rounded half-up to 0.01)
* ``f:ITEM`` an item's flag (null, or a short machine code such as ``missing_actual``)
* ``xz:ITEM`` / ``xe:ITEM`` an item's explanation in Chinese / English
* ``v:VETO`` a veto condition (Boolean, null when an input is missing)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ValueType(str, Enum):
    """What a data element holds."""

    INTEGER = "integer"
    NUMBER = "number"
    PERCENTAGE = "percentage"
    YES_NO = "yes_no"


class AggregationType(str, Enum):
    """How an element's values over finer periods combine into the assessment period."""

    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"
    MIN = "min"
    MAX = "max"


class Direction(str, Enum):
    """Whether a larger actual value is better (``higher``) or worse (``lower``)."""

    HIGHER = "higher"
    LOWER = "lower"


class RuleType(str, Enum):
    """The shapes of scoring rule found in published county rules (评分标准)."""

    THRESHOLD = "threshold"
    LINEAR = "linear"
    PER_CASE = "per_case"
    BAND = "band"
    RATIO = "ratio"
    RELATIVE_TO_BEST = "relative_to_best"
    RANK_POINTS = "rank_points"
    LEVEL_PROGRESS = "level_progress"
    BONUS = "bonus"


@dataclass(frozen=True)
class ElementSpec:
    """A data element: a figure units report (births, married women of childbearing age…)."""

    code: str
    name: str
    value_type: ValueType = ValueType.INTEGER
    aggregation: AggregationType = AggregationType.SUM
    # When False, zeros are not stored (DHIS2's zeroIsSignificant) and an absent aggregate
    # reads as 0; when True an absent value stays missing.
    zero_is_significant: bool = True


@dataclass(frozen=True)
class IndicatorSpec:
    """numerator / denominator × factor, shown with ``decimals`` decimals and a unit label."""

    code: str
    name: str
    name_en: str
    numerator: str
    denominator: str = "1"
    factor: float = 1.0
    decimals: int = 2
    unit: str = ""


# --- scoring rules: one parameter class per rule type -------------------------------------


@dataclass(frozen=True)
class ThresholdRule:
    """达标得满分，未达标不得分: full weight when the target is met, else zero."""


@dataclass(frozen=True)
class LinearRule:
    """每低于目标1个百分点扣2分，扣完为止.

    ``step`` is the size of one step of the gap (in the actual's unit), ``points`` the points
    deducted per step. With ``whole_steps`` a part step counts as a whole one (不足1个百分点按1个
    百分点计); otherwise the deduction is proportional. The score is floored at 0 unless
    ``allow_negative``; ``max_deduction`` optionally caps the deduction.
    """

    points: float
    step: float = 1.0
    whole_steps: bool = False
    allow_negative: bool = False
    max_deduction: float | None = None


@dataclass(frozen=True)
class CaseTerm:
    """A further kind of case counted by a ``per_case`` item (瞒报1例扣5分)."""

    label: str
    label_en: str
    expression: str
    points: float


@dataclass(frozen=True)
class PerCaseRule:
    """每漏报1例扣2分: ``points`` deducted for each case counted by the item's actual.

    ``also`` lists further case kinds with their own counts and points, deducted from the same
    weight. Floored at 0 unless ``allow_negative`` (该项可负分).
    """

    points: float
    case_label: str = "例"
    case_label_en: str = "case"
    also: tuple[CaseTerm, ...] = ()
    allow_negative: bool = False


@dataclass(frozen=True)
class BandRule:
    """Full weight while ``low × target ≤ actual ≤ high × target``, zero outside."""

    low: float = 0.85
    high: float = 1.0


@dataclass(frozen=True)
class RatioRule:
    """weight × actual / target (``lower``: target / actual), capped at the weight."""


@dataclass(frozen=True)
class RelativeToBestRule:
    """按与最优单位的比例得分: weight × actual / best actual among units of the same kind."""


@dataclass(frozen=True)
class RankPointsRule:
    """第1名6分, 依次递减: ``first`` points for rank 1 within the kind, ``step`` less per rank."""

    first: float
    step: float = 1.0
    minimum: float = 0.0


@dataclass(frozen=True)
class LevelProgressRule:
    """Level and progress, weighted by position against the group mean (Hunan).

    level = actual / best actual of the kind; progress = (actual − previous) / best such
    improvement of the kind (0 when not positive). Above or at the kind's mean the two are
    weighted ``above`` (7:3), below it ``below`` (3:7); the score is weight × the blend.
    """

    above: tuple[float, float] = (0.7, 0.3)
    below: tuple[float, float] = (0.3, 0.7)


@dataclass(frozen=True)
class BonusRule:
    """每超1个百分点加1分，最多加5分 (``per_step``), or a flat bonus when the target is met.

    A bonus item adds to the total; its ``cap`` is the most it can add. Its weight is 0.
    """

    points: float
    cap: float
    step: float = 1.0
    flat: bool = False
    whole_steps: bool = False


RuleParams = (
    ThresholdRule
    | LinearRule
    | PerCaseRule
    | BandRule
    | RatioRule
    | RelativeToBestRule
    | RankPointsRule
    | LevelProgressRule
    | BonusRule
)

RULE_PARAM_CLASSES: dict[RuleType, type] = {
    RuleType.THRESHOLD: ThresholdRule,
    RuleType.LINEAR: LinearRule,
    RuleType.PER_CASE: PerCaseRule,
    RuleType.BAND: BandRule,
    RuleType.RATIO: RatioRule,
    RuleType.RELATIVE_TO_BEST: RelativeToBestRule,
    RuleType.RANK_POINTS: RankPointsRule,
    RuleType.LEVEL_PROGRESS: LevelProgressRule,
    RuleType.BONUS: BonusRule,
}


@dataclass(frozen=True)
class ItemSpec:
    """A scoring item (考核项目) with its weight (分值) and rule.

    ``actual`` is an expression (usually ``N{INDICATOR}``) giving the figure scored; it is
    shown with ``decimals`` decimals and the ``unit`` label. ``target`` is the default target,
    which a unit's contract may override (``T{ITEM}``).
    """

    code: str
    name: str
    name_en: str
    weight: float
    rule: RuleParams
    actual: str
    target: float | None = None
    direction: Direction = Direction.HIGHER
    decimals: int = 2
    unit: str = ""
    section: str = ""
    # The code of the track (分线) the item counts in; "" when the scheme has no tracks.
    track: str = ""

    @property
    def rule_type(self) -> RuleType:
        """The rule type this item's parameters belong to."""
        for rule_type, cls in RULE_PARAM_CLASSES.items():
            if isinstance(self.rule, cls):
                return rule_type
        raise TypeError(f"unknown rule parameters {self.rule!r}")


@dataclass(frozen=True)
class VetoSpec:
    """一票否决: a Boolean condition that, when true, overrides the unit's score."""

    code: str
    name: str
    name_en: str
    condition: str


@dataclass(frozen=True)
class GradeSpec:
    """A grade band: units whose total is at least ``min_total`` (and below the band above)."""

    code: str
    name: str
    name_en: str
    min_total: float


@dataclass(frozen=True)
class TrackSpec:
    """A track (分线考核, e.g. 领导班子线 and 基础工作线) scored on its own items.

    A track's score is the sum of its items' shown scores; the tracks are combined by
    ``weight`` (6:4 → 0.6 × first + 0.4 × second). ``total`` is the track's full marks, for
    display.
    """

    code: str
    name: str
    name_en: str
    weight: float
    total: float


@dataclass(frozen=True)
class PeriodPartSpec:
    """A part of the assessment period scored on its own figures (分期考核, e.g. a quarter).

    ``period_type`` is a DHIS2 period type (``Quarterly``; the scheme's own yearly type means
    the whole assessment period) and ``index`` the index-th period of that type, by start date,
    inside the assessment period (1-based: for a ``2006Oct`` year, Quarterly 1 is ``2005Q4``).
    The year's total is the parts' totals combined by ``weight`` (4:3:3).
    """

    code: str
    name: str
    name_en: str
    period_type: str
    index: int
    weight: float


@dataclass(frozen=True)
class CorrectionSpec:
    """Score ``element`` on its figure corrected by other sources (核查更正) instead of the
    report: ``method`` is ``larger`` (the larger of report and every source) or ``check`` (the
    spot check where one exists, else the larger of report and feeds); see
    :mod:`kaohe.engine.crosscheck`. Applies to the assessed period's figures."""

    element: str
    method: str = "larger"


@dataclass(frozen=True)
class SchemeSpec:
    """An assessment scheme (考核方案) for one kind of unit or several.

    ``tracks`` (分线), ``coefficient`` (an expression multiplying the combined total, e.g. a
    difficulty or population coefficient named ``coefficient_name``) and ``period_parts``
    (分期) change how the total is made; without them it is the sum of the items' scores.
    ``corrections`` name the elements scored on figures corrected by cross-checks;
    ``extra_indicators`` are computed and kept with the results though no item reads them.
    """

    code: str
    name: str
    version: int
    total: float
    items: tuple[ItemSpec, ...]
    indicators: tuple[IndicatorSpec, ...] = ()
    vetoes: tuple[VetoSpec, ...] = ()
    grades: tuple[GradeSpec, ...] = ()
    veto_grade: str | None = None
    constants: dict[str, float] = field(default_factory=dict, hash=False)
    unit_kinds: tuple[str, ...] = ()
    tracks: tuple[TrackSpec, ...] = ()
    coefficient: str | None = None
    coefficient_name: str = ""
    period_parts: tuple[PeriodPartSpec, ...] = ()
    corrections: tuple[CorrectionSpec, ...] = ()
    extra_indicators: tuple[str, ...] = ()
