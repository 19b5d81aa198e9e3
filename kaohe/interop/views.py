"""Pages of the exchange: import and export data value sets, the record of imports, and the
mappings (external identifiers, disaggregations).

Thin: the services (:mod:`kaohe.interop.values`, :mod:`kaohe.interop.exports`,
:mod:`kaohe.interop.mappings`) check what is asked and answer in both languages; the pages
show the half in the page's language. Importing needs the right to enter figures of some unit
(and each value's unit is checked by the import); exporting reads what the user may see;
mappings are shown to everyone holding a role and changed by system administrators (403 for
others). An import record the user may not see is 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.audit.services import Actor
from kaohe.contracts.selectors import in_page_language
from kaohe.core.access import CHANGE, VIEW, can_read_all, restrict, scope_of
from kaohe.datavalues.importing import format_value
from kaohe.orgunits.models import OrgUnit

from .api import visible_imports
from .exports import ExportError, export_data_values, parse_export
from .forms import ComboForm, ExportForm, ExternalIdForm, ImportForm, MappingsUploadForm
from .mappings import (
    ComboInput,
    MappingError,
    do_delete_combo_mapping,
    do_delete_external_id,
    do_load_mappings,
    do_save_combo_mapping,
    do_set_external_id,
    dump_mappings,
)
from .models import CategoryComboMapping, ChangeAction, ExternalId
from .options import ExchangeOptionError, ImportOptions
from .values import ExchangeSummary, do_import_data_values

#: Conflicts shown on the page (the API and the import record have more).
SHOWN_CONFLICTS = 200
CHANGES_PAGE_SIZE = 200
RECENT_IMPORTS = 10


def _page(request: HttpRequest, **extra: Any) -> HttpResponse:
    units = restrict(OrgUnit.objects.all(), request.user, VIEW)
    may_import = restrict(OrgUnit.objects.all(), request.user, CHANGE).exists()
    export_form = extra.pop("export_form", None) or ExportForm(
        units=units, initial={"township": _top_code(units)}
    )
    context = {
        "import_form": extra.pop("import_form", None) or ImportForm(),
        "export_form": export_form,
        "may_import": may_import,
        "has_role": scope_of(request.user).has_role,
        "imports": visible_imports(request.user)[:RECENT_IMPORTS],
        **extra,
    }
    return render(request, "interop/index.html", context)


def _top_code(units: Any) -> str:
    top = units.order_by("depth", "path").first()
    return top.code if top is not None else ""


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The import and export forms and the latest imports."""
    return _page(request)


@require_POST
@login_required
def import_values(request: HttpRequest) -> HttpResponse:
    """Run an import from an uploaded file and show its summary."""
    if not restrict(OrgUnit.objects.all(), request.user, CHANGE).exists():
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, import_form=form)
    data = form.cleaned_data
    upload = data["file"]
    try:
        options = ImportOptions(
            fmt=data["fmt"],
            strategy=data["strategy"],
            atomic_mode=data["atomic_mode"],
            dry_run=data["dry_run"],
            id_scheme=data["id_scheme"],
            delete_empty=data["delete_empty"],
        )
    except ExchangeOptionError as error:
        form.add_error(None, in_page_language(str(error)))
        return _page(request, import_form=form)
    summary = do_import_data_values(
        upload,
        actor=Actor.from_request(request),
        options=options,
        name=upload.name or "",
        content_type=upload.content_type or "",
    )
    return _page(request, import_form=form, summary=summary, **_shown(summary))


def _shown(summary: ExchangeSummary) -> dict[str, Any]:
    return {
        "summary_lines": [in_page_language(line) for line in summary.lines()],
        "conflicts": [
            {
                "row": c.row,
                "column": c.column,
                "obj": c.obj,
                "reason": in_page_language(c.reason),
            }
            for c in summary.conflicts[:SHOWN_CONFLICTS]
        ],
        "conflicts_cut": summary.conflict_count > SHOWN_CONFLICTS,
    }


@login_required
@require_GET
def export_values(request: HttpRequest) -> HttpResponseBase:
    """The export form's file, streamed; a refused export goes back to the form."""
    params = request.GET
    try:
        query = parse_export(
            request.user,
            units=[params.get("township", "")],
            start=params.get("start", ""),
            end=params.get("end", ""),
            datasets=params.getlist("dataset"),
            elements=[params.get("elements", "")],
            fmt=params.get("fmt", "csv"),
            id_scheme=params.get("id_scheme", ""),
        )
        pieces = export_data_values(query, request.user)
    except ExportError as error:
        messages.error(request, in_page_language(str(error)))
        return redirect(f"{reverse('interop:index')}?{params.urlencode()}#export")
    response = StreamingHttpResponse(pieces, content_type=query.content_type)
    response["Content-Disposition"] = f'attachment; filename="{query.file_name}"'
    return response


@login_required
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """One import: its options, summary, conflicts and every value it changed."""
    record = get_object_or_404(visible_imports(request.user), pk=import_id)
    changes = record.changes.select_related("element", "period", "unit").order_by("id")
    page = Paginator(changes, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "action": ChangeAction(c.action).label,
            "element": c.element.code,
            "period": c.period.code,
            "unit": c.unit.code,
            "before": "" if c.value_before is None else format_value(c.value_before),
            "after": "" if c.value_after is None else format_value(c.value_after),
            "comment_before": c.comment_before,
            "comment_after": c.comment_after,
        }
        for c in page
    ]
    summary = record.summary or {}
    return render(
        request,
        "interop/import_detail.html",
        {
            "record": record,
            "page": page,
            "rows": rows,
            "description": [
                in_page_language(line) for line in str(summary.get("description", "")).split("\n")
            ],
            "conflicts": [
                {**c, "reason": in_page_language(str(c.get("reason", "")))}
                for c in summary.get("conflicts", [])
            ],
        },
    )


# --- mappings ------------------------------------------------------------------------------


@login_required
@require_GET
def mappings(request: HttpRequest) -> HttpResponse:
    """External identifiers and combination mappings, with the forms to change them."""
    external = restrict(
        ExternalId.objects.select_related("element", "unit", "dataset"), request.user
    )
    combos = restrict(CategoryComboMapping.objects.select_related("element"), request.user)
    return render(
        request,
        "interop/mappings.html",
        {
            "external": external,
            "combos": combos,
            "manage": can_read_all(request.user),
            "external_form": ExternalIdForm(),
            "combo_form": ComboForm(),
            "upload_form": MappingsUploadForm(),
        },
    )


def _manager(request: HttpRequest) -> Actor:
    if not can_read_all(request.user):
        raise PermissionDenied
    return Actor.from_request(request)


def _back() -> HttpResponse:
    return redirect(reverse("interop:mappings"))


@require_POST
@login_required
def external_save(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = ExternalIdForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写类型、代码和 11 位外部标识"))
        return _back()
    data = form.cleaned_data
    try:
        do_set_external_id(actor, data["kind"], data["code"], data["uid"])
    except MappingError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(request, _("已保存外部标识"))
    return _back()


@require_POST
@login_required
def external_delete(request: HttpRequest, row_id: int) -> HttpResponse:
    actor = _manager(request)
    do_delete_external_id(actor, get_object_or_404(ExternalId, pk=row_id))
    messages.success(request, _("已删除外部标识"))
    return _back()


@require_POST
@login_required
def combo_save(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = ComboForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容"))
        return _back()
    try:
        do_save_combo_mapping(actor, ComboInput(**form.cleaned_data))
    except MappingError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(request, _("已保存分解映射"))
    return _back()


@require_POST
@login_required
def combo_delete(request: HttpRequest, row_id: int) -> HttpResponse:
    actor = _manager(request)
    do_delete_combo_mapping(actor, get_object_or_404(CategoryComboMapping, pk=row_id))
    messages.success(request, _("已删除分解映射"))
    return _back()


@require_POST
@login_required
def mappings_upload(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = MappingsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择映射文件"))
        return _back()
    try:
        text = form.cleaned_data["file"].read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("映射文件须为 UTF-8 编码"))
        return _back()
    outcome = do_load_mappings(actor, text)
    if outcome.problems:
        for problem in outcome.problems[:20]:
            messages.error(request, in_page_language(problem))
    else:
        messages.success(
            request,
            _("已载入外部标识 {ids} 个、分解映射 {combos} 个").format(
                ids=outcome.external_ids, combos=outcome.combos
            ),
        )
    return _back()


@login_required
@require_GET
def mappings_download(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).has_role:
        raise Http404
    response = HttpResponse(dump_mappings(), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mappings.yaml"'
    return response
