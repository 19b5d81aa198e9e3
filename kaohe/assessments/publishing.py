"""Publishing an assessment run, and the published run of a scheme and year.

A run is computed as a draft; a township administrator publishes it (发布). From then on the run
and every result row under it stay as they were published: the live recomputation
(:mod:`kaohe.assessments.recompute`) only ever writes new drafts beside it, appeals and the
ledger refer to it, and a correction is a new run published in its place (the old one becomes
"superseded" and the new one's ``replaces`` points at it).

Publishing checks the data the run read: every report (data set, unit, period) holding a figure
the run used should be approved. Reports that are not are listed; publishing anyway needs the
publisher's confirmation and a reason, and both the list and the reason are kept on the run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor, record
from kaohe.core.access import may_run_assessments
from kaohe.datavalues.models import DataValue, Period
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.assess import compile_scheme
from kaohe.engine.periods import PeriodError
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme
from kaohe.schemes.specs import scheme_spec
from kaohe.submissions.models import Status, Submission

from .models import AssessmentRun, RunStatus
from .services import assessment_period
from .signals import run_published

__all__ = [
    "ACTION_PUBLISH",
    "ACTION_SUPERSEDE_PUBLISHED",
    "PublicationError",
    "do_publish_run",
    "may_publish",
    "newest_published",
    "published_run",
    "unapproved_inputs",
]

ACTION_PUBLISH: Final = "assessment.publish"
ACTION_SUPERSEDE_PUBLISHED: Final = "assessment.supersede_published"
MAX_REASON: Final = 2000


class PublicationError(ValueError):
    """A publication refused: ``field`` names the input at fault (``status``,
    ``confirm_unapproved``, ``exception_reason``, ``replaces``); the message is bilingual;
    ``unapproved`` lists the reports not approved when that is the reason."""

    def __init__(self, field: str, message: str, unapproved: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.unapproved = list(unapproved)


# --- reading ---------------------------------------------------------------------------------


def _same_results(scheme: Scheme, year: int, root: OrgUnit | int | None) -> Q:
    """Runs that publish the same results: the same scheme (any version of its code), the same
    year and the same scope. A new version of a scheme corrects the old one's results, so its
    publication replaces theirs."""
    root_id = root.pk if isinstance(root, OrgUnit) else root
    condition = Q(scheme__code=scheme.code, year=year)
    return condition & (Q(root__isnull=True) if root_id is None else Q(root_id=root_id))


def published_run(scheme: Scheme, year: int, root: OrgUnit | None = None) -> AssessmentRun | None:
    """The current published run of ``scheme`` (any version of its code) for ``year`` over
    ``root`` (``None``: the run of the whole tree), or ``None`` when none is published."""
    return (
        AssessmentRun.objects.filter(_same_results(scheme, year, root))
        .filter(status=RunStatus.PUBLISHED)
        .select_related("scheme", "root")
        .order_by("-published_at", "-id")
        .first()
    )


def newest_published(run: AssessmentRun) -> AssessmentRun | None:
    """The run now published in place of ``run`` (itself when it is the published one), or
    ``None`` when nothing of its scheme, year and scope is published."""
    if run.status == RunStatus.PUBLISHED:
        return run
    return published_run(run.scheme, run.year, run.root)


def _compiled(scheme: Scheme) -> tuple[frozenset[str], frozenset[int]]:
    compiled = compile_scheme(
        scheme_spec(scheme),
        frozenset(DataElement.objects.values_list("code", flat=True)),
        frozenset(DataSet.objects.values_list("code", flat=True)),
        scheme.period_type,
    )
    return frozenset(compiled.element_codes), frozenset(compiled.required_offsets())


def unapproved_inputs(run: AssessmentRun) -> list[dict[str, str]]:
    """The reports the run read that are not approved, as ``{dataset, unit, period, status}``
    (codes; ``status`` the submission's, ``draft`` where nothing was ever submitted), ordered
    by period, data set and unit.

    A report is an input when it holds a figure the run read: a value of an element the scheme
    uses, of a unit the run assessed, for a period inside the spans the run reads, in a data
    set of that period type reported by units of that kind. Figures that belong to no data set
    cannot be submitted for approval and are not listed; reports with no figures at all are
    missing data, which the results already flag. A handful of queries whatever the size.
    """
    codes, offsets = _compiled(run.scheme)
    period = assessment_period(run.scheme, run.year)
    spans = Q()
    for offset in sorted(offsets):
        try:
            shifted = period.offset(offset) if offset else period
        except PeriodError:
            continue
        spans |= Q(period__start_date__gte=shifted.start, period__end_date__lte=shifted.end)
    if not codes or not spans:
        return []
    element_ids = dict(DataElement.objects.filter(code__in=codes).values_list("id", "code"))
    holders: dict[int, list[int]] = defaultdict(list)  # element id → data set ids
    for dataset_id, element_id in DataSetElement.objects.filter(
        element_id__in=list(element_ids)
    ).values_list("dataset_id", "element_id"):
        holders[element_id].append(dataset_id)
    if not holders:
        return []
    datasets = {
        d.pk: d for d in DataSet.objects.filter(pk__in={i for v in holders.values() for i in v})
    }
    figures = (
        DataValue.objects.filter(
            element_id__in=list(holders), unit_id__in=run.unit_results.values("unit_id")
        )
        .filter(spans)
        .order_by()  # DISTINCT over these columns only, not the default ordering's
        .values_list("unit_id", "unit__kind", "element_id", "period_id", "period__period_type")
        .distinct()
    )
    reports: set[tuple[int, int, int]] = set()  # data set, unit, period
    for unit_id, kind, element_id, period_id, period_type in figures:
        for dataset_id in holders[element_id]:
            dataset = datasets[dataset_id]
            if dataset.period_type != period_type:
                continue
            if dataset.unit_kinds and kind not in dataset.unit_kinds:
                continue
            reports.add((dataset_id, unit_id, period_id))
    if not reports:
        return []
    statuses = {
        (dataset_id, unit_id, period_id): status
        for dataset_id, unit_id, period_id, status in Submission.objects.filter(
            dataset_id__in={r[0] for r in reports},
            unit_id__in=run.unit_results.values("unit_id"),
            period_id__in={r[2] for r in reports},
        ).values_list("dataset_id", "unit_id", "period_id", "status")
    }
    pending = [r for r in reports if statuses.get(r) != Status.APPROVED]
    if not pending:
        return []
    units = {
        pk: (code, path)
        for pk, code, path in OrgUnit.objects.filter(pk__in={r[1] for r in pending}).values_list(
            "pk", "code", "path"
        )
    }
    periods = {
        p.pk: p
        for p in Period.objects.filter(pk__in={r[2] for r in pending}).only(
            "code", "start_date", "end_date"
        )
    }
    pending.sort(
        key=lambda r: (
            periods[r[2]].start_date,
            periods[r[2]].end_date,
            datasets[r[0]].code,
            units[r[1]][1],
        )
    )
    return [
        {
            "dataset": datasets[dataset_id].code,
            "unit": units[unit_id][0],
            "period": periods[period_id].code,
            "status": statuses.get((dataset_id, unit_id, period_id), Status.DRAFT.value),
        }
        for dataset_id, unit_id, period_id in pending
    ]


def may_publish(user: Any, run: AssessmentRun) -> bool:
    """Whether ``user`` may publish ``run``: whoever may run assessments over its scope (the
    township administrators of its root; a run of the whole tree, system administrators)."""
    return may_run_assessments(user, run.root)


# --- writing ---------------------------------------------------------------------------------


def _checked_reason(text: str) -> str:
    reason = (text or "").strip()
    if len(reason) > MAX_REASON:
        raise PublicationError(
            "exception_reason",
            _("理由不能超过 {n} 个字 / the reason may be at most {n} characters").format(
                n=MAX_REASON
            ),
        )
    return reason


def _checked_replaces(run: AssessmentRun, replaces: AssessmentRun | None) -> None:
    if replaces is None:
        return
    same = AssessmentRun.objects.filter(pk=replaces.pk).filter(
        _same_results(run.scheme, run.year, run.root_id)
    )
    if (
        replaces.pk == run.pk
        or not same.filter(
            status__in=[RunStatus.PUBLISHED, RunStatus.SUPERSEDED], published_at__isnull=False
        ).exists()
    ):
        raise PublicationError(
            "replaces",
            _(
                "只能替代同一方案、年度和范围的已发布结果 / a publication can only replace a "
                "published run of the same scheme, year and scope"
            ),
        )


@transaction.atomic
def do_publish_run(
    run: AssessmentRun,
    actor: Actor,
    *,
    confirm_unapproved: bool = False,
    exception_reason: str = "",
    replaces: AssessmentRun | None = None,
) -> AssessmentRun:
    """Publish the draft ``run``; it and its results never change again.

    Refused (:class:`PublicationError`, nothing written) when the run is not a draft, and when
    reports it read are not approved unless ``confirm_unapproved`` and ``exception_reason``
    are given (then the list is kept in ``unapproved_at_publication`` and the reason in
    ``publication_exception``). The run published until now for the same scheme, year and
    scope becomes superseded, and the new run's ``replaces`` points at it (or at ``replaces``
    when given: a published run of the same scheme, year and scope). An actor with a user must
    be allowed to publish (:func:`may_publish`); the console's actor is not checked. Apps that
    build on publications hear of it through :data:`kaohe.assessments.signals.run_published`,
    inside this transaction.
    """
    locked = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("scheme", "root")
        .get(pk=run.pk)
    )
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is not None and not may_publish(user, locked):
        raise PermissionDenied(_("无权发布该考核结果 / not allowed to publish this run"))
    if locked.status != RunStatus.DRAFT:
        raise PublicationError(
            "status",
            _(
                "只能发布草稿；该考核结果的状态为「{status}」/ only a draft can be published; "
                "run {id} is {code}"
            ).format(status=locked.get_status_display(), id=locked.pk, code=locked.status),
        )
    reason = _checked_reason(exception_reason)
    unapproved = unapproved_inputs(locked)
    if unapproved and not confirm_unapproved:
        raise PublicationError(
            "confirm_unapproved",
            _(
                "有 {n} 份报表尚未审核通过；确认后并说明理由才能发布 / {n} report(s) the run "
                "read are not approved; confirm and give a reason to publish anyway"
            ).format(n=len(unapproved)),
            unapproved,
        )
    if unapproved and not reason:
        raise PublicationError(
            "exception_reason",
            _(
                "数据未全部审核通过时发布，须说明理由 / publishing with data not approved "
                "needs a reason"
            ),
            unapproved,
        )
    _checked_replaces(locked, replaces)
    current = list(
        AssessmentRun.objects.select_for_update(of=("self",))
        .filter(_same_results(locked.scheme, locked.year, locked.root_id))
        .filter(status=RunStatus.PUBLISHED)
        .exclude(pk=locked.pk)
        .order_by("-published_at", "-id")
    )
    previous = replaces if replaces is not None else (current[0] if current else None)
    now = timezone.now()
    for old in current:
        old.status = RunStatus.SUPERSEDED
        old.save(update_fields=["status"])
        record(
            actor,
            ACTION_SUPERSEDE_PUBLISHED,
            "assessment_run",
            str(old.pk),
            before={"status": RunStatus.PUBLISHED.value},
            after={"status": RunStatus.SUPERSEDED.value, "superseded_by": locked.pk},
        )
    locked.status = RunStatus.PUBLISHED
    locked.published_at = now
    locked.published_by = actor.name[:150]
    locked.unapproved_at_publication = unapproved
    locked.publication_exception = reason if unapproved else ""
    locked.replaces = previous
    locked.save(
        update_fields=[
            "status",
            "published_at",
            "published_by",
            "unapproved_at_publication",
            "publication_exception",
            "replaces",
        ]
    )
    after: dict[str, Any] = {
        "status": RunStatus.PUBLISHED.value,
        "scheme": locked.scheme.code,
        "version": locked.scheme.version,
        "year": locked.year,
        "inputs_hash": locked.inputs_hash,
        "scheme_hash": locked.scheme_hash,
        "replaces": previous.pk if previous is not None else None,
    }
    if unapproved:
        after["unapproved"] = len(unapproved)
        after["exception_reason"] = reason
    record(
        actor,
        ACTION_PUBLISH,
        "assessment_run",
        str(locked.pk),
        before={"status": RunStatus.DRAFT.value},
        after=after,
    )
    run_published.send(sender=AssessmentRun, run=locked, superseded=current, actor=actor)
    return locked
