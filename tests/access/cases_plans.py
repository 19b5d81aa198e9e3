"""Rows of the permission matrix for the birth-plan page and API (see test_matrix.py).

The world has no population figures and no plans, so the rows that need them add them: the
ACCESS scheme names PLAN as its birth-plan item, each village gets its year-end population and
married women for 2005 and 2006 (the plan for 2007 reads them), and each township a stored plan
naming its villages (the test's transaction rolls it all back). Who may open a township's plan is
who may see the township; the writes (POST) are asked role by role in tests/schemes.
"""

from __future__ import annotations

from django.urls import reverse

from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import BirthPlan, Scheme

from .conftest import World
from .matrix import LOGGED_IN, SEES, Case, api, page, statuses

POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
VILLAGES = {"T01": ("VA01", "VB01"), "T02": ("VZ01",)}


def _scheme() -> Scheme:
    Scheme.objects.filter(code="ACCESS").update(plan_item="PLAN")
    return Scheme.objects.get(code="ACCESS")


def _figures() -> None:
    for code, name in (("POPULATION", "期末总人口"), ("MWRA", "已婚育龄妇女数")):
        DataElement.objects.get_or_create(
            code=code, defaults={"name": name, "value_type": "integer", "aggregation": "last"}
        )
    actor = Actor.cli("pytest")
    for unit in ("VA01", "VB01", "VZ01"):
        for period, population, women in (("200512", 1000, 150), ("200612", 1100, 160)):
            for element, value in (("POPULATION", population), ("MWRA", women)):
                do_set_value(
                    actor=actor,
                    element_code=element,
                    period_code=period,
                    unit_code=unit,
                    value=value,
                )


def _page(w: World, township: str) -> str:
    scheme = _scheme()
    _figures()
    query = f"scheme={scheme.pk}&year=2007&township={township}&method=population&cap_births=20"
    return f"{reverse('plans:index')}?{query}"


def _plan(w: World, township: str) -> int:
    plan, _created = BirthPlan.objects.get_or_create(
        scheme=_scheme(),
        township=OrgUnit.objects.get(code=township),
        year=2007,
        defaults={
            "method": "population",
            "cap_births": 20,
            "quotas": {code: 10 for code in VILLAGES[township]},
            "actor": "pytest",
        },
    )
    return plan.pk


CASES = [
    # --- the page ---
    Case("plans:index", lambda w: reverse("plans:index"), page(LOGGED_IN)),
    Case(
        "plans:index",
        lambda w: (_plan(w, "T01"), _plan(w, "T02"), reverse("plans:index"))[2],
        page(LOGGED_IN),
    ),
    Case("plans:index", lambda w: _page(w, "T01"), page(SEES["T01"])),
    Case("plans:index", lambda w: _page(w, "T02"), page(SEES["VZ01"])),
    Case(
        "plans:index",
        lambda w: (_plan(w, "T01"), _page(w, "T01"))[1],
        page(SEES["T01"]),
    ),
    # --- the API ---
    Case("birth-plan-list", lambda w: reverse("birth-plan-list"), api(LOGGED_IN)),
    Case(
        "birth-plan-list",
        lambda w: (_plan(w, "T01"), _plan(w, "T02"), reverse("birth-plan-list"))[2],
        api(LOGGED_IN),
    ),
    Case(
        "birth-plan-detail",
        lambda w: reverse("birth-plan-detail", args=[_plan(w, "T01")]),
        api(SEES["T01"]),
    ),
    Case(
        "birth-plan-detail",
        lambda w: reverse("birth-plan-detail", args=[_plan(w, "T02")]),
        api(SEES["VZ01"]),
    ),
    Case("birth-plan-preview", lambda w: reverse("birth-plan-preview"), POST_ONLY_API),
    Case("birth-plan-apply", lambda w: reverse("birth-plan-apply"), POST_ONLY_API),
]
