"""What an expression reads: for dependency ordering, data loading and bundle validation."""

from __future__ import annotations

from dataclasses import dataclass

from .nodes import (
    ConstantRef,
    ElementRef,
    IndicatorRef,
    Node,
    ReportingRateRef,
    SourceRef,
    TargetRef,
    children,
)
from .parser import parse


@dataclass(frozen=True)
class References:
    """The operands an expression mentions, whether or not every branch is evaluated.

    Elements and indicators come with their period offset (0 for the assessment period
    itself, -1 for ``.periodOffset(-1)``); data sets with the metric read
    (one of :data:`~kaohe.engine.expressions.parser.REPORTING_RATE_METRICS`).
    """

    elements: frozenset[tuple[str, int]] = frozenset()
    indicators: frozenset[tuple[str, int]] = frozenset()
    constants: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()
    datasets: frozenset[tuple[str, str]] = frozenset()
    # (element code, measure) pairs read by S{ELEMENT.MEASURE}.
    sources: frozenset[tuple[str, str]] = frozenset()

    def __or__(self, other: References) -> References:
        return References(
            elements=self.elements | other.elements,
            indicators=self.indicators | other.indicators,
            constants=self.constants | other.constants,
            items=self.items | other.items,
            datasets=self.datasets | other.datasets,
            sources=self.sources | other.sources,
        )


def collect_references(node: Node) -> References:
    """Every operand in the tree under ``node``."""
    elements: set[tuple[str, int]] = set()
    indicators: set[tuple[str, int]] = set()
    constants: set[str] = set()
    items: set[str] = set()
    datasets: set[tuple[str, str]] = set()
    sources: set[tuple[str, str]] = set()
    # An explicit stack rather than recursion: a long chain like a+b+…+z is a deep tree.
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ElementRef):
            # A disaggregated #{X.COC} still depends on X (the compiler rejects it anyway).
            elements.add((current.code, current.offset))
        elif isinstance(current, IndicatorRef):
            indicators.add((current.code, current.offset))
        elif isinstance(current, ConstantRef):
            constants.add(current.code)
        elif isinstance(current, TargetRef):
            items.add(current.item)
        elif isinstance(current, ReportingRateRef):
            datasets.add((current.dataset, current.metric))
        elif isinstance(current, SourceRef):
            sources.add((current.element, current.measure))
        stack.extend(children(current))
    return References(
        elements=frozenset(elements),
        indicators=frozenset(indicators),
        constants=frozenset(constants),
        items=frozenset(items),
        datasets=frozenset(datasets),
        sources=frozenset(sources),
    )


def referenced_codes(text: str) -> References:
    """Parse ``text`` and list what it reads, without checking that the codes exist.

    Raises :class:`~kaohe.engine.expressions.errors.ExpressionError` on a syntax error.
    """
    return collect_references(parse(text))
