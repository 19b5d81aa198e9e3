"""Recomputation through the Redis queue (KAOHE_REDIS_URL), on the real Redis at 127.0.0.1.

Each test has a queue of its own (a fresh name), deleted afterwards. The worker runs in this
process (``fork=False``) so that its jobs see the test's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.assessments import jobs
from kaohe.assessments.models import RunStatus
from kaohe.assessments.recompute import RunKey
from tests.access.conftest import World

from .test_recompute import births, key_all, plan_actual, recomputations, runs_of

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def queue(settings: Any) -> Iterator[Any]:
    settings.KAOHE_REDIS_URL = REDIS_URL
    settings.KAOHE_QUEUE_NAME = f"kaohe-test-{uuid.uuid4().hex[:12]}"
    queue = jobs.queue()
    yield queue
    client = jobs.redis_connection()
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            if job := queue.fetch_job(job_id):
                job.delete()
        client.delete(registry.key)
    queue.delete(delete_jobs=True)
    for key in client.scan_iter(f"{settings.KAOHE_QUEUE_NAME}:*"):
        client.delete(key)


def pending(key: RunKey) -> bool:
    return bool(jobs.redis_connection().exists(jobs.pending_key(key)))


def test_with_redis_a_committed_change_is_queued_not_run_in_the_request(
    world: World, queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = recomputations()

    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 9)

    assert queue.count == 1
    assert pending(key_all(world))
    assert recomputations() == before
    assert [r.pk for r in runs_of(key_all(world))] == [world.run_all.pk]


def test_changes_committed_while_a_job_waits_queue_no_second_job(
    world: World, queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for unit, value in (("VA01", 9), ("VB01", 1), ("VA01", 10)):
        with django_capture_on_commit_callbacks(execute=True):
            births(unit, value)

    assert queue.count == 1


def test_the_worker_recomputes_with_every_change_and_a_later_change_queues_again(
    world: World, queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for unit, value in (("VA01", 9), ("VB01", 1)):
        with django_capture_on_commit_callbacks(execute=True):
            births(unit, value)

    assert jobs.run_worker(burst=True, fork=False)

    fresh, previous = runs_of(key_all(world))[:2]
    assert previous.pk == world.run_all.pk and previous.status == RunStatus.SUPERSEDED
    assert (plan_actual(fresh, "VA01"), plan_actual(fresh, "VB01")) == (15, 9)
    assert queue.count == 0 and not pending(key_all(world))
    assert len(queue.finished_job_registry) == 1

    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 1)
    assert queue.count == 1


def test_the_worker_command_works_the_queue(
    world: World, queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 9)

    call_command("worker", "--burst", "--no-fork")

    assert plan_actual(runs_of(key_all(world))[0], "VA01") == 15


def test_the_worker_command_needs_a_queue(world: World, settings: Any) -> None:
    settings.KAOHE_REDIS_URL = ""
    with pytest.raises(CommandError, match="KAOHE_REDIS_URL"):
        call_command("worker", "--burst")


def test_when_redis_cannot_be_reached_the_change_is_recomputed_inline(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KAOHE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 9)

    assert plan_actual(runs_of(key_all(world))[0], "VA01") == 15
