"""The background queue for recomputations: RQ on the Redis of ``KAOHE_REDIS_URL``.

Without ``KAOHE_REDIS_URL`` there is no queue and :mod:`kaohe.assessments.recompute` runs each
recomputation inline. With it, web processes only enqueue, and ``kaohe worker`` (one or more
processes) runs the jobs.

Debouncing: a key (scheme, year, root) waiting in the queue is not queued again. A "pending"
marker is set when a key is queued and cleared when its job *starts*, before it reads any
figure, so a change committed while a job runs queues exactly one more job, and a thousand
changes committed while a job waits queue none.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from .recompute import RunKey, do_recompute

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "kaohe"
# How long a pending marker outlives a job that never started (a lost worker): after this, a
# change queues the key again.
PENDING_SECONDS = 600
JOB_TIMEOUT = 600

_connections: dict[str, Any] = {}


class QueueUnavailable(RuntimeError):
    """Redis could not be reached; the caller recomputes inline instead."""


def queue_configured() -> bool:
    """Whether recomputations go through the queue (``KAOHE_REDIS_URL`` is set)."""
    return bool(redis_url())


def redis_url() -> str:
    return str(getattr(settings, "KAOHE_REDIS_URL", "") or "")


def queue_name() -> str:
    return str(getattr(settings, "KAOHE_QUEUE_NAME", "") or DEFAULT_QUEUE)


def redis_connection() -> Any:
    """One client (and connection pool) per process and URL."""
    from redis import Redis

    url = redis_url()
    if url not in _connections:
        _connections[url] = Redis.from_url(url)
    return _connections[url]


def queue() -> Any:
    """The RQ queue of recomputations."""
    from rq import Queue

    return Queue(queue_name(), connection=redis_connection(), default_timeout=JOB_TIMEOUT)


def pending_key(key: RunKey) -> str:
    return f"{queue_name()}:pending:{key.scheme_id}:{key.year}:{key.root_id or 'all'}"


def enqueue_recompute(key: RunKey) -> bool:
    """Queue a recomputation of ``key`` unless one is already waiting; whether one was queued.

    Raises :class:`QueueUnavailable` when Redis cannot be reached."""
    from redis.exceptions import RedisError

    client = redis_connection()
    marker = pending_key(key)
    try:
        if not client.set(marker, "1", nx=True, ex=PENDING_SECONDS):
            return False
        try:
            queue().enqueue(
                recompute_job,
                key.scheme_id,
                key.year,
                key.root_id,
                description=f"recompute {key}",
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except BaseException:
            client.delete(marker)
            raise
    except RedisError as error:
        raise QueueUnavailable(str(error)) from error
    return True


def recompute_job(scheme_id: int, year: int, root_id: int | None) -> int | None:
    """The job: recompute one key; returns the id of the fresh run, if one was stored."""
    key = RunKey(scheme_id, year, root_id)
    # Cleared first: whatever is committed from now on is either read below or queues anew.
    redis_connection().delete(pending_key(key))
    _close_old_connections()
    try:
        run = do_recompute(key)
    finally:
        _close_old_connections()
    logger.info("recomputed %s: %s", key, run.pk if run else "unchanged")
    return run.pk if run else None


def _close_old_connections() -> None:
    # As Django does around a request, so that a long-lived worker drops broken or expired
    # connections; never inside a transaction (a test running jobs in its own transaction).
    if not connection.in_atomic_block:
        close_old_connections()


def run_worker(*, burst: bool = False, fork: bool = True) -> bool:
    """Work the queue (``burst``: until it is empty); whether any job was done.

    ``fork`` runs each job in a child process (RQ's default, which survives a job that leaks
    memory or crashes); without it jobs run in this process."""
    from django.db import connections
    from rq import SimpleWorker, Worker

    if fork:
        connections.close_all()  # a forked job must not share this process's connection
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class([queue()], connection=redis_connection())
    return bool(worker.work(burst=burst, with_scheduler=False))
