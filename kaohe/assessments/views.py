"""Result downloads. Thin: the run and its rows are read through the one access check, the
files are made by :mod:`kaohe.assessments.exports`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse

from kaohe.core.access import restrict

from . import exports
from .models import AssessmentRun, ItemResult, UnitResult
from .selectors import area_indicators, sees_whole_run


def _visible_run(request: HttpRequest, run_id: int) -> AssessmentRun:
    """The run, if the user may see it; otherwise 404, as for a run that does not exist."""
    run = (
        restrict(AssessmentRun.objects.select_related("scheme"), request.user)
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
