"""``kaohe metadata export|import``: a township's metadata as one bundle, and taking one in.

``export --township CODE [--format yaml|json] [--output FILE]`` writes the township's units,
officials, rules, targets and contracts (standard output unless ``--output``); ``export
--rules-only`` only the rules (elements, data sets, indicators, schemes, validation rules,
sources), which ``kaohe load`` reads in every township. ``import FILE [--dry-run]
[--allow-moves]`` takes an export (or any bundle) in, all or nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.bundles.loader import BundleError
from kaohe.levels.metadata import FORMATS, render_document, rules_document, township_document
from kaohe.levels.metadata_import import do_import_metadata
from kaohe.orgunits.models import OrgUnit


class Command(BaseCommand):
    help = (
        "元数据交换：导出乡镇的元数据（单位、责任人、规则、目标、责任书），或导入 / Metadata "
        "exchange: export a township's metadata (units, officials, rules, targets, contracts) "
        "as one bundle, or import one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        p = sub.add_parser("export", help="导出 / export")
        p.add_argument("--township", default="", help="乡镇代码 / township code")
        p.add_argument(
            "--rules-only",
            action="store_true",
            help="只导出规则（县下发给各乡镇） / only the rules (what a county hands down)",
        )
        p.add_argument("--format", choices=FORMATS, default="yaml")
        p.add_argument("--output", default="", help="写入文件（默认标准输出） / file to write")
        p = sub.add_parser("import", help="导入 / import")
        p.add_argument("path", metavar="FILE", help="导出文件或配置包 / an export or a bundle")
        p.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查并报告将作的修改 / check and report, save nothing",
        )
        p.add_argument(
            "--allow-moves",
            action="store_true",
            help="允许把已有单位移到另一上级下 / let a stored unit move to another parent",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['step']}")(options)

    def _export(self, options: dict[str, Any]) -> None:
        if options["rules_only"]:
            document, title = rules_document(), "考核规则 / rules"
        else:
            code = options["township"].strip()
            if not code:
                raise CommandError(
                    _(
                        "请用 --township 指定乡镇，或用 --rules-only / name a --township, or "
                        "pass --rules-only"
                    )
                )
            township = OrgUnit.objects.filter(code=code).first()
            if township is None:
                raise CommandError(
                    _("没有代码为 {code} 的单位 / no unit with code {code}").format(code=code)
                )
            document = township_document(township)
            title = f"{township.name}（{township.code}）元数据 / metadata of {township.code}"
        text = render_document(document, options["format"], title=title)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()

    def _import(self, options: dict[str, Any]) -> None:
        path = options["path"]
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(_("文件不存在 / file not found: {path}").format(path=path)) from None
        except UnicodeDecodeError:
            raise CommandError(
                _("文件不是 UTF-8 编码的文本 / the file is not UTF-8 text: {path}").format(
                    path=path
                )
            ) from None
        try:
            report = do_import_metadata(
                text,
                path,
                Actor.cli(),
                dry_run=options["dry_run"],
                allow_moves=options["allow_moves"],
            )
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems)
            raise CommandError(
                f"元数据有 {count} 处错误，未作任何修改 / "
                f"{count} problem(s) in the metadata: nothing was changed"
            ) from None
        for line in report.summary_lines():
            self.stdout.write(line)
