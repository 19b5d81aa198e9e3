"""The vocabulary of the permission matrix: role sets, expected statuses, and a row (Case)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .conftest import MARKERS, ROLES, World

ANON = "anonymous"
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {ANON}
WITH_A_ROLE = LOGGED_IN - {"no_role"}
SYSTEM = frozenset({"system_admin", "superuser"})
AUDIT_READERS = SYSTEM | {"auditor"}
COUNTY_WIDE = SYSTEM | {"county_viewer", "auditor"}
# Who sees each village (and its unit, officials, results).
SEES = {
    "VA01": COUNTY_WIDE | {"township_admin", "reviewer", "reporter_a"},
    "VB01": COUNTY_WIDE | {"township_admin", "reviewer", "reporter_b"},
    "VZ01": COUNTY_WIDE | {"other_township_admin"},
    "T01": COUNTY_WIDE | {"township_admin", "reviewer"},
}
# What must never appear in a response to each role: the villages it may not see.
FORBIDDEN = {
    role: [m for village, markers in MARKERS.items() if role not in SEES[village] for m in markers]
    for role in ROLES
}


def statuses(ok: frozenset[str], refused: int, anonymous: int) -> dict[str, int]:
    """200 for ``ok``, ``anonymous`` for the anonymous visitor, ``refused`` for the others."""
    return {role: 200 if role in ok else anonymous if role == ANON else refused for role in ROLES}


def page(ok: frozenset[str], refused: int = 404) -> dict[str, int]:
    return statuses(ok, refused, anonymous=302)  # pages send visitors to the login page


def api(ok: frozenset[str], refused: int = 404) -> dict[str, int]:
    return statuses(ok, refused, anonymous=403)


@dataclass(frozen=True)
class Case:
    name: str  # the URL's name, namespace included
    url: Callable[[World], str]
    expect: dict[str, int]
