"""The whole assessment of one scheme over many units, vectorised.

compile_scheme()   checks and compiles every expression once (at load time, and cached);
assess()           aggregates the figures, computes indicators in dependency order, scores every
                   item, applies vetoes, totals, grades and ranks, and explains each item.

Every step is a Polars expression over a wide frame with one row per unit (column names in
:mod:`kaohe.engine.spec`), so a province costs little more than a township.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from .aggregate import ValueCube, aggregate_cube
from .expressions import (
    CompileContext,
    CompiledExpression,
    ExpressionError,
    ExprType,
    compile_expression,
)
from .grading import grade_expr, rank_expr, total_expr
from .rounding import round_half_up_expr
from .rules import item_columns
from .spec import IndicatorSpec, ItemSpec, PerCaseRule, RuleType, SchemeSpec

FloatArray = npt.NDArray[np.float64]

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
    # Polars expressions built once per compiled scheme: building them costs more than
    # evaluating them for a township.
    indicator_levels: tuple[tuple[pl.Expr, ...], ...] = ()
    actual_exprs: tuple[pl.Expr, ...] = ()
    previous_exprs: tuple[pl.Expr, ...] = ()
    scoring_exprs: tuple[pl.Expr, ...] = ()

    @property
    def element_codes(self) -> frozenset[str]:
        """Codes of every data element the scheme reads."""
        return frozenset(code for code, _ in self.element_refs)

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
) -> CompiledScheme:
    """Compile and check every expression of ``scheme``; raise :class:`SchemeError` listing all
    problems (unknown codes, syntax and type errors with carets, circular indicators)."""
    key = (scheme_fingerprint(scheme), element_codes, dataset_codes)
    cached = _COMPILED.get(key)
    if cached is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        cached = _COMPILED[key] = _compile(scheme, element_codes, dataset_codes)
    return cached


# Compiled schemes by (fingerprint, element codes, data set codes); a scheme's compiled form
# never changes, so a small cache spares a township's every recomputation the Lark pass.
_COMPILED: dict[tuple[str, frozenset[str], frozenset[str]], CompiledScheme] = {}
_COMPILED_MAX = 64


def _compile(
    scheme: SchemeSpec, element_codes: frozenset[str], dataset_codes: frozenset[str]
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
    order = _indicator_order(indicators, problems)
    if problems:
        raise SchemeError(problems)
    element_refs: set[tuple[str, int]] = set()
    indicator_offsets: set[int] = set()
    for compiled in _all_expressions(list(indicators.values()), items, vetoes):
        element_refs |= compiled.references.elements
        indicator_offsets |= {off for _, off in compiled.references.indicators if off != 0}
    ordered = [indicators[c] for c in order]
    return CompiledScheme(
        spec=scheme,
        indicators=tuple(ordered),
        items=tuple(items),
        vetoes=tuple(vetoes),
        element_refs=frozenset(element_refs),
        indicator_offsets=frozenset(indicator_offsets),
        indicator_levels=_indicator_levels(ordered),
        actual_exprs=tuple(
            [_actual_expr(item).alias(f"a:{item.spec.code}") for item in items]
            + [
                round_half_up_expr(case.expr, item.spec.decimals).alias(f"c:{item.spec.code}:{k}")
                for item in items
                for k, case in enumerate(item.cases)
            ]
        ),
        previous_exprs=tuple(
            _actual_expr(item).alias(f"p:{item.spec.code}")
            for item in items
            if item.spec.rule_type is RuleType.LEVEL_PROGRESS
        ),
        scoring_exprs=tuple(
            [expr for item in items for expr in item_columns(item.spec, "kind")]
            + [cond.expr.alias(f"v:{code}") for code, cond in vetoes]
        ),
    )


def _indicator_levels(ordered: Sequence[CompiledIndicator]) -> tuple[tuple[pl.Expr, ...], ...]:
    """Indicator expressions grouped so each group reads only indicators of earlier groups:
    one ``with_columns`` per group instead of one per indicator."""
    level: dict[str, int] = {}
    groups: list[list[pl.Expr]] = []
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
        groups[mine].append(_indicator_expr(ci))
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


# --- inputs and results ---------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentInputs:
    """Everything scores depend on besides the scheme.

    ``cubes`` maps a period offset (0 = the assessed period, -1 = the one before) to that
    period's figures; every cube lists the same units in the same order. ``kinds`` gives each
    unit's kind. ``targets`` maps an item code to per-unit targets (NaN = use the default).
    """

    units: tuple[str, ...]
    kinds: tuple[str, ...]
    cubes: Mapping[int, ValueCube]
    targets: Mapping[str, FloatArray] = field(default_factory=dict)


@dataclass(frozen=True)
class AssessmentResult:
    """What :func:`assess` returns.

    ``units``: unit, kind, total, grade, rank, vetoed, vetoes (list of codes), flags (list).
    ``items``: unit, item, actual, target, score, flag, explanation_zh, explanation_en.
    ``indicators``: unit and one column per indicator (``n:CODE``).
    """

    units: pl.DataFrame
    items: pl.DataFrame
    indicators: pl.DataFrame
    inputs_hash: str
    scheme_hash: str


class _Frames:
    """Builds and memoises the wide frame of each period offset a scheme reads."""

    def __init__(self, compiled: CompiledScheme, inputs: AssessmentInputs) -> None:
        self.compiled = compiled
        self.inputs = inputs
        self._aggregated: dict[int, dict[str, FloatArray]] = {}
        self._frames: dict[int, pl.DataFrame] = {}

    def aggregated(self, offset: int) -> dict[str, FloatArray]:
        if offset not in self._aggregated:
            cube = self.inputs.cubes.get(offset)
            self._aggregated[offset] = aggregate_cube(cube) if cube is not None else {}
        return self._aggregated[offset]

    def frame(self, base: int, depth: int = 0) -> pl.DataFrame:
        """Elements, targets and indicators of the period at offset ``base``."""
        if base in self._frames:
            return self._frames[base]
        n = len(self.inputs.units)
        columns: list[pl.Series] = [
            pl.Series("unit", self.inputs.units, dtype=pl.String),
            pl.Series("kind", self.inputs.kinds, dtype=pl.String),
        ]
        for code, off in sorted(self.compiled.element_refs):
            name = f"e:{code}" if off == 0 else f"e:{code}@{off}"
            values = self.aggregated(base + off).get(code)
            if values is None:
                columns.append(pl.Series(name, [None] * n, dtype=pl.Float64))
            else:
                columns.append(pl.Series(name, values, dtype=pl.Float64, nan_to_null=True))
        columns += self._target_columns(n)
        frame = pl.DataFrame(columns)
        for off in sorted(self.compiled.indicator_offsets):
            names = [ci.spec.code for ci in self.compiled.indicators]
            if depth < MAX_OFFSET_DEPTH:
                shifted = self.frame(base + off, depth + 1)
                frame = frame.with_columns(
                    shifted.select([pl.col(f"n:{c}").alias(f"n:{c}@{off}") for c in names])
                )
            else:
                frame = frame.with_columns(
                    [pl.lit(None, dtype=pl.Float64).alias(f"n:{c}@{off}") for c in names]
                )
        for group in self.compiled.indicator_levels:
            frame = frame.with_columns(group)
        self._frames[base] = frame
        return frame

    def _target_columns(self, n: int) -> list[pl.Series]:
        columns = []
        for item in self.compiled.spec.items:
            default = np.nan if item.target is None else float(item.target)
            values = np.full(n, default, dtype=np.float64)
            override = self.inputs.targets.get(item.code)
            if override is not None:
                values = np.where(np.isnan(override), values, override)
            columns.append(pl.Series(f"t:{item.code}", values, nan_to_null=True))
        return columns


def _indicator_expr(ci: CompiledIndicator) -> pl.Expr:
    """numerator / denominator × factor rounded to the shown decimals; zero or missing → null."""
    spec = ci.spec
    num = ci.numerator.expr
    den = ci.denominator.expr
    raw = pl.when(den == 0).then(None).otherwise(num / den * spec.factor)
    return round_half_up_expr(raw, spec.decimals).alias(f"n:{spec.code}")


def _actual_expr(item: CompiledItem) -> pl.Expr:
    return round_half_up_expr(item.actual.expr, item.spec.decimals)


def assess(
    compiled: CompiledScheme, inputs: AssessmentInputs, scheme_hash: str | None = None
) -> AssessmentResult:
    """Score, veto, total, grade, rank and explain every unit of ``inputs``.

    Deterministic: the same scheme and inputs give identical frames and hashes. ``scheme_hash``
    is the caller's canonical hash of the scheme version (the database keeps one per version);
    without it a fingerprint of the spec is used.
    """
    spec = compiled.spec
    frames = _Frames(compiled, inputs)
    frame = frames.frame(0)
    frame = frame.with_columns(compiled.actual_exprs)
    if compiled.previous_exprs:
        frame = frame.with_columns(frames.frame(-1).select(compiled.previous_exprs))
    scored = frame.with_columns(compiled.scoring_exprs)
    veto_codes = [code for code, _ in compiled.vetoes]
    fired = [pl.when(pl.col(f"v:{c}").fill_null(False)).then(pl.lit(c)) for c in veto_codes]
    undetermined = [
        pl.when(pl.col(f"v:{c}").is_null()).then(pl.lit(f"veto_undetermined:{c}"))
        for c in veto_codes
    ]
    item_flags = [
        pl.when(pl.col(f"f:{i.spec.code}").is_not_null()).then(
            pl.concat_str([pl.col(f"f:{i.spec.code}"), pl.lit(f":{i.spec.code}")])
        )
        for i in compiled.items
    ]
    empty_list = pl.lit([], dtype=pl.List(pl.String))
    vetoes_col = pl.concat_list(fired).list.drop_nulls() if fired else empty_list
    flags_col = (
        pl.concat_list(item_flags + undetermined).list.drop_nulls()
        if item_flags or undetermined
        else empty_list
    )
    units = scored.with_columns(
        total_expr(spec.items).alias("total"),
        vetoes_col.alias("vetoes"),
        flags_col.alias("flags"),
    ).with_columns(vetoed=pl.col("vetoes").list.len() > 0)
    units = units.with_columns(
        grade_expr(pl.col("total"), pl.col("vetoed"), spec.grades, spec.veto_grade).alias("grade"),
        rank_expr(pl.col("total"), pl.col("vetoed"), "kind").alias("rank"),
    )
    unit_frame = units.select("unit", "kind", "total", "grade", "rank", "vetoed", "vetoes", "flags")
    item_frame = _long_items(units, compiled.items)
    indicator_frame = frame.select(["unit"] + [f"n:{ci.spec.code}" for ci in compiled.indicators])
    return AssessmentResult(
        units=unit_frame,
        items=item_frame,
        indicators=indicator_frame,
        inputs_hash=_inputs_hash(frame, compiled),
        scheme_hash=scheme_hash or scheme_fingerprint(spec),
    )


def _long_items(units: pl.DataFrame, items: Sequence[CompiledItem]) -> pl.DataFrame:
    """One row per (unit, item), in unit order then scheme order."""
    parts = [
        units.select(
            pl.col("unit"),
            pl.lit(item.spec.code).alias("item"),
            pl.col(f"a:{item.spec.code}").alias("actual"),
            pl.col(f"t:{item.spec.code}").alias("target"),
            pl.col(f"s:{item.spec.code}").alias("score"),
            pl.col(f"f:{item.spec.code}").alias("flag"),
            pl.col(f"xz:{item.spec.code}").alias("explanation_zh"),
            pl.col(f"xe:{item.spec.code}").alias("explanation_en"),
            pl.lit(position, dtype=pl.Int32).alias("_order"),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        )
        for position, item in enumerate(items)
    ]
    if not parts:
        return pl.DataFrame(
            schema={
                "unit": pl.String,
                "item": pl.String,
                "actual": pl.Float64,
                "target": pl.Float64,
                "score": pl.Float64,
                "flag": pl.String,
                "explanation_zh": pl.String,
                "explanation_en": pl.String,
            }
        )
    return pl.concat(parts).sort("_row", "_order").drop("_row", "_order")


def _inputs_hash(frame: pl.DataFrame, compiled: CompiledScheme) -> str:
    """sha256 over the figures and targets the scores were computed from, in a fixed order."""
    digest = hashlib.sha256()
    columns = sorted(c for c in frame.columns if c.startswith(("e:", "t:")))
    digest.update("\x1f".join(["unit", "kind", *columns]).encode())
    for name in ["unit", "kind"]:
        digest.update("\x1f".join(frame.get_column(name).to_list()).encode())
    for name in columns:
        values = frame.get_column(name).fill_null(float("nan")).to_numpy()
        digest.update(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return digest.hexdigest()


def scheme_fingerprint(spec: SchemeSpec) -> str:
    """sha256 of the scheme's canonical repr (dataclass reprs are deterministic)."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()
