"""The roles page and the memberships API: a township administrator grants and revokes within
their township, is refused elsewhere, and every change is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Membership, Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

CLI = Actor.cli("tester")


@pytest.fixture
def admin_client(units: dict[str, OrgUnit], alice: User) -> Client:
    do_grant_role(CLI, alice, Role.TOWNSHIP_ADMIN, units["T01"])
    client = Client()
    client.force_login(alice)
    return client


def _messages(response: object) -> str:
    return " ".join(str(m) for m in response.context["messages"])  # type: ignore[attr-defined]


def test_a_township_admin_grants_and_revokes_a_reporter_on_the_page(
    admin_client: Client, bob: User
) -> None:
    response = admin_client.post(
        "/roles/grant/", {"username": "bob", "role": "reporter", "unit": "VA01"}, follow=True
    )
    assert response.status_code == 200
    membership = Membership.objects.get(user=bob, role=Role.REPORTER)
    assert membership.unit.code == "VA01"
    assert "bob" in response.content.decode()
    entry = AuditEntry.objects.get(action="role.grant", object_key="bob/reporter/VA01")
    assert (entry.actor, entry.channel) == ("alice", Channel.WEB)

    response = admin_client.post(f"/roles/{membership.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert not Membership.objects.filter(user=bob).exists()
    assert AuditEntry.objects.filter(action="role.revoke", object_key="bob/reporter/VA01").exists()


@pytest.mark.parametrize(
    ("role", "unit"), [("reporter", "VZ01"), ("system_admin", "C01"), ("system_admin", "T01")]
)
def test_the_page_refuses_another_township_and_system_roles(
    admin_client: Client, bob: User, role: str, unit: str
) -> None:
    response = admin_client.post(
        "/roles/grant/", {"username": "bob", "role": role, "unit": unit}, follow=True
    )
    assert response.status_code == 200
    assert "not allowed" in _messages(response)
    assert not Membership.objects.filter(user=bob).exists()
    assert not AuditEntry.objects.filter(
        action="role.grant", object_key__startswith="bob/"
    ).exists()


def test_the_page_shows_unknown_users_and_units_as_messages(admin_client: Client) -> None:
    response = admin_client.post(
        "/roles/grant/", {"username": "nobody", "role": "reporter", "unit": "VA01"}, follow=True
    )
    assert "no such user" in _messages(response)
    response = admin_client.post(
        "/roles/grant/", {"username": "bob", "role": "reporter", "unit": "NOPE"}, follow=True
    )
    assert "no such" in _messages(response)


def test_the_page_lists_the_township_only_and_links_from_the_navigation(
    admin_client: Client, units: dict[str, OrgUnit], bob: User, charlie: User
) -> None:
    do_grant_role(CLI, bob, Role.REPORTER, units["VA01"])
    do_grant_role(CLI, charlie, Role.REPORTER, units["VZ01"])
    text = admin_client.get("/roles/").content.decode()
    assert "bob" in text and "charlie" not in text
    assert 'href="/roles/"' in text


def test_a_reporter_gets_403_and_no_link(units: dict[str, OrgUnit], charlie: User) -> None:
    do_grant_role(CLI, charlie, Role.REPORTER, units["VA01"])
    client = Client()
    client.force_login(charlie)
    assert client.get("/roles/").status_code == 403
    assert (
        client.post(
            "/roles/grant/", {"username": "charlie", "role": "reporter", "unit": "VB01"}
        ).status_code
        == 403
    )
    assert 'href="/roles/"' not in client.get("/").content.decode()
    api = client.post(
        "/api/memberships/",
        {"user": "charlie", "role": "reporter", "unit": "VB01"},
        content_type="application/json",
    )
    assert api.status_code == 403
    membership = Membership.objects.get(user=charlie)
    assert client.delete(f"/api/memberships/{membership.pk}/").status_code == 403
    assert Membership.objects.filter(user=charlie).count() == 1


def test_the_api_grants_lists_and_revokes(admin_client: Client, bob: User) -> None:
    response = admin_client.post(
        "/api/memberships/",
        {"user": "bob", "role": "reporter", "unit": "VB01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["user"], body["role"], body["unit"]) == ("bob", "reporter", "VB01")
    entry = AuditEntry.objects.get(action="role.grant", object_key="bob/reporter/VB01")
    assert (entry.actor, entry.channel) == ("alice", Channel.API)
    listed = admin_client.get("/api/memberships/").json()["results"]
    assert {(m["user"], m["unit"]) for m in listed} == {("alice", "T01"), ("bob", "VB01")}

    assert admin_client.delete(f"/api/memberships/{body['id']}/").status_code == 204
    assert not Membership.objects.filter(user=bob).exists()
    entry = AuditEntry.objects.get(action="role.revoke", object_key="bob/reporter/VB01")
    assert entry.channel == Channel.API


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        ("reporter", "VZ01", 403),
        ("system_admin", "C01", 403),
        ("reporter", "T01", 400),  # a reporter is held over a village, not a township
        ("no_such_role", "VA01", 400),
    ],
)
def test_the_api_refuses_with_a_bilingual_detail(
    admin_client: Client, bob: User, role: str, unit: str, expected: int
) -> None:
    response = admin_client.post(
        "/api/memberships/",
        {"user": "bob", "role": role, "unit": unit},
        content_type="application/json",
    )
    assert response.status_code == expected
    assert " / " in response.json()["detail"]
    assert not Membership.objects.filter(user=bob).exists()


def test_the_api_refuses_to_revoke_in_another_township(
    admin_client: Client, units: dict[str, OrgUnit], bob: User
) -> None:
    membership = do_grant_role(CLI, bob, Role.REPORTER, units["VZ01"])
    assert admin_client.delete(f"/api/memberships/{membership.pk}/").status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
