"""Pages of the ledger (奖惩兑现): the runs, one run's entries with their totals and the steps
(compute, approve, pay, reverse), the finance table and the veto consequences list.

Thin: rows are read through :mod:`kaohe.rewards.selectors` (which go through
:mod:`kaohe.core.access`), every change is handed to the services, and their refusal is shown
in the page's language. A run or entry the user may not see is answered 404; a step they see
but may not take, 403.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.assessments import exports as tables
from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.audit.services import Actor
from kaohe.contracts.selectors import in_page_language
from kaohe.core.access import may_administer, may_review, may_run_assessments

from .computing import do_compute_money
from .exports import XLSX, finance_workbook, stem, veto_table
from .forms import FilterForm, PayForm, ReverseForm
from .models import EntryStatus, LedgerEntry, LedgerError
from .selectors import (
    filtered,
    money_runs,
    role_label,
    totals,
    veto_consequences,
    visible_entries,
    visible_run,
)
from .services import do_approve, do_approve_run, do_pay, do_reverse


def _run(request: HttpRequest, run_id: int) -> AssessmentRun:
    run = visible_run(request.user, run_id)
    if run is None:
        raise Http404
    return run


def _entry(request: HttpRequest, entry_id: int) -> LedgerEntry:
    entry = visible_entries(request.user).filter(pk=entry_id).first()
    if entry is None:
        raise Http404
    return entry


def _back(request: HttpRequest, run_id: int) -> HttpResponse:
    """Back to the ledger the form was posted from (its filters kept), else the run's."""
    target = request.POST.get("next", "")
    ledger = reverse("money:ledger", args=[run_id])
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    if target.startswith(ledger) and allowed:
        return redirect(target)
    return redirect(ledger)


def _refused(request: HttpRequest, error: LedgerError) -> None:
    messages.error(request, in_page_language(str(error)))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The published runs the user sees, with how many entries each has."""
    if request.GET.get("run"):
        run = _run(request, request.GET["run"])  # type: ignore[arg-type]
        return redirect("money:ledger", run.pk)
    runs = list(money_runs(request.user).annotate(entries=Count("ledger_entries")))
    return render(request, "rewards/index.html", {"runs": runs})


@login_required
@require_GET
def ledger(request: HttpRequest, run_id: int) -> HttpResponse:
    user = request.user
    run = _run(request, run_id)
    everything = list(visible_entries(user, run))
    units = list({e.unit.code: e.unit.name for e in everything}.items())
    persons = list({e.person.code: e.person.name for e in everything if e.person}.items())
    choose = FilterForm(request.GET or None, units=units, persons=persons)
    params = choose.cleaned_data if choose.is_bound and choose.is_valid() else {}
    entries = list(filtered(visible_entries(user, run), params))
    query = urlencode({k: v for k, v in params.items() if v})
    rows = [
        {
            "entry": e,
            "role": role_label(e.role),
            "may_approve": e.status == EntryStatus.COMPUTED and may_review(user, e.unit),
            "may_pay": e.status == EntryStatus.APPROVED
            and e.amount != 0
            and may_administer(user, e.unit),
            "may_reverse": e.status != EntryStatus.REVERSED
            and e.reverses_id is None
            and may_administer(user, e.unit),
        }
        for e in entries
    ]
    computed = any(e.status == EntryStatus.COMPUTED for e in everything)
    return render(
        request,
        "rewards/ledger.html",
        {
            "run": run,
            "rows": rows,
            "totals": totals(entries),
            "choose": choose,
            "filtered": bool(params and any(params.values())),
            "query": query,
            "may_compute": run.status == RunStatus.PUBLISHED
            and not run.ledger_entries.exists()
            and may_run_assessments(user, run.root),
            "may_approve_run": computed and any(r["may_approve"] for r in rows),
            "today": timezone.localdate(),
            # Only the filters that were valid: a code the user may not see is never echoed.
            "here": reverse("money:ledger", args=[run.pk]) + (f"?{query}" if query else ""),
        },
    )


@require_POST
@login_required
def compute(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    if not may_run_assessments(request.user, run.root):
        raise PermissionDenied
    try:
        outcome = do_compute_money(run, Actor.from_request(request))
    except LedgerError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("已计算 {n} 笔奖惩；冲销被替代结果的记录 {m} 笔").format(
                n=len(outcome.created), m=len(outcome.counter)
            ),
        )
    return redirect("money:ledger", run.pk)


@require_POST
@login_required
def approve_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """Approve every computed entry of the run the user may review."""
    run = _run(request, run_id)
    if not any(may_review(request.user, e.unit) for e in visible_entries(request.user, run)):
        raise PermissionDenied
    approved = do_approve_run(run, Actor.from_request(request))
    messages.success(request, _("已审核 {n} 笔").format(n=len(approved)))
    return _back(request, run.pk)


@require_POST
@login_required
def approve(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    try:
        do_approve(entry, Actor.from_request(request))
    except LedgerError as error:
        _refused(request, error)
    else:
        messages.success(request, _("第 {id} 号记录已审核").format(id=entry.pk))
    return _back(request, entry.run_id)


@require_POST
@login_required
def pay(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    posted = PayForm(request.POST)
    if not posted.is_valid():
        for field, errors in posted.errors.items():
            label = posted.fields[field].label if field in posted.fields else field
            messages.error(request, f"{label}：{'；'.join(errors)}")
        return _back(request, entry.run_id)
    data = posted.cleaned_data
    try:
        done = do_pay(
            entry, data["paid_on"], data["voucher"], Actor.from_request(request),
            amount=data.get("amount"),
        )  # fmt: skip
    except LedgerError as error:
        _refused(request, error)
    else:
        if done.amount < 0:
            text = _("第 {id} 号记录已收缴")
        else:
            text = _("第 {id} 号记录已兑现")
        messages.success(request, text.format(id=done.pk))
    return _back(request, entry.run_id)


@require_POST
@login_required
def reverse_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    posted = ReverseForm(request.POST)
    if not posted.is_valid():
        messages.error(request, _("冲销原因必填 / a reason is required to reverse"))
        return _back(request, entry.run_id)
    try:
        counter = do_reverse(entry, posted.cleaned_data["reason"], Actor.from_request(request))
    except LedgerError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("第 {id} 号记录已冲销，冲销记录为第 {counter} 号").format(
                id=entry.pk, counter=counter.pk
            ),
        )
    return _back(request, entry.run_id)


@login_required
@require_GET
def table_xlsx(request: HttpRequest, run_id: int) -> HttpResponse:
    """The finance table of the entries the user sees (the ledger's filters apply)."""
    run = _run(request, run_id)
    entries = list(filtered(visible_entries(request.user, run), request.GET))
    response = HttpResponse(finance_workbook(run, entries, totals(entries)), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem(run, 'money')}.xlsx"
    )
    return response


@login_required
@require_GET
def vetoes(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(request, run_id)
    return render(
        request,
        "rewards/vetoes.html",
        {"run": run, "rows": veto_consequences(request.user, run)},
    )


@login_required
@require_GET
def vetoes_xlsx(request: HttpRequest, run_id: int) -> FileResponse:
    run = _run(request, run_id)
    return tables.xlsx_response(veto_table(run, veto_consequences(request.user, run)))


@login_required
@require_GET
def vetoes_csv(request: HttpRequest, run_id: int) -> StreamingHttpResponse:
    run = _run(request, run_id)
    return tables.csv_response(veto_table(run, veto_consequences(request.user, run)))
