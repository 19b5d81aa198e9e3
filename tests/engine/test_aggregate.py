"""Aggregating figures over the assessment period, by each element's aggregation type."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube, aggregate_cube
from kaohe.engine.spec import AggregationType, ElementSpec

NAN = math.nan


def cube_of(series: list[float], agg: AggregationType, zero_is_significant: bool = True) -> float:
    element = ElementSpec("X", "X", aggregation=agg, zero_is_significant=zero_is_significant)
    data = np.array(series, dtype=np.float64).reshape(1, len(series), 1)
    periods = tuple(f"2026{m:02d}" for m in range(1, len(series) + 1))
    return float(aggregate_cube(ValueCube(("U",), (element,), periods, data))["X"][0])


@pytest.mark.parametrize(
    ("agg", "series", "expected"),
    [
        (AggregationType.SUM, [1, 2, 3], 6),
        (AggregationType.SUM, [1, NAN, 3], 4),
        (AggregationType.LAST, [100, 101, 102], 102),
        (AggregationType.LAST, [100, 101, NAN], 101),
        (AggregationType.LAST, [NAN, 5, NAN], 5),
        (AggregationType.AVERAGE, [2, 4, NAN], 3),
        (AggregationType.MIN, [3, NAN, 1], 1),
        (AggregationType.MAX, [3, NAN, 1], 3),
    ],
)
def test_each_aggregation_type_combines_the_periods_it_has(
    agg: AggregationType, series: list[float], expected: float
) -> None:
    assert cube_of(series, agg) == expected


@pytest.mark.parametrize("agg", list(AggregationType))
def test_an_element_with_no_value_in_any_period_is_missing_not_zero(agg: AggregationType) -> None:
    assert math.isnan(cube_of([NAN, NAN, NAN], agg))


def test_absence_reads_as_zero_where_zero_is_not_significant() -> None:
    assert cube_of([NAN, NAN], AggregationType.SUM, zero_is_significant=False) == 0


def test_a_cube_with_no_periods_aggregates_to_missing() -> None:
    element = ElementSpec("X", "X")
    cube = ValueCube(("U",), (element,), (), np.empty((1, 0, 1)))
    assert math.isnan(float(aggregate_cube(cube)["X"][0]))


def test_from_long_places_each_value_at_its_unit_element_and_period() -> None:
    elements = (ElementSpec("A", "A"), ElementSpec("B", "B", aggregation=AggregationType.LAST))
    cube = ValueCube.from_long(
        ["U1", "U2"],
        elements,
        ["202601", "202602"],
        np.array([0, 0, 1, 1]),
        np.array([0, 0, 1, 1]),
        np.array([0, 1, 0, 1]),
        np.array([1.0, 2.0, 10.0, 11.0]),
    )
    result = aggregate_cube(cube)
    assert result["A"].tolist()[0] == 3
    assert math.isnan(result["A"][1])
    assert result["B"].tolist()[1] == 11
    assert math.isnan(result["B"][0])


def test_a_cube_refuses_data_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="shape"):
        ValueCube(("U",), (ElementSpec("X", "X"),), ("2026",), np.zeros((1, 1, 2)))


def test_only_the_requested_elements_are_aggregated() -> None:
    elements = (ElementSpec("A", "A"), ElementSpec("B", "B"))
    cube = ValueCube(("U",), elements, ("2026",), np.ones((2, 1, 1)))
    assert set(aggregate_cube(cube, frozenset({"B"}))) == {"B"}
