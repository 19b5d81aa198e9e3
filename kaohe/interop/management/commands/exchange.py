"""``kaohe exchange import|export|mappings``: DHIS2 data value sets in and out.

``import FILE [--format auto|csv|json|adx] [--strategy CREATE_AND_UPDATE|CREATE|UPDATE|DELETE]
[--atomic-mode ALL|NONE] [--dry-run] [--id-scheme code|name|uid] [--element-id-scheme …]
[--unit-id-scheme …] [--encoding auto|utf-8|gbk] [--delete-empty] [--stored-by NAME]
[--json]`` imports a file (``-``: standard input) and prints the summary (``--json``: DHIS2's
import summary); it fails (exit status 1) when nothing was written because of conflicts.

``export --township CODE (--start PERIOD --end PERIOD | --period PERIOD…) [--dataset CODE…]
[--element CODE…] [--format csv|json|adx] [--id-scheme …] [--no-children] [--output FILE]``
writes a data value set to standard output or FILE.

``mappings list`` prints the external identifiers and combination mappings as YAML;
``mappings load FILE.yaml`` loads such a file (all or nothing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.interop.exports import ExportError, export_data_values, parse_export
from kaohe.interop.mappings import do_load_mappings, dump_mappings
from kaohe.interop.options import AtomicMode, ExchangeOptionError, IdScheme, ImportOptions, Strategy
from kaohe.interop.values import ENCODINGS, do_import_data_values

STDIN = "-"
SCHEMES = [s.value for s in IdScheme]


class Command(BaseCommand):
    help = (
        "DHIS2 数据值集的导入与导出（CSV、JSON、ADX），及标识与分解映射 / Import and export DHIS2 "
        "data value sets (CSV, JSON, ADX), and manage identifier and disaggregation mappings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        p = sub.add_parser("import", help="导入数据值集 / import a data value set")
        p.add_argument("file", help="文件，- 表示标准输入 / file; - reads standard input")
        p.add_argument(
            "--format", dest="fmt", choices=["auto", "csv", "json", "adx"], default="auto"
        )
        p.add_argument(
            "--strategy",
            choices=[s.value for s in Strategy],
            default=Strategy.CREATE_AND_UPDATE.value,
            help="DHIS2 importStrategy",
        )
        p.add_argument(
            "--atomic-mode",
            choices=[m.value for m in AtomicMode],
            default=AtomicMode.ALL.value,
            help="ALL：有冲突则全不导入；NONE：跳过有冲突的数据值 / DHIS2 atomicMode",
        )
        p.add_argument("--dry-run", action="store_true", help="只检查和计数 / check and count only")
        p.add_argument("--id-scheme", choices=SCHEMES, default=IdScheme.CODE.value)
        p.add_argument("--element-id-scheme", choices=SCHEMES, default=None)
        p.add_argument("--unit-id-scheme", choices=SCHEMES, default=None)
        p.add_argument("--encoding", choices=ENCODINGS, default="auto")
        p.add_argument(
            "--delete-empty", action="store_true", help="空值即删除 / an empty value deletes"
        )
        p.add_argument("--stored-by", default=None, metavar="NAME")
        p.add_argument(
            "--json", action="store_true", help="输出 DHIS2 导入摘要 / print DHIS2's summary"
        )

        p = sub.add_parser("export", help="导出数据值集 / export a data value set")
        p.add_argument("--township", required=True, help="单位代码（含下级） / unit code")
        p.add_argument("--start", default="", help="起始期间代码 / first period, e.g. 202601")
        p.add_argument("--end", default="", help="结束期间代码 / last period, e.g. 202612")
        p.add_argument(
            "--period", action="append", default=[], help="期间代码，可重复 / repeatable"
        )
        p.add_argument("--dataset", action="append", default=[], help="数据集代码，可重复")
        p.add_argument("--element", action="append", default=[], help="数据元素代码，可重复")
        p.add_argument("--format", dest="fmt", choices=["csv", "json", "adx"], default="csv")
        p.add_argument("--id-scheme", choices=SCHEMES, default=IdScheme.CODE.value)
        p.add_argument("--element-id-scheme", choices=SCHEMES, default="")
        p.add_argument("--unit-id-scheme", choices=SCHEMES, default="")
        p.add_argument("--no-children", action="store_true", help="不含下级单位 / the unit alone")
        p.add_argument("--output", default="", help="输出文件（默认标准输出） / output file")

        p = sub.add_parser("mappings", help="标识与分解映射 / identifier and combo mappings")
        p.add_argument("what", choices=["list", "load"])
        p.add_argument("file", nargs="?", default="", help="load 的 YAML 文件 / YAML file to load")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['step']}")(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        if path != STDIN and not Path(path).is_file():
            raise CommandError(_("找不到文件 / file not found: {file}").format(file=path))
        try:
            import_options = ImportOptions(
                fmt=options["fmt"],
                encoding=options["encoding"],
                strategy=options["strategy"],
                atomic_mode=options["atomic_mode"],
                dry_run=options["dry_run"],
                id_scheme=options["id_scheme"],
                element_scheme=options["element_id_scheme"],
                unit_scheme=options["unit_id_scheme"],
                delete_empty=options["delete_empty"],
                stored_by=options["stored_by"],
            )
        except ExchangeOptionError as error:
            raise CommandError(str(error)) from error
        actor = Actor(name=Actor.cli().name, channel=Channel.IMPORT)
        summary = do_import_data_values(
            sys.stdin.buffer if path == STDIN else path, actor=actor, options=import_options
        )
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dhis2(), ensure_ascii=False, indent=2))
        else:
            for line in summary.lines():
                self.stdout.write(line)
            for conflict in summary.conflicts:
                self.stderr.write(f"  {conflict}")
        if summary.status == "ERROR":
            raise CommandError(
                _("未写入任何数据 / nothing was written ({n} conflict(s))").format(
                    n=summary.conflict_count
                )
            )

    def _export(self, options: dict[str, Any]) -> None:
        try:
            query = parse_export(
                None,
                units=[options["township"]],
                children=not options["no_children"],
                start=options["start"],
                end=options["end"],
                periods=options["period"],
                datasets=options["dataset"],
                elements=options["element"],
                fmt=options["fmt"],
                id_scheme=options["id_scheme"],
                element_scheme=options["element_id_scheme"],
                unit_scheme=options["unit_id_scheme"],
            )
            pieces = export_data_values(query, None)
        except ExportError as error:
            raise CommandError(str(error)) from error
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.writelines(pieces)
            return
        for piece in pieces:
            self.stdout.write(piece, ending="")

    def _mappings(self, options: dict[str, Any]) -> None:
        if options["what"] == "list":
            self.stdout.write(dump_mappings(), ending="")
            return
        if not options["file"]:
            raise CommandError(_("请给出 YAML 文件 / give the YAML file"))
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(str(error)) from error
        outcome = do_load_mappings(Actor.cli(), text)
        if outcome.problems:
            for problem in outcome.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(_("未载入任何映射 / no mapping was loaded"))
        self.stdout.write(
            _(
                "已载入外部标识 {ids} 个、分解映射 {combos} 个 / loaded {ids} external id(s) and "
                "{combos} combo mapping(s)"
            ).format(ids=outcome.external_ids, combos=outcome.combos)
        )
