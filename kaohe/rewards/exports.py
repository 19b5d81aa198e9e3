"""The finance table (奖惩兑现表) as .xlsx, and the veto consequences list as .xlsx or CSV.

The finance table is one sheet of entries (title row, a frozen header row, one row per entry,
a totals row that is the sum of the amounts above it) and one sheet of totals by unit, by
person and by kind, each section ending in its own totals row; amounts are numbers with two
decimals, the page set to A4 landscape, the header repeated on every printed page. Text cells
a spreadsheet would run as a formula are neutralised (:func:`kaohe.assessments.exports.neutralise`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.assessments.exports import Column, Table, neutralise
from kaohe.assessments.models import AssessmentRun

from .models import EntryStatus, LedgerEntry, MoneyKind
from .selectors import Total, Totals, VetoRow, role_label, veto_lines

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT = "0.00"

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_TOP_RULE = Border(top=Side(style="thin"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")

ENTRY_COLUMNS = (
    Column(gettext_lazy("编号"), 8),
    Column(gettext_lazy("单位代码"), 11),
    Column(gettext_lazy("单位"), 16),
    Column(gettext_lazy("责任人"), 12),
    Column(gettext_lazy("身份"), 12),
    Column(gettext_lazy("类别"), 14),
    Column(gettext_lazy("规则"), 12),
    Column(gettext_lazy("金额（元）"), 13, AMOUNT),
    Column(gettext_lazy("状态"), 9),
    Column(gettext_lazy("兑现日期"), 11),
    Column(gettext_lazy("凭证号"), 12),
    Column(gettext_lazy("说明"), 60, wrap=True),
)
AMOUNT_COLUMN = 8  # 1-based: the amount in ENTRY_COLUMNS

TOTAL_COLUMNS = (
    Column(gettext_lazy("汇总"), 30),
    Column(gettext_lazy("笔数"), 8, "0"),
    Column(gettext_lazy("应兑现合计（元）"), 16, AMOUNT),
    Column(gettext_lazy("已兑现（元）"), 14, AMOUNT),
    Column(gettext_lazy("未兑现（元）"), 14, AMOUNT),
)

VETO_COLUMNS = (
    Column(gettext_lazy("单位代码"), 11),
    Column(gettext_lazy("单位"), 16),
    Column(gettext_lazy("责任人代码"), 14),
    Column(gettext_lazy("责任人"), 12),
    Column(gettext_lazy("身份"), 12),
    Column(gettext_lazy("否决项"), 24, wrap=True),
    Column(gettext_lazy("后果"), 40, wrap=True),
    Column(gettext_lazy("适用年度"), 9, "0"),
    Column(gettext_lazy("备注"), 16),
)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def run_title(run: AssessmentRun, what: str) -> str:
    published = (
        timezone.localtime(run.published_at).strftime("%Y-%m-%d") if run.published_at else "—"
    )
    return _("{scheme} {period} {what}（第 {id} 次计算，{published} 发布）").format(
        scheme=run.scheme.name, period=run.period_code, what=what, id=run.pk, published=published
    )


def stem(run: AssessmentRun, what: str) -> str:
    return f"{what}-{run.scheme.code}-{run.period_code}-run{run.pk}"


def entry_cells(entry: LedgerEntry) -> list[Any]:
    """One entry as the cells of :data:`ENTRY_COLUMNS`."""
    kinds = dict(MoneyKind.choices)
    statuses = dict(EntryStatus.choices)
    return [
        entry.pk,
        entry.unit.code,
        entry.unit.name,
        entry.person.name if entry.person else "",
        role_label(entry.role),
        str(kinds.get(entry.kind, entry.kind)),
        entry.rule,
        entry.amount,
        str(statuses.get(entry.status, entry.status)),
        entry.paid_on.isoformat() if entry.paid_on else "",
        entry.voucher,
        (entry.explanation_en or entry.explanation_zh) if _english() else entry.explanation_zh,
    ]


def _setup(sheet: Worksheet, title: str, columns: Sequence[Column]) -> None:
    """Title row, header row (frozen, repeated on printed pages), widths, A4 landscape."""
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_text(title)])
    sheet.cell(row=1, column=1).font = _TITLE
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet.append([_text(str(c.header)) for c in columns])
    for index in range(1, len(columns) + 1):
        cell = sheet.cell(row=2, column=index)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _row(sheet: Worksheet, cells: Sequence[Any], columns: Sequence[Column]) -> int:
    sheet.append([_text(value) for value in cells])
    row = sheet.max_row
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=index)
        if isinstance(cell.value, int | float | Decimal):
            cell.number_format = column.number_format
        cell.alignment = _WRAP if column.wrap else _TOP
    return row


def _total_row(sheet: Worksheet, cells: Sequence[Any], columns: Sequence[Column]) -> None:
    row = _row(sheet, cells, columns)
    for index in range(1, len(columns) + 1):
        cell = sheet.cell(row=row, column=index)
        cell.font = _BOLD
        cell.fill = _TOTAL_FILL
        cell.border = _TOP_RULE


def _total_cells(total: Total) -> list[Any]:
    return [total.label, total.count, total.net, total.settled, total.outstanding]


def finance_workbook(run: AssessmentRun, entries: Iterable[LedgerEntry], sums: Totals) -> bytes:
    """The finance table of ``entries`` (already narrowed to what the user may see), with
    ``sums`` their totals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("奖惩兑现表")[:31]
    _setup(sheet, run_title(run, _("奖惩兑现表")), ENTRY_COLUMNS)
    total = Decimal("0.00")
    for entry in entries:
        _row(sheet, entry_cells(entry), ENTRY_COLUMNS)
        total += entry.amount
    blank: list[Any] = [""] * len(ENTRY_COLUMNS)
    blank[0], blank[AMOUNT_COLUMN - 1] = _("合计"), total
    _total_row(sheet, blank, ENTRY_COLUMNS)

    summary = workbook.create_sheet(_("汇总")[:31])
    _setup(summary, run_title(run, _("奖惩兑现汇总")), TOTAL_COLUMNS)
    for heading, group in ((_("按单位"), "unit"), (_("按责任人"), "person"), (_("按类别"), "kind")):
        _row(summary, [heading], TOTAL_COLUMNS)
        summary.cell(row=summary.max_row, column=1).font = _BOLD
        for row in sums.of(group):
            _row(summary, _total_cells(row), TOTAL_COLUMNS)
        _total_row(summary, _total_cells(sums.all), TOTAL_COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def veto_table(run: AssessmentRun, rows: Iterable[VetoRow]) -> Table:
    """The veto consequences list as a table (for :mod:`kaohe.assessments.exports`'s CSV and
    XLSX writers)."""
    return Table(
        title=run_title(run, _("一票否决后果名单")),
        sheet=_("否决后果"),
        filename=stem(run, "veto-consequences"),
        columns=VETO_COLUMNS,
        rows=veto_lines(rows),
    )
