"""Login throttling: repeated failures of one user name from one address lock it for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import timezone

from kaohe.accounts import throttling
from kaohe.accounts.models import LoginThrottle
from kaohe.audit.models import AuditEntry

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

BACKEND = "kaohe.accounts.backends.ThrottledModelBackend"


@pytest.fixture(autouse=True)
def limits(settings: object) -> None:
    settings.KAOHE_LOGIN_MAX_FAILURES = 3  # type: ignore[attr-defined]
    settings.KAOHE_LOGIN_FAILURE_WINDOW = 600  # type: ignore[attr-defined]
    settings.KAOHE_LOGIN_LOCKOUT = 900  # type: ignore[attr-defined]


def log_in(client: Client, username: str, password: str) -> object:
    return client.post("/login/", {"username": username, "password": password})


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_settings_use_the_throttled_backend() -> None:
    # The admin site logs in through authenticate(); only the backend stops it there.
    assert BACKEND in django_settings.AUTHENTICATION_BACKENDS


def test_the_login_page_locks_after_repeated_failures_even_with_the_right_password(
    alice: User,
) -> None:
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _attempt in range(3):
        log_in(client, "alice", "wrong password")
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 200  # the form again, not the redirect of a login
    assert "登录失败次数过多" in response.content.decode()  # type: ignore[attr-defined]
    assert not is_logged_in(client)
    assert AuditEntry.objects.filter(action="user.login_failed").count() == 3
    refused = AuditEntry.objects.get(action="user.login_locked")
    assert (refused.object_key, refused.remote_addr) == ("alice", "10.1.1.1")


def test_the_lock_is_for_one_address(alice: User) -> None:
    for _attempt in range(3):
        log_in(Client(REMOTE_ADDR="10.1.1.1"), "alice", "wrong password")
    other = Client(REMOTE_ADDR="10.2.2.2")
    assert log_in(other, "alice", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    assert is_logged_in(other)


def test_changing_the_case_of_the_name_gives_no_fresh_attempts(alice: User) -> None:
    client = Client(REMOTE_ADDR="10.1.1.1")
    for name in ("alice", "ALICE", " Alice"):
        log_in(client, name, "wrong password")
    assert throttling.locked_until("alice", "10.1.1.1") is not None


def test_unknown_user_names_are_locked_like_known_ones(db: None) -> None:
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _attempt in range(4):
        response = log_in(client, "nobody", "whatever")
    assert "登录失败次数过多" in response.content.decode()  # type: ignore[attr-defined]


def test_a_successful_login_forgets_earlier_failures(alice: User) -> None:
    client = Client(REMOTE_ADDR="10.1.1.1")
    log_in(client, "alice", "wrong password")
    log_in(client, "alice", "wrong password")
    assert log_in(client, "alice", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    assert not LoginThrottle.objects.exists()


def test_the_lock_ends_after_the_lockout() -> None:
    start = timezone.now()
    for _attempt in range(3):
        failure = throttling.note_failure("alice", "10.1.1.1", now=start)
    assert failure.locked_until == start + timedelta(seconds=900)
    assert throttling.locked_until("alice", "10.1.1.1", now=start + timedelta(seconds=899))
    assert throttling.locked_until("alice", "10.1.1.1", now=start + timedelta(seconds=901)) is None


def test_attempts_during_a_lock_do_not_lengthen_it() -> None:
    start = timezone.now()
    for _attempt in range(3):
        throttling.note_failure("alice", "10.1.1.1", now=start)
    later = throttling.note_failure("alice", "10.1.1.1", now=start + timedelta(seconds=600))
    assert later.locked_until == start + timedelta(seconds=900)


def test_counting_starts_again_once_the_window_since_the_first_failure_has_passed() -> None:
    start = timezone.now()
    throttling.note_failure("alice", "10.1.1.1", now=start)
    second = throttling.note_failure("alice", "10.1.1.1", now=start + timedelta(seconds=599))
    assert second.failures == 2
    third = throttling.note_failure("alice", "10.1.1.1", now=start + timedelta(seconds=601))
    assert third.failures == 1 and third.locked_until is None


def test_stale_rows_are_removed(db: None) -> None:
    long_ago = timezone.now() - timedelta(days=2)
    for name in ("a", "b", "c"):
        throttling.note_failure(name, "10.9.9.9", now=long_ago)
    throttling.note_failure("alice", "10.1.1.1")
    assert list(LoginThrottle.objects.values_list("username", flat=True)) == ["alice"]


def test_the_backend_refuses_a_locked_name_wherever_authenticate_is_called(
    alice: User, settings: object
) -> None:
    settings.AUTHENTICATION_BACKENDS = [BACKEND]  # type: ignore[attr-defined]
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.1.1.1")
    for _attempt in range(3):
        assert authenticate(request, username="alice", password="wrong password") is None
    assert authenticate(request, username="alice", password=PASSWORD) is None
    assert AuditEntry.objects.filter(action="user.login_locked").count() == 1
    assert AuditEntry.objects.filter(action="user.login_failed").count() == 3  # not 4
    elsewhere = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.2.2.2")
    assert authenticate(elsewhere, username="alice", password=PASSWORD) == alice


def test_the_admin_login_is_throttled_too(alice: User, settings: object) -> None:
    settings.AUTHENTICATION_BACKENDS = [BACKEND]  # type: ignore[attr-defined]
    alice.is_staff = True
    alice.save()
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _attempt in range(3):
        client.post("/admin/login/", {"username": "alice", "password": "wrong password"})
    client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert not is_logged_in(client)
