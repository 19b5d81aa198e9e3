"""Pages: exporting and importing metadata, pushing approved figures upward and the push log.

Thin: they read through :mod:`kaohe.levels.selectors` (which go through
:mod:`kaohe.core.access`), hand every change to the services and show their bilingual messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from kaohe.audit.services import Actor
from kaohe.bundles.loader import BundleError
from kaohe.core.access import can_read_all
from kaohe.interop.options import IdScheme

from .bounds import parse_bound
from .forms import MetadataImportForm, PushForm
from .metadata import FORMATS, render_document, rules_document, township_document
from .metadata_import import do_import_metadata
from .push import PushError, allowed_destinations, do_push
from .selectors import (
    exportable_units,
    may_read_rules,
    push_roots,
    visible_batches,
    visible_pushes,
)

PAGE_SIZE = 50
_CONTENT_TYPES = {"yaml": "application/yaml; charset=utf-8", "json": "application/json"}


@login_required
@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "levels/metadata.html",
        {
            "units": exportable_units(request.user),
            "may_rules": may_read_rules(request.user),
            "import_form": MetadataImportForm() if can_read_all(request.user) else None,
        },
    )


@login_required
@require_GET
def metadata_export(request: HttpRequest) -> HttpResponse:
    """The file: ``?township=CODE`` (else the rules alone), ``?format=yaml|json``."""
    fmt = request.GET.get("format", "yaml")
    if fmt not in FORMATS:
        raise Http404
    code = request.GET.get("township", "").strip()
    if code:
        unit = exportable_units(request.user).filter(code=code).first()
        if unit is None:
            raise Http404
        document = township_document(unit)
        title = f"{unit.name}（{unit.code}）元数据 / metadata of {unit.code}"
        stem = f"{unit.code}-metadata"
    elif may_read_rules(request.user):
        document, title, stem = rules_document(), "考核规则 / rules", "rules"
    else:
        raise Http404
    response = HttpResponse(
        render_document(document, fmt, title=title), content_type=_CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@require_POST
@login_required
def metadata_import(request: HttpRequest) -> HttpResponse:
    if not can_read_all(request.user):
        raise PermissionDenied
    form = MetadataImportForm(request.POST, request.FILES)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        upload = request.FILES["file"]
        try:
            report = do_import_metadata(
                form.cleaned_data["file"],
                upload.name or "upload.yaml",
                Actor.from_request(request),
                dry_run=form.cleaned_data["dry_run"],
                allow_moves=form.cleaned_data["allow_moves"],
            )
        except BundleError as error:
            context["problems"] = error.problems
        else:
            context["report"] = report
    return render(request, "levels/metadata_result.html", context)


@login_required
@require_GET
def pushes(request: HttpRequest) -> HttpResponse:
    roots = push_roots(request.user)
    destinations = allowed_destinations()
    form = None
    if roots.exists() and destinations:
        form = PushForm(None, townships=roots, destinations=destinations)
    page = Paginator(visible_pushes(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "levels/pushes.html",
        {
            "page": page,
            "form": form,
            "may_push": roots.exists(),
            "destinations": destinations,
        },
    )


@require_POST
@login_required
def push(request: HttpRequest) -> HttpResponse:
    roots = push_roots(request.user)
    if not roots.exists():
        raise PermissionDenied
    form = PushForm(request.POST, townships=roots, destinations=allowed_destinations())
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("levels:pushes")
    data = form.cleaned_data
    try:
        log = do_push(
            Actor.from_request(request),
            data["to"],
            township=data["township"],
            start=parse_bound(data["start"], end=False, field="start"),
            end=parse_bound(data["end"], end=True, field="end"),
            batch_size=data["batch_size"],
            dry_run=data["dry_run"],
            id_scheme=IdScheme(data["id_scheme"] or IdScheme.CODE.value),
        )
    except PushError as error:
        messages.error(request, str(error))
        return redirect("levels:pushes")
    level = messages.success if log.status == "done" else messages.error
    level(request, log.message)
    return redirect("levels:push-detail", log_id=log.pk)


@login_required
@require_GET
def push_detail(request: HttpRequest, log_id: int) -> HttpResponse:
    log = visible_pushes(request.user).filter(pk=log_id).first()
    if log is None:
        raise Http404
    return render(
        request,
        "levels/push_detail.html",
        {"log": log, "batches": visible_batches(request.user, log)},
    )
