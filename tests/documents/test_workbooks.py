"""The formatted workbooks (考核结果汇总表, 分项得分明细表, 指标完成情况表 …), opened with openpyxl
and compared with the run's results as the results pages show them — never with hard-coded
figures (the demo's data may change).

The money and cross-check workbooks are tested in test_workbooks_money_checks.py, with the
readers defined here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.assessments.models import AssessmentRun, IndicatorValue, ItemResult, UnitResult
from kaohe.assessments.publishing import published_run
from kaohe.checks.models import Source
from kaohe.demo.generator import SCHEME_CODE
from kaohe.demo.units import DEPARTMENTS_SCHEME, DIRECT_UNITS_SCHEME
from kaohe.documents.base import XLSX, DocumentError, DocumentRequest
from kaohe.documents.workbooks import (
    build_checks_workbook,
    build_indicators_workbook,
    build_items_workbook,
    build_money_workbook,
    build_ranking_workbook,
)
from kaohe.engine.rounding import round_half_up
from kaohe.schemes.models import Indicator

from .conftest import Demo

BUILDERS: dict[str, Callable[[DocumentRequest], Any]] = {
    "ranking": build_ranking_workbook,
    "items": build_items_workbook,
    "indicators": build_indicators_workbook,
    "money": build_money_workbook,
    "checks": build_checks_workbook,
}
HEADER_ROW = 3
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- reading a workbook back -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]
    total: bool  # a totals row (合计, 平均, 小计, the township's row): bold
    cells: dict[str, Any]  # header → openpyxl cell, for formats


@dataclass(frozen=True)
class Table:
    sheet: Worksheet
    header: list[str]
    rows: list[Row]

    @property
    def data(self) -> list[Row]:
        return [r for r in self.rows if not r.total]

    @property
    def totals(self) -> list[Row]:
        return [r for r in self.rows if r.total]

    def column(self, name: str, rows: list[Row] | None = None) -> list[Any]:
        return [r.values[name] for r in (self.data if rows is None else rows)]


def read_table(sheet: Worksheet) -> Table:
    """The table under the header row: every row up to the first blank one."""
    header = [str(c.value) for c in sheet[HEADER_ROW] if c.value is not None]
    rows = []
    number = HEADER_ROW + 1
    while any(sheet.cell(number, i).value is not None for i in range(1, len(header) + 1)):
        cells = {name: sheet.cell(number, i) for i, name in enumerate(header, start=1)}
        rows.append(
            Row(
                number=number,
                values={name: cell.value for name, cell in cells.items()},
                total=bool(sheet.cell(number, 1).font.b),
                cells=cells,
            )
        )
        number += 1
    return Table(sheet, header, rows)


def notes(sheet: Worksheet) -> list[str]:
    """The lines under the table."""
    table = read_table(sheet)
    last = table.rows[-1].number if table.rows else HEADER_ROW
    return [
        str(sheet.cell(r, 1).value)
        for r in range(last + 1, sheet.max_row + 1)
        if sheet.cell(r, 1).value is not None
    ]


def request_for(
    demo: Demo,
    code: str = SCHEME_CODE,
    year: int | None = None,
    *,
    user: Any = None,
    language: str = "zh-hans",
) -> DocumentRequest:
    run = demo.published(code, year)
    return DocumentRequest(
        scheme=run.scheme, year=run.year, root=demo.township, user=user, language=language
    )


def open_workbook(kind: str, request: DocumentRequest) -> Workbook:
    document = BUILDERS[kind](request)
    assert document.content_type == XLSX
    assert document.filename.endswith(".xlsx")
    return load_workbook(io.BytesIO(document.content))


def d(value: Any) -> Decimal:
    return Decimal(str(value))


def shown(value: float | None, decimals: int) -> float | None:
    return None if value is None else float(round_half_up(value, decimals))


# --- every workbook --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_every_workbook_has_a_title_a_frozen_header_and_an_a4_landscape_page(
    demo_db: Demo, kind: str
) -> None:
    run = demo_db.published()
    book = open_workbook(kind, request_for(demo_db))
    for sheet in book.worksheets:
        title = str(sheet["A1"].value)
        assert title.startswith(f"示范镇{run.year}年度"), title
        assert "考核" in title
        assert sheet["A1"].font.b
        width = len(read_table(sheet).header)
        assert f"A1:{get_column_letter(width)}1" in {str(m) for m in sheet.merged_cells}
        subtitle = str(sheet["A2"].value)
        for fact in (demo_db.township.name, run.scheme.code, f"第 {run.scheme.version} 版"):
            assert fact in subtitle
        assert f"{run.published_at.year}年" in subtitle  # the publication date
        assert "制表日期" in subtitle
        assert all(sheet.cell(HEADER_ROW, i).font.b for i in range(1, width + 1))
        assert sheet.freeze_panes is not None and sheet.freeze_panes.endswith("4")
        assert sheet.print_title_rows == "$3:$3"
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
        assert all(sheet.column_dimensions[c].width for c in ("A", "B", "C"))


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_an_english_workbook_has_english_titles_headers_and_names(demo_db: Demo, kind: str) -> None:
    run = demo_db.published()
    book = open_workbook(kind, request_for(demo_db, language="en"))
    for sheet in book.worksheets:
        assert run.scheme.name_en in str(sheet["A1"].value)
        assert demo_db.township.name_en in str(sheet["A2"].value)
        assert not CJK.search(sheet.title)
        table = read_table(sheet)
        # Headers are English, except names the configuration has only in Chinese: the
        # scheme's sections (the ranking's subtotal columns), a source without an English name.
        chinese_only = set(run.scheme.items.values_list("section", flat=True))
        chinese_only |= set(Source.objects.filter(name_en="").values_list("name", flat=True))
        english = [h for h in table.header if h not in chinese_only]
        assert english and not any(CJK.search(h) for h in english), table.header
        assert sheet.oddFooter.center.text == "Page &P of &N"


def test_a_year_without_published_results_gives_a_bilingual_error(demo_db: Demo) -> None:
    request = DocumentRequest(scheme=demo_db.scheme(), year=1990, root=demo_db.township, user=None)
    for build in BUILDERS.values():
        with pytest.raises(DocumentError) as caught:
            build(request)
        assert caught.value.field == "year"
        assert " / " in str(caught.value) and CJK.search(str(caught.value))


@pytest.mark.parametrize("who", ["reporter", "other_admin", "no_role"])
def test_a_user_who_cannot_see_the_whole_township_gets_no_workbook(demo_db: Demo, who: str) -> None:
    request = request_for(demo_db, user=demo_db.users[who])
    for build in BUILDERS.values():
        with pytest.raises(DocumentError) as caught:
            build(request)
        assert caught.value.field == "township"


@pytest.mark.parametrize("who", ["township_admin", "reviewer", "superuser"])
def test_a_user_who_sees_the_township_gets_the_same_rows_as_the_console(
    demo_db: Demo, who: str
) -> None:
    for kind in ("ranking", "items", "money"):
        console = read_table(open_workbook(kind, request_for(demo_db)).worksheets[0])
        person = read_table(
            open_workbook(kind, request_for(demo_db, user=demo_db.users[who])).worksheets[0]
        )
        assert [r.values for r in person.rows] == [r.values for r in console.rows]


# --- 考核结果汇总表 --------------------------------------------------------------------------


def _results(run: AssessmentRun) -> list[UnitResult]:
    return list(run.unit_results.select_related("unit").order_by("kind", "rank", "unit__path"))


def test_the_ranking_shows_every_unit_as_the_results_page_does(demo_db: Demo) -> None:
    run = demo_db.published()
    table = read_table(open_workbook("ranking", request_for(demo_db)).worksheets[0])
    results = _results(run)
    vetoes = {v.code: v.name for v in run.scheme.vetoes.all()}
    assert table.column("单位代码") == [r.unit.code for r in results]
    assert table.column("名次") == [r.rank for r in results]
    assert [d(v) for v in table.column("总分")] == [r.total for r in results]
    assert table.column("等次") == [r.grade_name for r in results]
    for row, result in zip(table.data, results, strict=True):
        assert (row.values["一票否决"] or "") == "、".join(vetoes[c] for c in result.vetoes)
        assert row.cells["总分"].number_format == "0.00"
    assert any(r.vetoed for r in results), "the demo has a vetoed village"


def test_the_rankings_section_subtotals_add_up_to_each_total(demo_db: Demo) -> None:
    run = demo_db.published()
    table = read_table(open_workbook("ranking", request_for(demo_db)).worksheets[0])
    sections = list(
        dict.fromkeys(run.scheme.items.order_by("sort_order").values_list("section", flat=True))
    )
    assert table.header[3 : 3 + len(sections)] == sections
    section_of = dict(run.scheme.items.values_list("code", "section"))
    by_unit: dict[str, dict[str, Decimal]] = {}
    for unit, item, score in ItemResult.objects.filter(unit_result__run=run).values_list(
        "unit_result__unit__code", "item_code", "score"
    ):
        section = section_of[item]
        by_unit.setdefault(unit, {}).setdefault(section, Decimal(0))
        by_unit[unit][section] += score
    for row in table.data:
        subtotals = [d(row.values[s]) for s in sections]
        assert subtotals == [by_unit[row.values["单位代码"]][s] for s in sections]
        assert sum(subtotals) == d(row.values["总分"])


def test_the_rankings_totals_count_the_units_and_average_every_score(demo_db: Demo) -> None:
    run = demo_db.published()
    table = read_table(open_workbook("ranking", request_for(demo_db)).worksheets[0])
    count, average = table.totals
    units = len(table.data)
    assert count.values["名次"] == "合计"
    assert f"共 {units} 个单位" == count.values["单位"]
    vetoed = run.unit_results.filter(vetoed=True).count()
    assert count.values["一票否决"] == f"{vetoed} 个单位被否决"
    assert average.values["名次"] == "平均"
    for name in table.header[3 : table.header.index("总分") + 1]:
        figures = [d(v) for v in table.column(name)]
        expected = round_half_up(sum(figures, Decimal(0)) / len(figures), 2)
        assert d(average.values[name]) == expected, name
    grades = notes(table.sheet)[0]
    assert grades.startswith("等次分布")
    assert sum(int(n) for n in re.findall(r" (\d+) 个", grades)) == units


def test_the_ranking_of_a_scheme_with_tracks_shows_each_tracks_score(demo_db: Demo) -> None:
    run = demo_db.published(DIRECT_UNITS_SCHEME)
    table = read_table(
        open_workbook("ranking", request_for(demo_db, DIRECT_UNITS_SCHEME)).worksheets[0]
    )
    tracks = run.scheme.tracks
    assert tracks, "the direct units' scheme has tracks"
    assert table.header[3 : 3 + len(tracks)] == [t["name"] for t in tracks]
    for row, result in zip(table.data, _results(run), strict=True):
        assert [row.values[t["name"]] for t in tracks] == [
            result.parts["tracks"][t["code"]] for t in tracks
        ]


def test_the_ranking_of_a_scheme_with_period_parts_shows_each_parts_score(
    demo_db: Demo,
) -> None:
    run = demo_db.published(DEPARTMENTS_SCHEME)
    table = read_table(
        open_workbook("ranking", request_for(demo_db, DEPARTMENTS_SCHEME)).worksheets[0]
    )
    parts = run.scheme.period_parts
    assert parts, "the departments' scheme scores period parts"
    for row, result in zip(table.data, _results(run), strict=True):
        assert [row.values[p["name"]] for p in parts] == [
            result.parts["periods"][p["code"]] for p in parts
        ]


# --- 分项得分明细表 --------------------------------------------------------------------------


def test_the_item_table_has_a_row_per_unit_and_item_with_the_runs_figures(demo_db: Demo) -> None:
    run = demo_db.published()
    table = read_table(open_workbook("items", request_for(demo_db)).worksheets[0])
    items = {
        (i.unit_result.unit.code, i.item_name): i
        for i in ItemResult.objects.filter(unit_result__run=run).select_related("unit_result__unit")
    }
    assert len(table.data) == len(items)
    units = {i.code: i for i in run.scheme.items.all()}
    for row in table.data:
        item = items[(row.values["单位代码"], row.values["考核项目"])]
        assert d(row.values["分值"]) == item.weight
        assert d(row.values["得分"]) == item.score
        assert row.values["实际值"] == item.actual
        assert row.values["目标值"] == item.target
        assert row.values["说明"] == item.explanation_zh
        unit = units[item.item_code].unit
        if unit:
            assert f'"{unit}"' in row.cells["实际值"].number_format
    formats = {r.values["考核项目"]: r.cells["实际值"].number_format for r in table.data}
    assert formats["人口出生率"] == '0.00"‰"'
    assert formats["计划生育率"] == '0.00"%"'
    targets = {r.values["考核项目"]: r.cells["目标值"].number_format for r in table.data}
    assert targets["人口出生率"] == '"≤"0.00"‰"'
    assert targets["计划生育率"] == '"≥"0.00"%"'


def test_each_units_item_subtotal_adds_up_its_items_and_is_its_total(demo_db: Demo) -> None:
    run = demo_db.published()
    table = read_table(open_workbook("items", request_for(demo_db)).worksheets[0])
    totals = {r.unit.code: r for r in run.unit_results.select_related("unit")}
    seen = 0
    for row in table.totals:
        code = row.values["单位代码"]
        above = [r for r in table.data if r.values["单位代码"] == code]
        assert row.values["考核项目"] == "小计"
        assert d(row.values["得分"]) == sum(d(r.values["得分"]) for r in above)
        assert d(row.values["分值"]) == sum(d(r.values["分值"]) for r in above)
        assert d(row.values["得分"]) == totals[code].total  # no tracks, parts or coefficient
        assert row.values["说明"] == totals[code].total_explanation_zh
        seen += 1
    assert seen == len(totals)


def test_items_of_a_scheme_with_parts_name_the_part_and_close_each_part(demo_db: Demo) -> None:
    run = demo_db.published(DEPARTMENTS_SCHEME)
    table = read_table(
        open_workbook("items", request_for(demo_db, DEPARTMENTS_SCHEME)).worksheets[0]
    )
    names = {p["code"]: p["name"] for p in run.scheme.period_parts}
    assert set(table.column("考核分期")) == set(names.values())
    results = {r.unit.code: r for r in run.unit_results.select_related("unit")}
    for code, result in results.items():
        for part, name in names.items():
            subtotal = next(
                r
                for r in table.totals
                if r.values["单位代码"] == code and r.values["考核项目"] == f"{name}小计"
            )
            rows = [
                r
                for r in table.data
                if r.values["单位代码"] == code and r.values["考核分期"] == name
            ]
            assert d(subtotal.values["得分"]) == sum(d(r.values["得分"]) for r in rows)
            if not run.scheme.tracks:
                assert d(subtotal.values["得分"]) == d(result.parts["periods"][part])
        total = next(
            r
            for r in table.totals
            if r.values["单位代码"] == code and r.values["考核项目"] == "总分"
        )
        assert d(total.values["得分"]) == result.total
        assert total.values["说明"] == result.total_explanation_zh


# --- 指标完成情况表 --------------------------------------------------------------------------


def test_the_township_row_is_the_runs_figure_recomputed_from_numerators(demo_db: Demo) -> None:
    run = demo_db.published()
    book = open_workbook("indicators", request_for(demo_db))
    summary = read_table(book.worksheets[0])
    detail = read_table(book.worksheets[1])
    area = {a.indicator_code: a for a in run.area_indicator_values.all()}
    indicators = {i.name: i for i in Indicator.objects.filter(code__in=list(area))}
    this_year = f"{run.year}年"
    differs_from_mean = 0
    for row in summary.data:
        indicator = indicators[row.values["指标"]]
        value = area[indicator.code].value
        assert row.values[this_year] == shown(value, indicator.decimals)
        township = next(r for r in detail.totals if r.values["指标"] == row.values["指标"])
        assert township.values["单位代码"] == demo_db.township.code
        assert township.values[this_year] == row.values[this_year]
        units = [
            r.values[this_year]
            for r in detail.data
            if r.values["指标"] == row.values["指标"] and r.values[this_year] is not None
        ]
        mean = sum(units) / len(units)
        differs_from_mean += abs(mean - row.values[this_year]) > 0.005
        if indicator.unit:
            assert row.cells[this_year].number_format.endswith(f'"{indicator.unit}"')
    assert differs_from_mean, "a recomputed rate is not the mean of the units' rates"


def test_each_units_indicators_are_the_runs_beside_last_years(demo_db: Demo) -> None:
    run = demo_db.published()
    last = published_run(run.scheme, run.year - 1, demo_db.township)
    assert last is not None
    detail = read_table(open_workbook("indicators", request_for(demo_db)).worksheets[1])
    codes = run.area_indicator_values.values_list("indicator_code", flat=True)
    indicators = {i.name: i for i in Indicator.objects.filter(code__in=list(codes))}

    def values(of: AssessmentRun) -> dict[tuple[str, str], float | None]:
        return {
            (v.unit.code, v.indicator_code): v.value
            for v in IndicatorValue.objects.filter(run=of).select_related("unit")
        }

    now, before = values(run), values(last)
    rows = detail.data
    assert len(rows) == len(now)
    for row in rows:
        indicator = indicators[row.values["指标"]]
        key = (row.values["单位代码"], indicator.code)
        value = row.values[f"{run.year}年"]
        previous = row.values[f"{run.year - 1}年"]
        assert value == shown(now[key], indicator.decimals)
        assert previous == shown(before.get(key), indicator.decimals)
        if value is None or previous is None:
            assert row.values["升降"] is None
            continue
        change = round_half_up(d(value) - d(previous), indicator.decimals)
        assert d(row.values["增减"]) == change
        assert row.values["升降"] == ("上升" if change > 0 else "下降" if change < 0 else "持平")


def test_met_or_missed_follows_the_direction_of_the_target(demo_db: Demo) -> None:
    detail = read_table(open_workbook("indicators", request_for(demo_db)).worksheets[1])
    judged = 0
    for row in detail.rows:
        target, value = row.values["目标"], row.values[f"{demo_db.published().year}年"]
        if target is None or value is None:
            continue
        lower = row.cells["目标"].number_format.startswith('"≤"')
        met = value <= target if lower else value >= target
        assert row.values["完成情况"] == ("完成" if met else "未完成")
        judged += 1
    assert judged


def test_a_year_with_no_published_year_before_leaves_last_year_blank(demo_db: Demo) -> None:
    from kaohe.demo.figures_2026 import SCHEME_2026

    run = demo_db.published(SCHEME_2026)
    sheet = open_workbook("indicators", request_for(demo_db, SCHEME_2026)).worksheets[0]
    table = read_table(sheet)
    assert table.data
    assert set(table.column(f"{run.year - 1}年")) == {None}
    assert any(f"{run.year - 1} 年度没有已发布的考核结果" in n for n in notes(sheet))
