"""Remediation plans: the five fixes and each refusal, progress, the acceptance check and its
three outcomes, and the overdue list."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.orgunits.models import Official
from kaohe.remediation.models import (
    AcceptanceCheck,
    Designation,
    DesignationOrigin,
    PlanStatus,
    ProgressEntry,
    RemediationPlan,
)
from kaohe.remediation.services import (
    RemediationError,
    do_accept_check,
    do_add_progress,
    do_create_plan,
    do_designate,
    overdue,
)

from .conftest import ACTOR, DEADLINE, County

pytestmark = pytest.mark.django_db


@pytest.fixture
def designated(county: County) -> County:
    do_designate(county.runs[2005], ACTOR)
    do_designate(county.runs[2006], ACTOR)
    return county


def designation(unit: str, year: int = 2006) -> Designation:
    return Designation.objects.get(unit__code=unit, year=year)


def fixes(county: County, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "leader": county.official("T_HEAD"),
        "staff": [county.official("T_CADRE"), county.official("V4_SEC")],
        "responsibilities": "包村干部乙驻村整改报表；四村支书负责群众工作",
        "deadline": DEADLINE,
        "rewards_penalties": "转化成功奖励帮扶人员 2000 元；未转化扣减绩效",
        "shares_outcome": True,
    }
    return values | changes


def make_plan(county: County, unit: str = "V4", **changes: Any) -> RemediationPlan:
    return do_create_plan(designation(unit), actor=ACTOR, **fixes(county, **changes))


# --- the five fixes -------------------------------------------------------------------------


def test_a_plan_holds_the_five_fixes(designated: County) -> None:
    plan = make_plan(designated)
    assert plan.status == PlanStatus.OPEN
    assert plan.leader.code == "T_HEAD"
    assert sorted(plan.staff.values_list("code", flat=True)) == ["T_CADRE", "V4_SEC"]
    assert plan.deadline == DEADLINE and plan.shares_outcome
    entry = AuditEntry.objects.get(action="remediation.create_plan")
    assert entry.object_key == "HELP/V4/2006"
    assert entry.after["staff"] == ["T_CADRE", "V4_SEC"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"leader": None}, "leader", id="no_leader"),
        pytest.param({"staff": []}, "staff", id="no_staff"),
        pytest.param({"responsibilities": "  "}, "responsibilities", id="no_responsibilities"),
        pytest.param({"deadline": None}, "deadline", id="no_deadline"),
        pytest.param({"rewards_penalties": ""}, "rewards_penalties", id="no_rewards_penalties"),
        pytest.param(
            {"deadline": datetime.date(2006, 12, 31)}, "deadline", id="deadline_not_after_year_end"
        ),
    ],
)
def test_a_plan_missing_a_fix_is_refused(
    designated: County, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(RemediationError) as refused:
        make_plan(designated, **changes)
    assert refused.value.field == field
    assert " / " in str(refused.value)
    assert not RemediationPlan.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"leader_code": "W1_SEC"}, "leader", id="leader_of_another_township"),
        pytest.param({"staff_codes": ["T_CADRE", "W1_SEC"]}, "staff", id="staff_elsewhere"),
        pytest.param({"staff_codes": ["V3_SEC"]}, "staff", id="staff_of_another_village"),
    ],
)
def test_officials_must_be_of_the_unit_or_its_township(
    designated: County, changes: dict[str, Any], field: str
) -> None:
    given: dict[str, Any] = {}
    if "leader_code" in changes:
        given["leader"] = designated.official(changes["leader_code"])
    if "staff_codes" in changes:
        given["staff"] = [designated.official(c) for c in changes["staff_codes"]]
    with pytest.raises(RemediationError) as refused:
        make_plan(designated, **given)
    assert refused.value.field == field
    assert not RemediationPlan.objects.exists()


def test_an_official_no_longer_serving_is_refused(designated: County) -> None:
    Official.objects.filter(code="T_CADRE").update(active=False)
    with pytest.raises(RemediationError) as refused:
        make_plan(designated)
    assert refused.value.field == "staff"


def test_a_second_plan_for_the_same_designation_is_refused(designated: County) -> None:
    make_plan(designated)
    with pytest.raises(RemediationError) as refused:
        make_plan(designated)
    assert refused.value.field == "designation"
    assert RemediationPlan.objects.count() == 1


def test_a_withdrawn_designation_gets_no_plan(designated: County) -> None:
    Designation.objects.filter(unit__code="V4", year=2006).update(revoked_at="2007-03-01T00:00Z")
    with pytest.raises(RemediationError) as refused:
        make_plan(designated)
    assert refused.value.field == "designation"


def test_only_the_townships_administrators_make_plans(designated: County, users) -> None:
    for who in ("other_admin", "reviewer", "reporter_v3"):
        with pytest.raises(PermissionDenied):
            do_create_plan(
                designation("V4"), actor=Actor(who, "web", users[who]), **fixes(designated)
            )
    plan = do_create_plan(
        designation("V4"), actor=Actor("admin", "web", users["admin"]), **fixes(designated)
    )
    assert plan.created_by == "admin"


# --- progress -------------------------------------------------------------------------------


def test_progress_is_recorded_and_audited(designated: County) -> None:
    plan = make_plan(designated)
    entry = do_add_progress(plan, date=datetime.date(2007, 3, 5), text="召开整改会议", actor=ACTOR)
    assert (entry.text, entry.actor) == ("召开整改会议", "pytest")
    assert AuditEntry.objects.filter(action="remediation.progress").count() == 1


@pytest.mark.parametrize(
    ("date", "text", "field"),
    [
        (None, "召开会议", "date"),
        (datetime.date(2007, 3, 5), " ", "text"),
        (datetime.date.today() + datetime.timedelta(days=2), "明天的会议", "date"),
    ],
)
def test_bad_progress_is_refused(
    designated: County, date: datetime.date | None, text: str, field: str
) -> None:
    plan = make_plan(designated)
    with pytest.raises(RemediationError) as refused:
        do_add_progress(plan, date=date, text=text, actor=ACTOR)
    assert refused.value.field == field
    assert not ProgressEntry.objects.exists()


def test_no_progress_on_a_closed_plan(designated: County) -> None:
    plan = make_plan(designated)
    do_accept_check(plan, date=DEADLINE, outcome="lifted", findings="已转化", actor=ACTOR)
    with pytest.raises(RemediationError) as refused:
        do_add_progress(plan, date=datetime.date(2007, 3, 5), text="迟到的记录", actor=ACTOR)
    assert refused.value.field == "status"


# --- the acceptance check -------------------------------------------------------------------


def test_lifted_closes_the_plan(designated: County) -> None:
    plan = make_plan(designated)
    check = do_accept_check(plan, date=DEADLINE, outcome="lifted", findings="达标", actor=ACTOR)
    plan.refresh_from_db()
    assert (plan.status, plan.closed_on, check.outcome) == ("lifted", DEADLINE, "lifted")
    assert AuditEntry.objects.get(action="remediation.accept").after["status"] == "lifted"


def test_continued_keeps_the_plan_in_force_with_a_new_deadline(designated: County) -> None:
    plan = make_plan(designated)
    later = datetime.date(2008, 6, 30)
    do_accept_check(
        plan, date=DEADLINE, outcome="continued", findings="仍需整改", actor=ACTOR,
        new_deadline=later,
    )  # fmt: skip
    plan.refresh_from_db()
    assert (plan.status, plan.deadline, plan.closed_on) == ("continued", later, None)
    # Still in force: more progress and another check are accepted.
    do_add_progress(plan, date=datetime.date(2008, 1, 10), text="继续整改", actor=ACTOR)
    do_accept_check(plan, date=later, outcome="lifted", findings="已转化", actor=ACTOR)
    assert AcceptanceCheck.objects.filter(plan=plan).count() == 2


@pytest.mark.parametrize(
    "new_deadline", [None, DEADLINE, datetime.date(2007, 6, 30)], ids=["none", "same", "earlier"]
)
def test_continued_needs_a_later_deadline(
    designated: County, new_deadline: datetime.date | None
) -> None:
    plan = make_plan(designated)
    with pytest.raises(RemediationError) as refused:
        do_accept_check(
            plan, date=DEADLINE, outcome="continued", findings="仍需整改", actor=ACTOR,
            new_deadline=new_deadline,
        )  # fmt: skip
    assert refused.value.field == "new_deadline"
    assert not AcceptanceCheck.objects.exists()
    plan.refresh_from_db()
    assert plan.status == "open"


def test_escalated_makes_a_strict_designation_for_the_next_year(designated: County) -> None:
    plan = make_plan(designated)
    do_accept_check(plan, date=DEADLINE, outcome="escalated", findings="未转化", actor=ACTOR)
    plan.refresh_from_db()
    assert plan.status == "escalated"
    strict = plan.escalated_to
    assert strict is not None
    assert (strict.unit.code, strict.year, strict.status) == ("V4", 2007, "strict")
    assert strict.origin == DesignationOrigin.ACCEPTANCE and strict.run is None
    assert "升级为严管" in strict.reason_zh and "escalated" in strict.reason_en
    assert AuditEntry.objects.filter(action="designation.escalate").count() == 1
    # Strict next year: a plan for it can be made, with a deadline after 2007.
    with pytest.raises(RemediationError):
        do_create_plan(strict, actor=ACTOR, **fixes(designated, deadline=DEADLINE))
    assert do_create_plan(
        strict, actor=ACTOR, **fixes(designated, deadline=datetime.date(2008, 12, 31))
    )


def test_escalated_marks_an_existing_designation_of_the_next_year(designated: County) -> None:
    plan = make_plan(designated)
    weak = Designation.objects.create(
        scheme_code="HELP", unit=designated.unit("V4"), year=2007, status="weak",
        rule="WEAK_GRADE", rules=["WEAK_GRADE"], reason_zh="2007年度…列为薄弱村",
        run=designated.runs[2006],
    )  # fmt: skip
    do_accept_check(plan, date=DEADLINE, outcome="escalated", findings="未转化", actor=ACTOR)
    weak.refresh_from_db()
    assert weak.status == "strict"
    assert weak.rules == ["WEAK_GRADE", "acceptance"]
    assert weak.reason_zh.startswith("2007年度…列为薄弱村；")
    assert Designation.objects.filter(unit__code="V4", year=2007).count() == 1


def test_an_unknown_outcome_and_missing_findings_are_refused(designated: County) -> None:
    plan = make_plan(designated)
    with pytest.raises(RemediationError) as refused:
        do_accept_check(plan, date=DEADLINE, outcome="forgiven", findings="x", actor=ACTOR)
    assert refused.value.field == "outcome"
    with pytest.raises(RemediationError) as refused:
        do_accept_check(plan, date=DEADLINE, outcome="lifted", findings="", actor=ACTOR)
    assert refused.value.field == "findings"
    with pytest.raises(RemediationError) as refused:
        do_accept_check(plan, date=None, outcome="lifted", findings="x", actor=ACTOR)
    assert refused.value.field == "date"


def test_a_closed_plan_is_not_checked_twice(designated: County) -> None:
    plan = make_plan(designated)
    do_accept_check(plan, date=DEADLINE, outcome="lifted", findings="达标", actor=ACTOR)
    with pytest.raises(RemediationError) as refused:
        do_accept_check(plan, date=DEADLINE, outcome="escalated", findings="再查", actor=ACTOR)
    assert refused.value.field == "status"
    assert AcceptanceCheck.objects.count() == 1


def test_only_the_townships_administrators_check(designated: County, users) -> None:
    plan = make_plan(designated)
    with pytest.raises(PermissionDenied):
        do_accept_check(
            plan, date=DEADLINE, outcome="lifted", findings="达标",
            actor=Actor("reviewer", "web", users["reviewer"]),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        do_add_progress(
            plan, date=DEADLINE, text="x", actor=Actor("other", "web", users["other_admin"])
        )


# --- overdue --------------------------------------------------------------------------------


def test_overdue_lists_plans_in_force_past_their_deadline(designated: County) -> None:
    v4 = make_plan(designated, "V4", deadline=datetime.date(2007, 6, 30))
    v3 = make_plan(designated, "V3", staff=[designated.official("V3_SEC")])
    v5 = make_plan(designated, "V5", staff=[designated.official("T_CADRE")])
    township = designated.unit("T")
    assert list(overdue(township, datetime.date(2007, 6, 30))) == []
    assert list(overdue(township, datetime.date(2007, 7, 1))) == [v4]
    assert list(overdue(township, datetime.date(2008, 1, 1))) == [v4, v3, v5]
    do_accept_check(v3, date=DEADLINE, outcome="lifted", findings="达标", actor=ACTOR)
    assert list(overdue(township, datetime.date(2008, 1, 1))) == [v4, v5]
    assert list(overdue(designated.unit("T2"), datetime.date(2008, 1, 1))) == []
