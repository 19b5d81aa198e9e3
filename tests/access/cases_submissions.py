"""Rows of the permission matrix for the submissions pages and API (see test_matrix.py).

The world has no submissions, so each row that needs one makes it: village A's and 丁家村's
monthly figures for March 2006, submitted (the test's transaction rolls it back)."""

from __future__ import annotations

from django.urls import reverse

from kaohe.datavalues.models import Period
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.models import Status, Submission

from .conftest import World
from .matrix import LOGGED_IN, SEES, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first


def _submission(w: World, unit: str) -> int:
    submission, _created = Submission.objects.get_or_create(
        dataset=DataSet.objects.get(code="MONTHLY"),
        unit=OrgUnit.objects.get(code=unit),
        period=Period.objects.get(code="200603"),
        defaults={"status": Status.SUBMITTED},
    )
    return submission.pk


CASES = [
    # --- pages ---
    Case("submissions:queue", lambda w: reverse("submissions:queue"), page(LOGGED_IN)),
    Case(
        "submissions:queue",
        lambda w: (_submission(w, "VA01"), reverse("submissions:queue") + "?status=")[1],
        page(LOGGED_IN),
    ),
    *(
        Case(
            "submissions:detail",
            lambda w, c=code: reverse("submissions:detail", args=[_submission(w, c)]),
            page(SEES[code]),
        )
        for code in ("VA01", "VZ01")
    ),
    Case("submissions:submit", lambda w: reverse("submissions:submit"), POST_ONLY_PAGE),
    Case("submissions:approve-many", lambda w: reverse("submissions:approve-many"), POST_ONLY_PAGE),
    *(
        Case(
            f"submissions:{name}",
            lambda w, n=name: reverse(f"submissions:{n}", args=[_submission(w, "VA01")]),
            POST_ONLY_PAGE,
        )
        for name in ("approve", "return", "unlock")
    ),
    # --- the API ---
    Case("submission-list", lambda w: reverse("submission-list"), api(LOGGED_IN)),
    Case(
        "submission-list",
        lambda w: (_submission(w, "VZ01"), reverse("submission-list"))[1],
        api(LOGGED_IN),
    ),
    *(
        Case(
            "submission-detail",
            lambda w, c=code: reverse("submission-detail", args=[_submission(w, c)]),
            api(SEES[code]),
        )
        for code in ("VA01", "VZ01")
    ),
    Case("submission-submit", lambda w: reverse("submission-submit"), POST_ONLY_API),
    Case("submission-approve-many", lambda w: reverse("submission-approve-many"), POST_ONLY_API),
    *(
        Case(
            f"submission-{name}",
            lambda w, n=name: reverse(f"submission-{n}", args=[_submission(w, "VA01")]),
            POST_ONLY_API,
        )
        for name in ("approve", "return", "unlock")
    ),
]
