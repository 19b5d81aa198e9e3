"""Pages: the completeness and timeliness grid of a township's reports, and its downloads.

``?township=CODE&year=YYYY&dataset=CODE``: the root unit (a township, usually; a reporter picks
their own village), the calendar year and optionally one data set. Everything is read through
:mod:`kaohe.core.access`: a root the user does not see is 404, and inside it only the units and
submissions they see are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from kaohe.assessments.exports import Table, csv_response, xlsx_response
from kaohe.core.access import restrict
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit

from .completeness import CellState, Completeness
from .completeness_exports import cells_table, summary_table
from .selectors import (
    CompletenessError,
    CompletenessQuery,
    completeness_of,
    resolve_query,
    root_choices,
)

# How each state looks in the grid: the Bootstrap class of its cell and a short mark.
CELL_LOOK = {
    CellState.ON_TIME: ("table-success", "✓"),
    CellState.LATE: ("table-warning", "!"),
    CellState.MISSING: ("table-danger", "✗"),
    CellState.NOT_DUE: ("", "…"),
    CellState.NOT_EXPECTED: ("text-muted", "—"),
}
YEARS_BACK = 5


def _query(request: HttpRequest) -> CompletenessQuery | None:
    """The query of the request's parameters; 404 for a unit or data set out of reach."""
    params = request.GET
    try:
        return resolve_query(
            request.user,
            params.get("township", ""),
            params.get("year", ""),
            params.get("dataset", ""),
        )
    except (OrgUnit.DoesNotExist, DataSet.DoesNotExist):
        raise Http404 from None


def _rows(report: Completeness) -> list[dict[str, Any]]:
    """Each grid with its rows' cells dressed for the template."""
    grids = []
    for grid in report.grids:
        rows = [
            {
                "unit": row.unit,
                "tally": row.tally,
                "cells": [(cell, *CELL_LOOK[cell.state]) for cell in row.cells],
            }
            for row in grid.rows
        ]
        grids.append({"grid": grid, "rows": rows})
    return grids


@login_required
def completeness(request: HttpRequest) -> HttpResponse:
    try:
        query = _query(request)
    except CompletenessError as error:
        context = _form_context(request, None)
        context["error"] = str(error)
        return render(request, "submissions/completeness.html", context, status=400)
    context = _form_context(request, query)
    if query is not None:
        report = completeness_of(query, request.user)
        context.update(
            {
                "report": report,
                "grids": _rows(report),
                "tally": report.tally,
                "legend": [(state, *CELL_LOOK[state]) for state in CellState],
            }
        )
    return render(request, "submissions/completeness.html", context)


def _form_context(request: HttpRequest, query: CompletenessQuery | None) -> dict[str, Any]:
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year - YEARS_BACK, -1))
    if query is not None and query.year not in years:
        years.append(query.year)
    filters = {}
    if query is not None:
        filters = {
            "township": query.root.code,
            "year": str(query.year),
            "dataset": query.dataset.code if query.dataset is not None else "",
        }
    return {
        "query": query,
        "roots": root_choices(request.user),
        "years": sorted(years, reverse=True),
        "datasets": restrict(DataSet.objects.all(), request.user).order_by("code"),
        "filters": urlencode(filters),
    }


def _download(request: HttpRequest, send: Callable[[Table], HttpResponse]) -> HttpResponse:
    try:
        query = _query(request)
    except CompletenessError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    if query is None:
        raise Http404
    report = completeness_of(query, request.user)
    table = cells_table(report) if request.GET.get("what") == "cells" else summary_table(report)
    return send(table)


@login_required
def completeness_csv(request: HttpRequest) -> HttpResponse:
    """``?what=cells`` for every cell; otherwise the totals per unit."""
    return _download(request, csv_response)


@login_required
def completeness_xlsx(request: HttpRequest) -> HttpResponse:
    """As :func:`completeness_csv`, as a workbook."""
    return _download(request, xlsx_response)
