"""Writing the Excel template of a data set, a period and some units.

One sheet per unit, laid out as :mod:`kaohe.datavalues.excel_format` describes. Value cells are
unlocked, lightly filled and carry a data validation for their element's value type; every
other cell is locked and the sheet protected *without a password*: the protection keeps the
structure (and so the hidden codes) from being changed by accident, it keeps no secret, and a
clerk who removes it is still caught when the codes no longer match on upload. The workbook's
structure is protected the same way, so sheets cannot be added, renamed or unhidden by
accident.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.periods import Period
from kaohe.engine.spec import AggregationType, ValueType
from kaohe.orgunits.models import OrgUnit

from .excel_format import (
    CODE_COL,
    CODE_ROW,
    FIRST_DATA_ROW,
    FIRST_VALUE_COL,
    HEADER_ROW,
    HINT_COL,
    INFO_ROW,
    MARKER,
    META_SHEET,
    NAME_COL,
    NUMBER_COL,
    TITLE_ROW,
    UNIT_COL,
    Manifest,
    TemplateError,
    dataset_elements,
    period_heading,
    period_title,
    sheet_titles,
    template_periods,
    write_manifest,
)
from .importing import MAX_INTEGER_DIGITS, unit_closed_reason
from .models import DataValue

__all__ = ["build_template"]

INPUT_FILL: Final = PatternFill("solid", fgColor="FFF2CC")  # light yellow: fill me in
CLOSED_FILL: Final = PatternFill("solid", fgColor="D9D9D9")  # grey: the unit did not exist
HEADER_FILL: Final = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL: Final = PatternFill("solid", fgColor="E2EFDA")
_THIN: Final = Side(style="thin", color="808080")
BORDER: Final = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
UNLOCKED: Final = Protection(locked=False)
CENTRE: Final = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT: Final = Alignment(horizontal="left", vertical="center", wrap_text=True)
# The largest value the DataValue column holds, for the validation of plain numbers.
NUMBER_LIMIT: Final = str(10**MAX_INTEGER_DIGITS - 1)


@dataclass
class _Plan:
    """Everything the unit sheets of one template share."""

    dataset: DataSet
    outer: Period
    periods: list[Period]
    elements: list[DataElement]
    stored: dict[tuple[int, str, int], Decimal] = field(default_factory=dict)

    @property
    def grid(self) -> bool:
        return len(self.periods) > 1

    @property
    def last_value_col(self) -> int:
        return FIRST_VALUE_COL + len(self.periods) - 1

    @property
    def last_col(self) -> int:
        return self.last_value_col + (1 if self.grid else 0)

    @property
    def last_data_row(self) -> int:
        return FIRST_DATA_ROW + len(self.elements) - 1


def _hint(element: DataElement) -> str:
    return {
        ValueType.INTEGER.value: _("非负整数"),
        ValueType.NUMBER.value: _("数值"),
        ValueType.PERCENTAGE.value: _("0–100，不带 %"),
        ValueType.YES_NO.value: _("1＝是，0＝否"),
    }.get(element.value_type, _("数值"))


def _validation(value_type: str) -> DataValidation:
    """Excel's own check of a value cell, so that most mistakes are stopped while typing."""
    if value_type == ValueType.INTEGER.value:
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        message = _("请填写不小于 0 的整数")
    elif value_type == ValueType.PERCENTAGE.value:
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
        message = _("请填写 0 到 100 之间的数（不带 %）")
    elif value_type == ValueType.YES_NO.value:
        rule = DataValidation(type="list", formula1='"1,0"')
        message = _("请填写 1（是）或 0（否）")
    else:
        rule = DataValidation(
            type="decimal",
            operator="between",
            formula1=f"-{NUMBER_LIMIT}",
            formula2=NUMBER_LIMIT,
        )
        message = _("请填写数值")
    rule.allow_blank = True
    rule.showErrorMessage = True
    rule.errorStyle = "stop"
    rule.errorTitle = _("填写有误")
    rule.error = message
    return rule


def _stored_values(plan: _Plan, units: Sequence[OrgUnit]) -> dict[tuple[int, str, int], Decimal]:
    """The stored values the template shows, by (element id, period code, unit id)."""
    rows = DataValue.objects.filter(
        element__in=plan.elements,
        period__code__in=[p.code for p in plan.periods],
        unit__in=units,
    ).values_list("element_id", "period__code", "unit_id", "value")
    return {(element, period, unit): value for element, period, unit, value in rows}


def _cell_number(value: Decimal) -> int | Decimal:
    """A stored value as the cell should hold it: ``3`` rather than ``3.000000``."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def _style(cell: Cell, *, fill: PatternFill | None = None, bold: bool = False) -> None:
    cell.border = BORDER
    cell.alignment = CENTRE
    if fill is not None:
        cell.fill = fill
    if bold:
        cell.font = Font(bold=True)


def _write_heading(ws: Worksheet, plan: _Plan, unit: OrgUnit) -> None:
    last = get_column_letter(plan.last_col)
    title = ws.cell(TITLE_ROW, NUMBER_COL)
    title.value = f"{plan.dataset.name}　{unit.name}　{period_title(plan.outer)}"
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"B{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 28
    info = ws.cell(INFO_ROW, NUMBER_COL)
    info.value = _(
        "单位：{unit}（{unit_code}）　期间：{period}（{period_code}）　数据集：{dataset}（{dataset_code}）"
    ).format(
        unit=unit.name,
        unit_code=unit.code,
        period=period_title(plan.outer),
        period_code=plan.outer.code,
        dataset=plan.dataset.name,
        dataset_code=plan.dataset.code,
    )
    info.alignment = LEFT
    ws.merge_cells(f"B{INFO_ROW}:{last}{INFO_ROW}")

    crosses_years = plan.outer.start.year != plan.outer.end.year
    headings = [_("序号"), _("指标名称"), _("填写要求")]
    if plan.grid:
        headings += [period_heading(p, with_year=crosses_years) for p in plan.periods]
    else:
        headings.append(period_title(plan.outer))
    if plan.grid:
        headings.append(_("合计"))
    ws.cell(HEADER_ROW, CODE_COL, _("代码"))
    for offset, text in enumerate(headings):
        _style(ws.cell(HEADER_ROW, NUMBER_COL + offset, text), fill=HEADER_FILL, bold=True)
    ws.row_dimensions[HEADER_ROW].height = 30


def _write_rows(ws: Worksheet, plan: _Plan, unit: OrgUnit) -> None:
    rules: dict[str, DataValidation] = {}
    closed = {p.code for p in plan.periods if unit_closed_reason(unit, p) is not None}
    first, last = get_column_letter(FIRST_VALUE_COL), get_column_letter(plan.last_value_col)
    for index, element in enumerate(plan.elements):
        row = FIRST_DATA_ROW + index
        ws.cell(row, CODE_COL, element.code)
        _style(ws.cell(row, NUMBER_COL, index + 1))
        name = ws.cell(row, NAME_COL, element.name)
        _style(name)
        name.alignment = LEFT
        _style(ws.cell(row, HINT_COL, _hint(element)))
        for offset, period in enumerate(plan.periods):
            cell = ws.cell(row, FIRST_VALUE_COL + offset)
            if period.code in closed:
                # Locked and left empty, stored values included: the unit did not exist then,
                # and a value shown here could not be uploaded again.
                _style(cell, fill=CLOSED_FILL)
                continue
            _style(cell, fill=INPUT_FILL)
            cell.protection = UNLOCKED
            stored = plan.stored.get((element.pk, period.code, unit.pk))
            if stored is not None:
                cell.value = _cell_number(stored)
            if element.value_type not in rules:
                rules[element.value_type] = _validation(element.value_type)
            rules[element.value_type].add(cell)
        if plan.grid:
            total = ws.cell(row, plan.last_col)
            if element.aggregation == AggregationType.SUM.value:
                total.value = f"=SUM({first}{row}:{last}{row})"
            else:
                total.value = "—"  # not summed over the year: averages, closing figures…
            _style(total, fill=TOTAL_FILL, bold=True)
    for rule in rules.values():
        ws.add_data_validation(rule)


def _write_note(ws: Worksheet, plan: _Plan) -> None:
    row = plan.last_data_row + 2
    note = ws.cell(row, NUMBER_COL)
    parts = [
        _("填写说明：只在浅黄色单元格中填写数字，不要带单位或文字。"),
        _("空白单元格表示未填报，不会删除已报送的数据。"),
        _("灰色单元格为单位设立前或撤销后的期间，不能填写。"),
    ]
    if plan.grid:
        parts.append(_("合计列由公式自动计算，上传时不读取。"))
    parts.append(_("请勿修改表格结构；填好后保存为 .xlsx 上传。"))
    note.value = "".join(parts)
    note.alignment = LEFT
    ws.merge_cells(f"B{row}:{get_column_letter(plan.last_col)}{row}")
    ws.row_dimensions[row].height = 48


def _set_up_sheet(ws: Worksheet, plan: _Plan) -> None:
    ws.row_dimensions[CODE_ROW].hidden = True
    ws.column_dimensions[get_column_letter(CODE_COL)].hidden = True
    ws.column_dimensions[get_column_letter(NUMBER_COL)].width = 6
    longest = max((len(e.name) for e in plan.elements), default=10)
    ws.column_dimensions[get_column_letter(NAME_COL)].width = min(max(16, longest * 2 + 2), 48)
    ws.column_dimensions[get_column_letter(HINT_COL)].width = 14
    crosses_years = plan.outer.start.year != plan.outer.end.year
    value_width = 14 if crosses_years or not plan.grid else 9
    for col in range(FIRST_VALUE_COL, plan.last_col + 1):
        ws.column_dimensions[get_column_letter(col)].width = value_width
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_VALUE_COL)

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"B{TITLE_ROW}:{get_column_letter(plan.last_col)}{plan.last_data_row + 2}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = _("第 &P 页，共 &N 页")

    # Locked cells stay selectable (to read and copy them); resizing rows and columns is
    # allowed since it changes no structure.
    ws.protection = SheetProtection(
        sheet=True,
        formatColumns=False,
        formatRows=False,
        selectLockedCells=False,
        selectUnlockedCells=False,
    )


def _write_unit_sheet(ws: Worksheet, plan: _Plan, unit: OrgUnit) -> None:
    ws.cell(CODE_ROW, CODE_COL, MARKER)
    ws.cell(CODE_ROW, UNIT_COL, unit.code)
    for offset, period in enumerate(plan.periods):
        ws.cell(CODE_ROW, FIRST_VALUE_COL + offset, period.code)
    _write_heading(ws, plan, unit)
    _write_rows(ws, plan, unit)
    _write_note(ws, plan)
    _set_up_sheet(ws, plan)


def _checked_units(dataset: DataSet, units: Sequence[OrgUnit]) -> list[OrgUnit]:
    unique = list({unit.pk: unit for unit in units}.values())
    if not unique:
        raise TemplateError(_("未选择单位 / no unit was chosen"))
    kinds = set(dataset.unit_kinds or [])
    strangers = [u.code for u in unique if kinds and u.kind not in kinds]
    if strangers:
        raise TemplateError(
            _(
                "单位 {units} 不报送数据集 {dataset}（报送单位类型：{kinds}） / units {units} do "
                "not report data set {dataset} (reporting unit kinds: {kinds})"
            ).format(
                units=", ".join(strangers), dataset=dataset.code, kinds=", ".join(sorted(kinds))
            )
        )
    return unique


def build_template(dataset: DataSet, period_code: str, units: Sequence[OrgUnit]) -> bytes:
    """An .xlsx template for ``dataset`` over ``period_code``, one sheet per unit.

    A period of the data set's own type gives one value column; a longer one gives a grid
    (a year of a monthly data set: the months 1月…12月 and a 合计 column of ``SUM`` formulas
    for sum-aggregated elements). Stored values are filled in. Raises :class:`TemplateError`
    (bilingual) for a bad or too short period, a data set without elements, no units, or a
    unit of a kind that does not report the data set.
    """
    outer, periods = template_periods(dataset, period_code)
    elements = dataset_elements(dataset)
    if not elements:
        raise TemplateError(
            _("数据集 {dataset} 没有数据元素 / data set {dataset} has no data elements").format(
                dataset=dataset.code
            )
        )
    chosen = _checked_units(dataset, units)
    plan = _Plan(dataset=dataset, outer=outer, periods=periods, elements=elements)
    plan.stored = _stored_values(plan, chosen)

    workbook = Workbook()
    workbook.remove(workbook.active)
    titles = sheet_titles([unit.name or unit.code for unit in chosen])
    for unit, title in zip(chosen, titles, strict=True):
        _write_unit_sheet(workbook.create_sheet(title), plan, unit)
    meta = workbook.create_sheet(META_SHEET)
    write_manifest(
        meta,
        Manifest(
            dataset=dataset.code,
            period=outer.code,
            elements=tuple(e.code for e in elements),
            periods=tuple(p.code for p in periods),
            sheets={unit.code: title for unit, title in zip(chosen, titles, strict=True)},
        ),
    )
    # veryHidden: not even listed under Excel's "Unhide…"; it is only metadata.
    meta.sheet_state = "veryHidden"
    meta.protection = SheetProtection(sheet=True)
    workbook.active = 0
    workbook.security = WorkbookProtection(lockStructure=True)
    workbook.properties.creator = "Kaohe 考核"
    workbook.properties.title = f"{dataset.name} {period_title(outer)}"
    workbook.properties.keywords = f"kaohe-template {dataset.code} {outer.code}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
