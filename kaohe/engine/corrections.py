"""Scoring on figures cross-checked against other sources (核查更正), inside an assessment.

:mod:`kaohe.engine.crosscheck` holds the arithmetic; this module puts it into an assessment's
frame of the assessed period:

* every ``S{ELEMENT.MEASURE}`` the scheme reads becomes a column ``s:ELEMENT:MEASURE``;
* every element the scheme's ``corrections`` name has its column ``e:ELEMENT`` replaced by the
  corrected figure, so indicators, items and vetoes reading it all score on that figure;
* for each corrected element and unit that some source has a figure for, a note in Chinese and
  English says which figure was used and why; :func:`append_notes` adds it to the explanation of
  every item that reads the element (directly or through indicators).

The sources' figures cover the assessed period (the whole year); other periods' frames
(``.periodOffset``) and period parts read the reports as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from .compiling import CompiledItem, CompiledScheme
from .crosscheck import CorrectionMethod, CrossCheck, SourceKind, UsedFigure, accuracy
from .expressions import source_column

FloatArray = npt.NDArray[np.float64]
TextArray = npt.NDArray[np.str_]

__all__ = [
    "CrossCheckInputs",
    "CrossColumns",
    "append_notes",
    "area_columns",
    "cross_columns",
    "source_elements",
]


@dataclass(frozen=True)
class CrossCheckInputs:
    """What other sources found, over the assessed period, per unit (in the inputs' order).

    ``values`` maps an element code to {source code: values}; ``kinds`` gives each source's
    kind; ``labels`` each source's name and ``element_labels`` each element's, as
    (Chinese, English), for the notes (a code stands in for a missing label).
    """

    values: Mapping[str, Mapping[str, FloatArray]]
    kinds: Mapping[str, SourceKind]
    labels: Mapping[str, tuple[str, str]]
    element_labels: Mapping[str, tuple[str, str]]


EMPTY = CrossCheckInputs({}, {}, {}, {})


@dataclass(frozen=True)
class CrossColumns:
    """The ``s:`` columns, the corrected ``e:`` columns, and per corrected element the notes
    (Chinese, English; "" where no source has a figure for the unit)."""

    columns: dict[str, FloatArray]
    notes: dict[str, tuple[TextArray, TextArray]]


def source_elements(compiled: CompiledScheme) -> frozenset[str]:
    """Elements the scheme cross-checks: those read with ``S{}`` and those it corrects."""
    return frozenset(code for code, _ in compiled.source_refs) | frozenset(
        c.element for c in compiled.spec.corrections
    )


def _figure(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def cross_columns(
    compiled: CompiledScheme,
    reported: Mapping[str, FloatArray],
    sources: CrossCheckInputs,
    n: int,
) -> CrossColumns:
    """The cross-check columns of the assessed period's frame; ``reported`` holds each
    element's aggregated report (``e:`` columns before correction)."""
    methods = {c.element: CorrectionMethod(c.method) for c in compiled.spec.corrections}
    missing = np.full(n, np.nan)
    columns: dict[str, FloatArray] = {}
    notes: dict[str, tuple[TextArray, TextArray]] = {}
    measures_of: dict[str, set[str]] = {}
    for element, measure in compiled.source_refs:
        measures_of.setdefault(element, set()).add(measure)
    for element in sorted(source_elements(compiled)):
        values = sources.values.get(element, {})
        kinds = {code: sources.kinds.get(code, SourceKind.FEED) for code in values}
        cross = CrossCheck(reported.get(element, missing), values, kinds)
        method = methods.get(element, CorrectionMethod.LARGER)
        fixed, used = cross.corrected(method)
        for measure in sorted(measures_of.get(element, ())):
            columns[source_column(element, measure)] = _measure(cross, fixed, measure)
        if element in methods:
            columns[f"e:{element}"] = fixed
            notes[element] = _notes(element, cross, fixed, used, method, sources)
    return CrossColumns(columns, notes)


# Measures that add up across units; the others are recomputed from the sums.
_ADDITIVE = ("REPORTED", "CORRECTED", "UNDER_REPORTED", "OVER_REPORTED")


def _summed(values: FloatArray) -> float:
    return float(np.nansum(values)) if not np.isnan(values).all() else float("nan")


def area_columns(
    compiled: CompiledScheme,
    reported: Mapping[str, FloatArray],
    sources: CrossCheckInputs,
    n: int,
) -> dict[str, FloatArray]:
    """The cross-check columns of many units taken together, as a one-row frame's.

    Counts are summed unit by unit (a corrected figure is each unit's corrected figure, summed:
    the larger of two sums is not the sum of the larger); ``FOUND`` and ``CHECKED`` sum the units
    that have one; accuracy is recomputed from the summed shortfall and finding, never averaged.
    """
    methods = {c.element: CorrectionMethod(c.method) for c in compiled.spec.corrections}
    missing = np.full(n, np.nan)
    result: dict[str, FloatArray] = {}
    for element in sorted(source_elements(compiled)):
        values = sources.values.get(element, {})
        kinds = {code: sources.kinds.get(code, SourceKind.FEED) for code in values}
        cross = CrossCheck(reported.get(element, missing), values, kinds)
        fixed, _used = cross.corrected(methods.get(element, CorrectionMethod.LARGER))
        sums = {
            "REPORTED": _summed(cross.reported),
            "FOUND": _summed(cross.found()),
            "CHECKED": _summed(cross.checked()),
            "CORRECTED": _summed(fixed),
            "UNDER_REPORTED": _summed(cross.under_reported()),
            "OVER_REPORTED": _summed(cross.over_reported()),
        }
        found = sums["FOUND"]
        sums["ACCURACY"] = (
            100.0 - sums["UNDER_REPORTED"] / found * 100.0
            if np.isfinite(found) and found > 0
            else float("nan")
        )
        for measure, value in sums.items():
            result[source_column(element, measure)] = np.array([value])
        if element in methods:
            result[f"e:{element}"] = np.array([sums["CORRECTED"]])
    return result


def _measure(cross: CrossCheck, fixed: FloatArray, measure: str) -> FloatArray:
    """One ``S{}`` measure of an element (see :data:`SOURCE_MEASURES`)."""
    if measure == "REPORTED":
        return np.asarray(cross.reported, dtype=np.float64)
    if measure == "FOUND":
        return cross.found()
    if measure == "CHECKED":
        return cross.checked()
    if measure == "CORRECTED":
        return fixed
    if measure == "UNDER_REPORTED":
        return cross.under_reported()
    if measure == "OVER_REPORTED":
        return cross.over_reported()
    if measure == "ACCURACY":
        return accuracy(cross.reported, cross.found())
    raise ValueError(f"unknown cross-check measure {measure!r}")


def _notes(
    element: str,
    cross: CrossCheck,
    fixed: FloatArray,
    used: TextArray,
    method: CorrectionMethod,
    sources: CrossCheckInputs,
) -> tuple[TextArray, TextArray]:
    """Per unit, which figure of ``element`` was scored and why; "" where no source had one."""
    name_zh, name_en = sources.element_labels.get(element, (element, element))
    found = cross.found()
    under = cross.under_reported()
    codes = list(cross.sources)
    zh: list[str] = []
    en: list[str] = []
    for unit in range(cross.n):
        if np.isnan(found[unit]):
            zh.append("")
            en.append("")
            continue
        seen_zh = [f"村报 {_figure(cross.reported[unit])}"]
        seen_en = [f"reported {_figure(cross.reported[unit])}"]
        for code in codes:
            value = float(cross.sources[code][unit])
            if np.isfinite(value):
                label_zh, label_en = sources.labels.get(code, (code, code))
                seen_zh.append(f"{label_zh} {_figure(value)}")
                seen_en.append(f"{label_en} {_figure(value)}")
        figure = _figure(fixed[unit])
        which = UsedFigure(str(used[unit]))
        if which is UsedFigure.REPORTED:
            why_zh, why_en = (
                "村报数不低于核查数，按村报数",
                "the report is not below the checks: the report is used",
            )
        elif which is UsedFigure.CHECK:
            why_zh, why_en = (
                "有抽查的以抽查核实数为准",
                "the unit was spot-checked: the check's figure is used",
            )
        elif method is CorrectionMethod.CHECK:
            why_zh, why_en = (
                "未抽查，村报与部门数据取较大者",
                "not spot-checked: the larger of report and feeds",
            )
        else:
            why_zh, why_en = "村报与各来源取较大者", "the larger of report and sources"
        short = under[unit]
        tail_zh = f"，少报 {_figure(short)}" if short > 0 else ""
        tail_en = f"; {_figure(short)} under-reported" if short > 0 else ""
        zh.append(f"〔核查〕{name_zh}按 {figure} 计分（{'，'.join(seen_zh)}；{why_zh}{tail_zh}）")
        en.append(
            f"[Cross-check] {name_en} scored as {figure} ({', '.join(seen_en)}; {why_en}{tail_en})"
        )
    return np.asarray(zh, dtype=np.str_), np.asarray(en, dtype=np.str_)


def _elements_read(compiled: CompiledScheme, item: CompiledItem) -> frozenset[str]:
    """Elements an item reads in the assessed period, directly or through indicators."""
    by_code = {ci.spec.code: ci for ci in compiled.indicators}
    expressions = [item.actual, *item.cases]
    elements: set[str] = set()
    seen: set[str] = set()
    while expressions:
        expression = expressions.pop()
        refs = expression.references
        elements |= {code for code, offset in refs.elements if offset == 0}
        for code, offset in refs.indicators:
            if offset == 0 and code not in seen and code in by_code:
                seen.add(code)
                expressions += [by_code[code].numerator, by_code[code].denominator]
    return frozenset(elements)


def append_notes(
    compiled: CompiledScheme,
    notes: Mapping[str, tuple[TextArray, TextArray]],
    texts: tuple[pl.Series, pl.Series],
    n: int,
    parts: Sequence[str],
) -> tuple[pl.Series, pl.Series]:
    """The items' explanations (long: part by part, item by item, ``n`` units each) with each
    corrected element's note added to every item of the whole year that reads it."""
    if not notes or n == 0:
        return texts
    additions: list[tuple[int, TextArray, TextArray]] = []
    count = len(compiled.items)
    for position, part in enumerate(parts):
        if part:  # period parts score their own figures, as reported
            continue
        for index, item in enumerate(compiled.items):
            read = sorted(_elements_read(compiled, item) & notes.keys())
            if not read:
                continue
            zh = notes[read[0]][0]
            en = notes[read[0]][1]
            for element in read[1:]:
                zh = _joined(zh, notes[element][0])
                en = _joined(en, notes[element][1])
            additions.append(((position * count + index) * n, zh, en))
    if not additions:
        return texts
    result: list[pl.Series] = []
    for lang, series in enumerate(texts):
        values: list[str] = series.to_list()
        for start, zh, en in additions:
            for unit, note in enumerate((zh if lang == 0 else en).tolist()):
                if note:
                    text = values[start + unit]
                    values[start + unit] = f"{text}\n{note}" if text else note
        result.append(pl.Series(series.name, values, dtype=pl.String))
    return result[0], result[1]


def _joined(first: TextArray, second: TextArray) -> TextArray:
    both = (first != "") & (second != "")
    joined: TextArray = np.char.add(np.char.add(first, np.where(both, "\n", "")), second)
    return joined
