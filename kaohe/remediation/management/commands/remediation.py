"""``kaohe remediation designate|designations|plan|plans|overdue|progress|accept``: weak units and
their remediation from the console.

``designate RUN_ID`` designates the weak, strict and yellow-card units of a published run;
``designations [--year Y] [--scheme CODE] [--township CODE] [--status S]`` lists them;
``plan DESIGNATION_ID --leader CODE --staff CODE… --responsibilities TEXT --deadline DATE
--rewards-penalties TEXT [--shares-outcome]`` makes a plan with the five fixes;
``plans [--year Y] [--status S] [--township CODE]`` lists plans;
``overdue TOWNSHIP [--today DATE]`` lists the plans in force past their deadline;
``progress PLAN_ID --text TEXT [--date DATE]`` records progress;
``accept PLAN_ID --outcome lifted|continued|escalated --findings TEXT [--date DATE]
[--new-deadline DATE]`` records the acceptance check.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.services import Actor
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.remediation.models import (
    Designation,
    DesignationStatus,
    Outcome,
    PlanStatus,
    RemediationPlan,
)
from kaohe.remediation.selectors import filtered
from kaohe.remediation.services import (
    RemediationError,
    do_accept_check,
    do_add_progress,
    do_create_plan,
    do_designate,
    overdue,
)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("日期应为 YYYY-MM-DD：{text} / dates are YYYY-MM-DD: {text}").format(text=text)
        ) from None


def _get(model: Any, key: Any, what_zh: str, what_en: str, **lookup: Any) -> Any:
    found = model.objects.filter(**lookup).first()
    if found is None:
        raise CommandError(
            _("没有{what_zh} {key} / no {what_en} {key}").format(
                what_zh=what_zh, what_en=what_en, key=key
            )
        )
    return found


class Command(BaseCommand):
    help = (
        "薄弱、严管认定与帮促转化 / Weak units and remediation: designate a published run, "
        "list designations and plans, make a plan, record progress and the acceptance check, "
        "list overdue plans."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        p = sub.add_parser("designate", help="依据已发布的考核结果认定 / designate a run")
        p.add_argument("run", type=int, help="考核计算 id / run id")
        p = sub.add_parser("designations", help="列出认定 / list designations")
        p.add_argument("--year", type=int)
        p.add_argument("--scheme", default="", help="方案代码 / scheme code")
        p.add_argument("--township", default="", help="乡镇代码 / township code")
        p.add_argument("--status", default="", choices=["", *DesignationStatus.values])
        p = sub.add_parser("plan", help="制定帮促方案（五定） / make a plan")
        p.add_argument("designation", type=int, help="认定 id / designation id")
        p.add_argument("--leader", required=True, help="定领导：责任人代码 / official code")
        p.add_argument("--staff", nargs="+", required=True, help="定人员：责任人代码 / codes")
        p.add_argument("--responsibilities", required=True, help="定责任 / responsibilities")
        p.add_argument("--deadline", required=True, type=_date, help="定时间 YYYY-MM-DD")
        p.add_argument("--rewards-penalties", required=True, help="定奖惩 / rewards, penalties")
        p.add_argument("--shares-outcome", action="store_true", help="同奖同罚 / staff share")
        p = sub.add_parser("plans", help="列出帮促方案 / list plans")
        p.add_argument("--year", type=int)
        p.add_argument("--status", default="", choices=["", *PlanStatus.values])
        p.add_argument("--township", default="", help="乡镇代码 / township code")
        p = sub.add_parser("overdue", help="超期的帮促方案 / overdue plans")
        p.add_argument("township", help="乡镇代码 / township code")
        p.add_argument("--today", type=_date, help="缺省为今天 / default today")
        p = sub.add_parser("progress", help="记录帮促进展 / record progress")
        p.add_argument("plan", type=int, help="帮促方案 id / plan id")
        p.add_argument("--text", required=True)
        p.add_argument("--date", type=_date, help="缺省为今天 / default today")
        p = sub.add_parser("accept", help="记录验收结论 / record the acceptance check")
        p.add_argument("plan", type=int, help="帮促方案 id / plan id")
        p.add_argument("--outcome", required=True, choices=Outcome.values)
        p.add_argument("--findings", required=True)
        p.add_argument("--date", type=_date, help="缺省为今天 / default today")
        p.add_argument("--new-deadline", type=_date, help="继续整改时必填 / for continued")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except RemediationError as error:
            raise CommandError(str(error)) from error

    def _line(self, *cells: object) -> None:
        self.stdout.write("\t".join("" if c is None else str(c) for c in cells))

    def _designate(self, options: dict[str, Any]) -> None:
        run = _get(AssessmentRun, options["run"], "考核计算", "run", pk=options["run"])
        outcome = do_designate(run, Actor.cli())
        for designation in outcome.designated:
            self._line(
                designation.pk,
                designation.unit.code,
                designation.unit.name,
                designation.status,
                designation.reason_zh,
            )
        self.stdout.write(
            _(
                "新认定 {created}，更新 {updated}，未变 {unchanged}，撤销 {revoked} / created "
                "{created}, updated {updated}, unchanged {unchanged}, withdrawn {revoked}"
            ).format(
                created=len(outcome.created),
                updated=len(outcome.updated),
                unchanged=len(outcome.unchanged),
                revoked=len(outcome.revoked),
            )
        )

    def _designations(self, options: dict[str, Any]) -> None:
        rows = filtered(
            Designation.objects.filter(revoked_at__isnull=True).select_related("unit", "plan"),
            year=options["year"],
            status=options["status"],
            scheme=options["scheme"],
            township=options["township"],
        ).order_by("-year", "unit__path")
        for d in rows:
            plan = getattr(d, "plan", None)  # a missing one-to-one raises, so getattr
            self._line(
                d.pk,
                d.year,
                d.unit.code,
                d.unit.name,
                d.status,
                plan.status if plan else "-",
                d.reason_zh,
            )

    def _plan(self, options: dict[str, Any]) -> None:
        designation = _get(
            Designation, options["designation"], "认定", "designation", pk=options["designation"]
        )
        leader = _get(Official, options["leader"], "责任人", "official", code=options["leader"])
        staff = [_get(Official, c, "责任人", "official", code=c) for c in options["staff"]]
        plan = do_create_plan(
            designation,
            leader=leader,
            staff=staff,
            responsibilities=options["responsibilities"],
            deadline=options["deadline"],
            rewards_penalties=options["rewards_penalties"],
            shares_outcome=options["shares_outcome"],
            actor=Actor.cli(),
        )
        self.stdout.write(
            _("已制定帮促方案 {id} / plan {id} made: {unit}").format(
                id=plan.pk, unit=designation.unit.code
            )
        )

    def _plans(self, options: dict[str, Any]) -> None:
        rows = RemediationPlan.objects.select_related("designation__unit", "leader")
        if options["year"]:
            rows = rows.filter(designation__year=options["year"])
        if options["status"]:
            rows = rows.filter(status=options["status"])
        if options["township"]:
            rows = rows.filter(designation__unit__path__contains=f"/{options['township']}/")
        for plan in rows.order_by("deadline", "pk"):
            self._line(
                plan.pk,
                plan.designation.year,
                plan.designation.unit.code,
                plan.designation.status,
                plan.status,
                plan.deadline.isoformat(),
                plan.leader.name,
            )

    def _overdue(self, options: dict[str, Any]) -> None:
        township = _get(OrgUnit, options["township"], "单位", "unit", code=options["township"])
        today = options["today"] or datetime.date.today()
        plans = list(overdue(township, today))
        for plan in plans:
            self._line(
                plan.pk,
                plan.designation.year,
                plan.designation.unit.code,
                plan.designation.unit.name,
                plan.deadline.isoformat(),
                plan.leader.name,
            )
        self.stdout.write(
            _("{n} 个方案超期 / {n} plans overdue on {today}").format(
                n=len(plans), today=today.isoformat()
            )
        )

    def _progress(self, options: dict[str, Any]) -> None:
        plan = _get(RemediationPlan, options["plan"], "帮促方案", "plan", pk=options["plan"])
        do_add_progress(
            plan,
            date=options["date"] or datetime.date.today(),
            text=options["text"],
            actor=Actor.cli(),
        )
        self.stdout.write(_("已记录进展 / progress recorded: plan {id}").format(id=plan.pk))

    def _accept(self, options: dict[str, Any]) -> None:
        plan = _get(RemediationPlan, options["plan"], "帮促方案", "plan", pk=options["plan"])
        check = do_accept_check(
            plan,
            date=options["date"] or datetime.date.today(),
            outcome=options["outcome"],
            findings=options["findings"],
            new_deadline=options["new_deadline"],
            actor=Actor.cli(),
        )
        self.stdout.write(
            _("已记录验收结论 / acceptance recorded: plan {id} → {outcome}").format(
                id=plan.pk, outcome=check.outcome
            )
        )
