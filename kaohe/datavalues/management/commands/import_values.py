"""``kaohe import FILE…``: import DHIS2 data value sets (CSV or JSON).

Several files are one import: if any of them has a problem, nothing from any of them is kept.
A later file's value for the same data element, period and unit overrides an earlier one's.
"""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.excel import WORKBOOK_SUFFIXES, do_import_upload
from kaohe.datavalues.importing import ENCODINGS, FORMATS
from kaohe.datavalues.services import do_import_values

STDIN: str = "-"


class Command(BaseCommand):
    help = (
        "导入 DHIS2 数据值集（CSV 或 JSON）；有任何问题则不写入任何数据 / Import DHIS2 data value "
        "sets (CSV or JSON); if there is any problem, nothing is written."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            metavar="FILE",
            help="CSV 或 JSON 文件，- 表示标准输入 / CSV or JSON files; - reads standard input",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查和计数，不写入 / check and count, write nothing",
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=FORMATS,
            default="auto",
            help="文件格式（auto：按扩展名或内容判断） / file format (auto: by extension or content)",
        )
        parser.add_argument(
            "--encoding",
            choices=ENCODINGS,
            default="auto",
            help="文字编码（auto：UTF-8，不行再按 GBK） / text encoding (auto: UTF-8, else GBK)",
        )
        parser.add_argument(
            "--stored-by",
            dest="stored_by",
            default=None,
            metavar="NAME",
            help="文件未写录入人时使用的名字 / name recorded where the file gives no storedby",
        )
        parser.add_argument(
            "--delete-empty",
            action="store_true",
            help="空值表示删除已存的值（DHIS2 的含义） / an empty value deletes the stored value",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[str] = options["files"]
        missing = [p for p in paths if p != STDIN and not os.path.isfile(p)]
        if missing:
            raise CommandError(
                _("找不到文件 / file not found: {files}").format(files=", ".join(missing))
            )
        actor = Actor(name=Actor.cli().name, channel=Channel.IMPORT)
        problem_count = 0
        # One transaction around all files, so that a problem in a later file also undoes
        # what earlier files wrote.
        with transaction.atomic():
            for path in paths:
                if path != STDIN and Path(path).suffix.lower() in WORKBOOK_SUFFIXES:
                    # A filled-in Excel template: its own reader, the same write path.
                    summary = do_import_upload(
                        Path(path).read_bytes(),
                        filename=path,
                        actor=actor,
                        dry_run=options["dry_run"],
                    )
                else:
                    summary = do_import_values(
                        sys.stdin.buffer if path == STDIN else path,
                        actor=actor,
                        fmt=options["fmt"],
                        encoding=options["encoding"],
                        dry_run=options["dry_run"],
                        stored_by=options["stored_by"],
                        delete_empty=options["delete_empty"],
                    )
                self.stdout.write(path if path != STDIN else _("标准输入 / standard input"))
                for line in summary.lines():
                    self.stdout.write(f"  {line}")
                for problem in summary.problems:
                    self.stderr.write(f"  {problem}")
                problem_count += len(summary.problems)
            if problem_count:
                raise CommandError(
                    _(
                        "共 {n} 个问题，未写入任何数据（所有文件均未导入） / {n} problem(s) in all; "
                        "nothing was written (no file was imported)"
                    ).format(n=problem_count)
                )
