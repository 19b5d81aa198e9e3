"""``kaohe completeness --township CODE --year YYYY [--dataset CODE] [--format text|csv|json]
[--cells]``: which reports of a township's units were expected, received and on time.

``text`` (the default) prints a grid per data set, a row per unit and a mark per period, with
the counts and rates; ``csv`` the totals per unit (``--cells``: every cell), as the page's
download; ``json`` what ``GET /api/completeness/`` answers. The console sees every unit.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from kaohe.assessments.exports import csv_lines
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.completeness import CellState, Completeness, DataSetGrid, Tally
from kaohe.submissions.completeness_api import as_data
from kaohe.submissions.completeness_exports import cells_table, summary_table
from kaohe.submissions.selectors import CompletenessError, completeness_of, resolve_query

MARKS = {
    CellState.ON_TIME: "✓",
    CellState.LATE: "!",
    CellState.MISSING: "✗",
    CellState.NOT_DUE: "…",
    CellState.NOT_EXPECTED: "—",
}


class Command(BaseCommand):
    help = (
        "报表完整性与及时性 / Reports expected, received and on time, per data set, unit and "
        "period, for a township and year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--township",
            required=True,
            help="单位代码（通常是乡镇）/ unit code, usually a township",
        )
        parser.add_argument("--year", required=True, help="年度 / calendar year")
        parser.add_argument("--dataset", default="", help="只看此数据集 / only this data set")
        parser.add_argument(
            "--format",
            choices=["text", "csv", "json"],
            default="text",
            help="输出格式 / output format",
        )
        parser.add_argument(
            "--cells",
            action="store_true",
            help="csv：逐期明细而非按单位汇总 / csv: every cell instead of the totals per unit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            query = resolve_query(None, options["township"], options["year"], options["dataset"])
        except OrgUnit.DoesNotExist:
            raise CommandError(
                _("没有代码为 {code} 的单位 / no unit with code {code}").format(
                    code=options["township"]
                )
            ) from None
        except DataSet.DoesNotExist:
            raise CommandError(
                _("没有代码为 {code} 的数据集 / no data set with code {code}").format(
                    code=options["dataset"]
                )
            ) from None
        except CompletenessError as error:
            raise CommandError(str(error)) from None
        assert query is not None  # the township is required
        report = completeness_of(query)
        if options["format"] == "json":
            text = json.dumps(as_data(report), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            self.stdout.write(text)
        elif options["format"] == "csv":
            table = cells_table(report) if options["cells"] else summary_table(report)
            for line in csv_lines(table):
                self.stdout.write(line.lstrip("\ufeff"), ending="")
        else:
            self._text(report)

    def _text(self, report: Completeness) -> None:
        self.stdout.write(
            _("{root}（{code}）{year} 年，截至 {day}").format(
                root=report.root.name,
                code=report.root.code,
                year=report.year,
                day=report.as_of.isoformat(),
            )
        )
        for grid in report.grids:
            self._grid(grid)
        self.stdout.write("  ".join(f"{MARKS[state]} {state.label}" for state in CellState))
        if not report.grids:
            self.stderr.write(_("没有需要报送的数据集 / no data set to report"))

    def _grid(self, grid: DataSetGrid) -> None:
        dataset = grid.dataset
        self.stdout.write("")
        self.stdout.write(
            _("{name}（{code}，{type}，期间结束后 {days} 天内报送）").format(
                name=dataset.name,
                code=dataset.code,
                type=dataset.period_type,
                days=dataset.due_day,
            )
        )
        header = ["", *(p.code for p in grid.periods)]
        header += [_("应报"), _("实报"), _("按时"), _("报告率"), _("及时率")]
        self.stdout.write("\t".join(header))
        for row in grid.rows:
            marks = [MARKS[cell.state] for cell in row.cells]
            self.stdout.write("\t".join([row.unit.code, *marks, *_figures(row.tally)]))
        totals = [f"{t.actual}/{t.expected}" for t in grid.period_tallies]
        self.stdout.write("\t".join([_("合计"), *totals, *_figures(grid.tally)]))


def _figures(tally: Tally) -> list[str]:
    def rate(value: object) -> str:
        return "—" if value is None else f"{value}%"

    return [
        str(tally.expected),
        str(tally.actual),
        str(tally.on_time),
        rate(tally.reporting_rate),
        rate(tally.reporting_rate_on_time),
    ]
