"""Pages. Thin: they read through the access check and render templates."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, RunStatus, UnitResult
from kaohe.assessments.publishing import may_publish, newest_published
from kaohe.assessments.selectors import (
    area_indicators,
    current_published,
    related_runs,
    sees_whole_run,
)
from kaohe.audit.filtersets import AuditFilterForm
from kaohe.audit.models import AuditEntry
from kaohe.core.access import may_read_audit, restrict

AUDIT_PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The latest run of each scheme and year, and beside it the published run when the latest
    is not the one published (one query)."""
    runs = restrict(AssessmentRun.objects.select_related("scheme", "root"), request.user).order_by(
        "scheme__code", "-year", "-created_at", "-id"
    )
    latest: dict[tuple[str, int], AssessmentRun] = {}
    published: dict[tuple[str, int], list[AssessmentRun]] = {}
    for run in runs:
        key = (run.scheme.code, run.year)
        latest.setdefault(key, run)
        if run.status == RunStatus.PUBLISHED and run is not latest[key]:
            published.setdefault(key, []).append(run)
    shown = []
    for key, run in latest.items():
        shown.append(run)
        shown += published.get(key, [])
    return render(request, "web/home.html", {"runs": shown})


def _run_for(request: HttpRequest, run_id: int) -> AssessmentRun:
    run = (
        restrict(AssessmentRun.objects.select_related("scheme", "root"), request.user)
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise Http404
    return run


@login_required
def ranking(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_for(request, run_id)
    # A reporter sees the run, but of its results only their own unit's row.
    results = restrict(run.unit_results.select_related("unit"), request.user).order_by(
        "kind", "rank", "unit__path"
    )
    vetoes = {v.code: v.name for v in run.scheme.vetoes.all()}
    rows = [(r, [vetoes.get(c, c) for c in r.vetoes]) for r in results]
    area = list(area_indicators(run)) if sees_whole_run(request.user, run) else []
    return render(
        request,
        "web/ranking.html",
        {"run": run, "rows": rows, "area": area, **_publication(request, run)},
    )


def _publication(request: HttpRequest, run: AssessmentRun) -> dict[str, Any]:
    """What the result pages say of the run's publication: the published run of its scheme,
    year and scope, the newest run, the runs to compare it with (one query), and whether the
    user may publish it."""
    related = related_runs(run, request.user)
    return {
        "related": related,
        "published": current_published(run, related),
        "newest": related[0] if related and related[0].created_at > run.created_at else None,
        "may_publish": run.status == RunStatus.DRAFT and may_publish(request.user, run),
    }


@login_required
def unit_result(request: HttpRequest, run_id: int, unit_code: str) -> HttpResponse:
    run = _run_for(request, run_id)
    result = (
        restrict(UnitResult.objects.filter(run=run, unit__code=unit_code), request.user)
        .select_related("unit", "contract")
        .first()
    )
    if result is None:
        raise Http404
    vetoes = {v.code: v for v in run.scheme.vetoes.all()}
    items = list(result.items.order_by("part", "sort_order"))
    return render(
        request,
        "web/unit_result.html",
        {
            "run": run,
            "result": result,
            "groups": (
                _item_groups(run.scheme.period_parts, items)
                if run.scheme.period_parts
                else _track_groups(run, result.parts.get("tracks", {}), items)
            ),
            "tracks": _made_rows(run.scheme.tracks or [], result.parts.get("tracks", {})),
            "periods": _made_rows(run.scheme.period_parts or [], result.parts.get("periods", {})),
            "vetoes": [vetoes[c] for c in result.vetoes if c in vetoes],
            # Only a run no longer current says which run is: a draft or published run's
            # page costs no query for it.
            "published": (newest_published(run) if run.status == RunStatus.SUPERSEDED else None),
        },
    )


def _track_groups(run: Any, scores: dict[str, Any], items: list[Any]) -> list[dict[str, Any]]:
    """Item rows grouped by track, each headed with the track's score (one unnamed group when
    the scheme has no tracks)."""
    tracks = run.scheme.tracks or []
    if not tracks:
        return [{"name": "", "name_en": "", "items": items}] if items else []
    track_of = dict(run.scheme.items.values_list("code", "track"))
    by_track: dict[str, list[Any]] = {}
    for item in items:
        by_track.setdefault(track_of.get(item.item_code, ""), []).append(item)
    groups = []
    for track in tracks:
        rows = by_track.pop(track["code"], [])
        if not rows:
            continue
        score = scores.get(track["code"])
        suffix = "" if score is None else f" · {float(score):.2f} / {float(track['total']):g}"
        name = track.get("name", track["code"])
        groups.append(
            {
                "name": name + suffix,
                "name_en": (track.get("name_en", "") or name) + suffix,
                "items": rows,
            }
        )
    groups += [{"name": code, "name_en": code, "items": rows} for code, rows in by_track.items()]
    return groups


def _made_rows(declared: list[dict[str, Any]], scores: dict[str, Any]) -> list[dict[str, Any]]:
    """Tracks or period parts as the scheme declares them, each with its weight as a share of
    all and the unit's score (None when the run did not store one)."""
    if not scores:
        return []
    weights = sum(float(row.get("weight", 0)) for row in declared) or 1.0
    return [
        {
            "code": row["code"],
            "name": row.get("name", row["code"]),
            "name_en": row.get("name_en", "") or row.get("name", row["code"]),
            "share": round(float(row.get("weight", 0)) / weights * 100, 2),
            "score": scores.get(row["code"]),
            "total": row.get("total"),
        }
        for row in declared
    ]


def _item_groups(parts: list[dict[str, Any]], items: list[Any]) -> list[dict[str, Any]]:
    """Item rows grouped by period part in the scheme's order (one unnamed group otherwise)."""
    by_part: dict[str, list[Any]] = {}
    for item in items:
        by_part.setdefault(item.part, []).append(item)
    groups = [
        {
            "name": part.get("name", part["code"]),
            "name_en": part.get("name_en", "") or part.get("name", part["code"]),
            "items": by_part.pop(part["code"]),
        }
        for part in parts
        if part["code"] in by_part
    ]
    # Rows of the whole year, and of a part the scheme no longer names, come first/last as is.
    if "" in by_part:
        groups.insert(0, {"name": "", "name_en": "", "items": by_part.pop("")})
    groups += [{"name": code, "name_en": code, "items": rows} for code, rows in by_part.items()]
    return groups


# --- the audit log -------------------------------------------------------------------------


def _audit_entries(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    if not may_read_audit(request.user):
        raise PermissionDenied
    entries = restrict(AuditEntry.objects.all(), request.user)
    form = AuditFilterForm(request.GET or None, entries=entries)
    return form, form.filter(entries)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form, entries = _audit_entries(request)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(e, _json_text(e.before), _json_text(e.after)) for e in page]
    return render(
        request,
        "web/audit.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
    )


# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """``value`` made safe to open in a spreadsheet: a formula-like cell gets a leading '."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """The CSV text of ``entries``, a line at a time (with a BOM so spreadsheets read UTF-8)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(
        [
            _("时间"),
            _("操作人"),
            _("渠道"),
            _("操作"),
            _("对象类型"),
            _("对象"),
            _("来源地址"),
            _("修改前"),
            _("修改后"),
        ]
    )
    for entry in entries:
        cells = [
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            entry.actor,
            entry.channel,
            entry.action,
            entry.object_type,
            entry.object_key,
            entry.remote_addr,
            _json_text(entry.before),
            _json_text(entry.after),
        ]
        yield writer.writerow([neutralise_cell(c) for c in cells])


@login_required
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, entries = _audit_entries(request)
    response = StreamingHttpResponse(
        audit_csv_lines(entries.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
