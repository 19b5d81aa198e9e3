"""``kaohe allocate``: split the county's birth cap into village quotas, adjust, apply."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.assessments.management.commands.assess import add_scope_arguments, resolve_scope
from kaohe.audit.services import Actor
from kaohe.core.text_tables import render_table
from kaohe.engine.allocation import AllocationError, AllocationMethod
from kaohe.engine.rounding import format_fixed, format_trimmed
from kaohe.schemes.allocation import (
    DEFAULT_ITEM,
    AllocationPlan,
    do_apply_allocation,
    plan_allocation,
)


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
    rows.append(
        [
            "合计 total",
            "",
            "",
            "",
            str(plan.allocation.total),
            str(plan.adjusted_total),
        ]
    )
    lines = [
        f"{plan.scheme.code} {plan.year} · {plan.method.value}",
        render_table(headers, rows, right_align=(2, 3, 4, 5)),
        f"上限 / cap: {plan.cap}；合计 / sum: {plan.adjusted_total}；"
        f"余 / left: {plan.cap - plan.adjusted_total}",
        *plan.allocation.notes,
    ]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "分解人口计划：按人口、已婚育龄妇女或同一出生率把上限分到各村 / "
        "Allocate the birth cap among villages, adjust by hand, and apply the quotas."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument(
            "--method",
            required=True,
            choices=[m.value for m in AllocationMethod],
            help="分配方法 / allocation method",
        )
        cap = parser.add_mutually_exclusive_group(required=True)
        cap.add_argument("--cap", type=int, help="出生人数上限 / cap in births")
        cap.add_argument("--rate", help="出生率上限（‰）/ cap as a birth rate in ‰")
        parser.add_argument("--adjust", default="", help="手工调整 / by hand: V01=3,V02=4")
        parser.add_argument("--item", default=DEFAULT_ITEM, help="考核项目代码 / item code")
        parser.add_argument("--apply", action="store_true", help="写入计划 / store the quotas")
        parser.add_argument("--reason", default="", help="理由（--apply 必填）/ reason")

    def handle(self, *args: Any, **options: Any) -> None:
        scheme, root = resolve_scope(options)
        if options["apply"] and not options["reason"].strip():
            raise CommandError("--apply 须说明理由 --reason / --apply needs --reason")
        rate = parse_rate(options["rate"]) if options["rate"] is not None else None
        try:
            plan = plan_allocation(
                scheme,
                options["year"],
                method=AllocationMethod(options["method"]),
                cap_births=options["cap"],
                rate_per_mille=rate,
                root=root,
                adjust=parse_adjustments(options["adjust"]),
            )
        except AllocationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(render_plan(plan), ending="")
        if plan.problems:
            raise CommandError("\n".join(plan.problems))
        if not options["apply"]:
            return
        try:
            written = do_apply_allocation(
                scheme,
                options["year"],
                plan.quotas,
                cap=plan.cap,
                actor=Actor.cli(),
                reason=options["reason"],
                item_code=options["item"],
            )
        except AllocationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"已写入 {len(written)} 个单位目标 / {len(written)} unit targets written\n"
        )
