"""kaohe.core.access.restrict and its helpers, model by model, without going through a page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from kaohe.accounts.models import Membership
from kaohe.assessments.models import AssessmentRun, IndicatorValue, ItemResult, UnitResult
from kaohe.audit.models import AuditEntry
from kaohe.core.access import (
    may_change,
    may_read_audit,
    may_review,
    may_run_assessments,
    require,
    restrict,
    scope_of,
)
from kaohe.datavalues.models import DataValue, Period
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Scheme, UnitTarget

from .conftest import World

pytestmark = pytest.mark.django_db


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def village_codes(queryset: object, user: User, action: str = "view", field: str = "unit") -> set:
    return set(restrict(queryset, user, action).values_list(f"{field}__code", flat=True))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "model", [DataValue, Official, UnitTarget, UnitResult, IndicatorValue, Membership]
)
def test_a_reporter_reads_the_rows_of_their_own_unit_only(world: World, model: type) -> None:
    assert village_codes(model.objects.all(), world.users["reporter_b"]) == {"VB01"}


def test_item_results_follow_their_units(world: World) -> None:
    rows = restrict(ItemResult.objects.all(), world.users["reporter_a"])
    assert set(rows.values_list("unit_result__unit__code", flat=True)) == {"VA01"}


def test_a_reporter_changes_their_figures_but_not_their_quota_officials_or_results(
    world: World,
) -> None:
    reporter = world.users["reporter_a"]
    assert village_codes(DataValue.objects.all(), reporter, "change") == {"VA01"}
    for model in (UnitTarget, Official, UnitResult):
        assert not restrict(model.objects.all(), reporter, "change").exists(), model
    assert may_change(reporter, unit("VA01"))
    assert not may_change(reporter, unit("VB01"))
    assert not may_review(reporter, unit("VA01"))


def test_a_reviewer_reviews_but_does_not_enter_figures(world: World) -> None:
    reviewer = world.users["reviewer"]
    assert may_review(reviewer, unit("VA01")) and may_review(reviewer, unit("T01"))
    assert not may_review(reviewer, unit("VZ01"))
    assert not may_change(reviewer, unit("VA01"))


def test_a_township_administrator_does_everything_under_the_township(world: World) -> None:
    admin = world.users["township_admin"]
    for action in ("view", "change", "review", "admin"):
        assert village_codes(DataValue.objects.all(), admin, action) == {"VA01", "VB01"}
    assert may_run_assessments(admin, unit("T01"))
    assert not may_run_assessments(admin, unit("T02"))
    assert not may_run_assessments(admin, None)


def test_the_county_viewer_and_the_auditor_read_everything_and_change_nothing(
    world: World,
) -> None:
    for role in ("county_viewer", "auditor"):
        user = world.users[role]
        assert village_codes(DataValue.objects.all(), user) == {"VA01", "VB01", "VZ01"}
        for action in ("change", "review", "admin"):
            assert not restrict(DataValue.objects.all(), user, action).exists()
        assert not restrict(Scheme.objects.all(), user, "change").exists()


def test_only_auditors_and_system_administrators_read_the_audit_log(world: World) -> None:
    readers = {
        role
        for role, user in world.users.items()
        if restrict(AuditEntry.objects.all(), user).exists()
    }
    assert readers == {"auditor", "system_admin", "superuser"}
    assert readers == {role for role, user in world.users.items() if may_read_audit(user)}


def test_nobody_changes_the_audit_log(world: World) -> None:
    for user in world.users.values():
        assert not restrict(AuditEntry.objects.all(), user, "change").exists()


def test_configuration_is_read_by_anyone_with_a_role_and_changed_by_system_admins(
    world: World,
) -> None:
    for role, user in world.users.items():
        reads = restrict(DataElement.objects.all(), user).exists()
        assert reads == (role != "no_role"), role
        assert restrict(Period.objects.all(), user).exists() == reads
        changes = restrict(Scheme.objects.all(), user, "change").exists()
        assert changes == (role in {"system_admin", "superuser"}), role


def test_a_reporter_sees_the_runs_that_assessed_their_unit(world: World) -> None:
    def runs(role: str) -> set[int]:
        return set(
            restrict(AssessmentRun.objects.all(), world.users[role]).values_list("pk", flat=True)
        )

    assert runs("reporter_a") == {world.run_all.pk}
    assert runs("other_township_admin") == {world.run_all.pk, world.run_t02.pk}
    assert runs("no_role") == set()


def test_runs_are_changed_over_their_root(world: World) -> None:
    admin = world.users["other_township_admin"]
    changeable = restrict(AssessmentRun.objects.all(), admin, "change")
    assert set(changeable.values_list("pk", flat=True)) == {world.run_t02.pk}


def test_anonymous_and_inactive_users_reach_nothing(world: World) -> None:
    inactive = User.objects.create_user("gone", is_active=False, is_superuser=True)
    for user in (AnonymousUser(), inactive, None):
        assert not restrict(OrgUnit.objects.all(), user).exists()
        assert not restrict(DataElement.objects.all(), user).exists()
        assert not restrict(Membership.objects.all(), user).exists()


def test_require_raises_permission_denied_outside_the_scope(world: World) -> None:
    reporter = world.users["reporter_b"]
    value_a = DataValue.objects.filter(unit__code="VA01").first()
    value_b = DataValue.objects.filter(unit__code="VB01").first()
    require(reporter, "change", value_b)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        require(reporter, "view", value_a)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        require(reporter, "admin", unit("VB01"))


def test_the_scope_is_read_once_per_user_object(
    world: World, django_assert_num_queries: object
) -> None:
    user = User.objects.get(username="reviewer")
    with django_assert_num_queries(1):  # type: ignore[operator]
        scope_of(user)
        scope_of(user)
        assert may_review(user, OrgUnit(path="/C01/T01/VA01/"))


def test_a_model_it_was_not_taught_is_refused_loudly(world: World) -> None:
    with pytest.raises(ImproperlyConfigured):
        restrict(User.objects.all(), world.users["system_admin"])


def test_an_unknown_action_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        restrict(OrgUnit.objects.all(), world.users["system_admin"], "delete")


def test_a_unit_whose_code_differs_only_in_case_is_another_unit(world: World) -> None:
    # SQLite's LIKE ignores case, so a prefix match alone would let VA01's reporter into va01.
    from kaohe.orgunits.models import UnitKind

    OrgUnit.objects.create(code="va01", name="小写村", kind=UnitKind.VILLAGE, parent=unit("T01"))
    seen = set(
        restrict(OrgUnit.objects.all(), world.users["reporter_a"]).values_list("code", flat=True)
    )
    assert seen == {"VA01"}
    assert not may_change(world.users["reporter_a"], unit("va01"))
