"""Two reviewers approving the same entry at once make one approval.

On SQLite (one writer at a time, no row locks) the proof is the order of the statements: the
entry is read again, with ``FOR UPDATE`` where the database has it, inside the transaction
that writes the approval, and its status is checked on that copy. On PostgreSQL
(KAOHE_DATABASE_URL) two threads are held at the row lock and let go together.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import EntryStatus, LedgerEntry, LedgerError
from kaohe.rewards.services import do_approve

from .conftest import CONSOLE, Town

WAIT_SECONDS = 10
TABLE = LedgerEntry._meta.db_table


def _reward() -> LedgerEntry:
    return LedgerEntry.objects.get(unit__code="V1", rule="GRADE", person__isnull=True)


@pytest.mark.django_db(transaction=True)
def test_the_status_is_read_under_the_lock_in_the_approving_transaction(town: Town) -> None:
    do_compute_money(town.run, CONSOLE)
    stale = _reward()
    seen: list[tuple[str, int | None]] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        outer = connection.atomic_blocks[0] if connection.atomic_blocks else None
        seen.append((sql, id(outer) if outer is not None else None))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        do_approve(stale, Actor("reviewer-a", Channel.CLI))
    ours = [(sql, block) for sql, block in seen if TABLE in sql]
    reads = [i for i, (sql, _b) in enumerate(ours) if sql.lstrip().upper().startswith("SELECT")]
    writes = [i for i, (sql, _b) in enumerate(ours) if sql.lstrip().upper().startswith("UPDATE")]

    # the entry is read again before it is written, both in one and the same transaction
    assert reads and writes and reads[0] < writes[0]
    blocks = {block for _sql, block in ours[reads[0] : writes[-1] + 1]}
    assert len(blocks) == 1 and None not in blocks
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in ours[reads[0]][0].upper()
    # and the copy the caller held is not what was checked: a second approval is refused
    with pytest.raises(LedgerError):
        do_approve(stale, Actor("reviewer-b", Channel.CLI))
    assert AuditEntry.objects.filter(action="money.approve").count() == 1


def _waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_produce_one_approval(town: Town) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks and admits one writer at a time")
    do_compute_money(town.run, CONSOLE)
    reward = _reward()
    results: dict[str, str] = {}

    def approve(name: str) -> None:
        try:
            do_approve(reward.pk, Actor(name, Channel.CLI))
            results[name] = "approved"
        except LedgerError as error:
            results[name] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(n,)) for n in ("reviewer-a", "reviewer-b")]
    with transaction.atomic():
        LedgerEntry.objects.select_for_update().get(pk=reward.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        while _waiting_for_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert sorted(results) == ["reviewer-a", "reviewer-b"]
    assert [v for v in results.values() if v != "approved"] != []
    assert list(results.values()).count("approved") == 1
    reward.refresh_from_db()
    assert reward.status == EntryStatus.APPROVED
    assert AuditEntry.objects.filter(action="money.approve").count() == 1
