"""``kaohe money …``: the ledger from the console."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from kaohe.assessments.services import do_run_assessment
from kaohe.rewards.models import EntryStatus, LedgerEntry

from .conftest import CONSOLE, YEAR, Town

TODAY = timezone.localdate().isoformat()


def money(*args: object) -> str:
    out = io.StringIO()
    call_command("money", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_compute_list_and_totals(town: Town) -> None:
    assert "已计算" in money("compute", town.run.pk)

    lines = money("list", town.run.pk, "--unit", "V2", "--kind", "fine").splitlines()
    fields = [line.split("\t") for line in lines]
    assert [(f[1], f[4], f[6]) for f in fields] == [("V2", "fine", "-500.00")]
    totals = money("totals", town.run.pk, "--by", "kind").splitlines()
    assert totals[-1].split("\t")[3] == format(
        sum((e.amount for e in LedgerEntry.objects.all()), Decimal(0)), "f"
    )


def test_approve_pay_and_reverse(town: Town) -> None:
    money("compute", town.run.pk)
    reward = LedgerEntry.objects.get(unit__code="V1", rule="GRADE", person__isnull=True)
    fine = LedgerEntry.objects.get(unit__code="V2", rule="CONCEAL")

    with pytest.raises(CommandError, match="审核后才能兑现"):
        money("pay", reward.pk, "--on", TODAY, "--voucher", "记-1")
    money("approve", reward.pk, fine.pk)
    assert "已兑现" in money("pay", reward.pk, "--on", TODAY, "--voucher", "记-1")
    assert "已收缴" in money("pay", fine.pk, "--on", TODAY, "--voucher", "收-1", "--amount", "-500")
    with pytest.raises(CommandError, match="不能重复兑现"):
        money("pay", reward.pk, "--on", TODAY, "--voucher", "记-2")
    assert "已冲销" in money("reverse", reward.pk, "--reason", "发错")
    with pytest.raises(CommandError, match="不能重复冲销"):
        money("reverse", reward.pk, "--reason", "再次")
    assert LedgerEntry.objects.get(pk=reward.pk).status == EntryStatus.REVERSED
    assert "approved" in money("approve", "--run", town.run.pk)
    assert not LedgerEntry.objects.filter(status=EntryStatus.COMPUTED).exists()


def test_a_draft_run_and_unknown_ids_are_refused(town: Town) -> None:
    draft = do_run_assessment(town.scheme, YEAR, actor=CONSOLE, root=town.unit("T1"))
    with pytest.raises(CommandError, match="已发布"):
        money("compute", draft.pk)
    with pytest.raises(CommandError, match="999999"):
        money("approve", 999_999)
    with pytest.raises(CommandError):
        money("compute", 999_999)


def test_the_finance_table_and_the_veto_list(town: Town, tmp_path: Path) -> None:
    money("compute", town.run.pk)
    target = tmp_path / "money.xlsx"

    money("table", town.run.pk, "--out", target)

    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == LedgerEntry.objects.count() + 1
    printed = money("vetoes", town.run.pk).splitlines()
    assert [line.split("\t")[2] for line in printed] == ["V3_SEC", "V3_DIR", "T1_CADRE_C"]
    csv_file = tmp_path / "vetoes.csv"
    money("vetoes", town.run.pk, "--out", csv_file)
    assert "张三书" in csv_file.read_text(encoding="utf-8-sig")
    with pytest.raises(CommandError, match="不能写入"):
        money("table", town.run.pk, "--out", tmp_path / "missing" / "x.xlsx")
