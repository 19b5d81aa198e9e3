"""分项得分明细表: every item of every unit of a published run, with its figures and the sentence
that explains the score.

One row per unit × item (× period part, when the scheme scores parts), in ranking order: the
section, the item, its points, the actual figure and the target (in the item's unit: %, ‰, 人),
the score and the explanation. After each unit (and each of its parts) a 小计 row adds up the
points and the scores; where the total is not that plain sum (tracks, a coefficient, parts) a
总分 row follows with the unit's total and the sentence that says how it was made.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook

from kaohe.assessments.models import ItemResult, UnitResult
from kaohe.engine.spec import RuleType

from ..base import Document, DocumentRequest
from .context import WorkbookContext, in_request_language, workbook_context
from .styling import (
    SCORE,
    Column,
    Styled,
    figure_format,
    sheet_title,
    target_format,
    workbook_document,
)

KIND: Final = "items"
NAME: Final = ("分项得分明细表", "Item scores in detail")
# Rules whose target is a bound to reach (≥) or stay under (≤); the others (a band, cases, a
# rank) read their target otherwise, and show it without a sign.
_BOUNDED = frozenset({RuleType.THRESHOLD, RuleType.LINEAR, RuleType.RATIO, RuleType.BONUS})
ZERO = Decimal("0.00")


def _item_facts(context: WorkbookContext) -> dict[str, dict[str, Any]]:
    facts = {}
    for item in context.scheme.items.all():
        bounded = item.rule_type in {r.value for r in _BOUNDED}
        facts[item.code] = {
            "name": context.text(item.name, item.name_en),
            "section": item.section,
            "actual": figure_format(item.unit, item.decimals),
            "target": target_format(item.unit, item.decimals, item.direction if bounded else ""),
        }
    return facts


def _unit_rows(context: WorkbookContext, results: list[UnitResult]) -> dict[int, list[ItemResult]]:
    items = ItemResult.objects.filter(unit_result__in=[r.pk for r in results])
    part_order = {str(p.get("code", "")): i for i, p in enumerate(context.scheme.period_parts)}
    by_unit: dict[int, list[ItemResult]] = defaultdict(list)
    for item in context.restricted(items):
        by_unit[item.unit_result_id].append(item)
    for rows in by_unit.values():
        rows.sort(key=lambda i: (part_order.get(i.part, -1), i.sort_order, i.item_code))
    return by_unit


@in_request_language
def build_items_workbook(request: DocumentRequest) -> Document:
    """分项得分明细表 of the published run of ``request``'s scheme, year and township."""
    context = workbook_context(request)
    t = context.t
    scheme = context.scheme
    results = list(context.unit_results())
    facts = _item_facts(context)
    rows_of = _unit_rows(context, results)
    parts = {
        str(p.get("code", "")): context.text(str(p.get("name", "")), str(p.get("name_en", "")))
        for p in scheme.period_parts
    }
    plain_sum = not (scheme.period_parts or scheme.tracks or scheme.coefficient.strip())

    columns = [Column(t("单位代码", "Code"), 11), Column(t("单位", "Unit"), 14)]
    if parts:
        columns.append(Column(t("考核分期", "Period part"), 12))
    columns += [
        Column(t("分类", "Section"), 10, wrap=True),
        Column(t("考核项目", "Item"), 24, wrap=True),
        Column(t("分值", "Points"), 7, SCORE),
        Column(t("实际值", "Actual"), 11),
        Column(t("目标值", "Target"), 11),
        Column(t("得分", "Score"), 8, SCORE),
        Column(t("说明", "Explanation"), 64, wrap=True),
    ]
    lead = 3 if parts else 2

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(t(*NAME))
    writer = context.writer(sheet, columns, NAME, frozen_columns=lead)
    item_count = 0
    for result in results:
        unit = result.unit
        name = context.unit_name(unit.name, unit.name_en)
        groups: dict[str, list[ItemResult]] = defaultdict(list)
        for item in rows_of.get(result.pk, []):
            groups[item.part].append(item)
        for part, items in groups.items():
            weight, score = ZERO, ZERO
            for item in items:
                fact = facts.get(item.item_code, {})
                cells: list[Any] = [unit.code, name]
                if parts:
                    cells.append(parts.get(item.part, item.part))
                cells += [
                    fact.get("section", ""),
                    fact.get("name", item.item_name),
                    item.weight,
                    Styled(item.actual, fact.get("actual", SCORE)),
                    Styled(item.target, fact.get("target", SCORE)),
                    item.score,
                    item.explanation_en if context.english else item.explanation_zh,
                ]
                writer.row(cells)
                weight += item.weight
                score += item.score
                item_count += 1
            label = t("小计", "Subtotal")
            if parts:
                label = t(f"{parts.get(part, part)}小计", f"{parts.get(part, part)}: subtotal")
            explanation = (
                (result.total_explanation_en if context.english else result.total_explanation_zh)
                if plain_sum
                else ""
            )
            subtotal: list[Any] = [unit.code, name] + [""] * (lead - 2)
            subtotal += ["", label, weight, "", "", score, explanation]
            writer.total(subtotal)
        if not plain_sum:
            total: list[Any] = [unit.code, name] + [""] * (lead - 2)
            total += [
                "",
                t("总分", "Total"),
                "",
                "",
                "",
                result.total,
                result.total_explanation_en if context.english else result.total_explanation_zh,
            ]
            writer.total(total)

    units = len(results)
    writer.note(
        t(
            f"合计：{units} 个单位，{item_count} 项得分。",
            f"In all: {units} units, {item_count} item scores.",
        )
    )
    writer.note(
        t(
            "实际值按考核项目的计量单位显示（%、‰、人等），目标值前的 ≥、≤ 表示须达到或不超过；"
            "小计为各项分值、得分之和。",
            "Actual figures are shown in the item's unit (%, ‰, persons…); ≥ and ≤ before a "
            "target mean at least and at most. A subtotal adds up the points and the scores.",
        )
    )
    if not plain_sum:
        writer.note(
            t(
                "总分不是各项得分的简单相加，其合成方法见“总分”行的说明。",
                "The total is not the plain sum of the item scores: the Total row says how it "
                "was made.",
            )
        )
    writer.finish()
    return workbook_document(workbook, context.filename(KIND), context.title(*NAME))
