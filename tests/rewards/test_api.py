"""The ledger's REST API: list and filters, compute, approve, pay, reverse, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import EntryStatus, LedgerEntry

from .conftest import CONSOLE, Town

TODAY = timezone.localdate().isoformat()


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _post(client: Client, url: str, body: dict | None = None) -> object:
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def computed(town: Town) -> Town:
    do_compute_money(town.run, CONSOLE)
    return town


def test_compute_through_the_api(town: Town, users: dict) -> None:
    refused = _post(_client(users["reviewer"]), "/api/money/compute/", {"run": town.run.pk})
    assert refused.status_code == 403  # type: ignore[attr-defined]

    response = _post(_client(users["admin"]), "/api/money/compute/", {"run": town.run.pk})

    assert response.status_code == 201  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert data["created"] == LedgerEntry.objects.count() == len(data["entries"])
    again = _post(_client(users["admin"]), "/api/money/compute/", {"run": town.run.pk})
    assert again.status_code == 400 and again.json()["field"] == "run"  # type: ignore[attr-defined]
    missing = _post(_client(users["admin"]), "/api/money/compute/", {"run": 999_999})
    assert missing.status_code == 404  # type: ignore[attr-defined]


def test_the_list_filters_and_keeps_to_what_the_user_sees(computed: Town, users: dict) -> None:
    admin = _client(users["admin"])

    everything = admin.get("/api/money/", {"run": computed.run.pk}).json()
    fines = admin.get("/api/money/", {"run": computed.run.pk, "kind": "fine"}).json()
    own = admin.get("/api/money/", {"run": computed.run.pk, "person": "-", "unit": "V2"}).json()
    mine = _client(users["reporter"]).get("/api/money/").json()

    assert everything["count"] == LedgerEntry.objects.count()
    assert {row["kind"] for row in fines["results"]} == {"fine"}
    assert {(row["unit"], row["person"]) for row in own["results"]} == {("V2", None)}
    assert {row["unit"] for row in mine["results"]} == {"V1"}
    assert _client(users["other"]).get("/api/money/").json()["count"] == 0
    row = everything["results"][0]
    assert Decimal(row["amount"]) == LedgerEntry.objects.get(pk=row["id"]).amount
    assert row["explanation_zh"] and row["figures"]


def test_approve_pay_and_reverse(computed: Town, users: dict) -> None:
    reward = LedgerEntry.objects.get(unit__code="V1", rule="GRADE", person__isnull=True)
    reviewer, admin = _client(users["reviewer"]), _client(users["admin"])

    unapproved = _post(admin, f"/api/money/{reward.pk}/pay/", {"paid_on": TODAY, "voucher": "v"})
    assert unapproved.status_code == 400  # type: ignore[attr-defined]
    assert unapproved.json()["field"] == "status"  # type: ignore[attr-defined]
    assert _post(reviewer, f"/api/money/{reward.pk}/approve/").json()["status"] == "approved"  # type: ignore[attr-defined]
    assert _post(reviewer, f"/api/money/{reward.pk}/approve/").status_code == 400  # type: ignore[attr-defined]
    negative = {"paid_on": TODAY, "voucher": "v", "amount": "-6000.00"}
    assert _post(admin, f"/api/money/{reward.pk}/pay/", negative).json()["field"] == "amount"  # type: ignore[attr-defined]
    paid = _post(admin, f"/api/money/{reward.pk}/pay/", {"paid_on": TODAY, "voucher": "记-1"})
    assert paid.json()["status"] == "paid"  # type: ignore[attr-defined]
    assert (
        _post(admin, f"/api/money/{reward.pk}/pay/", {"paid_on": TODAY, "voucher": "x"}).status_code
        == 400
    )  # type: ignore[attr-defined]

    counter = _post(admin, f"/api/money/{reward.pk}/reverse/", {"reason": "发错"})
    assert counter.status_code == 201  # type: ignore[attr-defined]
    body = counter.json()  # type: ignore[attr-defined]
    assert (body["reverses"], body["amount"], body["status"]) == (reward.pk, "-6000.00", "computed")
    twice = _post(admin, f"/api/money/{reward.pk}/reverse/", {"reason": "再次"})
    assert twice.status_code == 400  # type: ignore[attr-defined]
    assert _post(reviewer, f"/api/money/{body['id']}/reverse/", {"reason": "x"}).status_code == 403  # type: ignore[attr-defined]


def test_approving_a_whole_run(computed: Town, users: dict) -> None:
    response = _post(
        _client(users["reviewer"]), "/api/money/approve-run/", {"run": computed.run.pk}
    )

    assert len(response.json()["approved"]) == LedgerEntry.objects.count()  # type: ignore[attr-defined]
    assert not LedgerEntry.objects.filter(status=EntryStatus.COMPUTED).exists()


def test_the_totals_reconcile_with_the_list(computed: Town, users: dict) -> None:
    client = _client(users["admin"])

    sums = client.get("/api/money/totals/", {"run": computed.run.pk}).json()
    rows = client.get("/api/money/", {"run": computed.run.pk, "limit": 1000}).json()["results"]

    grand = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    assert Decimal(sums["all"]["net"]) == grand
    for group in ("unit", "person", "kind"):
        assert sum((Decimal(t["net"]) for t in sums[group]), Decimal(0)) == grand
    v2 = client.get("/api/money/totals/", {"run": computed.run.pk, "unit": "V2"}).json()
    assert [t["key"] for t in v2["unit"]] == ["V2"]


def test_the_endpoints_are_in_the_schema(users: dict) -> None:
    schema = _client(users["admin"]).get("/api/schema/").content.decode()
    for path in (
        "/api/money/",
        "/api/money/compute/",
        "/api/money/{id}/pay/",
        "/api/money/totals/",
    ):
        assert path in schema
