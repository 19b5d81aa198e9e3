"""Pages. Thin: they read through the access check and render templates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kaohe.assessments.models import AssessmentRun, UnitResult
from kaohe.core.access import restrict


@login_required
def home(request: HttpRequest) -> HttpResponse:
    runs = restrict(AssessmentRun.objects.select_related("scheme"), request.user).order_by(
        "scheme__code", "-year", "-created_at"
    )
    latest: dict[tuple[str, int], AssessmentRun] = {}
    for run in runs:
        latest.setdefault((run.scheme.code, run.year), run)
    return render(request, "web/home.html", {"runs": list(latest.values())})


def _run_for(request: HttpRequest, run_id: int) -> AssessmentRun:
    run = (
        restrict(AssessmentRun.objects.select_related("scheme"), request.user)
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise Http404
    return run


@login_required
def ranking(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_for(request, run_id)
    results = run.unit_results.select_related("unit").order_by("kind", "rank", "unit__path")
    vetoes = {v.code: v.name for v in run.scheme.vetoes.all()}
    rows = [(r, [vetoes.get(c, c) for c in r.vetoes]) for r in results]
    return render(request, "web/ranking.html", {"run": run, "rows": rows})


@login_required
def unit_result(request: HttpRequest, run_id: int, unit_code: str) -> HttpResponse:
    run = _run_for(request, run_id)
    result = UnitResult.objects.filter(run=run, unit__code=unit_code).select_related("unit").first()
    if result is None:
        raise Http404
    vetoes = {v.code: v for v in run.scheme.vetoes.all()}
    return render(
        request,
        "web/unit_result.html",
        {
            "run": run,
            "result": result,
            "items": result.items.order_by("sort_order"),
            "vetoes": [vetoes[c] for c in result.vetoes if c in vetoes],
        },
    )
