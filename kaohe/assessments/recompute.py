"""Live results: re-run the draft assessments that a committed change of figures touches.

The data value services call :func:`schedule_recompute` at the end of every write path with the
units and periods they wrote. Nothing happens until the transaction commits (a rolled-back
change recomputes nothing); then the *draft* runs whose scope and data window cover a changed
value are found, and each (scheme, year, root) among them is re-run once:

* inline, in the committing thread, on the embedded default (no ``KAOHE_REDIS_URL``);
* on the Redis queue of :mod:`kaohe.assessments.jobs` when ``KAOHE_REDIS_URL`` is set, where a
  key already waiting in the queue is not queued twice.

A recomputation stores a fresh draft run and marks the drafts it replaces "superseded", so the
history stays. Published runs never change: a change of the figures a published run read makes
a new draft beside it (which a person may publish in its place), and is never written into it. An import of 10,000 values is one transaction and
so one recomputation per affected (scheme, year, root); many single edits inside one
transaction are gathered into one batch as well.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, NamedTuple

from django.db import transaction

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor, build_entry
from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.assess import compile_scheme
from kaohe.engine.periods import Period, PeriodError
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme
from kaohe.schemes.specs import scheme_spec
from kaohe.schemes.validity import ValidityError

from .models import AssessmentRun, RunStatus
from .services import assessment_period, do_run_assessment

logger = logging.getLogger(__name__)

__all__ = [
    "RunKey",
    "affected_runs",
    "do_recompute",
    "schedule_recompute",
]

ACTION_SUPERSEDE = "assessment.supersede"
_LOOKUP_CHUNK = 500


class RunKey(NamedTuple):
    """What a recomputation re-runs: one scheme (version), one year, one scope."""

    scheme_id: int
    year: int
    root_id: int | None

    def __str__(self) -> str:
        return f"{self.scheme_id}/{self.year}/{self.root_id or '*'}"


@dataclass(eq=False)
class _Batch:
    """Changes gathered in one transaction, waiting for it to commit."""

    seq: int
    hooks: list[Any]  # the connection's on-commit list this batch was registered on
    depth: int
    unit_ids: set[int] = field(default_factory=set)
    spans: set[tuple[date, date]] = field(default_factory=set)
    years: set[int] = field(default_factory=set)


# Per thread: the batch of the open transaction, and when each key was last recomputed. A
# thread commits one transaction at a time, so "a recomputation of this key began after the
# batch was opened" means that recomputation already read this batch's committed figures.
_local = threading.local()
_counter = itertools.count(1)


def _started() -> dict[RunKey, int]:
    started = getattr(_local, "started", None)
    if started is None:
        started = _local.started = {}
    return started


# --- scheduling --------------------------------------------------------------------------


def schedule_recompute(
    units: Iterable[OrgUnit],
    periods: Iterable[Period] = (),
    *,
    years: Iterable[int] = (),
) -> None:
    """After the current transaction commits, recompute the draft runs these changes touch.

    ``units`` are the units whose figures (or targets) changed; ``periods`` the periods of the
    changed figures; ``years`` the years of changed targets. Makes no query: the runs are
    looked up once, after the commit.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        batch = _Batch(seq=next(_counter), hooks=[], depth=0)
        _add(batch, units, periods, years)
        _flush(batch)
        return
    batch = getattr(_local, "batch", None)
    depth = len(connection.atomic_blocks)
    # The open batch is reused only within the same transaction (the same on-commit list: a
    # commit or a rollback replaces it) and at the same nesting level (so a batch left by an
    # enclosing block, whose commit hooks may never run, is not fed by an inner one).
    if batch is None or batch.hooks is not connection.run_on_commit or batch.depth != depth:
        batch = _Batch(seq=next(_counter), hooks=connection.run_on_commit, depth=depth)
        _local.batch = batch
        transaction.on_commit(partial(_flush, batch), robust=True)
    _add(batch, units, periods, years)


def _add(
    batch: _Batch, units: Iterable[OrgUnit], periods: Iterable[Period], years: Iterable[int]
) -> None:
    batch.unit_ids.update(u.pk for u in units)
    batch.spans.update((p.start, p.end) for p in periods)
    batch.years.update(years)


def _flush(batch: _Batch) -> None:
    if getattr(_local, "batch", None) is batch:
        _local.batch = None
    if not batch.unit_ids:
        return
    started = _started()
    for key in affected_runs(batch.unit_ids, batch.spans, batch.years):
        if started.get(key, 0) > batch.seq:
            continue  # already recomputed since these figures were written
        started[key] = next(_counter)
        _dispatch(key)


def _dispatch(key: RunKey) -> None:
    from . import jobs

    if jobs.queue_configured():
        try:
            jobs.enqueue_recompute(key)
            return
        except jobs.QueueUnavailable:
            logger.exception("recompute queue unavailable; recomputing %s inline", key)
    try:
        do_recompute(key)
    except Exception:  # a broken scheme must not undo or block the figures just saved
        logger.exception("recomputing %s failed", key)


# --- which runs ----------------------------------------------------------------------------


def affected_runs(
    unit_ids: Iterable[int],
    spans: Iterable[tuple[date, date]] = (),
    years: Iterable[int] = (),
) -> list[RunKey]:
    """The (scheme, year, root) of every draft or published run that reads a figure of one of
    these units in one of these periods (``spans``: inclusive start and end dates), or a target
    of one of these units in one of ``years``. (A published run is not recomputed: a draft is
    made beside it.)"""
    spans = set(spans)
    years = set(years)
    candidates = list(
        AssessmentRun.objects.filter(status__in=[RunStatus.DRAFT, RunStatus.PUBLISHED])
        .order_by()  # DISTINCT over these columns only, not the default ordering's
        .values_list("scheme_id", "year", "root_id", "root__path")
        .distinct()
    )
    if not candidates:
        return []
    paths = _paths(set(unit_ids))
    if not paths:
        return []
    windows: dict[tuple[int, int], list[tuple[date, date]]] = {}
    keys: set[RunKey] = set()
    for scheme_id, year, root_id, root_path in candidates:
        if root_path is not None and not any(p.startswith(root_path) for p in paths):
            continue
        key = RunKey(scheme_id, year, root_id)
        if year in years:
            keys.add(key)
            continue
        if not spans:
            continue
        if (scheme_id, year) not in windows:
            windows[(scheme_id, year)] = _data_window(scheme_id, year)
        if any(
            start >= w_start and end <= w_end
            for start, end in spans
            for w_start, w_end in windows[(scheme_id, year)]
        ):
            keys.add(key)
    return sorted(keys, key=lambda k: (k.scheme_id, k.year, k.root_id or 0))


def _paths(unit_ids: set[int]) -> list[str]:
    ids = sorted(unit_ids)
    paths: list[str] = []
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        paths += OrgUnit.objects.filter(pk__in=chunk).values_list("path", flat=True)
    return paths


def _data_window(scheme_id: int, year: int) -> list[tuple[date, date]]:
    """The periods whose figures a run of this scheme and year reads (as the engine reads
    them: values of periods lying wholly inside the assessment period or one of its offsets).
    A scheme that no longer compiles reads everything, so that its run is still retried."""
    scheme = Scheme.objects.get(pk=scheme_id)
    period = assessment_period(scheme, year)
    try:
        compiled = compile_scheme(
            scheme_spec(scheme),
            frozenset(DataElement.objects.values_list("code", flat=True)),
            frozenset(DataSet.objects.values_list("code", flat=True)),
        )
        offsets = compiled.required_offsets()
    except Exception:
        logger.warning("scheme %s does not compile; treating every period as read", scheme_id)
        return [(date.min, date.max)]
    window = []
    for offset in sorted(offsets):
        try:
            shifted = period.offset(offset) if offset else period
        except PeriodError:
            continue
        window.append((shifted.start, shifted.end))
    return window


# --- recomputing ---------------------------------------------------------------------------


def _published(key: RunKey) -> AssessmentRun | None:
    """The published run of exactly this key, locked (read only: a second recomputation waits
    for this one rather than making a second draft beside it)."""
    return (
        AssessmentRun.objects.select_for_update()
        .filter(
            scheme_id=key.scheme_id,
            year=key.year,
            root_id=key.root_id,
            status=RunStatus.PUBLISHED,
        )
        .order_by("-published_at", "-id")
        .first()
    )


def do_recompute(key: RunKey, *, actor: Actor | None = None) -> AssessmentRun | None:
    """Re-run the draft of ``key`` on the figures as they are now.

    Returns the fresh draft, which supersedes every earlier draft of the key (audited), or
    ``None`` when there is nothing to recompute or the figures and scheme it reads are
    unchanged (then nothing is written). A key with no draft but a published run gets a new
    draft beside the published run when its figures differ from the published ones; the
    published run itself is never written to or superseded here (only a publication does
    that). A scheme used outside its years is re-run with the reason the run it starts from
    gave for that; without one it is skipped (logged), never forced.
    """
    actor = actor or Actor.system()
    with transaction.atomic():
        # Locking the drafts makes a second recomputation of the same key wait for this one,
        # then read the figures this one did not see.
        drafts = list(
            AssessmentRun.objects.select_for_update()
            .filter(
                scheme_id=key.scheme_id,
                year=key.year,
                root_id=key.root_id,
                status=RunStatus.DRAFT,
            )
            .order_by("-created_at", "-id")
        )
        latest = drafts[0] if drafts else _published(key)
        if latest is None:
            return None
        scheme = Scheme.objects.get(pk=key.scheme_id)
        root = OrgUnit.objects.get(pk=key.root_id) if key.root_id is not None else None
        try:
            with transaction.atomic():
                run: AssessmentRun | None = do_run_assessment(
                    scheme,
                    key.year,
                    actor=actor,
                    root=root,
                    override_validity=latest.validity_override,
                )
                assert run is not None
                if (run.inputs_hash, run.scheme_hash) == (latest.inputs_hash, latest.scheme_hash):
                    # Nothing the run reads has changed (a comment, an element it does not
                    # use): keep the draft there is rather than a copy of it.
                    transaction.set_rollback(True)
                    run = None
        except ValidityError as error:
            # Only a person may decide to use a scheme beyond its years; the live results wait
            # for a run that gives the reason.
            logger.warning("not recomputing %s: %s", key, error)
            return None
        if run is None or not drafts:
            return run
        AssessmentRun.objects.filter(pk__in=[d.pk for d in drafts], status=RunStatus.DRAFT).update(
            status=RunStatus.SUPERSEDED
        )
        AuditEntry.objects.bulk_create(
            [
                build_entry(
                    actor,
                    ACTION_SUPERSEDE,
                    "assessment_run",
                    str(d.pk),
                    before={"status": RunStatus.DRAFT.value},
                    after={"status": RunStatus.SUPERSEDED.value, "superseded_by": run.pk},
                )
                for d in drafts
            ]
        )
        return run
