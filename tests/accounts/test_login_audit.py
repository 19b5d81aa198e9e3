"""Logins, failed logins and logouts are in the audit log with the address they came from."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from kaohe.audit.models import AuditEntry, Channel

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_login_is_recorded_with_the_user_and_the_address(alice: User) -> None:
    client = Client(REMOTE_ADDR="192.0.2.7")
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.login")
    assert (entry.user, entry.actor, entry.channel) == (alice, "alice", Channel.WEB)
    assert (entry.object_type, entry.object_key) == ("user", "alice")
    assert entry.remote_addr == "192.0.2.7"


def test_a_failed_login_is_recorded_without_the_password(alice: User) -> None:
    Client(REMOTE_ADDR="192.0.2.7").post(
        "/login/", {"username": "alice", "password": "secret-typed-wrong"}
    )
    entry = AuditEntry.objects.get(action="user.login_failed")
    assert entry.user is None and entry.object_key == "alice"
    assert entry.remote_addr == "192.0.2.7"
    assert entry.after == {"failures": 1}
    every_field = " ".join(str(v) for v in AuditEntry.objects.values().get().values())
    assert "secret-typed-wrong" not in every_field


def test_a_logout_is_recorded(alice: User) -> None:
    client = Client(REMOTE_ADDR="192.0.2.7")
    client.post("/login/", {"username": "alice", "password": PASSWORD})
    client.post("/logout/")
    entry = AuditEntry.objects.get(action="user.logout")
    assert (entry.user, entry.remote_addr) == (alice, "192.0.2.7")


def test_a_logout_without_a_login_records_nothing(db: None) -> None:
    Client().post("/logout/")
    assert not AuditEntry.objects.filter(action="user.logout").exists()


def test_the_channel_follows_the_path_and_the_command_line_has_no_address(alice: User) -> None:
    api_request = RequestFactory().post("/api/something/", REMOTE_ADDR="192.0.2.8")
    authenticate(api_request, username="alice", password="wrong")
    authenticate(None, username="alice", password="wrong")
    channels = list(
        AuditEntry.objects.filter(action="user.login_failed")
        .order_by("id")
        .values_list("channel", "remote_addr")
    )
    assert channels == [(Channel.API, "192.0.2.8"), (Channel.CLI, "")]
