"""Scheme pages: the versions, one version in full, its edit form, two versions compared.

Thin: schemes are read through :func:`kaohe.core.access.restrict` (anyone holding a role reads
them); publishing, editing and copying are for :func:`~kaohe.core.access.may_manage_schemes`
and go to the services of :mod:`kaohe.schemes.versions`, whose bilingual refusals are shown as
messages. A version's page also starts an assessment run with it, asking for a reason when the
year lies outside the years the scheme or its indicators are valid for.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.services import Actor
from kaohe.core.access import ADMIN, may_manage_schemes, may_run_assessments, restrict
from kaohe.engine.spec import RuleType
from kaohe.orgunits.models import OrgUnit, UnitKind

from .changes import SchemeVersionError
from .describe import rule_text
from .diffing import diff_schemes, shown_value
from .models import Scheme, SchemeStatus, ScoringItem
from .runs import RunRefused, RunRequest, start_run
from .versions import do_edit_draft, do_new_version, do_publish_scheme, edit_refusal


def visible_schemes(user: Any) -> QuerySet[Scheme]:
    return restrict(Scheme.objects.all(), user).order_by("code", "-version")


def _scheme(request: HttpRequest, scheme_id: int) -> Scheme:
    """The version, if the user may see it; otherwise 404, as for one that does not exist."""
    scheme = visible_schemes(request.user).filter(pk=scheme_id).first()
    if scheme is None:
        raise Http404
    return scheme


def _managed(request: HttpRequest, scheme_id: int) -> Scheme:
    scheme = _scheme(request, scheme_id)
    if not may_manage_schemes(request.user, scheme):
        raise PermissionDenied
    return scheme


def _kinds(scheme: Scheme) -> str:
    labels = dict(UnitKind.choices)
    return "、".join(str(labels.get(kind, kind)) for kind in scheme.unit_kinds)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    schemes = list(visible_schemes(request.user))
    rows = [(scheme, _kinds(scheme)) for scheme in schemes]
    groups = [(code, list(versions)) for code, versions in groupby(rows, lambda r: r[0].code)]
    return render(request, "schemes/index.html", {"groups": groups})


def _item_rows(scheme: Scheme) -> list[tuple[str, str, list[tuple[ScoringItem, str]]]]:
    """The items with their rules in words, grouped by track and section, in scheme order."""
    english = (get_language() or "").startswith("en")
    tracks = {str(t.get("code", "")): t for t in scheme.tracks if isinstance(t, dict)}
    items = scheme.items.order_by("sort_order", "code")
    order = {code: index for index, code in enumerate(tracks)}
    ordered = sorted(items, key=lambda i: order.get(i.track, len(order)))
    groups = []
    for (track, section), members in groupby(ordered, lambda i: (i.track, i.section)):
        described = [(item, rule_text(item)[1 if english else 0]) for item in members]
        name = ""
        if track:
            row = tracks.get(track, {})
            name = str(row.get("name_en" if english else "name") or row.get("name") or track)
        groups.append((name, section, described))
    return groups


def _run_context(request: HttpRequest, scheme: Scheme) -> dict[str, Any]:
    roots = restrict(OrgUnit.objects.all(), request.user, ADMIN).exclude(
        kind__in=[UnitKind.VILLAGE, UnitKind.DIRECT_UNIT, UnitKind.DEPARTMENT]
    )
    return {
        "may_run": may_run_assessments(request.user, None) or roots.exists(),
        "whole_tree": may_run_assessments(request.user, None),
        "roots": roots.order_by("path"),
    }


def _detail_context(request: HttpRequest, scheme: Scheme) -> dict[str, Any]:
    versions = visible_schemes(request.user).filter(code=scheme.code)
    manages = may_manage_schemes(request.user, scheme)
    return {
        "scheme": scheme,
        "kinds": _kinds(scheme),
        "groups": _item_rows(scheme),
        "vetoes": scheme.vetoes.order_by("sort_order", "code"),
        "consequences": [v for v in scheme.vetoes.order_by("sort_order", "code") if v.consequences],
        "grades": scheme.grades.order_by("-min_total"),
        "constants": scheme.constants.order_by("code"),
        "others": [v for v in versions if v.pk != scheme.pk],
        "manages": manages,
        # A draft a run used still has its contract wording to edit; the form says what.
        "editable": manages and scheme.status != SchemeStatus.PUBLISHED,
        "used": AssessmentRun.objects.filter(scheme=scheme).exists(),
        "published": scheme.status == SchemeStatus.PUBLISHED,
        **_run_context(request, scheme),
    }


@login_required
def detail(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = _scheme(request, scheme_id)
    return render(request, "schemes/detail.html", _detail_context(request, scheme))


def _back(scheme: Scheme) -> HttpResponse:
    return redirect(reverse("schemes:detail", args=[scheme.pk]))


@require_POST
@login_required
def publish(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = _managed(request, scheme_id)
    try:
        scheme = do_publish_scheme(
            scheme, Actor.from_request(request), note=request.POST.get("note", "").strip()
        )
    except SchemeVersionError as error:
        for problem in error.problems:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("已发布 {code} v{version} / published").format(
                code=scheme.code, version=scheme.version
            ),
        )
    return _back(scheme)


@require_POST
@login_required
def new_version(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = _managed(request, scheme_id)
    try:
        new = do_new_version(scheme, Actor.from_request(request))
    except SchemeVersionError as error:
        messages.error(request, str(error))
        return _back(scheme)
    messages.success(
        request,
        _("已新建版本 {code} v{version}（草稿）/ new draft version").format(
            code=new.code, version=new.version
        ),
    )
    return _back(new)


# --- the edit form ---------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _form_values(scheme: Scheme, post: Any | None) -> dict[str, Any]:
    """What the form shows: the stored values, or what was just sent back with an error."""

    def value(name: str, stored: str) -> str:
        return str(post.get(name, stored)) if post is not None else stored

    fields = {
        "name": value("name", scheme.name),
        "name_en": value("name_en", scheme.name_en),
        "year_from": value("year_from", _text_of(scheme.year_from)),
        "year_to": value("year_to", _text_of(scheme.year_to)),
        "total": value("total", _text_of(scheme.total)),
        "terms": value("terms", "\n".join(str(t) for t in scheme.terms)),
        "signatory_roles": value(
            "signatory_roles", json.dumps(scheme.signatory_roles, ensure_ascii=False, indent=1)
        ),
        "plan_item": value("plan_item", scheme.plan_item),
        "validity_note": value("validity_note", scheme.validity_note),
        "veto_grade": value("veto_grade", scheme.veto_grade),
    }
    items = []
    for index, item in enumerate(scheme.items.order_by("sort_order", "code")):
        prefix = f"item-{index}-"
        items.append(
            {
                "index": index,
                "item": item,
                "weight": value(prefix + "weight", _text_of(item.weight)),
                "target": value(prefix + "target", _text_of(item.target)),
                "rule_type": value(prefix + "rule_type", item.rule_type),
                "params": value(
                    prefix + "params", json.dumps(item.params, ensure_ascii=False, sort_keys=True)
                ),
                "track": value(prefix + "track", item.track),
                "description": value(prefix + "description", item.description),
            }
        )
    return {"fields": fields, "items": items}


def _number(field: str, text: str, *, blank: bool = False) -> float | None:
    text = text.strip()
    if not text and blank:
        return None
    try:
        return float(text)
    except ValueError:
        raise SchemeVersionError(
            field, _("{field}：应为数字 / {field}: expected a number").format(field=field)
        ) from None


def _year(field: str, text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise SchemeVersionError(
            field, _("{field}：应为年份 / {field}: expected a year").format(field=field)
        )
    return int(text)


def _json(field: str, text: str) -> Any:
    try:
        return json.loads(text or "null")
    except ValueError as error:
        raise SchemeVersionError(
            field,
            _("{field}：不是有效的 JSON（{error}）/ {field}: not valid JSON ({error})").format(
                field=field, error=error
            ),
        ) from None


def changes_from_form(scheme: Scheme, post: Any) -> dict[str, Any]:
    """The edit form's fields as the changes :func:`do_edit_draft` takes (text parsed)."""
    changes: dict[str, Any] = {}
    for name in ("name", "name_en", "plan_item", "validity_note", "veto_grade"):
        if name in post:
            changes[name] = post[name]
    for name in ("year_from", "year_to"):
        if name in post:
            changes[name] = _year(name, post[name])
    if "total" in post:
        changes["total"] = _number("total", post["total"])
    if "terms" in post:
        changes["terms"] = [line.strip() for line in post["terms"].splitlines() if line.strip()]
    if "signatory_roles" in post:
        roles = _json("signatory_roles", post["signatory_roles"])
        changes["signatory_roles"] = [] if roles is None else roles
    items: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(scheme.items.order_by("sort_order", "code")):
        prefix = f"item-{index}-"
        if post.get(prefix + "code") != item.code:
            continue  # the form was drawn for other items: leave this one alone
        at = f"items.{item.code}."
        row: dict[str, Any] = {}
        if prefix + "weight" in post:
            row["weight"] = _number(at + "weight", post[prefix + "weight"])
        if prefix + "target" in post:
            row["target"] = _number(at + "target", post[prefix + "target"], blank=True)
        if prefix + "params" in post:
            params = _json(at + "params", post[prefix + "params"])
            row["params"] = {} if params is None else params
        for name in ("rule_type", "track", "description"):
            if prefix + name in post:
                row[name] = post[prefix + name]
        items[item.code] = row
    if items:
        changes["items"] = items
    return changes


@login_required
def edit(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = _managed(request, scheme_id)
    if (refusal := edit_refusal(scheme)) is not None and scheme.status == SchemeStatus.PUBLISHED:
        messages.error(request, str(refusal))
        return _back(scheme)
    error: SchemeVersionError | None = None
    if request.method == "POST":
        try:
            changes = changes_from_form(scheme, request.POST)
            do_edit_draft(scheme, changes, Actor.from_request(request))
        except SchemeVersionError as refused:
            error = refused
        else:
            messages.success(
                request,
                _("已保存 {code} v{version} / saved").format(
                    code=scheme.code, version=scheme.version
                ),
            )
            return _back(scheme)
    context = {
        "scheme": scheme,
        "error": error,
        "used": refusal is not None,
        "rule_types": [r.value for r in RuleType],
        "track_codes": [str(t.get("code", "")) for t in scheme.tracks if isinstance(t, dict)],
        "grade_codes": list(scheme.grades.values_list("code", flat=True)),
        **_form_values(scheme, request.POST if error is not None else None),
    }
    return render(request, "schemes/edit.html", context, status=400 if error else 200)


# --- comparing two versions ------------------------------------------------------------------


@login_required
def diff(request: HttpRequest, scheme_id: int, other_id: int) -> HttpResponse:
    scheme, other = _scheme(request, scheme_id), _scheme(request, other_id)
    rows = [
        (row, shown_value(row.a), shown_value(row.b))
        for row in diff_schemes(scheme, other, request.user)
    ]
    return render(request, "schemes/diff.html", {"a": scheme, "b": other, "rows": rows})


# --- starting a run --------------------------------------------------------------------------


@require_POST
@login_required
def run(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = _scheme(request, scheme_id)
    wanted = RunRequest.from_form(request.POST)
    try:
        started = start_run(request, scheme, wanted)
    except RunRefused as refused:
        context = _detail_context(request, scheme)
        context["run_form"] = {"values": wanted, "problems": refused.problems}
        context["ask_reason"] = refused.validity
        return render(request, "schemes/detail.html", context, status=400)
    messages.success(
        request,
        _("已计算 {code} v{version} {year} 年 / assessed").format(
            code=scheme.code, version=scheme.version, year=started.year
        ),
    )
    for warning in started.warnings:
        messages.warning(request, warning)
    return redirect(reverse("web:ranking", args=[started.pk]))
