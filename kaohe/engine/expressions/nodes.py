"""The abstract syntax tree of an expression: small frozen dataclasses with source positions.

Every node carries the 1-based ``line`` and ``column`` of its *anchor*, the place an error
about the node should point at: the operator of a unary or binary operation, the name of a
function call, the first character of an operand or literal. :func:`start` gives where the
node's text begins instead (the left operand's start for a binary operation).

Operators are normalised (``and`` → ``&&``, ``or`` → ``||``, ``not`` → ``!``); ``symbol``
keeps the spelling the author used so that messages quote their own text back to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Node:
    """Base class of all nodes."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Number(Node):
    """A numeric literal, kept as the exact decimal the author wrote."""

    value: Decimal
    text: str


@dataclass(frozen=True, slots=True)
class Boolean(Node):
    """``true`` or ``false``."""

    value: bool


@dataclass(frozen=True, slots=True)
class ElementRef(Node):
    """``#{CODE}``: a data element aggregated over the period ``offset`` periods away.

    ``disaggregation`` holds the text after the first dot of ``#{CODE.COC}`` or
    ``#{CODE.COC.AOC}``; the parser accepts it so that the compiler can say precisely that
    disaggregation is not supported.
    """

    code: str
    offset: int = 0
    disaggregation: str | None = None


@dataclass(frozen=True, slots=True)
class IndicatorRef(Node):
    """``N{CODE}``: another indicator's value, ``offset`` periods away."""

    code: str
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ConstantRef(Node):
    """``C{CODE}``: a named constant, inlined at compile time."""

    code: str


@dataclass(frozen=True, slots=True)
class TargetRef(Node):
    """``T{ITEM}``: the unit's contract target for scoring item ``ITEM``."""

    item: str


@dataclass(frozen=True, slots=True)
class ReportingRateRef(Node):
    """``R{DATASET.METRIC}``: a data set's reporting figure for the unit over the assessed period:
    ``REPORTING_RATE`` and ``REPORTING_RATE_ON_TIME`` in percent, ``ACTUAL_REPORTS``,
    ``ACTUAL_REPORTS_ON_TIME`` and ``EXPECTED_REPORTS`` as counts."""

    dataset: str
    metric: str


@dataclass(frozen=True, slots=True)
class SourceRef(Node):
    """``S{ELEMENT.MEASURE}``: an element's figure as cross-checked against other sources over
    the assessed period (:mod:`kaohe.engine.crosscheck`): ``REPORTED``, ``FOUND``, ``CHECKED``,
    ``CORRECTED``, ``UNDER_REPORTED``, ``OVER_REPORTED`` or ``ACCURACY``."""

    element: str
    measure: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``-x``, ``+x`` or ``!x``; ``op`` is one of ``"-"``, ``"+"``, ``"!"``."""

    op: str
    symbol: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``left op right``; the node's position is the operator's.

    ``op`` is one of ``^ * / % + - < > <= >= == != && ||``.
    """

    op: str
    symbol: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call such as ``if(c, a, b)``; the node's position is the function name's."""

    name: str
    args: tuple[Node, ...]


Operand = ElementRef | IndicatorRef | ConstantRef | TargetRef | ReportingRateRef | SourceRef


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, left to right."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def start(node: Node) -> tuple[int, int]:
    """The (line, column) where the text of ``node`` begins."""
    # Only a binary operation begins before its anchor; walk down its left spine iteratively
    # so that a very long chain such as 1+1+…+1 cannot exhaust the stack.
    while isinstance(node, Binary):
        node = node.left
    return node.line, node.column
