"""``kaohe allocate``: split a township's birth cap into village quotas, adjust, apply, show."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kaohe.assessments.management.commands.assess import add_scope_arguments, resolve_scope
from kaohe.audit.services import Actor
from kaohe.core.text_tables import render_table
from kaohe.engine.allocation import AllocationError, AllocationMethod
from kaohe.engine.rounding import format_fixed, format_trimmed
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.allocation import (
    AllocationPlan,
    birth_plan_for,
    do_apply_allocation,
    plan_allocation,
)
from kaohe.schemes.models import BirthPlan


def parse_adjustments(text: str) -> dict[str, int]:
    """``V01=3,V02=4`` → ``{"V01": 3, "V02": 4}``; a bad pair is a :class:`CommandError`."""
    changes: dict[str, int] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        code, sep, value = pair.partition("=")
        try:
            if not sep or not code.strip():
                raise ValueError(pair)
            changes[code.strip()] = int(value)
        except ValueError:
            raise CommandError(
                f"调整格式应为 单位=人数：{pair} / an adjustment is UNIT=BIRTHS: {pair}"
            ) from None
    return changes


def parse_rate(text: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"出生率无效：{text} / not a rate: {text}") from None
    if not rate.is_finite():
        raise CommandError(f"出生率无效：{text} / not a rate: {text}")
    return rate


def sum_against_cap(total: int, cap: int) -> str:
    """``控制数 / cap: 30；合计 / sum: 28；余 / left: 2`` (or how far over the cap)."""
    line = f"控制数 / cap: {cap}；合计 / sum: {total}；"
    if total > cap:
        return line + f"超出 / over: {total - cap}"
    return line + f"余 / left: {cap - total}"


def render_plan(plan: AllocationPlan) -> str:
    """The allocation table, the sum against the cap, and the notes."""
    weight_name = (
        "已婚育龄妇女 MWRA" if plan.method is AllocationMethod.MWRA else "平均人口 avg pop"
    )
    headers = ["单位 unit", "名称 name", weight_name, "应分 exact", "计划 quota", "调整后 adjusted"]
    rows = [
        [
            row.unit,
            row.name,
            format_trimmed(row.weight, 1),
            format_fixed(row.exact, 2),
            str(row.quota),
            str(row.adjusted),
        ]
        for row in plan.rows
    ]
    rows.append(["合计 total", "", "", "", str(plan.allocation.total), str(plan.adjusted_total)])
    rate = f" · {plan.rate_per_mille} ‰" if plan.rate_per_mille is not None else ""
    lines = [
        f"{plan.scheme.code} v{plan.scheme.version} · {plan.township.code} {plan.township.name}"
        f" · {plan.year} · {plan.method.value}{rate} · {plan.item_code}",
        render_table(headers, rows, right_align=(2, 3, 4, 5)),
        sum_against_cap(plan.adjusted_total, plan.cap),
        *plan.allocation.notes,
    ]
    return "\n".join(lines) + "\n"


def render_stored(stored: BirthPlan) -> str:
    """A stored plan: how it was made, by whom and when, and its quotas."""
    names = dict(OrgUnit.objects.filter(code__in=list(stored.quotas)).values_list("code", "name"))
    rows = [[code, names.get(code, ""), str(quota)] for code, quota in stored.quotas.items()]
    total = sum(int(q) for q in stored.quotas.values())
    rows.append(["合计 total", "", str(total)])
    rate = f" · {stored.rate_per_mille} ‰" if stored.rate_per_mille is not None else ""
    applied = timezone.localtime(stored.applied_at).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"{stored.scheme.code} v{stored.scheme.version} · {stored.township.code} "
        f"{stored.township.name} · {stored.year} · {stored.method}{rate}",
        f"分解人 / applied by: {stored.actor or '-'}；时间 / at: {applied}",
        render_table(["单位 unit", "名称 name", "计划 quota"], rows, right_align=(2,)),
        sum_against_cap(total, stored.cap_births),
    ]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "分解人口计划：按平均人口、已婚育龄妇女或统一出生率把乡镇的控制数分到各村 / "
        "Allocate a township's birth cap among its villages, adjust by hand, apply, or show."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument(
            "--method",
            choices=[m.value for m in AllocationMethod],
            help="分配方法 / allocation method",
        )
        cap = parser.add_mutually_exclusive_group()
        cap.add_argument("--cap", type=int, help="出生控制数（人）/ cap in births")
        cap.add_argument("--rate", help="出生率控制指标（‰）/ cap as a birth rate in ‰")
        parser.add_argument("--adjust", default="", help="手工调整 / by hand: V01=3,V02=4")
        parser.add_argument(
            "--item", help="考核项目代码（默认为方案的人口计划项目）/ item code (default: the "
            "scheme's birth-plan item)"
        )  # fmt: skip
        parser.add_argument("--apply", action="store_true", help="写入计划 / store the quotas")
        parser.add_argument("--reason", default="", help="理由（--apply 必填）/ reason")
        parser.add_argument(
            "--show", action="store_true", help="显示已保存的人口计划 / print the stored plan"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheme, root = resolve_scope(options)
        if root is None:
            raise CommandError(
                "请用 --root 指定乡镇：控制数按乡镇下达 / --root TOWNSHIP is needed: the cap is "
                "given per township"
            )
        if options["show"]:
            stored = birth_plan_for(scheme, root, options["year"])
            if stored is None:
                raise CommandError(
                    f"{root.code} {options['year']} 年尚无人口计划 / no birth plan stored for "
                    f"{root.code} {options['year']}"
                )
            self.stdout.write(render_stored(stored), ending="")
            return
        if options["method"] is None:
            raise CommandError("请用 --method 选择分配方法 / --method is needed")
        if options["apply"] and not options["reason"].strip():
            raise CommandError("--apply 须说明理由 --reason / --apply needs --reason")
        arguments: dict[str, Any] = {
            "township": root,
            "method": AllocationMethod(options["method"]),
            "cap_births": options["cap"],
            "rate_per_mille": parse_rate(options["rate"]) if options["rate"] else None,
            "adjust": parse_adjustments(options["adjust"]),
            "item_code": options["item"],
        }
        try:
            plan = plan_allocation(scheme, options["year"], **arguments)
        except AllocationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(render_plan(plan), ending="")
        if plan.problems:
            raise CommandError("\n".join(plan.problems))
        if not options["apply"]:
            return
        try:
            applied = do_apply_allocation(
                scheme,
                options["year"],
                actor=Actor.cli(),
                reason=options["reason"],
                **arguments,
            )
        except (AllocationError, PermissionDenied) as error:
            raise CommandError(str(error)) from error
        verb = "已保存" if applied.created else "已更新"
        self.stdout.write(
            f"{verb}人口计划，写入 {len(applied.targets)} 个单位目标 / birth plan "
            f"{'stored' if applied.created else 'updated'}, {len(applied.targets)} unit "
            "targets written\n"
        )
