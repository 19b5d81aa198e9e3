"""The money pages: choosing a run, the ledger with its totals and steps, the finance table."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import EntryStatus, LedgerEntry

from .conftest import CONSOLE, Town

TODAY = timezone.localdate().isoformat()


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _grade(unit: str = "V1") -> LedgerEntry:
    return LedgerEntry.objects.get(unit__code=unit, rule="GRADE", person__isnull=True)


@pytest.fixture
def computed(town: Town) -> Town:
    do_compute_money(town.run, CONSOLE)
    return town


def test_the_index_lists_published_runs(town: Town, users: dict) -> None:
    page = _client(users["admin"]).get("/money/").content.decode()
    assert f"/money/{town.run.pk}/" in page
    assert _client(users["admin"]).get("/money/", {"run": town.run.pk}).status_code == 302
    assert _client(users["other"]).get("/money/", {"run": town.run.pk}).status_code == 404


def test_an_administrator_computes_the_money_on_the_page(town: Town, users: dict) -> None:
    client = _client(users["admin"])
    assert "计算奖惩" in client.get(f"/money/{town.run.pk}/").content.decode()

    response = client.post(f"/money/{town.run.pk}/compute/", follow=True)

    assert LedgerEntry.objects.filter(run=town.run).exists()
    page = response.content.decode()
    assert "已计算" in page and "计算奖惩" not in page
    # a second time is refused, with the reason shown
    again = client.post(f"/money/{town.run.pk}/compute/", follow=True).content.decode()
    assert "不能重复计算" in again


def test_the_ledger_shows_entries_totals_and_explanations(computed: Town, users: dict) -> None:
    page = _client(users["reviewer"]).get(f"/money/{computed.run.pk}/").content.decode()

    assert "一村" in page and "四村" in page
    assert "6,000.00" in page  # V1's share of its grade reward
    assert "按等次奖惩" in page  # the explanation on the row
    assert "全部审核" in page and "登记兑现" not in page  # reviewers approve, do not pay


def test_a_reporter_sees_only_their_units_money(computed: Town, users: dict) -> None:
    page = _client(users["reporter"]).get(f"/money/{computed.run.pk}/").content.decode()

    assert "一村" in page and "张一书" in page
    assert "二村" not in page and "张二书" not in page
    assert "审核" not in page.split("<tbody>")[-1].split("</tbody>")[0]


def test_another_township_gets_not_found(computed: Town, users: dict) -> None:
    client = _client(users["other"])
    assert client.get(f"/money/{computed.run.pk}/").status_code == 404
    assert client.post(f"/money/entries/{_grade().pk}/approve/").status_code == 404


def test_the_filters_narrow_the_rows_and_the_totals(computed: Town, users: dict) -> None:
    client = _client(users["admin"])

    page = client.get(f"/money/{computed.run.pk}/", {"unit": "V2", "kind": "fine"})

    rows = page.content.decode().split('class="table table-sm align-middle kaohe-ledger"')[1]
    assert "瞒报罚款" in rows and "一村" not in rows and "按等次奖惩" not in rows
    table = client.get(f"/money/{computed.run.pk}/table.xlsx", {"unit": "V2", "kind": "fine"})
    sheet = load_workbook(io.BytesIO(table.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2 and Decimal(str(rows[-1][7])) == Decimal("-500.00")


def test_approve_pay_and_reverse_through_the_pages(computed: Town, users: dict) -> None:
    reward = _grade()
    reviewer, admin = _client(users["reviewer"]), _client(users["admin"])
    back = f"/money/{computed.run.pk}/?unit=V1"

    assert reviewer.post(f"/money/entries/{reward.pk}/pay/", {"paid_on": TODAY}).status_code == 403
    response = reviewer.post(f"/money/entries/{reward.pk}/approve/", {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    refused = admin.post(
        f"/money/entries/{reward.pk}/pay/",
        {"paid_on": TODAY, "voucher": "记-9", "amount": "-6000", "next": back},
        follow=True,
    )
    assert "正负" in refused.content.decode()
    admin.post(f"/money/entries/{reward.pk}/pay/", {"paid_on": TODAY, "voucher": "记-9"})
    reward.refresh_from_db()
    assert (reward.status, reward.voucher) == (EntryStatus.PAID, "记-9")

    admin.post(f"/money/entries/{reward.pk}/reverse/", {"reason": "发错单位"})
    reward.refresh_from_db()
    assert reward.status == EntryStatus.REVERSED
    assert reward.reversed_by.amount == Decimal("-6000.00")


def test_the_whole_run_is_approved_by_a_reviewer(computed: Town, users: dict) -> None:
    reporter = _client(users["reporter"])
    assert reporter.post(f"/money/{computed.run.pk}/approve/").status_code == 403

    _client(users["reviewer"]).post(f"/money/{computed.run.pk}/approve/")

    assert not LedgerEntry.objects.filter(status=EntryStatus.COMPUTED).exists()


def test_writes_answer_only_to_post(computed: Town, users: dict) -> None:
    client = _client(users["admin"])
    assert client.get(f"/money/{computed.run.pk}/compute/").status_code == 405
    assert client.get(f"/money/entries/{_grade().pk}/approve/").status_code == 405


def test_the_finance_table_downloads(computed: Town, users: dict) -> None:
    response = _client(users["admin"]).get(f"/money/{computed.run.pk}/table.xlsx")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "奖惩兑现表"
