"""Pages: the appeals a user may see, filing one, one appeal with its history and the
reviewer's decision forms.

Thin: they read through :mod:`kaohe.core.access` and :mod:`kaohe.appeals.selectors`, hand
every change to :mod:`kaohe.appeals.services` and show its bilingual message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaohe.assessments.models import AssessmentRun, RunStatus, UnitResult
from kaohe.audit.services import Actor
from kaohe.core.access import CHANGE, may_review, restrict
from kaohe.orgunits.models import OrgUnit

from .forms import AppealFilterForm, FileAppealForm
from .models import Appeal, AppealStatus
from .selectors import check_window, items_of, last_day, visible_appeals, window_open
from .services import AppealError, do_accept_appeal, do_file_appeal, do_reject_appeal

PAGE_SIZE = 50


def _runs(request: HttpRequest) -> QuerySet[AssessmentRun]:
    return restrict(AssessmentRun.objects.select_related("scheme", "root"), request.user)


def _filing_units(request: HttpRequest) -> QuerySet[OrgUnit]:
    """The units whose figures the user enters (reporters, township administrators): the
    units they may appeal for."""
    return restrict(OrgUnit.objects.all(), request.user, CHANGE).order_by("path")


def _appeal_for(request: HttpRequest, appeal_id: int) -> Appeal:
    appeal = visible_appeals(request.user).filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404
    return appeal


@login_required
def index(request: HttpRequest) -> HttpResponse:
    appeals = visible_appeals(request.user)
    runs = _runs(request).filter(pk__in=appeals.values("run_id")).order_by("-year", "-pk")
    form = AppealFilterForm(request.GET, runs=runs)
    page = Paginator(form.filter(appeals), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/index.html",
        {
            "form": form,
            "page": page,
            "rows": [(appeal, last_day(appeal.run)) for appeal in page],
            "query": urlencode(form.values()),
            "can_file": _filing_units(request).exists(),
        },
    )


def _choose(request: HttpRequest, units: QuerySet[OrgUnit]) -> HttpResponse:
    """The first step of filing: which published run, for which unit."""
    runs = list(_runs(request).filter(status=RunStatus.PUBLISHED).order_by("-year", "-pk"))
    with_results = UnitResult.objects.filter(run__in=runs).values("unit_id")
    return render(
        request,
        "appeals/choose.html",
        {
            "runs": [(run, last_day(run), window_open(run)) for run in runs],
            "units": units.filter(pk__in=with_results),
        },
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    units = _filing_units(request)
    if not units.exists():
        raise PermissionDenied
    run_id, unit_code = request.GET.get("run", ""), request.GET.get("unit", "")
    if not run_id or not unit_code:
        return _choose(request, units)
    run = _runs(request).filter(pk=int(run_id)).first() if run_id.isdigit() else None
    unit = units.filter(code=unit_code).first()
    if run is None or unit is None:
        raise Http404
    items = items_of(run, unit)
    form = FileAppealForm(
        request.POST if request.method == "POST" else None,
        items=items,
        initial_item=request.GET.get("item", ""),
    )
    if request.method == "POST" and form.is_valid():
        try:
            appeal = do_file_appeal(
                Actor.from_request(request),
                run,
                unit,
                form.cleaned_data["item_code"],
                form.cleaned_data["reasons"],
            )
        except AppealError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("申诉已提出，等待审核 / appeal filed, awaiting review"))
            return redirect("appeals:detail", appeal.pk)
    refusal = ""
    try:
        check_window(run)
    except AppealError as error:
        refusal = str(error)
    result = restrict(UnitResult.objects.filter(run=run, unit=unit), request.user).first()
    return render(
        request,
        "appeals/new.html",
        {
            "run": run,
            "unit": unit,
            "result": result,
            "form": form,
            "refusal": refusal,
            "last_day": last_day(run),
        },
    )


@login_required
def detail(request: HttpRequest, appeal_id: int) -> HttpResponse:
    from kaohe.assessments.publishing import newest_published

    appeal = _appeal_for(request, appeal_id)
    user, unit = request.user, appeal.unit
    result = restrict(UnitResult.objects.filter(run=appeal.run, unit=unit), user).first()
    items = []
    if result is not None and appeal.item_code:
        items = list(result.items.filter(item_code=appeal.item_code).order_by("part"))
    current = newest_published(appeal.run)
    can_decide = (
        appeal.status == AppealStatus.FILED
        and may_review(user, unit)
        and appeal.filed_by_id != user.pk
    )
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.order_by("at", "pk"),
            "result": result,
            "items": items,
            "last_day": last_day(appeal.run),
            "current": current if current is not None and current.pk != appeal.run_id else None,
            "can_decide": can_decide,
        },
    )


def _decide(request: HttpRequest, appeal_id: int, step: Any, done: str) -> HttpResponse:
    appeal = _appeal_for(request, appeal_id)
    try:
        step(Actor.from_request(request), appeal.pk, request.POST.get("reason", ""))
    except AppealError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("appeals:detail", appeal.pk)


@require_POST
@login_required
def accept(request: HttpRequest, appeal_id: int) -> HttpResponse:
    return _decide(request, appeal_id, do_accept_appeal, _("申诉已采纳 / appeal accepted"))


@require_POST
@login_required
def reject(request: HttpRequest, appeal_id: int) -> HttpResponse:
    return _decide(request, appeal_id, do_reject_appeal, _("申诉已驳回 / appeal rejected"))


def filing_url(run: AssessmentRun, unit: OrgUnit, item_code: str = "") -> str:
    """The address of the filing form for ``unit``'s result in ``run`` (and an item)."""
    query = {"run": run.pk, "unit": unit.code, **({"item": item_code} if item_code else {})}
    return f"{reverse('appeals:new')}?{urlencode(query)}"
