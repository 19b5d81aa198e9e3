"""The audit log page and its CSV export: filters, pages, and cells a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor, record
from kaohe.orgunits.models import OrgUnit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(db: None) -> Client:
    county = OrgUnit.objects.create(code="C01", name="某县", kind=UnitKind.COUNTY)
    user = User.objects.create_user("auditor")
    do_grant_role(Actor.cli("setup"), user, Role.AUDITOR, county)
    AuditEntry.objects.all().delete()  # start from an empty log: only the rows of each test
    client = Client()
    client.force_login(user)
    AuditEntry.objects.filter(action="user.login").delete()
    return client


def entry(actor: str, action: str, object_type: str, key: str, day: str, channel: str) -> None:
    row = record(Actor(name=actor, channel=channel), action, object_type, key, None, {"v": 1})
    at = timezone.make_aware(datetime.fromisoformat(f"{day}T12:00:00"))
    AuditEntry.objects.filter(pk=row.pk).update(at=at)


def keys_on_page(client: Client, **params: str) -> list[str]:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return [e.object_key for e, _before, _after in response.context["rows"]]


def test_the_page_filters_by_dates_actor_action_object_type_and_channel(auditor: Client) -> None:
    entry("alice", "datavalue.update", "datavalue", "BIRTHS/2026/V01", "2026-03-01", Channel.WEB)
    entry("bob", "datavalue.create", "datavalue", "BIRTHS/2026/V02", "2026-03-05", Channel.IMPORT)
    entry("alice", "role.grant", "membership", "carol/reporter/V01", "2026-03-09", Channel.CLI)
    assert keys_on_page(auditor, date_from="2026-03-05") == [
        "carol/reporter/V01",
        "BIRTHS/2026/V02",
    ]
    assert keys_on_page(auditor, date_to="2026-03-05") == ["BIRTHS/2026/V02", "BIRTHS/2026/V01"]
    assert keys_on_page(auditor, actor="ALI", action="datavalue.") == ["BIRTHS/2026/V01"]
    assert keys_on_page(auditor, object_type="membership") == ["carol/reporter/V01"]
    assert keys_on_page(auditor, channel="import") == ["BIRTHS/2026/V02"]
    assert keys_on_page(auditor, object_key="v01") == ["carol/reporter/V01", "BIRTHS/2026/V01"]


def test_dates_in_the_wrong_order_are_explained(auditor: Client) -> None:
    response = auditor.get("/audit/", {"date_from": "2026-03-09", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "结束日期早于开始日期" in response.content.decode()


def test_the_page_is_paginated_and_its_links_keep_the_filters(auditor: Client) -> None:
    for i in range(55):
        entry("alice", "datavalue.update", "datavalue", f"K{i:02}", "2026-03-01", Channel.WEB)
    first = auditor.get("/audit/", {"actor": "alice"})
    assert len(first.context["rows"]) == 50
    assert "actor=alice&amp;page=2" in first.content.decode()
    second = auditor.get("/audit/", {"actor": "alice", "page": "2"})
    assert len(second.context["rows"]) == 5


def test_the_export_holds_the_filtered_rows_and_neutralises_formulas(auditor: Client) -> None:
    entry("=HYPERLINK(1)", "user.login_failed", "user", "+1+1", "2026-03-01", Channel.WEB)
    entry("alice", "datavalue.update", "datavalue", "-2", "2026-03-02", Channel.WEB)
    entry("alice", "datavalue.update", "datavalue", "@SUM(A1)", "2026-03-03", Channel.WEB)
    entry("bob", "role.grant", "membership", "plain", "2026-03-04", Channel.CLI)
    response = auditor.get("/audit/export.csv", {"channel": "web"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["时间", "操作人"]
    assert [row[5] for row in body] == ["'@SUM(A1)", "'-2", "'+1+1"]
    assert body[-1][1] == "'=HYPERLINK(1)"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in body for cell in row)
