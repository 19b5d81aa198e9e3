"""Result tables as downloads: the ranking and the item-by-item explanations, as CSV and XLSX.

The views decide which rows a user may see (through :func:`kaohe.core.access.restrict`) and
hand the querysets here; this module only turns rows into files. CSV streams a row at a time;
an XLSX workbook is written in openpyxl's write-only mode, rows read from the database in
batches, and sent from a temporary file.

Every text cell that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or
a carriage return) gets a leading apostrophe. Numbers are written as numbers and left alone: a
negative score is a number, not a formula.
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kaohe.orgunits.models import UnitKind

from .models import AssessmentRun, ItemResult, UnitResult

Cell = str | int | float | Decimal | None

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 2000

MONEY_LIKE = "0.00"  # totals, weights and scores: always two decimals
WHOLE = "0"
GENERAL = "General"


def neutralise(value: str) -> str:
    """``value`` made safe to open in a spreadsheet: a formula-like text gets a leading '."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class Column:
    header: str | Promise
    width: float
    number_format: str = GENERAL
    wrap: bool = False


@dataclass(frozen=True)
class Table:
    """A titled table: its columns, and its rows (an iterator, read once)."""

    title: str
    sheet: str
    filename: str  # without the extension
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]


# --- the two tables ------------------------------------------------------------------------

RANKING_COLUMNS = (
    Column(gettext_lazy("类型"), 10),
    Column(gettext_lazy("名次"), 7, WHOLE),
    Column(gettext_lazy("代码"), 12),
    Column(gettext_lazy("单位"), 22),
    Column(gettext_lazy("总分"), 9, MONEY_LIKE),
    Column(gettext_lazy("等次"), 10),
    Column(gettext_lazy("一票否决"), 9),
    Column(gettext_lazy("否决项"), 28, wrap=True),
    Column(gettext_lazy("待核实"), 28, wrap=True),
)

ITEM_COLUMNS = (
    Column(gettext_lazy("代码"), 12),
    Column(gettext_lazy("单位"), 20),
    Column(gettext_lazy("项目代码"), 14),
    Column(gettext_lazy("考核项目"), 24),
    Column(gettext_lazy("分值"), 8, MONEY_LIKE),
    Column(gettext_lazy("实际值"), 10),
    Column(gettext_lazy("目标值"), 10),
    Column(gettext_lazy("得分"), 8, MONEY_LIKE),
    Column(gettext_lazy("标记"), 10),
    Column(gettext_lazy("说明"), 80, wrap=True),
)


INDICATOR_COLUMNS = (
    Column(gettext_lazy("指标代码"), 16),
    Column(gettext_lazy("指标"), 28),
    Column(gettext_lazy("实际值"), 10, MONEY_LIKE),
    Column(gettext_lazy("单位"), 6),
    Column(gettext_lazy("目标"), 10),
    Column(gettext_lazy("完成情况"), 10),
)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _title(run: AssessmentRun, what: str) -> str:
    at = timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")
    return " · ".join(
        [run.scheme.name, run.period_code, what, str(run.get_status_display()), at, f"#{run.pk}"]
    )


def _stem(run: AssessmentRun, what: str) -> str:
    return f"{what}-{run.scheme.code}-{run.period_code}-run{run.pk}"


def ranking_table(run: AssessmentRun, results: QuerySet[UnitResult]) -> Table:
    """The ranking of the units in ``results`` (already restricted to what the user may see):
    kind, rank, unit, total, grade and veto marks, in ranking order."""
    english = _english()
    vetoes = {v.code: (v.name_en or v.name) if english else v.name for v in run.scheme.vetoes.all()}
    # Translated now: a CSV is streamed after the view has returned.
    kinds = {kind: str(label) for kind, label in UnitKind.choices}
    vetoed = _("被否决")

    def rows() -> Iterator[list[Cell]]:
        ordered = results.select_related("unit").order_by("kind", "rank", "unit__path")
        for r in ordered.iterator(chunk_size=_BATCH):
            yield [
                kinds.get(r.kind, r.kind),
                r.rank,
                r.unit.code,
                r.unit.name,
                r.total,
                r.grade_name,
                vetoed if r.vetoed else "",
                "、".join(vetoes.get(code, code) for code in r.vetoes),
                "; ".join(str(flag) for flag in r.flags),
            ]

    return Table(
        title=_title(run, _("考核结果")),
        sheet=_("考核结果"),
        filename=_stem(run, "ranking"),
        columns=RANKING_COLUMNS,
        rows=rows(),
    )


def items_table(run: AssessmentRun, items: QuerySet[ItemResult]) -> Table:
    """Every item of the units in ``items`` (already restricted): weight, figures, score and
    the explanation in the reader's language, unit by unit in ranking order."""
    english = _english()

    def rows() -> Iterator[list[Cell]]:
        ordered = items.select_related("unit_result__unit").order_by(
            "unit_result__kind", "unit_result__rank", "unit_result__unit__path", "sort_order"
        )
        for item in ordered.iterator(chunk_size=_BATCH):
            unit = item.unit_result.unit
            yield [
                unit.code,
                unit.name,
                item.item_code,
                item.item_name,
                item.weight,
                item.actual,
                item.target,
                item.score,
                item.flag,
                item.explanation_en if english else item.explanation_zh,
            ]

    return Table(
        title=_title(run, _("项目得分")),
        sheet=_("项目得分"),
        filename=_stem(run, "items"),
        columns=ITEM_COLUMNS,
        rows=rows(),
    )


def indicators_table(run: AssessmentRun, values: Iterable[Any]) -> Table:
    """The area's indicators against their targets (``values`` from
    :func:`kaohe.assessments.selectors.area_indicators`, for a user who sees the whole run)."""
    english = _english()
    met, not_met = _("完成"), _("未完成")

    def rows() -> Iterator[list[Cell]]:
        for v in values:
            target = ""
            if v.target is not None:
                sign = "≤" if v.direction == "lower" else "≥"
                target = f"{sign}{v.target:g}"
            state = "" if v.met is None else (met if v.met else not_met)
            name = (v.name_en or v.name) if english else v.name
            yield [
                v.indicator_code,
                name or v.indicator_code,
                v.value,
                v.unit_label or "",
                target,
                state,
            ]

    return Table(
        title=_title(run, _("全镇指标")),
        sheet=_("全镇指标"),
        filename=_stem(run, "indicators"),
        columns=INDICATOR_COLUMNS,
        rows=rows(),
    )


# --- CSV -----------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return neutralise(value)


def csv_lines(table: Table) -> Iterator[str]:
    """The CSV text of ``table``, a line at a time: a byte-order mark (so that spreadsheets
    read UTF-8), the header, the rows. No title line: a CSV file is for machines too."""
    header = [neutralise(str(c.header)) for c in table.columns]  # in the request's language
    return _csv_lines(header, table.rows)


def _csv_lines(header: list[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_csv_text(value) for value in row])


def csv_response(table: Table) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{table.filename}.csv"
    )
    return response


# --- XLSX ----------------------------------------------------------------------------------

_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, str):
        # openpyxl refuses control characters, and would store "=…" as a formula.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_xlsx(table: Table, target: Any) -> int:
    """Write ``table`` as a one-sheet workbook to ``target`` (a path or a binary file): a title
    row, a bold header row frozen above the data, column widths, number formats and a
    filter. Returns the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_name(table.sheet))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A3"  # the title and the header stay in view

    title = WriteOnlyCell(sheet, value=_xlsx_value(table.title))
    title.font = _TITLE_FONT
    sheet.append([title])
    headers = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(str(column.header)))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        headers.append(cell)
    sheet.append(headers)

    formats: list[Callable[[Cell], WriteOnlyCell]] = [_cell_maker(sheet, c) for c in table.columns]
    count = 0
    for row in table.rows:
        sheet.append([make(value) for make, value in zip(formats, row, strict=True)])
        count += 1
    last = get_column_letter(len(table.columns))
    sheet.auto_filter.ref = f"A2:{last}{count + 2}"
    workbook.save(target)
    return count


def _cell_maker(sheet: Any, column: Column) -> Callable[[Cell], WriteOnlyCell]:
    def make(value: Cell) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
        if isinstance(value, int | float | Decimal):
            cell.number_format = column.number_format
        cell.alignment = _WRAP if column.wrap else _TOP
        return cell

    return make


def _sheet_name(name: str) -> str:
    # Excel's limits: 31 characters, none of []:*?/\
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)
    return cleaned[:31] or "Sheet"


def xlsx_response(table: Table) -> FileResponse:
    """The workbook of ``table`` as a download, sent from a temporary file (rows are read in
    batches and written as they come, so a county's explanations never sit in memory)."""
    spool = tempfile.TemporaryFile()
    write_xlsx(table, spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{table.filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
