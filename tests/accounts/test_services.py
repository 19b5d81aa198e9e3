"""Granting and revoking roles: audited, idempotent, and refused to those without the right."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from kaohe.accounts.models import Membership, Role
from kaohe.accounts.services import RoleError, do_grant_role, do_revoke_role
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.core.access import may_change, scope_of
from kaohe.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

CLI = Actor.cli("tester")


def web_actor(user: User) -> Actor:
    return Actor(name=user.get_username(), channel=Channel.WEB, user=user, remote_addr="10.0.0.9")


def test_granting_a_role_records_who_from_where_and_the_after(
    units: dict[str, OrgUnit], alice: User
) -> None:
    membership = do_grant_role(CLI, alice, Role.REPORTER, units["VA01"])
    assert membership.role == Role.REPORTER and membership.unit == units["VA01"]
    entry = AuditEntry.objects.get(action="role.grant")
    assert (entry.actor, entry.channel) == ("tester", Channel.CLI)
    assert entry.object_type == "membership" and entry.object_key == "alice/reporter/VA01"
    assert entry.before is None
    assert entry.after == {"user": "alice", "role": "reporter", "unit": "VA01"}


def test_granting_a_role_held_already_changes_nothing(
    units: dict[str, OrgUnit], alice: User
) -> None:
    first = do_grant_role(CLI, alice, Role.REPORTER, units["VA01"])
    again = do_grant_role(CLI, alice, Role.REPORTER, units["VA01"])
    assert first.pk == again.pk
    assert AuditEntry.objects.filter(action="role.grant").count() == 1


def test_a_user_may_hold_several_roles_and_sees_their_union(
    units: dict[str, OrgUnit], alice: User
) -> None:
    do_grant_role(CLI, alice, Role.REPORTER, units["VA01"])
    do_grant_role(CLI, alice, Role.REVIEWER, units["T02"])
    scope = scope_of(alice)
    assert set(scope.paths("view")) == {units["VA01"].path, units["T02"].path}
    assert scope.paths("change") == (units["VA01"].path,)
    assert scope.paths("review") == (units["T02"].path,)


def test_revoking_records_the_before_and_removes_the_role(
    units: dict[str, OrgUnit], alice: User
) -> None:
    do_grant_role(CLI, alice, Role.REPORTER, units["VA01"])
    assert may_change(alice, units["VA01"])
    assert do_revoke_role(CLI, alice, Role.REPORTER, units["VA01"]) is True
    assert not Membership.objects.filter(user=alice).exists()
    assert not may_change(alice, units["VA01"]), "the cached scope must be forgotten"
    entry = AuditEntry.objects.get(action="role.revoke")
    assert entry.before == {"user": "alice", "role": "reporter", "unit": "VA01"}
    assert entry.after is None


def test_revoking_a_role_not_held_writes_nothing(units: dict[str, OrgUnit], alice: User) -> None:
    assert do_revoke_role(CLI, alice, Role.REVIEWER, units["T01"]) is False
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        (Role.REPORTER, "T01"),
        (Role.REPORTER, "C01"),
        (Role.TOWNSHIP_ADMIN, "VA01"),
        (Role.TOWNSHIP_ADMIN, "C01"),
        (Role.COUNTY_VIEWER, "T01"),
    ],
)
def test_it_refuses_a_role_over_a_unit_of_the_wrong_kind(
    units: dict[str, OrgUnit], alice: User, role: str, unit: str
) -> None:
    with pytest.raises(RoleError):
        do_grant_role(CLI, alice, role, units[unit])
    assert not Membership.objects.exists() and not AuditEntry.objects.exists()


def test_it_refuses_an_unknown_role(units: dict[str, OrgUnit], alice: User) -> None:
    with pytest.raises(RoleError, match="owner"):
        do_grant_role(CLI, alice, "owner", units["T01"])


def test_a_township_administrator_grants_roles_in_their_township_only(
    units: dict[str, OrgUnit], alice: User, bob: User, charlie: User
) -> None:
    # given Alice administers 某镇
    do_grant_role(CLI, alice, Role.TOWNSHIP_ADMIN, units["T01"])
    # when she makes Bob a reporter of one of its villages, it is recorded as hers, from the web
    do_grant_role(web_actor(alice), bob, Role.REPORTER, units["VA01"])
    entry = AuditEntry.objects.filter(action="role.grant").latest("id")
    assert (entry.actor, entry.channel, entry.remote_addr) == ("alice", "web", "10.0.0.9")
    assert entry.user == alice
    # then a village of another township is refused, and nothing is written
    count = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        do_grant_role(web_actor(alice), charlie, Role.REPORTER, units["VZ01"])
    with pytest.raises(PermissionDenied):
        do_revoke_role(web_actor(alice), bob, Role.REPORTER, units["VZ01"])
    assert AuditEntry.objects.count() == count
    assert not Membership.objects.filter(user=charlie).exists()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR])
def test_only_system_administrators_hand_out_roles_that_reach_beyond_a_subtree(
    units: dict[str, OrgUnit], alice: User, bob: User, charlie: User, role: str
) -> None:
    do_grant_role(CLI, alice, Role.TOWNSHIP_ADMIN, units["T01"])
    with pytest.raises(PermissionDenied):
        do_grant_role(web_actor(alice), bob, role, units["T01"])
    do_grant_role(CLI, charlie, Role.SYSTEM_ADMIN, units["C01"])
    do_grant_role(web_actor(charlie), bob, role, units["T01"])
    assert Membership.objects.filter(user=bob, role=role).exists()


def test_a_reporter_may_grant_nothing(units: dict[str, OrgUnit], alice: User, bob: User) -> None:
    do_grant_role(CLI, alice, Role.REPORTER, units["VA01"])
    with pytest.raises(PermissionDenied):
        do_grant_role(web_actor(alice), bob, Role.REPORTER, units["VA01"])
