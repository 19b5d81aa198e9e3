"""DHIS2 period codes: parsing, arithmetic, containment and ADX / ISO 8601 intervals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.periods import (
    FREQUENCY_ORDER,
    PERIOD_TYPE_ORDER,
    Period,
    PeriodError,
    PeriodType,
    from_iso_interval,
    make_period,
    parse_period,
    period_containing,
    period_type_of,
    periods_within,
    to_iso_interval,
)

T = PeriodType

# code, type, first day, last day (inclusive)
SPANS = [
    ("20260115", T.DAILY, date(2026, 1, 15), date(2026, 1, 15)),
    ("20240229", T.DAILY, date(2024, 2, 29), date(2024, 2, 29)),
    ("2026W1", T.WEEKLY, date(2025, 12, 29), date(2026, 1, 4)),
    ("2026W2", T.WEEKLY, date(2026, 1, 5), date(2026, 1, 11)),
    ("2026W53", T.WEEKLY, date(2026, 12, 28), date(2027, 1, 3)),
    ("2020W53", T.WEEKLY, date(2020, 12, 28), date(2021, 1, 3)),
    ("202601", T.MONTHLY, date(2026, 1, 1), date(2026, 1, 31)),
    ("202402", T.MONTHLY, date(2024, 2, 1), date(2024, 2, 29)),
    ("202612", T.MONTHLY, date(2026, 12, 1), date(2026, 12, 31)),
    ("202601B", T.BI_MONTHLY, date(2026, 1, 1), date(2026, 2, 28)),
    ("202606B", T.BI_MONTHLY, date(2026, 11, 1), date(2026, 12, 31)),
    ("2026Q1", T.QUARTERLY, date(2026, 1, 1), date(2026, 3, 31)),
    ("2026Q4", T.QUARTERLY, date(2026, 10, 1), date(2026, 12, 31)),
    ("2026S1", T.SIX_MONTHLY, date(2026, 1, 1), date(2026, 6, 30)),
    ("2026S2", T.SIX_MONTHLY, date(2026, 7, 1), date(2026, 12, 31)),
    ("2026AprilS1", T.SIX_MONTHLY_APRIL, date(2026, 4, 1), date(2026, 9, 30)),
    ("2026AprilS2", T.SIX_MONTHLY_APRIL, date(2026, 10, 1), date(2027, 3, 31)),
    ("2026", T.YEARLY, date(2026, 1, 1), date(2026, 12, 31)),
    ("2026April", T.FINANCIAL_APRIL, date(2026, 4, 1), date(2027, 3, 31)),
    ("2026July", T.FINANCIAL_JULY, date(2026, 7, 1), date(2027, 6, 30)),
    ("2026Oct", T.FINANCIAL_OCT, date(2026, 10, 1), date(2027, 9, 30)),
    ("2026Nov", T.FINANCIAL_NOV, date(2026, 11, 1), date(2027, 10, 31)),
]
ALL_CODES = [row[0] for row in SPANS]


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "period_type", "start", "end"), SPANS)
def test_every_period_type_parses_to_its_dhis2_span(
    code: str, period_type: PeriodType, start: date, end: date
) -> None:
    period = parse_period(code)
    assert period == Period(code, period_type, start, end)
    assert period_type_of(code) is period_type


def test_october_year_runs_from_october_to_september() -> None:
    period = parse_period("2026Oct")
    assert (period.start, period.end) == (date(2026, 10, 1), date(2027, 9, 30))
    assert period.days == 365


@pytest.mark.parametrize("code", ALL_CODES)
def test_a_code_survives_the_round_trip_through_a_period(code: str) -> None:
    period = parse_period(code)
    assert period.code == code
    assert str(period) == code
    assert parse_period(str(period)) == period


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_period(" 2026Q1\t\n") == parse_period("2026Q1")
    assert parse_period("\u30002026Oct\u3000").code == "2026Oct"  # full-width spaces


def test_parsing_the_same_code_twice_reuses_the_cached_period() -> None:
    assert parse_period("202603") is parse_period("202603")


@pytest.mark.parametrize(
    ("code", "days"),
    [("20260115", 1), ("2026W1", 7), ("202602", 28), ("202402", 29), ("2026Q1", 90), ("2024", 366)],
)
def test_days_counts_both_ends(code: str, days: int) -> None:
    assert parse_period(code).days == days


# --- invalid codes -------------------------------------------------------------------------

INVALID_CODES = [
    ("2026Q5", "quarter must be 1–4"),
    ("2026Q0", "quarter must be 1–4"),
    ("202613", "month must be 01–12"),
    ("202600", "month must be 01–12"),
    ("2026W54", "week must be 1–53 in ISO year 2026"),
    ("2025W53", "week must be 1–52 in ISO year 2025"),
    ("2026W0", "week must be 1–53"),
    ("2026W01", "leading zeros"),
    ("20260230", "day must be 01–28 in 2026-02"),
    ("20250229", "day must be 01–28 in 2025-02"),
    ("20261301", "month must be 01–12"),
    ("202607B", "bi-month must be 01B–06B"),
    ("abc", "not a DHIS2 period code"),
    ("2026S3", "half-year must be S1 or S2"),
    ("2026AprilS3", "April half-year must be AprilS1 or AprilS2"),
    ("", "the code is empty"),
    ("   ", "the code is empty"),
    ("2026Oct1", "not a DHIS2 period code"),
    ("2026q1", "not a DHIS2 period code"),
    ("2026october", "not a DHIS2 period code"),
    ("2026-01", "not a DHIS2 period code"),
    ("２０２６", "not a DHIS2 period code"),  # full-width digits are not ASCII digits
    ("1899", "year must be 1900–2999"),
    ("3000Q1", "year must be 1900–2999"),
]


@pytest.mark.parametrize(("code", "reason"), INVALID_CODES)
def test_an_invalid_code_raises_a_bilingual_period_error(code: str, reason: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(code)
    message = str(caught.value)
    stripped = code.strip()
    assert message.startswith(f'无法识别的期间代码 "{stripped}"：')
    assert f' / unrecognised period code "{stripped}": ' in message
    assert reason in message
    assert caught.value.code == stripped
    assert caught.value.reason_zh and caught.value.reason_zh in message
    # Chinese comes first, English second.
    assert message.index(caught.value.reason_zh) < message.index(caught.value.reason_en)


def test_the_error_message_matches_the_documented_example() -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period("2026Q5")
    assert str(caught.value) == (
        '无法识别的期间代码 "2026Q5"：季度须为 1–4 / '
        'unrecognised period code "2026Q5": quarter must be 1–4'
    )


def test_a_period_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_period("2026Q5")


def test_a_non_text_code_raises_a_period_error_not_an_attribute_error() -> None:
    with pytest.raises(PeriodError, match="must be text, not int"):
        parse_period(2026)  # type: ignore[arg-type]


def test_period_type_of_rejects_invalid_codes() -> None:
    with pytest.raises(PeriodError):
        period_type_of("2026Q5")


# --- make_period ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_type", "year", "index", "code"),
    [
        (T.DAILY, 2026, 1, "20260101"),
        (T.DAILY, 2026, 32, "20260201"),
        (T.DAILY, 2024, 366, "20241231"),
        (T.WEEKLY, 2026, 53, "2026W53"),
        (T.MONTHLY, 2026, 9, "202609"),
        (T.BI_MONTHLY, 2026, 6, "202606B"),
        (T.QUARTERLY, 2026, 3, "2026Q3"),
        (T.SIX_MONTHLY, 2026, 2, "2026S2"),
        (T.SIX_MONTHLY_APRIL, 2026, 2, "2026AprilS2"),
        (T.YEARLY, 2026, 1, "2026"),
        (T.FINANCIAL_APRIL, 2026, 7, "2026April"),
        (T.FINANCIAL_JULY, 2026, 1, "2026July"),
        (T.FINANCIAL_OCT, 2026, 0, "2026Oct"),
        (T.FINANCIAL_NOV, 2026, 1, "2026Nov"),
    ],
)
def test_make_period_numbers_periods_within_their_code_year(
    period_type: PeriodType, year: int, index: int, code: str
) -> None:
    assert make_period(period_type, year, index) == parse_period(code)


def test_plain_dhis2_type_names_are_accepted_where_a_period_type_is_expected() -> None:
    assert make_period("Quarterly", 2026, 2) == parse_period("2026Q2")  # type: ignore[arg-type]
    day = date(2026, 1, 15)
    assert period_containing(day, "FinancialOct") == parse_period("2025Oct")  # type: ignore[arg-type]
    assert len(periods_within(parse_period("2026"), "Monthly")) == 12  # type: ignore[arg-type]


def test_make_period_ignores_the_index_of_yearly_types() -> None:
    assert make_period(T.FINANCIAL_OCT, 2026) == parse_period("2026Oct")
    assert make_period(T.YEARLY, 2026, 99) == parse_period("2026")


@pytest.mark.parametrize(
    ("period_type", "year", "index", "reason"),
    [
        (T.QUARTERLY, 2026, 5, "quarter must be 1–4"),
        (T.MONTHLY, 2026, 0, "month must be 01–12"),
        (T.WEEKLY, 2025, 53, "week must be 1–52 in ISO year 2025"),
        (T.DAILY, 2026, 366, "day of year must be 1–365 in 2026"),
        (T.YEARLY, 1899, 1, "year must be 1900–2999"),
    ],
)
def test_make_period_rejects_out_of_range_arguments_bilingually(
    period_type: PeriodType, year: int, index: int, reason: str
) -> None:
    with pytest.raises(PeriodError) as caught:
        make_period(period_type, year, index)
    message = str(caught.value)
    assert message.startswith("无效的期间参数")
    assert "invalid period arguments" in message
    assert reason in message


# --- offsets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "n", "expected"),
    [
        ("20251231", 1, "20260101"),
        ("20260101", -1, "20251231"),
        ("20240228", 1, "20240229"),
        ("2026W1", -1, "2025W52"),
        ("2026W53", 1, "2027W1"),
        ("2020W53", 1, "2021W1"),
        ("2021W1", -1, "2020W53"),
        ("202512", 1, "202601"),
        ("202601", -1, "202512"),
        ("202601", 25, "202802"),
        ("202606B", 1, "202701B"),
        ("202601B", -1, "202506B"),
        ("2026Q4", 1, "2027Q1"),
        ("2026Q1", -5, "2024Q4"),
        ("2026S2", 1, "2027S1"),
        ("2026S1", -1, "2025S2"),
        ("2026AprilS2", 1, "2027AprilS1"),
        ("2026AprilS1", -1, "2025AprilS2"),
        ("2026", -1, "2025"),
        ("2026April", 1, "2027April"),
        ("2026July", -1, "2025July"),
        ("2026Oct", -1, "2025Oct"),
        ("2026Nov", 3, "2029Nov"),
        ("2026Q2", 0, "2026Q2"),
    ],
)
def test_offsets_cross_year_boundaries_for_every_type(code: str, n: int, expected: str) -> None:
    assert parse_period(code).offset(n) == parse_period(expected)


@pytest.mark.parametrize(("code", "n"), [("2999", 1), ("1900W1", -1), ("19000101", -1)])
def test_offsetting_past_the_supported_years_raises(code: str, n: int) -> None:
    with pytest.raises(PeriodError, match="cannot offset period") as caught:
        parse_period(code).offset(n)
    assert str(caught.value).startswith("无法偏移期间")


def test_an_offset_too_large_for_any_calendar_raises_a_period_error() -> None:
    with pytest.raises(PeriodError, match="year must be 1900–2999"):
        parse_period("20260101").offset(10**9)


# --- containment and ordering --------------------------------------------------------------


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("2026Oct", "202610", True),
        ("2026Oct", "202709", True),
        ("2026Oct", "202609", False),
        ("2026Oct", "202710", False),
        ("2026Oct", "2026AprilS2", True),
        ("2026", "2026Oct", False),
        ("2026", "2026S2", True),
        ("2026", "2026", True),
        ("2026Q1", "2026W1", False),  # starts on 29 December 2025
        ("2026Q1", "2026W2", True),
        ("2026AprilS2", "2027Q1", True),
        ("202601", "2026Q1", False),
        ("202601B", "20260228", True),
    ],
)
def test_contains_requires_the_whole_span_inside(outer: str, inner: str, expected: bool) -> None:
    assert parse_period(outer).contains(parse_period(inner)) is expected


def test_sort_key_orders_periods_by_end_then_start() -> None:
    codes = ["2026Q1", "202603", "202601", "2026W1", "2025Oct"]
    ordered = sorted((parse_period(c) for c in codes), key=lambda p: p.sort_key)
    assert [p.code for p in ordered] == ["2026W1", "202601", "2026Q1", "202603", "2025Oct"]
    assert parse_period("2026Q1").sort_key == (date(2026, 3, 31), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("day", "period_type", "code"),
    [
        (date(2026, 1, 15), T.DAILY, "20260115"),
        (date(2026, 1, 15), T.WEEKLY, "2026W3"),
        (date(2026, 1, 1), T.WEEKLY, "2026W1"),
        (date(2027, 1, 1), T.WEEKLY, "2026W53"),
        (date(2026, 1, 15), T.BI_MONTHLY, "202601B"),
        (date(2026, 1, 15), T.SIX_MONTHLY_APRIL, "2025AprilS2"),
        (date(2026, 1, 15), T.FINANCIAL_OCT, "2025Oct"),
        (date(2026, 10, 1), T.FINANCIAL_OCT, "2026Oct"),
        (date(2026, 3, 31), T.FINANCIAL_APRIL, "2025April"),
        (date(2026, 11, 30), T.FINANCIAL_NOV, "2026Nov"),
    ],
)
def test_period_containing_finds_the_period_a_day_falls_in(
    day: date, period_type: PeriodType, code: str
) -> None:
    assert period_containing(day, period_type) == parse_period(code)


def test_period_containing_a_day_outside_the_supported_years_raises() -> None:
    with pytest.raises(PeriodError, match="date outside the supported range"):
        period_containing(date(1899, 12, 31), T.MONTHLY)


# --- periods_within ------------------------------------------------------------------------


def _codes(outer: str, period_type: PeriodType) -> list[str]:
    return [p.code for p in periods_within(parse_period(outer), period_type)]


@pytest.mark.parametrize(
    ("outer", "period_type", "expected"),
    [
        ("2026", T.MONTHLY, [f"2026{m:02d}" for m in range(1, 13)]),
        ("2026", T.BI_MONTHLY, [f"2026{b:02d}B" for b in range(1, 7)]),
        ("2026", T.QUARTERLY, ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]),
        ("2026", T.SIX_MONTHLY, ["2026S1", "2026S2"]),
        ("2026", T.SIX_MONTHLY_APRIL, ["2026AprilS1"]),
        ("2026", T.YEARLY, ["2026"]),
        ("2026", T.FINANCIAL_OCT, []),
        (
            "2026Oct",
            T.MONTHLY,
            [*(f"2026{m}" for m in (10, 11, 12)), *(f"2027{m:02d}" for m in range(1, 10))],
        ),
        ("2026Oct", T.BI_MONTHLY, ["202606B", "202701B", "202702B", "202703B", "202704B"]),
        ("2026Oct", T.QUARTERLY, ["2026Q4", "2027Q1", "2027Q2", "2027Q3"]),
        ("2026Oct", T.SIX_MONTHLY, ["2027S1"]),
        ("2026Oct", T.SIX_MONTHLY_APRIL, ["2026AprilS2", "2027AprilS1"]),
        ("2026Oct", T.YEARLY, []),
        ("2026Oct", T.FINANCIAL_OCT, ["2026Oct"]),
        ("2026Oct", T.FINANCIAL_APRIL, []),
        ("202601", T.QUARTERLY, []),
    ],
)
def test_periods_within_lists_whole_periods_in_time_order(
    outer: str, period_type: PeriodType, expected: list[str]
) -> None:
    assert _codes(outer, period_type) == expected


def test_the_weeks_of_a_year_leave_out_weeks_straddling_new_year() -> None:
    weeks = _codes("2026", T.WEEKLY)
    assert weeks[0] == "2026W2"
    assert weeks[-1] == "2026W52"
    assert len(weeks) == 51


def test_the_days_of_the_october_year_run_from_1_october_to_30_september() -> None:
    days = periods_within(parse_period("2026Oct"), T.DAILY)
    assert len(days) == 365
    assert (days[0].code, days[-1].code) == ("20261001", "20270930")


def test_periods_within_the_last_supported_year_do_not_overflow() -> None:
    assert _codes("2999", T.QUARTERLY) == ["2999Q1", "2999Q2", "2999Q3", "2999Q4"]


# --- ADX / ISO 8601 intervals --------------------------------------------------------------

INTERVALS = [
    ("20260115", "2026-01-15/P1D"),
    ("2026W1", "2025-12-29/P7D"),
    ("2026W2", "2026-01-05/P7D"),
    ("202601", "2026-01-01/P1M"),
    ("202601B", "2026-01-01/P2M"),
    ("202606B", "2026-11-01/P2M"),
    ("2026Q1", "2026-01-01/P3M"),
    ("2026Q2", "2026-04-01/P3M"),
    ("2026S1", "2026-01-01/P6M"),
    ("2026S2", "2026-07-01/P6M"),
    ("2026AprilS1", "2026-04-01/P6M"),
    ("2026AprilS2", "2026-10-01/P6M"),
    ("2026", "2026-01-01/P1Y"),
    ("2026April", "2026-04-01/P1Y"),
    ("2026July", "2026-07-01/P1Y"),
    ("2026Oct", "2026-10-01/P1Y"),
    ("2026Nov", "2026-11-01/P1Y"),
]


@pytest.mark.parametrize(("code", "interval"), INTERVALS)
def test_every_period_type_round_trips_through_an_iso_interval(code: str, interval: str) -> None:
    period = parse_period(code)
    assert to_iso_interval(period) == interval
    assert from_iso_interval(interval) == period


def test_a_week_may_also_be_written_as_p1w() -> None:
    assert from_iso_interval("2026-01-05/P1W") == parse_period("2026W2")


def test_surrounding_whitespace_around_an_interval_is_ignored() -> None:
    assert from_iso_interval("  2026-10-01/P1Y\n") == parse_period("2026Oct")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-01-06/P7D", "must start on a Monday"),
        ("2026-01-06/P1W", "must start on a Monday"),
        ("2026-01-15/P1M", "must start on the 1st of a month"),
        ("2026-02-01/P2M", "must start on the 1st of an odd month"),
        ("2026-02-01/P3M", "must start on 1 January, April, July or October"),
        ("2026-03-01/P6M", "must start on 1 January, April, July or October"),
        ("2026-02-01/P1Y", "must start on 1 January, April, July, October or November"),
        ("2026-01-01/P4M", "unsupported duration P4M"),
        ("2026-01-01/P12M", "unsupported duration P12M"),
        ("2026-02-30/P1D", "not a valid date"),
        ("2026-01-01/2026-01-31", "expected start-date/duration"),
        ("2026-01-01", "expected start-date/duration"),
        ("2026-01-01/p1m", "expected start-date/duration"),
        ("202601", "expected start-date/duration"),
        ("", "expected start-date/duration"),
        ("1899-01-01/P1Y", "year must be 1900–2999"),
    ],
)
def test_an_unusable_interval_raises_a_bilingual_period_error(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as caught:
        from_iso_interval(text)
    message = str(caught.value)
    assert message.startswith("无法识别的 ISO 8601 期间")
    assert "unrecognised ISO 8601 period" in message
    assert reason in message
    assert caught.value.code == text.strip()


# --- type ordering -------------------------------------------------------------------------


def test_period_type_order_runs_from_daily_to_the_financial_years() -> None:
    assert PERIOD_TYPE_ORDER[0] is T.DAILY
    assert set(PERIOD_TYPE_ORDER) == set(PeriodType)
    assert len(PERIOD_TYPE_ORDER) == len(PeriodType)
    ranks = [FREQUENCY_ORDER[t] for t in PERIOD_TYPE_ORDER]
    assert ranks == sorted(ranks)


def test_frequency_order_tells_finer_types_from_coarser_ones() -> None:
    assert FREQUENCY_ORDER[T.MONTHLY] < FREQUENCY_ORDER[T.QUARTERLY] < FREQUENCY_ORDER[T.YEARLY]
    assert FREQUENCY_ORDER[T.SIX_MONTHLY] == FREQUENCY_ORDER[T.SIX_MONTHLY_APRIL]
    assert FREQUENCY_ORDER[T.YEARLY] == FREQUENCY_ORDER[T.FINANCIAL_OCT]


def test_period_type_values_are_dhis2_names() -> None:
    assert [t.value for t in PeriodType] == [
        "Daily",
        "Weekly",
        "Monthly",
        "BiMonthly",
        "Quarterly",
        "SixMonthly",
        "SixMonthlyApril",
        "Yearly",
        "FinancialApril",
        "FinancialJuly",
        "FinancialOct",
        "FinancialNov",
    ]
    assert PeriodType("FinancialOct") is T.FINANCIAL_OCT


# --- properties ----------------------------------------------------------------------------

# Keep clear of the 1900–2999 limits so that offsets of up to ±40 periods stay representable.
_YEARS = st.integers(min_value=1950, max_value=2950)
_PER_YEAR = {
    T.MONTHLY: 12,
    T.BI_MONTHLY: 6,
    T.QUARTERLY: 4,
    T.SIX_MONTHLY: 2,
    T.SIX_MONTHLY_APRIL: 2,
}


def _max_index(period_type: PeriodType, year: int) -> int:
    if period_type is T.DAILY:
        return (date(year + 1, 1, 1) - date(year, 1, 1)).days
    if period_type is T.WEEKLY:
        return date(year, 12, 28).isocalendar().week
    return _PER_YEAR.get(period_type, 1)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    period_type = draw(st.sampled_from(PeriodType))
    year = draw(_YEARS)
    index = draw(st.integers(min_value=1, max_value=_max_index(period_type, year)))
    return make_period(period_type, year, index)


# Twelve types times a thousand years is a wide input space; the default 100 examples would
# visit each type only a handful of times per run.
_settings = settings(max_examples=300)


@_settings
@given(periods())
def test_parsing_a_made_periods_code_gives_the_same_period(period: Period) -> None:
    assert parse_period(period.code) == period
    assert period.start <= period.end


@_settings
@given(periods(), st.integers(min_value=-40, max_value=40))
def test_offsetting_forward_then_back_is_the_identity(period: Period, n: int) -> None:
    moved = period.offset(n)
    assert moved.period_type is period.period_type
    assert moved.offset(-n) == period


@_settings
@given(periods())
def test_consecutive_periods_are_contiguous(period: Period) -> None:
    after = period.offset(1)
    assert after.start == period.end + timedelta(days=1)
    assert period.offset(-1).end == period.start - timedelta(days=1)


@_settings
@given(periods())
def test_any_period_round_trips_through_its_iso_interval(period: Period) -> None:
    assert from_iso_interval(to_iso_interval(period)) == period


@_settings
@given(periods())
def test_a_period_contains_both_its_first_and_last_day(period: Period) -> None:
    assert period_containing(period.start, period.period_type) == period
    assert period_containing(period.end, period.period_type) == period


@_settings
@given(periods(), st.sampled_from(PeriodType))
def test_periods_within_are_inside_contiguous_and_ordered(
    outer: Period, period_type: PeriodType
) -> None:
    inner = periods_within(outer, period_type)
    assert all(outer.contains(p) for p in inner)
    assert all(a.offset(1) == b for a, b in zip(inner, inner[1:], strict=False))
    if inner:
        # Nothing of that type fits in the gaps left at either end.
        assert not outer.contains(inner[0].offset(-1))
        assert not outer.contains(inner[-1].offset(1))
