"""Pages of data quality: the outlier list (with its CSV export and the follow-up buttons) and
the min–max ranges (generated from history or set by hand).

Thin: what is asked is checked by the services (:mod:`kaohe.quality.outliers`,
:mod:`kaohe.quality.services`), whose refusals are shown beside their field or as a message in
the page's language; everything is read through :mod:`kaohe.core.access`. A value or range the
user may not see is 404; one they see but may not touch is 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.audit.services import Actor
from kaohe.contracts.selectors import in_page_language
from kaohe.core.access import ADMIN, VIEW, may_administer, restrict
from kaohe.engine.outliers import DEFAULT_MIN_VALUES, OutlierMethod
from kaohe.orgunits.models import OrgUnit

from .errors import NotFound, QualityError
from .exports import export_name, outlier_csv
from .forms import GenerateForm, OutlierForm, RangeForm, default_window
from .models import MinMaxRange
from .outliers import (
    OutlierQuery,
    OutlierReport,
    annotate_marking,
    describe_query,
    find_outliers,
    parse_query,
)
from .ranges import parse_k, target_of
from .series import find_root, parse_elements, parse_number, parse_window, subtree
from .services import do_delete_range, do_generate_ranges, do_mark_follow_up, do_save_range

#: At most this many flagged values are shown on the page (the export has them all).
SHOWN: int = 500
RANGES_PAGE_SIZE = 100


def _units(request: HttpRequest, action: str = VIEW) -> QuerySet[OrgUnit]:
    return restrict(OrgUnit.objects.all(), request.user, action)


def _query(params: QueryDict, user: Any) -> OutlierQuery:
    return parse_query(
        user=user,
        township=params.get("township", ""),
        elements=params.getlist("element"),
        start=params.get("from", ""),
        end=params.get("to", ""),
        method=params.get("method") or None,
        threshold=params.get("threshold"),
        min_values=params.get("min_values"),
    )


def _defaults(units: QuerySet[OrgUnit]) -> dict[str, Any]:
    start, end = default_window(timezone.localdate())
    top = units.order_by("depth", "path").first()
    return {
        "township": top.code if top else "",
        "from": start,
        "to": end,
        "method": OutlierMethod.MODIFIED_Z.value,
    }


@login_required
@require_GET
def outliers(request: HttpRequest) -> HttpResponse:
    """The form, and (once a unit is chosen) the flagged values with their reasons."""
    units = _units(request)
    asked = "township" in request.GET
    form = OutlierForm(
        request.GET if asked else None, units=units, initial=None if asked else _defaults(units)
    )
    report: OutlierReport | None = None
    if asked:
        try:
            report = find_outliers(_query(request.GET, request.user), request.user)
        except QualityError as error:
            form.is_valid()
            form.file(QualityError(error.field, in_page_language(str(error))))
        else:
            annotate_marking(report.flagged[:SHOWN], Actor.from_request(request))
    english = (request.LANGUAGE_CODE or "").startswith("en")
    described = describe_query(report.query) if report else None
    return render(
        request,
        "quality/outliers.html",
        {
            "form": form,
            "report": report,
            "shown": report.flagged[:SHOWN] if report else [],
            "shown_limit": SHOWN,
            "english": english,
            "described": (described[1] if english else described[0]) if described else "",
            "query": request.GET.urlencode(),
            "no_units": not units.exists(),
        },
    )


@login_required
@require_GET
def outliers_export(request: HttpRequest) -> HttpResponse:
    """The same list as CSV, every flagged value."""
    try:
        report = find_outliers(_query(request.GET, request.user), request.user)
    except QualityError as error:
        messages.error(request, in_page_language(str(error)))
        return redirect(f"{reverse('quality:outliers')}?{request.GET.urlencode()}")
    response = HttpResponse(outlier_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_name(report)}"'
    return response


def _token(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


@require_POST
@login_required
def follow_up(request: HttpRequest) -> HttpResponse:
    """Mark one value for follow-up (or clear the mark); the value itself never changes."""
    value = request.POST.get("value", "")
    if not value.isdigit():
        raise Http404
    flag = request.POST.get("follow_up", "1") != "0"
    try:
        do_mark_follow_up(
            Actor.from_request(request),
            int(value),
            follow_up=flag,
            expected_last_updated=_token(request.POST.get("token")),
        )
    except NotFound:
        raise Http404 from None
    except QualityError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(
            request, _("已标记需跟进，数值未改动") if flag else _("已取消跟进标记，数值未改动")
        )
    back = QueryDict(request.POST.get("back", "")).urlencode()
    return redirect(f"{reverse('quality:outliers')}?{back}#results")


# --- min–max ranges --------------------------------------------------------------------------


def _visible_ranges(request: HttpRequest) -> QuerySet[MinMaxRange]:
    return restrict(MinMaxRange.objects.select_related("unit", "element"), request.user)


@login_required
@require_GET
def ranges(request: HttpRequest) -> HttpResponse:
    """The ranges the user may see (``?township=``, ``?element=`` narrow them), and for
    township administrators the forms that generate and set them."""
    user = request.user
    rows = _visible_ranges(request)
    township = request.GET.get("township", "").strip()
    element = request.GET.get("element", "").strip()
    if township:
        root = _units(request).filter(code=township).first()
        rows = rows.filter(subtree(root)) if root else rows.none()
    if element:
        rows = rows.filter(element__code=element)
    page = Paginator(rows.order_by("unit__path", "element__code"), RANGES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    admin_units = _units(request, ADMIN)
    manages = admin_units.exists()
    start, end = default_window(timezone.localdate())
    top = admin_units.order_by("depth", "path").first()
    initial = {"township": top.code if top else "", "from": start, "to": end}
    return render(
        request,
        "quality/ranges.html",
        {
            "page": page,
            "managed": {r.pk for r in page if may_administer(user, r.unit)},
            "township": township,
            "element": element,
            "units": _units(request).order_by("path"),
            "generate_form": GenerateForm(None, units=admin_units, initial=initial)
            if manages
            else None,
            "range_form": RangeForm(None, units=admin_units) if manages else None,
            "query": request.GET.urlencode(),
        },
    )


def _back_to_ranges(request: HttpRequest) -> HttpResponse:
    back = QueryDict(request.POST.get("back", "")).urlencode()
    return redirect(f"{reverse('quality:ranges')}?{back}" if back else reverse("quality:ranges"))


@require_POST
@login_required
def ranges_generate(request: HttpRequest) -> HttpResponse:
    """Generate ranges from history for a unit and everything under it."""
    user, post = request.user, request.POST
    try:
        root = find_root(post.get("township", ""), user)
        periods = parse_window(post.get("from", ""), post.get("to", ""))
        elements = parse_elements(post.getlist("element"))
        k = parse_k(post.get("k"))
        min_values = int(
            parse_number(post.get("min_values"), "min_values", 3, 240, DEFAULT_MIN_VALUES)
        )
        outcome = do_generate_ranges(
            Actor.from_request(request), root, elements, periods, k=k, min_values=min_values
        )
    except QualityError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(request, in_page_language(outcome.summary()))
        for skipped in outcome.skipped[:20]:
            messages.info(
                request,
                f"{skipped.unit.name} {skipped.element.name}："
                + (
                    skipped.reason_en
                    if request.LANGUAGE_CODE.startswith("en")
                    else skipped.reason_zh
                ),
            )
    return _back_to_ranges(request)


@require_POST
@login_required
def range_save(request: HttpRequest) -> HttpResponse:
    """Set one range by hand."""
    post = request.POST
    try:
        unit, element = target_of(post.get("unit", ""), post.get("element", ""), request.user)
        do_save_range(
            Actor.from_request(request),
            unit,
            element,
            post.get("min_value", ""),
            post.get("max_value", ""),
        )
    except QualityError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(
            request,
            _("已保存 {unit} {element} 的范围").format(unit=unit.name, element=element.name),
        )
    return _back_to_ranges(request)


@require_POST
@login_required
def range_delete(request: HttpRequest, range_id: int) -> HttpResponse:
    try:
        do_delete_range(Actor.from_request(request), range_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("已删除范围"))
    return _back_to_ranges(request)
