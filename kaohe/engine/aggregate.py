"""Aggregating reported figures over the assessment period.

A township's figures arrive as a dense cube ``data[unit, element, period]`` (NaN where nothing
was reported): at most a few dozen periods fall inside one assessment year, so a dense array is
both smaller and much faster than hashing (unit, element) keys — a province of 100,000
villages × 30 elements × 12 months aggregates in a few NumPy passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .spec import AggregationType, ElementSpec

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ValueCube:
    """Figures of ``units`` × ``elements`` × ``periods``; ``data`` has that shape, NaN = missing.

    ``periods`` are period codes ordered by (end, start), so the last index holds the latest
    period: that is the one a ``last`` (stock) element takes.
    """

    units: tuple[str, ...]
    elements: tuple[ElementSpec, ...]
    periods: tuple[str, ...]
    data: FloatArray

    def __post_init__(self) -> None:
        expected = (len(self.units), len(self.elements), len(self.periods))
        if self.data.shape != expected:
            raise ValueError(f"cube data has shape {self.data.shape}, expected {expected}")

    @classmethod
    def from_long(
        cls,
        units: Sequence[str],
        elements: Sequence[ElementSpec],
        periods: Sequence[str],
        unit_index: npt.NDArray[np.intp],
        element_index: npt.NDArray[np.intp],
        period_index: npt.NDArray[np.intp],
        values: FloatArray,
    ) -> ValueCube:
        """Build a cube from parallel index arrays (one entry per stored value)."""
        data = np.full((len(units), len(elements), len(periods)), np.nan, dtype=np.float64)
        data[unit_index, element_index, period_index] = values
        return cls(tuple(units), tuple(elements), tuple(periods), data)


def aggregate_cube(cube: ValueCube) -> dict[str, FloatArray]:
    """Each element's figure over the whole cube's periods, by its aggregation type.

    Returns ``{element code: array of one value per unit}``. An element with no value in any
    period is NaN (missing), except where zero is not significant: zeros are not stored for
    such an element, so absence reads as 0.
    """
    result: dict[str, FloatArray] = {}
    if not cube.elements:
        return result
    by_type: dict[AggregationType, list[int]] = {}
    for index, element in enumerate(cube.elements):
        by_type.setdefault(element.aggregation, []).append(index)
    for agg, indexes in by_type.items():
        block = cube.data[:, indexes, :]
        aggregated = _aggregate_block(block, agg)
        for column, index in enumerate(indexes):
            result[cube.elements[index].code] = aggregated[:, column]
    for element in cube.elements:
        if not element.zero_is_significant:
            values = result[element.code]
            result[element.code] = np.where(np.isnan(values), 0.0, values)
    return result


def _aggregate_block(block: FloatArray, agg: AggregationType) -> FloatArray:
    """Aggregate a (units, elements, periods) block along the period axis."""
    if block.shape[2] == 0:
        return np.full(block.shape[:2], np.nan)
    present = ~np.isnan(block)
    any_present = present.any(axis=2)
    if agg is AggregationType.LAST:
        # Index of the last present period: argmax over the reversed presence mask.
        last = block.shape[2] - 1 - np.argmax(present[:, :, ::-1], axis=2)
        picked = np.take_along_axis(block, last[:, :, np.newaxis], axis=2)[:, :, 0]
        return np.where(any_present, picked, np.nan)
    with np.errstate(invalid="ignore"):
        if agg is AggregationType.SUM:
            summed = np.where(present, block, 0.0).sum(axis=2)
            return np.where(any_present, summed, np.nan)
        if agg is AggregationType.AVERAGE:
            summed = np.where(present, block, 0.0).sum(axis=2)
            counts = present.sum(axis=2)
            return np.where(any_present, summed / np.maximum(counts, 1), np.nan)
        if agg is AggregationType.MIN:
            return np.where(any_present, np.where(present, block, np.inf).min(axis=2), np.nan)
        if agg is AggregationType.MAX:
            return np.where(any_present, np.where(present, block, -np.inf).max(axis=2), np.nan)
    raise ValueError(f"unknown aggregation type {agg!r}")
