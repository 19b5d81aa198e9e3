"""指标完成情况表: each indicator against its target, this year and last, for the township and
for every unit.

Two sheets. 全镇 (the township): one row per indicator — target, this year, last year, the
change and whether it rose or fell, met or not, and how many units met it. 分单位 (by unit): per
indicator one row per unit with the same columns, closed by the township's row. The township's
figure is the run's own (:class:`kaohe.assessments.models.AreaIndicatorValue`): recomputed from
the units' summed numerators and denominators, never an average of their rates. Last year's
figures come from the published run of the same scheme, township and the year before.

Figures are rounded half-up to the indicator's decimals (as the results pages show them), and
the change and the words 上升/下降/持平, 完成/未完成 are worked out on those rounded figures, so
what the table says agrees with what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook

from kaohe.assessments.models import AssessmentRun, IndicatorValue, ItemResult
from kaohe.assessments.selectors import area_indicators
from kaohe.engine.rounding import round_half_up

from ..base import Document, DocumentRequest
from .context import WorkbookContext, in_request_language, previous_run, workbook_context
from .styling import (
    Column,
    SheetWriter,
    Styled,
    change_format,
    figure_format,
    sheet_title,
    target_format,
    workbook_document,
)

KIND: Final = "indicators"
NAME: Final = ("指标完成情况表", "Indicators against targets")
# An item's actual that reads one indicator and nothing else: that item's target is the
# indicator's (the run's township targets are found the same way).
_INDICATOR_ONLY = re.compile(r"N\{([^{}\s]+)\}")


@dataclass(frozen=True)
class Line:
    """One indicator of one unit (or of the township): figures as shown, and what they say."""

    target: Decimal | None
    value: Decimal | None
    last: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.last is None:
            return None
        return self.value - self.last

    def trend(self, context: WorkbookContext) -> str:
        """上升, 下降 or 持平 (up, down, unchanged); blank without last year's figure."""
        change = self.change
        if change is None:
            return ""
        if change > 0:
            return context.t("上升", "up")
        return context.t("下降", "down") if change < 0 else context.t("持平", "unchanged")

    def met(self, direction: str) -> bool | None:
        if self.value is None or self.target is None or not direction:
            return None
        return self.value <= self.target if direction == "lower" else self.value >= self.target


@dataclass(frozen=True)
class IndicatorInfo:
    code: str
    name: str
    unit: str
    decimals: int
    direction: str
    township_target: float | None
    township: float | None
    township_last: float | None
    item: str | None  # the item whose actual is exactly N{code}


def _shown(value: float | None, decimals: int) -> Decimal | None:
    return None if value is None else round_half_up(value, decimals)


def _values(run: AssessmentRun | None, context: WorkbookContext) -> dict[tuple[int, str], float]:
    if run is None:
        return {}
    rows = context.restricted(IndicatorValue.objects.filter(run=run))
    return {
        (unit_id, code): value
        for unit_id, code, value in rows.values_list("unit_id", "indicator_code", "value")
        if value is not None
    }


def _indicators(context: WorkbookContext, last_run: AssessmentRun | None) -> list[IndicatorInfo]:
    items: dict[str, tuple[str, str]] = {}
    for code, actual, direction in context.scheme.items.order_by("sort_order", "code").values_list(
        "code", "actual", "direction"
    ):
        match = _INDICATOR_ONLY.fullmatch(actual.strip())
        if match:
            items.setdefault(match.group(1), (code, direction))
    last_area = (
        {a.indicator_code: a.value for a in last_run.area_indicator_values.all()}
        if last_run is not None
        else {}
    )
    found = []
    for area in area_indicators(context.run):
        item, direction = items.get(area.indicator_code, (None, area.direction))
        found.append(
            IndicatorInfo(
                code=area.indicator_code,
                name=context.text(area.name or area.indicator_code, area.name_en or ""),
                unit=area.unit_label or "",
                decimals=area.decimals if area.decimals is not None else 2,
                direction=direction or "",
                township_target=area.target,
                township=area.value,
                township_last=last_area.get(area.indicator_code),
                item=item,
            )
        )
    return found


def _unit_targets(context: WorkbookContext, items: Sequence[str]) -> dict[tuple[int, str], float]:
    """Per (unit, item) the target the unit was scored against (its contract's, else the
    scheme's), from the run's item results; with period parts, the first part's."""
    rows = ItemResult.objects.filter(
        unit_result__run=context.run, item_code__in=list(items), target__isnull=False
    ).order_by("unit_result_id", "item_code", "part")
    targets: dict[tuple[int, str], float] = {}
    for unit_id, code, target in context.restricted(rows).values_list(
        "unit_result__unit_id", "item_code", "target"
    ):
        targets.setdefault((unit_id, code), target)
    return targets


def _cells(context: WorkbookContext, info: IndicatorInfo, line: Line) -> list[Any]:
    figure = figure_format(info.unit, info.decimals)
    met = line.met(info.direction)
    return [
        Styled(line.target, target_format(info.unit, info.decimals, info.direction)),
        Styled(line.value, figure),
        Styled(line.last, figure),
        Styled(line.change, change_format(info.unit, info.decimals)),
        line.trend(context),
        "" if met is None else context.t("完成", "met") if met else context.t("未完成", "missed"),
    ]


@in_request_language
def build_indicators_workbook(request: DocumentRequest) -> Document:
    """指标完成情况表 of the published run of ``request``'s scheme, year and township."""
    context = workbook_context(request)
    t = context.t
    last_run = previous_run(context)
    infos = _indicators(context, last_run)
    results = list(context.unit_results())
    values = _values(context.run, context)
    last_values = _values(last_run, context)
    targets = _unit_targets(context, [i.item for i in infos if i.item])

    def unit_line(info: IndicatorInfo, unit_id: int) -> Line:
        target = targets.get((unit_id, info.item)) if info.item else None
        return Line(
            target=_shown(target, info.decimals),
            value=_shown(values.get((unit_id, info.code)), info.decimals),
            last=_shown(last_values.get((unit_id, info.code)), info.decimals),
        )

    def township_line(info: IndicatorInfo) -> Line:
        return Line(
            target=_shown(info.township_target, info.decimals),
            value=_shown(info.township, info.decimals),
            last=_shown(info.township_last, info.decimals),
        )

    year = request.year
    figures = [
        Column(t("目标", "Target"), 11),
        Column(t(f"{year}年", str(year)), 11),
        Column(t(f"{year - 1}年", str(year - 1)), 11),
        Column(t("增减", "Change"), 11),
        Column(t("升降", "Trend"), 9),
        Column(t("完成情况", "Target"), 9),
    ]
    workbook = Workbook()

    summary = workbook.active
    summary.title = sheet_title(t("全镇", "Township"))
    columns = [
        Column(t("指标", "Indicator"), 24, wrap=True),
        *figures,
        Column(t("达标单位", "Units meeting it"), 10),
    ]
    writer = context.writer(summary, columns, NAME, frozen_columns=1)
    for info in infos:
        judged = [unit_line(info, r.unit_id).met(info.direction) for r in results]
        known = [m for m in judged if m is not None]
        reached = f"{sum(known)}/{len(known)}" if known else ""
        writer.row([info.name, *_cells(context, info, township_line(info)), reached])
    _notes(writer, context, last_run)
    writer.finish()

    detail = workbook.create_sheet(sheet_title(t("分单位", "By unit")))
    columns = [
        Column(t("指标", "Indicator"), 20, wrap=True),
        Column(t("单位代码", "Code"), 11),
        Column(t("单位", "Unit"), 14),
        *figures,
    ]
    writer = context.writer(detail, columns, NAME, frozen_columns=3)
    township = context.unit_name(request.root.name, request.root.name_en)
    for info in infos:
        for r in results:
            name = context.unit_name(r.unit.name, r.unit.name_en)
            line = unit_line(info, r.unit_id)
            writer.row([info.name, r.unit.code, name, *_cells(context, info, line)])
        line = township_line(info)
        writer.total([info.name, request.root.code, township, *_cells(context, info, line)])
    _notes(writer, context, last_run)
    writer.finish()
    return workbook_document(workbook, context.filename(KIND), context.title(*NAME))


def _notes(writer: SheetWriter, context: WorkbookContext, last_run: AssessmentRun | None) -> None:
    t = context.t
    writer.note(
        t(
            "全镇数字由各单位的分子、分母分别相加后重新计算，不是各单位比率的平均；全镇目标为方案"
            "规定的目标，各单位目标为其责任书目标。达标单位为达到目标的单位数/有数字和目标的单位数。",
            "The township's figure is recomputed from the units' numerators and denominators "
            "added up, never an average of their rates; its target is the scheme's, a unit's "
            "target its contract's. Units meeting it: units at their target / units with a "
            "figure and a target.",
        )
    )
    year = context.request.year - 1
    if last_run is None:
        writer.note(
            t(
                f"{year} 年度没有已发布的考核结果，上年一栏空白。",
                f"No results were published for {year}: last year's column is blank.",
            )
        )
    else:
        writer.note(
            t(
                f"上年为 {year} 年度已发布的考核结果（第 {last_run.pk} 次计算）。",
                f"Last year's figures are {year}'s published results (run {last_run.pk}).",
            )
        )
    writer.note(
        t(
            "增减为本年减上年，上升、下降只说数字的方向；是否向好看目标前的 ≥（越高越好）或 ≤"
            "（越低越好）。",
            "The change is this year's figure less last year's; up and down say only which way "
            "the figure moved. Whether that is better depends on the target: ≥ (higher is "
            "better) or ≤ (lower is better).",
        )
    )
