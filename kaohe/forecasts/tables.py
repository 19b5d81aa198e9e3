"""A township's forecast laid out for the console and the API: tables (rows of text, for the
console's table and CSV) and one JSON-ready document.

Figures are written as the page writes them: expected births to one decimal, bounds and counts
whole, shares as fractions in JSON and percentages in tables, money as a string to the fen.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kaohe.engine.forecast import AGE_GROUPS, VARIANTS, Variant
from kaohe.engine.rounding import round_half_up

from .selectors import ForecastReport

MISSING = ""


@dataclass(frozen=True)
class Table:
    """A titled table: a header and rows of text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _births(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    return str(round_half_up(value, 1))


def _whole(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    return str(round_half_up(value, 0))


def _percent(value: float | None, decimals: int = 1) -> str:
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{round_half_up(100 * value, decimals)}%"


def _round(value: float | None, decimals: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(round_half_up(value, decimals))


def forecast_table(report: ForecastReport, variant: Variant | None = None) -> Table:
    """Births per village and for the township: one variant (default: low, medium and high of
    each year) and the medium variant's interval."""
    shown = [variant] if variant is not None else list(VARIANTS)
    index = {v: i for i, v in enumerate(VARIANTS)}
    header = ["单位 unit", "名称 name"]
    for year in report.years:
        header += [f"{year} {v.value}" for v in shown]
        header += [f"{year} 区间 interval"]
    rows = []
    lines = [(u.code, u.name, u.births, u.lower, u.upper) for u in report.units]
    lines.append(
        (
            report.township.code,
            report.township.name,
            report.total.births,
            report.total.lower,
            report.total.upper,
        )
    )
    for code, name, births, lower, upper in lines:
        row = [code, name]
        for h in range(len(report.years)):
            row += [_births(births[h][index[v]]) for v in shown]
            row += [f"{_whole(lower[h])}–{_whole(upper[h])}"]
        rows.append(tuple(row))
    return Table("出生预测 / births forecast", tuple(header), tuple(rows))


def history_table(report: ForecastReport) -> Table:
    """The township's births by year: what happened, and the forecast beside it."""
    rows = [
        (str(y), _whole(v), "", "", "", "")
        for y, v in zip(report.history_years, report.total.history, strict=True)
    ]
    for h, year in enumerate(report.years):
        low, medium, high = report.total.births[h]
        rows.append(
            (
                str(year),
                _whole(report.total.actual[h]),
                _births(low),
                _births(medium),
                _births(high),
                f"{_whole(report.total.lower[h])}–{_whole(report.total.upper[h])}",
            )
        )
    header = ("年度 year", "实际 actual", "低 low", "中 medium", "高 high", "区间 interval")
    return Table("全镇出生数 / township births", header, tuple(rows))


def backtest_table(report: ForecastReport) -> Table:
    """Each past year forecast one year ahead, against what happened; the summary last."""
    tested = report.backtest
    rows = [
        (
            str(y.year),
            _births(y.predicted),
            f"{_whole(y.lower)}–{_whole(y.upper)}",
            _whole(y.actual),
            _percent(y.error),
        )
        for y in tested.years
    ]
    rows.append(("MAPE", "", "", "", _percent(tested.mape)))
    rows.append(("覆盖率 coverage", "", "", "", _percent(tested.coverage, 0)))
    header = ("年度 year", "预测 forecast", "区间 interval", "实际 actual", "误差 error")
    return Table("回测 / backtest", header, tuple(rows))


def unit_backtest_table(report: ForecastReport) -> Table:
    rows = tuple((u.code, u.name, _percent(u.wape, 0), _births(u.mae)) for u in report.units)
    header = ("单位 unit", "名称 name", "WAPE", "MAE")
    return Table("各村回测误差 / backtest by village", header, rows)


def warning_table(report: ForecastReport) -> Table:
    rows = tuple(
        (
            w.code,
            w.name,
            _whole(w.quota.value),
            f"{w.quota.source_zh} {w.quota.source_en}",
            _births(w.expected),
            f"{_whole(w.lower)}–{_whole(w.upper)}",
            _percent(w.probability, 0),
            "预警 warning" if w.flagged else "",
        )
        for w in report.warnings
    )
    header = (
        "单位 unit",
        "名称 name",
        "计划 quota",
        "来源 source",
        "预计 expected",
        "区间 interval",
        "超出可能性 P(exceed)",
        "",
    )
    return Table(f"{report.warning_year} 年预警 / early warning", header, rows)


def budget_table(report: ForecastReport) -> Table:
    budget = report.budget.budget
    if budget is None:
        return Table("育儿补贴预算 / childcare-subsidy budget", ("",), ((report.budget.reason,),))
    rows = [
        (
            f"{year}Q{quarter}",
            _births(float(budget.total_children[q])),
            f"{budget.total_money[q]}",
            "" if budget.complete[q] else "出生数不全 incomplete",
        )
        for q, (year, quarter) in enumerate(budget.quarters)
    ]
    rows.append(("合计 total", "", f"{report.budget.total}", ""))
    header = ("季度 quarter", "3岁以下 under three", "金额 yuan", "")
    return Table("育儿补贴预算 / childcare-subsidy budget", header, tuple(rows))


def services_table(report: ForecastReport) -> Table:
    rows = tuple(
        (
            str(s.year),
            _births(s.births),
            _whole(s.newborn_screening),
            _whole(s.prepregnancy_target),
            _whole(s.prepregnancy_screening),
            _whole(s.population),
            _whole(s.childcare_places),
        )
        for s in report.services
    )
    header = (
        "年度 year",
        "出生 births",
        "新生儿筛查 newborn screening",
        "孕前目标 pre-pregnancy target",
        "孕前应检 to screen",
        "人口 population",
        "托位 childcare places",
    )
    return Table("服务需求 / service needs", header, rows)


# --- JSON -----------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value}"


def report_document(report: ForecastReport) -> dict[str, Any]:
    """The whole forecast as JSON: figures rounded as shown, missing ones null, shares as
    fractions, money as strings."""
    a = report.assumptions
    budget = report.budget.budget
    return {
        "township": report.township.code,
        "township_name": report.township.name,
        "base_year": report.base_year,
        "history_years": list(report.history_years),
        "years": list(report.years),
        "variants": [v.value for v in VARIANTS],
        "age_groups": list(AGE_GROUPS),
        "assumptions": {
            "horizon": a.horizon,
            "survival": a.survival,
            "net_migration": a.net_migration,
            "entrants": a.entrants,
            "variant_factors": list(a.variant_factors),
            "fertility_trend": a.fertility_trend,
            "estimation_years": a.estimation_years,
            "prior_strength": a.prior_strength,
            "interval": a.interval,
            "level_drift": a.level_drift,
            "saved_by": report.saved.updated_by if report.saved else None,
            "note": report.saved.note if report.saved else "",
        },
        "township_births": {
            "history": [_round(v, 0) for v in report.total.history],
            "low": [_round(b[0], 1) for b in report.total.births],
            "medium": [_round(b[1], 1) for b in report.total.births],
            "high": [_round(b[2], 1) for b in report.total.births],
            "lower": [_round(v, 0) for v in report.total.lower],
            "upper": [_round(v, 0) for v in report.total.upper],
            "actual": [_round(v, 0) for v in report.total.actual],
            "tfr": _round(report.total.tfr, 3),
            "rates": [_round(r, 5) for r in report.group_rates],
        },
        "units": [
            {
                "unit": u.code,
                "name": u.name,
                "history": [_round(v, 0) for v in u.history],
                "low": [_round(b[0], 1) for b in u.births],
                "medium": [_round(b[1], 1) for b in u.births],
                "high": [_round(b[2], 1) for b in u.births],
                "lower": [_round(v, 0) for v in u.lower],
                "upper": [_round(v, 0) for v in u.upper],
                "actual": [_round(v, 0) for v in u.actual],
                "women": _round(u.women, 0),
                "tfr": _round(u.tfr, 3),
                "own_weight": _round(u.own_weight, 3),
                "exposure": _round(u.exposure, 1),
                "projectable": u.projectable,
                "backtest_wape": _round(u.wape, 3),
                "backtest_mae": _round(u.mae, 2),
                "explanation_zh": u.explanation_zh,
                "explanation_en": u.explanation_en,
            }
            for u in report.units
        ],
        "backtest": {
            "years": [y.year for y in report.backtest.years],
            "predicted": [_round(y.predicted, 1) for y in report.backtest.years],
            "lower": [_round(y.lower, 0) for y in report.backtest.years],
            "upper": [_round(y.upper, 0) for y in report.backtest.years],
            "actual": [_round(y.actual, 0) for y in report.backtest.years],
            "mape": _round(report.backtest.mape, 4),
            "coverage": _round(report.backtest.coverage, 3),
            "township_coverage": _round(report.backtest.township_coverage, 3),
            "reason": report.backtest.reason,
        },
        "warnings": {
            "year": report.warning_year,
            "flag_probability": report.config.flag_probability,
            "units": [
                {
                    "unit": w.code,
                    "name": w.name,
                    "quota": w.quota.value,
                    "source": w.quota.source,
                    "scheme": w.quota.scheme,
                    "expected": _round(w.expected, 1),
                    "lower": _round(w.lower, 0),
                    "upper": _round(w.upper, 0),
                    "probability": _round(w.probability, 3),
                    "flagged": w.flagged,
                }
                for w in report.warnings
            ],
        },
        "budget": {
            "amount_per_year": _money(budget.amount_per_year) if budget else None,
            "quarters": [f"{y}Q{q}" for y, q in budget.quarters] if budget else [],
            "children": [_round(float(c), 2) for c in budget.total_children] if budget else [],
            "money": [_money(m) for m in budget.total_money] if budget else [],
            "complete": list(budget.complete) if budget else [],
            "total": _money(report.budget.total) if budget else None,
            "units": [
                {"unit": code, "money": [_money(m) for m in row]}
                for code, row in zip(budget.units, budget.money, strict=True)
            ]
            if budget
            else [],
            "reason": report.budget.reason,
        },
        "services": [
            {
                "year": s.year,
                "births": _round(s.births, 1),
                "newborn_screening": _round(s.newborn_screening, 0),
                "prepregnancy_target": _round(s.prepregnancy_target, 0),
                "prepregnancy_screening": _round(s.prepregnancy_screening, 0),
                "population": _round(s.population, 0),
                "childcare_places": _round(s.childcare_places, 0),
            }
            for s in report.services
        ],
        "mismatches": [
            {"unit": m.code, "year": m.year, "by_age": m.by_age, "reported": m.reported}
            for m in report.mismatches
        ],
    }


# --- text -----------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns the text takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(table: Table) -> str:
    """The table as aligned text, its title first."""
    lines = [table.title]
    everything = [table.header, *table.rows]
    widths = [
        max(_width(row[c]) for row in everything if c < len(row)) for c in range(len(table.header))
    ]
    for row in everything:
        cells = [cell + " " * (widths[c] - _width(cell)) for c, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def csv_text(tables: Sequence[Table]) -> str:
    """The tables as CSV, each after a line with its title and a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for n, table in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(table.rows)
    return out.getvalue()
