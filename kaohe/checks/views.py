"""Pages of cross-checks: the sources, the entry grid, the file import and the reconciliation
(with its CSV and .xlsx downloads).

Thin: what is asked is checked by the selectors and services, whose refusals are shown beside
their field in the page's language; everything is read through :mod:`kaohe.core.access` and
:mod:`kaohe.checks.reach`. A unit the person may not see is never shown; a write they may not
make is answered 403.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.assessments.exports import csv_response, xlsx_response
from kaohe.audit.services import Actor
from kaohe.contracts.selectors import in_page_language
from kaohe.core.access import VIEW, restrict
from kaohe.orgunits.models import OrgUnit

from .errors import CheckError
from .exports import reconciliation_table
from .forms import EnterForm, ReconcileForm, UploadForm
from .grid import Grid, GridRow, open_grid, township_choices, visible_sources
from .reach import entry_reach
from .selectors import (
    Reconciliation,
    find_element,
    find_root,
    indicator_elements,
    parse_period_or_year,
    reconciliation,
    visible_values,
)
from .services import do_clear_source_value, do_import_source_values, do_save_source_value

_GRID_FIELDS = ("source", "element", "period", "township")


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the sources ------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The sources: what each counts, who feeds it, how many figures per year, and links."""
    user = request.user
    sources = list(visible_sources(user))
    counts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    per_year = (
        visible_values(user)
        .annotate(year=ExtractYear("period__start_date"))
        .values_list("source_id", "year")
        .annotate(n=Count("id"))
        .order_by("source_id", "-year")
    )
    for source_id, year, n in per_year:
        counts[source_id].append((year, n))
    kinds = {s.department_kind for s in sources if s.department_kind}
    feeders: dict[str, list[str]] = defaultdict(list)
    if kinds:
        named = restrict(OrgUnit.objects.filter(kind__in=kinds), user, VIEW) | restrict(
            OrgUnit.objects.filter(code__in=kinds), user, VIEW
        )
        for unit in named.order_by("path"):
            for key in {unit.kind, unit.code} & kinds:
                feeders[key].append(unit.name)
    reach = entry_reach(user)
    townships = township_choices(user)
    township = townships[0].code if townships else ""
    year = str(timezone.localdate().year)
    rows = []
    for s in sources:
        years = counts.get(s.pk, [])
        rows.append(
            {
                "source": s,
                "elements": list(s.elements.all()),
                "years": years,
                "feeders": feeders.get(s.department_kind, []),
                "may_enter": reach.everything or bool(reach.paths_for(s)),
                "year": str(years[0][0]) if years else year,
            }
        )
    return render(
        request,
        "checks/index.html",
        {"rows": rows, "township": township, "may_import": reach.anything},
    )


# --- the entry grid -----------------------------------------------------------------------------


def _grid_params(params: QueryDict) -> dict[str, str]:
    return {name: params.get(name, "").strip() for name in _GRID_FIELDS}


def _enter_form(request: HttpRequest, params: QueryDict | None) -> EnterForm:
    return EnterForm(
        params,
        sources=list(visible_sources(request.user)),
        townships=township_choices(request.user),
    )


def _enter_page(
    request: HttpRequest, form: EnterForm, grid: Grid | None, status: int = 200
) -> HttpResponse:
    problems = sum(1 for row in grid.rows if row.error) if grid else 0
    return render(
        request,
        "checks/enter.html",
        {"form": form, "grid": grid, "problems": problems},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    """GET: choose a source, element, period and township, and see the grid. POST: save every
    changed cell — all of them, or none (each refusal shown beside its cell)."""
    params = request.POST if request.method == "POST" else request.GET
    asked = _grid_params(params)
    if not any(asked.values()):
        form = _enter_form(request, None)
        sources = list(visible_sources(request.user))
        townships = township_choices(request.user)
        form.initial = {
            "source": sources[0].code if sources else "",
            "township": townships[0].code if townships else "",
        }
        return _enter_page(request, form, None)
    form = _enter_form(request, params)
    form.is_valid()
    try:
        grid = open_grid(request.user, **asked)
    except CheckError as error:
        if request.method == "POST":
            raise Http404 from None
        form.file(error, in_page_language(str(error)))
        return _enter_page(request, form, None)
    if request.method == "GET":
        return _enter_page(request, form, grid)
    if not grid.editable:
        raise PermissionDenied
    saved = _save_all(request, grid)
    if saved is None:
        return _enter_page(request, form, grid, status=422)
    if saved:
        messages.success(request, _("已保存 {n} 个数").format(n=saved))
    else:
        messages.info(request, _("没有修改，未保存任何数"))
    return redirect(f"{reverse('checks:enter')}?{urlencode(asked)}")


def _posted(post: QueryDict, row: GridRow) -> tuple[str, str] | None:
    """What was typed in ``row``, if it differs from what the page showed."""
    code = row.unit.code
    if f"v:{code}" not in post:
        return None
    text = post.get(f"v:{code}", "").strip()
    comment = post.get(f"c:{code}", "").strip()
    if (text, comment) == (post.get(f"o:{code}", ""), post.get(f"oc:{code}", "")):
        return None
    return text, comment


def _save_row(actor: Actor, grid: Grid, row: GridRow, text: str, comment: str) -> bool:
    """Save (or, emptied, delete) one row's figure; a refusal is kept on the row. Returns
    whether anything changed."""
    place = {
        "source": grid.source.code,
        "element": grid.element.code,
        "period": grid.period.code,
        "unit": row.unit.code,
    }
    row.text, row.comment = text, comment
    try:
        if text:
            outcome = do_save_source_value(actor, **place, value=text, comment=comment)
        else:
            outcome = do_clear_source_value(actor, **place)
    except CheckError as error:
        row.error, row.error_field = in_page_language(str(error)), error.field
        return False
    row.stored = outcome.value
    return outcome.change != "unchanged"


def _save_all(request: HttpRequest, grid: Grid) -> int | None:
    """Save every changed row in one transaction: the number saved, or None (nothing saved)
    when any row was refused."""
    actor = Actor.from_request(request)
    saved = 0
    failed = False
    with transaction.atomic():
        for row in grid.rows:
            typed = _posted(request.POST, row)
            if typed is None or not row.editable:
                continue
            if _save_row(actor, grid, row, *typed):
                saved += 1
            failed = failed or bool(row.error)
        if failed:
            transaction.set_rollback(True)
    return None if failed else saved


@require_POST
@login_required
def enter_cell(request: HttpRequest) -> HttpResponse:
    """Save one cell (HTMX): answers the row, saved or with the refusal beside it (422)."""
    post = request.POST
    try:
        grid = open_grid(request.user, **_grid_params(post))
    except CheckError:
        raise Http404 from None
    row = grid.row(post.get("unit", ""))
    if row is None:
        raise Http404
    if not row.editable:
        raise PermissionDenied
    code = row.unit.code
    text, comment = post.get(f"v:{code}", "").strip(), post.get(f"c:{code}", "").strip()
    _save_row(Actor.from_request(request), grid, row, text, comment)
    if not row.error:  # shown as stored now
        row = GridRow(row.unit, row.stored, row.editable, saved=True)
    return render(
        request,
        "checks/_row.html",
        {"row": row, "grid": grid},
        status=422 if row.error else 200,
    )


# --- importing a file -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_values(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or .xlsx file of figures: every row lands, or none and each bad row is
    listed."""
    if not entry_reach(request.user).anything:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    outcome = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            outcome = do_import_source_values(
                upload.read(),
                actor=Actor.from_request(request),
                filename=upload.name or "",
                dry_run=form.cleaned_data["dry_run"],
            )
            status = 200 if outcome.ok else 422
    return render(
        request,
        "checks/import.html",
        {
            "form": form,
            "outcome": outcome,
            "lines": [in_page_language(line) for line in outcome.lines()] if outcome else [],
            "problems": [
                (p, in_page_language(p.reason)) for p in (outcome.problems if outcome else [])
            ],
        },
        status=status,
    )


# --- the reconciliation ---------------------------------------------------------------------


def _reconcile_units(request: HttpRequest) -> list[OrgUnit]:
    return list(restrict(OrgUnit.objects.all(), request.user, VIEW).order_by("path"))


_ASKS = ("element", "indicator", "township")


def _reconciliations(
    params: QueryDict, user: Any, units: list[OrgUnit]
) -> tuple[Any, list[Reconciliation]]:
    """The indicator asked for (or None), and the reconciliation of each element (of the
    topmost unit the person sees, when no unit is named)."""
    township = params.get("township", "").strip() or (units[0].code if units else "")
    root = find_root(township, user)
    period = parse_period_or_year(params.get("year", ""))
    if code := params.get("indicator", "").strip():
        indicator, elements = indicator_elements(code)
        return indicator, [reconciliation(e, root, period, user) for e in elements]
    code = params.get("element", "").strip()
    if not code:
        raise CheckError(
            "element", _("请选择数据元素或指标 / choose a data element or an indicator")
        )
    return None, [reconciliation(find_element(code), root, period, user)]


@login_required
@require_GET
def reconcile(request: HttpRequest) -> HttpResponse:
    """One element's (or each of an indicator's elements') reports against every source."""
    units = _reconcile_units(request)
    asked = any(request.GET.get(name) for name in _ASKS)
    form = ReconcileForm(request.GET if asked else None, units=units)
    indicator = None
    found: list[Reconciliation] = []
    if not asked:
        form.initial = {
            "township": units[0].code if units else "",
            "year": str(timezone.localdate().year),
        }
    else:
        form.is_valid()
        try:
            indicator, found = _reconciliations(request.GET, request.user, units)
        except CheckError as error:
            form.file(error, in_page_language(str(error)))
    english = (request.LANGUAGE_CODE or "").startswith("en")
    return render(
        request,
        "checks/reconcile.html",
        {
            "form": form,
            "indicator": indicator,
            "tables": [
                {
                    "found": one,
                    "scoring": [b.text_en if english else b.text_zh for b in one.scoring],
                    "query": urlencode(
                        {
                            "element": one.element.code,
                            "year": request.GET.get("year", ""),
                            "township": one.root.code,
                        }
                    ),
                }
                for one in found
            ],
            "asked": asked,
        },
    )


@login_required
@require_GET
def reconcile_export(request: HttpRequest) -> HttpResponseBase:
    """The reconciliation of one element as CSV (``?format=csv``) or .xlsx (the default)."""
    try:
        _indicator, found = _reconciliations(request.GET, request.user, _reconcile_units(request))
    except CheckError as error:
        messages.error(request, in_page_language(str(error)))
        return redirect(f"{reverse('checks:reconcile')}?{request.GET.urlencode()}")
    if len(found) != 1:
        raise Http404
    table = reconciliation_table(found[0])
    if request.GET.get("format") == "csv":
        return csv_response(table)
    return xlsx_response(table)
