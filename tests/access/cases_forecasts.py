"""Rows of the permission matrix for the forecasts page and API (see test_matrix.py).

The page opens for everyone signed in (a user without a township is told so) and shows a
township's forecast to those who may see it; another township's user, or one who sees only a
village, gets 404, like an unknown code. The matrix's county has no women or births by age, so
those who may see 甲乙镇 get its refusal: the page beside the year (200), the API a 400 naming
the field. The assumptions are written with POST (page) or PUT/DELETE (API): asked with GET, the
page's writes answer 405 and the API reads the saved assumptions. tests/forecasts posts the
writes role by role.
"""

from __future__ import annotations

from django.urls import reverse

from .conftest import ROLES
from .matrix import ANON, LOGGED_IN, SEES, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
REFUSED_YEAR_API = {
    role: 400 if role in SEES["T01"] else 403 if role == ANON else 404 for role in ROLES
}

CASES = [
    Case("forecasts:index", lambda w: reverse("forecasts:index"), page(LOGGED_IN)),
    Case(
        "forecasts:index",
        lambda w: reverse("forecasts:index") + "?township=T01&year=2006",
        page(SEES["T01"]),
    ),
    Case(
        "forecasts:index",
        lambda w: reverse("forecasts:index") + "?township=T02",
        page(SEES["VZ01"]),
    ),
    Case(
        "forecasts:assumptions-save",
        lambda w: reverse("forecasts:assumptions-save"),
        POST_ONLY_PAGE,
    ),
    Case(
        "forecasts:assumptions-clear",
        lambda w: reverse("forecasts:assumptions-clear"),
        POST_ONLY_PAGE,
    ),
    Case(
        "forecast-list",
        lambda w: reverse("forecast-list") + "?township=T01&year=2006",
        REFUSED_YEAR_API,
    ),
    Case("forecast-list", lambda w: reverse("forecast-list"), statuses(frozenset(), 400, 403)),
    Case(
        "forecast-assumptions",
        lambda w: reverse("forecast-assumptions") + "?township=T01",
        api(SEES["T01"]),
    ),
]
