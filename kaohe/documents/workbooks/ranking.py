"""考核结果汇总表: the ranking of a published run, one row per unit.

Rank, unit, the subtotals the total is made of, total, grade and vetoes. The subtotals are the
scheme's own: its period parts (上半年检查 …) when it scores parts, else its tracks (领导班子线 …)
when it has tracks, else its sections (人口计划, 避孕节育 …, each the sum of the unit's item
scores in that section, so they add up to the total). Under the table: the number of units
and of vetoed ones, the average of every score column, and how many units got each grade.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook

from kaohe.assessments.models import ItemResult, UnitResult
from kaohe.engine.rounding import round_half_up
from kaohe.orgunits.models import UnitKind

from ..base import Document, DocumentRequest
from .context import WorkbookContext, in_request_language, workbook_context
from .styling import COEFFICIENT, SCORE, WHOLE, Column, sheet_title, workbook_document

KIND: Final = "ranking"
NAME: Final = ("考核结果汇总表", "Assessment results summary")


@dataclass(frozen=True)
class Breakdown:
    """The columns between the unit and its total: what they are and each unit's figures."""

    labels: tuple[str, ...]
    values: dict[int, tuple[Decimal | None, ...]]  # unit result id → one figure per label
    note: str


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return round_half_up(Decimal(str(value)), 2)


def _from_parts(
    results: Sequence[UnitResult], key: str, entries: Sequence[dict[str, Any]]
) -> dict[int, tuple[Decimal | None, ...]]:
    codes = [str(entry.get("code", "")) for entry in entries]
    return {
        r.pk: tuple(_decimal((r.parts or {}).get(key, {}).get(code)) for code in codes)
        for r in results
    }


def _sections(context: WorkbookContext, results: Sequence[UnitResult]) -> Breakdown:
    other = context.t("其他", "Other")
    section_of: dict[str, str] = {}
    order: list[str] = []
    for code, section in context.scheme.items.order_by("sort_order", "code").values_list(
        "code", "section"
    ):
        label = section or other
        section_of[code] = label
        if label not in order:
            order.append(label)
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    scores = ItemResult.objects.filter(unit_result__in=[r.pk for r in results]).values_list(
        "unit_result_id", "item_code", "score"
    )
    for result_id, item_code, score in scores:
        label = section_of.get(item_code, other)
        if label not in order:
            order.append(label)
        sums[result_id][label] = sums[result_id].get(label, Decimal("0.00")) + score
    values = {r.pk: tuple(sums[r.pk].get(label) for label in order) for r in results}
    note = context.t(
        "各分类小计为该分类各考核项目得分之和，各小计相加即为总分。",
        "Each section's subtotal is the sum of the scores of its items; the subtotals add up "
        "to the total.",
    )
    return Breakdown(tuple(order), values, note)


def breakdown(context: WorkbookContext, results: Sequence[UnitResult]) -> Breakdown:
    """The subtotal columns of ``context``'s scheme (see the module)."""
    scheme = context.scheme
    if scheme.period_parts:
        parts = list(scheme.period_parts)
        return Breakdown(
            tuple(context.text(str(p.get("name", "")), str(p.get("name_en", ""))) for p in parts),
            _from_parts(results, "periods", parts),
            context.t(
                "各期得分按方案规定的权重合成总分，合成方法见分项得分明细表的总分说明。",
                "The periods' scores are combined into the total by the scheme's weights (see "
                "each unit's total explanation in the item scores table).",
            ),
        )
    if scheme.tracks:
        tracks = list(scheme.tracks)
        return Breakdown(
            tuple(context.text(str(t.get("name", "")), str(t.get("name_en", ""))) for t in tracks),
            _from_parts(results, "tracks", tracks),
            context.t(
                "各线得分按方案规定的权重合成总分，合成方法见分项得分明细表的总分说明。",
                "The tracks' scores are combined into the total by the scheme's weights (see "
                "each unit's total explanation in the item scores table).",
            ),
        )
    return _sections(context, results)


def mean(values: Sequence[Decimal | None]) -> Decimal | None:
    """The average of the figures present, half-up to two decimals (None when none is)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return round_half_up(sum(present, Decimal(0)) / len(present), 2)


@in_request_language
def build_ranking_workbook(request: DocumentRequest) -> Document:
    """考核结果汇总表 of the published run of ``request``'s scheme, year and township."""
    context = workbook_context(request)
    t = context.t
    scheme = context.scheme
    results = list(context.unit_results())
    split = breakdown(context, results)
    kinds = {kind: str(label) for kind, label in UnitKind.choices}
    several_kinds = len({r.kind for r in results}) > 1
    grades = {g.code: context.text(g.name, g.name_en) for g in scheme.grades.all()}
    vetoes = {v.code: context.text(v.name, v.name_en) for v in scheme.vetoes.all()}
    has_coefficient = bool(scheme.coefficient.strip())

    columns = [
        Column(t("名次", "Rank"), 6, WHOLE),
        Column(t("单位代码", "Code"), 11),
        Column(t("单位", "Unit"), 16),
    ]
    if several_kinds:
        columns.append(Column(t("类型", "Kind"), 10))
    columns += [
        Column(label, max(10, min(len(label) * 2 + 2, 16)), SCORE, wrap=True)
        for label in split.labels
    ]
    if has_coefficient:
        name = scheme.coefficient_name or t("系数", "Coefficient")
        columns.append(Column(name, 9, COEFFICIENT))
    columns += [
        Column(t("总分", "Total"), 9, SCORE),
        Column(t("等次", "Grade"), 10),
        Column(t("一票否决", "Vetoed for"), 26, wrap=True),
    ]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(t(*NAME))
    writer = context.writer(sheet, columns, NAME, frozen_columns=3)
    for r in results:
        cells: list[Any] = [r.rank, r.unit.code, context.unit_name(r.unit.name, r.unit.name_en)]
        if several_kinds:
            cells.append(kinds.get(r.kind, r.kind))
        cells += list(split.values[r.pk])
        if has_coefficient:
            cells.append((r.parts or {}).get("coefficient"))
        cells += [
            r.total,
            grades.get(r.grade, r.grade_name),
            context.listing([vetoes.get(str(code), str(code)) for code in r.vetoes]),
        ]
        writer.row(cells)

    lead = 4 if several_kinds else 3
    vetoed = sum(1 for r in results if r.vetoed)
    count_row: list[Any] = [
        t("合计", "Total"),
        "",
        t(f"共 {len(results)} 个单位", f"{len(results)} units"),
    ]
    count_row += [""] * (len(columns) - 4)
    count_row.append(t(f"{vetoed} 个单位被否决", f"{vetoed} vetoed") if vetoed else t("无", "none"))
    writer.total(count_row)
    average_row: list[Any] = [t("平均", "Average"), "", ""] + [""] * (lead - 3)
    for index in range(len(split.labels)):
        average_row.append(mean([split.values[r.pk][index] for r in results]))
    if has_coefficient:
        average_row.append("")
    average_row.append(mean([r.total for r in results]))
    writer.total(average_row)

    counted = Counter(grades.get(r.grade, r.grade_name) or "—" for r in results)
    if counted:
        listed = context.listing(
            [t(f"{grade} {n} 个", f"{grade}: {n}") for grade, n in counted.items()]
        )
        writer.note(t(f"等次分布：{listed}", f"Grades: {listed}"))
    writer.note(split.note)
    writer.note(
        t(
            "名次在同类单位中排列，总分相同名次相同；被一票否决的单位不论得分排在最后，等次为方案"
            "规定的否决后等次。平均为各单位得分的算术平均。",
            "Units are ranked among units of their kind; equal totals share a rank. A vetoed unit "
            "ranks after all others whatever its score, at the grade the scheme gives a veto. "
            "Averages are the plain mean of the units' scores.",
        )
    )
    writer.finish()
    return workbook_document(workbook, context.filename(KIND), context.title(*NAME))
