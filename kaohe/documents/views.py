"""Pages: the documents of a township's year (the front door), their downloads, the township
overview dashboard and a unit's dashboard.

Thin: what a person asks is checked by :mod:`kaohe.documents.registry` (bilingual refusals
naming the field), what they may see by :mod:`kaohe.core.access` (a township or unit they may
not see is answered 404, as if it did not exist), and the figures are read by
:mod:`kaohe.documents.dashboards`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from kaohe.core.access import VIEW, may
from kaohe.orgunits.models import OrgUnit

from . import registry
from .base import DocumentError
from .dashboards import township_dashboard, unit_dashboard


def _page_language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def _year_or_none(text: str | None) -> int | None:
    """A year from the address, or None when none was given (a bad one: 404, like a page
    that does not exist)."""
    if not text:
        return None
    try:
        return registry.parse_year(text)
    except DocumentError:
        raise Http404 from None


def _township(request: HttpRequest) -> tuple[OrgUnit | None, list[OrgUnit]]:
    """The township asked for (404 when the user may not see all of it) or the first they
    may see, and all they may see."""
    townships = registry.visible_townships(request.user)
    code = request.GET.get("township", "").strip()
    if code:
        chosen = registry.township_for(request.user, code)
        if chosen is None:
            raise Http404
        return chosen, townships
    return (townships[0] if townships else None), townships


# --- the documents ---------------------------------------------------------------------------


def _documents_page(
    request: HttpRequest,
    *,
    error: DocumentError | None = None,
    status: int = 200,
    kind: str = "",
) -> HttpResponse:
    township, townships = _township(request)
    runs = registry.published_runs(request.user, township) if township is not None else []
    kinds = [
        {"name": name, "kind": kind, "available": registry.available(name)}
        for name, kind in registry.KINDS.items()
    ]
    schemes = sorted({(r.scheme.code, r.scheme.name) for r in runs})
    language = request.GET.get("lang") or _page_language()
    context: dict[str, Any] = {
        "township": township,
        "townships": townships,
        "runs": runs,
        "kinds": kinds,
        "schemes": schemes,
        "lang": language if language in registry.LANGUAGES else "zh-hans",
        "asked": {
            "kind": kind or request.GET.get("kind", ""),
            "scheme": request.GET.get("scheme", ""),
            "year": request.GET.get("year", ""),
        },
        "error": error,
    }
    return render(request, "documents/index.html", context, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every kind of document for each published year of a township, with download links;
    the form below them (``?kind=``) goes on to that kind's download."""
    kind = request.GET.get("kind", "")
    if kind in registry.KINDS:
        query = request.GET.copy()
        del query["kind"]
        return redirect(f"{reverse('documents:download', args=[kind])}?{query.urlencode()}")
    return _documents_page(request)


@login_required
@require_GET
def download(request: HttpRequest, kind: str) -> HttpResponse:
    """One document (``?scheme=&year=&township=&lang=``) as a file; a refusal shows the
    documents page with the reason (400)."""
    if kind not in registry.KINDS:
        raise Http404
    township, _townships = _township(request)
    if township is None:
        raise Http404
    try:
        document_request = registry.make_request(
            request.user,
            scheme=request.GET.get("scheme", ""),
            year=request.GET.get("year", ""),
            township=township.code,
            language=request.GET.get("lang") or _page_language(),
        )
        document = registry.build(kind, document_request)
    except DocumentError as error:
        return _documents_page(request, error=error, status=400, kind=kind)
    response = HttpResponse(document.content, content_type=document.content_type)
    filename = document.filename or registry.filename_for(kind, document_request)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


# --- the dashboards --------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The township overview (``?township=&year=&scheme=``)."""
    township, townships = _township(request)
    year = _year_or_none(request.GET.get("year"))
    scheme = request.GET.get("scheme", "").strip()
    board = (
        township_dashboard(request.user, township, year, scheme) if township is not None else None
    )
    return render(
        request,
        "documents/dashboard.html",
        {"board": board, "townships": townships, "township": township, "scheme": scheme},
    )


@login_required
@require_GET
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's own dashboard (``?year=&scheme=``)."""
    found = OrgUnit.objects.filter(code=code).select_related("parent").first()
    if found is None or not may(request.user, VIEW, found):
        raise Http404
    year = _year_or_none(request.GET.get("year"))
    scheme = request.GET.get("scheme", "").strip()
    board = unit_dashboard(request.user, found, year, scheme)
    township = board.township
    # The way back to the overview, for those who may open it (a reporter may not).
    overview = township if township is not None and may(request.user, VIEW, township) else None
    return render(
        request, "documents/unit.html", {"board": board, "scheme": scheme, "overview": overview}
    )
