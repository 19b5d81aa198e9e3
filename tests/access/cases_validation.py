"""Rows of the permission matrix for the validation pages and API (see test_matrix.py).

The world has no validation rules or runs, so each row that needs one makes it: a rule over the
world's monthly figures and a run for 甲乙镇 (T01) or 丙镇 (T02) (the test's transaction rolls
them back). A run is seen with its township, and by whoever sees one of its results.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit
from kaohe.validation.models import ValidationResult, ValidationRule, ValidationRun
from kaohe.validation.services import do_run_validation

from .conftest import World
from .matrix import LOGGED_IN, SEES, WITH_A_ROLE, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first

# A township's run: seen with the township, and by the reporters whose units it checked.
SEES_T01_RUN = SEES["T01"] | {"reporter_a", "reporter_b"}


def _rule() -> ValidationRule:
    rule, _created = ValidationRule.objects.get_or_create(
        code="ACCESS_POLICY_LE_BIRTHS",
        defaults={
            "name": "符合政策生育数不大于出生人数",
            "left": "#{BIRTHS_POLICY}",
            "operator": "less_than_or_equal_to",
            "right": "#{BIRTHS}",
            "period_type": "Monthly",
            "unit_kinds": ["village"],
            "message_zh": "符合政策生育数不能大于出生人数",
        },
    )
    return rule


def _run(w: World, township: str) -> int:
    _rule()
    found = ValidationRun.objects.filter(township__code=township).first()
    if found is None:
        found = do_run_validation(Actor.cli("pytest"), OrgUnit.objects.get(code=township), 2006)
    return found.pk


def _result(w: World, unit: str) -> int:
    township = "T02" if unit == "VZ01" else "T01"
    run = _run(w, township)
    return ValidationResult.objects.filter(run_id=run, unit__code=unit).values_list(
        "pk", flat=True
    )[0]


def _with_run(name: str, w: World, township: str) -> str:
    return f"{reverse(name)}?{urlencode({'run': _run(w, township), 'status': ''})}"


CASES = [
    # --- pages ---
    Case("validation:index", lambda w: reverse("validation:index"), page(LOGGED_IN)),
    Case(
        "validation:index",
        lambda w: (_run(w, "T01"), _run(w, "T02"), reverse("validation:index"))[2],
        page(LOGGED_IN),
    ),
    Case(
        "validation:index",
        lambda w: _with_run("validation:index", w, "T01"),
        page(SEES_T01_RUN),
    ),
    Case(
        "validation:index",
        lambda w: _with_run("validation:index", w, "T02"),
        page(SEES["VZ01"]),
    ),
    Case("validation:rules", lambda w: (_rule(), reverse("validation:rules"))[1], page(LOGGED_IN)),
    Case("validation:run", lambda w: reverse("validation:run"), POST_ONLY_PAGE),
    Case(
        "validation:follow-up",
        lambda w: reverse("validation:follow-up", args=[_result(w, "VA01")]),
        POST_ONLY_PAGE,
    ),
    Case(
        "validation:export-csv",
        lambda w: _with_run("validation:export-csv", w, "T01"),
        page(SEES_T01_RUN),
    ),
    # The workbook is a zip file the matrix cannot search for another village's name: asked
    # for a run that does not exist here (404 for everybody); tests/validation reads inside it.
    Case(
        "validation:export-xlsx",
        lambda w: f"{reverse('validation:export-xlsx')}?run=999999",
        page(frozenset()),
    ),
    Case(
        "validation:export-csv",
        lambda w: _with_run("validation:export-csv", w, "T02"),
        page(SEES["VZ01"]),
    ),
    # --- the API ---
    Case(
        "validation-rule-list",
        lambda w: (_rule(), reverse("validation-rule-list"))[1],
        api(LOGGED_IN),
    ),
    Case(
        "validation-rule-detail",
        lambda w: reverse("validation-rule-detail", args=[_rule().code]),
        api(WITH_A_ROLE),
    ),
    Case(
        "validation-run-list",
        lambda w: (_run(w, "T01"), _run(w, "T02"), reverse("validation-run-list"))[2],
        api(LOGGED_IN),
    ),
    *(
        Case(
            "validation-run-detail",
            lambda w, t=township: reverse("validation-run-detail", args=[_run(w, t)]),
            api(SEES[unit]),
        )
        for township, unit in (("T01", "T01"), ("T02", "VZ01"))
    ),
    Case(
        "validation-result-list",
        lambda w: (_run(w, "T01"), _run(w, "T02"), reverse("validation-result-list"))[2],
        api(LOGGED_IN),
    ),
    *(
        Case(
            "validation-result-detail",
            lambda w, c=code: reverse("validation-result-detail", args=[_result(w, c)]),
            api(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case(
        "validation-result-follow-up",
        lambda w: reverse("validation-result-follow-up", args=[_result(w, "VA01")]),
        POST_ONLY_API,
    ),
]
