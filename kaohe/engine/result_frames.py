"""The frames an assessment returns: long item rows, per-unit code lists, the columns saying
how each total was made, and every explanation rendered in one pass.

:func:`kaohe.engine.assess.assess` scores the items of each period it scores (the year, or each
period part) into a :class:`ScoredPeriod`; the functions here lay those out as frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from .combining import Combined, combine_weighted
from .compiling import CompiledScheme
from .explain import VECTORISE_FROM, item_templates, render_many_langs, render_rows_langs
from .rules import FLAG_NAMES, FloatArray, ItemInputs, ItemOutcome
from .templates import ItemTemplates
from .total_templates import parts_outcome, scope_outcome, total_templates

__all__ = ["ScoredPeriod", "codes_per_unit", "explanations", "long_items", "made_columns"]


@dataclass(frozen=True)
class ScoredPeriod:
    """The items of one period (the year, ``part`` "", or one period part) scored, and the
    total made from them; ``columns`` are that period's figures (for the inputs hash)."""

    part: str
    inputs: list[ItemInputs]
    outcomes: list[ItemOutcome]
    made: Combined
    columns: Mapping[str, FloatArray]


def codes_per_unit(marks: Sequence[tuple[str, npt.NDArray[np.bool_]]], n: int) -> pl.Series:
    """Per unit, the list of codes whose mask is set there (in the order of ``marks``).

    Marks are rare, so only the set positions are gathered (as a long frame grouped by unit);
    building one Python list per unit would cost more than the whole assessment.
    """
    if n < VECTORISE_FROM:
        # A township: plain lists cost microseconds where a Polars query costs milliseconds.
        lists: list[list[str]] = [[] for _ in range(n)]
        for code, mask in marks:
            for index in np.flatnonzero(mask).tolist():
                lists[index].append(code)
        return pl.Series(lists, dtype=pl.List(pl.String))
    positions = [np.flatnonzero(mask) for _, mask in marks]
    hits = sum(len(p) for p in positions)
    if hits == 0:
        return pl.Series([[]], dtype=pl.List(pl.String)).new_from_index(0, n)
    long = pl.DataFrame(
        {
            "i": np.concatenate(positions).astype(np.int64),
            "k": np.repeat(np.arange(len(marks), dtype=np.int64), [len(p) for p in positions]),
        }
    ).with_columns(
        pl.col("k")
        .replace_strict(
            list(range(len(marks))), [code for code, _ in marks], return_dtype=pl.String
        )
        .alias("code")
    )
    grouped = long.sort("i", "k").group_by("i", maintain_order=True).agg(pl.col("code"))
    return (
        pl.DataFrame({"i": np.arange(n, dtype=np.int64)})
        .join(grouped, on="i", how="left", maintain_order="left")
        .get_column("code")
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def made_columns(compiled: CompiledScheme, scored: Sequence[ScoredPeriod]) -> dict[str, pl.Series]:
    """The units frame's columns saying how each total was made.

    Without period parts: ``track:CODE`` per track and ``coefficient`` (as applied, null where
    missing). With them: ``track:CODE`` (the parts' track scores combined by the parts'
    weights), ``period:CODE`` (each part's total), ``track:CODE@PART`` and
    ``coefficient@PART``. Nothing when the scheme has none of these.
    """
    spec = compiled.spec
    made: dict[str, pl.Series] = {}

    def column(name: str, values: FloatArray) -> None:
        made[name] = pl.Series(name, values, dtype=pl.Float64, nan_to_null=True)

    if not spec.period_parts:
        (year,) = scored
        for code, values in year.made.tracks.items():
            column(f"track:{code}", values)
        if year.made.coefficient is not None:
            column("coefficient", year.made.coefficient)
        return made
    weights = [part.weight for part in spec.period_parts]
    for track in spec.tracks:
        column(
            f"track:{track.code}",
            combine_weighted([s.made.tracks[track.code] for s in scored], weights),
        )
    for period in scored:
        column(f"period:{period.part}", period.made.total)
    for period in scored:
        for code, values in period.made.tracks.items():
            column(f"track:{code}@{period.part}", values)
        if period.made.coefficient is not None:
            column(f"coefficient@{period.part}", period.made.coefficient)
    return made


def _total_segments(
    compiled: CompiledScheme, scored: Sequence[ScoredPeriod], total: FloatArray
) -> tuple[tuple[ItemTemplates, ...], list[ItemOutcome]]:
    """The total explanation's templates (one line each) with the figures they print."""
    segments = total_templates(compiled.spec)
    if not compiled.spec.period_parts:
        return segments, [scope_outcome(scored[0].made)]
    outcomes = [scope_outcome(s.made) for s in scored] if len(segments) > 1 else []
    outcomes.append(parts_outcome({s.part: s.made.total for s in scored}, total))
    return segments, outcomes


def explanations(
    compiled: CompiledScheme, scored: Sequence[ScoredPeriod], total: FloatArray, n: int
) -> tuple[tuple[pl.Series, pl.Series], tuple[pl.Series, pl.Series]]:
    """Every item's explanation (long, in the items frame's order) and each unit's total
    explanation, each in Chinese and English.

    All texts are rendered in one pass, each figure formatted once for both languages: a
    township's as plain lists (no query to plan), a province's by one vectorised Polars query.
    """
    templates = [item_templates(item.spec) for item in compiled.items] * len(scored)
    outcomes = [outcome for period in scored for outcome in period.outcomes]
    segments, segment_outcomes = _total_segments(compiled, scored, total)
    everything = [*templates, *segments]
    figures = [*outcomes, *segment_outcomes]
    count = len(templates)
    result: list[tuple[pl.Series, pl.Series]] = []
    if n >= VECTORISE_FROM:
        texts = render_many_langs(everything, figures)
        for lang in ("zh", "en"):
            series = texts[lang]
            items = _joined(series[:count], lang)
            lines = series[count:]
            unit = (
                lines[0]
                if len(lines) == 1
                else pl.select(pl.concat_str(lines, separator="\n")).to_series()
            )
            result.append((items, unit.alias(lang)))
    else:
        item_lists: dict[str, list[str]] = {"zh": [], "en": []}
        line_lists: dict[str, list[list[str]]] = {"zh": [], "en": []}
        for position, (texts_of, outcome) in enumerate(zip(everything, figures, strict=True)):
            rows = render_rows_langs(texts_of, outcome)
            for lang in ("zh", "en"):
                if position < count:
                    item_lists[lang] += rows[lang]
                else:
                    line_lists[lang].append(rows[lang])
        for lang in ("zh", "en"):
            per_line = line_lists[lang]
            joined = (
                per_line[0]
                if len(per_line) == 1
                else ["\n".join(t) for t in zip(*per_line, strict=True)]
            )
            result.append(
                (
                    pl.Series(lang, item_lists[lang], dtype=pl.String),
                    pl.Series(lang, joined, dtype=pl.String),
                )
            )
    (items_zh, unit_zh), (items_en, unit_en) = result
    return (items_zh, items_en), (unit_zh, unit_en)


def long_items(
    compiled: CompiledScheme,
    units: Sequence[str],
    scored: Sequence[ScoredPeriod],
    texts: tuple[pl.Series, pl.Series],
) -> pl.DataFrame:
    """One row per (part, item, unit): part by part, item by item, units in input order."""
    n = len(units)
    item_inputs = [prepared for period in scored for prepared in period.inputs]
    outcomes = [outcome for period in scored for outcome in period.outcomes]
    count = len(outcomes)
    unit_series = pl.Series("unit", units, dtype=pl.String)
    # None where an item carries no flag: FLAG_NAMES[0] is the empty name.
    flag_lookup = pl.Series("flag", [None, *FLAG_NAMES[1:]], dtype=pl.String)
    flags = np.concatenate([o.flag for o in outcomes]) if outcomes else np.empty(0, np.int8)

    def stacked(arrays: Sequence[FloatArray]) -> FloatArray:
        return np.concatenate(arrays) if arrays else np.empty(0)

    def repeated(name: str, values: Sequence[str], times: int) -> pl.Series:
        if not values or times == 0:
            return pl.Series(name, [], dtype=pl.String)
        return pl.concat(
            [pl.Series(name, [v], dtype=pl.String).new_from_index(0, times) for v in values]
        )

    codes = [item.spec.code for item in compiled.items]
    # Strings are repeated by concatenating Series (memory copies), never through Python objects.
    return pl.DataFrame(
        {
            "unit": pl.concat([unit_series] * count) if count else unit_series.clear(),
            "part": repeated("part", [period.part for period in scored], n * len(codes)),
            "item": repeated("item", codes * len(scored), n),
            "actual": pl.Series(stacked([i.actual for i in item_inputs]), nan_to_null=True),
            "target": pl.Series(stacked([i.target for i in item_inputs]), nan_to_null=True),
            "score": stacked([o.score for o in outcomes]),
            "flag": flag_lookup.gather(flags.astype(np.int64)),
            "explanation_zh": texts[0],
            "explanation_en": texts[1],
        }
    )


def _joined(parts: Sequence[pl.Series], name: str) -> pl.Series:
    return pl.concat(parts).alias(name) if parts else pl.Series(name, [], dtype=pl.String)
