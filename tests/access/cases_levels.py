"""Rows of the permission matrix for metadata exchange and pushes upward (see test_matrix.py).

A township's metadata is exported by whoever sees the township (it names its villages and
their officials); the rules alone by anyone holding a role; importing is the system
administrators' (POST only). A push is seen with its township; the world has none, so each row
that needs one makes it (the test's transaction rolls it back).
"""

from __future__ import annotations

from django.urls import reverse

from kaohe.levels.models import PushLog, PushStatus
from kaohe.orgunits.models import OrgUnit

from .matrix import COUNTY_WIDE, LOGGED_IN, SEES, WITH_A_ROLE, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first


def _log(township: str) -> int:
    found = PushLog.objects.filter(township__code=township).first()
    if found is None:
        found = PushLog.objects.create(
            destination="https://county.example/dhis",
            township=OrgUnit.objects.get(code=township),
            status=PushStatus.DONE,
            actor="pytest",
        )
    return found.pk


def _export(name: str, query: str) -> str:
    return f"{reverse(name)}?{query}"


CASES = [
    # --- pages ---
    Case("levels:metadata", lambda w: reverse("levels:metadata"), page(LOGGED_IN)),
    Case(
        "levels:metadata-export",
        lambda w: _export("levels:metadata-export", "township=T01&format=json"),
        page(SEES["T01"]),
    ),
    Case(
        "levels:metadata-export",
        lambda w: _export("levels:metadata-export", "township=T02"),
        page(SEES["VZ01"]),
    ),
    Case(
        "levels:metadata-export",
        lambda w: _export("levels:metadata-export", "township=C01"),
        page(COUNTY_WIDE),
    ),
    Case(
        "levels:metadata-export",
        lambda w: _export("levels:metadata-export", "format=yaml"),
        page(WITH_A_ROLE),
    ),
    Case("levels:metadata-import", lambda w: reverse("levels:metadata-import"), POST_ONLY_PAGE),
    Case("levels:pushes", lambda w: (_log("T01"), reverse("levels:pushes"))[1], page(LOGGED_IN)),
    Case("levels:push", lambda w: reverse("levels:push"), POST_ONLY_PAGE),
    Case(
        "levels:push-detail",
        lambda w: reverse("levels:push-detail", args=[_log("T01")]),
        page(SEES["T01"]),
    ),
    Case(
        "levels:push-detail",
        lambda w: reverse("levels:push-detail", args=[_log("T02")]),
        page(SEES["VZ01"]),
    ),
    # --- the API ---
    Case(
        "metadata-list",
        lambda w: _export("metadata-list", "township=T01"),
        api(SEES["T01"]),
    ),
    Case(
        "metadata-list",
        lambda w: _export("metadata-list", "township=T02"),
        api(SEES["VZ01"]),
    ),
    Case("metadata-list", lambda w: reverse("metadata-list"), api(WITH_A_ROLE)),
    Case("metadata-import", lambda w: reverse("metadata-import"), POST_ONLY_API),
    Case(
        "push-log-list",
        lambda w: (_log("T01"), _log("T02"), reverse("push-log-list"))[2],
        api(LOGGED_IN),
    ),
    Case(
        "push-log-detail",
        lambda w: reverse("push-log-detail", args=[_log("T01")]),
        api(SEES["T01"]),
    ),
    Case(
        "push-log-detail",
        lambda w: reverse("push-log-detail", args=[_log("T02")]),
        api(SEES["VZ01"]),
    ),
]
