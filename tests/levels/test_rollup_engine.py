"""The engine's roll-up: each unit aggregated over the period first, then summed per area.

Hand-computed cases: two villages of township A, one of B, and one that belongs to neither,
over three months."""

from __future__ import annotations

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.reporting import ReportCounts
from kaohe.engine.rollup import rollup_cube, rollup_reports
from kaohe.engine.spec import AggregationType, ElementSpec, ValueType

NAN = np.nan
UNITS = ("A1", "A2", "B1", "X1")
AREA_OF = np.array([0, 0, 1, -1], dtype=np.intp)
PERIODS = ("202501", "202502", "202503")


def _element(code: str, aggregation: AggregationType, significant: bool = True) -> ElementSpec:
    return ElementSpec(
        code=code,
        name=code,
        value_type=ValueType.INTEGER,
        aggregation=aggregation,
        zero_is_significant=significant,
    )


def _cube(element: ElementSpec, rows: list[list[float]]) -> ValueCube:
    """``rows``: one list per period, one figure per unit of UNITS."""
    return ValueCube(UNITS, (element,), PERIODS, np.array([rows], dtype=np.float64))


@pytest.mark.parametrize(
    ("aggregation", "rows", "expected"),
    [
        # flows add up over the months, then over the villages: A = 1+2+3 + 4+0+1, B = 5
        (
            AggregationType.SUM,
            [[1, 4, 5, 9], [2, 0, NAN, 9], [3, 1, NAN, 9]],
            [11.0, 5.0],
        ),
        # stocks: each village's latest figure, even when one reported a month earlier than
        # the other: A = 130 (A1, March) + 210 (A2, February); summing each month first would
        # give 130 for March
        (
            AggregationType.LAST,
            [[100, 200, 50, 9], [120, 210, NAN, 9], [130, NAN, NAN, 9]],
            [340.0, 50.0],
        ),
        # averages: the sum of the villages' averages, A = (1+3)/2 + 4
        (
            AggregationType.AVERAGE,
            [[1, 4, NAN, 9], [NAN, NAN, NAN, 9], [3, NAN, NAN, 9]],
            [6.0, NAN],
        ),
        # an area none of whose villages reported is missing, never 0
        (
            AggregationType.SUM,
            [[NAN, NAN, 2, 9], [NAN, NAN, NAN, 9], [NAN, NAN, NAN, 9]],
            [NAN, 2.0],
        ),
    ],
)
def test_each_unit_is_aggregated_before_its_area_sums_it(
    aggregation: AggregationType, rows: list[list[float]], expected: list[float]
) -> None:
    cube = _cube(_element("E", aggregation), rows)

    rolled = rollup_cube(cube, ("A", "B"), AREA_OF, "2025Q1")

    assert rolled.units == ("A", "B") and rolled.periods == ("2025Q1",)
    np.testing.assert_array_equal(rolled.data[0, 0], np.array(expected))


def test_an_element_whose_zeros_are_not_stored_reads_as_zero_where_nothing_was_found() -> None:
    cube = _cube(
        _element("FOUND", AggregationType.SUM, significant=False),
        [[NAN, NAN, 1, NAN], [NAN, NAN, NAN, NAN], [NAN, NAN, NAN, NAN]],
    )

    rolled = rollup_cube(cube, ("A", "B"), AREA_OF, "2025Q1")

    np.testing.assert_array_equal(rolled.data[0, 0], np.array([0.0, 1.0]))


def test_an_area_without_units_is_missing() -> None:
    cube = _cube(_element("E", AggregationType.SUM), [[1, 1, 1, 1]] * 3)

    rolled = rollup_cube(cube, ("A", "B", "C"), AREA_OF, "2025Q1")

    assert np.isnan(rolled.data[0, 0, 2])


def test_it_refuses_an_area_index_per_unit_that_does_not_fit() -> None:
    cube = _cube(_element("E", AggregationType.SUM), [[1, 1, 1, 1]] * 3)

    with pytest.raises(ValueError, match="shape"):
        rollup_cube(cube, ("A", "B"), np.array([0, 1], dtype=np.intp), "2025Q1")
    with pytest.raises(ValueError, match="beyond"):
        rollup_cube(cube, ("A",), AREA_OF, "2025Q1")


def test_reports_are_summed_per_area_so_the_rate_is_received_over_expected() -> None:
    counts = ReportCounts.of([12, 12, 12, 12], [12, 6, 3, 12], [10, 6, 0, 12])

    rolled = rollup_reports(counts, AREA_OF, 2)

    np.testing.assert_array_equal(rolled.expected, [24.0, 12.0])
    np.testing.assert_array_equal(rolled.actual, [18.0, 3.0])
    np.testing.assert_array_equal(rolled.on_time, [16.0, 0.0])
