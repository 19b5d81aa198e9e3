"""Who may see the demo township's results, in the pages and the API: a county viewer reads,
system administrators run, a user without a role sees nothing (the full matrix of roles is in
tests/access/test_matrix.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(demo_runs: dict) -> User:
    user = User.objects.create_user("clerk", password="x-long-password-1")
    county = OrgUnit.objects.get(kind="county")
    do_grant_role(Actor.cli("test"), user, Role.COUNTY_VIEWER, county)
    return user


@pytest.fixture
def staff() -> User:
    # The Django staff flag alone no longer lets anyone read anything.
    return User.objects.create_user("staffer", password="x-long-password-4", is_staff=True)


@pytest.fixture
def outsider() -> User:
    return User.objects.create_user("other", password="x-long-password-2")


@pytest.fixture
def admin() -> User:
    return User.objects.create_superuser("boss", password="x-long-password-3")


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_county_viewer_reads_the_ranking_and_an_explanation(
    demo_runs: dict, viewer: User
) -> None:
    run = demo_runs[2006]
    client = client_for(viewer)
    page = client.get(f"/results/{run.pk}/")
    assert page.status_code == 200
    assert "邓屯村" in page.content.decode()
    detail = client.get(f"/results/{run.pk}/V11/")
    assert detail.status_code == 200
    assert "超计划生育" in detail.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(demo_runs: dict) -> None:
    response = client_for(None).get(f"/results/{demo_runs[2006].pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_a_user_without_a_role_sees_no_results(
    demo_runs: dict, who: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/results/{demo_runs[2006].pk}/").status_code == 404
    assert client.get(f"/results/{demo_runs[2006].pk}/V11/").status_code == 404
    assert client.get("/api/runs/").json()["results"] == []
    assert client.get(f"/api/runs/{demo_runs[2006].pk}/results/").status_code == 404
    assert "邓屯村" not in client.get("/").content.decode()


def test_the_api_gives_each_units_items_and_explanations(demo_runs: dict, viewer: User) -> None:
    data = client_for(viewer).get(f"/api/runs/{demo_runs[2006].pk}/results/").json()
    assert len(data) == 20
    v11 = next(row for row in data if row["unit"] == "V11")
    assert v11["vetoed"] and v11["vetoes"] == ["OVER_PLAN"]
    assert all(item["explanation_zh"] for item in v11["items"])


def test_the_api_refuses_anonymous_clients(demo_runs: dict) -> None:
    assert client_for(None).get("/api/runs/").status_code in (401, 403)


def test_only_administrators_may_start_a_run(demo_runs: dict, viewer: User, admin: User) -> None:
    body = {"scheme": "VILLAGE_2006", "year": 2006}
    assert (
        client_for(viewer).post("/api/runs/", body, content_type="application/json").status_code
        == 403
    )
    response = client_for(admin).post("/api/runs/", body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["inputs_hash"] == demo_runs[2006].inputs_hash


def test_the_openapi_schema_is_served(viewer: User) -> None:
    response = client_for(viewer).get("/api/schema/")
    assert response.status_code == 200
    assert b"openapi" in response.content
