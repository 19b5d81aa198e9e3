"""Submitting, reviewing, locking and unlocking, through the service functions."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kaohe.audit.models import AuditEntry
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import DataValueError, do_import_values
from kaohe.elements.models import DataElement
from kaohe.engine.periods import parse_period
from kaohe.submissions.models import EventAction, Status, Submission
from kaohe.submissions.services import (
    AlreadyApproved,
    SubmissionError,
    do_approve,
    do_approve_many,
    do_return,
    do_submit,
    do_unlock,
    figures_of,
    is_locked,
    on_time,
)

from .conftest import CONSOLE, County

pytestmark = pytest.mark.django_db


def stored(unit: str, element: str, period: str) -> str | None:
    row = DataValue.objects.filter(
        unit__code=unit, element__code=element, period__code=period
    ).first()
    return None if row is None else str(row.value.normalize())


# --- submitting ----------------------------------------------------------------------------


def test_a_reporter_submits_their_own_units_figures(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)

    submission = do_submit(
        county.actor("reporter_a"), county.monthly, county.units["VA01"], county.this_month
    )

    assert submission.status == Status.SUBMITTED
    assert submission.submitted_at is not None
    assert submission.submitted_by == "reporter_a"
    assert [e.action for e in submission.events.all()] == [EventAction.SUBMIT]
    entry = AuditEntry.objects.get(action="submission.submit")
    assert entry.object_key == f"MONTHLY/{county.this_month}/VA01"
    assert entry.after == {"status": "submitted"}


def test_a_reporter_cannot_submit_another_units_figures(county: County) -> None:
    with pytest.raises(PermissionDenied):
        do_submit(
            county.actor("reporter_b"), county.monthly, county.units["VA01"], county.this_month
        )

    assert not Submission.objects.exists()


def test_a_submitted_submission_cannot_be_submitted_again(county: County) -> None:
    county.submitted()

    with pytest.raises(SubmissionError, match="already submitted"):
        county.submitted()


def test_a_period_of_another_type_cannot_be_submitted(county: County) -> None:
    with pytest.raises(SubmissionError, match="is reported Monthly"):
        county.submitted(period="2026Q1")


def test_a_unit_that_does_not_report_the_data_set_cannot_submit_it(county: County) -> None:
    with pytest.raises(SubmissionError, match="does not report"):
        county.submitted(unit="T01")


# --- approving and returning ---------------------------------------------------------------


def test_a_reviewer_approves_a_submission_in_their_township_and_its_figures_lock(
    county: County,
) -> None:
    county.set("VA01", "BIRTHS", 3)
    submission = county.submitted()

    approved = do_approve(county.actor("reviewer"), submission.pk)

    assert approved.status == Status.APPROVED
    assert approved.reviewed_by == "reviewer"
    assert approved.approved_snapshot == {"BIRTHS": "3"}
    lock = is_locked(
        county.units["VA01"], county.this_month, DataElement.objects.get(code="BIRTHS")
    )
    assert lock.locked and lock.by_approval
    assert "approved and locked" in lock.reason and "甲家村" in lock.reason
    assert not is_locked(county.units["VB01"], county.this_month)


def test_a_reviewer_cannot_approve_outside_their_township(county: County) -> None:
    submission = county.submitted("VA01")

    with pytest.raises(PermissionDenied):
        do_approve(county.actor("other_reviewer"), submission.pk)

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_a_reporter_cannot_approve_their_own_submission(county: County) -> None:
    submission = county.submitted("VA01")

    with pytest.raises(PermissionDenied):
        do_approve(county.actor("reporter_a"), submission.pk)


def test_only_a_submitted_submission_can_be_approved(county: County) -> None:
    submission = county.submitted()
    do_return(county.actor("reviewer"), submission.pk, "出生数不对")

    with pytest.raises(SubmissionError, match="only a submitted submission"):
        do_approve(county.actor("reviewer"), submission.pk)


def test_a_second_approval_of_the_same_submission_is_refused_as_already_approved(
    county: County,
) -> None:
    submission = county.submitted()
    do_approve(county.actor("reviewer"), submission.pk)

    with pytest.raises(AlreadyApproved, match="already approved by reviewer"):
        do_approve(county.actor("township_admin"), submission.pk)

    assert submission.events.filter(action=EventAction.APPROVE).count() == 1
    assert AuditEntry.objects.filter(action="submission.approve").count() == 1


def test_returning_needs_a_reason(county: County) -> None:
    submission = county.submitted()

    with pytest.raises(SubmissionError, match="a reason for returning it is required"):
        do_return(county.actor("reviewer"), submission.pk, "   ")

    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_a_returned_submission_is_corrected_and_resubmitted_keeping_when_it_first_came_in(
    county: County,
) -> None:
    first = county.submitted()
    do_return(county.actor("reviewer"), first.pk, "死亡人数漏报")
    county.set("VA01", "DEATHS", 1, by="reporter_a")

    again = do_submit(
        county.actor("reporter_a"), county.monthly, county.units["VA01"], county.this_month
    )

    assert again.pk == first.pk
    assert again.status == Status.SUBMITTED
    assert again.submitted_at == first.submitted_at
    assert again.last_submitted_at is not None and again.last_submitted_at > first.submitted_at
    events = list(again.events.values_list("action", "reason"))
    assert events == [("submit", ""), ("return", "死亡人数漏报"), ("submit", "")]


def test_a_township_administrator_over_another_township_cannot_return(county: County) -> None:
    submission = county.submitted("VZ01")

    with pytest.raises(PermissionDenied):
        do_return(county.actor("reviewer"), submission.pk, "不对")


# --- bulk approval -------------------------------------------------------------------------


def test_bulk_approval_answers_for_each_submission(county: County) -> None:
    waiting = county.submitted("VA01")
    also_waiting = county.submitted("VB01")
    done = county.approved("VA01", period=county.old_month)
    returned = county.submitted("VB01", period=county.old_month)
    do_return(CONSOLE, returned.pk, "重报")
    elsewhere = county.submitted("VZ01")

    outcomes = do_approve_many(
        county.actor("reviewer"),
        [waiting.pk, done.pk, returned.pk, elsewhere.pk, 999999, also_waiting.pk, waiting.pk],
    )

    assert [(o.id, o.ok, o.status) for o in outcomes] == [
        (waiting.pk, True, "approved"),
        (done.pk, False, "approved"),
        (returned.pk, False, "returned"),
        (elsewhere.pk, False, ""),
        (999999, False, ""),
        (also_waiting.pk, True, "approved"),
    ]
    assert "already approved" in outcomes[1].message
    assert "only a submitted submission" in outcomes[2].message
    # Another township's submission reads exactly like one that does not exist.
    assert outcomes[3].message.replace(str(elsewhere.pk), "N") == outcomes[4].message.replace(
        "999999", "N"
    )
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.SUBMITTED


# --- unlocking -----------------------------------------------------------------------------


def test_unlocking_needs_a_reason(county: County) -> None:
    submission = county.approved()

    with pytest.raises(SubmissionError, match="a reason for unlocking is required"):
        do_unlock(county.actor("township_admin"), submission.pk, "")

    submission.refresh_from_db()
    assert submission.status == Status.APPROVED


def test_a_reviewer_cannot_unlock_but_a_township_administrator_can(county: County) -> None:
    submission = county.approved()

    with pytest.raises(PermissionDenied):
        do_unlock(county.actor("reviewer"), submission.pk, "更正出生数")
    unlocked = do_unlock(county.actor("township_admin"), submission.pk, "更正出生数")

    assert unlocked.status == Status.DRAFT
    assert (unlocked.unlocked_by, unlocked.unlock_reason) == ("township_admin", "更正出生数")
    assert not is_locked(county.units["VA01"], county.this_month)
    assert AuditEntry.objects.get(action="submission.unlock").after == {
        "status": "draft",
        "reason": "更正出生数",
    }


def test_figures_that_are_not_locked_cannot_be_unlocked(county: County) -> None:
    submission = county.submitted()

    with pytest.raises(SubmissionError, match="not locked"):
        do_unlock(county.actor("township_admin"), submission.pk, "试试")


# --- the lock in the write path ------------------------------------------------------------


def test_an_approved_value_cannot_be_changed_even_by_a_system_administrator(
    county: County,
) -> None:
    county.set("VA01", "BIRTHS", 3)
    county.approved()

    with pytest.raises(DataValueError, match="approved and locked"):
        county.set("VA01", "BIRTHS", 4, by="system_admin")
    with pytest.raises(DataValueError, match="approved and locked"):
        county.set("VA01", "DEATHS", 1)  # the console too, and a value not there before

    assert stored("VA01", "BIRTHS", county.this_month) == "3"
    assert stored("VA01", "DEATHS", county.this_month) is None


def test_after_unlocking_the_value_can_be_corrected(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)
    submission = county.approved()
    do_unlock(county.actor("township_admin"), submission.pk, "更正")

    county.set("VA01", "BIRTHS", 4, by="reporter_a")

    assert stored("VA01", "BIRTHS", county.this_month) == "4"


def import_csv(county: County, rows: list[str], **options: object) -> object:
    """A DHIS2 CSV of ``element,period,unit,value`` rows."""
    lines = [",".join([*row.split(",")[:3], "", "", row.split(",")[3]]) for row in rows]
    text = "dataelement,period,orgunit,catoptcombo,attroptcombo,value\n" + "\n".join(lines)
    return do_import_values(io.BytesIO(text.encode()), actor=CONSOLE, fmt="csv", **options)  # type: ignore[arg-type]


def test_an_import_that_would_change_an_approved_value_writes_nothing(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)
    county.approved()
    month = county.this_month

    summary = import_csv(county, [f"BIRTHS,{month},VA01,5", f"BIRTHS,{month},VB01,2"])

    assert [(p.row, p.column) for p in summary.problems] == [(2, "value")]  # type: ignore[attr-defined]
    assert "approved and locked" in summary.problems[0].reason  # type: ignore[attr-defined]
    assert (summary.imported, summary.updated) == (0, 0)  # type: ignore[attr-defined]
    assert stored("VA01", "BIRTHS", month) == "3"
    assert stored("VB01", "BIRTHS", month) is None


def test_an_import_that_repeats_an_approved_value_unchanged_is_accepted(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)
    county.approved()
    month = county.this_month

    summary = import_csv(county, [f"BIRTHS,{month},VA01,3", f"BIRTHS,{month},VB01,2"])

    assert summary.problems == []  # type: ignore[attr-defined]
    assert (summary.imported, summary.ignored) == (1, 1)  # type: ignore[attr-defined]


def test_a_dry_run_reports_a_locked_value_too(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)
    county.approved()

    summary = import_csv(county, [f"BIRTHS,{county.this_month},VA01,5"], dry_run=True)

    assert len(summary.problems) == 1  # type: ignore[attr-defined]


def test_figures_lock_the_day_after_the_lock_day(county: County) -> None:
    today = timezone.localdate()
    last_month = parse_period(county.this_month).offset(-1)
    # The lock day is the period's end plus lock_after_days; it is the last day open.
    county.monthly.lock_after_days = (today - last_month.end).days
    county.monthly.save()
    births = DataElement.objects.get(code="BIRTHS")
    person = county.actor("reporter_a")

    assert not is_locked(county.units["VA01"], last_month.code, births, actor=person)
    county.set("VA01", "BIRTHS", 2, period=last_month.code, by="reporter_a")

    county.monthly.lock_after_days -= 1
    county.monthly.save()
    lock = is_locked(county.units["VA01"], last_month.code, births, actor=person)
    assert lock.locked and not lock.by_approval
    assert lock.lock_day == today - timedelta(days=1)
    with pytest.raises(DataValueError, match="locked after"):
        county.set("VA01", "BIRTHS", 3, period=last_month.code, by="reporter_a")
    with pytest.raises(DataValueError, match="locked after"):
        county.set("VA01", "BIRTHS", 3, period=last_month.code, by="system_admin")
    assert stored("VA01", "BIRTHS", last_month.code) == "2"


def test_the_console_loading_history_is_bound_only_by_approvals(county: County) -> None:
    county.set("VA01", "BIRTHS", 7, period=county.old_month)  # past its lock day: loaded

    assert stored("VA01", "BIRTHS", county.old_month) == "7"
    assert is_locked(county.units["VA01"], county.old_month)  # locked for people
    assert not is_locked(county.units["VA01"], county.old_month, actor=CONSOLE)
    county.approved(period=county.old_month)
    with pytest.raises(DataValueError, match="approved and locked"):
        county.set("VA01", "BIRTHS", 8, period=county.old_month)


def test_unlocking_lifts_the_lock_day_until_the_figures_are_approved_again(
    county: County,
) -> None:
    submission = county.submitted(period=county.old_month)
    admin = county.actor("township_admin")

    do_unlock(admin, submission.pk, "补报")
    county.set("VA01", "BIRTHS", 1, period=county.old_month, by="reporter_a")
    do_approve(county.actor("reviewer"), submission.pk)

    assert stored("VA01", "BIRTHS", county.old_month) == "1"
    with pytest.raises(DataValueError, match="approved and locked"):
        county.set("VA01", "BIRTHS", 2, period=county.old_month, by="reporter_a")


# --- on time or late -----------------------------------------------------------------------


def test_a_submission_on_or_before_the_due_day_is_on_time_and_after_it_late(
    county: County,
) -> None:
    month = parse_period(county.old_month)
    va01, vb01 = county.units["VA01"], county.units["VB01"]
    due = month.end + timedelta(days=3)
    assert on_time(county.monthly, va01, month.code) is None  # not submitted

    for unit, day in ((va01, due), (vb01, due + timedelta(days=1))):
        submission = do_submit(CONSOLE, county.monthly, unit, month.code)
        came_in = timezone.make_aware(datetime.combine(day, time(23, 30)))
        Submission.objects.filter(pk=submission.pk).update(submitted_at=came_in)

    assert on_time(county.monthly, va01, month.code) is True
    assert on_time(county.monthly, vb01, month.code) is False


def test_a_submission_made_today_for_this_month_is_on_time(county: County) -> None:
    county.submitted()

    assert on_time(county.monthly, county.units["VA01"], county.this_month) is True


# --- what changed since the last approval --------------------------------------------------


def test_the_reviewer_sees_what_changed_since_the_last_approval(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)
    county.set("VA01", "DEATHS", 1)
    submission = county.approved()
    assert [f.changed for f in figures_of(submission)] == [False, False]

    do_unlock(county.actor("township_admin"), submission.pk, "更正出生数")
    county.set("VA01", "BIRTHS", 4, by="reporter_a")
    resubmitted = do_submit(
        county.actor("reporter_a"), county.monthly, county.units["VA01"], county.this_month
    )

    figures = figures_of(resubmitted)
    assert [(f.code, f.value, f.approved_value, f.changed) for f in figures] == [
        ("BIRTHS", "4", "3", True),
        ("DEATHS", "1", "1", False),
    ]


def test_a_submission_never_approved_shows_no_previous_values(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)

    figures = figures_of(county.submitted())

    assert [(f.value, f.approved_value, f.changed) for f in figures] == [
        ("3", None, False),
        (None, None, False),
    ]
