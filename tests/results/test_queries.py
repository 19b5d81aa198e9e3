"""Committed query-count baselines of the busy result pages: a fixed number of queries whatever
the number of units and items (twenty villages × fifteen items here), so an N+1 fails here."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

# Change only on purpose, with the reason in the commit message.
BASELINES = {
    "home": 4,
    # 7: one more for the township's indicators shown above the ranking (area_indicator_values).
    # 8: one more for the other runs of the same scheme, year and scope (the published one, the
    # one that replaced this run, the runs to compare it with); the publish form loads apart.
    "ranking": 8,
    "unit explanation": 7,
    "review queue": 9,  # +1: whether the user reviews anything picks the default filter
    # Two runs, each unit's results and items once per run (9); the rest is the money
    # provider of kaohe.rewards (the ledger's amounts of both runs); +2: the over-reporting
    # ratio each run keeps for the verification haircut (OVER_REPORT_RATIO), read per run.
    "compare": 29,
    # The scheme compiled (its parts), the figures the run read, their data sets and
    # submissions, and the names of the reports listed: the same for 1 or 1,000 villages.
    "publish form": 20,
}


@pytest.fixture
def client() -> Client:
    user = User.objects.create_superuser("counter", password="a-long-password-1")
    browser = Client()
    browser.force_login(user)
    return browser


def queries_of(client: Client, url: str) -> int:
    client.get(url)  # warm caches that are not per request (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_the_busy_result_pages_keep_their_query_counts(demo_runs: dict, client: Client) -> None:
    run = demo_runs[2006]
    urls = {
        "home": "/",
        "ranking": f"/results/{run.pk}/",
        "unit explanation": f"/results/{run.pk}/V11/",
        "review queue": "/submissions/",
        "compare": f"/results/compare/{run.pk}/{demo_runs[max(demo_runs)].pk}/",
        "publish form": f"/results/{run.pk}/publish/",
    }
    counted = {label: queries_of(client, url) for label, url in urls.items()}
    assert counted == BASELINES
