"""Reading a file of cross-check figures: CSV or Excel (.xlsx), one figure per row.

Nothing here writes or looks anything up: :func:`read_rows` turns the file into
:class:`RawRow` (text, stripped) and problems about the file itself;
:func:`kaohe.checks.services.do_import_source_values` checks each row and writes all of them,
or none.

The first non-empty row is the header. Its columns, in any order, are ``source``, ``element``,
``period``, ``unit``, ``value`` and, optionally, ``comment`` (the Chinese headers 来源, 数据元素,
期间, 单位, 值 and 备注 are read as the same); other columns (a unit's name, say) are ignored.
Row numbers are those a person sees: the line in a CSV file (the header is line 1), the row in
the workbook's first sheet. A CSV file is read as UTF-8 (with or without a byte-order mark),
else as GBK (GB18030), which is what Excel writes on a Chinese Windows.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

from django.utils.translation import gettext as _

from kaohe.datavalues.importing import ImportProblem

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "REQUIRED",
    "ParsedRows",
    "RawRow",
    "read_rows",
]

#: The columns, each with the headers that name it.
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "source": ("source", "来源", "来源代码"),
    "element": ("element", "dataelement", "数据元素", "数据元素代码"),
    "period": ("period", "期间", "期间代码"),
    "unit": ("unit", "orgunit", "单位", "单位代码"),
    "value": ("value", "值", "数值"),
    "comment": ("comment", "备注"),
}
REQUIRED: Final = ("source", "element", "period", "unit", "value")
MAX_ROWS: Final = 100_000
_XLSX_MAGIC: Final = b"PK\x03\x04"
_HEADER_NAMES: Final = {name.lower(): column for column, names in COLUMNS.items() for name in names}


@dataclass(slots=True)
class RawRow:
    """One row as it stands in the file; ``comment`` None where the file has no such column."""

    row: int
    source: str
    element: str
    period: str
    unit: str
    value: str
    comment: str | None


@dataclass
class ParsedRows:
    fmt: str
    encoding: str = ""
    rows: list[RawRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        """Whether the file as a whole could not be read."""
        return any(p.row is None for p in self.problems)


def _file_problem(reason: str) -> ImportProblem:
    return ImportProblem(None, "", "", reason)


def _header(cells: list[str], parsed: ParsedRows) -> dict[str, int] | None:
    """Column name → position, or None (with a problem) when a required one is missing."""
    positions: dict[str, int] = {}
    for i, cell in enumerate(cells):
        column = _HEADER_NAMES.get(cell.strip().lower())
        if column is not None and column not in positions:
            positions[column] = i
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        parsed.problems.append(
            _file_problem(
                _(
                    "表头缺少列：{missing}；第一行须为 source, element, period, unit, value[, "
                    "comment] / the header lacks {missing}; the first row must be source, element, "
                    "period, unit, value[, comment]"
                ).format(missing=", ".join(missing))
            )
        )
        return None
    return positions


def _take(cells: list[str], row: int, positions: dict[str, int]) -> RawRow:
    def cell(name: str) -> str:
        i = positions[name]
        return cells[i].strip() if i < len(cells) else ""

    comment = None
    if "comment" in positions:
        comment = cell("comment")
    return RawRow(
        row=row,
        source=cell("source"),
        element=cell("element"),
        period=cell("period"),
        unit=cell("unit"),
        value=cell("value"),
        comment=comment,
    )


def _rows(records: Iterator[tuple[int, list[str]]], parsed: ParsedRows) -> None:
    """Header first, then the rows; blank rows are skipped."""
    positions: dict[str, int] | None = None
    for row, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if positions is None:
            positions = _header(cells, parsed)
            if positions is None:
                return
            continue
        if len(parsed.rows) >= MAX_ROWS:
            parsed.problems.append(
                _file_problem(
                    _("一次最多导入 {n} 行 / at most {n} rows can be imported at once").format(
                        n=MAX_ROWS
                    )
                )
            )
            return
        parsed.rows.append(_take(cells, row, positions))
    if positions is None:
        parsed.problems.append(_file_problem(_("文件是空的 / the file is empty")))


# --- CSV -------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str] | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        return None


def _csv_records(text: str, parsed: ParsedRows) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    line_end = 0
    try:
        for cells in reader:
            row = line_end + 1  # the line the record starts on (a quoted field may span lines)
            line_end = reader.line_num
            yield row, cells
    except csv.Error as error:
        parsed.problems.append(
            _file_problem(
                _("第 {line} 行无法按 CSV 读取 / line {line} is not valid CSV: {error}").format(
                    line=reader.line_num, error=error
                )
            )
        )


# --- Excel -----------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A cell as the text a person typed: 3 not 3.0, no exponent for ordinary numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _xlsx_records(data: bytes, parsed: ParsedRows) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        parsed.problems.append(
            _file_problem(
                _("无法按 Excel 工作簿（.xlsx）读取 / cannot be read as an Excel workbook (.xlsx)")
            )
        )
        return
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def read_rows(data: bytes, *, filename: str = "") -> ParsedRows:
    """The rows of a CSV or .xlsx file (told apart by content, then by name)."""
    lower = filename.lower()
    if data.startswith(_XLSX_MAGIC) or lower.endswith((".xlsx", ".xlsm")):
        parsed = ParsedRows(fmt="xlsx")
        _rows(_xlsx_records(data, parsed), parsed)
        return parsed
    parsed = ParsedRows(fmt="csv")
    decoded = _decode(data)
    if decoded is None:
        parsed.problems.append(
            _file_problem(
                _("文件既不是 UTF-8 也不是 GBK 编码 / the file is neither UTF-8 nor GBK text")
            )
        )
        return parsed
    text, parsed.encoding = decoded
    _rows(_csv_records(text, parsed), parsed)
    return parsed
