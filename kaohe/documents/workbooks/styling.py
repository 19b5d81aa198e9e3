"""How every formatted workbook looks, written once: the rows above the table, the header, the
totals rows, the number formats and the printed page.

A sheet (rows numbered as Excel does)::

    row 1   the title, merged across the table, bold (示范镇2006年度……考核结果汇总表)
    row 2   the subtitle: township, scheme and version, year, publication date, date made
    row 3   the header, bold on grey, repeated at the top of every printed page
    row 4…  the rows; totals rows bold on light grey with a rule above
    below   notes (how a figure is made), merged across the table

The header is frozen (with the columns that name a row, when asked), the page A4 landscape,
fitted to one page wide, centred, with the page number in the footer. A cell holds the figure as
the results pages show it (a rate 95.50, not 0.955): the sign a figure carries (%, ‰, 人) is
the cell's number format, so sums and formulas work on the same numbers a person reads.

Text cells that a spreadsheet would run as a formula are neutralised
(:func:`kaohe.assessments.exports.neutralise`), as in every other download.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.assessments.exports import Column, neutralise

from ..base import XLSX, Document

__all__ = [
    "COEFFICIENT",
    "FIRST_ROW",
    "HEADER_ROW",
    "MONEY",
    "SCORE",
    "SUBTITLE_ROW",
    "TITLE_ROW",
    "WHOLE",
    "Column",
    "SheetWriter",
    "Styled",
    "change_format",
    "decimals_format",
    "figure_format",
    "sheet_title",
    "target_format",
    "workbook_document",
]

TITLE_ROW: Final = 1
SUBTITLE_ROW: Final = 2
HEADER_ROW: Final = 3
FIRST_ROW: Final = 4

SCORE: Final = "0.00"
WHOLE: Final = "0"
COEFFICIENT: Final = "0.0000"
MONEY: Final = '"¥"#,##0.00;-"¥"#,##0.00'

_TITLE_FONT = Font(name="黑体", bold=True, size=16)
_SUBTITLE_FONT = Font(size=10)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="808080")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOTAL_RULE = Border(left=_THIN, right=_THIN, top=Side(style="medium"), bottom=_THIN)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_WRAP = Alignment(wrap_text=True, vertical="center")
_MIDDLE = Alignment(vertical="center")
_MAX_SHEET_TITLE = 31
_LINE = 14.0  # points per line of 10–11 pt text


@dataclass(frozen=True)
class Styled:
    """A cell value with a number format of its own (a figure whose unit differs row by row)."""

    value: Any
    number_format: str


# --- number formats ------------------------------------------------------------------------


def decimals_format(decimals: int) -> str:
    """``0``, ``0.0``, ``0.00`` … for ``decimals`` places."""
    return "0" if decimals <= 0 else "0." + "0" * decimals


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "") + '"' if text else ""


def figure_format(unit: str, decimals: int) -> str:
    """A figure in its unit as a number format: ``0.00"%"`` for a rate in %, ``0.00"‰"`` for
    one in ‰, ``0"人"`` for a count of people; plain decimals when the unit is blank."""
    return decimals_format(decimals) + _quoted(unit.strip())


def target_format(unit: str, decimals: int, direction: str) -> str:
    """A target with its direction: ``"≥"0.00"%"`` (higher is better) or ``"≤"0.00"‰"``."""
    sign = "≤" if direction == "lower" else "≥" if direction == "higher" else ""
    return _quoted(sign) + figure_format(unit, decimals)


def change_format(unit: str, decimals: int) -> str:
    """A change from last year with its sign: ``+0.50"‰"``, ``-1.20"%"``, ``0.00"%"``."""
    body = figure_format(unit, decimals)
    return f"+{body};-{body};{body}"


# --- cells -----------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, Styled):
        value = value.value
    if isinstance(value, str):
        # openpyxl refuses control characters, and would store "=…" as a formula.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def sheet_title(name: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")
    return cleaned[:_MAX_SHEET_TITLE] or "Sheet"


def _footer_text(text: str) -> str:
    # "&" starts a header/footer code: a literal one is doubled.
    return text.replace("&", "&&")


class SheetWriter:
    """Writes one formatted sheet: :meth:`row` for each row of the table, :meth:`total` for a
    totals row, :meth:`note` for the lines under it, then :meth:`finish` for the printed page.

    ``frozen_columns``: how many columns on the left stay in view when scrolling sideways (the
    ones that say which unit a row is about); ``pages``: the footer's page number, with Excel's
    codes ``&P`` (this page) and ``&N`` (pages in all); ``footer``: a line at its left.
    """

    def __init__(
        self,
        sheet: Worksheet,
        columns: Sequence[Column],
        *,
        title: str,
        subtitle: str,
        footer: str = "",
        pages: str = "&P / &N",
        frozen_columns: int = 0,
    ) -> None:
        self.sheet = sheet
        self.columns = tuple(columns)
        self.width = len(self.columns)
        self.footer = footer
        self.pages = pages
        self.next_row = FIRST_ROW
        self.last_table_row = HEADER_ROW
        self.total_rows: list[int] = []
        for index, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        self._merged_line(TITLE_ROW, title, _TITLE_FONT, _CENTRE, height=32)
        self._merged_line(
            SUBTITLE_ROW, subtitle, _SUBTITLE_FONT, _LEFT, height=self._height_for(subtitle)
        )
        for index, column in enumerate(self.columns, start=1):
            cell = sheet.cell(HEADER_ROW, index, _value(str(column.header)))
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.border = _GRID
            cell.alignment = _CENTRE
        sheet.row_dimensions[HEADER_ROW].height = 30
        sheet.freeze_panes = sheet.cell(FIRST_ROW, frozen_columns + 1).coordinate

    def _merged_line(
        self, row: int, text: str, font: Font, alignment: Alignment, height: float
    ) -> None:
        cell = self.sheet.cell(row, 1, _value(text))
        cell.font = font
        cell.alignment = alignment
        if self.width > 1:
            self.sheet.merge_cells(
                start_row=row, start_column=1, end_row=row, end_column=self.width
            )
        self.sheet.row_dimensions[row].height = height

    def row(self, cells: Sequence[Any]) -> int:
        """A row of the table (cells left to right; missing ones blank); its row number."""
        if len(cells) > self.width:
            raise ValueError(f"{len(cells)} cells for {self.width} columns")
        row = self.next_row
        padded = [*cells, *([None] * (self.width - len(cells)))]
        for index, (column, value) in enumerate(zip(self.columns, padded, strict=True), start=1):
            cell = self.sheet.cell(row, index, _value(value))
            if isinstance(value, Styled):
                cell.number_format = value.number_format
            elif _is_number(value):
                cell.number_format = column.number_format
            cell.alignment = _WRAP if column.wrap else _MIDDLE
            cell.border = _GRID
        lines = max(
            (
                self._lines(str(value), column.width)
                for column, value in zip(self.columns, padded, strict=True)
                if column.wrap and isinstance(value, str) and value
            ),
            default=1,
        )
        if lines > 1:
            # Excel and LibreOffice do not always grow a row to fit wrapped text on opening.
            self.sheet.row_dimensions[row].height = _LINE * lines + 4
        self.next_row += 1
        self.last_table_row = row
        return row

    def total(self, cells: Sequence[Any]) -> int:
        """A totals row (合计, 小计, 全镇): bold on light grey with a heavier rule above."""
        row = self.row(cells)
        for index in range(1, self.width + 1):
            cell = self.sheet.cell(row, index)
            cell.font = _BOLD
            cell.fill = _TOTAL_FILL
            cell.border = _TOTAL_RULE
        self.total_rows.append(row)
        return row

    def note(self, text: str) -> int:
        """A line of text under the table, merged across it (how the totals are made, what a
        mark means); the first note leaves a blank row after the table."""
        if self.next_row == self.last_table_row + 1:
            self.next_row += 1
        row = self.next_row
        self._merged_line(row, text, Font(size=10), _LEFT, height=self._height_for(text))
        self.next_row += 1
        return row

    @staticmethod
    def _lines(text: str, width: float) -> int:
        """How many lines ``text`` takes in a column ``width`` units wide (a Chinese character
        is about two units, a Latin one)."""
        units = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
        return max(1, math.ceil(units / max(width * 0.9, 1.0)))

    def _height_for(self, text: str) -> float:
        """A merged row's height (points) that shows all of ``text``: Excel does not grow a
        merged row by itself."""
        return _LINE * self._lines(text, sum(c.width for c in self.columns)) + 4

    def finish(self) -> None:
        """The printed page: A4 landscape, one page wide, the header repeated on every page,
        the page number in the footer, the table and its notes as the print area."""
        sheet = self.sheet
        setup = sheet.page_setup
        setup.orientation = "landscape"
        setup.paperSize = sheet.PAPERSIZE_A4
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.7)
        sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        last = max(self.next_row - 1, HEADER_ROW)
        sheet.print_area = f"A1:{get_column_letter(self.width)}{last}"
        sheet.oddFooter.center.text = self.pages
        if self.footer:
            sheet.oddFooter.left.text = _footer_text(self.footer)


def workbook_document(workbook: Workbook, filename: str, title: str) -> Document:
    """The finished workbook as a :class:`~kaohe.documents.base.Document`."""
    workbook.properties.title = title
    workbook.properties.creator = "Kaohe"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Document(filename=filename, content_type=XLSX, content=buffer.getvalue())
