"""DHIS2 period codes: parsing, calendar arithmetic and ADX / ISO 8601 intervals.

Assessment data is keyed by period the way DHIS2 keys it, so that figures can travel to and
from a DHIS2 instance (and its ADX exchange format) unchanged. The supported codes are:

=================  ===============  =============================================
type               example          span
=================  ===============  =============================================
Daily              ``20260115``     that day
Weekly             ``2026W1``       ISO week 1 of ISO year 2026 (Monday start)
Monthly            ``202601``       January 2026
BiMonthly          ``202601B``      ``01B`` Jan–Feb … ``06B`` Nov–Dec
Quarterly          ``2026Q1``       Jan–Mar 2026
SixMonthly         ``2026S1``       ``S1`` Jan–Jun, ``S2`` Jul–Dec
SixMonthlyApril    ``2026AprilS1``  ``S1`` Apr–Sep 2026, ``S2`` Oct 2026–Mar 2027
Yearly             ``2026``         calendar year 2026
FinancialApril     ``2026April``    1 Apr 2026 – 31 Mar 2027
FinancialJuly      ``2026July``     1 Jul 2026 – 30 Jun 2027
FinancialOct       ``2026Oct``      1 Oct 2026 – 30 Sep 2027 (the statistical year)
FinancialNov       ``2026Nov``      1 Nov 2026 – 31 Oct 2027
=================  ===============  =============================================

Parsing is strict: only the canonical spelling of each code is accepted (``2026W1``, never
``2026W01`` or ``2026w1``), so every period has exactly one code and codes can safely be used
as dictionary and database keys. Years are limited to 1900–2999.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import lru_cache
from types import MappingProxyType
from typing import Final

__all__ = [
    "FREQUENCY_ORDER",
    "MAX_YEAR",
    "MIN_YEAR",
    "PERIOD_TYPE_ORDER",
    "Period",
    "PeriodError",
    "PeriodType",
    "from_iso_interval",
    "make_period",
    "parse_period",
    "period_containing",
    "period_type_of",
    "periods_within",
    "to_iso_interval",
]


# A str-mixin Enum rather than StrEnum to match the engine's other enums in spec.py (their
# str() is "PeriodType.MONTHLY"; use .value for the DHIS2 name); members still compare equal
# to and serialise as their plain-string values.
class PeriodType(str, Enum):
    """A DHIS2 period type; the value is DHIS2's own name for it."""

    DAILY = "Daily"
    WEEKLY = "Weekly"
    MONTHLY = "Monthly"
    BI_MONTHLY = "BiMonthly"
    QUARTERLY = "Quarterly"
    SIX_MONTHLY = "SixMonthly"
    SIX_MONTHLY_APRIL = "SixMonthlyApril"
    YEARLY = "Yearly"
    FINANCIAL_APRIL = "FinancialApril"
    FINANCIAL_JULY = "FinancialJuly"
    FINANCIAL_OCT = "FinancialOct"
    FINANCIAL_NOV = "FinancialNov"


MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2999

#: Every period type from finest to coarsest. Types of equal length keep DHIS2's listing order,
#: so this is a total order for display; compare lengths with :data:`FREQUENCY_ORDER`.
PERIOD_TYPE_ORDER: Final[tuple[PeriodType, ...]] = tuple(PeriodType)

#: DHIS2's ``frequencyOrder``: roughly the period length in days. A smaller number is a finer
#: type; equal numbers (SixMonthly / SixMonthlyApril, Yearly / Financial*) are equally coarse.
FREQUENCY_ORDER: Final[Mapping[PeriodType, int]] = MappingProxyType(
    {
        PeriodType.DAILY: 1,
        PeriodType.WEEKLY: 7,
        PeriodType.MONTHLY: 30,
        PeriodType.BI_MONTHLY: 61,
        PeriodType.QUARTERLY: 91,
        PeriodType.SIX_MONTHLY: 182,
        PeriodType.SIX_MONTHLY_APRIL: 182,
        PeriodType.YEARLY: 365,
        PeriodType.FINANCIAL_APRIL: 365,
        PeriodType.FINANCIAL_JULY: 365,
        PeriodType.FINANCIAL_OCT: 365,
        PeriodType.FINANCIAL_NOV: 365,
    }
)

# Types whose periods are whole months laid end to end: (months per period, month in which
# the first period of a code year starts). Offsets and containment for all of them reduce to
# integer arithmetic on a month count, which is why they share one table.
_MONTH_GRID: Final[Mapping[PeriodType, tuple[int, int]]] = MappingProxyType(
    {
        PeriodType.MONTHLY: (1, 1),
        PeriodType.BI_MONTHLY: (2, 1),
        PeriodType.QUARTERLY: (3, 1),
        PeriodType.SIX_MONTHLY: (6, 1),
        PeriodType.SIX_MONTHLY_APRIL: (6, 4),
        PeriodType.YEARLY: (12, 1),
        PeriodType.FINANCIAL_APRIL: (12, 4),
        PeriodType.FINANCIAL_JULY: (12, 7),
        PeriodType.FINANCIAL_OCT: (12, 10),
        PeriodType.FINANCIAL_NOV: (12, 11),
    }
)

_FINANCIAL_SUFFIX: Final[Mapping[PeriodType, str]] = MappingProxyType(
    {
        PeriodType.FINANCIAL_APRIL: "April",
        PeriodType.FINANCIAL_JULY: "July",
        PeriodType.FINANCIAL_OCT: "Oct",
        PeriodType.FINANCIAL_NOV: "Nov",
    }
)
_FINANCIAL_BY_SUFFIX: Final[Mapping[str, PeriodType]] = MappingProxyType(
    {suffix: period_type for period_type, suffix in _FINANCIAL_SUFFIX.items()}
)

# Why an index is out of range, per sub-yearly grid type (Chinese, English).
_INDEX_REASON: Final[Mapping[PeriodType, tuple[str, str]]] = MappingProxyType(
    {
        PeriodType.MONTHLY: ("月份须为 01–12", "month must be 01–12"),
        PeriodType.BI_MONTHLY: ("双月期须为 01B–06B", "bi-month must be 01B–06B"),
        PeriodType.QUARTERLY: ("季度须为 1–4", "quarter must be 1–4"),
        PeriodType.SIX_MONTHLY: ("半年期须为 S1 或 S2", "half-year must be S1 or S2"),
        PeriodType.SIX_MONTHLY_APRIL: (
            "四月起半年期须为 AprilS1 或 AprilS2",
            "April half-year must be AprilS1 or AprilS2",
        ),
    }
)

# Cache sizes: generous enough for every code a county uses in a run, bounded so that a
# long-lived web process fed arbitrary codes cannot grow without limit.
_CACHE_SIZE: Final = 16384


class PeriodError(ValueError):
    """A period code, ISO interval or period arithmetic that cannot be honoured.

    The message is bilingual, Chinese first, because it is shown to township clerks as well as
    logged for engineers, e.g. ``无法识别的期间代码 "2026Q5"：季度须为 1–4 / unrecognised period
    code "2026Q5": quarter must be 1–4``. ``code`` holds the offending text (whitespace
    stripped); ``reason_zh`` / ``reason_en`` hold the bare reasons for callers that lay out
    their own messages.
    """

    def __init__(
        self,
        code: str,
        reason_zh: str,
        reason_en: str,
        *,
        what_zh: str = "无法识别的期间代码",
        what_en: str = "unrecognised period code",
    ) -> None:
        self.code = code
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        super().__init__(f'{what_zh} "{code}"：{reason_zh} / {what_en} "{code}": {reason_en}')


class _Invalid(Exception):
    """Internal: a reason something is invalid, before the caller adds what was invalid.

    The same checks serve parsing, ``make_period``, offsets and ISO intervals, which each
    describe the offending input differently; raising this and converting at the boundary
    keeps the checks in one place.
    """

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Period:
    """One DHIS2 period: its canonical code, type and inclusive date span.

    Build instances with :func:`parse_period`, :func:`make_period` or
    :func:`period_containing` rather than directly, so that the fields agree with each other.
    Two periods are equal exactly when their codes are.
    """

    code: str
    period_type: PeriodType
    start: date
    end: date  # inclusive

    def __str__(self) -> str:
        """The DHIS2 code, so a period can be dropped straight into a message or URL."""
        return self.code

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def sort_key(self) -> tuple[date, date]:
        """``(end, start)``: orders periods so the one ending last comes last.

        Ordering by end first is what "last value" aggregation needs: among the finer periods
        inside an assessment period, the latest-ending one holds the closing figure.
        """
        return (self.end, self.start)

    def contains(self, other: Period) -> bool:
        """Whether ``other`` lies wholly inside this period (a period contains itself)."""
        return other.start >= self.start and other.end <= self.end

    def offset(self, n: int) -> Period:
        """The period of the same type ``n`` periods later (earlier when ``n`` is negative).

        ``202601`` offset by -1 is ``202512``; ``2026Oct`` by -1 is ``2025Oct``; ``2026W1``
        by -1 is ``2025W52``. Raises :class:`PeriodError` if the result leaves 1900–2999.
        """
        try:
            return _shift(self, n)
        except _Invalid as exc:
            raise PeriodError(
                self.code,
                f"偏移 {n} 个期间后{exc.zh}",
                f"after offsetting by {n}, {exc.en}",
                what_zh="无法偏移期间",
                what_en="cannot offset period",
            ) from None


# --- construction --------------------------------------------------------------------------


def _year_out_of_range() -> _Invalid:
    return _Invalid(f"年份须在 {MIN_YEAR}–{MAX_YEAR} 之间", f"year must be {MIN_YEAR}–{MAX_YEAR}")


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _year_out_of_range()


def _weeks_in_iso_year(year: int) -> int:
    # 28 December always falls in the last ISO week of its year.
    return date(year, 12, 28).isocalendar().week


def _month_start(month_count: int) -> date:
    """First day of the month ``month_count`` months after January of year 0."""
    return date(month_count // 12, month_count % 12 + 1, 1)


def _day(day: date) -> Period:
    _check_year(day.year)
    # Spelled out rather than strftime("%Y") because %Y padding differs between platforms.
    code = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    return Period(code, PeriodType.DAILY, day, day)


def _as_type(period_type: PeriodType) -> PeriodType:
    # The Django layer stores DHIS2's plain type names; an unconverted "Monthly" equals
    # PeriodType.MONTHLY but is not it, and the identity checks and table lookups below need
    # the member itself. Unknown names fail here with the enum's own ValueError.
    return PeriodType(period_type)


def _grid_code(period_type: PeriodType, year: int, index: int) -> str:
    if period_type is PeriodType.MONTHLY:
        return f"{year:04d}{index:02d}"
    if period_type is PeriodType.BI_MONTHLY:
        return f"{year:04d}{index:02d}B"
    if period_type is PeriodType.QUARTERLY:
        return f"{year:04d}Q{index}"
    if period_type is PeriodType.SIX_MONTHLY:
        return f"{year:04d}S{index}"
    if period_type is PeriodType.SIX_MONTHLY_APRIL:
        return f"{year:04d}AprilS{index}"
    if period_type is PeriodType.YEARLY:
        return f"{year:04d}"
    return f"{year:04d}{_FINANCIAL_SUFFIX[period_type]}"


@lru_cache(maxsize=_CACHE_SIZE)
def _make(period_type: PeriodType, year: int, index: int) -> Period:
    """Validated construction shared by every public entry point; raises :class:`_Invalid`."""
    _check_year(year)
    if period_type is PeriodType.DAILY:
        length = 366 if calendar.isleap(year) else 365
        if not 1 <= index <= length:
            raise _Invalid(
                f"{year} 年的日序号须为 1–{length}", f"day of year must be 1–{length} in {year}"
            )
        return _day(date(year, 1, 1) + timedelta(days=index - 1))
    if period_type is PeriodType.WEEKLY:
        weeks = _weeks_in_iso_year(year)
        if not 1 <= index <= weeks:
            raise _Invalid(
                f"ISO {year} 年只有 {weeks} 周，周次须为 1–{weeks}",
                f"week must be 1–{weeks} in ISO year {year}",
            )
        monday = date.fromisocalendar(year, index, 1)
        return Period(f"{year:04d}W{index}", period_type, monday, monday + timedelta(days=6))
    span, first_month = _MONTH_GRID[period_type]
    if span == 12:
        index = 1  # one period per code year: the index carries no information
    elif not 1 <= index <= 12 // span:
        raise _Invalid(*_INDEX_REASON[period_type])
    first = year * 12 + (first_month - 1) + (index - 1) * span
    start = _month_start(first)
    end = _month_start(first + span) - timedelta(days=1)
    return Period(_grid_code(period_type, year, index), period_type, start, end)


def make_period(period_type: PeriodType, year: int, index: int = 1) -> Period:
    """Build the period of ``period_type`` numbered ``index`` within code year ``year``.

    What ``index`` counts depends on the type:

    * Daily: day of the year, 1–365 (366 in leap years); ``make_period(DAILY, 2026, 32)`` is
      ``20260201``.
    * Weekly: ISO week 1–52 or 53, and ``year`` is the ISO year, which can differ from the
      calendar year of the week's days (``2026W1`` starts on 29 December 2025).
    * Monthly: month 1–12; BiMonthly: bi-month 1–6; Quarterly: quarter 1–4; SixMonthly and
      SixMonthlyApril: half 1–2.
    * Yearly and Financial*: ignored; ``year`` is the year the period starts in
      (``make_period(FINANCIAL_OCT, 2026)`` is ``2026Oct``, October 2026 – September 2027).

    Raises :class:`PeriodError` when the year is outside 1900–2999 or the index out of range.
    """
    period_type = _as_type(period_type)
    try:
        return _make(period_type, year, index)
    except _Invalid as exc:
        raise PeriodError(
            f"{period_type.value}({year}, {index})",
            exc.zh,
            exc.en,
            what_zh="无效的期间参数",
            what_en="invalid period arguments",
        ) from None


def _grid_position(period_type: PeriodType, day: date) -> int:
    """Ordinal (periods since year 0) of the grid period of ``period_type`` holding ``day``."""
    span, first_month = _MONTH_GRID[period_type]
    months = day.year * 12 + day.month - 1
    return (months - (first_month - 1)) // span


def _grid_period(period_type: PeriodType, ordinal: int) -> Period:
    span, _ = _MONTH_GRID[period_type]
    per_year = 12 // span
    return _make(period_type, ordinal // per_year, ordinal % per_year + 1)


def _containing(day: date, period_type: PeriodType) -> Period:
    if period_type is PeriodType.DAILY:
        return _day(day)
    if period_type is PeriodType.WEEKLY:
        iso_year, week, _ = day.isocalendar()
        return _make(period_type, iso_year, week)
    return _grid_period(period_type, _grid_position(period_type, day))


def period_containing(day: date, period_type: PeriodType) -> Period:
    """The period of ``period_type`` that ``day`` falls in.

    For example 15 January 2026 is in ``202601``, ``2026Q1``, ``2026W3``, ``2025AprilS2`` and
    ``2025Oct``. Raises :class:`PeriodError` if that period's code year is outside 1900–2999.
    """
    period_type = _as_type(period_type)
    try:
        return _containing(day, period_type)
    except _Invalid as exc:
        raise PeriodError(
            day.isoformat(),
            exc.zh,
            exc.en,
            what_zh="日期超出支持范围",
            what_en="date outside the supported range",
        ) from None


def _shift(period: Period, n: int) -> Period:
    period_type = period.period_type
    try:
        if period_type is PeriodType.DAILY:
            return _day(period.start + timedelta(days=n))
        if period_type is PeriodType.WEEKLY:
            # Stepping the Monday keeps 52- and 53-week ISO years right without special cases.
            return _containing(period.start + timedelta(weeks=n), period_type)
    except OverflowError:
        # datetime cannot represent the result at all, so it is far outside 1900–2999.
        raise _year_out_of_range() from None
    return _grid_period(period_type, _grid_position(period_type, period.start) + n)


# --- parsing -------------------------------------------------------------------------------

# One pattern for every type; the year is always four ASCII digits. [0-9] rather than \d so
# that full-width or other Unicode digits are rejected instead of silently accepted. Index
# digits are bounded so that absurd input fails as a format error, not inside int().
_CODE_RE: Final = re.compile(
    r"(?P<year>[0-9]{4})"
    r"(?:"
    r"(?P<month_day>[0-9]{4})"
    r"|W(?P<week>[0-9]{1,4})"
    r"|(?P<month>[0-9]{2})(?P<bi>B)?"
    r"|Q(?P<quarter>[0-9]{1,4})"
    r"|S(?P<half>[0-9]{1,4})"
    r"|AprilS(?P<april_half>[0-9]{1,4})"
    r"|(?P<financial>April|July|Oct|Nov)"
    r")?"
)

_FORMAT_EXAMPLES: Final = (
    "20260115, 2026W1, 202601, 202601B, 2026Q1, 2026S1, 2026AprilS1, "
    "2026, 2026April, 2026July, 2026Oct, 2026Nov"
)


def _unpadded(digits: str) -> int:
    # DHIS2 writes week, quarter and half numbers without leading zeros; accepting "W01" too
    # would give one period two codes.
    if len(digits) > 1 and digits.startswith("0"):
        raise _Invalid("序号不能有前导零", "the number must not have leading zeros")
    return int(digits)


def _parse(text: str) -> Period:
    if not text:
        raise _Invalid("代码为空", "the code is empty")
    match = _CODE_RE.fullmatch(text)
    if match is None:
        raise _Invalid(
            f"不是 DHIS2 期间代码格式（例如 {_FORMAT_EXAMPLES.replace(', ', '、')}）",
            f"not a DHIS2 period code (e.g. {_FORMAT_EXAMPLES})",
        )
    year = int(match["year"])
    _check_year(year)
    if (month_day := match["month_day"]) is not None:
        month, day = int(month_day[:2]), int(month_day[2:])
        if not 1 <= month <= 12:
            raise _Invalid(*_INDEX_REASON[PeriodType.MONTHLY])
        length = calendar.monthrange(year, month)[1]
        if not 1 <= day <= length:
            raise _Invalid(
                f"{year} 年 {month} 月的日期须为 01–{length}",
                f"day must be 01–{length} in {year:04d}-{month:02d}",
            )
        return _day(date(year, month, day))
    if (week := match["week"]) is not None:
        return _make(PeriodType.WEEKLY, year, _unpadded(week))
    if (month_text := match["month"]) is not None:
        kind = PeriodType.BI_MONTHLY if match["bi"] else PeriodType.MONTHLY
        return _make(kind, year, int(month_text))
    if (quarter := match["quarter"]) is not None:
        return _make(PeriodType.QUARTERLY, year, _unpadded(quarter))
    if (half := match["half"]) is not None:
        return _make(PeriodType.SIX_MONTHLY, year, _unpadded(half))
    if (april_half := match["april_half"]) is not None:
        return _make(PeriodType.SIX_MONTHLY_APRIL, year, _unpadded(april_half))
    if (suffix := match["financial"]) is not None:
        return _make(_FINANCIAL_BY_SUFFIX[suffix], year, 1)
    return _make(PeriodType.YEARLY, year, 1)


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(text: str) -> Period:
    try:
        return _parse(text)
    except _Invalid as exc:
        raise PeriodError(text, exc.zh, exc.en) from None


def parse_period(code: str) -> Period:
    """Parse a DHIS2 period code such as ``202601``, ``2026Q1`` or ``2026Oct``.

    Surrounding whitespace is ignored; anything else that is not a canonical DHIS2 code of a
    supported type (wrong case, leading zeros in week/quarter/half numbers, month 13, 30
    February, a week the ISO year does not have, a year outside 1900–2999) raises
    :class:`PeriodError`. Results are cached, which is safe because periods are immutable.
    """
    # Checked here, before the cache, because YAML readily turns ``period: 2026`` into an int
    # and callers should get a PeriodError they can report rather than an AttributeError.
    if not isinstance(code, str):
        raise PeriodError(
            repr(code),
            f"期间代码须为文本，而不是 {type(code).__name__}",
            f"a period code must be text, not {type(code).__name__}",
        )
    # The public function wraps the cached one so that type checkers still see ``code: str``
    # (an lru_cache wrapper accepts any hashable arguments).
    return _parse_cached(code.strip())


def period_type_of(code: str) -> PeriodType:
    """The :class:`PeriodType` of a DHIS2 period code; raises :class:`PeriodError` if invalid."""
    return parse_period(code).period_type


def periods_within(outer: Period, period_type: PeriodType) -> list[Period]:
    """Every period of ``period_type`` lying wholly inside ``outer``, in time order.

    Periods straddling a boundary of ``outer`` are left out: the weeks of ``2026`` run from
    ``2026W2`` to ``2026W52``, since ``2026W1`` starts in 2025 and ``2026W53`` ends in 2027.
    The months of ``2026Oct`` are ``202610`` … ``202709``; its quarters are ``2026Q4``,
    ``2027Q1``, ``2027Q2`` and ``2027Q3``. A type coarser than ``outer`` gives an empty list.
    """
    period_type = _as_type(period_type)
    found: list[Period] = []
    try:
        current = _containing(outer.start, period_type)
        while True:
            if outer.contains(current):
                found.append(current)
            # Stop before stepping past the end, so that a period just beyond the supported
            # years is never constructed when nothing inside ``outer`` needs it.
            if current.end >= outer.end:
                return found
            current = _shift(current, 1)
    except _Invalid as exc:
        raise PeriodError(
            outer.code,
            f"其中的 {period_type.value} 期间{exc.zh}",
            f"a {period_type.value} period inside it is out of range: {exc.en}",
            what_zh="无法列出期间",
            what_en="cannot list periods within",
        ) from None


# --- ADX / ISO 8601 intervals --------------------------------------------------------------

# ADX (urn:ihe:qrph:adx:2015) writes a period as "start date/duration". Weekly goes out as
# P7D, which DHIS2 writes; P1W means the same and is accepted on input.
_DURATION: Final[Mapping[PeriodType, str]] = MappingProxyType(
    {
        PeriodType.DAILY: "P1D",
        PeriodType.WEEKLY: "P7D",
        PeriodType.MONTHLY: "P1M",
        PeriodType.BI_MONTHLY: "P2M",
        PeriodType.QUARTERLY: "P3M",
        PeriodType.SIX_MONTHLY: "P6M",
        PeriodType.SIX_MONTHLY_APRIL: "P6M",
        PeriodType.YEARLY: "P1Y",
        PeriodType.FINANCIAL_APRIL: "P1Y",
        PeriodType.FINANCIAL_JULY: "P1Y",
        PeriodType.FINANCIAL_OCT: "P1Y",
        PeriodType.FINANCIAL_NOV: "P1Y",
    }
)

# Candidate types per accepted duration, with where such a period may start (Chinese,
# English). A duration with several types (P6M, P1Y) is told apart by its start month.
_DURATION_TYPES: Final[Mapping[str, tuple[tuple[PeriodType, ...], str, str]]] = MappingProxyType(
    {
        "P1D": ((PeriodType.DAILY,), "任意日期", "any day"),
        "P7D": ((PeriodType.WEEKLY,), "星期一", "a Monday"),
        "P1W": ((PeriodType.WEEKLY,), "星期一", "a Monday"),
        "P1M": ((PeriodType.MONTHLY,), "每月 1 日", "the 1st of a month"),
        "P2M": ((PeriodType.BI_MONTHLY,), "单数月 1 日", "the 1st of an odd month"),
        "P3M": (
            (PeriodType.QUARTERLY,),
            "1、4、7、10 月 1 日",
            "1 January, April, July or October",
        ),
        "P6M": (
            (PeriodType.SIX_MONTHLY, PeriodType.SIX_MONTHLY_APRIL),
            "1、4、7、10 月 1 日",
            "1 January, April, July or October",
        ),
        "P1Y": (
            (
                PeriodType.YEARLY,
                PeriodType.FINANCIAL_APRIL,
                PeriodType.FINANCIAL_JULY,
                PeriodType.FINANCIAL_OCT,
                PeriodType.FINANCIAL_NOV,
            ),
            "1、4、7、10、11 月 1 日",
            "1 January, April, July, October or November",
        ),
    }
)

_INTERVAL_RE: Final = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})/(?P<duration>P[0-9]+[DWMY])"
)


def to_iso_interval(period: Period) -> str:
    """The ADX form of a period: ISO 8601 start date and duration, e.g. ``2026-10-01/P1Y``."""
    return f"{period.start.isoformat()}/{_DURATION[period.period_type]}"


def _from_interval(text: str) -> Period:
    match = _INTERVAL_RE.fullmatch(text)
    if match is None:
        raise _Invalid(
            "须为“开始日期/时长”格式，例如 2026-01-01/P1M",
            "expected start-date/duration such as 2026-01-01/P1M",
        )
    try:
        start = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise _Invalid("开始日期不是有效日期", "the start is not a valid date") from None
    duration = match["duration"]
    if duration not in _DURATION_TYPES:
        raise _Invalid(
            f"不支持的时长 {duration}（支持 P1D、P7D、P1W、P1M、P2M、P3M、P6M、P1Y）",
            f"unsupported duration {duration} (use P1D, P7D, P1W, P1M, P2M, P3M, P6M or P1Y)",
        )
    candidates, starts_zh, starts_en = _DURATION_TYPES[duration]
    for period_type in candidates:
        period = _containing(start, period_type)
        if period.start == start:
            return period
    raise _Invalid(
        f"{duration} 期间须从 {starts_zh} 开始",
        f"a {duration} period must start on {starts_en}",
    )


def from_iso_interval(text: str) -> Period:
    """Map an ADX / ISO 8601 ``start/duration`` interval back to its DHIS2 period.

    The start must be where a DHIS2 period of that length begins: ``2026-10-01/P1Y`` is
    ``2026Oct`` (FinancialOct), ``2026-04-01/P6M`` is ``2026AprilS1`` (SixMonthlyApril) and
    ``2026-01-05/P7D`` or ``2026-01-05/P1W`` is ``2026W2``. Surrounding whitespace is
    ignored; anything else (an unaligned start, another duration, a start/end pair) raises
    :class:`PeriodError`.
    """
    stripped = text.strip()
    try:
        return _from_interval(stripped)
    except _Invalid as exc:
        raise PeriodError(
            stripped,
            exc.zh,
            exc.en,
            what_zh="无法识别的 ISO 8601 期间",
            what_en="unrecognised ISO 8601 period",
        ) from None
