"""Pages of the forecasts app: a township's birth forecast (villages, the township's chart, the
early-warning list, the childcare-subsidy budget, service needs, the backtest) and its
assumptions, saved or cleared by the township's administrators.

Thin: what is asked is checked by :mod:`kaohe.forecasts.selectors` and the writes are
:mod:`kaohe.forecasts.services`'; refusals are shown beside their field or as a message in the
page's language. A township the person may not see is 404 (the same answer as an unknown code);
one they see but may not administer is 403 for the writes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kaohe.audit.services import Actor
from kaohe.contracts.selectors import in_page_language
from kaohe.core.access import may_administer
from kaohe.orgunits.models import OrgUnit

from .errors import ForecastError
from .forms import AssumptionsForm, ForecastQueryForm
from .selectors import (
    ForecastChart,
    ForecastReport,
    find_township,
    parse_horizon,
    parse_year,
    township_forecast,
    visible_townships,
)
from .services import FIELDS, do_clear_assumptions, do_save_assumptions


def _township(request: HttpRequest, code: str) -> OrgUnit:
    try:
        return find_township(code, request.user)
    except ForecastError:
        raise Http404 from None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The form, and the chosen township's forecast (the first visible one by default)."""
    townships = visible_townships(request.user)
    params = request.GET.copy()
    if not params.get("township") and townships.exists():
        params["township"] = townships[0].code
    form = ForecastQueryForm(params, townships=townships)
    form.is_valid()
    report: ForecastReport | None = None
    township: OrgUnit | None = None
    if params.get("township"):
        township = _township(request, str(params["township"]))
        try:
            year = parse_year(params.get("year"), township)
            horizon = parse_horizon(params.get("horizon"), 5) if params.get("horizon") else None
            report = township_forecast(township, year, horizon=horizon)
        except ForecastError as error:
            form.file(ForecastError(error.field, in_page_language(str(error))))
    may_set = township is not None and may_administer(request.user, township)
    english = (request.LANGUAGE_CODE or "").startswith("en")
    return render(
        request,
        "forecasts/index.html",
        {
            "form": form,
            "report": report,
            "township": township,
            "forecast_chart": ForecastChart(township, report.base_year, report)
            if report and township
            else None,
            "assumptions_form": AssumptionsForm(row=report.saved if report else None)
            if may_set
            else None,
            "english": english,
            "no_townships": not townships.exists(),
        },
    )


def _back(request: HttpRequest, township: OrgUnit) -> HttpResponse:
    query = {"township": township.code}
    year = request.POST.get("year", "")
    if year.isdigit():
        query["year"] = year
    return redirect(f"{reverse('forecasts:index')}?{urlencode(query)}")


@require_POST
@login_required
def assumptions_save(request: HttpRequest) -> HttpResponse:
    """Save the township's own assumptions (its administrators)."""
    township = _township(request, request.POST.get("township", ""))
    try:
        do_save_assumptions(
            Actor.from_request(request),
            township,
            {name: request.POST.get(name, "") for name in FIELDS},
            request.POST.get("note", ""),
        )
    except ForecastError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        messages.success(request, _("已保存 {township} 的预测假设").format(township=township.name))
    return _back(request, township)


@require_POST
@login_required
def assumptions_clear(request: HttpRequest) -> HttpResponse:
    """Go back to the configuration's defaults (the township's administrators)."""
    township = _township(request, request.POST.get("township", ""))
    try:
        cleared = do_clear_assumptions(Actor.from_request(request), township)
    except ForecastError as error:
        messages.error(request, in_page_language(str(error)))
    else:
        if cleared:
            messages.success(
                request, _("{township} 已改用默认预测假设").format(township=township.name)
            )
    return _back(request, township)
