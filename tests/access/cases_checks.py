"""Rows of the permission matrix for the cross-check pages and API (see test_matrix.py).

A township spot check (SPOT, yearly, about villages) has a 2006 figure for each village, made in
the rows that need one (rolled back with the test); a figure is seen with its village. The
pages that take a unit answer everyone signed in with their own form, the refusal beside the
field (200), never another township's villages; the entry grid of 甲乙镇 is shown to those who
see it. The import page is for those who may enter figures (township and system
administrators). The reconciliation download of a refused request goes back to the page (302);
the reconciliation API answers 404 for a unit the person cannot see. The writes are POST, so
the matrix, which asks with GET, gets 405; tests/checks posts them role by role.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from kaohe.checks.models import Source, SourceKind, SourceValue
from kaohe.datavalues.models import Period
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit

from .conftest import World
from .matrix import LOGGED_IN, SEES, SYSTEM, WITH_A_ROLE, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
VILLAGES = ("VA01", "VB01", "VZ01")
ENTERS = SYSTEM | {"township_admin", "other_township_admin"}
GRID = "source=SPOT&element=BIRTHS&period=2006&township=T01"
RECONCILE = "element=BIRTHS&year=2006&township=T01"


def _source() -> Source:
    source, created = Source.objects.get_or_create(
        code="SPOT",
        defaults={
            "name": "乡镇抽查",
            "kind": SourceKind.CHECK,
            "unit_kinds": ["village"],
            "period_type": "Yearly",
        },
    )
    if created:
        source.elements.set([DataElement.objects.get(code="BIRTHS")])
    return source


def _value(unit: str) -> int:
    row, _created = SourceValue.objects.get_or_create(
        source=_source(),
        element=DataElement.objects.get(code="BIRTHS"),
        period=Period.objects.get_or_create_code("2006"),
        unit=OrgUnit.objects.get(code=unit),
        defaults={"value": Decimal(5), "last_updated": timezone.now()},
    )
    return row.pk


def _everything(w: World, url: str) -> str:
    """``url``, after every village has its spot-check figure."""
    for unit in VILLAGES:
        _value(unit)
    return url


CASES = [
    # --- pages ---
    Case("checks:index", lambda w: _everything(w, reverse("checks:index")), page(LOGGED_IN)),
    Case("checks:enter", lambda w: _everything(w, reverse("checks:enter")), page(LOGGED_IN)),
    Case(
        "checks:enter",
        lambda w: _everything(w, f"{reverse('checks:enter')}?{GRID}"),
        page(LOGGED_IN),
    ),
    Case("checks:enter-cell", lambda w: reverse("checks:enter-cell"), POST_ONLY_PAGE),
    Case("checks:import", lambda w: reverse("checks:import"), page(ENTERS, refused=403)),
    Case(
        "checks:reconcile",
        lambda w: _everything(w, f"{reverse('checks:reconcile')}?{RECONCILE}"),
        page(LOGGED_IN),
    ),
    Case(
        "checks:reconcile",
        lambda w: _everything(w, f"{reverse('checks:reconcile')}?element=BIRTHS&year=2006"),
        page(LOGGED_IN),
    ),
    Case(
        "checks:reconcile-export",
        lambda w: _everything(w, f"{reverse('checks:reconcile-export')}?{RECONCILE}&format=csv"),
        page(SEES["T01"], refused=302),
    ),
    # --- the API ---
    Case("source-list", lambda w: _everything(w, reverse("source-list")), api(LOGGED_IN)),
    Case(
        "source-detail",
        lambda w: reverse("source-detail", args=[_source().code]),
        api(WITH_A_ROLE),
    ),
    Case(
        "source-value-list",
        lambda w: _everything(w, reverse("source-value-list")),
        api(LOGGED_IN),
    ),
    *(
        Case(
            "source-value-detail",
            lambda w, c=code: reverse("source-value-detail", args=[_value(c)]),
            api(SEES[code]),
        )
        for code in VILLAGES
    ),
    Case("source-value-import", lambda w: reverse("source-value-import"), POST_ONLY_API),
    Case(
        "reconciliation-list",
        lambda w: _everything(w, f"{reverse('reconciliation-list')}?{RECONCILE}"),
        api(SEES["T01"]),
    ),
    Case(
        "reconciliation-list",
        lambda w: _everything(w, f"{reverse('reconciliation-list')}?element=BIRTHS&year=2006"),
        api(WITH_A_ROLE),
    ),
]
