"""Matrix rows for the results downloads (kaohe/assessments/urls.py) and the data values API.

The workbook downloads (.xlsx) are zip files that the matrix cannot search for another
village's name, so here they are asked for a run that does not exist (404 for everybody);
tests/results/test_export_access.py runs the full matrix on them, reading inside the files.
"""

from __future__ import annotations

from django.urls import reverse

from .conftest import World
from .matrix import LOGGED_IN, SEES, SYSTEM, WITH_A_ROLE, Case, api, page

NO_SUCH_RUN = 999_999


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
