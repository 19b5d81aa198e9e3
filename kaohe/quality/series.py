"""Reading series out of the stored values: one row per unit × element, one column per period.

What a user asks for is checked here, once, for the page, the API and the console alike
(:func:`parse_window`, :func:`parse_elements`, :func:`find_root`): every refusal is a
:class:`~kaohe.quality.errors.QualityError` naming the field, Chinese first.

Only stored values are read, through :func:`kaohe.core.access.restrict` when a person asks
(the console, which holds the database, reads everything). An element whose zeros are not
stored (``zero_is_significant`` off: "a missing report counts as zero") reads 0 in every period
of the window its unit was open, once the unit has any value of it there; such a zero has no
stored row, so it cannot be marked for follow-up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from django.db.models import F, Q, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from kaohe.core.access import VIEW, restrict
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement
from kaohe.engine.periods import Period, PeriodError, parse_period
from kaohe.engine.spec import ValueType
from kaohe.orgunits.models import OrgUnit

from .errors import QualityError

#: The longest window one request may read (twenty years of months).
MAX_PERIODS: Final = 240
#: Value types whose values can be judged (a yes/no answer has no outliers).
NUMERIC_TYPES: Final = (ValueType.INTEGER.value, ValueType.NUMBER.value, ValueType.PERCENTAGE.value)


@dataclass(frozen=True)
class StoredCell:
    """The stored row behind one cell: what marking it for follow-up needs."""

    id: int
    follow_up: bool
    last_updated: datetime


@dataclass
class Series:
    """Values of ``keys[i]`` (unit, element) in ``periods[j]`` at ``values[i, j]`` (NaN: none);
    ``cells`` maps (i, j) to the stored row (absent for an implicit zero)."""

    periods: list[Period]
    keys: list[tuple[OrgUnit, DataElement]]
    values: npt.NDArray[np.float64]
    cells: dict[tuple[int, int], StoredCell] = field(default_factory=dict)


def parse_window(start: str, end: str) -> list[Period]:
    """The periods from ``start`` to ``end`` (codes of one type, both included), in order."""
    first = _period(start, "from")
    last = _period(end, "to")
    if last.period_type is not first.period_type:
        raise QualityError(
            "to",
            _(
                "起止期间须为同一类型：{start} 是 {a}，{end} 是 {b} / the first and last periods "
                "must be of one type: {start} is {a}, {end} is {b}"
            ).format(
                start=first.code, end=last.code, a=first.period_type.value, b=last.period_type.value
            ),
        )
    if last.start < first.start:
        raise QualityError(
            "to",
            _("截止期间 {end} 早于起始期间 {start} / {end} is before {start}").format(
                start=first.code, end=last.code
            ),
        )
    periods = [first]
    while periods[-1].code != last.code:
        if len(periods) >= MAX_PERIODS:
            raise QualityError(
                "to",
                _("一次最多查看 {n} 个期间 / at most {n} periods can be read at once").format(
                    n=MAX_PERIODS
                ),
            )
        periods.append(periods[-1].offset(1))
    return periods


def _period(code: str, name: str) -> Period:
    if not (code or "").strip():
        raise QualityError(name, _("请填写期间代码，如 202601 / enter a period code, e.g. 202601"))
    try:
        return parse_period(code.strip())
    except PeriodError as error:
        raise QualityError(name, str(error)) from None


def parse_number(text: Any, name: str, low: float, high: float, default: float) -> float:
    """A number typed into field ``name``, from ``low`` to ``high``; empty gives ``default``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return default
    try:
        number = float(text)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise QualityError(
            name,
            _(
                "须为 {low}–{high} 之间的数：{text} / must be a number from {low} to {high}: {text}"
            ).format(low=f"{low:g}", high=f"{high:g}", text=text),
        )
    return number


def find_root(code: str, user: Any | None) -> OrgUnit:
    """The unit (with everything under it) whose series are read: one ``user`` may see."""
    units = OrgUnit.objects.filter(code=(code or "").strip())
    if user is not None:
        units = restrict(units, user, VIEW)
    unit = units.first()
    if unit is None:
        raise QualityError(
            "township",
            _("未知或无权查看的单位 {code} / unknown unit {code}, or not one you may see").format(
                code=code
            ),
        )
    return unit


def parse_elements(codes: Iterable[str]) -> list[DataElement]:
    """The numeric elements of these codes (none: every numeric element)."""
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    if not wanted:
        return list(DataElement.objects.filter(value_type__in=NUMERIC_TYPES).order_by("code"))
    found = {e.code: e for e in DataElement.objects.filter(code__in=wanted)}
    if missing := [c for c in wanted if c not in found]:
        raise QualityError(
            "element",
            _("未知的数据元素代码 {codes} / unknown data element code(s) {codes}").format(
                codes=", ".join(missing)
            ),
        )
    if yes_no := [c for c in wanted if found[c].value_type not in NUMERIC_TYPES]:
        raise QualityError(
            "element",
            _(
                "是/否 类数据元素没有异常值可言：{codes} / yes/no elements have no outliers: "
                "{codes}"
            ).format(codes=", ".join(yes_no)),
        )
    return [found[c] for c in wanted]


def subtree(root: OrgUnit) -> Q:
    """Values of ``root`` and the units under it, letter case included (SQLite's LIKE ignores
    case, so the prefix is compared with = as well; see kaohe.core.access)."""
    prefix = Substr(F("unit__path"), 1, len(root.path))
    return Q(unit__path__startswith=root.path) & Q(Exact(prefix, Value(root.path)))


def read_series(
    root: OrgUnit,
    elements: Sequence[DataElement],
    periods: Sequence[Period],
    user: Any | None,
) -> Series:
    """The series of every unit under ``root`` (itself included) that has a value of one of
    ``elements`` in ``periods``, in tree order then element code."""
    index = {p.code: j for j, p in enumerate(periods)}
    values = DataValue.objects.filter(subtree(root), element__in=list(elements))
    values = values.filter(period__code__in=list(index))
    if user is not None:
        values = restrict(values, user, VIEW)
    rows = list(
        values.values_list(
            "pk", "unit_id", "element_id", "period__code", "value", "follow_up", "last_updated"
        )
    )
    pairs = sorted({(r[1], r[2]) for r in rows})
    units = OrgUnit.objects.in_bulk({u for u, _e in pairs})
    by_id = {e.pk: e for e in elements}
    pairs.sort(key=lambda p: (units[p[0]].path, by_id[p[1]].code))
    position = {pair: i for i, pair in enumerate(pairs)}
    data = np.full((len(pairs), len(periods)), np.nan, dtype=np.float64)
    cells: dict[tuple[int, int], StoredCell] = {}
    for pk, unit_id, element_id, code, value, follow_up, last_updated in rows:
        i, j = position[(unit_id, element_id)], index[code]
        data[i, j] = float(value)
        cells[(i, j)] = StoredCell(pk, follow_up, last_updated)
    keys = [(units[u], by_id[e]) for u, e in pairs]
    for i, (unit, element) in enumerate(keys):
        if element.zero_is_significant:
            continue
        for j, period in enumerate(periods):
            if np.isnan(data[i, j]) and unit.is_open_during(period.start, period.end):
                data[i, j] = 0.0
    return Series(list(periods), keys, data, cells)
