"""The birth-plan page (人口计划): a township's cap for a year, allocated among its villages,
adjusted by hand, checked against the cap, and applied.

One page, ``/plans/``. GET with a scheme, year and township shows the stored plan (if any) beside
the targets and contracts; with a method and a cap too it shows the allocation table. POST
``action=recalculate`` (or any HTMX post from the table) recomputes the sum of the adjusted
quotas; ``action=apply`` stores the plan through :func:`do_apply_allocation`.

Who: a township the user may not see is answered 404; seeing it is enough to allocate and
recalculate (nothing is written); applying needs its administration (403 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import may_administer

from .allocation import (
    AllocationPlan,
    AllocationRefused,
    Refusal,
    birth_plan_for,
    do_apply_allocation,
    plan_allocation,
)
from .plan_forms import Adjustments, PlanForm, read_adjustments, read_reason
from .plan_selectors import StoredPlan, method_label, stored_plan, visible_plans, visible_townships

SELECTION = ("scheme", "year", "township", "method", "cap_births", "rate_per_mille")


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@dataclass
class PlanPage:
    """Everything the page (or its sum, for HTMX) shows."""

    form: PlanForm
    adjustments: Adjustments = field(default_factory=Adjustments)
    reason: str = ""
    stored: StoredPlan | None = None
    plan: AllocationPlan | None = None
    plan_refusals: list[Refusal] = field(default_factory=list)
    apply_refusals: list[str] = field(default_factory=list)
    may_apply: bool = False

    def context(self, request: HttpRequest) -> dict[str, Any]:
        plan = self.plan
        problems = list(self.adjustments.errors.values()) + (plan.problems if plan else [])
        context: dict[str, Any] = {
            "form": self.form,
            "stored": self.stored,
            "plan": plan,
            "plan_refusals": [r.message for r in self.plan_refusals],
            "apply_refusals": [p for p in self.apply_refusals if p not in problems],
            "problems": problems,
            "adjustments": self.adjustments,
            "reason": self.reason,
            "may_apply": self.may_apply,
            "has_townships": visible_townships(request.user).exists(),
        }
        if plan is not None:
            context.update(
                rows=[
                    (row, self.adjustments.typed.get(row.unit, str(row.adjusted)))
                    for row in plan.rows
                ],
                method_name=method_label(plan.method.value),
                start_year=plan.year - 2,
                end_year=plan.year - 1,
                over=max(0, -plan.left),
                missing=plan.missing,
                selection=[
                    (name, self.form.data.get(name, ""))
                    for name in SELECTION
                    if self.form.data.get(name, "") != ""
                ],
            )
        if not self.form.chosen:
            context["plans"] = list(
                visible_plans(request.user).order_by("-year", "township__path")[:50]
            )
        return context


def _build(request: HttpRequest, data: Any) -> PlanPage:
    user = request.user
    code = str(data.get("township", "")).strip()
    if code and not visible_townships(user).filter(code=code).exists():
        raise Http404
    bound = any(str(data.get(name, "")).strip() for name in ("scheme", "year", "township"))
    page = PlanPage(
        form=PlanForm(data if bound else None, user=user),
        adjustments=read_adjustments(data),
        reason=read_reason(data),
    )
    form = page.form
    if not form.chosen:
        return page
    scheme = form.cleaned_data["scheme"]
    year = form.cleaned_data["year"]
    township = form.cleaned_data["township"]
    page.may_apply = may_administer(user, township)
    stored = birth_plan_for(scheme, township, year)
    if stored is not None:
        page.stored = stored_plan(stored, user)
    if form.allocates:
        try:
            page.plan = plan_allocation(
                scheme, year, adjust=page.adjustments.values, **form.allocation_arguments()
            )
        except AllocationRefused as error:
            page.plan_refusals = error.refusals
    return page


def _render(request: HttpRequest, page: PlanPage, status: int = 200) -> HttpResponse:
    name = "plans/_sum.html" if _htmx(request) else "plans/index.html"
    return render(request, name, page.context(request), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "plans/index.html", _build(request, request.GET).context(request))
    page = _build(request, request.POST)
    if request.POST.get("action") != "apply":
        return _render(request, page)
    return _apply(request, page)


def _apply(request: HttpRequest, page: PlanPage) -> HttpResponse:
    form = page.form
    if not form.chosen:
        return _render(request, page, status=422)
    if not page.may_apply:
        raise PermissionDenied
    if not form.allocates:
        page.apply_refusals = [_("请先选择分解方法并填写控制数 / choose a method and give the cap")]
        return _render(request, page, status=422)
    if page.adjustments.errors:
        page.apply_refusals = [
            _("未保存：请改正调整后的计划数 / not saved: correct the adjusted quotas")
        ]
        return _render(request, page, status=422)
    data = form.cleaned_data
    try:
        applied = do_apply_allocation(
            data["scheme"],
            data["year"],
            adjust=page.adjustments.values,
            actor=Actor.from_request(request, Channel.WEB),
            reason=page.reason,
            **form.allocation_arguments(),
        )
    except AllocationRefused as error:
        page.apply_refusals = error.problems
        return _render(request, page, status=422)
    plan = applied.plan
    messages.success(
        request,
        _(
            "已保存 {township} {year} 年人口计划：分配合计 {total} 人，控制数 {cap} 人 / birth "
            "plan saved"
        ).format(
            township=plan.township.name, year=plan.year, total=plan.adjusted_total, cap=plan.cap
        ),
    )
    query = urlencode(
        {"scheme": data["scheme"].pk, "year": data["year"], "township": data["township"].code}
    )
    return redirect(f"{reverse('plans:index')}?{query}")
