"""Aggregating reported figures over the assessment period.

A township's figures arrive as a dense cube ``data[element, period, unit]`` (NaN where nothing
was reported). At most a few dozen periods fall inside one assessment year, so a dense array is
both smaller and much faster than hashing (unit, element) keys; and with units innermost, each
element's aggregation is a handful of passes over contiguous rows of all units at once: one pass
over a province's 36 M values costs about as much as reading them.
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
    """Figures of ``elements`` × ``periods`` × ``units``; ``data`` has that shape, NaN = missing.

    ``periods`` are period codes ordered by (end, start), so the last index holds the latest
    period: that is the one a ``last`` (stock) element takes.
    """

    units: tuple[str, ...]
    elements: tuple[ElementSpec, ...]
    periods: tuple[str, ...]
    data: FloatArray

    def __post_init__(self) -> None:
        expected = (len(self.elements), len(self.periods), len(self.units))
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
        data = np.full((len(elements), len(periods), len(units)), np.nan, dtype=np.float64)
        data[element_index, period_index, unit_index] = values
        return cls(tuple(units), tuple(elements), tuple(periods), data)


def aggregate_cube(cube: ValueCube, codes: frozenset[str] | None = None) -> dict[str, FloatArray]:
    """Each element's figure over the whole cube's periods, by its aggregation type.

    Returns ``{element code: array of one value per unit}`` for every element (or only those in
    ``codes``). An element with no value in any period is NaN (missing), except where zero is
    not significant: zeros are not stored for such an element, so absence reads as 0.
    """
    result: dict[str, FloatArray] = {}
    for index, element in enumerate(cube.elements):
        if codes is not None and element.code not in codes:
            continue
        values = aggregate_rows(cube.data[index], element.aggregation)
        if not element.zero_is_significant:
            values = np.where(np.isnan(values), 0.0, values)
        result[element.code] = values
    return result


def aggregate_rows(rows: FloatArray, agg: AggregationType) -> FloatArray:
    """Aggregate a (periods, units) block over its periods; all-missing stays NaN."""
    n_periods, n_units = rows.shape
    if n_periods == 0:
        return np.full(n_units, np.nan)
    if n_periods == 1:
        return np.array(rows[0], dtype=np.float64)
    if agg is AggregationType.LAST:
        # Walk back from the latest period, filling only what is still missing.
        result: FloatArray = np.array(rows[-1], dtype=np.float64)
        for period in range(n_periods - 2, -1, -1):
            missing = np.isnan(result)
            if not missing.any():
                break
            np.copyto(result, rows[period], where=missing)
        return result
    if agg is AggregationType.MIN:
        lowest: FloatArray = np.fmin.reduce(rows, axis=0)  # ignores NaN unless all are NaN
        return lowest
    if agg is AggregationType.MAX:
        highest: FloatArray = np.fmax.reduce(rows, axis=0)
        return highest
    missing = np.isnan(rows)
    sums = np.where(missing, 0.0, rows).sum(axis=0)
    if agg is AggregationType.SUM:
        return np.where(missing.all(axis=0), np.nan, sums)
    if agg is AggregationType.AVERAGE:
        counts = n_periods - missing.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / counts, np.nan)
    raise ValueError(f"unknown aggregation type {agg!r}")
