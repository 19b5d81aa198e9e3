"""``kaohe outliers --township CODE [--element CODE…] --from PERIOD --to PERIOD [--method M]
[--threshold X] [--min-values N] [--csv] [--mark]``: the outlier list from the console.

Prints one tab-separated line per flagged value (most significant first: unit, element,
period, value, score, follow-up flag, reason), then the series not judged and a summary; with
``--csv`` the list as CSV instead. ``--mark`` marks every flagged stored value for follow-up
through the audited data-value service (the values themselves never change).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.engine.outliers import OutlierMethod
from kaohe.engine.rounding import format_trimmed
from kaohe.quality.errors import QualityError
from kaohe.quality.exports import outlier_csv_lines
from kaohe.quality.outliers import find_outliers, parse_query
from kaohe.quality.services import do_mark_many


class Command(BaseCommand):
    help = (
        "查找异常值 / Find outliers: judge each unit × element series under a unit by the "
        "modified z-score (default), IQR, min–max ranges or the plain z-score."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--township", required=True, help="单位代码（含下级） / unit code")
        parser.add_argument(
            "--element",
            action="append",
            default=[],
            help="数据元素代码，可重复；不填为全部数值型 / element code (repeatable)",
        )
        parser.add_argument("--from", dest="start", required=True, help="起始期间，如 202501")
        parser.add_argument("--to", dest="end", required=True, help="截止期间，如 202612")
        parser.add_argument(
            "--method",
            default=OutlierMethod.MODIFIED_Z.value,
            choices=[m.value for m in OutlierMethod],
        )
        parser.add_argument("--threshold", help="阈值 / threshold (default by method)")
        parser.add_argument("--min-values", help="最少值个数（默认 6） / shortest series judged")
        parser.add_argument("--csv", action="store_true", help="以 CSV 输出 / print CSV")
        parser.add_argument(
            "--mark", action="store_true", help="把列出的值标记为需跟进 / mark them for follow-up"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            query = parse_query(
                user=None,
                township=options["township"],
                elements=[c for text in options["element"] for c in text.split(",")],
                start=options["start"],
                end=options["end"],
                method=options["method"],
                threshold=options["threshold"],
                min_values=options["min_values"],
            )
            report = find_outliers(query, None)
        except QualityError as error:
            raise CommandError(str(error)) from error
        if options["csv"]:
            for line in outlier_csv_lines(report):
                self.stdout.write(line, ending="")
        else:
            for f in report.flagged:
                self.stdout.write(
                    "\t".join(
                        [
                            f.unit.code,
                            f.element.code,
                            f.period,
                            format_trimmed(f.value, 6),
                            format_trimmed(f.score, 2),
                            "followup" if f.follow_up else "-",
                            f.reason_zh,
                        ]
                    )
                )
            for s in report.unjudged:
                self.stdout.write(f"# {s.unit.code}\t{s.element.code}\t{s.count}\t{s.reason_zh}")
        if options["mark"]:
            ids = [f.value_id for f in report.flagged if f.value_id is not None and not f.follow_up]
            outcomes = do_mark_many(Actor.cli(), ids)
            for outcome in outcomes:
                if not outcome.ok:
                    self.stderr.write(f"{outcome.id}: {outcome.message}")
            self.stderr.write(
                _("已标记需跟进 {n} 个 / {n} marked for follow-up").format(
                    n=sum(o.ok for o in outcomes)
                )
            )
        self.stderr.write(
            _(
                "{series} 个序列，已判断 {judged}，异常值 {flagged} 个 / {series} series, {judged} "
                "judged, {flagged} outlier(s)"
            ).format(series=report.series, judged=report.judged, flagged=len(report.flagged))
        )
