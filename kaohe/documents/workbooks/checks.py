"""数据核查表: the units' reports against what other sources found, element by element.

Written from :func:`kaohe.checks.selectors.reconciliation` over the published run's period,
for every element counted by a source about the kinds of unit the scheme assesses (the
hospital's births for villages, a spot check of sampled villages…) that some source has a
figure for in that period (the others are named in a note).

A first sheet, 汇总, has one line per element: the township's totals and the counts of units
under-reporting, over-reporting and not checked. Then a sheet per element: one row per unit —
its report, each source's figure, the figure found (the largest a source has), the difference,
under- and over-reported, statistical accuracy (统计求实率) and the corrected figure (the larger
of the report and every source) — closed by the township's totals row: sums, and accuracy
recomputed from the summed figures (100 − Σ under-reported ÷ Σ found × 100), never an average of
the units' rates. Under it, which figure the township's schemes score on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from openpyxl import Workbook

from kaohe.checks.models import Source
from kaohe.checks.selectors import ReconciledRow, Reconciliation, reconciliation
from kaohe.datavalues.excel_format import sheet_titles
from kaohe.elements.models import DataElement
from kaohe.engine.periods import parse_period
from kaohe.engine.rounding import round_half_up
from kaohe.engine.spec import ValueType

from ..base import Document, DocumentRequest
from .context import WorkbookContext, in_request_language, workbook_context
from .styling import (
    WHOLE,
    Column,
    SheetWriter,
    Styled,
    figure_format,
    sheet_title,
    workbook_document,
)

KIND: Final = "checks"
NAME: Final = ("数据核查表", "Cross-checks of the reported figures")
RATE: Final = figure_format("%", 2)


def checked_elements(context: WorkbookContext) -> list[DataElement]:
    """The elements some source counts about units of a kind the scheme assesses, in the
    sources' order."""
    kinds = set(context.scheme.unit_kinds)
    found: dict[str, DataElement] = {}
    for source in Source.objects.prefetch_related("elements").order_by("sort_order", "code"):
        if kinds and not kinds & set(source.unit_kinds):
            continue
        for element in sorted(source.elements.all(), key=lambda e: e.code):
            found.setdefault(element.code, element)
    return list(found.values())


def _rate(value: float | None) -> Decimal | None:
    """Accuracy as shown: half-up to two decimals."""
    return None if value is None else round_half_up(value, 2)


def _figure(element: DataElement) -> str:
    return WHOLE if element.value_type == ValueType.INTEGER.value else "0.00"


def _flags(context: WorkbookContext, row: ReconciledRow) -> str:
    words = []
    if row.is_under:
        words.append(context.t("漏报", "under-reported"))
    if row.is_over:
        words.append(context.t("多报", "over-reported"))
    if row.not_checked:
        words.append(context.t("未核查", "not checked"))
    return context.listing(words)


def _counts(context: WorkbookContext, rec: Reconciliation) -> str:
    s = rec.totals
    return context.t(
        f"漏报 {s.under_count} 个，多报 {s.over_count} 个，未核查 {s.not_checked_count} 个",
        f"{s.under_count} under-reported, {s.over_count} over-reported, "
        f"{s.not_checked_count} not checked",
    )


def _element_sheet(
    context: WorkbookContext, workbook: Workbook, rec: Reconciliation, title: str
) -> None:
    t = context.t
    element = rec.element
    figure = _figure(element)
    columns = [
        Column(t("单位代码", "Code"), 11),
        Column(t("单位", "Unit"), 14),
        Column(t("村报数", "Reported"), 9, figure),
        *(Column(context.text(s.name, s.name_en), 12, figure, wrap=True) for s in rec.sources),
        Column(t("核查数", "Found"), 9, figure),
        Column(t("差额", "Difference"), 9, figure),
        Column(t("漏报", "Under"), 8, figure),
        Column(t("多报", "Over"), 8, figure),
        Column(t("统计求实率", "Accuracy"), 11, RATE),
        Column(t("更正数", "Corrected"), 10, figure),
        Column(t("情况", "Finding"), 16, wrap=True),
    ]
    name = context.text(element.name, element.name_en)
    sheet = workbook.create_sheet(title)
    kind = (f"{NAME[0]}（{element.name}）", f"{NAME[1]} ({element.name_en or element.name})")
    writer = context.writer(sheet, columns, kind, frozen_columns=2)
    for row in rec.rows:
        writer.row(
            [
                row.unit.code,
                context.unit_name(row.unit.name, row.unit.name_en),
                row.reported,
                *row.sources,
                row.found,
                row.difference,
                row.under_reported,
                row.over_reported,
                _rate(row.accuracy),
                row.corrected,
                _flags(context, row),
            ]
        )
    s = rec.totals
    writer.total(
        [
            t("合计", "Total"),
            t(f"共 {s.units} 个单位", f"{s.units} units"),
            s.reported,
            *s.sources,
            s.found,
            s.difference,
            s.under_reported,
            s.over_reported,
            _rate(s.accuracy),
            s.corrected,
            _counts(context, rec),
        ]
    )
    writer.note(
        t(
            f"{name}：核查数取各来源中最大的数；差额 = 核查数 − 村报数；漏报为核查数多于村报数的"
            "部分，多报为村报数多于抽查数的部分（部门数据只统计了一部分，村报数多于它不算多报）。"
            "统计求实率 = 100 − 漏报数 ÷ 核查数 × 100；合计行的求实率由合计数重新计算，不是各单位"
            "求实率的平均。更正数为村报数与各来源数中较大者。",
            f"{name}: found is the largest figure any source has; difference = found − "
            "reported; under-reported is what was found beyond the report, over-reported what "
            "was reported beyond a spot check (a department's feed counts only part of what "
            "happened, so a report above it is not over-reporting). Accuracy = 100 − "
            "under-reported ÷ found × 100; the total row's accuracy is recomputed from the "
            "totals, never an average of the units'. Corrected is the larger of the report and "
            "every source.",
        )
    )
    _scoring_notes(writer, context, rec)
    writer.finish()


def _scoring_notes(writer: SheetWriter, context: WorkbookContext, rec: Reconciliation) -> None:
    for basis in rec.scoring:
        writer.note(context.text(basis.text_zh, basis.text_en))


@in_request_language
def build_checks_workbook(request: DocumentRequest) -> Document:
    """数据核查表 of the published run of ``request``'s scheme, year and township."""
    context = workbook_context(request)
    t = context.t
    period = parse_period(context.run.period_code)
    recs, silent = [], []
    for element in checked_elements(context):
        rec = reconciliation(element, request.root, period, request.user)
        # An element no source has a figure for in the period has nothing to reconcile: a
        # sheet of "not checked" rows would only hide the ones that do.
        if rec.totals.found is None:
            silent.append(context.text(element.name, element.name_en))
        else:
            recs.append(rec)

    workbook = Workbook()
    summary = workbook.active
    summary.title = sheet_title(t("汇总", "Summary"))
    columns = [
        Column(t("数据元素", "Figure"), 20, wrap=True),
        Column(t("村报数", "Reported"), 10),
        Column(t("已核查单位村报数", "Reported by units checked"), 12),
        Column(t("核查数", "Found"), 10),
        Column(t("漏报", "Under"), 9),
        Column(t("多报", "Over"), 9),
        Column(t("统计求实率", "Accuracy"), 11, RATE),
        Column(t("漏报单位", "Units under"), 9, WHOLE),
        Column(t("多报单位", "Units over"), 9, WHOLE),
        Column(t("未核查单位", "Not checked"), 10, WHOLE),
        Column(t("单位数", "Units"), 8, WHOLE),
    ]
    writer = context.writer(summary, columns, NAME, frozen_columns=1)
    for rec in recs:
        s = rec.totals
        figure = _figure(rec.element)
        shown = (s.reported, s.reported_checked, s.found, s.under_reported, s.over_reported)
        writer.row(
            [
                context.text(rec.element.name, rec.element.name_en),
                *(Styled(value, figure) for value in shown),
                _rate(s.accuracy),
                s.under_count,
                s.over_count,
                s.not_checked_count,
                s.units,
            ]
        )
    if recs:
        writer.note(
            t(
                "每个数据元素另有一张工作表，逐单位列出村报数与各来源数。统计求实率按合计数重新"
                "计算：100 − 漏报数 ÷ 核查数 × 100，核查数只计有来源数字的单位。",
                "Each figure has a sheet of its own, unit by unit, with the report beside every "
                "source. Accuracy is recomputed from the totals: 100 − under-reported ÷ found × "
                "100, found counting only the units a source has a figure for.",
            )
        )
    elif not silent:
        writer.note(
            t(
                "本方案考核的单位没有核查来源（部门数据或抽查），没有可核对的数字。",
                "No source (a department's feed or a spot check) counts figures of the units "
                "this scheme assesses: there is nothing to cross-check.",
            )
        )
    if silent:
        listed = context.listing(silent)
        writer.note(
            t(
                f"{listed}：本期各核查来源没有数字，未列出。",
                f"{listed}: no source has a figure for this period, so they are not listed.",
            )
        )
    writer.finish()
    names = [context.text(rec.element.name, rec.element.name_en) for rec in recs]
    titles = sheet_titles([summary.title, *names])[1:]
    for rec, title in zip(recs, titles, strict=True):
        _element_sheet(context, workbook, rec, title)
    return workbook_document(workbook, context.filename(KIND), context.title(*NAME))
