"""``kaohe appeals list|show|file|accept|reject``: appeals (申诉) against published results.

``list [--status S] [--run ID] [--unit CODE]`` lists appeals, one a line;
``show ID`` prints one with its history;
``file --run ID --unit CODE [--item CODE] --reasons TEXT`` files an appeal (no item: the
whole result);
``accept ID --reason TEXT`` / ``reject ID --reason TEXT`` decides one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.appeals.errors import AppealError
from kaohe.appeals.models import Appeal, AppealStatus
from kaohe.appeals.selectors import last_day
from kaohe.appeals.services import do_accept_appeal, do_file_appeal, do_reject_appeal
from kaohe.assessments.models import AssessmentRun
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _appeal(appeal_id: int) -> Appeal:
    appeal = (
        Appeal.objects.select_related("run__scheme", "unit", "resolution_run")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise CommandError(_("申诉 {id} 不存在 / appeal {id} does not exist").format(id=appeal_id))
    return appeal


class Command(BaseCommand):
    help = "结果申诉 / Appeals against published results: list, show, file, accept, reject."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        listing = sub.add_parser("list", help="列出申诉 / list appeals")
        listing.add_argument("--status", choices=AppealStatus.values, help="状态 / status")
        listing.add_argument("--run", type=int, help="考核结果编号 / run id")
        listing.add_argument("--unit", help="单位代码 / unit code")
        show = sub.add_parser("show", help="一项申诉及其处理记录 / one appeal and its history")
        show.add_argument("id", type=int, metavar="ID", help="申诉编号 / appeal id")
        filing = sub.add_parser("file", help="提出申诉 / file an appeal")
        filing.add_argument("--run", type=int, required=True, help="考核结果编号 / run id")
        filing.add_argument("--unit", required=True, help="单位代码 / unit code")
        filing.add_argument(
            "--item", default="", help="考核项目代码，缺省为整体结果 / item code; default: whole"
        )
        filing.add_argument("--reasons", required=True, help="申诉理由 / reasons")
        for name, what in (("accept", "采纳 / accept"), ("reject", "驳回 / reject")):
            decide = sub.add_parser(name, help=what)
            decide.add_argument("id", type=int, metavar="ID", help="申诉编号 / appeal id")
            decide.add_argument("--reason", required=True, help="处理理由 / why")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except AppealError as error:
            raise CommandError(str(error)) from error

    def _list(self, options: dict[str, Any]) -> None:
        appeals = Appeal.objects.select_related("run__scheme", "unit").order_by("filed_at", "pk")
        if options.get("status"):
            appeals = appeals.filter(status=options["status"])
        if options.get("run"):
            appeals = appeals.filter(run_id=options["run"])
        if options.get("unit"):
            appeals = appeals.filter(unit__code=options["unit"])
        count = 0
        for appeal in appeals.iterator(chunk_size=500):
            count += 1
            self.stdout.write(
                "\t".join(
                    [
                        str(appeal.pk),
                        str(appeal.run_id),
                        appeal.unit.code,
                        appeal.item_code or "*",
                        appeal.status,
                        _when(appeal.filed_at),
                        appeal.filed_by_name,
                        appeal.decided_by_name or "-",
                    ]
                )
            )
        self.stderr.write(_("共 {n} 项申诉 / {n} appeal(s)").format(n=count))

    def _show(self, options: dict[str, Any]) -> None:
        appeal = _appeal(options["id"])
        day = last_day(appeal.run)
        lines = [
            _("申诉 / appeal #{id}: {status}").format(id=appeal.pk, status=appeal.status),
            _("考核结果 / run: #{run} {scheme} {period}").format(
                run=appeal.run_id, scheme=appeal.run.scheme.code, period=appeal.run.period_code
            ),
            _("单位 / unit: {code} {name}").format(code=appeal.unit.code, name=appeal.unit.name),
            _("项目 / item: {item}").format(
                item=f"{appeal.item_code} {appeal.item_name}" if appeal.item_code else "*"
            ),
            _("申诉截止 / last day: {day}").format(day=day.isoformat() if day else "-"),
            _("申诉理由 / reasons: {text}").format(text=appeal.reasons),
        ]
        if appeal.decision_reason:
            lines.append(_("处理理由 / decision: {text}").format(text=appeal.decision_reason))
        if appeal.resolution_run_id:
            lines.append(
                _("更正后的考核结果 / corrected run: #{run}").format(run=appeal.resolution_run_id)
            )
        for event in appeal.events.order_by("at", "pk"):
            lines.append(f"{_when(event.at)}\t{event.step}\t{event.actor}\t{event.text}")
        self.stdout.write("\n".join(lines))

    def _file(self, options: dict[str, Any]) -> None:
        run = AssessmentRun.objects.select_related("scheme").filter(pk=options["run"]).first()
        if run is None:
            raise CommandError(
                _("考核结果 {id} 不存在 / run {id} does not exist").format(id=options["run"])
            )
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(_("没有单位 {code} / no unit {code}").format(code=options["unit"]))
        appeal = do_file_appeal(Actor.cli(), run, unit, options["item"], options["reasons"])
        self.stdout.write(_("已提出申诉 / appeal filed: #{id}").format(id=appeal.pk))

    def _accept(self, options: dict[str, Any]) -> None:
        _appeal(options["id"])
        do_accept_appeal(Actor.cli(), options["id"], options["reason"])
        self.stdout.write(_("申诉 {id} 已采纳 / appeal {id} accepted").format(id=options["id"]))

    def _reject(self, options: dict[str, Any]) -> None:
        _appeal(options["id"])
        do_reject_appeal(Actor.cli(), options["id"], options["reason"])
        self.stdout.write(_("申诉 {id} 已驳回 / appeal {id} rejected").format(id=options["id"]))
