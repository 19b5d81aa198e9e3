"""Reporting figures of data sets, as ``R{DATASET.METRIC}`` reads them.

The service counts, per unit over the assessed period, the reports of a data set that were
expected, received, and received by the due day (:class:`ReportCounts`); this module turns those
counts into the five DHIS2 metrics, one array per unit:

* ``EXPECTED_REPORTS``: the periods of the data set's type inside the assessed period in which
  the unit was open (and of a kind that reports the data set);
* ``ACTUAL_REPORTS``: the expected reports that were received;
* ``ACTUAL_REPORTS_ON_TIME``: those received by the due day;
* ``REPORTING_RATE``: ``ACTUAL_REPORTS / EXPECTED_REPORTS × 100``;
* ``REPORTING_RATE_ON_TIME``: ``ACTUAL_REPORTS_ON_TIME / EXPECTED_REPORTS × 100``.

A unit that was expected to send nothing has no rate (missing, never 0 and never infinity); its
counts are 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .expressions import reporting_rate_column

FloatArray = npt.NDArray[np.float64]

EXPECTED = "EXPECTED_REPORTS"
ACTUAL = "ACTUAL_REPORTS"
ACTUAL_ON_TIME = "ACTUAL_REPORTS_ON_TIME"
RATE = "REPORTING_RATE"
RATE_ON_TIME = "REPORTING_RATE_ON_TIME"
METRICS: tuple[str, ...] = (RATE, RATE_ON_TIME, ACTUAL, ACTUAL_ON_TIME, EXPECTED)


@dataclass(frozen=True)
class ReportCounts:
    """One data set's reports per unit (in the order of the assessment's units): ``expected``,
    ``actual`` (received) and ``on_time`` (received by the due day). Counts, as floats so that
    they join the other columns; ``on_time <= actual <= expected`` for every unit."""

    expected: FloatArray
    actual: FloatArray
    on_time: FloatArray

    @classmethod
    def of(
        cls,
        expected: npt.ArrayLike,
        actual: npt.ArrayLike,
        on_time: npt.ArrayLike,
    ) -> ReportCounts:
        """Counts from any sequences of numbers of the same length."""
        return cls(
            np.asarray(expected, dtype=np.float64),
            np.asarray(actual, dtype=np.float64),
            np.asarray(on_time, dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.expected)

    def check(self, dataset: str, n: int) -> None:
        """Raise ValueError unless every array has ``n`` values and the counts are consistent."""
        for name in ("expected", "actual", "on_time"):
            values: FloatArray = getattr(self, name)
            if values.shape != (n,):
                raise ValueError(
                    f"reporting figures of data set {dataset}: {name} has {values.size} "
                    f"values for {n} units"
                )
        bad = (self.on_time > self.actual) | (self.actual > self.expected) | (self.on_time < 0)
        if bool(np.any(bad)):
            raise ValueError(
                f"reporting figures of data set {dataset}: on time ≤ received ≤ expected "
                "does not hold for every unit"
            )

    def total(self) -> ReportCounts:
        """The counts of all units together (one value each)."""
        return ReportCounts.of(
            [float(self.expected.sum())],
            [float(self.actual.sum())],
            [float(self.on_time.sum())],
        )


def percent(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """``numerator / denominator × 100``; NaN where the denominator is 0 (nothing expected)."""
    with np.errstate(all="ignore"):
        result = numerator / denominator * 100.0
    result[~np.isfinite(result)] = np.nan
    return result


def metric_values(counts: ReportCounts, metric: str) -> FloatArray:
    """The values of one of :data:`METRICS` for every unit of ``counts`` (a new array)."""
    if metric == EXPECTED:
        return counts.expected.copy()
    if metric == ACTUAL:
        return counts.actual.copy()
    if metric == ACTUAL_ON_TIME:
        return counts.on_time.copy()
    if metric == RATE:
        return percent(counts.actual, counts.expected)
    if metric == RATE_ON_TIME:
        return percent(counts.on_time, counts.expected)
    raise ValueError(f"unknown reporting metric {metric!r}; expected one of {METRICS}")


def reporting_columns(
    wanted: frozenset[tuple[str, str]], reports: Mapping[str, ReportCounts], n: int
) -> dict[str, FloatArray]:
    """The frame columns ``r:DATASET:METRIC`` of every (data set, metric) in ``wanted``.

    Raises ValueError when ``reports`` lacks a data set that is wanted, or its counts do not
    fit ``n`` units: scoring on a silently missing figure would score every unit zero."""
    columns: dict[str, FloatArray] = {}
    for dataset, metric in sorted(wanted):
        counts = reports.get(dataset)
        if counts is None:
            raise ValueError(f"the inputs hold no reporting figures of data set {dataset}")
        counts.check(dataset, n)
        columns[reporting_rate_column(dataset, metric)] = metric_values(counts, metric)
    return columns
