"""Login throttling: after repeated failures of one user name from one address, refuse logins
from there for a while, even with the right password.

Counted in a small table rather than the cache so that every worker process agrees without a
shared cache server. Limits come from settings (seconds):

KAOHE_LOGIN_MAX_FAILURES      failures that lock (default 5)
KAOHE_LOGIN_FAILURE_WINDOW    failures further apart than this start counting again (900)
KAOHE_LOGIN_LOCKOUT           how long a lock lasts (900)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import LoginThrottle


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta
    lockout: timedelta


def limits() -> Limits:
    """The limits in force (read on every call so tests and settings changes take effect)."""
    return Limits(
        max_failures=max(1, int(getattr(settings, "KAOHE_LOGIN_MAX_FAILURES", 5))),
        window=timedelta(seconds=int(getattr(settings, "KAOHE_LOGIN_FAILURE_WINDOW", 900))),
        lockout=timedelta(seconds=int(getattr(settings, "KAOHE_LOGIN_LOCKOUT", 900))),
    )


def throttle_key(username: str) -> str:
    """The user name as counted: case and surrounding spaces do not give fresh attempts."""
    return username.strip().casefold()[:150]


def remote_addr_of(request: Any) -> str:
    """The client address of a request ("" without one, e.g. on the command line)."""
    if request is None:
        return ""
    return str(getattr(request, "META", {}).get("REMOTE_ADDR", ""))[:64]


def locked_until(username: str, remote_addr: str, now: datetime | None = None) -> datetime | None:
    """When the lock on this user name and address ends, or None if there is none."""
    now = now or timezone.now()
    until = (
        LoginThrottle.objects.filter(
            username=throttle_key(username),
            remote_addr=remote_addr,
            locked_until__gt=now,
        )
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


@dataclass(frozen=True)
class Failure:
    """A counted failure: how many in the current window, and the lock it caused, if any."""

    failures: int
    locked_until: datetime | None


def note_failure(username: str, remote_addr: str, now: datetime | None = None) -> Failure:
    """Count one failed login; lock when the count reaches the limit."""
    now = now or timezone.now()
    rules = limits()
    with transaction.atomic():
        _forget_stale(now, rules)
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            username=throttle_key(username),
            remote_addr=remote_addr,
            defaults={"last_failure_at": now},
        )
        if row.locked_until is not None and row.locked_until > now:
            # Attempts during a lock neither count nor lengthen it.
            return Failure(row.failures, row.locked_until)
        if row.first_failure_at is None or row.first_failure_at <= now - rules.window:
            row.failures = 0
            row.first_failure_at = now
        row.failures += 1
        row.last_failure_at = now
        row.locked_until = now + rules.lockout if row.failures >= rules.max_failures else None
        counted = Failure(row.failures, row.locked_until)
        if row.locked_until is not None:
            row.failures = 0
            row.first_failure_at = None
        row.save()
        return counted


def clear(username: str, remote_addr: str) -> None:
    """Forget the failures of this user name and address (after a successful login)."""
    LoginThrottle.objects.filter(username=throttle_key(username), remote_addr=remote_addr).delete()


def _forget_stale(now: datetime, rules: Limits) -> None:
    # Keeps the table small when someone tries many user names: rows whose failures have aged
    # out of the window and whose lock has ended tell nothing any more.
    LoginThrottle.objects.filter(last_failure_at__lt=now - max(rules.window, rules.lockout)).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    ).delete()
