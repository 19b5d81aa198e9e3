"""Read helpers of data entry: what a user may enter, and the grid of one data set, unit and
period built in a fixed number of queries whatever the number of elements.

Nothing here writes. Who may see or change what is decided by :mod:`kaohe.core.access`; these
functions only go through it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.models import AuditEntry
from kaohe.core.access import CHANGE, VIEW, restrict
from kaohe.datavalues.excel_format import (
    TemplateError,
    dataset_elements,
    period_heading,
    period_title,
    template_periods,
)
from kaohe.datavalues.importing import ValueProblem, format_value, parse_value, unit_closed_reason
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import ACTION_CREATE, ACTION_DELETE, ACTION_UPDATE, OBJECT_TYPE
from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.periods import Period, PeriodError, parse_period
from kaohe.engine.spec import AggregationType, ValueType
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.services import locked_values

__all__ = [
    "UNLOCKED",
    "Cell",
    "Change",
    "Column",
    "Conflict",
    "Grid",
    "Lock",
    "Row",
    "TemplateError",
    "build_grid",
    "changeable_units",
    "conflict_of",
    "entry_element",
    "grid_period_for",
    "locks_of",
    "parse_period_or_none",
    "reports",
    "single_cell",
    "stored_value",
    "token_of",
    "value_history",
    "visible_dataset",
    "visible_unit",
]


# --- who may enter what ---------------------------------------------------------------------


def visible_dataset(user: Any, code: str) -> DataSet | None:
    """The data set of ``code`` if ``user`` may read it."""
    return restrict(DataSet.objects.filter(code=code), user, VIEW).first()


def visible_unit(user: Any, code: str) -> OrgUnit | None:
    """The unit of ``code`` if ``user`` may see it (else ``None``: the caller answers 404)."""
    return restrict(OrgUnit.objects.filter(code=code), user, VIEW).first()


def changeable_units(user: Any) -> QuerySet[OrgUnit]:
    """The units whose figures ``user`` may enter, of the kinds some data set is reported by."""
    units = restrict(OrgUnit.objects.all(), user, CHANGE)
    kinds: set[str] = set()
    for unit_kinds in restrict(DataSet.objects.all(), user, VIEW).values_list(
        "unit_kinds", flat=True
    ):
        if not unit_kinds:
            return units.order_by("path")  # a data set that every kind of unit reports
        kinds.update(unit_kinds)
    return units.filter(kind__in=kinds).order_by("path")


def reports(dataset: DataSet, unit: OrgUnit) -> bool:
    """Whether ``unit`` is of a kind that reports ``dataset``."""
    return not dataset.unit_kinds or unit.kind in dataset.unit_kinds


def entry_element(
    element_code: str, unit: OrgUnit, period: Period
) -> tuple[DataElement, DataSet] | None:
    """The element of ``element_code`` and a data set that asks ``unit`` for it in periods of
    ``period``'s type; single values are entered and shown only where a form has them."""
    element = DataElement.objects.filter(code=element_code).prefetch_related("datasets").first()
    if element is None:
        return None
    for dataset in element.datasets.all():
        if dataset.period_type == period.period_type.value and reports(dataset, unit):
            return element, dataset
    return None


def grid_period_for(dataset: DataSet, period: Period) -> str:
    """The code of the form a value of ``period`` is entered on: the year grid of its year
    when the data set has one (a monthly or quarterly set), else the period itself."""
    year = str(period.start.year)
    try:
        _outer, columns = template_periods(dataset, year)
    except TemplateError:
        return period.code
    return year if period in columns and len(columns) > 1 else period.code


# --- locks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """Whether a value may no longer be changed here, and why (bilingual)."""

    locked: bool = False
    reason: str = ""


UNLOCKED = Lock()


def locks_of(
    unit: OrgUnit, periods: Sequence[Period], elements: Sequence[DataElement]
) -> dict[tuple[str, str], Lock]:
    """The locked values among these elements and periods of ``unit``, by (element code,
    period code): the unit did not exist in the period, or the figures are locked
    (:func:`kaohe.submissions.services.locked_values`: approved, or past the lock day). A few
    queries for any number of values."""
    found: dict[tuple[str, str], Lock] = {}
    open_periods = []
    for period in periods:
        closed = unit_closed_reason(unit, period)
        if closed is None:
            open_periods.append(period)
        else:
            found.update(((e.code, period.code), Lock(True, closed)) for e in elements)
    locked = locked_values((unit, p, e) for p in open_periods for e in elements)
    for period in open_periods:
        for element in elements:
            state = locked.get((unit.pk, period.code, element.pk))
            if state:
                found[(element.code, period.code)] = Lock(True, state.reason)
    return found


# --- the grid -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    period: Period
    heading: str
    lock: Lock = UNLOCKED  # when every value of the column is locked for the same reason


@dataclass(frozen=True)
class Conflict:
    """Someone else changed a value since the editor loaded it; nothing was saved."""

    mine: str
    theirs: str  # "" when they deleted it
    who: str
    when: str  # local time, HH:MM today, else with the date
    token: str  # the stored value's token, to overwrite it explicitly ("" when deleted)


def token_of(value: DataValue | None) -> str:
    """The optimistic-concurrency token of a stored value: its last_updated, exactly."""
    return value.last_updated.isoformat() if value is not None else ""


def _when(moment: Any) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def conflict_of(mine: str, stored: DataValue | None) -> Conflict:
    """What to tell an editor whose ``mine`` met ``stored`` (the value as it is now)."""
    if stored is None:
        return Conflict(mine=mine, theirs="", who="", when="", token="")
    return Conflict(
        mine=mine,
        theirs=format_value(stored.value),
        who=stored.stored_by,
        when=_when(stored.last_updated),
        token=token_of(stored),
    )


@dataclass
class Cell:
    """One value of the grid: what the input shows and the tokens it carries.

    ``token`` and ``original`` are what the editor's page holds: the stored value's
    last_updated and text when the page was drawn (or as posted back, after a refused save,
    so that a second save of the same page cannot overwrite what someone else saved since).
    """

    element: DataElement
    column: Column
    stored: DataValue | None
    text: str
    token: str
    original: str
    lock: Lock = UNLOCKED
    error: str = ""
    conflict: Conflict | None = None
    saved: bool = False
    # Validation rules failing on this value's report that read it (kaohe.entry.rule_warnings).
    warnings: list[Any] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.column.period

    @property
    def key(self) -> str:
        """The cell's name in posted forms: ``ELEMENT:PERIOD``."""
        return f"{self.element.code}:{self.column.period.code}"

    @property
    def dom_id(self) -> str:
        return f"c-{self.element.code}-{self.column.period.code}"

    @property
    def locked(self) -> bool:
        return self.lock.locked

    @property
    def lock_reason(self) -> str:
        return self.lock.reason

    @property
    def comment(self) -> str:
        return self.stored.comment if self.stored is not None else ""

    @property
    def follow_up(self) -> bool:
        return self.stored.follow_up if self.stored is not None else False


def _cell(element: DataElement, column: Column, stored: DataValue | None, lock: Lock) -> Cell:
    text = format_value(stored.value) if stored is not None else ""
    return Cell(
        element, column, stored, text=text, token=token_of(stored), original=text, lock=lock
    )


@dataclass
class Row:
    element: DataElement
    cells: list[Cell]
    sums: bool  # whether the row has a 合计 (sum-aggregated, more than one column)

    @property
    def hint(self) -> str:
        """What the row takes, as the sheet's 填写要求 column says it."""
        hints = {
            ValueType.INTEGER.value: _("非负整数"),
            ValueType.NUMBER.value: _("数值"),
            ValueType.PERCENTAGE.value: _("百分比 0–100"),
            ValueType.YES_NO.value: _("是填 1，否填 0"),
        }
        return hints.get(self.element.value_type, "")

    @property
    def total(self) -> str:
        """The sum of the values the cells hold (the stored ones, or as typed on a refused
        page) that the server would take; grid.js keeps it up as the editor types."""
        values = []
        for cell in self.cells:
            try:
                values.append(parse_value(cell.text, self.element.value_type))
            except ValueProblem:
                continue  # empty, or refused beside its cell
        return format_value(sum(values, Decimal(0))) if values else ""


@dataclass
class Grid:
    """A data set's form for one unit: elements as rows, the periods inside ``outer`` as
    columns (one column for a period of the data set's own type; a year of months for a
    monthly set: the sheet clerks know)."""

    dataset: DataSet
    unit: OrgUnit
    outer: Period
    columns: list[Column]
    rows: list[Row]
    editable: bool
    title: str = ""

    @property
    def has_totals(self) -> bool:
        return len(self.columns) > 1

    def cells(self) -> Iterator[Cell]:
        for row in self.rows:
            yield from row.cells


def build_grid(dataset: DataSet, unit: OrgUnit, period_code: str, *, editable: bool) -> Grid:
    """The grid of ``dataset`` for ``unit`` over ``period_code``, values filled in.

    Three queries whatever the number of elements (the elements, the stored values, nothing
    per row), plus one lock look-up per column. Raises :class:`TemplateError` (bilingual) for
    a bad period or one shorter than the data set's.
    """
    outer, periods = template_periods(dataset, period_code)
    elements = dataset_elements(dataset)
    locks = locks_of(unit, periods, elements)
    across_years = periods[0].start.year != periods[-1].end.year
    several = len(periods) > 1
    columns = []
    for p in periods:
        reasons = {locks.get((e.code, p.code), UNLOCKED) for e in elements}
        columns.append(
            Column(
                period=p,
                heading=period_heading(p, with_year=across_years) if several else "",
                lock=reasons.pop() if len(reasons) == 1 else UNLOCKED,
            )
        )
    stored: dict[tuple[int, str], DataValue] = {}
    if elements:
        values = DataValue.objects.filter(
            unit=unit,
            element__in=[e.pk for e in elements],
            period__code__in=[p.code for p in periods],
        ).select_related("period")
        stored = {(v.element_id, v.period.code): v for v in values}
    rows = [
        Row(
            element=element,
            cells=[
                _cell(
                    element,
                    c,
                    stored.get((element.pk, c.period.code)),
                    locks.get((element.code, c.period.code), UNLOCKED),
                )
                for c in columns
            ],
            sums=several and element.aggregation == AggregationType.SUM.value,
        )
        for element in elements
    ]
    return Grid(
        dataset=dataset,
        unit=unit,
        outer=outer,
        columns=columns,
        rows=rows,
        editable=editable,
        title=period_title(outer),
    )


def stored_value(element: DataElement, unit: OrgUnit, period: Period) -> DataValue | None:
    return DataValue.objects.filter(element=element, unit=unit, period__code=period.code).first()


def single_cell(element: DataElement, unit: OrgUnit, period: Period) -> Cell:
    """The cell of one value, as the grid draws it (for the per-cell endpoints)."""
    lock = locks_of(unit, [period], [element]).get((element.code, period.code), UNLOCKED)
    return _cell(element, Column(period, ""), stored_value(element, unit, period), lock)


def parse_period_or_none(code: str) -> Period | None:
    """The period of a DHIS2 code, or ``None`` if it is not one."""
    try:
        return parse_period(code)
    except PeriodError:
        return None


# --- history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One audit row of a value, as the history lists it."""

    entry: AuditEntry
    before: str
    after: str
    comment_before: str
    comment_after: str
    follow_up_before: bool
    follow_up_after: bool

    @property
    def action_label(self) -> str:
        labels = {ACTION_CREATE: _("新增"), ACTION_UPDATE: _("修改"), ACTION_DELETE: _("删除")}
        return labels.get(self.entry.action, self.entry.action)

    @property
    def comment_changed(self) -> bool:
        return self.comment_before != self.comment_after

    @property
    def follow_up_changed(self) -> bool:
        return self.follow_up_before != self.follow_up_after


def _snapshot(data: Any) -> tuple[str, str, bool]:
    if not isinstance(data, dict):
        return "", "", False
    return str(data.get("value", "")), str(data.get("comment", "")), bool(data.get("follow_up"))


def value_history(element: DataElement, unit: OrgUnit, period: Period) -> list[Change]:
    """Every audited change of one value, newest first (one query).

    The caller has checked that the user may see ``unit``: the key names exactly one value of
    that unit, so these rows are the unit's and nobody else's.
    """
    entries = AuditEntry.objects.filter(
        object_type=OBJECT_TYPE, object_key=f"{element.code}/{period.code}/{unit.code}"
    ).only("at", "actor", "channel", "action", "before", "after")
    changes = []
    for entry in entries:
        before, comment_before, flag_before = _snapshot(entry.before)
        after, comment_after, flag_after = _snapshot(entry.after)
        changes.append(
            Change(entry, before, after, comment_before, comment_after, flag_before, flag_after)
        )
    return changes
