"""Rows of the permission matrix for the appeal pages and API (see test_matrix.py).

The world has no appeals, so each row that needs one makes it: an appeal of village A's or
丁家村's result in the county-wide run (the test's transaction rolls it back)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from kaohe.appeals.models import Appeal
from kaohe.orgunits.models import OrgUnit

from .conftest import World
from .matrix import LOGGED_IN, SEES, SYSTEM, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first

# Whoever enters some unit's figures may open the filing form; for village A's result, only
# those who enter village A's figures (another unit: 404, as if it did not exist).
FILERS = SYSTEM | {"township_admin", "other_township_admin", "reporter_a", "reporter_b"}
FILERS_OF_A = SYSTEM | {"township_admin", "reporter_a"}
NOT_FILERS = LOGGED_IN - FILERS


def _appeal(w: World, unit: str) -> int:
    appeal, _created = Appeal.objects.get_or_create(
        run=w.run_all,
        unit=OrgUnit.objects.get(code=unit),
        item_code="PLAN",
        defaults={
            "item_name": "人口计划",
            "reasons": "出生人数多计",
            "filed_by_name": "pytest",
            "filed_at": timezone.now(),
        },
    )
    return appeal.pk


def _filing(w: World, unit: str) -> str:
    return f"{reverse('appeals:new')}?{urlencode({'run': w.run_all.pk, 'unit': unit})}"


CASES = [
    # --- pages ---
    Case("appeals:index", lambda w: reverse("appeals:index"), page(LOGGED_IN)),
    Case(
        "appeals:index",
        lambda w: (_appeal(w, "VA01"), _appeal(w, "VZ01"), reverse("appeals:index"))[2],
        page(LOGGED_IN),
    ),
    Case("appeals:new", lambda w: reverse("appeals:new"), page(FILERS, refused=403)),
    Case(
        "appeals:new",
        lambda w: _filing(w, "VA01"),
        {**page(FILERS_OF_A), **{role: 403 for role in NOT_FILERS}},
    ),
    *(
        Case(
            "appeals:detail",
            lambda w, c=code: reverse("appeals:detail", args=[_appeal(w, c)]),
            page(SEES[code]),
        )
        for code in ("VA01", "VZ01")
    ),
    *(
        Case(
            f"appeals:{name}",
            lambda w, n=name: reverse(f"appeals:{n}", args=[_appeal(w, "VA01")]),
            POST_ONLY_PAGE,
        )
        for name in ("accept", "reject")
    ),
    # --- the API ---
    Case("appeal-list", lambda w: reverse("appeal-list"), api(LOGGED_IN)),
    Case(
        "appeal-list",
        lambda w: (_appeal(w, "VZ01"), reverse("appeal-list"))[1],
        api(LOGGED_IN),
    ),
    *(
        Case(
            "appeal-detail",
            lambda w, c=code: reverse("appeal-detail", args=[_appeal(w, c)]),
            api(SEES[code]),
        )
        for code in ("VA01", "VZ01")
    ),
    *(
        Case(
            f"appeal-{name}",
            lambda w, n=name: reverse(f"appeal-{n}", args=[_appeal(w, "VA01")]),
            POST_ONLY_API,
        )
        for name in ("accept", "reject")
    ),
]
