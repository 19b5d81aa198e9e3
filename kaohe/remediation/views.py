"""Pages of weak units and their remediation: the designated units by year with the overdue
plans on top, a plan (five fixes, progress, acceptance) and the form that makes one.

Thin: they read through :mod:`kaohe.remediation.selectors` (which go through
:mod:`kaohe.core.access`) and hand every change to the services, showing their message in the
page's language. What the user may not see is answered 404; what they see but may not manage
(the unit's township administrators manage) is shown read-only, and a write to it is 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaohe.audit.services import Actor
from kaohe.contracts.selectors import in_page_language
from kaohe.core.access import may_administer

from .errors import RemediationError
from .forms import AcceptForm, DesignateForm, PlanForm, ProgressForm
from .models import Designation, DesignationStatus, RemediationPlan
from .selectors import (
    by_year,
    designatable_runs,
    filtered,
    overdue_plans,
    visible_designations,
    visible_plans,
)
from .services import do_accept_check, do_add_progress, do_create_plan, do_designate


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The designated units by year (``?year=``, ``?status=``), with the overdue plans first."""
    user = request.user
    year = _int(request.GET.get("year"))
    status = request.GET.get("status", "")
    if status not in DesignationStatus.values:
        status = ""
    designations = visible_designations(user)
    years = sorted(set(designations.values_list("year", flat=True)), reverse=True)
    today = timezone.localdate()
    overdue = list(overdue_plans(visible_plans(user), today))
    runs = designatable_runs(user)
    groups = by_year(filtered(designations, year=year, status=status))
    managed = {d.pk for g in groups for d in g.rows if may_administer(user, d.unit)}
    return render(
        request,
        "remediation/index.html",
        {
            "groups": groups,
            "years": years,
            "year": year,
            "status": status,
            "statuses": DesignationStatus.choices,
            "overdue": overdue,
            "overdue_ids": {plan.pk for plan in overdue},
            "today": today,
            "designate_form": DesignateForm(user=user) if runs.exists() else None,
            "managed": managed,
        },
    )


@require_POST
@login_required
def designate(request: HttpRequest) -> HttpResponse:
    form = DesignateForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    run = form.cleaned_data["run"]
    try:
        outcome = do_designate(run, Actor.from_request(request))
    except RemediationError as error:
        messages.error(request, in_page_language(str(error)))
        return redirect("remediation:index")
    messages.success(
        request,
        _(
            "{year} 年度认定 {total} 个单位：新认定 {created}，更新 {updated}，未变 {unchanged}，"
            "撤销 {revoked}"
        ).format(
            year=run.year,
            total=len(outcome.designated),
            created=len(outcome.created),
            updated=len(outcome.updated),
            unchanged=len(outcome.unchanged),
            revoked=len(outcome.revoked),
        ),
    )
    return redirect(reverse("remediation:index") + f"?year={run.year}")


# --- making a plan --------------------------------------------------------------------------


def _designation(request: HttpRequest, designation_id: int) -> Designation:
    """A designation the user sees (else 404) and manages (else 403)."""
    designation = visible_designations(request.user).filter(pk=designation_id).first()
    if designation is None:
        raise Http404
    if not may_administer(request.user, designation.unit):
        raise PermissionDenied
    return designation


@login_required
@require_http_methods(["GET", "POST"])
def create_plan(request: HttpRequest, designation_id: int) -> HttpResponse:
    designation = _designation(request, designation_id)
    existing = RemediationPlan.objects.filter(designation=designation).first()
    if existing is not None:
        return redirect("remediation:plan", existing.pk)
    form = PlanForm(request.POST or None, designation=designation)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = do_create_plan(
                    designation,
                    leader=data["leader"],
                    staff=list(data["staff"]),
                    responsibilities=data["responsibilities"],
                    deadline=data["deadline"],
                    rewards_penalties=data["rewards_penalties"],
                    shares_outcome=data["shares_outcome"],
                    actor=Actor.from_request(request),
                )
            except RemediationError as error:
                _add_error(form, error)
            else:
                messages.success(request, _("已制定帮促方案"))
                return redirect("remediation:plan", plan.pk)
        status = 400
    return render(
        request,
        "remediation/plan_form.html",
        {"designation": designation, "form": form},
        status=status,
    )


def _add_error(form: PlanForm | ProgressForm | AcceptForm, error: RemediationError) -> None:
    message = in_page_language(str(error))
    form.add_error(error.field if error.field in form.fields else None, message)


# --- one plan -------------------------------------------------------------------------------


def _plan(request: HttpRequest, plan_id: int) -> RemediationPlan:
    plan = visible_plans(request.user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def _plan_page(
    request: HttpRequest,
    plan: RemediationPlan,
    *,
    progress_form: ProgressForm | None = None,
    accept_form: AcceptForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manages = may_administer(request.user, plan.designation.unit)
    return render(
        request,
        "remediation/plan.html",
        {
            "plan": plan,
            "designation": plan.designation,
            "staff": plan.staff.select_related("unit").order_by("unit__path", "name"),
            "progress": plan.progress.order_by("-date", "-pk"),
            "checks": plan.checks.order_by("date", "pk"),
            "overdue": plan.active and plan.deadline < timezone.localdate(),
            "may_manage": manages and plan.active,
            "progress_form": progress_form or ProgressForm(),
            "accept_form": accept_form or AcceptForm(),
        },
        status=status,
    )


@login_required
@require_GET
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_page(request, _plan(request, plan_id))


def _managed_plan(request: HttpRequest, plan_id: int) -> RemediationPlan:
    found = _plan(request, plan_id)
    if not may_administer(request.user, found.designation.unit):
        raise PermissionDenied
    return found


@require_POST
@login_required
def add_progress(request: HttpRequest, plan_id: int) -> HttpResponse:
    found = _managed_plan(request, plan_id)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            do_add_progress(
                found,
                date=form.cleaned_data["date"],
                text=form.cleaned_data["text"],
                actor=Actor.from_request(request),
            )
        except RemediationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("已记录进展"))
            return redirect("remediation:plan", found.pk)
    return _plan_page(request, found, progress_form=form, status=400)


@require_POST
@login_required
def accept(request: HttpRequest, plan_id: int) -> HttpResponse:
    found = _managed_plan(request, plan_id)
    form = AcceptForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_accept_check(
                found,
                date=data["date"],
                outcome=data["outcome"],
                findings=data["findings"],
                new_deadline=data["new_deadline"],
                actor=Actor.from_request(request),
            )
        except RemediationError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("已记录验收结论"))
            return redirect("remediation:plan", found.pk)
    return _plan_page(request, found, accept_form=form, status=400)
