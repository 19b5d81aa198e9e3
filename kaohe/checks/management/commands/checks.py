"""``kaohe checks sources|enter|import|reconcile``: cross-check figures from the console.

``sources`` lists the sources (code, kind, period type, elements, units they are about, who
feeds them, figures stored);
``enter --source CODE --element CODE --period PERIOD --unit CODE --value N [--comment TEXT]``
stores one figure;
``import FILE [--dry-run]`` imports a CSV or .xlsx file (source, element, period, unit,
value[, comment]): every row, or none, each problem printed with its row and column;
``reconcile --element CODE --year 2006 [--township CODE] [--format table|csv]`` prints the
reconciliation of an element (the whole tree without ``--township``).

Refusals are printed in Chinese and English and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import gettext as _

from kaohe.assessments.exports import csv_lines
from kaohe.audit.services import Actor
from kaohe.checks.errors import CheckError
from kaohe.checks.exports import accuracy_shown, flag_text, reconciliation_table
from kaohe.checks.models import Source
from kaohe.checks.selectors import (
    find_element,
    find_root,
    parse_period_or_year,
    reconciliation,
)
from kaohe.checks.services import do_import_source_values, do_save_source_value
from kaohe.core.text_tables import render_table
from kaohe.datavalues.importing import format_value
from kaohe.orgunits.models import OrgUnit


def _shown(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


class Command(BaseCommand):
    help = (
        "数据核查 / Cross-checks: list the sources, enter or import their figures, reconcile "
        "the reports against them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        sub.add_parser("sources", help="列出核查来源 / list the sources")
        p = sub.add_parser("enter", help="录入一个核查数 / store one figure")
        p.add_argument("--source", required=True, help="来源代码 / source code")
        p.add_argument("--element", required=True, help="数据元素代码 / element code")
        p.add_argument("--period", required=True, help="期间，如 200603、2006 / period code")
        p.add_argument("--unit", required=True, help="被核查单位代码 / the unit it is about")
        p.add_argument("--value", required=True, help="数 / the figure")
        p.add_argument("--comment", default=None, help="备注 / comment")
        p = sub.add_parser("import", help="导入 CSV 或 .xlsx 文件 / import a file")
        p.add_argument("file", help="source, element, period, unit, value[, comment]")
        p.add_argument("--dry-run", action="store_true", help="只检查 / check only")
        p = sub.add_parser("reconcile", help="核查对照 / reconcile an element")
        p.add_argument("--element", required=True, help="数据元素代码 / element code")
        p.add_argument("--year", required=True, help="年度，如 2006、2006Oct / year or period")
        p.add_argument("--township", default="", help="单位代码（含下级） / unit code")
        p.add_argument("--format", choices=["table", "csv"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except CheckError as error:
            raise CommandError(str(error)) from error

    def _sources(self, options: dict[str, Any]) -> None:
        sources = Source.objects.prefetch_related("elements").annotate(n=Count("values"))
        rows = [
            [
                s.code,
                s.name,
                s.kind,
                s.period_type,
                ",".join(sorted(e.code for e in s.elements.all())),
                ",".join(s.unit_kinds),
                s.department_kind or _("乡镇录入"),
                str(s.n),
            ]
            for s in sources.order_by("sort_order", "code")
        ]
        headers = [
            _("代码"),
            _("名称"),
            _("类型"),
            _("期间类型"),
            _("数据元素"),
            _("单位类型"),
            _("报送部门"),
            _("数据条数"),
        ]
        self.stdout.write(render_table(headers, rows, right_align=[7]))

    def _enter(self, options: dict[str, Any]) -> None:
        saved = do_save_source_value(
            Actor.cli(),
            source=options["source"],
            element=options["element"],
            period=options["period"],
            unit=options["unit"],
            value=options["value"],
            comment=options["comment"],
        )
        assert saved.value is not None
        changes = {
            "created": _("已新增 / created"),
            "updated": _("已更新 / updated"),
            "unchanged": _("未变 / unchanged"),
        }
        self.stdout.write(
            f"{changes[saved.change]}: {options['source']}/{options['element']}/"
            f"{options['period']}/{options['unit']} = {format_value(saved.value.value)}"
        )

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("无法读取文件 {path} / cannot read {path}: {error}").format(
                    path=path, error=error.strerror
                )
            ) from None
        outcome = do_import_source_values(
            data, actor=Actor.cli(), filename=path.name, dry_run=options["dry_run"]
        )
        for problem in outcome.problems:
            self.stderr.write(str(problem))
        if not outcome.ok:
            raise CommandError("\n".join(outcome.lines()))
        self.stdout.write("\n".join(outcome.lines()))

    def _reconcile(self, options: dict[str, Any]) -> None:
        period = parse_period_or_year(options["year"])  # refused before anything is read
        code = options["township"]
        if not code:
            top = OrgUnit.objects.order_by("depth", "path").first()
            code = top.code if top else ""
        found = reconciliation(
            find_element(options["element"]),
            find_root(code, None),
            period,
            None,
        )
        if options["format"] == "csv":
            for line in csv_lines(reconciliation_table(found)):
                self.stdout.write(line, ending="")
            return
        headers = [
            _("单位"),
            _("村报数"),
            *(c.name for c in found.sources),
            _("发现数"),
            _("差数"),
            _("漏报"),
            _("多报"),
            _("求实率%"),
            _("更正后"),
            _("标记"),
        ]
        rows = [
            [
                f"{r.unit.code} {r.unit.name}",
                _shown(r.reported),
                *(_shown(v) for v in r.sources),
                _shown(r.found),
                _shown(r.difference),
                _shown(r.under_reported),
                _shown(r.over_reported),
                _shown(float(a) if (a := accuracy_shown(r.accuracy)) is not None else None),
                _shown(r.corrected),
                flag_text(r.flags),
            ]
            for r in found.rows
        ]
        t = found.totals
        rows.append(
            [
                _("合计"),
                _shown(t.reported),
                *(_shown(v) for v in t.sources),
                _shown(t.found),
                _shown(t.difference),
                _shown(t.under_reported),
                _shown(t.over_reported),
                _shown(float(a) if (a := accuracy_shown(t.accuracy)) is not None else None),
                _shown(t.corrected),
                "",
            ]
        )
        numeric = list(range(1, len(headers) - 1))
        self.stdout.write(
            _("{element} 核查对照 · {root} · {period}").format(
                element=found.element.name, root=found.root.name, period=found.period.code
            )
        )
        self.stdout.write(render_table(headers, rows, right_align=numeric))
        self.stdout.write(
            _(
                "漏报 {under} 个单位，多报 {over} 个单位 / {under} unit(s) under-reported, {over} "
                "over-reported"
            ).format(under=t.under_count, over=t.over_count)
        )
        for basis in found.scoring:
            self.stdout.write(f"{basis.text_zh} / {basis.text_en}")
