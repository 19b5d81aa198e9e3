"""``kaohe push --to URL``: send approved figures upward as DHIS2 data value sets.

``--township CODE`` limits it to a township (default: every unit); ``--start`` and ``--end``
(a date or a DHIS2 period code) to the periods between them; ``--batch-size N`` (default 5000)
values per request; ``--id-scheme code|name|uid`` how elements and units are named (``uid``:
the identifiers registered on the mappings page); ``--dry-run`` asks the receiver to check
without saving. Credentials come
from ``KAOHE_PUSH_TOKEN``, or ``KAOHE_PUSH_USER`` and ``KAOHE_PUSH_PASSWORD``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.audit.services import Actor
from kaohe.interop.options import IdScheme
from kaohe.levels.bounds import parse_bound, unit_by_code
from kaohe.levels.models import PushStatus
from kaohe.levels.push import DEFAULT_BATCH, PushError, do_push


class Command(BaseCommand):
    help = (
        "向上级上报已审核通过的数据（DHIS2 数据值集，分批发送，失败重试） / Push approved "
        "figures upward as DHIS2 data value sets, in batches, with retries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, metavar="URL", help="接收方地址 / receiver")
        parser.add_argument("--township", default="", help="乡镇代码 / township code")
        parser.add_argument("--start", default="", help="起始：日期或期间 / date or period")
        parser.add_argument("--end", default="", help="截止：日期或期间 / date or period")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH)
        parser.add_argument(
            "--id-scheme",
            choices=[s.value for s in IdScheme],
            default=IdScheme.CODE.value,
            help="按代码、名称或接收方的 uid 标识 / identify by code, name or the receiver's uid",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="接收方只检查不保存（dryRun） / the receiver checks, saves nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            township = unit_by_code(options["township"]) if options["township"] else None
            log = do_push(
                Actor.cli(),
                options["to"],
                township=township,
                start=parse_bound(options["start"], end=False, field="start"),
                end=parse_bound(options["end"], end=True, field="end"),
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
                id_scheme=IdScheme(options["id_scheme"]),
            )
        except PushError as error:
            raise CommandError(str(error)) from None
        for batch in log.batches.order_by("index"):
            self.stdout.write(
                f"#{batch.index}\t{batch.values}\t{batch.digest[:12]}\t"
                f"HTTP {batch.http_status or '—'}\t{batch.attempts}×\t"
                f"{batch.summary_status or '—'}\timported {batch.imported}\t"
                f"updated {batch.updated}\tignored {batch.ignored}\tdeleted {batch.deleted}"
                + (f"\t{batch.error}" if batch.error else "")
            )
        self.stdout.write(
            f"上报记录 #{log.pk} / push #{log.pk}: {log.values} 条 values, "
            f"新增 imported {log.imported}, 更新 updated {log.updated}, "
            f"忽略 ignored {log.ignored}, 删除 deleted {log.deleted}, 冲突 conflicts "
            f"{log.conflicts}"
        )
        self.stdout.write(log.message)
        if log.status == PushStatus.FAILED:
            raise CommandError(log.message)
