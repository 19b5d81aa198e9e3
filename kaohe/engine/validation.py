"""Validation rules (DHIS2's): two expressions over one report's figures and a relation between
them, checked for many (unit, period) rows at once.

A rule reads the figures of one unit for one period: ``left`` and ``right`` are number
expressions over data elements (``#{BIRTHS_BOYS} + #{BIRTHS_GIRLS}``), ``operator`` relates
them (``equal_to`` … ``less_than_or_equal_to``, ``compulsory_pair``, ``exclusive_pair``), and
each side has a *missing-value strategy* saying when the side has no value at all:

* ``SKIP_IF_ANY_VALUE_MISSING``: when any element it reads has no figure;
* ``SKIP_IF_ALL_VALUES_MISSING`` (the default): when none of them has one (a side that reads
  no element, a constant, always has its value);
* ``NEVER_SKIP``: never.

A side that has a value is computed with every missing figure read as 0, and a computation
that gives nothing (a division by zero) counts 0 too; this is what DHIS2 does. Then:

* a comparison is **skipped** (neither passed nor failed) when either side has no value, and
  fails when the relation does not hold; both sides are compared rounded to 6 decimal places,
  the precision figures are stored with, so ``0.1 + 0.2`` equals ``0.3``;
* ``compulsory_pair`` fails when exactly one side has a value (both or neither is right);
* ``exclusive_pair`` fails when both sides have a value.

A figure "is there" when a value was stored for it in the period, or in any of the finer
periods inside it, which are aggregated by the element's type as an assessment does
(:mod:`kaohe.engine.aggregate`). An element whose zeros are not stored
(``zero_is_significant`` false) is never missing: its absence reads as 0, as everywhere else.

Nothing here imports Django; :mod:`kaohe.validation` reads the figures and stores the results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt

from .aggregate import ValueCube, aggregate_rows
from .expressions import (
    CompileContext,
    CompiledExpression,
    ExpressionError,
    ExprType,
    column_name,
    compile_expression,
)
from .periods import Period, PeriodType, make_period, parse_period, periods_within

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StatusArray = npt.NDArray[np.int8]

#: Decimal places both sides are rounded to before they are compared.
COMPARE_DECIMALS = 6


class Operator(str, Enum):
    """How the left side must relate to the right; DHIS2's names."""

    EQUAL_TO = "equal_to"
    NOT_EQUAL_TO = "not_equal_to"
    GREATER_THAN = "greater_than"
    GREATER_THAN_OR_EQUAL_TO = "greater_than_or_equal_to"
    LESS_THAN = "less_than"
    LESS_THAN_OR_EQUAL_TO = "less_than_or_equal_to"
    COMPULSORY_PAIR = "compulsory_pair"
    EXCLUSIVE_PAIR = "exclusive_pair"

    @property
    def is_pair(self) -> bool:
        """Whether the rule is about which sides have values rather than about the values."""
        return self in (Operator.COMPULSORY_PAIR, Operator.EXCLUSIVE_PAIR)

    @property
    def symbol(self) -> str:
        """How the relation is written between the two sides in a message."""
        return _SYMBOLS[self]

    @property
    def label_zh(self) -> str:
        """The operator's name in Chinese."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The operator's name in English."""
        return _LABELS[self][1]


_SYMBOLS: Mapping[Operator, str] = {
    Operator.EQUAL_TO: "=",
    Operator.NOT_EQUAL_TO: "≠",
    Operator.GREATER_THAN: ">",
    Operator.GREATER_THAN_OR_EQUAL_TO: "≥",
    Operator.LESS_THAN: "<",
    Operator.LESS_THAN_OR_EQUAL_TO: "≤",
    Operator.COMPULSORY_PAIR: "⇔",
    Operator.EXCLUSIVE_PAIR: "⊻",
}

_LABELS: Mapping[Operator, tuple[str, str]] = {
    Operator.EQUAL_TO: ("等于", "equal to"),
    Operator.NOT_EQUAL_TO: ("不等于", "not equal to"),
    Operator.GREATER_THAN: ("大于", "greater than"),
    Operator.GREATER_THAN_OR_EQUAL_TO: ("大于或等于", "greater than or equal to"),
    Operator.LESS_THAN: ("小于", "less than"),
    Operator.LESS_THAN_OR_EQUAL_TO: ("小于或等于", "less than or equal to"),
    Operator.COMPULSORY_PAIR: ("须同时填报（成对）", "compulsory pair (both or neither)"),
    Operator.EXCLUSIVE_PAIR: ("不得同时填报（互斥）", "exclusive pair (not both)"),
}


class MissingValueStrategy(str, Enum):
    """When a side of a rule has no value; DHIS2's names."""

    SKIP_IF_ANY_VALUE_MISSING = "SKIP_IF_ANY_VALUE_MISSING"
    SKIP_IF_ALL_VALUES_MISSING = "SKIP_IF_ALL_VALUES_MISSING"
    NEVER_SKIP = "NEVER_SKIP"


class Importance(str, Enum):
    """How much a failure matters; a data set may refuse submission on a ``high`` one."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Status(str, Enum):
    """The outcome of a rule for one unit and period."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


#: The int8 codes of :class:`Status` in an :class:`Outcome`'s ``status`` array.
STATUS_CODES: Mapping[Status, int] = {Status.PASSED: 0, Status.FAILED: 1, Status.SKIPPED: 2}
_BY_CODE = {code: status for status, code in STATUS_CODES.items()}


class RuleError(ValueError):
    """A rule that cannot be compiled; ``side`` is ``"left"`` or ``"right"``, the message is
    bilingual (Chinese first)."""

    def __init__(self, side: str, message: str) -> None:
        super().__init__(message)
        self.side = side


@dataclass(frozen=True)
class RuleSpec:
    """A validation rule as configured.

    ``unit_kinds`` empty means every kind of unit; ``period_type`` is the type of the periods
    the rule is checked for (the report's period).
    """

    code: str
    left: str
    operator: Operator
    right: str
    left_missing: MissingValueStrategy = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING
    right_missing: MissingValueStrategy = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING
    importance: Importance = Importance.MEDIUM
    period_type: PeriodType = PeriodType.MONTHLY
    unit_kinds: tuple[str, ...] = ()

    def applies_to(self, kind: str) -> bool:
        """Whether units of ``kind`` are checked by this rule."""
        return not self.unit_kinds or kind in self.unit_kinds


@dataclass(frozen=True)
class CompiledRule:
    """A rule whose two sides compiled; the elements each side reads, sorted."""

    spec: RuleSpec
    left: CompiledExpression
    right: CompiledExpression
    left_elements: tuple[str, ...]
    right_elements: tuple[str, ...]

    @property
    def elements(self) -> frozenset[str]:
        """Every element either side reads."""
        return frozenset(self.left_elements) | frozenset(self.right_elements)


_SIDE_NAMES = {"left": ("左边", "left side"), "right": ("右边", "right side")}


def compile_rule(spec: RuleSpec, elements: Iterable[str]) -> CompiledRule:
    """Check and compile both sides of ``spec`` against the element codes that exist.

    A side must be a number expression reading data elements of the rule's own period only:
    no ``.periodOffset``, no indicators, constants, targets or reporting rates. Raises
    :class:`RuleError` naming the side.
    """
    context = CompileContext(elements=frozenset(elements))
    left = _compile_side(spec.left, "left", context)
    right = _compile_side(spec.right, "right", context)
    return CompiledRule(
        spec=spec,
        left=left,
        right=right,
        left_elements=tuple(sorted({code for code, _offset in left.references.elements})),
        right_elements=tuple(sorted({code for code, _offset in right.references.elements})),
    )


def _compile_side(text: str, side: str, context: CompileContext) -> CompiledExpression:
    zh, en = _SIDE_NAMES[side]
    try:
        compiled = compile_expression(text, context, ExprType.NUMBER)
    except ExpressionError as error:
        raise RuleError(side, f"{zh}：{error.message_zh} / {en}: {error.message_en}") from None
    refs = compiled.references
    if any(offset != 0 for _code, offset in refs.elements):
        raise RuleError(
            side,
            f"{zh}：校验规则只读本期数据，不能用 .periodOffset / {en}: a validation rule reads "
            "the figures of its own period only; .periodOffset is not allowed",
        )
    if refs.indicators or refs.constants or refs.items or refs.datasets:
        raise RuleError(
            side,
            f"{zh}：校验规则只能引用数据元素 #{{…}} / {en}: a validation rule may only read "
            "data elements, #{…}",
        )
    return compiled


# --- the figures of many (unit, period) rows ------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Each element's figure in ``n`` rows: ``values`` (NaN where nothing is there) and
    ``present`` (whether anything was stored). An element absent from both is missing in
    every row."""

    n: int
    values: Mapping[str, FloatArray] = field(default_factory=dict)
    present: Mapping[str, BoolArray] = field(default_factory=dict)


def figures_of(cube: ValueCube, periods: Sequence[Period]) -> Figures:
    """The figures of every unit of ``cube`` in each of ``periods``, one row per (period,
    unit): row ``p * len(cube.units) + u``.

    A row's figure of an element aggregates, by the element's type, the values of the cube's
    periods lying inside that period (a month's figures inside a quarter); a period of the
    cube that straddles it is not read. An element whose zeros are not stored is present in
    every row, 0 where nothing was stored.
    """
    n_units = len(cube.units)
    inner = [parse_period(code) for code in cube.periods]
    keeps = [[i for i, p in enumerate(inner) if period.contains(p)] for period in periods]
    n = n_units * len(periods)
    values: dict[str, FloatArray] = {}
    present: dict[str, BoolArray] = {}
    for index, element in enumerate(cube.elements):
        value_parts: list[FloatArray] = []
        present_parts: list[BoolArray] = []
        for keep in keeps:
            block = cube.data[index][keep]
            value_parts.append(aggregate_rows(block, element.aggregation))
            present_parts.append(~np.isnan(block).all(axis=0))
        value = np.concatenate(value_parts) if value_parts else np.full(0, np.nan)
        there = np.concatenate(present_parts) if present_parts else np.zeros(0, dtype=np.bool_)
        if not element.zero_is_significant:
            value = np.where(there, value, 0.0)
            there = np.ones(n, dtype=np.bool_)
        values[element.code] = value
        present[element.code] = there
    return Figures(n=n, values=values, present=present)


def rule_periods(period_type: PeriodType, year: int) -> list[Period]:
    """The periods of ``period_type`` checked for ``year``: those lying inside the calendar
    year, or, for a type as long as a year that does not start in January (``2026Oct``), the
    one that starts in it."""
    inside = periods_within(make_period(PeriodType.YEARLY, year), period_type)
    return inside or [make_period(period_type, year)]


# --- evaluating ---------------------------------------------------------------------------


def side_values(
    expression: CompiledExpression, strategy: MissingValueStrategy, figures: Figures
) -> FloatArray:
    """One side's value in every row of ``figures``; NaN where the side has no value (its
    strategy skips it). Missing figures read as 0, and a computation that gives no value
    counts 0, wherever the side is not skipped."""
    n = figures.n
    codes = sorted({code for code, _offset in expression.references.elements})
    found = np.zeros(n, dtype=np.int64)
    columns: dict[str, FloatArray] = {}
    for code in codes:
        there = figures.present.get(code)
        if there is None:
            there = np.zeros(n, dtype=np.bool_)
        value = figures.values.get(code)
        if value is None:
            value = np.full(n, np.nan)
        found += there
        columns[column_name("e", code)] = np.where(there & ~np.isnan(value), value, 0.0)
    result = expression.evaluate(columns, n)
    result = np.where(np.isnan(result), 0.0, result)
    if strategy is MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING:
        skip = found < len(codes)
    elif strategy is MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING:
        skip = (found == 0) if codes else np.zeros(n, dtype=np.bool_)
    else:
        skip = np.zeros(n, dtype=np.bool_)
    skipped: FloatArray = np.where(skip, np.nan, result)
    return skipped


@dataclass(frozen=True)
class Outcome:
    """A rule's outcome in every row: each side's value (NaN: the side has no value) and the
    status code (:data:`STATUS_CODES`)."""

    left: FloatArray
    right: FloatArray
    status: StatusArray

    def status_of(self, row: int) -> Status:
        """The :class:`Status` of one row."""
        return _BY_CODE[int(self.status[row])]

    def rows_with(self, status: Status) -> npt.NDArray[np.intp]:
        """The indices of the rows with ``status``."""
        found: npt.NDArray[np.intp] = np.flatnonzero(self.status == STATUS_CODES[status])
        return found


def evaluate_rule(rule: CompiledRule, figures: Figures) -> Outcome:
    """``rule`` checked in every row of ``figures`` (see the module notes)."""
    spec = rule.spec
    left = side_values(rule.left, spec.left_missing, figures)
    right = side_values(rule.right, spec.right_missing, figures)
    no_left, no_right = np.isnan(left), np.isnan(right)
    if spec.operator is Operator.COMPULSORY_PAIR:
        skipped = np.zeros(figures.n, dtype=np.bool_)
        failed = no_left != no_right
    elif spec.operator is Operator.EXCLUSIVE_PAIR:
        skipped = np.zeros(figures.n, dtype=np.bool_)
        failed = ~no_left & ~no_right
    else:
        skipped = no_left | no_right
        failed = ~skipped & ~_holds(spec.operator, left, right)
    status = np.full(figures.n, STATUS_CODES[Status.PASSED], dtype=np.int8)
    status[failed] = STATUS_CODES[Status.FAILED]
    status[skipped] = STATUS_CODES[Status.SKIPPED]
    return Outcome(left=left, right=right, status=status)


def _holds(operator: Operator, left: FloatArray, right: FloatArray) -> BoolArray:
    a = np.round(left, COMPARE_DECIMALS)
    b = np.round(right, COMPARE_DECIMALS)
    with np.errstate(invalid="ignore"):
        if operator is Operator.EQUAL_TO:
            result: BoolArray = a == b
        elif operator is Operator.NOT_EQUAL_TO:
            result = a != b
        elif operator is Operator.GREATER_THAN:
            result = a > b
        elif operator is Operator.GREATER_THAN_OR_EQUAL_TO:
            result = a >= b
        elif operator is Operator.LESS_THAN:
            result = a < b
        elif operator is Operator.LESS_THAN_OR_EQUAL_TO:
            result = a <= b
        else:  # pragma: no cover - the pairs never reach here
            raise ValueError(f"{operator!r} is not a comparison")
    return result
