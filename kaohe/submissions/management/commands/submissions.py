"""``kaohe submissions [--status S] [--dataset CODE] [--period CODE] [--unit CODE]``: list
submissions, one a line: id, data set, unit, period, status, when it came in, on time or late."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.submissions.models import Status, Submission
from kaohe.submissions.services import submission_on_time


class Command(BaseCommand):
    help = "列出报送 / List submissions, optionally by status, data set, period or unit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--status",
            choices=Status.values,
            help="只列此状态 / only this status",
        )
        parser.add_argument("--dataset", help="数据集代码 / data set code")
        parser.add_argument("--period", help="期间代码 / period code")
        parser.add_argument("--unit", help="单位代码 / unit code")

    def handle(self, *args: Any, **options: Any) -> None:
        submissions = Submission.objects.select_related("dataset", "unit", "period").order_by(
            "period__start_date", "dataset__code", "unit__path"
        )
        for name, lookup in (
            ("status", "status"),
            ("dataset", "dataset__code"),
            ("period", "period__code"),
            ("unit", "unit__code"),
        ):
            if options.get(name):
                submissions = submissions.filter(**{lookup: options[name]})
        count = 0
        for submission in submissions.iterator(chunk_size=500):
            count += 1
            when = (
                timezone.localtime(submission.submitted_at).strftime("%Y-%m-%d %H:%M")
                if submission.submitted_at
                else "-"
            )
            timely = submission_on_time(submission)
            mark = "" if timely is None else (_("按时 / on time") if timely else _("逾期 / late"))
            self.stdout.write(
                "\t".join(
                    [
                        str(submission.pk),
                        submission.dataset.code,
                        submission.unit.code,
                        submission.period.code,
                        submission.status,
                        when,
                        mark,
                    ]
                )
            )
        self.stderr.write(_("共 {n} 条 / {n} submission(s)").format(n=count))
