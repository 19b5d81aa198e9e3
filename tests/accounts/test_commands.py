"""``kaohe grant`` and ``kaohe revoke``."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from kaohe.accounts.models import Membership
from kaohe.audit.models import AuditEntry, Channel
from kaohe.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_grant_gives_the_role_and_records_it_as_the_command_line(
    units: dict[str, OrgUnit], alice: User
) -> None:
    text = run("grant", "alice", "reviewer", "T01")
    assert "alice" in text and "T01" in text
    assert Membership.objects.filter(user=alice, role="reviewer", unit__code="T01").exists()
    entry = AuditEntry.objects.get(action="role.grant")
    assert entry.channel == Channel.CLI and entry.actor.startswith("cli:")


def test_revoke_takes_it_away(units: dict[str, OrgUnit], alice: User) -> None:
    run("grant", "alice", "reviewer", "T01")
    run("revoke", "alice", "reviewer", "T01")
    assert not Membership.objects.exists()
    assert AuditEntry.objects.filter(action="role.revoke").count() == 1


def test_revoking_a_role_not_held_fails(units: dict[str, OrgUnit], alice: User) -> None:
    with pytest.raises(CommandError, match="alice"):
        run("revoke", "alice", "reviewer", "T01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "reviewer", "T01"), "nobody"),
        (("alice", "reviewer", "NOWHERE"), "NOWHERE"),
        (("alice", "reporter", "T01"), "reporter"),
    ],
)
def test_grant_explains_what_is_wrong(
    units: dict[str, OrgUnit], alice: User, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run("grant", *args)
    assert not Membership.objects.exists()


def test_grant_refuses_an_unknown_role(units: dict[str, OrgUnit], alice: User) -> None:
    with pytest.raises(CommandError):
        run("grant", "alice", "owner", "T01")
