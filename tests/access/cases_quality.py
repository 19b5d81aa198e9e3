"""Rows of the permission matrix for the data-quality pages and API (see test_matrix.py).

The outlier list is open to everyone signed in and reads only what each person may see: asked
about 甲乙镇 (T01) or the whole county (C01), those who cannot see it get their own form back
with the refusal (the page: 200) or a 400 naming the field (the API), never its villages. The
export of a refused request goes back to the page (302). Each village gets a min–max range in
the rows that need one (rolled back with the test); a range is seen with its village. The
writes are POST, so the matrix, which asks with GET, gets 405; tests/quality posts them role by
role.
"""

from __future__ import annotations

from django.urls import reverse

from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit
from kaohe.quality.models import MinMaxRange

from .conftest import World
from .matrix import COUNTY_WIDE, LOGGED_IN, SEES, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
VILLAGES = ("VA01", "VB01", "VZ01")
TOWNSHIP_YEAR = "township=T01&element=BIRTHS&from=200601&to=200612&min_values=3"
COUNTY_YEAR = "township=C01&from=200601&to=200612"


def _range(unit: str) -> int:
    row, _created = MinMaxRange.objects.get_or_create(
        unit=OrgUnit.objects.get(code=unit),
        element=DataElement.objects.get(code="BIRTHS"),
        defaults={"min_value": 0, "max_value": 5},
    )
    return row.pk


def _everything(w: World, url: str) -> str:
    """``url``, after every village has its range."""
    for unit in VILLAGES:
        _range(unit)
    return url


CASES = [
    # --- pages ---
    Case("quality:outliers", lambda w: reverse("quality:outliers"), page(LOGGED_IN)),
    Case(
        "quality:outliers",
        lambda w: _everything(w, f"{reverse('quality:outliers')}?{TOWNSHIP_YEAR}&method=min_max"),
        page(LOGGED_IN),
    ),
    Case(
        "quality:outliers",
        lambda w: f"{reverse('quality:outliers')}?{COUNTY_YEAR}&min_values=3",
        page(LOGGED_IN),
    ),
    Case(
        "quality:outliers-export",
        lambda w: f"{reverse('quality:outliers-export')}?{TOWNSHIP_YEAR}&method=z",
        page(SEES["T01"], refused=302),
    ),
    Case("quality:follow-up", lambda w: reverse("quality:follow-up"), POST_ONLY_PAGE),
    Case("quality:ranges", lambda w: _everything(w, reverse("quality:ranges")), page(LOGGED_IN)),
    Case(
        "quality:ranges",
        lambda w: _everything(w, reverse("quality:ranges") + "?township=C01"),
        page(LOGGED_IN),
    ),
    Case("quality:ranges-generate", lambda w: reverse("quality:ranges-generate"), POST_ONLY_PAGE),
    Case("quality:range-save", lambda w: reverse("quality:range-save"), POST_ONLY_PAGE),
    Case(
        "quality:range-delete",
        lambda w: reverse("quality:range-delete", args=[_range("VA01")]),
        POST_ONLY_PAGE,
    ),
    # --- the API ---
    Case(
        "outlier-list",
        lambda w: f"{reverse('outlier-list')}?{TOWNSHIP_YEAR}",
        api(SEES["T01"], refused=400),
    ),
    Case(
        "outlier-list",
        lambda w: f"{reverse('outlier-list')}?{COUNTY_YEAR}&min_values=3&method=z",
        api(COUNTY_WIDE, refused=400),
    ),
    Case("outlier-list", lambda w: reverse("outlier-list"), statuses(frozenset(), 400, 403)),
    Case("outlier-follow-up", lambda w: reverse("outlier-follow-up"), POST_ONLY_API),
    Case(
        "minmax-range-list",
        lambda w: _everything(w, reverse("minmax-range-list")),
        api(LOGGED_IN),
    ),
    *(
        Case(
            "minmax-range-detail",
            lambda w, c=code: reverse("minmax-range-detail", args=[_range(c)]),
            api(SEES[code]),
        )
        for code in VILLAGES
    ),
    Case("minmax-range-generate", lambda w: reverse("minmax-range-generate"), POST_ONLY_API),
]
