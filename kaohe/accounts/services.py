"""Writes about users: granting and revoking roles, and the audit rows of logins and logouts."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import can_read_all, forget_scope, may_administer
from kaohe.orgunits.models import OrgUnit, UnitKind

from . import throttling
from .models import Membership, Role

ACTION_GRANT = "role.grant"
ACTION_REVOKE = "role.revoke"
ACTION_LOGIN = "user.login"
ACTION_LOGIN_FAILED = "user.login_failed"
ACTION_LOGIN_LOCKED = "user.login_locked"
ACTION_LOGOUT = "user.logout"

# A role is held over a unit of a fitting kind: a reporter reports for one village, direct unit
# or department; a township administrator runs one township; a county viewer reads one county.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.REPORTER: frozenset({UnitKind.VILLAGE, UnitKind.DIRECT_UNIT, UnitKind.DEPARTMENT}),
    Role.TOWNSHIP_ADMIN: frozenset({UnitKind.TOWNSHIP}),
    Role.COUNTY_VIEWER: frozenset({UnitKind.COUNTY}),
}
# Roles that reach beyond the unit's subtree (everything; the whole audit log): only system
# administrators hand them out or take them back.
SYSTEM_ONLY_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR})

# Set on a request whose login was refused for a lock, so the failure is not counted twice.
LOCKED_FLAG = "_kaohe_login_locked"


class RoleError(ValueError):
    """A role that cannot be granted as asked (bilingual message)."""


class LoginLocked(PermissionDenied):
    """A login refused because of repeated failures; ``until`` is when the lock ends."""

    def __init__(self, until: datetime) -> None:
        super().__init__(str(until))
        self.until = until

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise RoleError(
            _("未知的角色 {role}，可用：{choices} / unknown role {role}; one of {choices}").format(
                role=value, choices=", ".join(Role.values)
            )
        ) from None


def _membership_key(username: str, role: str, unit: OrgUnit) -> str:
    return f"{username}/{role}/{unit.code}"


def _snapshot(username: str, role: str, unit: OrgUnit) -> dict[str, str]:
    return {"user": username, "role": role, "unit": unit.code}


def _check_granter(actor: Actor, role: str, unit: OrgUnit) -> None:
    """Whether the person behind ``actor`` may hand out or take back ``role`` over ``unit``.

    The command line has no user: whoever runs it already holds the database."""
    user = actor.user
    if user is None or not user.is_authenticated:
        return
    allowed = can_read_all(user) if role in SYSTEM_ONLY_ROLES else may_administer(user, unit)
    if not allowed:
        raise PermissionDenied(_("无权管理该单位的角色 / not allowed to manage roles there"))


@transaction.atomic
def do_grant_role(actor: Actor, user: Any, role: str, unit: OrgUnit) -> Membership:
    """Give ``user`` ``role`` over ``unit`` and its subtree (nothing changes if they hold it)."""
    checked = _role(role)
    kinds = ROLE_UNIT_KINDS.get(checked)
    if kinds is not None and unit.kind not in kinds:
        raise RoleError(
            _(
                "角色“{role}”不能授予在{kind}一级 / the role {code} cannot be held over a unit "
                "of kind {kind_code}"
            ).format(
                role=checked.label,
                code=checked.value,
                kind=unit.get_kind_display(),
                kind_code=unit.kind,
            )
        )
    _check_granter(actor, checked, unit)
    membership, created = Membership.objects.get_or_create(user=user, role=checked, unit=unit)
    if created:
        username = user.get_username()
        record(
            actor,
            ACTION_GRANT,
            "membership",
            _membership_key(username, checked, unit),
            after=_snapshot(username, checked, unit),
        )
    forget_scope(user)
    forget_scope(actor.user)
    # Checked again after the write, inside the transaction: a grant must not have moved
    # anything out of the granter's reach (it rolls back if it did).
    _check_granter(actor, checked, unit)
    return membership


@transaction.atomic
def do_revoke_role(actor: Actor, user: Any, role: str, unit: OrgUnit) -> bool:
    """Take ``role`` over ``unit`` away from ``user``; False if they did not hold it."""
    checked = _role(role)
    _check_granter(actor, checked, unit)
    membership = (
        Membership.objects.select_for_update().filter(user=user, role=checked, unit=unit).first()
    )
    if membership is None:
        return False
    username = user.get_username()
    record(
        actor,
        ACTION_REVOKE,
        "membership",
        _membership_key(username, checked, unit),
        before=_snapshot(username, checked, unit),
    )
    membership.delete()
    # Not re-checked after the write: an administrator may give up their own role.
    forget_scope(user)
    forget_scope(actor.user)
    return True


# --- logins --------------------------------------------------------------------------------


def _channel_of(request: Any) -> str:
    if request is None:
        return Channel.CLI
    return Channel.API if str(getattr(request, "path", "")).startswith("/api/") else Channel.WEB


def _login_actor(request: Any, user: Any | None) -> Actor:
    return Actor(
        name=user.get_username() if user is not None else "anonymous",
        channel=_channel_of(request),
        user=user,
        remote_addr=throttling.remote_addr_of(request),
    )


def refuse_if_locked(request: Any, username: str) -> None:
    """Raise :class:`LoginLocked` (and record the refusal) when this user name is locked out
    from the request's address."""
    remote_addr = throttling.remote_addr_of(request)
    until = throttling.locked_until(username, remote_addr)
    if until is None:
        return
    record(
        _login_actor(request, None),
        ACTION_LOGIN_LOCKED,
        "user",
        username,
        after={"locked_until": until.isoformat()},
    )
    if request is not None:
        setattr(request, LOCKED_FLAG, True)
    raise LoginLocked(until)


def record_login(request: Any, user: Any) -> None:
    """Audit a successful login and forget the earlier failures from that address."""
    throttling.clear(user.get_username(), throttling.remote_addr_of(request))
    record(_login_actor(request, user), ACTION_LOGIN, "user", user.get_username())


def record_login_failure(request: Any, username: str) -> None:
    """Audit a failed login and count it towards a lock."""
    if request is not None and getattr(request, LOCKED_FLAG, False):
        return  # already recorded as refused by refuse_if_locked
    failure = throttling.note_failure(username, throttling.remote_addr_of(request))
    after: dict[str, Any] = {"failures": failure.failures}
    if failure.locked_until is not None:
        after["locked_until"] = failure.locked_until.isoformat()
    record(_login_actor(request, None), ACTION_LOGIN_FAILED, "user", username, after=after)


def record_logout(request: Any, user: Any) -> None:
    """Audit a logout."""
    record(_login_actor(request, user), ACTION_LOGOUT, "user", user.get_username())
