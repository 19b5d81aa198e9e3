"""Completeness and timeliness: which reports were expected, received and on time (by hand).

The township and its reports are described in completeness_world.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.engine.periods import PeriodType, make_period
from kaohe.submissions.completeness import (
    CellState,
    Completeness,
    DataSetGrid,
    Report,
    Tally,
    classify,
)
from kaohe.submissions.selectors import (
    CompletenessError,
    CompletenessQuery,
    completeness_of,
    reporting_counts,
    resolve_query,
)

from .completeness_world import YEAR, Township, build

pytestmark = pytest.mark.django_db

ON, LATE, MISS, DUE, NO = (
    CellState.ON_TIME,
    CellState.LATE,
    CellState.MISSING,
    CellState.NOT_DUE,
    CellState.NOT_EXPECTED,
)


@pytest.fixture
def town(tmp_path: Path) -> Township:
    return build(tmp_path)


def report_of(town: Township, today: date | None = None, dataset: str = "") -> Completeness:
    query = CompletenessQuery(town.units["T9"], YEAR, town.datasets[dataset] if dataset else None)
    return completeness_of(query, today=today)


def grid(report: Completeness, code: str) -> DataSetGrid:
    return next(g for g in report.grids if g.dataset.code == code)


def states(grid: DataSetGrid) -> dict[str, list[CellState]]:
    return {row.unit.code: [cell.state for cell in row.cells] for row in grid.rows}


def counts(tally: Tally) -> tuple[int, int, int, int, int, int]:
    return (tally.expected, tally.actual, tally.on_time, tally.late, tally.missing, tally.not_due)


# --- the rule of one cell --------------------------------------------------------------------

DUE_DAY = date(2025, 2, 3)


@pytest.mark.parametrize(
    ("expected", "received", "today", "state"),
    [
        (True, date(2025, 2, 3), date(2025, 6, 1), ON),  # on the due day itself
        (True, date(2025, 1, 20), date(2025, 1, 25), ON),  # early, before the due day
        (True, date(2025, 2, 4), date(2025, 6, 1), LATE),  # a day after it
        (True, None, date(2025, 2, 3), DUE),  # nothing yet, and the due day is today
        (True, None, date(2025, 2, 4), MISS),  # nothing, and the due day has passed
        (False, date(2025, 2, 1), date(2025, 6, 1), NO),  # not owed: a report does not count
        (False, None, date(2025, 6, 1), NO),
    ],
)
def test_each_cell_is_on_time_late_missing_not_due_or_not_expected(
    expected: bool, received: date | None, today: date, state: CellState
) -> None:
    report = Report(1, received, "submitted") if received is not None else None
    assert classify(expected, report, DUE_DAY, today) == state


# --- the grid of a township ------------------------------------------------------------------


def test_a_unit_is_expected_only_in_the_periods_it_was_open(town: Township) -> None:
    monthly = grid(report_of(town), "MONTHLY")

    # VD opened in 2026 and DU is not a village: neither has a row.
    assert [row.unit.code for row in monthly.rows] == ["VA", "VB", "VC"]
    found = states(monthly)
    assert found["VB"][:6] == [NO] * 6  # opened 15 July: nothing owed before July
    assert found["VB"][6:] == [ON, ON, ON, ON, ON, LATE]  # July's report is owed in full
    assert found["VC"][3:] == [NO] * 9  # closed 10 March: March still owed, April on not
    assert [counts(row.tally) for row in monthly.rows] == [
        (12, 10, 9, 1, 2, 0),
        (6, 6, 5, 1, 0, 0),
        (3, 2, 2, 0, 1, 0),
    ]


def test_on_time_is_decided_by_the_local_day_of_the_first_submission(town: Township) -> None:
    va = states(grid(report_of(town), "MONTHLY"))["VA"]
    # January came in on 3 February (the due day) at 18:00: on time. February came in at
    # 00:30 on 4 March, Beijing time (still 3 March in UTC): late.
    assert va[:3] == [ON, LATE, MISS]
    assert va[10:] == [MISS, ON]


def test_a_report_counts_from_its_first_submission_whatever_its_review(town: Township) -> None:
    vc = grid(report_of(town), "MONTHLY").rows[2]
    assert vc.unit.code == "VC"
    # January was returned, February unlocked back to draft: both were received on time.
    # March is a draft that was never submitted: missing.
    assert [cell.state for cell in vc.cells[:3]] == [ON, ON, MISS]
    assert [cell.report.status for cell in vc.cells[:2] if cell.report] == ["returned", "draft"]
    assert vc.cells[2].report is None


def test_a_report_for_a_period_a_unit_did_not_owe_is_not_counted(town: Township) -> None:
    monthly = grid(report_of(town), "MONTHLY")
    by_unit = {row.unit.code: row for row in monthly.rows}
    # VB's June (before it opened) and VC's April (after it closed) were submitted.
    assert by_unit["VB"].cells[5].state == NO and by_unit["VB"].cells[5].report is None
    assert by_unit["VC"].cells[3].state == NO
    assert by_unit["VB"].tally.reporting_rate == Decimal("100.0")


def test_missing_and_not_due_depend_on_the_day_the_grid_is_read(town: Township) -> None:
    # VA sent nothing for November, due on 3 December.
    on_the_due_day = report_of(town, today=date(2025, 12, 3))
    day_after = report_of(town, today=date(2025, 12, 4))
    assert states(grid(on_the_due_day, "MONTHLY"))["VA"][10] == DUE
    assert states(grid(day_after, "MONTHLY"))["VA"][10] == MISS
    # Not due yet is still expected: the rates of the year count it, as DHIS2's do.
    assert counts(grid(on_the_due_day, "MONTHLY").rows[0].tally) == (12, 10, 9, 1, 1, 1)
    assert grid(on_the_due_day, "MONTHLY").rows[0].tally.reporting_rate == Decimal("83.3")


def test_the_grid_totals_each_period_and_the_whole_data_set(town: Township) -> None:
    monthly = grid(report_of(town), "MONTHLY")
    columns = [(t.expected, t.actual, t.on_time) for t in monthly.period_tallies]
    assert columns == [
        (2, 2, 2),  # Jan: VA, VC
        (2, 2, 1),  # Feb: VA late, VC
        (2, 0, 0),  # Mar: nobody
        *[(1, 1, 1)] * 3,  # Apr–Jun: VA alone
        *[(2, 2, 2)] * 4,  # Jul–Oct: VA and VB
        (2, 1, 1),  # Nov: VB
        (2, 2, 1),  # Dec: VA, VB late
    ]
    assert counts(monthly.tally) == (21, 18, 16, 2, 3, 0)
    # 18 / 21 = 85.714… → 85.7 %; 16 / 21 = 76.190… → 76.2 %
    assert monthly.tally.reporting_rate == Decimal("85.7")
    assert monthly.tally.reporting_rate_on_time == Decimal("76.2")
    assert [p.code for p in monthly.periods] == [f"2025{m:02d}" for m in range(1, 13)]


def test_a_data_set_of_several_kinds_has_a_row_for_each_open_unit_of_them(town: Township) -> None:
    report = report_of(town)
    assert [g.dataset.code for g in report.grids] == ["MONTHLY", "QUARTERLY"]
    quarterly = grid(report, "QUARTERLY")
    assert [row.unit.code for row in quarterly.rows] == ["T9", "DU", "VA", "VB", "VC"]
    assert [row.tally.expected for row in quarterly.rows] == [4, 4, 4, 2, 1]
    assert states(quarterly)["DU"] == [ON, MISS, MISS, MISS]  # 23:59 on 10 April: on time
    assert counts(quarterly.tally) == (15, 1, 1, 0, 14, 0)
    assert counts(report.tally) == (36, 19, 17, 2, 17, 0)


def test_one_data_set_can_be_chosen(town: Township) -> None:
    report = report_of(town, dataset="QUARTERLY")
    assert [g.dataset.code for g in report.grids] == ["QUARTERLY"]


def test_nothing_expected_has_no_rate() -> None:
    assert Tally().reporting_rate is None and Tally().reporting_rate_on_time is None
    # 2 / 3 = 66.666… → 66.7 (half-up)
    assert Tally(expected=3, actual=2, on_time=2).reporting_rate == Decimal("66.7")


def test_the_counts_scoring_reads_agree_with_the_grid(town: Township) -> None:
    units = [town.units[c] for c in ("VA", "VB", "VC", "DU", "VZ")]
    span = make_period(PeriodType.YEARLY, YEAR)
    found = reporting_counts(["MONTHLY", "QUARTERLY"], units, span)
    monthly = found["MONTHLY"]
    assert monthly.expected.tolist() == [12, 6, 3, 0, 12]
    assert monthly.actual.tolist() == [10, 6, 2, 0, 1]
    assert monthly.on_time.tolist() == [9, 5, 2, 0, 1]
    assert found["QUARTERLY"].expected.tolist() == [4, 2, 1, 4, 4]
    # Within a township, another township's reports are not read.
    inside = reporting_counts(["MONTHLY"], units, span, root=town.units["T9"])
    assert inside["MONTHLY"].actual.tolist() == [10, 6, 2, 0, 0]
    # Over the first half only: VA Jan–Jun (6; Mar missing), VB nothing owed, VC Jan–Mar.
    first_half = reporting_counts(["MONTHLY"], units, make_period(PeriodType.SIX_MONTHLY, YEAR))
    assert first_half["MONTHLY"].expected.tolist() == [6, 0, 3, 0, 6]
    assert first_half["MONTHLY"].on_time.tolist() == [4, 0, 2, 0, 1]


# --- reading the parameters ------------------------------------------------------------------


def test_the_parameters_name_their_field_when_wrong(town: Township) -> None:
    for year in ("20x5", "1800", "-1"):
        with pytest.raises(CompletenessError, match="year") as caught:
            resolve_query(None, "T9", year, "")
        assert "年份" in str(caught.value)
    query = resolve_query(None, "T9", "2025", "MONTHLY")
    assert query is not None
    assert (query.root.code, query.year, query.dataset and query.dataset.code) == (
        "T9",
        2025,
        "MONTHLY",
    )
