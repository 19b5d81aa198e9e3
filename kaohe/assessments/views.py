"""Result downloads, publishing a run and comparing two. Thin: the runs and their rows are
read through the one access check, the files are made by :mod:`kaohe.assessments.exports`,
publication by :mod:`kaohe.assessments.publishing`, comparisons by
:mod:`kaohe.assessments.comparing`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from kaohe.audit.services import Actor
from kaohe.core.access import restrict
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.models import Status

from . import exports
from .comparing import compare_runs
from .models import AssessmentRun, ItemResult, RunStatus, UnitResult
from .publishing import PublicationError, do_publish_run, may_publish, unapproved_inputs
from .selectors import area_indicators, sees_whole_run


def _visible_run(request: HttpRequest, run_id: int) -> AssessmentRun:
    """The run, if the user may see it; otherwise 404, as for a run that does not exist."""
    run = (
        restrict(AssessmentRun.objects.select_related("scheme", "root"), request.user)
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise Http404
    return run


def _ranking(request: HttpRequest, run_id: int) -> exports.Table:
    run = _visible_run(request, run_id)
    # A reporter sees the run, but of its results only their own unit's row.
    results = restrict(UnitResult.objects.filter(run=run), request.user)
    return exports.ranking_table(run, results)


def _items(request: HttpRequest, run_id: int) -> exports.Table:
    run = _visible_run(request, run_id)
    items = restrict(ItemResult.objects.filter(unit_result__run=run), request.user)
    if unit_code := request.GET.get("unit"):
        # One unit's explanations (the unit page's download): a unit the user may not see is
        # refused like one that was not assessed.
        items = items.filter(unit_result__unit__code=unit_code)
        if not restrict(
            UnitResult.objects.filter(run=run, unit__code=unit_code), request.user
        ).exists():
            raise Http404
    return exports.items_table(run, items)


def _indicators(request: HttpRequest, run_id: int) -> exports.Table:
    run = _visible_run(request, run_id)
    # The area figures sum every unit of the run: only for those who may see them all.
    if not sees_whole_run(request.user, run):
        raise Http404
    return exports.indicators_table(run, area_indicators(run))


@login_required
def ranking_csv(request: HttpRequest, run_id: int) -> StreamingHttpResponse:
    return exports.csv_response(_ranking(request, run_id))


@login_required
def ranking_xlsx(request: HttpRequest, run_id: int) -> FileResponse:
    return exports.xlsx_response(_ranking(request, run_id))


@login_required
def items_csv(request: HttpRequest, run_id: int) -> StreamingHttpResponse:
    return exports.csv_response(_items(request, run_id))


@login_required
def items_xlsx(request: HttpRequest, run_id: int) -> FileResponse:
    return exports.xlsx_response(_items(request, run_id))


@login_required
def indicators_csv(request: HttpRequest, run_id: int) -> StreamingHttpResponse:
    return exports.csv_response(_indicators(request, run_id))


@login_required
def indicators_xlsx(request: HttpRequest, run_id: int) -> FileResponse:
    return exports.xlsx_response(_indicators(request, run_id))


# --- publishing ------------------------------------------------------------------------------


def _named(unapproved: list[dict[str, str]]) -> list[dict[str, str]]:
    """The unapproved reports with the names of their data sets and units and the label of
    their status (two queries)."""
    datasets = dict(
        DataSet.objects.filter(code__in={r["dataset"] for r in unapproved}).values_list(
            "code", "name"
        )
    )
    units = dict(
        OrgUnit.objects.filter(code__in={r["unit"] for r in unapproved}).values_list("code", "name")
    )
    labels = dict(Status.choices)
    return [
        {
            **row,
            "dataset_name": datasets.get(row["dataset"], row["dataset"]),
            "unit_name": units.get(row["unit"], row["unit"]),
            "status_label": str(labels.get(row["status"], row["status"])),
        }
        for row in unapproved
    ]


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    """The publish form of a draft run: the reports it read that are not approved, and a
    confirmation and reason when there are any. As a fragment when asked by HTMX (the ranking
    page loads it in place)."""
    run = _visible_run(request, run_id)
    if not may_publish(request.user, run):
        raise PermissionDenied
    fragment = request.headers.get("HX-Request") == "true"
    error: PublicationError | None = None
    confirm = False
    reason = ""
    if request.method == "POST":
        confirm = request.POST.get("confirm_unapproved") in ("1", "on", "true")
        reason = request.POST.get("exception_reason", "")
        try:
            do_publish_run(
                run,
                Actor.from_request(request),
                confirm_unapproved=confirm,
                exception_reason=reason,
            )
        except PublicationError as refusal:
            error = refusal
            run.refresh_from_db()
        else:
            url = reverse("web:ranking", args=[run.pk])
            if fragment:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    unapproved: list[dict[str, str]] = []
    if run.status == RunStatus.DRAFT:
        unapproved = error.unapproved if error and error.unapproved else unapproved_inputs(run)
    context: dict[str, Any] = {
        "run": run,
        "unapproved": _named(unapproved),
        "error": error,
        "confirm": confirm,
        "reason": reason,
    }
    template = "assessments/_publish.html" if fragment else "assessments/publish.html"
    return render(request, template, context, status=400 if error else 200)


# --- comparing -------------------------------------------------------------------------------


@login_required
def compare(request: HttpRequest, old_id: int, new_id: int) -> HttpResponse:
    """What changed from one run to another: both must be visible (else 404); a reporter
    compares only their own unit's results."""
    old = _visible_run(request, old_id)
    new = _visible_run(request, new_id)
    comparison = compare_runs(
        old,
        new,
        old_results=restrict(UnitResult.objects.filter(run=old), request.user),
        new_results=restrict(UnitResult.objects.filter(run=new), request.user),
    )
    return render(
        request,
        "assessments/compare.html",
        {"c": comparison, "runs": [("old", old), ("new", new)]},
    )
