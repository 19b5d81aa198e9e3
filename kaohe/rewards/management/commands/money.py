"""``kaohe money compute|list|totals|approve|pay|reverse|table|vetoes``: the rewards and
penalties ledger (奖惩兑现) from the console.

``compute RUN`` computes a published run's money; ``list RUN [--unit U] [--person P]
[--kind K] [--status S]`` prints its entries; ``totals RUN [--by unit|person|kind]`` their
totals; ``approve ID…`` (or ``approve --run RUN``: every computed entry of the run);
``pay ID --on DATE --voucher V [--amount A]``; ``reverse ID --reason R``;
``table RUN --out FILE`` writes the finance table (.xlsx); ``vetoes RUN [--out FILE.xlsx|.csv]``
prints or writes the veto consequences list.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.assessments import exports as tables
from kaohe.assessments.models import AssessmentRun
from kaohe.audit.services import Actor
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.exports import finance_workbook, veto_table
from kaohe.rewards.models import LedgerEntry, LedgerError
from kaohe.rewards.selectors import (
    GROUPS,
    filtered,
    role_label,
    totals,
    veto_consequences,
    veto_lines,
)
from kaohe.rewards.services import do_approve, do_approve_run, do_pay, do_reverse, entries_by_id


def _run(run_id: int) -> AssessmentRun:
    found = AssessmentRun.objects.select_related("scheme", "root").filter(pk=run_id).first()
    if found is None:
        raise CommandError(_("没有第 {id} 次考核计算 / no run {id}").format(id=run_id))
    return found


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise CommandError(
            _("--amount 应为数字：{text} / --amount must be a number: {text}").format(text=text)
        ) from None


def _write(path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as error:
        raise CommandError(
            _("不能写入 {path}：{error} / cannot write {path}: {error}").format(
                path=path, error=error.strerror or error
            )
        ) from error


def _entries(run: AssessmentRun) -> Any:
    return (
        LedgerEntry.objects.filter(run=run)
        .select_related("unit", "person", "run", "reverses")
        .order_by("unit__path", "sort_order", "id")
    )


class Command(BaseCommand):
    help = (
        "奖惩兑现 / The rewards and penalties ledger: compute, list, approve, pay, reverse, export."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        for name in ("compute", "list", "totals", "table", "vetoes"):
            p = sub.add_parser(name)
            p.add_argument("run", type=int, help="考核计算编号 / run id")
            if name in ("list", "totals", "table"):
                p.add_argument("--unit", default="", help="单位代码 / unit code")
                p.add_argument("--person", default="", help="责任人代码，- 为单位本身")
                p.add_argument("--kind", default="")
                p.add_argument("--status", default="")
            if name == "totals":
                p.add_argument("--by", choices=GROUPS, default="unit")
            if name == "table":
                p.add_argument("--out", required=True, help="输出的 .xlsx 文件 / output file")
            if name == "vetoes":
                p.add_argument("--out", help="输出文件（.xlsx 或 .csv），缺省打印 / output file")
        p = sub.add_parser("approve")
        p.add_argument("ids", type=int, nargs="*", help="记录编号 / entry ids")
        p.add_argument("--run", type=int, help="审核该次计算所有待审核的记录 / a whole run")
        p = sub.add_parser("pay")
        p.add_argument("id", type=int)
        p.add_argument("--on", required=True, type=datetime.date.fromisoformat, help="YYYY-MM-DD")
        p.add_argument("--voucher", required=True, help="凭证号 / voucher number")
        p.add_argument("--amount", help="凭证金额，须等于记录金额（收缴为负数）/ optional check")
        p = sub.add_parser("reverse")
        p.add_argument("id", type=int)
        p.add_argument("--reason", required=True, help="冲销原因 / why")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except LedgerError as error:
            raise CommandError(str(error)) from error

    def _compute(self, options: dict[str, Any]) -> None:
        outcome = do_compute_money(_run(options["run"]), Actor.cli())
        self.stdout.write(
            _("已计算 {n} 笔；冲销被替代结果的记录 {m} 笔 / computed {n} entries, {m} "
              "counter-entries").format(n=len(outcome.created), m=len(outcome.counter))
        )  # fmt: skip

    def _list(self, options: dict[str, Any]) -> None:
        for e in filtered(_entries(_run(options["run"])), options):
            who = e.person.code if e.person else "-"
            self.stdout.write(
                "\t".join(
                    [
                        str(e.pk),
                        e.unit.code,
                        who,
                        role_label(e.role),
                        e.kind,
                        e.rule,
                        format(e.amount, "f"),
                        e.status,
                        e.paid_on.isoformat() if e.paid_on else "",
                        e.voucher,
                        e.explanation_zh,
                    ]
                )
            )

    def _totals(self, options: dict[str, Any]) -> None:
        sums = totals(filtered(_entries(_run(options["run"])), options))
        for row in [*sums.of(options["by"]), sums.all]:
            self.stdout.write(
                "\t".join(
                    [
                        row.key,
                        row.label,
                        str(row.count),
                        format(row.net, "f"),
                        format(row.settled, "f"),
                        format(row.outstanding, "f"),
                    ]
                )
            )

    def _approve(self, options: dict[str, Any]) -> None:
        if options["run"] is not None:
            approved = do_approve_run(_run(options["run"]), Actor.cli())
            self.stdout.write(_("已审核 {n} 笔 / approved {n}").format(n=len(approved)))
            return
        if not options["ids"]:
            raise CommandError(_("请给出记录编号或 --run / give entry ids or --run"))
        for entry in entries_by_id(options["ids"]):
            do_approve(entry, Actor.cli())
            self.stdout.write(_("已审核 / approved: {id}").format(id=entry.pk))

    def _pay(self, options: dict[str, Any]) -> None:
        amount = _amount(options["amount"]) if options["amount"] else None
        entry = entries_by_id([options["id"]])[0]
        done = do_pay(entry, options["on"], options["voucher"], Actor.cli(), amount=amount)
        if done.amount < 0:
            self.stdout.write(_("已收缴 / collected: {id}").format(id=done.pk))
        else:
            self.stdout.write(_("已兑现 / paid: {id}").format(id=done.pk))

    def _reverse(self, options: dict[str, Any]) -> None:
        entry = entries_by_id([options["id"]])[0]
        counter = do_reverse(entry, options["reason"], Actor.cli())
        self.stdout.write(
            _("已冲销 {id}，冲销记录 {counter} / reversed {id} by entry {counter}").format(
                id=entry.pk, counter=counter.pk
            )
        )

    def _table(self, options: dict[str, Any]) -> None:
        run = _run(options["run"])
        entries = list(filtered(_entries(run), options))
        path = Path(options["out"])
        _write(path, finance_workbook(run, entries, totals(entries)))
        self.stdout.write(_("已输出 / written: {path}").format(path=path))

    def _vetoes(self, options: dict[str, Any]) -> None:
        run = _run(options["run"])
        rows = veto_consequences(None, run, everything=True)
        if not options["out"]:
            for line in veto_lines(rows):
                self.stdout.write("\t".join(str(cell) for cell in line))
            return
        path = Path(options["out"])
        table = veto_table(run, rows)
        if path.suffix.lower() == ".csv":
            _write(path, "".join(tables.csv_lines(table)))
        else:
            buffer = io.BytesIO()
            tables.write_xlsx(table, buffer)
            _write(path, buffer.getvalue())
        self.stdout.write(_("已输出 / written: {path}").format(path=path))
