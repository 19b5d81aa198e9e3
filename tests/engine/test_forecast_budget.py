"""The childcare-subsidy budget by quarter, worked by hand: months of eligibility, children
turning three, reports and forecast joined, missing months, rounding to the fen."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.forecast import monthly_series, spread_yearly, subsidy_budget

NAN = math.nan
# The amount is configuration; the tests pass the 2026 national figure in as a parameter.
AMOUNT = Decimal("3600")


def one_birth_in_may_2023() -> np.ndarray:
    births = np.zeros((1, 36))  # January 2023 … December 2025
    births[0, 4] = 1.0
    return births


def test_children_and_money_by_quarter_are_worked_by_hand() -> None:
    # given one child born in May 2023 (eligible May 2023 … April 2026: 36 months) and a
    # forecast of 12 births in 2026, one a month
    budget = subsidy_budget(
        one_birth_in_may_2023(), (2023, 1), np.array([[12.0]]), 2026, 4, AMOUNT, units=("V01",)
    )
    # then child-months per quarter of 2026:
    #   Q1: the 2023 child 3; the January child 3, February's 2, March's 1 → 9
    #   Q2: the 2023 child 1 (April; it turns three in May); January–March children 3 × 3;
    #       April 3, May 2, June 1 → 1 + 9 + 6 = 16
    #   Q3: the six children of January–June 6 × 3, then 3 + 2 + 1 → 24
    #   Q4: 9 × 3 + 6 → 33
    assert budget.quarters == ((2026, 1), (2026, 2), (2026, 3), (2026, 4))
    assert budget.child_months[0].tolist() == [9, 16, 24, 33]
    assert budget.children[0] == pytest.approx([3, 16 / 3, 8, 11])
    # money: ¥3,600 a year is ¥300 a child-month
    assert budget.money[0] == (
        Decimal("2700.00"),
        Decimal("4800.00"),
        Decimal("7200.00"),
        Decimal("9900.00"),
    )
    assert budget.total_money == budget.money[0]
    assert budget.complete == (True, True, True, True)
    assert budget.units == ("V01",)


def test_quarters_whose_children_were_born_before_the_reports_are_incomplete() -> None:
    # Reports start in January 2024: the first quarter of 2026 counts births from February
    # 2023 on, the third quarter of 2026 (July) from August 2023 on, the quarter after from
    # November 2023: only the first quarter of 2027 is complete.
    births = np.zeros((1, 24))
    budget = subsidy_budget(births, (2024, 1), np.array([[12.0, 12.0]]), 2026, 5, AMOUNT)
    assert budget.complete == (False, False, False, False, True)


def test_reported_months_of_a_forecast_year_keep_their_births() -> None:
    # 2026's forecast is 12 births; January–March reported 2, 0 and 1: the remaining 9 are
    # spread over April–December, one a month.
    reported = np.zeros((1, 15))  # January 2025 … March 2026
    reported[0, 12:] = [2, 0, 1]
    series, start, filled = monthly_series(reported, (2025, 1), np.array([[12.0]]), 2026)
    assert start == 2025 * 12
    assert series[0, 12:].tolist() == [2, 0, 1] + [1.0] * 9
    assert filled.tolist() == [0]


def test_a_forecast_below_the_reported_births_spreads_nothing() -> None:
    reported = np.array([[5.0, 5.0, 5.0]])
    series, _, _ = monthly_series(reported, (2026, 1), np.array([[12.0]]), 2026)
    assert series[0].tolist() == [5, 5, 5] + [0.0] * 9


def test_a_month_not_reported_is_filled_with_the_units_average_month() -> None:
    reported = np.array([[2.0, NAN, 2.0, 4.0]])  # average of the reported months: 8/3
    series, _, filled = monthly_series(reported, (2025, 9), np.array([[24.0]]), 2026)
    assert series[0, :4] == pytest.approx([2, 8 / 3, 2, 4])
    assert series[0, 4:].tolist() == [2.0] * 12
    assert filled.tolist() == [1]


def test_money_is_rounded_half_up_to_the_fen_per_unit_and_the_total_adds_the_rounded() -> None:
    # Each of two units has one child born in January 2026: 3 child-months in the first quarter;
    # at ¥1,000.10 a year that is 3 × 1000.10 / 12 = 250.025 → 250.03 (half-up, not to even),
    # and the total is 2 × 250.03 = 500.06.
    births = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    budget = subsidy_budget(
        births, (2026, 1), np.zeros((2, 0)), 2026, 1, Decimal("1000.10"), first_quarter=(2026, 1)
    )
    assert budget.money == ((Decimal("250.03"),), (Decimal("250.03"),))
    assert budget.total_money == (Decimal("500.06"),)
    assert budget.total_children.tolist() == [2.0]


def test_eligibility_can_start_after_the_birth_month() -> None:
    births = np.array([[1.0, 0.0, 0.0]])
    budget = subsidy_budget(
        births,
        (2026, 1),
        np.zeros((1, 0)),
        2026,
        1,
        AMOUNT,
        first_quarter=(2026, 1),
        start_offset=1,
    )
    # born in January, counted from February: 2 child-months
    assert budget.child_months.tolist() == [[2.0]]


def test_a_float_amount_is_taken_by_its_decimal_figure() -> None:
    births = np.array([[1.0, 0.0, 0.0]])
    budget = subsidy_budget(
        births, (2026, 1), np.zeros((1, 0)), 2026, 1, 3600.0, first_quarter=(2026, 1)
    )
    assert budget.money == ((Decimal("900.00"),),)
    assert budget.amount_per_year == Decimal("3600.0")


BAD_CALLS = [
    # a gap: reports end in December 2024, the forecast starts in 2026
    ({"monthly_births": np.zeros((1, 12)), "first_month": (2024, 1)}, "Months are missing"),
    ({"quarters": 5}, "reach beyond"),
    ({"first_quarter": (2026, 5)}, "quarter must be 1 to 4"),
    ({"amount_per_year": Decimal("-1")}, "cannot be negative"),
    ({"future_yearly_births": np.array([[NAN]])}, "cannot be missing"),
    ({"future_yearly_births": np.zeros((2, 1))}, "same units"),
]


@pytest.mark.parametrize(("changes", "words"), BAD_CALLS)
def test_bad_budget_input_is_refused_in_two_languages(
    changes: dict[str, object], words: str
) -> None:
    arguments: dict[str, object] = {
        "monthly_births": np.zeros((1, 12)),
        "first_month": (2025, 1),
        "future_yearly_births": np.array([[12.0]]),
        "future_first_year": 2026,
        "quarters": 4,
        "amount_per_year": AMOUNT,
    }
    arguments.update(changes)
    with pytest.raises(ValueError, match=words) as raised:
        subsidy_budget(**arguments)  # type: ignore[arg-type]
    assert " / " in str(raised.value)


def test_yearly_figures_spread_evenly_over_their_months() -> None:
    spread = spread_yearly(np.array([[12.0, 24.0]]))
    assert spread.shape == (1, 24)
    assert spread[0].tolist() == [1.0] * 12 + [2.0] * 12


@settings(max_examples=40, deadline=None)
@given(per_month=st.integers(0, 5000).map(lambda n: n / 100), quarters=st.integers(1, 8))
def test_steady_births_keep_thirty_six_cohorts_of_children(per_month: float, quarters: int) -> None:
    # b births every month for years: every month has 36 × b children under three, so every
    # quarter 3 × 36 × b child-months and 36 × b children
    history = np.full((1, 48), per_month)  # 2022–2025
    budget = subsidy_budget(
        history, (2022, 1), np.full((1, 2), 12 * per_month), 2026, quarters, AMOUNT
    )
    assert budget.complete == (True,) * quarters
    assert budget.child_months[0] == pytest.approx([108 * per_month] * quarters)
    assert budget.children[0] == pytest.approx([36 * per_month] * quarters)
