"""``kaohe forecast --township CODE [--year YEAR] [--horizon N] [--variant low|medium|high]
[--backtest] [--warnings] [--budget] [--format table|csv|json]``: a township's birth forecast
from the console.

Prints the township's births by year (history and forecast), the forecast per village and the
backtest's summary; ``--backtest`` adds each year's backtest and the villages' errors,
``--warnings`` the early-warning list, ``--budget`` the childcare-subsidy budget by quarter and
the service needs. ``--format csv`` prints the same tables as CSV, ``--format json`` the whole
forecast as one JSON document (every section).

``--set NAME=VALUE`` (repeatable, with ``--note``) saves the township's own assumptions
(survival, net_migration, entrants, fertility_trend, low_factor, high_factor; an empty VALUE
takes the default) and ``--clear-assumptions`` goes back to the defaults, both audited, before
the forecast is printed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.audit.services import Actor
from kaohe.engine.forecast import VARIANTS, Variant
from kaohe.forecasts.errors import ForecastError
from kaohe.forecasts.selectors import (
    ForecastReport,
    find_township,
    parse_horizon,
    parse_year,
    township_forecast,
)
from kaohe.forecasts.services import (
    FIELDS,
    do_clear_assumptions,
    do_save_assumptions,
    saved_assumptions,
)
from kaohe.forecasts.tables import (
    Table,
    backtest_table,
    budget_table,
    csv_text,
    forecast_table,
    format_table,
    history_table,
    report_document,
    services_table,
    unit_backtest_table,
    warning_table,
)


class Command(BaseCommand):
    help = (
        "出生预测 / Birth forecast: a township's births for the next one to five years per "
        "village (low, medium, high, with an interval), the backtest, the early-warning list "
        "and the childcare-subsidy budget."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--township", required=True, help="乡镇代码 / township code")
        parser.add_argument(
            "--year", help="基准年度（预测其后各年；默认有数据的最近一年） / base year"
        )
        parser.add_argument("--horizon", help="预测年数 1–5（默认见配置） / years ahead, 1–5")
        parser.add_argument(
            "--variant",
            choices=[v.value for v in VARIANTS],
            help="只列出一个方案（默认低、中、高） / one variant only",
        )
        parser.add_argument("--backtest", action="store_true", help="列出回测 / the backtest")
        parser.add_argument("--warnings", action="store_true", help="列出预警 / early warning")
        parser.add_argument(
            "--budget", action="store_true", help="育儿补贴预算和服务需求 / budget and needs"
        )
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="保存本镇假设 / save an assumption: " + ", ".join(FIELDS),
        )
        parser.add_argument("--note", default=None, help="假设的依据 / why (with --set)")
        parser.add_argument(
            "--clear-assumptions",
            action="store_true",
            help="改用默认假设 / go back to the default assumptions",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.cli()
        try:
            township = find_township(options["township"], None)
            if options["clear_assumptions"]:
                do_clear_assumptions(actor, township)
            if options["set"]:
                self._save(actor, township, options["set"], options["note"])
            year = parse_year(options["year"], township)
            horizon = parse_horizon(options["horizon"], 5) if options["horizon"] else None
            report = township_forecast(township, year, horizon=horizon)
        except ForecastError as error:
            raise CommandError(str(error)) from error
        if options["format"] == "json":
            self.stdout.write(json.dumps(report_document(report), ensure_ascii=False, indent=2))
            return
        tables = self._tables(report, options)
        if options["format"] == "csv":
            self.stdout.write(csv_text(tables), ending="")
            return
        self.stdout.write("\n\n".join(format_table(t) for t in tables))
        if not options["backtest"]:
            self.stdout.write("\n" + self._backtest_line(report))

    def _save(self, actor: Actor, township: Any, pairs: list[str], note: str | None) -> None:
        row = saved_assumptions(township)
        data: dict[str, Any] = {
            name: "" if row is None or getattr(row, name) is None else getattr(row, name)
            for name in FIELDS
        }
        for pair in pairs:
            name, sep, value = pair.partition("=")
            if not sep or name.strip() not in FIELDS:
                raise ForecastError(
                    "set",
                    f"--set 须为 名称=值，名称为 {', '.join(FIELDS)} 之一：{pair} / --set takes "
                    f"NAME=VALUE, NAME one of {', '.join(FIELDS)}: {pair}",
                )
            data[name.strip()] = value.strip()
        do_save_assumptions(
            actor, township, data, note if note is not None else (row.note if row else "")
        )

    def _tables(self, report: ForecastReport, options: dict[str, Any]) -> list[Table]:
        variant = Variant(options["variant"]) if options["variant"] else None
        tables = [history_table(report), forecast_table(report, variant)]
        if options["backtest"]:
            tables += [backtest_table(report), unit_backtest_table(report)]
        if options["warnings"]:
            tables.append(warning_table(report))
        if options["budget"]:
            tables += [budget_table(report), services_table(report)]
        return tables

    @staticmethod
    def _backtest_line(report: ForecastReport) -> str:
        tested = report.backtest
        if tested.mape is None:
            return f"回测 / backtest: {tested.reason or '—'}"
        years = f"{tested.years[0].year}–{tested.years[-1].year}"
        return (
            f"回测 {years}：全镇提前一年预测的平均误差 {100 * tested.mape:.1f}% / backtest "
            f"{years}: the township's one-year-ahead forecast was off by {100 * tested.mape:.1f}% "
            "on average"
        )
