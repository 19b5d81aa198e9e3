"""Writing audit rows. Called by every service function inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import AuditEntry, Channel


@dataclass(frozen=True)
class Actor:
    """Who is changing something, and through which channel."""

    name: str
    channel: str = Channel.CLI
    user: AbstractBaseUser | AnonymousUser | None = None
    remote_addr: str = ""

    @classmethod
    def cli(cls, name: str = "") -> Actor:
        import getpass

        return cls(name=name or f"cli:{getpass.getuser()}", channel=Channel.CLI)

    @classmethod
    def system(cls) -> Actor:
        return cls(name="system", channel=Channel.SYSTEM)

    @classmethod
    def from_request(cls, request: Any, channel: str = Channel.WEB) -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(
            name=user.get_username() if user else "anonymous",
            channel=channel,
            user=user,
            remote_addr=request.META.get("REMOTE_ADDR", "")[:64],
        )


def build_entry(
    actor: Actor,
    action: str,
    object_type: str,
    object_key: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """An unsaved audit row (for bulk_create alongside bulk writes)."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    return AuditEntry(
        user=user,  # type: ignore[misc]
        actor=actor.name[:150],
        channel=actor.channel,
        action=action,
        object_type=object_type,
        object_key=object_key[:255],
        before=before,
        after=after,
        remote_addr=actor.remote_addr,
    )


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_key: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Write one audit row; call inside the transaction of the change it records."""
    entry = build_entry(actor, action, object_type, object_key, before, after)
    entry.save()
    return entry
