"""Reading cross-check figures: each source's figure over a period, and the reconciliation of
the villages' reports against them.

:func:`source_sums` is what an assessment reads (one query): every source's figure per unit
over the assessed period. :func:`reconciliation` lays out, for one element, a township's
units side by side — the report, each source, what was found, the difference, the
under- and over-reporting, statistical accuracy and the figure a correction would score on —
with the township's totals. The arithmetic is :mod:`kaohe.engine.crosscheck`'s; here are only
the reading and the laying out.

How figures add up over the period: a source's values (and a report's) in the periods lying
wholly inside it combine by the element's aggregation, as an assessment does
(:func:`kaohe.engine.aggregate.aggregate_rows`): ``sum`` adds them (births), ``last`` takes the
latest, ``average``/``min``/``max`` likewise. A source with no value for a unit in the period
has no figure for it (NaN: a spot check that did not sample the village), never 0; a report of
an element whose zeros are not stored reads 0 where nothing was reported, as in an assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from kaohe.core.access import VIEW, restrict
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement
from kaohe.engine.aggregate import aggregate_rows
from kaohe.engine.crosscheck import (
    CorrectionMethod,
    CrossCheck,
    FloatArray,
    UsedFigure,
    accuracy,
)
from kaohe.engine.crosscheck import SourceKind as EngineKind
from kaohe.engine.expressions import ExpressionError, referenced_codes
from kaohe.engine.periods import Period, PeriodError, PeriodType, make_period, parse_period
from kaohe.engine.spec import AggregationType
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Indicator, Scheme, SchemeStatus

from .errors import CheckError, NotFound
from .models import Source, SourceKind, SourceValue
from .reach import entry_reach

__all__ = [
    "FLAG_NOT_CHECKED",
    "FLAG_OVER",
    "FLAG_UNDER",
    "ReconciledRow",
    "Reconciliation",
    "ScoringBasis",
    "SourceColumn",
    "Totals",
    "find_element",
    "find_root",
    "indicator_elements",
    "parse_period_or_year",
    "reconciliation",
    "reported_sums",
    "scoring_basis",
    "source_kinds",
    "source_sums",
    "under_path",
    "visible_values",
]

FLAG_UNDER = "under_reported"
FLAG_OVER = "over_reported"
FLAG_NOT_CHECKED = "not_checked"


# --- reading figures over a period ------------------------------------------------------------


def _common_path(units: Sequence[OrgUnit]) -> str:
    """The longest path every unit's path starts with, cut at a "/" (the smallest subtree that
    holds them all)."""
    first = units[0].path
    end = len(first)
    for unit in units[1:]:
        end = min(end, len(unit.path))
        for i in range(end):
            if unit.path[i] != first[i]:
                end = i
                break
    return first[: first.rfind("/", 0, end + 1) + 1] if end else "/"


def under_path(lookup: str, path: str) -> Q:
    """Rows whose ``lookup`` path starts with ``path``, letter case included (SQLite's LIKE
    ignores case; see kaohe.core.access)."""
    return Q(**{f"{lookup}__startswith": path}) & Q(
        Exact(Substr(F(lookup), 1, len(path)), Value(path))
    )


def _within(period: Period) -> Q:
    return Q(period__start_date__gte=period.start, period__end_date__lte=period.end)


def _aggregate(
    cells: dict[tuple[date, date], dict[int, float]], agg: AggregationType, n_units: int
) -> FloatArray:
    """One figure per unit from ``{(end, start) of a period: {unit index: value}}``."""
    keys = sorted(cells)
    rows = np.full((len(keys), n_units), np.nan, dtype=np.float64)
    for i, key in enumerate(keys):
        for j, value in cells[key].items():
            rows[i, j] = value
    return aggregate_rows(rows, agg)


def source_sums(
    element_codes: Iterable[str], units: list[OrgUnit], period: Period
) -> dict[str, dict[str, FloatArray]]:
    """Each source's figure per unit (in the order of ``units``) over ``period``, by element.

    ``{element code: {source code: one value per unit}}``: the source's values in the periods
    lying wholly inside ``period``, combined by the element's aggregation (``sum`` for counts);
    NaN where the source has no value for the unit there. A source with no value for any of
    these units in the period is left out (it would be all NaN); every element asked for has a
    key. One query.
    """
    codes = sorted(set(element_codes))
    result: dict[str, dict[str, FloatArray]] = {code: {} for code in codes}
    if not codes or not units:
        return result
    index = {unit.pk: i for i, unit in enumerate(units)}
    rows = SourceValue.objects.filter(
        _within(period), under_path("unit__path", _common_path(units)), element__code__in=codes
    ).values_list(
        "element__code",
        "element__aggregation",
        "source__code",
        "unit_id",
        "period__end_date",
        "period__start_date",
        "value",
    )
    grouped: dict[tuple[str, str], dict[tuple[date, date], dict[int, float]]] = {}
    aggregation: dict[str, AggregationType] = {}
    for element, agg, source, unit_id, end, start, value in rows:
        j = index.get(unit_id)
        if j is None:
            continue
        aggregation[element] = AggregationType(agg)
        grouped.setdefault((element, source), {}).setdefault((end, start), {})[j] = float(value)
    for (element, source), cells in sorted(grouped.items()):
        result[element][source] = _aggregate(cells, aggregation[element], len(units))
    return result


def source_kinds(element_codes: Iterable[str]) -> dict[str, dict[str, EngineKind]]:
    """``{element code: {source code: kind}}`` of every source that counts these elements (in
    the sources' order), for :class:`kaohe.engine.crosscheck.CrossCheck`."""
    codes = sorted(set(element_codes))
    result: dict[str, dict[str, EngineKind]] = {code: {} for code in codes}
    rows = (
        Source.elements.through.objects.filter(dataelement__code__in=codes)
        .order_by("source__sort_order", "source__code")
        .values_list("dataelement__code", "source__code", "source__kind")
    )
    for element, source, kind in rows:
        result[element][source] = EngineKind(kind)
    return result


def reported_sums(
    elements: Sequence[DataElement], units: list[OrgUnit], period: Period
) -> dict[str, FloatArray]:
    """The units' own reports of ``elements`` over ``period``, as an assessment reads them:
    combined by aggregation, and 0 where nothing was reported of an element whose zeros are
    not stored (NaN otherwise). One query."""
    result = {e.code: np.full(len(units), np.nan, dtype=np.float64) for e in elements}
    if not elements or not units:
        return result
    index = {unit.pk: i for i, unit in enumerate(units)}
    by_id = {e.pk: e for e in elements}
    rows = DataValue.objects.filter(
        _within(period), under_path("unit__path", _common_path(units)), element_id__in=list(by_id)
    ).values_list("element_id", "unit_id", "period__end_date", "period__start_date", "value")
    grouped: dict[int, dict[tuple[date, date], dict[int, float]]] = {}
    for element_id, unit_id, end, start, value in rows:
        j = index.get(unit_id)
        if j is not None:
            grouped.setdefault(element_id, {}).setdefault((end, start), {})[j] = float(value)
    for element_id, cells in grouped.items():
        element = by_id[element_id]
        result[element.code] = _aggregate(cells, AggregationType(element.aggregation), len(units))
    for element in elements:
        if not element.zero_is_significant:
            result[element.code] = np.where(
                np.isnan(result[element.code]), 0.0, result[element.code]
            )
    return result


def visible_values(user: Any | None) -> QuerySet[SourceValue]:
    """The cross-check figures ``user`` may see: those about units they see, and the figures
    of the sources they feed as a department member, about units of their township (the
    console: all)."""
    values = SourceValue.objects.all()
    if user is None:
        return values
    seen = restrict(values, user, VIEW)
    fed = entry_reach(user).fed_condition()
    if fed is None or entry_reach(user).everything:
        return seen
    return SourceValue.objects.filter(Q(pk__in=seen.values("pk")) | fed)


# --- what a request names ---------------------------------------------------------------------


def parse_period_or_year(text: Any, field: str = "year") -> Period:
    """A year (``2006``: the calendar year) or any DHIS2 period code (``2006Oct``)."""
    if isinstance(text, int):
        text = str(text)
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise CheckError(field, _("请填写年度，如 2006 / enter a year, e.g. 2006"))
    try:
        if text.isdigit() and len(text) == 4:
            return make_period(PeriodType.YEARLY, int(text))
        return parse_period(text)
    except PeriodError as error:
        raise CheckError(field, str(error)) from None


def find_element(code: str) -> DataElement:
    """The element of ``code``, which at least one source counts."""
    element = DataElement.objects.filter(code=(code or "").strip()).first()
    if element is None:
        raise CheckError(
            "element",
            _("未知的数据元素代码 {code} / unknown data element code {code}").format(code=code),
        )
    if not Source.objects.filter(elements=element).exists():
        raise CheckError(
            "element",
            _(
                "没有核查来源统计 {code}，无从核对 / no source counts {code}, so there is "
                "nothing to reconcile"
            ).format(code=element.code),
        )
    return element


def find_root(code: str, user: Any | None) -> OrgUnit:
    """The unit (with everything under it) to reconcile: one ``user`` may see."""
    units = OrgUnit.objects.filter(code=(code or "").strip())
    if user is not None:
        units = restrict(units, user, VIEW)
    unit = units.first()
    if unit is None:
        raise NotFound(
            "township",
            _("未知或无权查看的单位 {code} / unknown unit {code}, or not one you may see").format(
                code=code
            ),
        )
    return unit


def indicator_elements(code: str) -> tuple[Indicator, list[DataElement]]:
    """The indicator of ``code`` and the elements it reads (through the indicators it reads
    too) that some source counts, by code."""
    indicator = Indicator.objects.filter(code=(code or "").strip()).first()
    if indicator is None:
        raise CheckError(
            "indicator",
            _("未知的指标代码 {code} / unknown indicator code {code}").format(code=code),
        )
    elements: set[str] = set()
    seen: set[str] = set()
    wanted = [indicator]
    while wanted:
        nested: set[str] = set()
        for one in wanted:
            seen.add(one.code)
            for text in (one.numerator, one.denominator):
                try:
                    refs = referenced_codes(text)
                except ExpressionError:
                    continue
                elements |= {c for c, _offset in refs.elements}
                elements |= {c for c, _measure in refs.sources}
                nested |= {c for c, _offset in refs.indicators}
        wanted = list(Indicator.objects.filter(code__in=sorted(nested - seen)))
    found = (
        DataElement.objects.filter(code__in=sorted(elements), sources__isnull=False)
        .distinct()
        .order_by("code")
    )
    return indicator, list(found)


# --- which figure the schemes score on ---------------------------------------------------------


@dataclass(frozen=True)
class ScoringBasis:
    """What one scheme scores the element on: the report (``method`` None) or a corrected
    figure (``larger`` or ``check``), in words."""

    scheme: Scheme
    method: str | None
    text_zh: str
    text_en: str


_METHOD_TEXT = {
    CorrectionMethod.LARGER.value: (
        "按核查更正后的数字计分：取村报数与各来源数中较大者",
        "scores on the corrected figure: the larger of the report and every source",
    ),
    CorrectionMethod.CHECK.value: (
        "按核查更正后的数字计分：有抽查的取抽查数，否则取村报数与部门数中较大者",
        "scores on the corrected figure: the spot check where there is one, else the larger of "
        "the report and the department feeds",
    ),
}


def scoring_basis(element: DataElement, kinds: Iterable[str], year: int) -> list[ScoringBasis]:
    """For each scheme assessing units of ``kinds`` in ``year`` (its latest published version,
    else its latest draft): whether it scores ``element`` on the report or on a corrected
    figure (``Scheme.corrections``)."""
    wanted = set(kinds)
    chosen: dict[str, Scheme] = {}
    schemes = Scheme.objects.filter(
        Q(year_from__isnull=True) | Q(year_from__lte=year),
        Q(year_to__isnull=True) | Q(year_to__gte=year),
    ).order_by("code", "-version")
    for scheme in schemes:
        if scheme.unit_kinds and not wanted & set(scheme.unit_kinds):
            continue
        held = chosen.get(scheme.code)
        if held is None or (
            held.status != SchemeStatus.PUBLISHED and scheme.status == SchemeStatus.PUBLISHED
        ):
            chosen[scheme.code] = scheme
    result = []
    for scheme in chosen.values():
        method = None
        for row in getattr(scheme, "corrections", None) or []:
            if isinstance(row, dict) and row.get("element") == element.code:
                method = str(row.get("method") or CorrectionMethod.LARGER.value)
        if method in _METHOD_TEXT:
            zh, en = _METHOD_TEXT[method]
        else:
            method = None
            zh, en = (
                "按村报数计分（核查结果只用于扣分和否决）",
                ("scores on the report (the checks count only for deductions and vetoes)"),
            )
        result.append(
            ScoringBasis(
                scheme,
                method,
                f"{scheme.name}（{scheme.code} v{scheme.version}）{zh}",
                f"{scheme.name_en or scheme.name} ({scheme.code} v{scheme.version}) {en}",
            )
        )
    return result


# --- the reconciliation --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceColumn:
    """One source's column on the reconciliation."""

    code: str
    name: str
    name_en: str
    kind: str  # SourceKind value
    period_type: str

    @property
    def is_check(self) -> bool:
        return self.kind == SourceKind.CHECK.value


def _figure(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


@dataclass(frozen=True)
class ReconciledRow:
    """One unit: its report and each source's figure (``None`` = none), and what follows.

    ``difference`` is found − reported (None where no source found anything);
    ``corrected`` / ``used`` are the figure a ``larger`` correction scores on and where it
    came from (:class:`kaohe.engine.crosscheck.UsedFigure`)."""

    unit: OrgUnit
    reported: float | None
    sources: tuple[float | None, ...]
    found: float | None
    checked: float | None
    difference: float | None
    under_reported: float
    over_reported: float
    accuracy: float | None
    corrected: float | None
    used: str
    flags: tuple[str, ...]

    @property
    def is_under(self) -> bool:
        return FLAG_UNDER in self.flags

    @property
    def is_over(self) -> bool:
        return FLAG_OVER in self.flags

    @property
    def not_checked(self) -> bool:
        return FLAG_NOT_CHECKED in self.flags

    @property
    def used_source(self) -> bool:
        return self.used != UsedFigure.REPORTED.value


@dataclass(frozen=True)
class Totals:
    """The sums over the rows, and the counts of units under- and over-reporting.

    ``reported_checked`` is the report of the units some source found a figure for: accuracy is
    recomputed from the sums, 100 − Σ under-reported ÷ Σ found × 100 (over-reporting in one
    village does not make up for under-reporting in another), never averaged."""

    reported: float | None
    sources: tuple[float | None, ...]
    found: float | None
    reported_checked: float | None
    difference: float | None
    under_reported: float
    over_reported: float
    accuracy: float | None
    corrected: float | None
    units: int
    under_count: int
    over_count: int
    not_checked_count: int


@dataclass(frozen=True)
class Reconciliation:
    element: DataElement
    root: OrgUnit
    period: Period
    sources: tuple[SourceColumn, ...]
    rows: tuple[ReconciledRow, ...]
    totals: Totals
    scoring: tuple[ScoringBasis, ...]


def _total(values: FloatArray) -> float | None:
    return None if np.isnan(values).all() else float(np.nansum(values))


def _units(root: OrgUnit, kinds: Sequence[str], period: Period, user: Any | None) -> list[OrgUnit]:
    units = OrgUnit.objects.filter(under_path("path", root.path), kind__in=list(kinds))
    units = units.filter(Q(opening_date__isnull=True) | Q(opening_date__lte=period.end))
    units = units.filter(Q(closed_date__isnull=True) | Q(closed_date__gte=period.start))
    if user is not None:
        units = restrict(units, user, VIEW)
    return list(units.order_by("path"))


def reconciliation(
    element: DataElement | str,
    root: OrgUnit,
    year_or_period: int | str | Period,
    user: Any | None,
) -> Reconciliation:
    """One element's reports against every source's figures, for the units of the sources'
    unit kinds under ``root`` that ``user`` may see (``None``: the console, all), over a year
    (``2006``) or any period (``2006Oct``)."""
    if isinstance(element, str):
        element = find_element(element)
    period = (
        year_or_period
        if isinstance(year_or_period, Period)
        else parse_period_or_year(year_or_period)
    )
    sources = list(Source.objects.filter(elements=element).order_by("sort_order", "code"))
    if not sources:
        element = find_element(element.code)  # raises, saying why
    kinds = sorted({kind for s in sources for kind in s.unit_kinds})
    units = _units(root, kinds, period, user)
    reported = reported_sums([element], units, period)[element.code]
    found_by = source_sums([element.code], units, period)[element.code]
    nan = np.full(len(units), np.nan, dtype=np.float64)
    columns = tuple(SourceColumn(s.code, s.name, s.name_en, s.kind, s.period_type) for s in sources)
    figures = {s.code: found_by.get(s.code, nan) for s in sources}
    cross = CrossCheck(
        reported=reported,
        sources=figures,
        kinds={s.code: EngineKind(s.kind) for s in sources},
    )
    found, checked = cross.found(), cross.checked()
    under, over = cross.under_reported(), cross.over_reported()
    rate = accuracy(reported, found)
    corrected, used = cross.corrected(CorrectionMethod.LARGER)
    difference = found - np.nan_to_num(reported, nan=0.0)
    rows = []
    for i, unit in enumerate(units):
        flags = []
        if under[i] > 0:
            flags.append(FLAG_UNDER)
        if over[i] > 0:
            flags.append(FLAG_OVER)
        if np.isnan(found[i]):
            flags.append(FLAG_NOT_CHECKED)
        rows.append(
            ReconciledRow(
                unit=unit,
                reported=_figure(reported[i]),
                sources=tuple(_figure(figures[c.code][i]) for c in columns),
                found=_figure(found[i]),
                checked=_figure(checked[i]),
                difference=_figure(difference[i]),
                under_reported=float(under[i]),
                over_reported=float(over[i]),
                accuracy=_figure(rate[i]),
                corrected=_figure(corrected[i]),
                used=str(used[i]),
                flags=tuple(flags),
            )
        )
    has_found = ~np.isnan(found)
    found_total = _total(found)
    under_total = float(under.sum())
    total_rate = (
        accuracy(np.array([found_total - under_total]), np.array([found_total]))[0]
        if found_total is not None
        else np.nan
    )
    totals = Totals(
        reported=_total(reported),
        sources=tuple(_total(figures[c.code]) for c in columns),
        found=found_total,
        reported_checked=_total(np.where(has_found, np.nan_to_num(reported, nan=0.0), np.nan)),
        difference=_total(difference),
        under_reported=under_total,
        over_reported=float(over.sum()),
        accuracy=_figure(total_rate),
        corrected=_total(corrected),
        units=len(units),
        under_count=int((under > 0).sum()),
        over_count=int((over > 0).sum()),
        not_checked_count=int((~has_found).sum()),
    )
    scoring = tuple(scoring_basis(element, kinds, period.start.year))
    return Reconciliation(element, root, period, columns, tuple(rows), totals, scoring)
