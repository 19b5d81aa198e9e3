"""Pages of data entry. Thin: they find what the user may reach through the selectors (which go
through ``kaohe.core.access``), check input with the forms, and write through the services.

A unit the user may not see is answered 404, whatever the page; a unit they see but may not
enter figures for is shown read-only, and a write to it is answered 403.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.audit.services import Actor
from kaohe.core.access import CHANGE, may_change, restrict
from kaohe.datavalues.excel import build_template, do_import_upload
from kaohe.datavalues.excel_format import dataset_elements, period_title, template_periods
from kaohe.datavalues.services import DataValueConflict, DataValueError
from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.periods import Period, PeriodError
from kaohe.orgunits.models import OrgUnit

from .forms import CellsForm, ChooseForm, NoteForm, TemplateForm, UploadForm, client_messages
from .rule_warnings import attach_warnings, failing_checks, grid_warnings
from .selectors import (
    Cell,
    Grid,
    TemplateError,
    build_grid,
    changeable_units,
    conflict_of,
    entry_element,
    grid_period_for,
    parse_period_or_none,
    reports,
    single_cell,
    value_history,
    visible_dataset,
    visible_unit,
)
from .services import do_save_note

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _dataset(request: HttpRequest, code: str) -> DataSet:
    dataset = visible_dataset(request.user, code)
    if dataset is None:
        raise Http404
    return dataset


def _unit(request: HttpRequest, code: str) -> OrgUnit:
    unit = visible_unit(request.user, code)
    if unit is None:
        raise Http404
    return unit


def _value(
    request: HttpRequest, element_code: str, unit_code: str, period_code: str
) -> tuple[DataElement, DataSet, OrgUnit, Period]:
    """The element, its data set, the unit and the period of one value the user may see."""
    unit = _unit(request, unit_code)
    period = parse_period_or_none(period_code)
    found = entry_element(element_code, unit, period) if period is not None else None
    if found is None or period is None:
        raise Http404
    return found[0], found[1], unit, period


# --- choosing -------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    go = request.GET.get("go")
    units = list(changeable_units(user))
    year = str(timezone.localdate().year)
    only = units[0].code if len(units) == 1 else None
    choose = ChooseForm(
        request.GET if go == "form" else None,
        user=user,
        initial={"period": year, "unit": only},
    )
    template = TemplateForm(
        request.GET if go == "template" else None,
        prefix="xlsx",
        user=user,
        initial={"period": year, "units": [only] if only else []},
    )
    if go == "form" and choose.is_valid():
        data = choose.cleaned_data
        return redirect("entry:form", data["dataset"].code, data["unit"].code, data["period"])
    if go == "template" and template.is_valid():
        data = template.cleaned_data
        url = reverse("entry:template", args=[data["dataset"].code, data["period"]])
        codes = ",".join(unit.code for unit in data["units"])
        return redirect(f"{url}?{urlencode({'units': codes})}" if codes else url)
    return render(
        request,
        "entry/index.html",
        {"choose": choose, "template": template, "units": units},
    )


# --- the form of one data set, unit and period ----------------------------------------------


def _grid(request: HttpRequest, dataset_code: str, unit_code: str, period_code: str) -> Grid:
    dataset = _dataset(request, dataset_code)
    unit = _unit(request, unit_code)
    if not reports(dataset, unit):
        raise Http404
    try:
        return build_grid(dataset, unit, period_code, editable=may_change(request.user, unit))
    except TemplateError:
        raise Http404 from None


def _neighbour(grid: Grid, step: int) -> tuple[str, str] | None:
    try:
        period = grid.outer.offset(step)
    except PeriodError:
        return None
    url = reverse("entry:form", args=[grid.dataset.code, grid.unit.code, period.code])
    return url, period_title(period)


@login_required
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, dataset: str, unit: str, period: str) -> HttpResponse:
    grid = _grid(request, dataset, unit, period)
    status = 200
    problems = 0
    if request.method == "POST":
        if not grid.editable:
            raise PermissionDenied
        cells = CellsForm(grid.cells(), request.POST)
        if cells.is_valid() and cells.save(actor=Actor.from_request(request), unit=grid.unit):
            if cells.saved:
                messages.success(request, _("已保存 {n} 个值").format(n=cells.saved))
            else:
                messages.info(request, _("没有修改，未保存任何值"))
            return redirect(request.path)
        problems = sum(1 for c in grid.cells() if c.error or c.conflict)
        status = 409 if cells.conflicts else 422
    checks = grid_warnings(grid)
    return render(
        request,
        "entry/form.html",
        {
            "grid": grid,
            "unit": grid.unit,
            "editable": grid.editable,
            "problems": problems,
            "previous": _neighbour(grid, -1),
            "next": _neighbour(grid, 1),
            "checks": json.dumps(client_messages(), ensure_ascii=False),
            "rule_failures": [(period_title(c.period), c) for c in checks],
            "validation_required": grid.dataset.validation_required,
            "template_url": reverse("entry:template", args=[grid.dataset.code, grid.outer.code])
            + "?"
            + urlencode({"units": grid.unit.code}),
        },
        status=status,
    )


# --- one cell (HTMX) ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cell(request: HttpRequest, element: str, unit: str, period: str) -> HttpResponse:
    """GET: the cell as stored now (to take someone else's value); POST: save one value with
    the token the page holds. Answers the cell, to swap in place of the old one."""
    found, found_dataset, found_unit, found_period = _value(request, element, unit, period)
    if not may_change(request.user, found_unit):
        raise PermissionDenied
    one = single_cell(found, found_unit, found_period)
    status = 200
    if request.method == "POST":
        cells = CellsForm([one], request.POST)
        if one.locked:
            one.error = one.lock_reason
            status = 422
        elif not cells.is_valid() or not cells.save(
            actor=Actor.from_request(request), unit=found_unit
        ):
            status = 409 if cells.conflicts else 422
        elif cells.changed:
            one = single_cell(found, found_unit, found_period)
            one.saved = True
            return _saved_cell(request, one, found_dataset, found_unit, found_period)
    return render(
        request,
        "entry/_cell.html",
        {"cell": one, "unit": found_unit, "editable": True},
        status=status,
    )


def _saved_cell(
    request: HttpRequest, one: Cell, dataset: DataSet, unit: OrgUnit, period: Period
) -> HttpResponse:
    """A saved cell, with the validation warnings of its column and the form's list of them
    brought up to date out of band (the rules read the other cells too)."""
    _outer, periods = template_periods(dataset, grid_period_for(dataset, period))
    checks = failing_checks(dataset, unit, periods)
    attach_warnings([one], checks)
    here = [c for c in checks if c.period.code == period.code]
    column = [
        (f"c-{element.code}-{period.code}", [c for c in here if element.code in c.elements])
        for element in dataset_elements(dataset)
        if element.code != one.element.code
    ]
    return render(
        request,
        "entry/_cell_saved.html",
        {
            "cell": one,
            "unit": unit,
            "editable": True,
            "column_warnings": column,
            "rule_failures": [(period_title(c.period), c) for c in checks],
            "validation_required": dataset.validation_required,
        },
    )


# --- a value's history and note -------------------------------------------------------------


def _history(
    request: HttpRequest,
    element: DataElement,
    dataset: DataSet,
    unit: OrgUnit,
    period: Period,
    *,
    note: NoteForm | None = None,
    saved: bool = False,
    status: int = 200,
) -> HttpResponse:
    one = single_cell(element, unit, period)
    if saved:  # the cell goes back to the grid: with its warnings
        attach_warnings([one], failing_checks(dataset, unit, [period]))
    may_note = may_change(request.user, unit) and not one.locked and one.stored is not None
    if note is None and may_note:
        note = NoteForm(
            initial={"comment": one.comment, "follow_up": one.follow_up, "token": one.token}
        )
    back = reverse("entry:form", args=[dataset.code, unit.code, grid_period_for(dataset, period)])
    context: dict[str, Any] = {
        "cell": one,
        "unit": unit,
        "dataset": dataset,
        "period_title": period_title(period),
        "changes": value_history(element, unit, period),
        "note": note if may_note else None,
        "saved": saved,
        "back": back,
        "editable": may_change(request.user, unit),
        # After a note is saved the cell's token has changed: the grid gets the new cell.
        "oob": saved,
    }
    name = "entry/_history.html" if _htmx(request) else "entry/history.html"
    return render(request, name, context, status=status)


@login_required
@require_GET
def history(request: HttpRequest, element: str, unit: str, period: str) -> HttpResponse:
    found, dataset, found_unit, found_period = _value(request, element, unit, period)
    return _history(request, found, dataset, found_unit, found_period)


@login_required
@require_POST
def note(request: HttpRequest, element: str, unit: str, period: str) -> HttpResponse:
    """Save a value's comment and follow-up flag; answers the history (HTMX) or goes back
    to it (a plain form)."""
    found, dataset, found_unit, found_period = _value(request, element, unit, period)
    if not may_change(request.user, found_unit):
        raise PermissionDenied
    posted = NoteForm(request.POST)
    if not posted.is_valid():
        return _history(request, found, dataset, found_unit, found_period, note=posted, status=422)
    try:
        do_save_note(
            actor=Actor.from_request(request),
            unit=found_unit,
            element=found,
            period=found_period,
            comment=posted.cleaned_data["comment"],
            follow_up=posted.cleaned_data["follow_up"],
            token=posted.cleaned_data["token"],
        )
    except DataValueConflict as exc:
        conflict = conflict_of("", exc.stored)
        # The comment as typed, with the token of the value as it is now: saving it again is
        # a decision taken after seeing the new value.
        again = NoteForm(
            initial={
                "comment": posted.cleaned_data["comment"],
                "follow_up": posted.cleaned_data["follow_up"],
                "token": conflict.token,
            }
        )
        again.conflict = _(
            "此值已被 {who} 于 {when} 改为 {theirs}，你的备注未保存；请看过新的值后再保存 / the "
            "value was changed to {theirs} by {who} at {when}; your comment was not saved, "
            "look at the new value and save again"
        ).format(who=conflict.who or "?", when=conflict.when or "?", theirs=conflict.theirs)
        return _history(request, found, dataset, found_unit, found_period, note=again, status=409)
    except DataValueError as exc:
        posted.add_error(None, str(exc))
        return _history(request, found, dataset, found_unit, found_period, note=posted, status=422)
    if not _htmx(request):
        messages.success(request, _("备注已保存"))
        return redirect("entry:history", found.code, found_unit.code, found_period.code)
    return _history(request, found, dataset, found_unit, found_period, saved=True)


# --- Excel ----------------------------------------------------------------------------------


def _template_units(request: HttpRequest, dataset: DataSet) -> list[OrgUnit]:
    codes = {
        code.strip()
        for value in request.GET.getlist("units")
        for code in value.split(",")
        if code.strip()
    }
    if not codes:
        units = [u for u in changeable_units(request.user) if reports(dataset, u)]
        if not units:
            raise Http404
        return units
    units = list(restrict(OrgUnit.objects.filter(code__in=codes), request.user).order_by("path"))
    if len(units) != len(codes) or not all(reports(dataset, u) for u in units):
        raise Http404
    if not all(may_change(request.user, u) for u in units):
        raise PermissionDenied
    return units


@login_required
@require_GET
def template(request: HttpRequest, dataset: str, period: str) -> HttpResponse:
    """The .xlsx template of a data set and period for some units (``?units=A,B``; all the
    user's units of the data set when none are named), stored values filled in."""
    found = _dataset(request, dataset)
    units = _template_units(request, found)
    try:
        data = build_template(found, period, units)
    except TemplateError:
        raise Http404 from None
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{found.name}-{period}.xlsx"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a filled-in template: every value lands, or none and each bad cell is listed."""
    allowed = restrict(OrgUnit.objects.all(), request.user, CHANGE)
    if not allowed.exists():
        raise PermissionDenied
    posted = UploadForm(request.POST or None, request.FILES or None)
    summary = None
    status = 200
    if request.method == "POST":
        status = 422
        if posted.is_valid():
            file = posted.cleaned_data["file"]
            data = file.read()
            dry_run = posted.cleaned_data["dry_run"]
            result = do_import_upload(
                data,
                filename=file.name,
                actor=Actor.from_request(request),
                dry_run=dry_run,
                units=set(allowed.values_list("code", flat=True)),
            )
            summary = {"problems": result.problems, "lines": result.lines(), "ok": result.ok}
            status = 200 if result.ok else 422
    return render(request, "entry/upload.html", {"form": posted, "summary": summary}, status=status)
