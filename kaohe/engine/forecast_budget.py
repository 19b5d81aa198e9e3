"""The childcare subsidy for children under three, by quarter: children and money.

A child counts from its birth month for ``eligible_months`` months (36: the month of the third
birthday no longer counts); ``start_offset`` months later if a scheme starts eligibility after
the birth month. The children of a month are the births of the months that make them eligible
in it. A quarter's *child-months* are the sum over its three months; its *children under three*
are child-months / 3 (a child eligible for one month of the quarter counts as a third); its
money is child-months × the yearly amount / 12, rounded half-up to the fen for each unit. The
amount is always a parameter: it comes from the county's configuration.

Births come from two sources, joined month by month:

* the monthly births the units reported (``monthly_births``); a month a unit did not report (NaN)
  in a year without a forecast is filled with the unit's average reported month
  (``filled_months`` counts them);
* the forecast's yearly births (``future_yearly_births``), spread evenly over the year's twelve
  months. Where the reports already cover some months of a forecast year, those months keep the
  reported births and what remains of the year's forecast (never below 0) is spread evenly over
  the other months.

A quarter whose children under three include births from before the first reported month is
``complete = False`` (those births are unknown and counted as 0). Quarters must not reach past
the last month with births, and the reports and the forecast must leave no gap between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .forecast_model import FloatArray, IntArray, _fail
from .rounding import round_half_up

MONTHS = 12
QUARTER_MONTHS = 3
# Child-months are sums of fractions of births: snap them to this many decimals before money.
_SNAP = 9


@dataclass(frozen=True)
class Budget:
    """The childcare subsidy by quarter.

    ``quarters`` ((year, quarter), ...); ``child_months`` (U, Q) eligible child-months;
    ``children`` (U, Q) = child_months / 3, children under three pro-rated by months;
    ``money`` U × Q Decimals (yuan, half-up to the fen); ``total_money`` per quarter (the sum of
    the rounded unit amounts, so the table adds up); ``total_children`` (Q,); ``complete`` per
    quarter; ``filled_months`` (U,) reported months that were missing and filled.
    """

    units: tuple[str, ...]
    quarters: tuple[tuple[int, int], ...]
    child_months: FloatArray
    children: FloatArray
    money: tuple[tuple[Decimal, ...], ...]
    total_money: tuple[Decimal, ...]
    total_children: FloatArray
    complete: tuple[bool, ...]
    filled_months: IntArray
    amount_per_year: Decimal


def _month_number(year: int, month: int) -> int:
    return year * MONTHS + month - 1


def spread_yearly(yearly: FloatArray) -> FloatArray:
    """Yearly figures (U, Y) spread evenly over months (U, 12 × Y), January first."""
    result: FloatArray = np.repeat(np.asarray(yearly, dtype=np.float64) / MONTHS, MONTHS, axis=1)
    return result


def monthly_series(
    monthly_births: FloatArray,
    first_month: tuple[int, int],
    future_yearly_births: FloatArray,
    future_first_year: int,
) -> tuple[FloatArray, int, IntArray]:
    """Births per unit and month from the reports and the forecast joined (module docstring):
    the series (U, N), the number of its first month (year × 12 + month − 1) and the filled
    months per unit."""
    reported = np.asarray(monthly_births, dtype=np.float64)
    future = np.asarray(future_yearly_births, dtype=np.float64)
    if reported.ndim != 2 or future.ndim != 2 or reported.shape[0] != future.shape[0]:
        raise _fail(
            "月度出生数与预测出生数须为同样单位数的二维表",
            "Monthly and forecast births must be 2-D tables with the same units",
        )
    if not 1 <= first_month[1] <= MONTHS:
        raise _fail("月份须在 1 到 12 之间", "The month must be 1 to 12")
    if bool(np.any(reported < 0)) or bool(np.any(future < 0)):
        raise _fail("出生数不能为负", "Births cannot be negative")
    if bool(np.any(np.isnan(future))):
        raise _fail("预测出生数不能缺失", "Forecast births cannot be missing")
    n_units = reported.shape[0]
    reported_start = _month_number(*first_month)
    reported_end = reported_start + reported.shape[1]
    future_start = _month_number(future_first_year, 1)
    future_end = future_start + MONTHS * future.shape[1]
    if future.shape[1] and future_start > reported_end:
        raise _fail(
            "月度出生数与预测年份之间有空缺的月份",
            "Months are missing between the monthly births and the forecast years",
        )
    start = min(reported_start, future_start) if future.shape[1] else reported_start
    end = max(reported_end, future_end)
    series = np.full((n_units, end - start), np.nan)
    series[:, reported_start - start : reported_end - start] = reported
    in_forecast = np.zeros(end - start, dtype=bool)
    for year in range(future.shape[1]):
        lo = future_start + MONTHS * year - start
        months = series[:, lo : lo + MONTHS]
        open_months = np.isnan(months)
        remaining = np.maximum(future[:, year] - np.nansum(months, axis=1), 0.0)
        count = open_months.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(count > 0, remaining / count, 0.0)
        series[:, lo : lo + MONTHS] = np.where(open_months, share[:, np.newaxis], months)
        in_forecast[lo : lo + MONTHS] = True
    gaps = np.isnan(series) & ~in_forecast[np.newaxis, :]
    reported_known = np.isfinite(reported)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(reported_known, reported, 0.0).sum(axis=1) / reported_known.sum(axis=1)
    series = np.where(gaps, np.nan_to_num(average, nan=0.0)[:, np.newaxis], series)
    filled: IntArray = gaps.sum(axis=1).astype(np.int64)
    return series, start, filled


def subsidy_budget(
    monthly_births: FloatArray,
    first_month: tuple[int, int],
    future_yearly_births: FloatArray,
    future_first_year: int,
    quarters: int,
    amount_per_year: Decimal | float,
    eligible_months: int = 36,
    first_quarter: tuple[int, int] | None = None,
    units: tuple[str, ...] = (),
    start_offset: int = 0,
) -> Budget:
    """Children under three and the subsidy money per unit and quarter (module docstring).

    ``monthly_births`` (U, M) from ``first_month`` = (year, month); ``future_yearly_births``
    (U, F) for ``future_first_year`` on; ``quarters`` quarters from ``first_quarter`` =
    (year, q), by default the first quarter of ``future_first_year``; ``amount_per_year`` in
    yuan per child (from configuration); ``units`` optional unit codes for the result.
    """
    if quarters < 1 or eligible_months < 1 or start_offset < 0:
        raise _fail(
            "季度数和补贴月数须为正，起始偏移不能为负",
            "Quarters and eligible months must be positive, the start offset not negative",
        )
    amount = (
        amount_per_year
        if isinstance(amount_per_year, Decimal)
        else Decimal(repr(float(amount_per_year)))
    )
    if amount < 0:
        raise _fail("补贴金额不能为负", "The subsidy amount cannot be negative")
    year, quarter = first_quarter if first_quarter is not None else (future_first_year, 1)
    if not 1 <= quarter <= 4:
        raise _fail("季度须在 1 到 4 之间", "The quarter must be 1 to 4")
    series, start, filled = monthly_series(
        monthly_births, first_month, future_yearly_births, future_first_year
    )
    first = _month_number(year, QUARTER_MONTHS * (quarter - 1) + 1) - start
    last = first + QUARTER_MONTHS * quarters  # exclusive, relative to the series
    if last > series.shape[1] or first < 0:
        raise _fail(
            "预算季度超出了出生数（报表与预测）覆盖的月份",
            "The budget quarters reach beyond the months the births (reports and forecast) cover",
        )
    # Children in month m: births of months m − offset − eligible + 1 … m − offset.
    cumulative = np.concatenate([np.zeros((series.shape[0], 1)), np.cumsum(series, axis=1)], axis=1)
    months = np.arange(first, last)
    newest = months - start_offset + 1  # exclusive bound on the cumulative sum
    oldest = newest - eligible_months
    children = cumulative[:, np.clip(newest, 0, None)] - cumulative[:, np.clip(oldest, 0, None)]
    child_months = np.round(
        children.reshape(series.shape[0], quarters, QUARTER_MONTHS).sum(axis=2), _SNAP
    )
    complete = tuple(bool(oldest[QUARTER_MONTHS * q] >= 0) for q in range(quarters))
    per_month = amount / MONTHS
    money = tuple(
        tuple(round_half_up(Decimal(repr(float(value))) * per_month, 2) for value in row)
        for row in child_months
    )
    totals = tuple(sum((row[q] for row in money), Decimal("0.00")) for q in range(quarters))
    labels = tuple(
        ((year * 4 + quarter - 1 + q) // 4, (quarter - 1 + q) % 4 + 1) for q in range(quarters)
    )
    return Budget(
        units=units,
        quarters=labels,
        child_months=child_months,
        children=child_months / QUARTER_MONTHS,
        money=money,
        total_money=totals,
        total_children=child_months.sum(axis=0) / QUARTER_MONTHS,
        complete=complete,
        filled_months=filled,
        amount_per_year=amount,
    )
