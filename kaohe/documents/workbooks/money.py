"""奖惩兑现表: the money of a published run, by unit, by payee and entry by entry.

Three sheets, each closed by a totals row, and all three totals equal to the run's ledger
(:class:`kaohe.rewards.models.LedgerEntry`, added up in Decimal as
:mod:`kaohe.rewards.selectors` does):

* 按单位 (by unit): every unit the run assessed, in ranking order, with its grade: what the
  unit itself gets or pays, what its officials get or pay, the net, and how much of it is
  settled and how much still outstanding (net = settled + outstanding);
* 按领款人 (by payee): each payee (a unit itself, or one of its officials with their role):
  the net, split by the status of the entries (computed, approved, paid, reversed — the
  split adds up to the net), and how far the payee's money has gone;
* 明细 (entries): the finance table of the rewards pages, one row per ledger entry
  (reversals and counter-entries included, so the sum is the ledger's).

Amounts are yuan with two decimals (``¥#,##0.00``); a negative amount is money collected (a
fine, a deposit paid in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from openpyxl import Workbook

from kaohe.assessments.models import UnitResult
from kaohe.rewards.exports import AMOUNT_COLUMN, ENTRY_COLUMNS, entry_cells
from kaohe.rewards.models import EntryStatus, LedgerEntry
from kaohe.rewards.selectors import Total, role_label

from ..base import Document, DocumentRequest
from .context import WorkbookContext, in_request_language, workbook_context
from .styling import MONEY, WHOLE, Column, SheetWriter, sheet_title, workbook_document

KIND: Final = "money"
NAME: Final = ("奖惩兑现表", "Rewards and penalties paid out")
ZERO: Final = Decimal("0.00")
# How far a payee's money has gone: the least advanced of their entries not reversed.
_PROGRESS: Final = (EntryStatus.COMPUTED, EntryStatus.APPROVED, EntryStatus.PAID)
_AMOUNT_INDEX: Final = AMOUNT_COLUMN - 1  # 0-based: the amount in the finance table's columns
_UNIT_NAME_INDEX: Final = 2  # the unit's name in the finance table's columns


def _total(key: str) -> Total:
    return Total(key, "")


@dataclass
class UnitMoney:
    """One unit's money: its own entries, its officials', and both together."""

    own: Total = field(default_factory=lambda: _total("own"))
    officials: Total = field(default_factory=lambda: _total("officials"))
    all: Total = field(default_factory=lambda: _total("all"))

    def add(self, entry: LedgerEntry) -> None:
        (self.own if entry.person_id is None else self.officials).add(entry)
        self.all.add(entry)

    def absorb(self, other: UnitMoney) -> None:
        pairs = ((self.own, other.own), (self.officials, other.officials), (self.all, other.all))
        for mine, theirs in pairs:
            mine.count += theirs.count
            mine.net += theirs.net
            mine.settled += theirs.settled
            mine.outstanding += theirs.outstanding


@dataclass
class Payee:
    """A unit itself or one of its officials, with their entries added up by status."""

    unit_code: str
    unit_name: str
    name: str
    role: str
    total: Total
    by_status: dict[str, Decimal] = field(default_factory=dict)

    def add(self, entry: LedgerEntry) -> None:
        self.total.add(entry)
        self.by_status[entry.status] = self.by_status.get(entry.status, ZERO) + entry.amount

    def stage(self) -> str:
        live = [s for s in _PROGRESS if s in self.by_status]
        if not live:
            return str(EntryStatus.REVERSED.label) if self.by_status else ""
        return str(EntryStatus(live[0]).label)


def _entries(context: WorkbookContext) -> list[LedgerEntry]:
    entries = LedgerEntry.objects.filter(run=context.run).select_related(
        "unit", "person", "reverses"
    )
    return list(context.restricted(entries).order_by("unit__path", "sort_order", "id"))


def _money_note(writer: SheetWriter, context: WorkbookContext) -> None:
    writer.note(
        context.t(
            "金额单位为元，正数付给单位或个人，负数由其缴纳（罚款、风险抵押金）。合计为台账中本次"
            "考核结果的全部记录之和，含冲销记录；已兑现与未兑现相加等于合计。",
            "Amounts in yuan: positive amounts are paid to the unit or person, negative ones "
            "collected from them (fines, risk deposits). The total is the sum of every ledger "
            "entry of these results, reversals included; paid and outstanding add up to it.",
        )
    )


def _by_unit(
    context: WorkbookContext,
    workbook: Workbook,
    results: list[UnitResult],
    entries: list[LedgerEntry],
) -> None:
    t = context.t
    grades = {g.code: context.text(g.name, g.name_en) for g in context.scheme.grades.all()}
    rows: dict[int, list[Any]] = {
        r.unit_id: [
            r.rank,
            r.unit.code,
            context.unit_name(r.unit.name, r.unit.name_en),
            grades.get(r.grade, r.grade_name),
        ]
        for r in results
    }
    money: dict[int, UnitMoney] = {}
    for entry in entries:
        rows.setdefault(
            entry.unit_id,
            ["", entry.unit.code, context.unit_name(entry.unit.name, entry.unit.name_en), ""],
        )
        money.setdefault(entry.unit_id, UnitMoney()).add(entry)

    sheet = workbook.active
    sheet.title = sheet_title(t("按单位", "By unit"))
    columns = [
        Column(t("名次", "Rank"), 6, WHOLE),
        Column(t("单位代码", "Code"), 11),
        Column(t("单位", "Unit"), 16),
        Column(t("等次", "Grade"), 10),
        Column(t("单位奖惩", "The unit"), 14, MONEY),
        Column(t("责任人奖惩", "Its officials"), 14, MONEY),
        Column(t("合计", "Total"), 14, MONEY),
        Column(t("已兑现", "Paid"), 14, MONEY),
        Column(t("未兑现", "Outstanding"), 14, MONEY),
        Column(t("笔数", "Entries"), 7, WHOLE),
    ]
    writer = context.writer(sheet, columns, NAME, frozen_columns=3)
    grand = UnitMoney()
    for unit_id, head in rows.items():
        mine = money.get(unit_id, UnitMoney())
        writer.row(
            [
                *head,
                mine.own.net,
                mine.officials.net,
                mine.all.net,
                mine.all.settled,
                mine.all.outstanding,
                mine.all.count,
            ]
        )
        grand.absorb(mine)
    writer.total(
        [
            t("合计", "Total"),
            "",
            t(f"共 {len(rows)} 个单位", f"{len(rows)} units"),
            "",
            grand.own.net,
            grand.officials.net,
            grand.all.net,
            grand.all.settled,
            grand.all.outstanding,
            grand.all.count,
        ]
    )
    _money_note(writer, context)
    writer.finish()


def _by_payee(context: WorkbookContext, workbook: Workbook, entries: list[LedgerEntry]) -> None:
    t = context.t
    payees: dict[str, Payee] = {}
    for entry in entries:
        if entry.person is None:
            key, name = f"unit:{entry.unit.code}", t("（单位本身）", "(the unit itself)")
        else:
            key, name = f"{entry.unit.code}:{entry.person.code}", entry.person.name
        payee = payees.get(key)
        if payee is None:
            payee = payees[key] = Payee(
                entry.unit.code,
                context.unit_name(entry.unit.name, entry.unit.name_en),
                name,
                role_label(entry.role),
                _total(key),
            )
        payee.add(entry)

    statuses = [code for code, _label in EntryStatus.choices]
    sheet = workbook.create_sheet(sheet_title(t("按领款人", "By payee")))
    columns = [
        Column(t("单位代码", "Code"), 11),
        Column(t("单位", "Unit"), 14),
        Column(t("领款人", "Payee"), 12),
        Column(t("身份", "Role"), 10),
        Column(t("笔数", "Entries"), 7, WHOLE),
        Column(t("合计", "Total"), 14, MONEY),
        *(Column(str(label), 13, MONEY) for _code, label in EntryStatus.choices),
        Column(t("兑现进度", "Stage"), 9),
    ]
    writer = context.writer(sheet, columns, NAME, frozen_columns=3)
    sums = dict.fromkeys(statuses, ZERO)
    net, count = ZERO, 0
    for payee in payees.values():
        writer.row(
            [
                payee.unit_code,
                payee.unit_name,
                payee.name,
                payee.role,
                payee.total.count,
                payee.total.net,
                *(payee.by_status.get(s, ZERO) for s in statuses),
                payee.stage(),
            ]
        )
        net += payee.total.net
        count += payee.total.count
        for s in statuses:
            sums[s] += payee.by_status.get(s, ZERO)
    writer.total(
        [
            t("合计", "Total"),
            "",
            t(f"共 {len(payees)} 个领款人", f"{len(payees)} payees"),
            "",
            count,
            net,
            *(sums[s] for s in statuses),
            "",
        ]
    )
    writer.note(
        t(
            "按状态分列的金额相加等于合计：已计算为待审核，已审核为待兑现，已兑现为已付出或已收缴，"
            "已冲销为被冲销的原记录（冲销记录金额相反，另计一笔）。兑现进度为该领款人未冲销的记录"
            "中最靠前的状态。",
            "The amounts by status add up to the total: computed awaits approval, approved "
            "awaits payment, paid has been paid out or collected, reversed is an entry cancelled "
            "by a counter-entry of the opposite amount (counted as an entry of its own). The "
            "stage is the earliest status among the payee's entries not reversed.",
        )
    )
    _money_note(writer, context)
    writer.finish()


def _entry_sheet(context: WorkbookContext, workbook: Workbook, entries: list[LedgerEntry]) -> None:
    t = context.t
    sheet = workbook.create_sheet(sheet_title(t("明细", "Entries")))
    columns = [
        Column(c.header, c.width, MONEY if i == _AMOUNT_INDEX else c.number_format, c.wrap)
        for i, c in enumerate(ENTRY_COLUMNS)
    ]
    writer = context.writer(sheet, columns, NAME, frozen_columns=3)
    total = ZERO
    for entry in entries:
        cells = entry_cells(entry)
        cells[_UNIT_NAME_INDEX] = context.unit_name(entry.unit.name, entry.unit.name_en)
        writer.row(cells)
        total += entry.amount
    last: list[Any] = [""] * len(columns)
    last[0] = t("合计", "Total")
    last[_UNIT_NAME_INDEX] = t(f"共 {len(entries)} 笔", f"{len(entries)} entries")
    last[_AMOUNT_INDEX] = total
    writer.total(last)
    _money_note(writer, context)
    writer.finish()


@in_request_language
def build_money_workbook(request: DocumentRequest) -> Document:
    """奖惩兑现表 of the published run of ``request``'s scheme, year and township."""
    context = workbook_context(request)
    entries = _entries(context)
    workbook = Workbook()
    _by_unit(context, workbook, list(context.unit_results()), entries)
    _by_payee(context, workbook, entries)
    _entry_sheet(context, workbook, entries)
    return workbook_document(workbook, context.filename(KIND), context.title(*NAME))
