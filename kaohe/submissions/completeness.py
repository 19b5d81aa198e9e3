"""Completeness and timeliness of reporting (报表完整性与及时性): which reports were expected,
which came in, and which came in by the due day.

For one data set, one unit and one period of the data set's type:

* **expected** (应报): the unit is of a kind that reports the data set (``DataSet.unit_kinds``;
  empty means every kind) and was open at some time during the period (not closed before it
  began, not opened after it ended: the same test that lets a unit submit at all);
* **received** (实报): a submission of it was made. A report counts as received from its first
  submission, whatever became of it later (returned for corrections, unlocked back to draft):
  the unit met or missed its deadline then, and review is about the figures, not the date.
  Figures entered but never submitted are not a report;
* **on time** (按时): first submitted on or before the due day, the period's end plus
  ``DataSet.due_day`` days (:func:`kaohe.submissions.services.due_date`); **late** (逾期) after it.

A cell of the grid is on time, late, missing (缺报: expected, not received, past the due day),
not due yet (未到期: expected, not received, the due day still ahead) or not expected (不需报送).
Reports of a unit for a period in which it was not expected are left out of every count, so a
rate never exceeds 100 %.

The rates are DHIS2's: reporting rate = received / expected × 100, on-time rate = received on
time / expected × 100. Like DHIS2, every period of the data set's type lying wholly inside the
year is expected, including those not due yet: during the year the rates are still partial (the
grid shows how many are not due). Nothing expected → no rate.

This module computes; :mod:`kaohe.submissions.selectors` reads the rows it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.datavalues.importing import unit_closed_reason
from kaohe.elements.models import DataSet
from kaohe.engine.periods import Period, PeriodType, periods_within
from kaohe.engine.reporting import ReportCounts
from kaohe.engine.rounding import round_half_up
from kaohe.orgunits.models import OrgUnit

from .services import due_date

__all__ = [
    "CellState",
    "Completeness",
    "DataSetGrid",
    "GridCell",
    "Report",
    "Tally",
    "UnitRow",
    "build_grid",
    "classify",
    "expected_periods",
    "is_expected",
    "report_counts",
    "reports_dataset",
]

RATE_DECIMALS = 1


class CellState(models.TextChoices):
    ON_TIME = "on_time", _("按时")
    LATE = "late", _("逾期")
    MISSING = "missing", _("缺报")
    NOT_DUE = "not_due", _("未到期")
    NOT_EXPECTED = "not_expected", _("不需报送")


RECEIVED = frozenset({CellState.ON_TIME, CellState.LATE})


@dataclass(frozen=True)
class Report:
    """A received report: its submission, the day it first came in (local time), its status."""

    submission_id: int
    received_on: date
    status: str


@dataclass(frozen=True)
class GridCell:
    period: Period
    due: date
    state: CellState
    report: Report | None = None


@dataclass
class Tally:
    """Counts of cells by state, and the two rates made of them."""

    expected: int = 0
    actual: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    not_due: int = 0

    def add(self, state: CellState) -> None:
        if state == CellState.NOT_EXPECTED:
            return
        self.expected += 1
        if state in RECEIVED:
            self.actual += 1
        if state == CellState.ON_TIME:
            self.on_time += 1
        elif state == CellState.LATE:
            self.late += 1
        elif state == CellState.MISSING:
            self.missing += 1
        else:
            self.not_due += 1

    def merge(self, other: Tally) -> None:
        for name in ("expected", "actual", "on_time", "late", "missing", "not_due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def reporting_rate(self) -> Decimal | None:
        """Received / expected × 100, half-up to one decimal; ``None`` when nothing expected."""
        return _percent(self.actual, self.expected)

    @property
    def reporting_rate_on_time(self) -> Decimal | None:
        """Received on time / expected × 100, half-up to one decimal."""
        return _percent(self.on_time, self.expected)


def _percent(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole), RATE_DECIMALS)


@dataclass(frozen=True)
class UnitRow:
    unit: OrgUnit
    cells: tuple[GridCell, ...]
    tally: Tally


@dataclass(frozen=True)
class DataSetGrid:
    """One data set: a row per unit, a column per period, and the totals both ways."""

    dataset: DataSet
    periods: tuple[Period, ...]
    rows: tuple[UnitRow, ...]
    period_tallies: tuple[Tally, ...]
    tally: Tally


@dataclass(frozen=True)
class Completeness:
    """The grids of a unit's subtree (a township, usually) for one year, as of one day."""

    root: OrgUnit
    year: int
    span: Period
    as_of: date
    grids: tuple[DataSetGrid, ...] = field(default=())

    @property
    def tally(self) -> Tally:
        """All data sets together."""
        total = Tally()
        for grid in self.grids:
            total.merge(grid.tally)
        return total


# --- the rules -----------------------------------------------------------------------------


def reports_dataset(dataset: DataSet, unit: OrgUnit) -> bool:
    """Whether units of ``unit``'s kind report ``dataset`` (no kinds listed: every kind)."""
    return not dataset.unit_kinds or unit.kind in dataset.unit_kinds


def is_expected(dataset: DataSet, unit: OrgUnit, period: Period) -> bool:
    """Whether ``unit`` owes a report of ``dataset`` for ``period``: of a reporting kind, and
    open at some time during the period."""
    return reports_dataset(dataset, unit) and unit_closed_reason(unit, period) is None


def expected_periods(dataset: DataSet, span: Period) -> list[Period]:
    """The periods of the data set's type lying wholly inside ``span``, in time order."""
    return periods_within(span, PeriodType(dataset.period_type))


def classify(expected: bool, report: Report | None, due: date, today: date) -> CellState:
    """The state of one cell; ``today`` only tells a missing report from one not due yet."""
    if not expected:
        return CellState.NOT_EXPECTED
    if report is not None:
        return CellState.ON_TIME if report.received_on <= due else CellState.LATE
    return CellState.NOT_DUE if today <= due else CellState.MISSING


# --- the grid ------------------------------------------------------------------------------

ReportKey = tuple[int, str]  # unit id, period code


def build_grid(
    dataset: DataSet,
    units: Iterable[OrgUnit],
    span: Period,
    reports: Mapping[ReportKey, Report],
    today: date,
) -> DataSetGrid:
    """The grid of ``dataset`` over ``span``: a row for each of ``units`` of a kind that
    reports it (in the order given), with ``reports`` keyed by (unit id, period code)."""
    periods = tuple(expected_periods(dataset, span))
    dues = [due_date(dataset, period) for period in periods]
    period_tallies = tuple(Tally() for _ in periods)
    total = Tally()
    rows = []
    for unit in units:
        if not reports_dataset(dataset, unit):
            continue
        tally = Tally()
        cells = []
        for index, (period, due) in enumerate(zip(periods, dues, strict=True)):
            report = reports.get((unit.pk, period.code))
            state = classify(is_expected(dataset, unit, period), report, due, today)
            cells.append(GridCell(period, due, state, report if state in RECEIVED else None))
            tally.add(state)
            period_tallies[index].add(state)
        total.merge(tally)
        rows.append(UnitRow(unit, tuple(cells), tally))
    return DataSetGrid(dataset, periods, tuple(rows), period_tallies, total)


def report_counts(
    dataset: DataSet,
    units: Sequence[OrgUnit],
    span: Period,
    reports: Mapping[ReportKey, Report],
) -> ReportCounts:
    """Expected, received and on-time reports of ``dataset`` over ``span`` for each of
    ``units`` in order (zeros for a unit that does not report it), for ``R{}`` in scoring.
    The same rules as the grid; none of these counts depends on the day they are read."""
    grid = build_grid(dataset, units, span, reports, date.max)
    by_unit = {row.unit.pk: row.tally for row in grid.rows}
    empty = Tally()
    tallies = [by_unit.get(unit.pk, empty) for unit in units]
    return ReportCounts.of(
        [t.expected for t in tallies],
        [t.actual for t in tallies],
        [t.on_time for t in tallies],
    )
