"""``kaohe load BUNDLE.yaml… [--dry-run]``: load configuration bundles, all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.audit.services import Actor
from kaohe.bundles.loader import BundleError
from kaohe.bundles.services import do_load_bundles


class Command(BaseCommand):
    help = (
        "加载配置包（单位、数据元素、数据集、责任人、指标、考核方案、单位目标）；"
        "有任何错误则不作任何修改 / Load configuration bundles (units, data elements, data sets, "
        "officials, indicators, schemes, unit targets); nothing is changed if anything is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="BUNDLE.yaml",
            help="一个或多个 YAML 文件，一起加载 / one or more YAML files, loaded together",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查并报告将作的修改，不保存 / check and report what would change, save nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = do_load_bundles(options["paths"], Actor.cli(), dry_run=options["dry_run"])
        except BundleError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems)
            raise CommandError(
                f"配置包有 {count} 处错误，未作任何修改 / "
                f"{count} problem(s) in the bundle: nothing was changed"
            ) from None
        for line in report.summary_lines():
            self.stdout.write(line)
