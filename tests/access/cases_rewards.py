"""Rows of the permission matrix for the money pages and API (see test_matrix.py).

The world's runs are drafts without money, so the rows that need a ledger use a published copy
of the county-wide run in which every village is vetoed and has one entry naming its party
secretary (made once, inside the test's transaction). Who sees an entry, a vetoed unit or a
total is who sees its village: a page that listed another village's would leak its name.
Computing, approving, paying and reversing are written with POST, so the matrix, which asks
with GET, gets 405 for them; tests/rewards posts them role by role. The finance table and the
veto list's workbook are zip files the matrix cannot search: they are asked for a run that does
not exist (404 for everybody), and tests/rewards downloads real ones.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from kaohe.assessments.models import AssessmentRun, RunStatus, UnitResult
from kaohe.orgunits.models import Official
from kaohe.rewards.models import LedgerEntry

from .conftest import World
from .matrix import LOGGED_IN, SEES, WITH_A_ROLE, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
NO_SUCH_RUN = 999_999
MARK = "money-matrix"


def _published(w: World) -> AssessmentRun:
    """A published copy of the county-wide run: every village vetoed, one entry each."""
    found = AssessmentRun.objects.filter(inputs_hash=MARK).first()
    if found is not None:
        return found
    source = w.run_all
    run = AssessmentRun.objects.create(
        scheme=source.scheme,
        year=source.year,
        period_code=source.period_code,
        status=RunStatus.PUBLISHED,
        published_at=timezone.now(),
        published_by="matrix",
        inputs_hash=MARK,
        scheme_hash=source.scheme_hash,
    )
    for result in source.unit_results.select_related("unit"):
        UnitResult.objects.create(
            run=run, unit=result.unit, kind=result.kind, total=result.total, grade=result.grade,
            rank=result.rank, vetoed=True, vetoes=["MATRIX"],
        )  # fmt: skip
        official = Official.objects.get(code=f"{result.unit.code}_SEC")
        LedgerEntry.objects.create(
            run=run, unit=result.unit, person=official, role=official.role, kind="reward",
            rule="MATRIX", amount=Decimal("100.00"), explanation_zh="矩阵测试",
        )  # fmt: skip
    return run


def _run(w: World) -> int:
    return _published(w).pk


def _entry(w: World, unit: str) -> int:
    return LedgerEntry.objects.get(run_id=_run(w), unit__code=unit).pk


CASES = [
    # --- pages ---
    Case("money:index", lambda w: reverse("money:index"), page(LOGGED_IN)),
    Case("money:index", lambda w: (_run(w), reverse("money:index"))[1], page(LOGGED_IN)),
    Case("money:ledger", lambda w: reverse("money:ledger", args=[_run(w)]), page(WITH_A_ROLE)),
    Case(
        "money:ledger",
        lambda w: reverse("money:ledger", args=[_run(w)]) + "?kind=reward&status=computed",
        page(WITH_A_ROLE),
    ),
    Case("money:vetoes", lambda w: reverse("money:vetoes", args=[_run(w)]), page(WITH_A_ROLE)),
    Case(
        "money:vetoes-csv", lambda w: reverse("money:vetoes-csv", args=[_run(w)]), page(WITH_A_ROLE)
    ),
    Case(
        "money:vetoes-xlsx",
        lambda w: reverse("money:vetoes-xlsx", args=[NO_SUCH_RUN]),
        page(frozenset()),
    ),
    Case("money:table", lambda w: reverse("money:table", args=[NO_SUCH_RUN]), page(frozenset())),
    *(
        Case(
            f"money:{name}", lambda w, n=name: reverse(f"money:{n}", args=[_run(w)]), POST_ONLY_PAGE
        )
        for name in ("compute", "approve-run")
    ),
    *(
        Case(
            f"money:{name}",
            lambda w, n=name: reverse(f"money:{n}", args=[_entry(w, "VA01")]),
            POST_ONLY_PAGE,
        )
        for name in ("approve", "pay", "reverse")
    ),
    # --- the API ---
    Case("money-list", lambda w: reverse("money-list"), api(LOGGED_IN)),
    Case("money-list", lambda w: f"{reverse('money-list')}?run={_run(w)}", api(LOGGED_IN)),
    *(
        Case(
            "money-detail",
            lambda w, c=code: reverse("money-detail", args=[_entry(w, c)]),
            api(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case("money-totals", lambda w: f"{reverse('money-totals')}?run={_run(w)}", api(WITH_A_ROLE)),
    Case("money-vetoes", lambda w: f"{reverse('money-vetoes')}?run={_run(w)}", api(WITH_A_ROLE)),
    *(
        Case(f"money-{name}", lambda w, n=name: reverse(f"money-{n}"), POST_ONLY_API)
        for name in ("compute", "approve-run")
    ),
    *(
        Case(
            f"money-{name}",
            lambda w, n=name: reverse(f"money-{n}", args=[_entry(w, "VA01")]),
            POST_ONLY_API,
        )
        for name in ("approve", "pay", "reverse")
    ),
]
