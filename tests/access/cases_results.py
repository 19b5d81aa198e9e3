"""Matrix rows for the results downloads, publishing and comparing runs
(kaohe/assessments/urls.py and the runs API), and the data values API.

The workbook downloads (.xlsx) are zip files that the matrix cannot search for another
village's name, so here they are asked for a run that does not exist (404 for everybody);
tests/results/test_export_access.py runs the full matrix on them, reading inside the files.
"""

from __future__ import annotations

from django.urls import reverse

from .conftest import ROLES, World
from .matrix import ANON, LOGGED_IN, SEES, SYSTEM, WITH_A_ROLE, Case, api, page, statuses

NO_SUCH_RUN = 999_999
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first


def _publish_form(publishers: frozenset[str], sees: frozenset[str]) -> dict[str, int]:
    """The publish form: its publishers get it, others who see the run 403, the rest 404."""
    return {
        role: 200 if role in publishers else 302 if role == ANON else 403 if role in sees else 404
        for role in ROLES
    }


def _all(w: World) -> int:
    return w.run_all.pk


def _t02(w: World) -> int:
    return w.run_t02.pk


CASES = [
    # --- downloads ---
    Case(
        "results:ranking-csv",
        lambda w: reverse("results:ranking-csv", args=[_all(w)]),
        page(WITH_A_ROLE),
    ),
    Case(
        "results:ranking-csv",
        lambda w: reverse("results:ranking-csv", args=[_t02(w)]),
        page(SEES["VZ01"]),
    ),
    Case(
        "results:items-csv",
        lambda w: reverse("results:items-csv", args=[_all(w)]),
        page(WITH_A_ROLE),
    ),
    Case(
        "results:items-csv",
        lambda w: reverse("results:items-csv", args=[_t02(w)]),
        page(SEES["VZ01"]),
    ),
    *(
        Case(
            "results:items-csv",
            lambda w, code=code: reverse("results:items-csv", args=[_all(w)]) + f"?unit={code}",
            page(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case(
        "results:ranking-xlsx",
        lambda w: reverse("results:ranking-xlsx", args=[NO_SUCH_RUN]),
        page(frozenset()),
    ),
    # The area's indicators sum every unit of a run: only for those who see the whole run
    # (a run over everything: system administrators; a township's run: all who see 丙镇).
    Case(
        "results:indicators-csv",
        lambda w: reverse("results:indicators-csv", args=[_all(w)]),
        page(SYSTEM),
    ),
    Case(
        "results:indicators-csv",
        lambda w: reverse("results:indicators-csv", args=[_t02(w)]),
        page(SEES["VZ01"] - {"reporter_z"}),
    ),
    Case(
        "results:indicators-xlsx",
        lambda w: reverse("results:indicators-xlsx", args=[NO_SUCH_RUN]),
        page(frozenset()),
    ),
    Case(
        "results:items-xlsx",
        lambda w: reverse("results:items-xlsx", args=[NO_SUCH_RUN]),
        page(frozenset()),
    ),
    # --- publishing and comparing runs ---
    # A run of the whole county is published by system administrators; 丙镇's by its own
    # administrator too.
    Case(
        "results:publish",
        lambda w: reverse("results:publish", args=[_all(w)]),
        _publish_form(SYSTEM, WITH_A_ROLE),
    ),
    Case(
        "results:publish",
        lambda w: reverse("results:publish", args=[_t02(w)]),
        _publish_form(SYSTEM | {"other_township_admin"}, SEES["VZ01"]),
    ),
    # Both runs must be visible; each role compares only the units it sees.
    Case(
        "results:compare",
        lambda w: reverse("results:compare", args=[_all(w), _all(w)]),
        page(WITH_A_ROLE),
    ),
    Case(
        "results:compare",
        lambda w: reverse("results:compare", args=[_all(w), _t02(w)]),
        page(SEES["VZ01"]),
    ),
    Case(
        "results:compare",
        lambda w: reverse("results:compare", args=[_t02(w), _all(w)]),
        page(SEES["VZ01"]),
    ),
    Case("run-publish", lambda w: reverse("run-publish", args=[_all(w)]), POST_ONLY_API),
    Case(
        "run-compare",
        lambda w: reverse("run-compare", args=[_all(w), _all(w)]),
        api(WITH_A_ROLE),
    ),
    Case(
        "run-compare",
        lambda w: reverse("run-compare", args=[_all(w), _t02(w)]),
        api(SEES["VZ01"]),
    ),
    # --- the data values API ---
    Case("datavalue-list", lambda w: reverse("datavalue-list"), api(LOGGED_IN)),
    Case(
        "datavalue-list",
        lambda w: reverse("datavalue-list") + "?dataset=MONTHLY&period=200603",
        api(LOGGED_IN),
    ),
    *(
        Case(
            "datavalue-list",
            lambda w, code=code: reverse("datavalue-list") + f"?unit={code}",
            api(SEES[code], refused=400),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case(
        "datavalue-list",
        lambda w: reverse("datavalue-list") + "?unit=T01&children=true",
        api(SEES["T01"], refused=400),
    ),
]
