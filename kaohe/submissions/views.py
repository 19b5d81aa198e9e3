"""Pages: the review queue, one submission, and the buttons that move it along.

Thin: they read through :mod:`kaohe.core.access`, hand every change to
:mod:`kaohe.submissions.services` and show its bilingual message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaohe.audit.services import Actor
from kaohe.core.access import (
    CHANGE,
    REVIEW,
    may_administer,
    may_change,
    may_review,
    restrict,
)
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit

from .filtersets import DEFAULT_STATUS, QueueFilterForm
from .models import EventAction, Status, Submission
from .services import (
    Outcome,
    SubmissionError,
    ValidationFailed,
    do_approve,
    do_approve_many,
    do_return,
    do_submit,
    do_unlock,
    due_date,
    figures_of,
    lock_state_of,
    submission_on_time,
)

QUEUE_PAGE_SIZE = 50


def _visible(request: HttpRequest) -> QuerySet[Submission]:
    return restrict(
        Submission.objects.select_related("dataset", "unit", "period"), request.user
    ).order_by("-period__start_date", "dataset__code", "unit__path")


def _submission_for(request: HttpRequest, submission_id: int) -> Submission:
    submission = _visible(request).filter(pk=submission_id).first()
    if submission is None:
        raise Http404
    return submission


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def _queue_context(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    datasets = restrict(DataSet.objects.all(), request.user)
    reviews = restrict(Submission.objects.all(), request.user, REVIEW).exists()
    form = QueueFilterForm(
        params, datasets=datasets, default_status=DEFAULT_STATUS if reviews else ""
    )
    page = Paginator(form.filter(_visible(request)), QUEUE_PAGE_SIZE).get_page(params.get("page"))
    waiting = [s.pk for s in page if s.status == Status.SUBMITTED]
    reviewable = set(
        restrict(Submission.objects.filter(pk__in=waiting), request.user, REVIEW).values_list(
            "pk", flat=True
        )
    )
    rows = [(s, s.pk in reviewable, submission_on_time(s)) for s in page]
    filters = form.values()
    units = restrict(OrgUnit.objects.all(), request.user, CHANGE).order_by("path")
    return {
        "form": form,
        "page": page,
        "rows": rows,
        "any_reviewable": bool(reviewable),
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items()}),
        "submit_datasets": datasets.order_by("code") if units.exists() else [],
        "submit_units": units,
    }


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request, request.GET)
    template = "submissions/_queue.html" if _is_htmx(request) else "submissions/queue.html"
    return render(request, template, context)


@require_POST
@login_required
def approve_many(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    outcomes = do_approve_many(Actor.from_request(request), ids) if ids else []
    params = QueryDict(mutable=True)
    for name in ("dataset", "period", "status"):
        params[name] = request.POST.get(name, "")
    if _is_htmx(request):
        context = _queue_context(request, params)
        context.update(_outcome_summary(outcomes))
        return render(request, "submissions/_queue.html", context)
    summary = _outcome_summary(outcomes)
    if summary["approved_count"]:
        messages.success(request, summary["approved_text"])
    for outcome in summary["refused"]:
        messages.error(request, outcome.message)
    if not ids:
        messages.warning(request, _("请先勾选要审核通过的报送 / tick the submissions to approve"))
    return redirect(f"{reverse('submissions:queue')}?{params.urlencode()}")


def _outcome_summary(outcomes: list[Outcome]) -> dict[str, Any]:
    approved = sum(1 for o in outcomes if o.ok)
    return {
        "outcomes": outcomes,
        "approved_count": approved,
        "approved_text": _("已审核通过 {n} 条 / {n} approved").format(n=approved),
        "refused": [o for o in outcomes if not o.ok],
    }


@login_required
def detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = _submission_for(request, submission_id)
    user, unit = request.user, submission.unit
    lock = lock_state_of(submission)
    figures = figures_of(submission)
    events = restrict(submission.events.all(), user).order_by("at", "pk")
    return render(
        request,
        "submissions/detail.html",
        {
            "submission": submission,
            "figures": figures,
            "any_changed": any(f.changed for f in figures),
            "approved_before": submission.events.filter(action=EventAction.APPROVE).exists(),
            "events": events,
            "lock": lock,
            "on_time": submission_on_time(submission),
            "due": due_date(submission.dataset, submission.period),
            "can_submit": submission.status in (Status.DRAFT, Status.RETURNED)
            and may_change(user, unit),
            "can_review": submission.status == Status.SUBMITTED and may_review(user, unit),
            "can_unlock": bool(lock) and may_administer(user, unit),
        },
    )


@require_POST
@login_required
def submit(request: HttpRequest) -> HttpResponse:
    dataset = (
        restrict(DataSet.objects.all(), request.user)
        .filter(code=request.POST.get("dataset", ""))
        .first()
    )
    # Among the units the user enters figures for: another unit is refused like a missing one.
    unit = (
        restrict(OrgUnit.objects.all(), request.user, CHANGE)
        .filter(code=request.POST.get("unit", ""))
        .first()
    )
    if dataset is None or unit is None:
        raise Http404
    try:
        submission = do_submit(
            Actor.from_request(request), dataset, unit, request.POST.get("period", "").strip()
        )
    except ValidationFailed as exc:
        # Back to the form, where each failing rule is shown beside its cells.
        messages.error(request, str(exc))
        return redirect(_form_of(dataset, unit, request.POST.get("period", "").strip()))
    except SubmissionError as exc:
        messages.error(request, str(exc))
        existing = _visible(request).filter(
            dataset=dataset, unit=unit, period__code=request.POST.get("period", "").strip()
        )
        if (found := existing.first()) is not None:
            return redirect("submissions:detail", found.pk)
        return redirect("submissions:queue")
    messages.success(request, _("已提交，等待审核 / submitted for review"))
    return redirect("submissions:detail", submission.pk)


def _form_of(dataset: DataSet, unit: OrgUnit, period_code: str) -> str:
    """The entry form holding ``period_code``'s figures (the year's grid of a monthly set)."""
    from kaohe.engine.periods import parse_period
    from kaohe.entry.selectors import grid_period_for

    grid = grid_period_for(dataset, parse_period(period_code))
    return reverse("entry:form", args=[dataset.code, unit.code, grid])


def _act(request: HttpRequest, submission_id: int, done: str, step: Any) -> HttpResponse:
    """Run ``step(actor, id)`` on a submission the user can see; its refusal is shown."""
    submission = _submission_for(request, submission_id)
    try:
        step(Actor.from_request(request), submission.pk)
    except SubmissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("submissions:detail", submission.pk)


@require_POST
@login_required
def approve(request: HttpRequest, submission_id: int) -> HttpResponse:
    return _act(request, submission_id, _("已审核通过 / approved"), do_approve)


@require_POST
@login_required
def return_(request: HttpRequest, submission_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        submission_id,
        _("已退回 / returned"),
        lambda actor, pk: do_return(actor, pk, reason),
    )


@require_POST
@login_required
def unlock(request: HttpRequest, submission_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        submission_id,
        _("已解锁 / unlocked"),
        lambda actor, pk: do_unlock(actor, pk, reason),
    )
