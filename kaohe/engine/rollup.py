"""An area's figures as the sums of the units under it (汇总下级).

A county assesses its townships on what their villages reported. Each village's figures are
first aggregated over the period exactly as for the village itself (a flow adds up, a stock
takes its latest report), and only then added up over the villages of each township. The
order matters for stocks: the sum of each village's latest population is the township's
population even when one village's last report is a month older than the others'.

The sums go into a cube with a single period, so that the engine, aggregating it over that one
period, leaves them as they are and evaluates every indicator on the summed figures: a
township's rate is its summed numerator over its summed denominator, never an average of its
villages' rates. Reporting counts (``R{…}``) are summed the same way, so a township's reporting
rate is all its villages' reports received over all expected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .aggregate import FloatArray, ValueCube, aggregate_cube
from .reporting import ReportCounts

IndexArray = npt.NDArray[np.intp]


def _sum_by_area(values: FloatArray, area_of: IndexArray, n_areas: int) -> FloatArray:
    """Per area, the sum of its units' values that are present; NaN for an area with none.

    A unit whose area index is negative belongs to no area and is left out.
    """
    present = ~np.isnan(values) & (area_of >= 0)
    sums: FloatArray = np.bincount(
        area_of[present], weights=values[present], minlength=n_areas
    ).astype(np.float64)
    counts = np.bincount(area_of[present], minlength=n_areas)
    result: FloatArray = np.where(counts > 0, sums, np.nan)
    return result


def rollup_cube(
    cube: ValueCube, areas: Sequence[str], area_of: IndexArray, period: str
) -> ValueCube:
    """The figures of ``areas`` over the whole of ``cube``'s periods, summed from its units.

    ``cube`` holds the figures of the units under the areas; ``area_of[i]`` is the index in
    ``areas`` of the area unit ``i`` belongs to (negative: none). Each unit's figures are
    aggregated over the periods by each element's aggregation first, then summed per area
    over the units that have a figure. An area none of whose units has a figure is missing,
    except for an element whose zeros are not stored (``zero_is_significant`` false), which
    reads as 0 as it does for a unit. The result has one period, coded ``period``.
    """
    if area_of.shape != (len(cube.units),):
        raise ValueError(f"area_of has shape {area_of.shape}, expected ({len(cube.units)},)")
    if len(area_of) and int(area_of.max(initial=-1)) >= len(areas):
        raise ValueError("area_of names an area index beyond the areas given")
    per_unit = aggregate_cube(cube)
    data = np.full((len(cube.elements), 1, len(areas)), np.nan, dtype=np.float64)
    for index, element in enumerate(cube.elements):
        sums = _sum_by_area(per_unit[element.code], area_of, len(areas))
        if not element.zero_is_significant:
            sums = np.where(np.isnan(sums), 0.0, sums)
        data[index, 0, :] = sums
    return ValueCube(tuple(areas), cube.elements, (period,), data)


def rollup_reports(counts: ReportCounts, area_of: IndexArray, n_areas: int) -> ReportCounts:
    """Reports expected, received and received on time, summed per area from its units'.

    An area none of whose units was expected to report has counts of 0 (and so no rate).
    """
    kept = area_of >= 0

    def summed(values: FloatArray) -> FloatArray:
        total: FloatArray = np.bincount(
            area_of[kept], weights=values[kept], minlength=n_areas
        ).astype(np.float64)
        return total

    return ReportCounts(summed(counts.expected), summed(counts.actual), summed(counts.on_time))
