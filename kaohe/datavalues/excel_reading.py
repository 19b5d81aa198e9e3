"""Reading a filled-in Kaohe workbook back into raw values, each problem at its sheet and cell.

Nothing here writes. The workbook is opened twice: once for the formulas (to know which cells
hold one) and once for the values Excel or WPS computed and saved with them. Cells map back
to (element, period, unit) through the hidden codes, which must be exactly those the hidden
``_kaohe`` sheet lists, so that a sheet whose codes were edited or deleted is refused rather
than read into the wrong places. Each value cell becomes a :class:`RawValue` for
:func:`kaohe.datavalues.importing.validate_values`, the import's own checks.

How cells are read:

* empty (or only spaces): skipped, not a value; it does not delete a stored value;
* a number: as saved (full precision); a percentage element's cell formatted as a percentage
  (``92.5%``, which Excel stores as 0.925) counts as what it shows, 92.5;
* text: full-width characters (``１２``, ``９２．５``) and the ideographic space are read as their
  ordinary counterparts, and a note says how many cells were; a trailing ``%`` is dropped for
  a percentage element; anything else (``12人``, ``三``) goes to the import's check as it is
  and is refused there as not a number;
* a formula: its saved result; without one (the file was written by a program, not saved by
  Excel) it is a problem; the 合计 column is never read;
* a date, a time, or an error such as ``#DIV/0!``: a problem;
* merged cells that cover value cells: a problem naming the range.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Final

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.elements.models import DataSet
from kaohe.engine.spec import ValueType

from .excel_format import (
    CODE_COL,
    CODE_ROW,
    FIRST_DATA_ROW,
    FIRST_VALUE_COL,
    MARKER,
    META_SHEET,
    NAME_COL,
    UNIT_COL,
    CellProblem,
    Manifest,
    ManifestError,
    TemplateError,
    dataset_elements,
    read_manifest,
    template_periods,
)
from .importing import ImportProblem, RawValue, format_value

__all__ = ["ParsedUpload", "UploadCell", "read_workbook"]

# Full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space, as Chinese input methods
# type them in full-width mode, mapped to their ordinary counterparts.
_FULL_WIDTH: Final = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SHOWN_VALUE: Final = 100
_ERROR: Final = "e"
_FORMULA: Final = "f"
_BOOL: Final = "b"
# How far down a sheet that lost its codes is searched for our header (it may have moved).
_HEADER_SEARCH_ROWS: Final = 10


@dataclass(frozen=True)
class UploadCell:
    """Where a raw value came from: the sheet, the cell, and what the cell shows."""

    sheet: str
    cell: str
    row: int
    column: str
    shown: str


@dataclass
class ParsedUpload:
    """What :func:`kaohe.datavalues.excel.read_upload` made of an uploaded file.

    ``rows[i]`` came from ``cells[i]`` (``RawValue.row`` is ``i + 1``). ``refused`` means the
    file as a whole cannot be used (not our workbook, encrypted, .xls…): ``problems`` says
    why and ``rows`` is empty. Otherwise ``problems`` holds what is wrong with sheets and
    cells, and the values still need :func:`~kaohe.datavalues.importing.validate_values`.
    ``notes`` are things worth telling that are not problems (a sheet ignored…).
    """

    fmt: str
    encoding_used: str = ""
    dataset_code: str = ""
    period_code: str = ""
    rows: list[RawValue] = field(default_factory=list)
    cells: list[UploadCell] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unit_sheets: dict[str, str] = field(default_factory=dict)  # unit code → sheet title
    sheet_order: dict[str, int] = field(default_factory=dict)
    refused: bool = False

    def refuse(self, reason: str) -> ParsedUpload:
        """Refuse the whole file for ``reason`` (bilingual); returns self."""
        self.problems.append(ImportProblem(None, "", "", reason))
        self.refused = True
        self.rows.clear()
        self.cells.clear()
        return self

    def add(self, cell: UploadCell, value: RawValue) -> None:
        value.row = len(self.rows) + 1
        self.rows.append(value)
        self.cells.append(cell)

    def locate(self, problem: ImportProblem) -> ImportProblem:
        """A problem of :func:`validate_values` (row = position in ``rows``) at its cell."""
        if problem.row is None or not 1 <= problem.row <= len(self.cells):
            return problem
        where = self.cells[problem.row - 1]
        reason = problem.reason
        # The import names the code in a separate field; a cell problem must say it itself.
        if problem.column != "value" and problem.value and problem.value not in reason:
            reason = f"{reason}（{problem.value}）"
        return CellProblem(
            where.row, where.column, where.shown, reason, sheet=where.sheet, cell=where.cell
        )

    def problem_order(self, problem: ImportProblem) -> tuple[int, int, int]:
        """Sheet order, then row, then column; file problems first."""
        sheet = getattr(problem, "sheet", "")
        if not sheet:
            return (-1, 0, 0)
        column = column_index_from_string(problem.column) if problem.column else 0
        return (self.sheet_order.get(sheet, len(self.sheet_order)), problem.row or 0, column)


def _shown(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date | time) else str(value)
    return text if len(text) <= _SHOWN_VALUE else text[:_SHOWN_VALUE] + "…"


def _code(value: object) -> str:
    return "" if value is None else str(value).strip()


class _CellFault(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Counts:
    full_width: int = 0
    formulas: int = 0
    percent_format: int = 0


class _Reader:
    """Reads the unit sheets of one workbook against its manifest."""

    def __init__(
        self,
        parsed: ParsedUpload,
        manifest: Manifest,
        formulas: Workbook,
        values: Workbook,
        in_dataset: set[str],
        value_types: dict[str, str],
    ) -> None:
        self.parsed = parsed
        self.manifest = manifest
        self.formulas = formulas
        self.values = values
        self.in_dataset = in_dataset
        self.value_types = value_types
        self.counts = _Counts()
        self.last_row = FIRST_DATA_ROW + len(manifest.elements) - 1
        self.last_col = FIRST_VALUE_COL + len(manifest.periods) - 1

    def problem(
        self, ws: Worksheet, row: int | None, col: int | None, value: object, reason: str
    ) -> None:
        letter = get_column_letter(col) if col else ""
        cell = f"{letter}{row}" if row and col else ""
        self.parsed.problems.append(
            CellProblem(row, letter, _shown(value), reason, sheet=ws.title, cell=cell)
        )

    # --- sheets ----------------------------------------------------------------------------

    def read(self) -> None:
        for chart in self.formulas.chartsheets:
            self._note_ignored(chart.title)
        for ws in self.formulas.worksheets:
            if ws.title == META_SHEET:
                continue
            self.parsed.sheet_order[ws.title] = len(self.parsed.sheet_order)
            self._read_sheet(ws)
        missing = [
            f"{title}（{unit}）"
            for unit, title in self.manifest.sheets.items()
            if unit not in self.parsed.unit_sheets
        ]
        if missing:
            self.parsed.notes.append(
                _(
                    "模板中的工作表 {sheets} 不在文件中，未导入 / the template's sheet(s) {sheets} "
                    "are not in the file and were not imported"
                ).format(sheets="、".join(missing))
            )
        self._note_counts()

    def _note_ignored(self, title: str) -> None:
        self.parsed.notes.append(
            _(
                '已忽略工作表「{sheet}」：不是模板中的工作表 / ignored sheet "{sheet}": it is '
                "not part of the template"
            ).format(sheet=title)
        )

    def _looks_like_ours(self, ws: Worksheet) -> bool:
        if ws.title in self.manifest.titles:
            return True
        ours = {_("指标名称"), _("填写要求")}
        for row in ws.iter_rows(
            min_row=1, max_row=_HEADER_SEARCH_ROWS, max_col=NAME_COL + 2, values_only=True
        ):
            if any(_code(value) in ours for value in row):
                return True
        return False

    def _read_sheet(self, ws: Worksheet) -> None:
        if _code(ws.cell(CODE_ROW, CODE_COL).value) != MARKER:
            if self._looks_like_ours(ws):
                self.problem(
                    ws,
                    CODE_ROW,
                    CODE_COL,
                    ws.cell(CODE_ROW, CODE_COL).value,
                    _(
                        "这是模板的工作表，但隐藏的代码已被删除，无法确定数据归属，请重新下载模板"
                        "后填写 / this is a template sheet but its hidden codes were deleted, so "
                        "its values cannot be placed: download the template again and fill it in"
                    ),
                )
            else:
                self._note_ignored(ws.title)
            return
        unit = _code(ws.cell(CODE_ROW, UNIT_COL).value)
        written = {title: code for code, title in self.manifest.sheets.items()}.get(ws.title)
        if unit not in self.manifest.sheets or (written is not None and unit != written):
            self.problem(
                ws,
                CODE_ROW,
                UNIT_COL,
                unit,
                _(
                    "隐藏的单位代码已被修改或删除（应为 {code}），请重新下载模板 / the hidden unit "
                    "code was edited or deleted (expected {code}): download the template again"
                ).format(code=written or "?"),
            )
            return
        if unit in self.parsed.unit_sheets:
            self.problem(
                ws,
                None,
                None,
                "",
                _(
                    "与工作表「{other}」是同一单位（{unit}），可能是复制的工作表 / the same unit "
                    '({unit}) as sheet "{other}": was the sheet copied?'
                ).format(other=self.parsed.unit_sheets[unit], unit=unit),
            )
            return
        self.parsed.unit_sheets[unit] = ws.title
        if not self._codes_intact(ws):
            return
        skipped = self._merged_over_values(ws)
        self._read_values(ws, unit, skipped)

    def _codes_intact(self, ws: Worksheet) -> bool:
        """Whether the hidden element and period codes are exactly those written."""
        intact = True
        edited = _(
            "隐藏的{what}代码已被修改或删除（应为 {code}），表格结构可能被改动，请重新下载模板 / "
            "the hidden {what_en} code was edited or deleted (expected {code}); the sheet's "
            "structure may have been changed: download the template again"
        )
        for offset, code in enumerate(self.manifest.elements):
            row = FIRST_DATA_ROW + offset
            found = ws.cell(row, CODE_COL).value
            if _code(found) != code:
                intact = False
                self.problem(
                    ws,
                    row,
                    CODE_COL,
                    found,
                    edited.format(what=_("数据元素"), what_en="data element", code=code),
                )
        for offset, code in enumerate(self.manifest.periods):
            col = FIRST_VALUE_COL + offset
            found = ws.cell(CODE_ROW, col).value
            if _code(found) != code:
                intact = False
                self.problem(
                    ws,
                    CODE_ROW,
                    col,
                    found,
                    edited.format(what=_("期间"), what_en="period", code=code),
                )
        return intact

    def _merged_over_values(self, ws: Worksheet) -> set[tuple[int, int]]:
        """Report merged ranges that cover value cells; return the cells they cover."""
        covered: set[tuple[int, int]] = set()
        for merged in ws.merged_cells.ranges:
            if (
                merged.max_row < FIRST_DATA_ROW
                or merged.min_row > self.last_row
                or merged.max_col < FIRST_VALUE_COL
                or merged.min_col > self.last_col
            ):
                continue
            self.parsed.problems.append(
                CellProblem(
                    merged.min_row,
                    get_column_letter(merged.min_col),
                    _shown(ws.cell(merged.min_row, merged.min_col).value),
                    _(
                        "合并单元格 {range} 覆盖了填报单元格，请取消合并后分别填写 / the merged "
                        "cells {range} cover value cells: unmerge them and fill each cell in"
                    ).format(range=merged.coord),
                    sheet=ws.title,
                    cell=merged.coord,
                )
            )
            covered.update(merged.cells)
        return covered

    # --- cells -----------------------------------------------------------------------------

    def _value_cells(self) -> Iterator[tuple[int, int, str, str]]:
        for row_offset, element in enumerate(self.manifest.elements):
            for col_offset, period in enumerate(self.manifest.periods):
                yield (
                    FIRST_DATA_ROW + row_offset,
                    FIRST_VALUE_COL + col_offset,
                    element,
                    period,
                )

    def _read_values(self, ws: Worksheet, unit: str, skipped: set[tuple[int, int]]) -> None:
        computed = self.values[ws.title]
        for row, col, element, period in self._value_cells():
            if (row, col) in skipped:
                continue
            formula = ws.cell(row, col)
            saved = computed.cell(row, col)
            is_formula = formula.data_type == _FORMULA
            shown = _shown(formula.value if is_formula and saved.value is None else saved.value)
            try:
                text = self._cell_text(saved.value, saved.data_type, saved.number_format, element)
                if text is None and is_formula and saved.value is None:
                    raise _CellFault(
                        _(
                            "公式没有计算结果，请在 Excel 中保存后再上传 / the formula has no "
                            "computed value: save the file in Excel and upload again"
                        )
                    )
            except _CellFault as fault:
                self.problem(ws, row, col, shown, fault.reason)
                continue
            if text is None:
                continue
            if is_formula:
                self.counts.formulas += 1
            if element not in self.in_dataset:
                self.problem(
                    ws,
                    row,
                    col,
                    shown,
                    _(
                        "数据元素 {element} 已不在数据集 {dataset} 中，请重新下载模板 / data "
                        "element {element} is no longer in data set {dataset}: download the "
                        "template again"
                    ).format(element=element, dataset=self.manifest.dataset),
                )
                continue
            coordinate = f"{get_column_letter(col)}{row}"
            self.parsed.add(
                UploadCell(ws.title, coordinate, row, get_column_letter(col), shown),
                RawValue(row=0, element=element, period=period, unit=unit, value=text),
            )

    def _cell_text(
        self, value: object, data_type: str, number_format: str, element: str
    ) -> str | None:
        """What the import should check for a cell, ``None`` for an empty one."""
        percentage = self.value_types.get(element) == ValueType.PERCENTAGE.value
        if value is None:
            return None
        if data_type == _ERROR:
            raise _CellFault(
                _(
                    "单元格显示错误值 {error}，请改正公式或数值 / the cell shows the error {error}: "
                    "correct the formula or the value"
                ).format(error=value)
            )
        if data_type == _BOOL or isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime | date | time | timedelta):
            raise _CellFault(
                _(
                    "单元格是日期或时间，不是数值（可能被 Excel 自动转换），请将单元格格式设为"
                    "“常规”后重新填写 / the cell holds a date or time, not a number (Excel may "
                    'have converted it): set the cell format to "General" and enter the number '
                    "again"
                )
            )
        if isinstance(value, int | float | Decimal):
            # repr() is the shortest text that reads back as the same float, so 92.5 stays
            # 92.5 rather than 92.5000000000000001.
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if percentage and "%" in number_format:
                self.counts.percent_format += 1
                number *= 100
            return format_value(number)
        text = str(value)
        normal = text.translate(_FULL_WIDTH).strip()
        if not normal:
            return None
        if normal != text.strip():
            self.counts.full_width += 1
        if percentage and normal.endswith("%"):
            normal = normal[:-1].strip()
        return normal

    def _note_counts(self) -> None:
        notes = self.parsed.notes
        if self.counts.full_width:
            notes.append(
                _(
                    "{n} 个单元格含全角字符（如 １２），已按半角读取 / {n} cell(s) held full-width "
                    "characters (such as １２), read as ordinary ones"
                ).format(n=self.counts.full_width)
            )
        if self.counts.percent_format:
            notes.append(
                _(
                    "{n} 个百分比单元格设为了百分比格式，已按显示的数读取（92.5% 即 92.5） / {n} "
                    "percentage cell(s) were formatted as percentages and read as shown (92.5% "
                    "is 92.5)"
                ).format(n=self.counts.percent_format)
            )
        if self.counts.formulas:
            notes.append(
                _(
                    "{n} 个填报单元格是公式，已按保存的计算结果读取 / {n} value cell(s) held "
                    "formulas and were read as their saved results"
                ).format(n=self.counts.formulas)
            )


def _open(data: bytes) -> tuple[Workbook, Workbook]:
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (extensions, macros); they do not matter here.
        warnings.simplefilter("ignore")
        formulas = load_workbook(io.BytesIO(data), data_only=False)
        values = load_workbook(io.BytesIO(data), data_only=True)
    return formulas, values


def _not_ours() -> str:
    return _(
        "这不是考核系统生成的模板：请先下载该数据集的 Excel 模板，在模板中填写后上传 / this "
        "workbook was not made from a Kaohe template: download the data set's Excel template, "
        "fill it in and upload that"
    )


def read_workbook(data: bytes, *, fmt: str) -> ParsedUpload:
    """Read an .xlsx or .xlsm made from a template (``data`` is known to be an OOXML zip)."""
    parsed = ParsedUpload(fmt=fmt)
    try:
        formulas, values = _open(data)
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        return parsed.refuse(
            _(
                "文件已损坏或不是 Excel 工作簿，无法读取；请在 Excel 或 WPS 中打开后另存为 .xlsx "
                "再上传 / the file is damaged or not an Excel workbook: open it in Excel or WPS, "
                "save it as .xlsx and upload again"
            )
        )
    sheet_names = formulas.sheetnames
    if META_SHEET not in sheet_names:
        marked = any(
            _code(ws.cell(CODE_ROW, CODE_COL).value) == MARKER for ws in formulas.worksheets
        )
        if marked:
            return parsed.refuse(
                _(
                    "隐藏的模板信息（_kaohe 工作表）已丢失，可能是把工作表复制到了新文件；请重新下载"
                    "模板 / the hidden template information (sheet _kaohe) is missing, perhaps "
                    "because the sheets were copied into a new file: download the template again"
                )
            )
        return parsed.refuse(_not_ours())
    try:
        manifest = read_manifest(formulas[META_SHEET])
    except ManifestError as exc:
        return parsed.refuse(str(exc))
    parsed.dataset_code, parsed.period_code = manifest.dataset, manifest.period
    dataset = DataSet.objects.filter(code=manifest.dataset).first()
    if dataset is None:
        return parsed.refuse(
            _(
                "模板的数据集 {dataset} 已不存在 / the template's data set {dataset} no longer "
                "exists"
            ).format(dataset=manifest.dataset)
        )
    try:
        _outer, periods = template_periods(dataset, manifest.period)
    except TemplateError as exc:
        return parsed.refuse(str(exc))
    if tuple(p.code for p in periods) != manifest.periods:
        return parsed.refuse(
            _(
                "数据集 {dataset} 的报告周期已改变，此模板已过期，请重新下载 / the reporting "
                "periods of data set {dataset} have changed and this template is out of date: "
                "download it again"
            ).format(dataset=dataset.code)
        )
    elements = dataset_elements(dataset)
    _Reader(
        parsed,
        manifest,
        formulas,
        values,
        in_dataset={e.code for e in elements},
        value_types={e.code: e.value_type for e in elements},
    ).read()
    if not parsed.unit_sheets and not parsed.problems:
        return parsed.refuse(_not_ours())
    return parsed
