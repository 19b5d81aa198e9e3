"""Finding outliers on request: read the series, judge them in the engine, list what stands out.

Nothing is stored and no value is changed: the list is computed each time it is asked for
(:func:`find_outliers`), from the page, the API or the console, with the same checks. What a
person decides about a flagged value is kept on the value itself, by marking it for follow-up
(:func:`kaohe.quality.services.do_mark_follow_up`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.core.access import may_change, may_review
from kaohe.elements.models import DataElement
from kaohe.engine.outliers import (
    DEFAULT_MIN_VALUES,
    DEFAULT_THRESHOLD,
    OutlierMethod,
    SeriesStatus,
    describe_status,
    describe_value,
    detect_outliers,
)
from kaohe.engine.periods import Period
from kaohe.orgunits.models import OrgUnit

from .errors import QualityError
from .models import MinMaxRange
from .series import (
    Series,
    find_root,
    parse_elements,
    parse_number,
    parse_window,
    read_series,
)

METHOD_NAMES: dict[OutlierMethod, tuple[str, str]] = {
    OutlierMethod.MODIFIED_Z: ("修正 z 分数（中位数）", "modified z-score (median)"),
    OutlierMethod.IQR: ("四分位距（IQR）", "interquartile range (IQR)"),
    OutlierMethod.MIN_MAX: ("最小–最大值范围", "min–max range"),
    OutlierMethod.Z: ("z 分数（均值，不宜用于小数）", "z-score (mean; unsuited to small counts)"),
}


@dataclass(frozen=True)
class OutlierQuery:
    """What to judge: the units under ``root``, ``elements``, ``periods``, and how."""

    root: OrgUnit
    elements: tuple[DataElement, ...]
    periods: tuple[Period, ...]
    method: OutlierMethod
    threshold: float
    min_values: int

    @property
    def start(self) -> str:
        return self.periods[0].code

    @property
    def end(self) -> str:
        return self.periods[-1].code


@dataclass
class FlaggedValue:
    """One flagged value, the statistics of its series and why it stands out."""

    unit: OrgUnit
    element: DataElement
    period: str
    value: float
    value_id: int | None  # None: a zero that is not stored
    follow_up: bool
    token: datetime | None  # the stored value's last_updated, for marking it
    count: int
    centre: float | None
    spread: float | None
    q1: float | None
    q3: float | None
    lower: float | None
    upper: float | None
    score: float
    reason_zh: str
    reason_en: str
    may_mark: bool = False
    lock_reason: str = ""

    @property
    def markable(self) -> bool:
        return self.may_mark and self.value_id is not None and not self.lock_reason


@dataclass(frozen=True)
class UnjudgedSeries:
    unit: OrgUnit
    element: DataElement
    status: SeriesStatus
    count: int
    reason_zh: str
    reason_en: str


@dataclass
class OutlierReport:
    query: OutlierQuery
    series: int = 0
    judged: int = 0
    flagged: list[FlaggedValue] = field(default_factory=list)
    unjudged: list[UnjudgedSeries] = field(default_factory=list)


def parse_method(text: str | None) -> OutlierMethod:
    try:
        return OutlierMethod((text or OutlierMethod.MODIFIED_Z.value).strip())
    except ValueError:
        raise QualityError(
            "method",
            _("未知的方法 {m}，可选 {all} / unknown method {m}; one of {all}").format(
                m=text, all=", ".join(m.value for m in OutlierMethod)
            ),
        ) from None


def parse_query(
    *,
    user: Any | None,
    township: str,
    elements: Iterable[str],
    start: str,
    end: str,
    method: str | None = None,
    threshold: Any = None,
    min_values: Any = None,
) -> OutlierQuery:
    """Check what was asked (codes and numbers as typed) and name the first wrong field."""
    root = find_root(township, user)
    chosen = parse_method(method)
    periods = parse_window(start, end)
    found = parse_elements(elements)
    limit = parse_number(threshold, "threshold", 0.1, 100, DEFAULT_THRESHOLD[chosen])
    shortest = parse_number(min_values, "min_values", 3, 240, DEFAULT_MIN_VALUES)
    if shortest != int(shortest):
        raise QualityError("min_values", _("须为整数 / must be a whole number"))
    return OutlierQuery(root, tuple(found), tuple(periods), chosen, limit, int(shortest))


def _ranges(series: Series) -> tuple[np.ndarray, np.ndarray]:
    lower = np.full(len(series.keys), np.nan)
    upper = np.full(len(series.keys), np.nan)
    if not series.keys:
        return lower, upper
    position = {(u.pk, e.pk): i for i, (u, e) in enumerate(series.keys)}
    rows = MinMaxRange.objects.filter(
        unit_id__in={u.pk for u, _e in series.keys},
        element_id__in={e.pk for _u, e in series.keys},
    ).values_list("unit_id", "element_id", "min_value", "max_value")
    for unit_id, element_id, low, high in rows:
        if (i := position.get((unit_id, element_id))) is not None:
            lower[i], upper[i] = float(low), float(high)
    return lower, upper


def _maybe(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def find_outliers(query: OutlierQuery, user: Any | None) -> OutlierReport:
    """The flagged values of every series the query covers, most significant first (the
    largest absolute score), and the series that could not be judged and why."""
    series = read_series(query.root, query.elements, query.periods, user)
    ranges = _ranges(series) if query.method is OutlierMethod.MIN_MAX else None
    scores = detect_outliers(
        series.values,
        query.method,
        threshold=query.threshold,
        min_values=query.min_values,
        ranges=ranges,
    )
    report = OutlierReport(query, series=len(series.keys))
    report.judged = int((scores.status == SeriesStatus.JUDGED).sum())
    for i, (unit, element) in enumerate(series.keys):
        status = SeriesStatus(int(scores.status[i]))
        if status is not SeriesStatus.JUDGED:
            zh, en = describe_status(status, query.method)
            report.unjudged.append(
                UnjudgedSeries(unit, element, status, int(scores.count[i]), zh, en)
            )
    for i, j in zip(*np.nonzero(scores.flagged), strict=True):
        unit, element = series.keys[i]
        stats = {
            "centre": float(scores.centre[i]),
            "spread": float(scores.spread[i]),
            "q1": float(scores.q1[i]),
            "q3": float(scores.q3[i]),
            "lower": float(scores.lower[i]),
            "upper": float(scores.upper[i]),
        }
        value, score = float(series.values[i, j]), float(scores.score[i, j])
        zh, en = describe_value(
            query.method, value, score=score, threshold=query.threshold, **stats
        )
        cell = series.cells.get((int(i), int(j)))
        report.flagged.append(
            FlaggedValue(
                unit=unit,
                element=element,
                period=series.periods[j].code,
                value=value,
                value_id=cell.id if cell else None,
                follow_up=cell.follow_up if cell else False,
                token=cell.last_updated if cell else None,
                count=int(scores.count[i]),
                score=score,
                reason_zh=zh,
                reason_en=en,
                **{name: _maybe(v) for name, v in stats.items()},
            )
        )
    report.flagged.sort(key=lambda f: (-abs(f.score), f.unit.path, f.element.code, f.period))
    return report


def annotate_marking(rows: Sequence[FlaggedValue], actor: Actor) -> None:
    """Fill in, for ``actor``, whether each row may be marked for follow-up: the person enters
    or reviews the unit's figures. A locked figure may be marked too: marking changes only the
    flag, never the figure."""
    user = actor.user
    allowed: dict[int, bool] = {}
    for row in rows:
        if row.unit.pk not in allowed:
            allowed[row.unit.pk] = (
                user is None or may_change(user, row.unit) or may_review(user, row.unit)
            )
        row.may_mark = allowed[row.unit.pk]


def describe_query(query: OutlierQuery) -> tuple[str, str]:
    """The query in a line, for the page and the export."""
    zh_method, en_method = METHOD_NAMES[query.method]
    threshold = "" if query.method is OutlierMethod.MIN_MAX else f"{query.threshold:g}"
    zh = f"{query.root.name}，{query.start}–{query.end}，{zh_method}"
    en = f"{query.root.name}, {query.start}–{query.end}, {en_method}"
    if threshold:
        zh, en = f"{zh}，阈值 {threshold}", f"{en}, threshold {threshold}"
    return zh, en
