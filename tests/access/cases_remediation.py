"""Rows of the permission matrix for the remediation pages and API (see test_matrix.py).

The world has no designations, so the rows that need them add them (the test's transaction
rolls them back): each village is designated weak for 2006 from the county-wide run, with a
plan led by its own secretary and already past its deadline (so the overdue list, which would
name another village's secretary, is searched too), and designated for 2005 without a plan
(the form that makes one). Who may see a designation or plan is who sees its village; making a
plan needs the village's township administration (403 for those who only see it). The writes
are POST, so the matrix, which asks with GET, gets 405; tests/remediation posts them role by
role.
"""

from __future__ import annotations

import datetime

from django.urls import reverse

from kaohe.orgunits.models import Official, OrgUnit
from kaohe.remediation.models import Designation, RemediationPlan

from .conftest import ROLES, World
from .matrix import ANON, LOGGED_IN, SEES, SYSTEM, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
VILLAGES = ("VA01", "VB01", "VZ01")
# Who manages each village's remediation: its township's administrators.
MANAGES = {
    "VA01": SYSTEM | {"township_admin"},
    "VB01": SYSTEM | {"township_admin"},
    "VZ01": SYSTEM | {"other_township_admin"},
}


def _designation(w: World, unit: str, year: int = 2006) -> Designation:
    designation, _created = Designation.objects.get_or_create(
        scheme_code="ACCESS",
        unit=OrgUnit.objects.get(code=unit),
        year=year,
        defaults={
            "run": w.run_all,
            "status": "weak",
            "rule": "WEAK",
            "rules": ["WEAK"],
            "reason_zh": f"{year}年度总分 50.00，等次 不合格，列为薄弱村",
            "reason_en": f"{year} total 50.00, grade Fail: designated weak village",
        },
    )
    return designation


def _plan(w: World, unit: str) -> int:
    secretary = Official.objects.get(code=f"{unit}_SEC")
    plan, created = RemediationPlan.objects.get_or_create(
        designation=_designation(w, unit),
        defaults={
            "leader": secretary,
            "responsibilities": "整改",
            "deadline": datetime.date(2007, 6, 30),
            "rewards_penalties": "奖惩",
        },
    )
    if created:
        plan.staff.set([secretary])
    return plan.pk


def _everything(w: World, url: str) -> str:
    """``url``, after every village has its designations and plan."""
    for unit in VILLAGES:
        _plan(w, unit)
        _designation(w, unit, 2005)
    return url


def manage_page(unit: str) -> dict[str, int]:
    """200 for the village's managers, 403 for others who see it, 404 for the rest."""
    return {
        role: 200
        if role in MANAGES[unit]
        else 302
        if role == ANON
        else 403
        if role in SEES[unit]
        else 404
        for role in ROLES
    }


CASES = [
    # --- pages ---
    Case("remediation:index", lambda w: reverse("remediation:index"), page(LOGGED_IN)),
    Case(
        "remediation:index",
        lambda w: _everything(w, reverse("remediation:index")),
        page(LOGGED_IN),
    ),
    Case("remediation:designate", lambda w: reverse("remediation:designate"), POST_ONLY_PAGE),
    *(
        Case(
            "remediation:create-plan",
            lambda w, c=code: reverse(
                "remediation:create-plan", args=[_designation(w, c, 2005).pk]
            ),
            manage_page(code),
        )
        for code in VILLAGES
    ),
    *(
        Case(
            "remediation:plan",
            lambda w, c=code: reverse("remediation:plan", args=[_plan(w, c)]),
            page(SEES[code]),
        )
        for code in VILLAGES
    ),
    *(
        Case(
            f"remediation:{name}",
            lambda w, n=name: reverse(f"remediation:{n}", args=[_plan(w, "VA01")]),
            POST_ONLY_PAGE,
        )
        for name in ("progress", "accept")
    ),
    # --- the API ---
    Case("designation-list", lambda w: _everything(w, reverse("designation-list")), api(LOGGED_IN)),
    *(
        Case(
            "designation-detail",
            lambda w, c=code: reverse("designation-detail", args=[_designation(w, c).pk]),
            api(SEES[code]),
        )
        for code in VILLAGES
    ),
    Case("designation-designate", lambda w: reverse("designation-designate"), POST_ONLY_API),
    Case(
        "designation-plan",
        lambda w: reverse("designation-plan", args=[_designation(w, "VA01", 2005).pk]),
        POST_ONLY_API,
    ),
    Case(
        "remediation-plan-list",
        lambda w: _everything(w, reverse("remediation-plan-list")),
        api(LOGGED_IN),
    ),
    Case(
        "remediation-plan-overdue",
        lambda w: _everything(w, reverse("remediation-plan-overdue") + "?today=2008-01-01"),
        api(LOGGED_IN),
    ),
    *(
        Case(
            "remediation-plan-detail",
            lambda w, c=code: reverse("remediation-plan-detail", args=[_plan(w, c)]),
            api(SEES[code]),
        )
        for code in VILLAGES
    ),
    *(
        Case(
            f"remediation-plan-{name}",
            lambda w, n=name: reverse(f"remediation-plan-{n}", args=[_plan(w, "VA01")]),
            POST_ONLY_API,
        )
        for name in ("progress", "accept")
    ),
]
