"""The whole assessment of one scheme over many units, vectorised.

``assess`` aggregates the figures, computes indicators in dependency order, scores every item,
applies vetoes, totals, grades and ranks, and explains each item in Chinese and English.

The numbers flow through NumPy arrays (one value per unit, NaN = missing): at township scale a
Polars query spends more time planning than computing (≈0.2 ms per expression, measured), while
NumPy's per-operation cost is microseconds, and at province scale the two are alike. Polars
builds the explanation strings for large frames (vectorised string formatting) and holds the
results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from .aggregate import ValueCube, aggregate_cube
from .combining import FLAG_COEFFICIENT_MISSING, combine, combine_weighted
from .compiling import (
    MAX_OFFSET_DEPTH,
    CompiledIndicator,
    CompiledItem,
    CompiledScheme,
    SchemeError,
    compile_scheme,
    scheme_fingerprint,
)
from .corrections import EMPTY, CrossCheckInputs, append_notes, area_columns, cross_columns
from .expressions import source_column
from .grading import grade_codes, ranks
from .reporting import ReportCounts, reporting_columns
from .result_frames import ScoredPeriod, codes_per_unit, explanations, long_items, made_columns
from .rounding import round_half_up_array
from .rules import FLAG_NAMES, ItemInputs, ItemOutcome, score_item
from .spec import PeriodPartSpec, RuleType

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "AssessmentInputs",
    "AssessmentResult",
    "CompiledScheme",
    "SchemeError",
    "area_indicators",
    "assess",
    "compile_scheme",
    "scheme_fingerprint",
]


@dataclass(frozen=True)
class AssessmentInputs:
    """Everything scores depend on besides the scheme.

    ``cubes`` maps a period offset (0 = the assessed period, -1 = the one before) to that
    period's figures; every cube lists the same units in the same order. ``kinds`` gives each
    unit's kind (units are compared within it). ``targets`` maps an item code to per-unit
    targets (NaN = use the item's default).

    ``parts`` serves schemes with period parts: per part code, that part's figures by period
    offset from the part's own period (0 = the part, -1 = the period of the part's type before
    it), with the same units. ``cubes`` still hold the whole year's: vetoes and indicators are
    decided on them.

    ``reports`` maps a data set code to its reports per unit over the assessed period (see
    :mod:`kaohe.engine.reporting`), for every data set the scheme reads with ``R{}``;
    ``part_reports`` the same per period part code, over that part's period. ``R{}`` reads the
    assessed period (or part) only: in another period's frame (``.periodOffset``, progress
    items) it is missing.

    ``cross`` holds what other sources found over the assessed period, for ``S{}`` and the
    scheme's corrections (:mod:`kaohe.engine.corrections`); like ``R{}`` it serves the assessed
    period only (period parts and other periods' frames read the reports as they are).
    """

    units: tuple[str, ...]
    kinds: tuple[str, ...]
    cubes: Mapping[int, ValueCube]
    targets: Mapping[str, FloatArray] = field(default_factory=dict)
    parts: Mapping[str, Mapping[int, ValueCube]] = field(default_factory=dict)
    reports: Mapping[str, ReportCounts] = field(default_factory=dict)
    part_reports: Mapping[str, Mapping[str, ReportCounts]] = field(default_factory=dict)
    cross: CrossCheckInputs = EMPTY


@dataclass(frozen=True)
class AssessmentResult:
    """What :func:`assess` returns.

    ``units``: unit, kind, total, grade, rank, vetoed, vetoes (codes), flags, then how the
    total was made — ``track:CODE`` per track; ``coefficient`` (as applied, null where missing)
    when the scheme has one and no period parts; with period parts ``period:CODE`` (each part's
    total), ``track:CODE@PART`` and ``coefficient@PART``, ``track:CODE`` being the parts' track
    scores combined by the parts' weights — and explanation_zh, explanation_en (the total
    explained) — in input order.
    ``items``: unit, part ("" for the year, else the period part's code), item, actual, target,
    score, flag, explanation_zh, explanation_en — part by part, item by item in scheme order,
    units in input order within each item.
    ``indicators``: unit and one column per indicator (``n:CODE``), of the whole year.
    """

    units: pl.DataFrame
    items: pl.DataFrame
    indicators: pl.DataFrame
    inputs_hash: str
    scheme_hash: str


class _Columns:
    """Builds and memoises the columns (one array per name) of each period offset."""

    def __init__(self, compiled: CompiledScheme, inputs: AssessmentInputs) -> None:
        self.compiled = compiled
        self.inputs = inputs
        self.n = len(inputs.units)
        self._aggregated: dict[int, dict[str, FloatArray]] = {}
        self._frames: dict[int, dict[str, FloatArray]] = {}
        self._targets = self._target_columns()
        self._reporting = (
            reporting_columns(compiled.dataset_refs, inputs.reports, self.n)
            if compiled.dataset_refs
            else {}
        )
        self._shifted_indicators, self._shifted_elements = _shifted_needs(compiled)
        # Notes per corrected element (set when the assessed period's frame is built).
        self.cross_notes: dict[str, tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]]] = {}
        # Columns that replace computed ones in the assessed period's frame (areas).
        self.overrides: Mapping[str, FloatArray] = {}

    def aggregated(self, offset: int) -> dict[str, FloatArray]:
        if offset not in self._aggregated:
            cube = self.inputs.cubes.get(offset)
            self._aggregated[offset] = (
                aggregate_cube(cube, self.compiled.element_codes) if cube is not None else {}
            )
        return self._aggregated[offset]

    def frame(self, base: int, depth: int = 0) -> dict[str, FloatArray]:
        """Elements, targets and indicators of the period at offset ``base``."""
        if base in self._frames:
            return self._frames[base]
        missing = np.full(self.n, np.nan)
        columns: dict[str, FloatArray] = dict(self._targets)
        if base == 0:
            columns.update(self._reporting)
        else:
            # R{} reads the assessed period only: in another period's frame it is missing.
            columns.update((name, missing) for name in self._reporting)
        # Another period's frame only serves progress items and N{X}.periodOffset(k): it needs
        # just the indicators those read (a province's previous year is not aggregated whole).
        refs = self.compiled.element_refs if base == 0 else self._shifted_elements
        for code, off in refs:
            name = f"e:{code}" if off == 0 else f"e:{code}@{off}"
            columns[name] = self.aggregated(base + off).get(code, missing)
        if self.compiled.source_refs or self.compiled.spec.corrections:
            if base == 0:
                cross = cross_columns(self.compiled, columns_of(columns), self.inputs.cross, self.n)
                columns.update(cross.columns)
                columns.update(self.overrides)
                self.cross_notes = cross.notes
            else:
                # S{} reads the assessed period only, like R{}.
                columns.update(
                    (source_column(code, measure), missing)
                    for code, measure in self.compiled.source_refs
                )
        for off in sorted(self.compiled.indicator_offsets):
            shifted = self.frame(base + off, depth + 1) if depth < MAX_OFFSET_DEPTH else {}
            for ci in self.compiled.indicators:
                code = ci.spec.code
                columns[f"n:{code}@{off}"] = shifted.get(f"n:{code}", missing)
        for level in self.compiled.indicator_levels:
            for ci in level:
                if base == 0 or ci.spec.code in self._shifted_indicators:
                    columns[f"n:{ci.spec.code}"] = _indicator_values(ci, columns, self.n)
        self._frames[base] = columns
        return columns

    def _target_columns(self) -> dict[str, FloatArray]:
        columns: dict[str, FloatArray] = {}
        for item in self.compiled.spec.items:
            default = np.nan if item.target is None else float(item.target)
            values = np.full(self.n, default, dtype=np.float64)
            override = self.inputs.targets.get(item.code)
            if override is not None:
                values = np.where(np.isnan(override), values, override)
            columns[f"t:{item.code}"] = values
        return columns


def columns_of(columns: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """The aggregated reports of the frame (``e:CODE`` → ``CODE``), before any correction."""
    return {
        name[2:]: values
        for name, values in columns.items()
        if name.startswith("e:") and "@" not in name
    }


def _shifted_needs(
    compiled: CompiledScheme,
) -> tuple[frozenset[str], frozenset[tuple[str, int]]]:
    """Indicators (with everything they read) and element references needed in the frames of
    other periods: the actuals of progress items, and indicators read at a period offset."""
    wanted: set[str] = set()
    element_refs: set[tuple[str, int]] = set()
    for item in compiled.items:
        if item.spec.rule_type is RuleType.LEVEL_PROGRESS:
            wanted |= {code for code, _ in item.actual.references.indicators}
            element_refs |= item.actual.references.elements
    expressions = [ci.numerator for ci in compiled.indicators]
    expressions += [ci.denominator for ci in compiled.indicators]
    expressions += [item.actual for item in compiled.items]
    expressions += [case for item in compiled.items for case in item.cases]
    expressions += [cond for _, cond in compiled.vetoes]
    if compiled.coefficient is not None:
        expressions.append(compiled.coefficient)
    for expression in expressions:
        wanted |= {code for code, off in expression.references.indicators if off != 0}
    by_code = {ci.spec.code: ci for ci in compiled.indicators}
    pending = list(wanted)
    while pending:
        ci = by_code.get(pending.pop())
        if ci is None:
            continue
        for expression in (ci.numerator, ci.denominator):
            element_refs |= expression.references.elements
            for code, _ in expression.references.indicators:
                if code not in wanted:
                    wanted.add(code)
                    pending.append(code)
    return frozenset(wanted), frozenset(element_refs)


def _indicator_values(
    ci: CompiledIndicator, columns: Mapping[str, FloatArray], n: int
) -> FloatArray:
    """numerator / denominator × factor, rounded as shown; a zero denominator → missing."""
    numerator = ci.numerator.evaluate(columns, n)
    denominator = ci.denominator.evaluate(columns, n)
    with np.errstate(all="ignore"):
        raw = numerator / denominator * ci.spec.factor
    raw[~np.isfinite(raw)] = np.nan
    return _shown(raw, ci.spec.decimals)


def _shown(values: FloatArray, decimals: int) -> FloatArray:
    """Half-up to the shown decimals, with binary noise removed (19.400000000000002 → 19.4)."""
    return np.round(round_half_up_array(values, decimals), decimals)


def _item_inputs(
    item: CompiledItem,
    columns: Mapping[str, FloatArray],
    previous: Mapping[str, FloatArray] | None,
    group: npt.NDArray[np.int64],
    n: int,
) -> ItemInputs:
    decimals = item.spec.decimals
    return ItemInputs(
        actual=_shown(item.actual.evaluate(columns, n), decimals),
        target=columns[f"t:{item.spec.code}"],
        group=group,
        previous=(
            _shown(item.actual.evaluate(previous, n), decimals) if previous is not None else None
        ),
        cases=tuple(_shown(case.evaluate(columns, n), decimals) for case in item.cases),
    )


def _score_period(
    compiled: CompiledScheme, frames: _Columns, group: npt.NDArray[np.int64], part: str = ""
) -> ScoredPeriod:
    n = frames.n
    columns = frames.frame(0)
    previous = frames.frame(-1) if compiled.needs_previous_actuals else None
    outcomes: list[ItemOutcome] = []
    item_inputs: list[ItemInputs] = []
    for item in compiled.items:
        wants_previous = item.spec.rule_type is RuleType.LEVEL_PROGRESS
        prepared = _item_inputs(item, columns, previous if wants_previous else None, group, n)
        item_inputs.append(prepared)
        outcomes.append(score_item(item.spec, prepared))
    coefficient = (
        compiled.coefficient.evaluate(columns, n) if compiled.coefficient is not None else None
    )
    made = combine(compiled.spec, [o.score for o in outcomes], coefficient, n)
    return ScoredPeriod(part, item_inputs, outcomes, made, columns)


def _part_inputs(inputs: AssessmentInputs, part: PeriodPartSpec) -> AssessmentInputs:
    cubes = inputs.parts.get(part.code)
    if cubes is None:
        raise ValueError(f"the inputs hold no figures of period part {part.code}")
    return AssessmentInputs(
        inputs.units,
        inputs.kinds,
        cubes,
        inputs.targets,
        reports=inputs.part_reports.get(part.code, {}),
    )


def assess(
    compiled: CompiledScheme, inputs: AssessmentInputs, scheme_hash: str | None = None
) -> AssessmentResult:
    """Score, veto, total, grade, rank and explain every unit of ``inputs``.

    Deterministic: the same scheme and inputs give identical frames and hashes. ``scheme_hash``
    is the caller's canonical hash of the scheme version (the database keeps one per version);
    without it a fingerprint of the spec is used. Tracks, a coefficient and period parts make
    the total as :mod:`kaohe.engine.combining` describes; vetoes are decided on the whole
    year's figures even when the items are scored part by part.
    """
    spec = compiled.spec
    n = len(inputs.units)
    frames = _Columns(compiled, inputs)
    columns = frames.frame(0)
    _, group = np.unique(np.asarray(inputs.kinds, dtype=object), return_inverse=True)
    group = group.astype(np.int64)
    if spec.period_parts:
        scored = [
            _score_period(
                compiled, _Columns(compiled, _part_inputs(inputs, part)), group, part.code
            )
            for part in spec.period_parts
        ]
        total = combine_weighted(
            [s.made.total for s in scored], [part.weight for part in spec.period_parts]
        )
    else:
        scored = [_score_period(compiled, frames, group)]
        total = scored[0].made.total

    veto_values = [(code, cond.evaluate(columns, n)) for code, cond in compiled.vetoes]
    fired = [(code, values == 1.0) for code, values in veto_values]
    vetoed = np.zeros(n, dtype=bool)
    for _, mask in fired:
        vetoed |= mask
    grades = grade_codes(total, vetoed, spec.grades, spec.veto_grade)
    rank = ranks(total, vetoed, group)

    flag_marks: list[tuple[str, npt.NDArray[np.bool_]]] = []
    for period in scored:
        suffix = f"@{period.part}" if period.part else ""
        for item, outcome in zip(compiled.items, period.outcomes, strict=True):
            for flag_code in np.unique(outcome.flag[outcome.flag > 0]):
                flag_marks.append(
                    (f"{FLAG_NAMES[flag_code]}:{item.spec.code}{suffix}", outcome.flag == flag_code)
                )
        if period.made.coefficient_missing is not None:
            flag_marks.append(
                (f"{FLAG_COEFFICIENT_MISSING}{suffix}", period.made.coefficient_missing)
            )
    for code, values in veto_values:
        flag_marks.append((f"veto_undetermined:{code}", np.isnan(values)))

    item_texts, total_texts = explanations(compiled, scored, total, n)
    item_texts = append_notes(
        compiled, frames.cross_notes, item_texts, n, [period.part for period in scored]
    )
    unit_frame = pl.DataFrame(
        {
            "unit": pl.Series(inputs.units, dtype=pl.String),
            "kind": pl.Series(inputs.kinds, dtype=pl.String),
            "total": total,
            "grade": pl.Series(grades, dtype=pl.String),
            "rank": rank,
            "vetoed": vetoed,
            "vetoes": codes_per_unit(fired, n).alias("vetoes"),
            "flags": codes_per_unit(flag_marks, n).alias("flags"),
            **made_columns(compiled, scored),
            "explanation_zh": total_texts[0],
            "explanation_en": total_texts[1],
        }
    )
    item_frame = long_items(compiled, inputs.units, scored, item_texts)
    indicator_frame = pl.DataFrame(
        [pl.Series("unit", inputs.units, dtype=pl.String)]
        + [
            pl.Series(f"n:{ci.spec.code}", columns[f"n:{ci.spec.code}"], nan_to_null=True)
            for ci in compiled.indicators
        ]
    )
    return AssessmentResult(
        units=unit_frame,
        items=item_frame,
        indicators=indicator_frame,
        inputs_hash=_inputs_hash(inputs, columns, scored),
        scheme_hash=scheme_hash or scheme_fingerprint(spec),
    )


# The one row standing for all units together in :func:`area_indicators`.
_AREA = "*"


def area_indicators(compiled: CompiledScheme, inputs: AssessmentInputs) -> dict[str, float | None]:
    """Every indicator of the scheme for all of ``inputs``' units taken together.

    Rates of an area are recomputed from summed numerators and denominators, never averaged:
    each element is aggregated over the period per unit first (as for a unit, previous periods
    included for ``.periodOffset(-1)``), then summed across the units that have a value (all
    missing → missing), and the indicator formulas are evaluated on that one row exactly as for
    a unit (rounded half-up to the indicator's decimals; a zero denominator → ``None``).

    Aggregating before summing matters for stocks: the sum of each unit's last figure is the
    area's stock even when a unit's latest report is older than another's.
    """
    summed: dict[int, ValueCube] = {}
    for offset, cube in inputs.cubes.items():
        per_unit = aggregate_cube(cube, compiled.element_codes)
        data = np.full((len(cube.elements), 1, 1), np.nan, dtype=np.float64)
        for index, element in enumerate(cube.elements):
            values = per_unit.get(element.code)
            if values is not None and not np.isnan(values).all():
                data[index, 0, 0] = np.nansum(values)
        # One period: aggregating a single period over time leaves it as it is.
        summed[offset] = ValueCube((_AREA,), cube.elements, (_AREA,), data)
    # Reporting rates of the area, like other rates, from the summed counts.
    reports = {code: counts.total() for code, counts in inputs.reports.items()}
    area = AssessmentInputs(units=(_AREA,), kinds=(_AREA,), cubes=summed, reports=reports)
    frames = _Columns(compiled, area)
    if compiled.source_refs or compiled.spec.corrections:
        reported = _Columns(compiled, inputs).aggregated(0)
        frames.overrides = area_columns(compiled, reported, inputs.cross, len(inputs.units))
    columns = frames.frame(0)
    result: dict[str, float | None] = {}
    for indicator in compiled.spec.indicators:
        value = float(columns[f"n:{indicator.code}"][0])
        result[indicator.code] = value if np.isfinite(value) else None
    return result


def _inputs_hash(
    inputs: AssessmentInputs, columns: Mapping[str, FloatArray], scored: Sequence[ScoredPeriod]
) -> str:
    """sha256 over the figures and targets the scores were computed from, in a fixed order.

    With period parts, each part's figures count too (moving a birth from one quarter to
    another changes a score but not the year's figures). Reporting figures (``r:`` columns)
    and cross-checks (``s:`` columns, corrected ``e:`` columns) count only for a scheme that
    reads them, so other schemes' hashes stay as they were.
    """
    digest = hashlib.sha256()
    named = {c: columns[c] for c in columns if c.startswith(("e:", "t:", "r:", "s:"))}
    for period in scored:
        if period.part:
            named.update(
                (f"{period.part}|{c}", period.columns[c])
                for c in period.columns
                if c.startswith(("e:", "r:"))
            )
    names = sorted(named)
    digest.update("\x1f".join(["unit", "kind", *names]).encode())
    digest.update("\x1f".join(inputs.units).encode())
    digest.update("\x1f".join(inputs.kinds).encode())
    for name in names:
        values = np.asarray(named[name], dtype=np.float64)
        # One canonical NaN, whatever operation produced a missing value.
        digest.update(np.where(np.isnan(values), np.nan, values).tobytes())
    return digest.hexdigest()
