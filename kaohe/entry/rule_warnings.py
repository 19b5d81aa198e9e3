"""Validation warnings beside the cells of the entry grid.

Each validation rule that fails on a column's report (see :mod:`kaohe.validation.evaluation`)
is shown beside the cells of the elements it reads, on both sides, in that column; the form
also lists them above the grid. A few queries for the whole grid, whatever its size. Reading
only: a warning never stops a value from being saved (a data set may refuse *submission*
while a high rule fails).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kaohe.elements.models import DataSet
from kaohe.engine.periods import Period
from kaohe.orgunits.models import OrgUnit
from kaohe.validation.evaluation import Check, RuleConfigError, check_report

from .selectors import Cell, Grid

__all__ = ["attach_warnings", "failing_checks", "grid_warnings"]

log = logging.getLogger(__name__)

_IMPORTANCE = {"high": 0, "medium": 1, "low": 2}  # the most important first


def failing_checks(dataset: DataSet, unit: OrgUnit, periods: Sequence[Period]) -> list[Check]:
    """The rules that fail on ``unit``'s reports of ``dataset`` for these periods, in period
    order. A rule that can no longer be checked is logged and left out: data entry goes on."""
    try:
        checks = check_report(dataset, unit, periods)
    except RuleConfigError:
        log.exception("validation rules of %s cannot be checked", dataset.code)
        return []
    order = {p.code: i for i, p in enumerate(periods)}
    failed = [c for c in checks if c.failed]
    return sorted(
        failed,
        key=lambda c: (order[c.period.code], _IMPORTANCE.get(c.rule.importance, 9), c.rule.code),
    )


def attach_warnings(cells: Sequence[Cell], checks: Sequence[Check]) -> None:
    """Put each failing check beside the cells (among ``cells``) of the elements it reads, in
    its period."""
    by_key = {(cell.element.code, cell.period.code): cell for cell in cells}
    for check in checks:
        for code in check.elements:
            cell = by_key.get((code, check.period.code))
            if cell is not None:
                cell.warnings.append(check)


def grid_warnings(grid: Grid) -> list[Check]:
    """The failing checks of every column of ``grid``, attached to its cells."""
    checks = failing_checks(grid.dataset, grid.unit, [c.period for c in grid.columns])
    attach_warnings(list(grid.cells()), checks)
    return checks
