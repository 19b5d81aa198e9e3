"""Rows of the permission matrix for the roles page and the memberships API (see test_matrix.py).

The page opens to those who administer some unit; its grant and revoke buttons take POST only.
The API lists to everyone signed in the roles they may see, and shows one to whoever sees it."""

from __future__ import annotations

from django.urls import reverse

from kaohe.accounts.models import Membership

from .conftest import World
from .matrix import LOGGED_IN, SEES, SYSTEM, Case, api, page, statuses

ADMINISTRATORS = SYSTEM | {"township_admin", "other_township_admin"}
POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check


def _membership(w: World, role: str) -> int:
    return Membership.objects.get(user=w.users[role]).pk


CASES = [
    # --- pages ---
    Case("accounts:index", lambda w: reverse("accounts:index"), page(ADMINISTRATORS, 403)),
    Case("accounts:grant", lambda w: reverse("accounts:grant"), POST_ONLY_PAGE),
    Case(
        "accounts:revoke",
        lambda w: reverse("accounts:revoke", args=[_membership(w, "reporter_a")]),
        POST_ONLY_PAGE,
    ),
    # --- the API ---
    Case("membership-list", lambda w: reverse("membership-list"), api(LOGGED_IN)),
    Case(
        "membership-detail",
        lambda w: reverse("membership-detail", args=[_membership(w, "reporter_a")]),
        api(SEES["VA01"]),
    ),
    Case(
        "membership-detail",
        lambda w: reverse("membership-detail", args=[_membership(w, "other_township_admin")]),
        api(SEES["VZ01"]),
    ),
]
