"""Rows of the permission matrix for the completeness grid: its page, downloads and API.

Without a ``township`` the grid opens on the user's first township (a reporter: their own
village; a user without a role: nothing, and the API answers 404). A named unit outside the
user's reach is 404. The workbook (.xlsx) is a zip file the matrix cannot search, so here it is
asked for a unit that does not exist; tests/submissions/test_completeness_pages.py reads inside
it for each role.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

from .conftest import World
from .matrix import COUNTY_WIDE, LOGGED_IN, SEES, WITH_A_ROLE, Case, api, page


def _url(name: str, query: str = "") -> Callable[[World], str]:
    return lambda w: reverse(name) + (f"?{query}" if query else "")


def _for(code: str) -> str:
    return f"township={code}&year=2006"


def _ok(code: str) -> frozenset[str]:
    return COUNTY_WIDE if code == "C01" else SEES[code]


CASES = [
    # --- the page ---
    Case("submissions:completeness", _url("submissions:completeness"), page(LOGGED_IN)),
    *(
        Case(
            "submissions:completeness",
            _url("submissions:completeness", _for(code) + "&dataset=MONTHLY"),
            page(_ok(code)),
        )
        for code in ("C01", "T01", "VA01", "VB01", "VZ01")
    ),
    # --- downloads ---
    Case("submissions:completeness-csv", _url("submissions:completeness-csv"), page(WITH_A_ROLE)),
    *(
        Case(
            "submissions:completeness-csv",
            _url("submissions:completeness-csv", _for(code) + "&what=cells"),
            page(_ok(code)),
        )
        for code in ("T01", "VA01", "VZ01")
    ),
    Case(
        "submissions:completeness-xlsx",
        _url("submissions:completeness-xlsx", _for("NO_SUCH_UNIT")),
        page(frozenset()),
    ),
    # --- the API ---
    Case("completeness-list", _url("completeness-list"), api(WITH_A_ROLE)),
    *(
        Case("completeness-list", _url("completeness-list", _for(code)), api(_ok(code)))
        for code in ("C01", "T01", "VB01", "VZ01")
    ),
]
