"""Matrix rows for data entry (kaohe/entry/urls.py).

Who may open a unit's form is who may see the unit (read-only unless they may enter its
figures); the per-cell endpoint, notes and the Excel template need the right to enter figures
(403 for those who only see the unit, 404 for everybody else); a reporter who edits the URL to
another village gets 404 and nothing of it. The matrix asks with GET; the writes (POST) are
asked role by role in tests/entry/test_access.py. A template download is a zip file the matrix
cannot search, so here it is asked for a unit that reports no data set (404 for everybody);
tests/entry/test_access.py downloads it for every role and reads the sheets.
"""

from __future__ import annotations

from django.urls import reverse

from .conftest import ROLES
from .matrix import ANON, LOGGED_IN, SEES, SYSTEM, Case, page, statuses

# Who may enter each village's figures (kaohe.core.access: change over the unit).
ENTERS = {
    "VA01": SYSTEM | {"township_admin", "reporter_a"},
    "VB01": SYSTEM | {"township_admin", "reporter_b"},
    "VZ01": SYSTEM | {"other_township_admin"},
}
ENTERS_SOMEWHERE = ENTERS["VA01"] | ENTERS["VB01"] | ENTERS["VZ01"]


def entering(village: str) -> dict[str, int]:
    """200 for those who enter the village's figures, 403 for those who only see it."""
    return {
        role: 200
        if role in ENTERS[village]
        else 302
        if role == ANON
        else 403
        if role in SEES[village]
        else 404
        for role in ROLES
    }


CASES = [
    Case("entry:index", lambda w: reverse("entry:index"), page(LOGGED_IN)),
    *(
        Case(
            "entry:form",
            lambda w, c=code, p=period: reverse("entry:form", args=["MONTHLY", c, p]),
            page(SEES[code]),
        )
        for code, period in (("VA01", "2006"), ("VB01", "200603"), ("VZ01", "2006"))
    ),
    # A township reports no village data set: there is no such form for anybody.
    Case(
        "entry:form",
        lambda w: reverse("entry:form", args=["MONTHLY", "T01", "2006"]),
        page(frozenset()),
    ),
    *(
        Case(
            "entry:cell",
            lambda w, c=code: reverse("entry:cell", args=["BIRTHS", c, "200603"]),
            entering(code),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    *(
        Case(
            "entry:history",
            lambda w, c=code: reverse("entry:history", args=["BIRTHS", c, "200603"]),
            page(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    # Notes are written with POST only.
    Case(
        "entry:note",
        lambda w: reverse("entry:note", args=["BIRTHS", "VA01", "200603"]),
        statuses(frozenset(), 405, 302),
    ),
    Case(
        "entry:template",
        lambda w: reverse("entry:template", args=["MONTHLY", "2006"]) + "?units=T01",
        page(frozenset()),
    ),
    Case("entry:upload", lambda w: reverse("entry:upload"), page(ENTERS_SOMEWHERE, refused=403)),
]
