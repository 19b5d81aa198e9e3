"""Pages: the results of a township's validation run (filtered, exported, marked for
follow-up), running the rules, and the list of rules.

Thin: they read through :mod:`kaohe.validation.selectors` (which go through
:mod:`kaohe.core.access`), hand every change to :mod:`kaohe.validation.services` and show its
bilingual message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.assessments.exports import csv_response, xlsx_response
from kaohe.audit.services import Actor
from kaohe.core.access import may_review

from .exports import results_table
from .forms import ResultFilterForm, RunForm
from .models import ResultStatus, ValidationResult, ValidationRun
from .selectors import (
    filter_results,
    review_roots,
    visible_results,
    visible_rules,
    visible_runs,
)
from .services import ValidationRunError, do_mark_follow_up, do_run_validation

PAGE_SIZE = 100


def _chosen_run(request: HttpRequest) -> ValidationRun | None:
    """The run asked for (``?run=ID``, 404 if the user cannot see it), else their newest."""
    runs = visible_runs(request.user)
    wanted = request.GET.get("run", "")
    if wanted:
        run = runs.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        if run is None:
            raise Http404
        return run
    return runs.first()


def _filters(request: HttpRequest) -> QueryDict:
    """The query with its defaults: failures only unless the status was chosen."""
    data = request.GET.copy()
    data.setdefault("status", ResultStatus.FAILED)
    return data


def _filter_form(data: QueryDict, results: QuerySet[ValidationResult]) -> ResultFilterForm:
    rules = results.order_by("rule__code").values_list("rule__code", "rule__name").distinct()
    units = results.order_by("unit__path").values_list("unit__code", "unit__name").distinct()
    periods = (
        results.order_by("period__start_date", "period__end_date")
        .values_list("period__code", flat=True)
        .distinct()
    )
    return ResultFilterForm(
        data,
        rules=[(code, f"{code} {name}") for code, name in rules],
        units=[(code, f"{name}（{code}）") for code, name in units],
        periods=list(dict.fromkeys(periods)),
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    run = _chosen_run(request)
    roots = review_roots(request.user)
    run_form = RunForm(None, townships=roots, rules=visible_rules(request.user))
    context: dict[str, object] = {
        "run": run,
        "runs": visible_runs(request.user)[:20],
        "run_form": run_form if roots.exists() else None,
    }
    if run is not None:
        mine = visible_results(request.user).filter(run=run)
        data = _filters(request)
        form = _filter_form(data, mine)
        chosen = form.values()
        shown = filter_results(mine, chosen)
        page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
        counts = dict(mine.values_list("status").annotate(n=Count("pk")).order_by())
        query = {"run": str(run.pk), **chosen}
        if "status" not in chosen:
            query["status"] = ""  # "all" was chosen: keep it across pages and exports
        context.update(
            {
                "form": form,
                "page": page,
                "counts": {s: counts.get(s, 0) for s in ResultStatus.values},
                "query": urlencode(query),
                "here": request.get_full_path(),
                "may_mark": {r.pk for r in page if may_review(request.user, r.unit)},
            }
        )
    return render(request, "validation/index.html", context)


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "validation/rules.html", {"rules": visible_rules(request.user)})


@require_POST
@login_required
def run(request: HttpRequest) -> HttpResponse:
    roots = review_roots(request.user)
    if not roots.exists():
        raise PermissionDenied
    form = RunForm(request.POST, townships=roots, rules=visible_rules(request.user))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("validation:index")
    data = form.cleaned_data
    try:
        done = do_run_validation(
            Actor.from_request(request), data["township"], data["year"], data["rule"]
        )
    except ValidationRunError as error:
        messages.error(request, str(error))
        return redirect("validation:index")
    messages.success(
        request,
        _(
            "校验完成：通过 {passed}，未通过 {failed}，跳过 {skipped} / validation done: "
            "{passed} passed, {failed} failed, {skipped} skipped"
        ).format(passed=done.passed, failed=done.failed, skipped=done.skipped),
    )
    return redirect(f"{reverse('validation:index')}?{urlencode({'run': done.pk})}")


@require_POST
@login_required
def follow_up(request: HttpRequest, result_id: int) -> HttpResponse:
    """Mark a result's figures for follow-up (``follow_up=0`` clears the marks)."""
    result = visible_results(request.user).filter(pk=result_id).first()
    if result is None:
        raise Http404
    flag = request.POST.get("follow_up", "1") != "0"
    try:
        _result, values = do_mark_follow_up(Actor.from_request(request), result.pk, flag)
    except ValidationRunError as error:
        messages.error(request, str(error))
    else:
        done = (
            _("已把 {n} 个数据标为需跟进 / {n} figure(s) marked for follow-up")
            if flag
            else _("已取消 {n} 个数据的跟进标记 / follow-up cleared on {n} figure(s)")
        )
        messages.success(request, done.format(n=len(values)))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = f"{reverse('validation:index')}?{urlencode({'run': result.run_id})}"
    return redirect(back)


def _export(request: HttpRequest) -> tuple[ValidationRun, QuerySet[ValidationResult]]:
    run = _chosen_run(request)
    if run is None:
        raise Http404
    mine = visible_results(request.user).filter(run=run)
    form = _filter_form(_filters(request), mine)
    return run, filter_results(mine, form.values())


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    run, results = _export(request)
    return csv_response(results_table(run, results))


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    run, results = _export(request)
    return xlsx_response(results_table(run, results))
