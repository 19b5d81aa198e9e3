"""Cross-checks (核查): a unit's reported figure against the figures other sources found.

Two kinds of source count the same thing as a village's report:

* a **feed** — a department's own count, such as the births the hospital delivered to mothers
  living in the village. It sees only part of what happened (not the births at home), so a report
  below it is under-reporting, and a report above it is not over-reporting;
* a **check** — a spot check (抽查) by the township or the county of a sampled unit: what the
  checkers found there. A report below it is under-reporting, a report above it over-reporting.

Every function takes and returns one value per unit (NaN = missing) and never divides by zero:

* ``found``: the largest figure any source found (missing where no source has one);
* ``checked``: the largest figure a check found (missing where the unit was not sampled);
* ``under_reported``: ``found − reported`` where positive, else 0 (0 where no source found
  anything: nothing was found missing). A missing report counts as 0 reported;
* ``over_reported``: ``reported − checked`` where positive, else 0 (0 where not checked);
* ``corrected``: the figure a scheme scores on — ``larger`` takes the larger of the report and
  every source; ``check`` takes the check where there is one, else the larger of the report and
  the feeds;
* ``accuracy``: statistical accuracy (统计求实率), ``100 − (found − reported) / found × 100``
  where more was found than reported, 100 where the report covered what was found, missing where
  nothing was found or the finding was 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "CorrectionMethod",
    "CrossCheck",
    "SourceKind",
    "UsedFigure",
    "accuracy",
]


class SourceKind(str, Enum):
    """How far a source's figure can be trusted against a report (see the module)."""

    FEED = "feed"
    CHECK = "check"


class CorrectionMethod(str, Enum):
    """Which figure a scheme scores on when other sources found something."""

    LARGER = "larger"
    CHECK = "check"


class UsedFigure(str, Enum):
    """Which figure :func:`corrected` took for a unit (for the explanation)."""

    REPORTED = "reported"
    SOURCE = "source"
    CHECK = "check"


def _nanmax(arrays: list[FloatArray], n: int) -> FloatArray:
    if not arrays:
        return np.full(n, np.nan)
    stacked = np.vstack(arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result: FloatArray = np.nanmax(stacked, axis=0)
    return result


@dataclass(frozen=True)
class CrossCheck:
    """One element's figures per unit: the report and each source's (by source code).

    ``reported`` has one value per unit (NaN = nothing reported); ``sources`` maps a source code
    to its values in the same unit order (NaN = the source has no figure for the unit);
    ``kinds`` gives each source's kind.
    """

    reported: FloatArray
    sources: Mapping[str, FloatArray]
    kinds: Mapping[str, SourceKind]

    @property
    def n(self) -> int:
        return int(self.reported.size)

    def _of_kind(self, kind: SourceKind | None) -> list[FloatArray]:
        return [
            np.asarray(values, dtype=np.float64)
            for code, values in self.sources.items()
            if kind is None or self.kinds[code] is kind
        ]

    def found(self) -> FloatArray:
        """The largest figure any source found; NaN where none has one."""
        return _nanmax(self._of_kind(None), self.n)

    def checked(self) -> FloatArray:
        """The largest figure a check found; NaN where the unit was not checked."""
        return _nanmax(self._of_kind(SourceKind.CHECK), self.n)

    def fed(self) -> FloatArray:
        """The largest figure a feed found; NaN where no feed has one."""
        return _nanmax(self._of_kind(SourceKind.FEED), self.n)

    def under_reported(self) -> FloatArray:
        """How many more the sources found than were reported; 0 where none found more."""
        gap = self.found() - np.nan_to_num(self.reported, nan=0.0)
        return np.where(np.isnan(gap), 0.0, np.maximum(gap, 0.0))

    def over_reported(self) -> FloatArray:
        """How many more were reported than a check found; 0 where not checked."""
        gap = np.nan_to_num(self.reported, nan=0.0) - self.checked()
        return np.where(np.isnan(gap), 0.0, np.maximum(gap, 0.0))

    def corrected(self, method: CorrectionMethod) -> tuple[FloatArray, npt.NDArray[np.str_]]:
        """The figure to score on per unit and, per unit, the :class:`UsedFigure` value taken.

        ``larger``: the larger of the report and every source. ``check``: the check where the unit
        was checked, else the larger of the report and the feeds. Where the report is missing and no
        source has a figure, the result is missing (as the report was).
        """
        reported = np.asarray(self.reported, dtype=np.float64)
        if method is CorrectionMethod.LARGER:
            found = self.found()
            take_source = ~np.isnan(found) & (np.isnan(reported) | (found > reported))
            values = np.where(take_source, found, reported)
            used = np.where(take_source, UsedFigure.SOURCE.value, UsedFigure.REPORTED.value)
            return values, used.astype(np.str_)
        checked = self.checked()
        fed = self.fed()
        take_feed = ~np.isnan(fed) & (np.isnan(reported) | (fed > reported))
        otherwise = np.where(take_feed, fed, reported)
        has_check = ~np.isnan(checked)
        values = np.where(has_check, checked, otherwise)
        used = np.where(
            has_check,
            UsedFigure.CHECK.value,
            np.where(take_feed, UsedFigure.SOURCE.value, UsedFigure.REPORTED.value),
        )
        return values, used.astype(np.str_)


def accuracy(reported: FloatArray, found: FloatArray) -> FloatArray:
    """Statistical accuracy per unit, in % (see the module); NaN where found is missing or 0."""
    rep = np.nan_to_num(np.asarray(reported, dtype=np.float64), nan=0.0)
    fnd = np.asarray(found, dtype=np.float64)
    valid = ~np.isnan(fnd) & (fnd > 0)
    safe = np.where(valid, fnd, 1.0)
    missed = np.maximum(fnd - rep, 0.0)
    rate = 100.0 - np.where(valid, missed, 0.0) / safe * 100.0
    return np.where(valid, rate, np.nan)
