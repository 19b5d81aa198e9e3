"""The command line: listing submissions, approving, returning and unlocking them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.submissions.models import Status, Submission

from .conftest import County

pytestmark = pytest.mark.django_db


def run(*args: object, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_the_list_shows_submissions_of_a_status_with_on_time_or_late(county: County) -> None:
    waiting = county.submitted("VA01")
    county.approved("VB01")

    lines = run("submissions", status="submitted").splitlines()

    assert len(lines) == 1
    fields = lines[0].split("\t")
    assert fields[:5] == [str(waiting.pk), "MONTHLY", "VA01", county.this_month, "submitted"]
    assert "on time" in fields[6]


def test_approve_approves_each_id_and_fails_when_one_is_refused(county: County) -> None:
    first = county.submitted("VA01")
    second = county.submitted("VB01")

    assert "approved" in run("approve", first.pk)
    with pytest.raises(CommandError, match="1 not approved"):
        run("approve", first.pk, second.pk)

    assert set(Submission.objects.values_list("status", flat=True)) == {Status.APPROVED}


def test_return_needs_a_reason_and_records_it(county: County) -> None:
    submission = county.submitted()

    with pytest.raises(CommandError, match="reason"):
        run("return", submission.pk, reason=" ")
    run("return", submission.pk, reason="重报")

    submission.refresh_from_db()
    assert (submission.status, submission.return_reason) == (Status.RETURNED, "重报")


def test_unlock_reopens_an_approved_submission(county: County) -> None:
    submission = county.approved()

    run("unlock", submission.pk, reason="更正")

    submission.refresh_from_db()
    assert (submission.status, submission.unlock_reason) == (Status.DRAFT, "更正")
    assert submission.unlocked_by.startswith("cli:")
