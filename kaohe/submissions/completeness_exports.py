"""The completeness grid as downloads (CSV and XLSX): totals per unit, or every cell.

The rows come from :func:`kaohe.submissions.selectors.completeness_of`, already narrowed to what
the reader may see; the files are written by :mod:`kaohe.assessments.exports`.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.assessments.exports import GENERAL, WHOLE, Cell, Column, Table

from .completeness import Completeness, DataSetGrid, Tally

RATE = "0.0"

SUMMARY_COLUMNS = (
    Column(gettext_lazy("数据集代码"), 14),
    Column(gettext_lazy("数据集"), 18),
    Column(gettext_lazy("单位代码"), 12),
    Column(gettext_lazy("单位"), 16),
    Column(gettext_lazy("应报"), 8, WHOLE),
    Column(gettext_lazy("实报"), 8, WHOLE),
    Column(gettext_lazy("按时"), 8, WHOLE),
    Column(gettext_lazy("逾期"), 8, WHOLE),
    Column(gettext_lazy("缺报"), 8, WHOLE),
    Column(gettext_lazy("未到期"), 8, WHOLE),
    Column(gettext_lazy("报告率（%）"), 11, RATE),
    Column(gettext_lazy("及时率（%）"), 11, RATE),
)

CELL_COLUMNS = (
    Column(gettext_lazy("数据集代码"), 14),
    Column(gettext_lazy("数据集"), 18),
    Column(gettext_lazy("单位代码"), 12),
    Column(gettext_lazy("单位"), 16),
    Column(gettext_lazy("期间"), 10),
    Column(gettext_lazy("报送期限"), 12),
    Column(gettext_lazy("首次报送日期"), 12),
    Column(gettext_lazy("状态代码"), 13),
    Column(gettext_lazy("状态"), 10, GENERAL),
)


def _counts(tally: Tally) -> list[Cell]:
    return [
        tally.expected,
        tally.actual,
        tally.on_time,
        tally.late,
        tally.missing,
        tally.not_due,
        tally.reporting_rate,
        tally.reporting_rate_on_time,
    ]


def _title(report: Completeness, what: str) -> str:
    return _("{root} {year} 年报表完整性与及时性（{what}）").format(
        root=report.root.name, year=report.year, what=what
    )


def _stem(report: Completeness, what: str) -> str:
    return f"completeness-{report.root.code}-{report.year}-{what}"


def summary_table(report: Completeness) -> Table:
    """A row per data set and unit with its counts and rates, then the data set's total."""

    def rows() -> Iterator[list[Cell]]:
        for grid in report.grids:
            dataset = grid.dataset
            for row in grid.rows:
                yield [
                    dataset.code,
                    dataset.name,
                    row.unit.code,
                    row.unit.name,
                    *_counts(row.tally),
                ]
            yield [dataset.code, dataset.name, "", _("合计"), *_counts(grid.tally)]

    return Table(
        title=_title(report, _("按单位汇总")),
        sheet=_("汇总"),
        filename=_stem(report, "summary"),
        columns=SUMMARY_COLUMNS,
        rows=rows(),
    )


def _cell_rows(grid: DataSetGrid) -> Iterator[list[Cell]]:
    dataset = grid.dataset
    for row in grid.rows:
        for cell in row.cells:
            received = cell.report.received_on.isoformat() if cell.report is not None else ""
            yield [
                dataset.code,
                dataset.name,
                row.unit.code,
                row.unit.name,
                cell.period.code,
                cell.due.isoformat(),
                received,
                str(cell.state.value),
                str(cell.state.label),
            ]


def cells_table(report: Completeness) -> Table:
    """Every cell of every grid: data set, unit, period, due day, when received, state."""

    def rows() -> Iterator[list[Cell]]:
        for grid in report.grids:
            yield from _cell_rows(grid)

    return Table(
        title=_title(report, _("逐期明细")),
        sheet=_("明细"),
        filename=_stem(report, "cells"),
        columns=CELL_COLUMNS,
        rows=rows(),
    )
