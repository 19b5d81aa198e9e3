"""Compiling a scheme: every expression checked and compiled once, at load time.

compile_scheme() reports every problem at once (unknown codes, syntax and type errors with a
caret, circular indicator references) and caches the compiled form per scheme version, so a
township's every recomputation skips the grammar entirely.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .combining import period_part_problems, track_problems
from .crosscheck import CorrectionMethod
from .expressions import (
    CompileContext,
    CompiledExpression,
    ExpressionError,
    ExprType,
    compile_expression,
)
from .spec import IndicatorSpec, ItemSpec, PerCaseRule, RuleType, SchemeSpec

# How deep N{X}.periodOffset(k) may nest (an indicator of last year reading one of the year before).
MAX_OFFSET_DEPTH = 3


class SchemeError(ValueError):
    """A scheme that cannot be compiled; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class CompiledIndicator:
    """An indicator with its numerator and denominator compiled."""

    spec: IndicatorSpec
    numerator: CompiledExpression
    denominator: CompiledExpression


@dataclass(frozen=True)
class CompiledItem:
    """An item with its actual (and, for per-case items, its extra counts) compiled."""

    spec: ItemSpec
    actual: CompiledExpression
    cases: tuple[CompiledExpression, ...] = ()


@dataclass(frozen=True)
class CompiledScheme:
    """A scheme whose expressions all compiled, with indicators in dependency order."""

    spec: SchemeSpec
    indicators: tuple[CompiledIndicator, ...]
    items: tuple[CompiledItem, ...]
    vetoes: tuple[tuple[str, CompiledExpression], ...]
    # (element code, period offset) pairs read by any expression, and the offsets at which
    # some expression reads an indicator (N{X}.periodOffset(k)).
    element_refs: frozenset[tuple[str, int]]
    indicator_offsets: frozenset[int]
    # Indicators grouped so each group reads only indicators of earlier groups.
    indicator_levels: tuple[tuple[CompiledIndicator, ...], ...] = ()
    # The coefficient multiplying each unit's combined score, when the scheme has one.
    coefficient: CompiledExpression | None = None
    # (data set code, metric) pairs read by R{DATASET.METRIC} in any expression.
    dataset_refs: frozenset[tuple[str, str]] = frozenset()
    # (element code, measure) pairs read by S{ELEMENT.MEASURE} in any expression.
    source_refs: frozenset[tuple[str, str]] = frozenset()

    @property
    def element_codes(self) -> frozenset[str]:
        """Codes of every data element the scheme reads."""
        return frozenset(code for code, _ in self.element_refs)

    @property
    def dataset_codes(self) -> frozenset[str]:
        """Codes of every data set whose reporting figures the scheme reads (``R{}``)."""
        return frozenset(code for code, _ in self.dataset_refs)

    @property
    def needs_previous_actuals(self) -> bool:
        """Whether an item scores progress against the previous period."""
        return any(i.spec.rule_type is RuleType.LEVEL_PROGRESS for i in self.items)

    def frame_offsets(self) -> frozenset[int]:
        """Offsets of the periods for which a whole frame of indicators is evaluated."""
        bases = {0}
        if self.needs_previous_actuals:
            bases.add(-1)
        for _ in range(MAX_OFFSET_DEPTH):
            bases |= {b + off for b in bases for off in self.indicator_offsets}
        return frozenset(bases)

    def required_offsets(self) -> frozenset[int]:
        """Offsets of the periods whose figures :func:`assess` needs (cubes to load)."""
        return frozenset(
            base + off for base in self.frame_offsets() for _, off in self.element_refs
        ) | {0}


def compile_scheme(
    scheme: SchemeSpec,
    element_codes: frozenset[str],
    dataset_codes: frozenset[str] = frozenset(),
    period_type: str | None = None,
) -> CompiledScheme:
    """Compile and check every expression of ``scheme``; raise :class:`SchemeError` listing all
    problems (unknown codes, syntax and type errors with carets, circular indicators, items
    without a valid track, bad period parts).

    ``period_type`` is the DHIS2 type of the scheme's assessment period; given, each period
    part is also checked against it (not coarser, its index inside every such period).
    """
    key = (scheme_fingerprint(scheme), element_codes, dataset_codes, period_type or "")
    cached = _COMPILED.get(key)
    if cached is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        cached = _COMPILED[key] = _compile(scheme, element_codes, dataset_codes, period_type)
    return cached


# Compiled schemes by (fingerprint, element codes, data set codes, period type); a scheme's
# compiled form never changes, so a small cache spares a township's every recomputation the
# Lark pass.
_COMPILED: dict[tuple[str, frozenset[str], frozenset[str], str], CompiledScheme] = {}
_COMPILED_MAX = 64


def _compile(
    scheme: SchemeSpec,
    element_codes: frozenset[str],
    dataset_codes: frozenset[str],
    period_type: str | None = None,
) -> CompiledScheme:
    context = CompileContext(
        elements=element_codes,
        indicators=frozenset(i.code for i in scheme.indicators),
        constants=dict(scheme.constants),
        items=frozenset(i.code for i in scheme.items),
        datasets=dataset_codes,
    )
    problems: list[str] = []

    def compile_one(label: str, text: str, expected: ExprType) -> CompiledExpression | None:
        try:
            return compile_expression(text, context, expected)
        except ExpressionError as error:
            problems.append(f"{label}: {error}")
            return None

    indicators: dict[str, CompiledIndicator] = {}
    for ind in scheme.indicators:
        num = compile_one(f"indicator {ind.code} numerator", ind.numerator, ExprType.NUMBER)
        den = compile_one(f"indicator {ind.code} denominator", ind.denominator, ExprType.NUMBER)
        if num is not None and den is not None:
            indicators[ind.code] = CompiledIndicator(ind, num, den)
    items: list[CompiledItem] = []
    for item in scheme.items:
        actual = compile_one(f"item {item.code} actual", item.actual, ExprType.NUMBER)
        cases: list[CompiledExpression] = []
        if isinstance(item.rule, PerCaseRule):
            for k, term in enumerate(item.rule.also):
                compiled = compile_one(
                    f"item {item.code} case {k + 1}", term.expression, ExprType.NUMBER
                )
                if compiled is not None:
                    cases.append(compiled)
        if actual is not None:
            items.append(CompiledItem(item, actual, tuple(cases)))
    vetoes: list[tuple[str, CompiledExpression]] = []
    for veto in scheme.vetoes:
        cond = compile_one(f"veto {veto.code}", veto.condition, ExprType.BOOLEAN)
        if cond is not None:
            vetoes.append((veto.code, cond))
    coefficient: CompiledExpression | None = None
    if scheme.coefficient is not None and scheme.coefficient.strip():
        coefficient = compile_one("coefficient", scheme.coefficient, ExprType.NUMBER)
    problems += track_problems(scheme)
    problems += period_part_problems(scheme.period_parts, period_type)
    order = _indicator_order(indicators, problems)
    if problems:
        raise SchemeError(problems)
    element_refs: set[tuple[str, int]] = set()
    indicator_offsets: set[int] = set()
    dataset_refs: set[tuple[str, str]] = set()
    source_refs: set[tuple[str, str]] = set()
    extra = [coefficient] if coefficient is not None else []
    for compiled in _all_expressions(list(indicators.values()), items, vetoes) + extra:
        element_refs |= compiled.references.elements
        dataset_refs |= compiled.references.datasets
        source_refs |= compiled.references.sources
        indicator_offsets |= {off for _, off in compiled.references.indicators if off != 0}
    # The cross-checked elements' reports are read like any other figure.
    element_refs |= {(code, 0) for code, _ in source_refs}
    for correction in scheme.corrections:
        if correction.element in element_codes:
            element_refs.add((correction.element, 0))
        else:
            problems.append(f"correction {correction.element}: unknown data element")
        if correction.method not in {m.value for m in CorrectionMethod}:
            problems.append(f"correction {correction.element}: unknown method {correction.method}")
    if problems:
        raise SchemeError(problems)
    ordered = [indicators[c] for c in order]
    return CompiledScheme(
        spec=scheme,
        indicators=tuple(ordered),
        items=tuple(items),
        vetoes=tuple(vetoes),
        element_refs=frozenset(element_refs),
        indicator_offsets=frozenset(indicator_offsets),
        indicator_levels=_indicator_levels(ordered),
        coefficient=coefficient,
        dataset_refs=frozenset(dataset_refs),
        source_refs=frozenset(source_refs),
    )


def _indicator_levels(
    ordered: Sequence[CompiledIndicator],
) -> tuple[tuple[CompiledIndicator, ...], ...]:
    """Indicators grouped so each group reads only indicators of earlier groups."""
    level: dict[str, int] = {}
    groups: list[list[CompiledIndicator]] = []
    for ci in ordered:
        deps = {
            c
            for c, off in ci.numerator.references.indicators | ci.denominator.references.indicators
            if off == 0
        }
        mine = max((level[d] + 1 for d in deps if d in level), default=0)
        level[ci.spec.code] = mine
        while len(groups) <= mine:
            groups.append([])
        groups[mine].append(ci)
    return tuple(tuple(g) for g in groups)


def _all_expressions(
    indicators: Sequence[CompiledIndicator],
    items: Sequence[CompiledItem],
    vetoes: Sequence[tuple[str, CompiledExpression]],
) -> list[CompiledExpression]:
    exprs: list[CompiledExpression] = []
    for ci in indicators:
        exprs += [ci.numerator, ci.denominator]
    for item in items:
        exprs.append(item.actual)
        exprs += list(item.cases)
    exprs += [cond for _, cond in vetoes]
    return exprs


def _indicator_order(indicators: Mapping[str, CompiledIndicator], problems: list[str]) -> list[str]:
    """Indicators in an order where each comes after those it reads; report cycles."""
    deps = {
        code: sorted(
            {
                c
                for c, off in ci.numerator.references.indicators
                | ci.denominator.references.indicators
                if off == 0
            }
        )
        for code, ci in indicators.items()
    }
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == 2 or code not in deps:
            return
        if state.get(code) == 1:
            cycle = [*path[path.index(code) :], code]
            problems.append("循环引用的指标 / circular indicator reference: " + " → ".join(cycle))
            return
        state[code] = 1
        for dep in deps[code]:
            visit(dep, [*path, code])
        state[code] = 2
        order.append(code)

    for code in sorted(deps):
        visit(code, [])
    return order


def scheme_fingerprint(spec: SchemeSpec) -> str:
    """sha256 of the scheme's repr: a fallback identity when the caller has no canonical hash."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()
