"""``kaohe worker``: run the recomputations queued on the Redis of ``KAOHE_REDIS_URL``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.assessments import jobs


class Command(BaseCommand):
    help = (
        "处理后台队列中的重新计算 / Work the background queue of recomputations "
        "(needs KAOHE_REDIS_URL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--burst",
            action="store_true",
            help="队列处理完即退出 / stop when the queue is empty",
        )
        parser.add_argument(
            "--no-fork",
            action="store_true",
            help="在本进程内运行任务 / run jobs in this process instead of a child process",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not jobs.queue_configured():
            raise CommandError(
                _(
                    "未设置 KAOHE_REDIS_URL：没有后台队列，重新计算在保存数据时直接进行 / "
                    "KAOHE_REDIS_URL is not set: there is no queue, recomputations run inline"
                )
            )
        self.stdout.write(
            _("处理队列 {queue} / working queue {queue}").format(queue=jobs.queue_name())
        )
        jobs.run_worker(burst=options["burst"], fork=not options["no_fork"])
