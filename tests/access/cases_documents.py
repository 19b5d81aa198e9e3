"""Rows of the permission matrix for the documents app: the documents page and its downloads,
the township overview, a unit's dashboard, and the documents API (see test_matrix.py).

Documents and the overview are about a whole township: only those who see all of it open
them (a reporter of one village does not). The world's runs are drafts, so the overview of
丙镇 (T02) is asked for over a published copy of its run, made once inside the test's
transaction: its ranking names 丁家村, which nobody else may see. Downloads are zip files the
matrix cannot search, so they are asked for a year no document can have (1492): whoever sees
the township is told why (400), everybody else gets 404; tests/documents downloads real ones.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from kaohe.assessments.models import AssessmentRun, RunStatus, UnitResult

from .conftest import ROLES, World
from .matrix import ANON, LOGGED_IN, SEES, Case, api, page

MARK = "documents-matrix"
# Who sees each township whole: the ones who see its villages and are not a village's reporter.
SEES_T01 = SEES["T01"]
SEES_T02 = SEES["VZ01"]


def _published_t02(w: World) -> AssessmentRun:
    """A published copy of the run of 丙镇 (its one village, 丁家村)."""
    found = AssessmentRun.objects.filter(inputs_hash=MARK).first()
    if found is not None:
        return found
    source = w.run_t02
    run = AssessmentRun.objects.create(
        scheme=source.scheme, year=source.year, period_code=source.period_code,
        root=source.root, status=RunStatus.PUBLISHED, published_at=timezone.now(),
        published_by="matrix", inputs_hash=MARK, scheme_hash=source.scheme_hash,
    )  # fmt: skip
    for result in source.unit_results.select_related("unit"):
        UnitResult.objects.create(
            run=run, unit=result.unit, kind=result.kind, total=result.total, grade=result.grade,
            grade_name=result.grade_name, rank=result.rank,
        )  # fmt: skip
    return run


def _overview_t02(w: World) -> str:
    run = _published_t02(w)
    return f"{reverse('documents:dashboard')}?township=T02&year={run.year}"


def told_why(ok: frozenset[str], anonymous: int) -> dict[str, int]:
    """400 (the refusal explained) for ``ok``, ``anonymous`` for the visitor, 404 for others."""
    return {role: 400 if role in ok else anonymous if role == ANON else 404 for role in ROLES}


BAD_YEAR = "?township={t}&scheme=ACCESS&year=1492"

CASES = [
    # --- pages ---
    Case("documents:index", lambda w: reverse("documents:index"), page(LOGGED_IN)),
    Case("documents:index", lambda w: reverse("documents:index") + "?township=T01", page(SEES_T01)),
    Case("documents:index", lambda w: reverse("documents:index") + "?township=T02", page(SEES_T02)),
    Case("documents:dashboard", lambda w: reverse("documents:dashboard"), page(LOGGED_IN)),
    Case(
        "documents:dashboard",
        lambda w: reverse("documents:dashboard") + "?township=T01&year=2006",
        page(SEES_T01),
    ),
    Case("documents:dashboard", _overview_t02, page(SEES_T02)),
    Case(
        "documents:dashboard",
        lambda w: reverse("documents:dashboard") + "?township=NOWHERE",
        page(frozenset()),
    ),
    *(
        Case(
            "documents:unit",
            lambda w, c=code: reverse("documents:unit", args=[c]) + "?year=2006",
            page(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01", "T01")
    ),
    Case(
        "documents:download",
        lambda w: reverse("documents:download", args=["ranking"]) + BAD_YEAR.format(t="T01"),
        told_why(SEES_T01, anonymous=302),
    ),
    Case(
        "documents:download",
        lambda w: reverse("documents:download", args=["ranking"]) + BAD_YEAR.format(t="T02"),
        told_why(SEES_T02, anonymous=302),
    ),
    Case(
        "documents:download",
        lambda w: reverse("documents:download", args=["minutes"]) + BAD_YEAR.format(t="T01"),
        page(frozenset()),
    ),
    # --- the API ---
    Case("document-list", lambda w: reverse("document-list"), api(LOGGED_IN)),
    Case(
        "document-detail",
        lambda w: reverse("document-detail", args=["ranking"]) + BAD_YEAR.format(t="T01"),
        told_why(SEES_T01, anonymous=403),
    ),
    Case(
        "document-detail",
        lambda w: reverse("document-detail", args=["speech"]) + BAD_YEAR.format(t="T02"),
        told_why(SEES_T02, anonymous=403),
    ),
    Case(
        "document-detail",
        lambda w: reverse("document-detail", args=["minutes"]) + BAD_YEAR.format(t="T01"),
        api(frozenset()),
    ),
]
