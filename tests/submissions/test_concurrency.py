"""Two reviewers approving the same submission at the same moment: one approval, one refusal.

Run against PostgreSQL (KAOHE_DATABASE_URL), where each thread has its own connection and the
row lock of ``select_for_update`` is what keeps the second approval out. SQLite lets one
writer in at a time and ignores ``select_for_update``; the sequential case is tested there in
test_services (``test_a_second_approval_of_the_same_submission_is_refused_...``).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from kaohe.audit.models import AuditEntry
from kaohe.submissions.models import EventAction, Status, Submission
from kaohe.submissions.services import AlreadyApproved, do_approve

from .conftest import County

WAIT_SECONDS = 10


def waiting_for_locks() -> int:
    """How many other sessions wait for a lock (pg_locks is live; pg_stat_activity would be
    read once per transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_produce_one_approval(county: County) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks and admits one writer at a time")
    submission = county.submitted()
    results: dict[str, str] = {}

    def approve(name: str) -> None:
        try:
            do_approve(county.actor(name), submission.pk)
            results[name] = "approved"
        except AlreadyApproved as exc:
            results[name] = str(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("reviewer", "township_admin")]
    # Given both reviewers are held at the row lock at the same moment,
    with transaction.atomic():
        Submission.objects.select_for_update().get(pk=submission.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while waiting_for_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert waiting_for_locks() == 2, "both approvals should be waiting for the row lock"
    # when the lock is let go, one of them gets through,
    for thread in threads:
        thread.join(WAIT_SECONDS)

    # then the other is told it was already approved, and one approval is recorded.
    assert sorted(results) == ["reviewer", "township_admin"]
    refused = [message for message in results.values() if message != "approved"]
    assert len(refused) == 1
    assert "already approved" in refused[0]
    submission.refresh_from_db()
    assert submission.status == Status.APPROVED
    assert submission.events.filter(action=EventAction.APPROVE).count() == 1
    assert AuditEntry.objects.filter(action="submission.approve").count() == 1
