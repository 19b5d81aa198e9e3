"""The shape of a Kaohe Excel template, shared by the code that writes it and the code that reads
it back: where the hidden codes sit, what the hidden ``_kaohe`` sheet holds, the periods and
elements of a template, Chinese period labels, and :class:`CellProblem`.

A unit's sheet (letters are columns, numbers rows)::

    row 1 (hidden)   A1 "kaohe"   B1 unit code        E1… period codes, one per value column
    row 2            B2: title (data set, unit and period in Chinese), merged across
    row 3            B3: unit, period and data set with their codes, merged across
    row 4            header: 序号 · 指标名称 · 填写要求 · 1月 … 12月 · 合计
    row 5…           one row per data element; column A (hidden) holds its code
    below the table  a note on how to fill the sheet in

Value cells (E5 onwards) are the only unlocked cells. The 合计 column exists only when the
template has more than one period column; it holds ``=SUM(…)`` for sum-aggregated elements and
is never read back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.utils.translation import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.periods import Period, PeriodError, PeriodType, parse_period, periods_within

from .importing import ImportProblem

__all__ = [
    "CODE_COL",
    "CODE_ROW",
    "FIRST_DATA_ROW",
    "FIRST_VALUE_COL",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "HEADER_ROW",
    "MARKER",
    "META_SHEET",
    "UNIT_COL",
    "CellProblem",
    "Manifest",
    "ManifestError",
    "TemplateError",
    "dataset_elements",
    "period_heading",
    "period_title",
    "read_manifest",
    "sheet_titles",
    "template_periods",
    "write_manifest",
]

FORMAT_NAME: Final = "kaohe-template"
FORMAT_VERSION: Final = 1
META_SHEET: Final = "_kaohe"
MARKER: Final = "kaohe"

CODE_ROW: Final = 1
TITLE_ROW: Final = 2
INFO_ROW: Final = 3
HEADER_ROW: Final = 4
FIRST_DATA_ROW: Final = 5
CODE_COL: Final = 1  # A, hidden: element codes; A1 the marker
UNIT_COL: Final = 2  # B1 holds the unit code
NUMBER_COL: Final = 2  # B: 序号
NAME_COL: Final = 3  # C: 指标名称
HINT_COL: Final = 4  # D: 填写要求
FIRST_VALUE_COL: Final = 5  # E: the first period

MAX_TITLE: Final = 31  # Excel's limit on a sheet name
# Characters Excel refuses in a sheet name.
_TITLE_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
_CODE_SEPARATOR: Final = ","
_SHEETS_HEADER: Final = "sheet"


class TemplateError(ValueError):
    """A template that cannot be made (or a template that no longer fits); bilingual."""


class ManifestError(ValueError):
    """The hidden ``_kaohe`` sheet is not one we wrote; the message is bilingual."""


@dataclass(frozen=True)
class CellProblem(ImportProblem):
    """A problem in an uploaded workbook, at a sheet and (usually) a cell.

    ``row`` and ``column`` are the Excel row number and column letters; ``cell`` is the A1
    reference (or a range such as ``E5:F5`` for merged cells), empty for the sheet as a whole.
    ``value`` is what the cell shows.
    """

    sheet: str = ""
    cell: str = ""

    def __str__(self) -> str:
        if not self.sheet:
            return super().__str__()
        if not self.cell:
            return _("工作表 / sheet「{sheet}」：{reason}").format(
                sheet=self.sheet, reason=self.reason
            )
        where = f"「{self.sheet}」!{self.cell}"
        if self.value:
            where += f' = "{self.value}"'
        return f"{where}：{self.reason}"


# --- what a template covers ----------------------------------------------------------------


def template_periods(dataset: DataSet, period_code: str) -> tuple[Period, list[Period]]:
    """The period of a template and its value columns: the data set's periods inside it.

    A period of the data set's own type gives one column; a longer one (a year for a monthly
    data set) gives the grid of its months. Raises :class:`TemplateError` for a bad code or a
    period shorter than the data set's.
    """
    try:
        outer = parse_period(period_code)
        own_type = PeriodType(dataset.period_type)
        if outer.period_type == own_type:
            return outer, [outer]
        inner = periods_within(outer, own_type)
    except PeriodError as exc:
        raise TemplateError(str(exc)) from None
    if not inner:
        raise TemplateError(
            _(
                "期间 {period} 不能按数据集 {dataset} 的报告周期 {type} 填报 / period {period} "
                "cannot be reported by data set {dataset}, whose periods are {type}"
            ).format(period=outer.code, dataset=dataset.code, type=own_type.value)
        )
    return outer, inner


def dataset_elements(dataset: DataSet) -> list[DataElement]:
    """The data set's elements in its own order."""
    links = (
        DataSetElement.objects.filter(dataset=dataset)
        .select_related("element")
        .order_by("sort_order", "element__code")
    )
    return [link.element for link in links]


def sheet_titles(names: Sequence[str]) -> list[str]:
    """Sheet titles for these names: Excel-safe, at most 31 characters, unique.

    Excel compares sheet names without regard to case and refuses ``[]:*?/\\``; a repeated
    name gets ``(2)``, ``(3)``… at its end.
    """
    used = {META_SHEET.casefold(), "history"}  # Excel reserves "History"
    titles: list[str] = []
    for name in names:
        base = _TITLE_FORBIDDEN.sub("_", name).strip().strip("'") or "Sheet"
        base = base[:MAX_TITLE]
        title = base
        number = 2
        while title.casefold() in used:
            suffix = f"({number})"
            title = base[: MAX_TITLE - len(suffix)] + suffix
            number += 1
        used.add(title.casefold())
        titles.append(title)
    return titles


# --- period labels -------------------------------------------------------------------------


def _week_parts(period: Period) -> tuple[str, str]:
    year, week = period.code.split("W")
    return year, week


def _month_span(period: Period, *, with_year: bool) -> str:
    start, end = period.start, period.end
    if start.year != end.year:
        return f"{start.year}年{start.month}月–{end.year}年{end.month}月"
    prefix = f"{start.year}年" if with_year else ""
    if start.month == end.month:
        return f"{prefix}{start.month}月"
    return f"{prefix}{start.month}–{end.month}月"


def period_title(period: Period) -> str:
    """A period in Chinese, as a title says it: 2026年、2026年1月、2026年第1季度、2026年上半年."""
    start = period.start
    kind = period.period_type
    if kind == PeriodType.DAILY:
        return f"{start.year}年{start.month}月{start.day}日"
    if kind == PeriodType.WEEKLY:
        year, week = _week_parts(period)
        return f"{year}年第{week}周"
    if kind == PeriodType.QUARTERLY:
        return f"{start.year}年第{(start.month + 2) // 3}季度"
    if kind == PeriodType.SIX_MONTHLY:
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    if kind == PeriodType.YEARLY:
        return f"{start.year}年"
    return _month_span(period, with_year=True)


def period_heading(period: Period, *, with_year: bool = False) -> str:
    """A period as a column heading inside a longer period: 1月、第1季度、上半年、第5周.

    ``with_year`` adds the year, for grids that run across two calendar years.
    """
    start = period.start
    kind = period.period_type
    prefix = f"{start.year}年" if with_year else ""
    if kind == PeriodType.DAILY:
        return f"{prefix}{start.month}月{start.day}日"
    if kind == PeriodType.WEEKLY:
        year, week = _week_parts(period)
        return f"{year}年第{week}周" if with_year else f"第{week}周"
    if kind == PeriodType.QUARTERLY:
        return f"{prefix}第{(start.month + 2) // 3}季度"
    if kind == PeriodType.SIX_MONTHLY:
        return f"{prefix}{'上' if start.month == 1 else '下'}半年"
    if kind == PeriodType.YEARLY:
        return f"{start.year}年"
    return _month_span(period, with_year=with_year)


# --- the hidden _kaohe sheet ---------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """What the hidden ``_kaohe`` sheet says about a template."""

    dataset: str
    period: str
    elements: tuple[str, ...]
    periods: tuple[str, ...]
    sheets: dict[str, str]  # unit code → sheet title as written
    created: str = ""

    @property
    def titles(self) -> set[str]:
        return set(self.sheets.values())


def write_manifest(ws: Worksheet, manifest: Manifest) -> None:
    """Fill the ``_kaohe`` sheet: key/value rows, then one row per unit sheet."""
    pairs: list[tuple[str, str | int]] = [
        ("format", FORMAT_NAME),
        ("version", FORMAT_VERSION),
        ("dataset", manifest.dataset),
        ("period", manifest.period),
        ("elements", _CODE_SEPARATOR.join(manifest.elements)),
        ("periods", _CODE_SEPARATOR.join(manifest.periods)),
        ("created", manifest.created or datetime.now().astimezone().isoformat(timespec="seconds")),
    ]
    for key, value in pairs:
        ws.append([key, value])
    ws.append([])
    ws.append([_SHEETS_HEADER, "unit"])
    for unit_code, title in manifest.sheets.items():
        ws.append([title, unit_code])


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_manifest(ws: Worksheet) -> Manifest:
    """The manifest of a ``_kaohe`` sheet, or :class:`ManifestError` saying what is wrong."""
    pairs: dict[str, str] = {}
    sheets: dict[str, str] = {}
    in_sheets = False
    for row in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        first, second = _text(row[0]), _text(row[1])
        if in_sheets:
            if first and second:
                sheets[second] = first
        elif first == _SHEETS_HEADER:
            in_sheets = True
        elif first:
            pairs[first] = second
    if pairs.get("format") != FORMAT_NAME:
        raise ManifestError(
            _(
                "隐藏的模板信息（_kaohe 工作表）已损坏，请重新下载模板 / the hidden template "
                "information (sheet _kaohe) is damaged: download the template again"
            )
        )
    if pairs.get("version") != str(FORMAT_VERSION):
        raise ManifestError(
            _(
                "模板版本 {version} 不受支持，请重新下载模板 / template version {version} is not "
                "supported: download the template again"
            ).format(version=pairs.get("version") or "?")
        )
    elements = tuple(c for c in pairs.get("elements", "").split(_CODE_SEPARATOR) if c)
    periods = tuple(c for c in pairs.get("periods", "").split(_CODE_SEPARATOR) if c)
    if not (pairs.get("dataset") and pairs.get("period") and elements and periods and sheets):
        raise ManifestError(
            _(
                "隐藏的模板信息（_kaohe 工作表）不完整，请重新下载模板 / the hidden template "
                "information (sheet _kaohe) is incomplete: download the template again"
            )
        )
    return Manifest(
        dataset=pairs["dataset"],
        period=pairs["period"],
        elements=elements,
        periods=periods,
        sheets=sheets,
        created=pairs.get("created", ""),
    )
