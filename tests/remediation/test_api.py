"""The remediation API: designations and plans through the access check, each step, its
refusals (400 naming the field), and the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.remediation.models import Designation, RemediationPlan
from kaohe.remediation.services import do_create_plan, do_designate

from .conftest import ACTOR, DEADLINE, County

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def designated(county: County) -> County:
    do_designate(county.runs[2005], ACTOR)
    do_designate(county.runs[2006], ACTOR)
    return county


def designation(unit: str, year: int = 2006) -> Designation:
    return Designation.objects.get(unit__code=unit, year=year)


PLAN = {
    "leader": "T_HEAD",
    "staff": ["T_CADRE", "V4_SEC"],
    "responsibilities": "驻村整改",
    "deadline": "2007-12-31",
    "rewards_penalties": "转化奖励",
    "shares_outcome": True,
}


def test_designating_through_the_api_is_idempotent(county: County, users) -> None:
    client = client_for(users["admin"])
    first = post(client, "/api/designations/designate/", {"run": county.runs[2006].pk})
    assert first.status_code == 200
    assert sorted(d["unit"] for d in first.json()["created"]) == ["V3", "V4", "V5"]
    again = post(client, "/api/designations/designate/", {"run": county.runs[2006].pk}).json()
    assert again["created"] == [] and len(again["unchanged"]) == 3


def test_designating_is_refused_to_readers_and_for_unknown_runs(county: County, users) -> None:
    run = county.runs[2006].pk
    assert (
        post(
            client_for(users["reviewer"]), "/api/designations/designate/", {"run": run}
        ).status_code
        == 403
    )
    response = post(client_for(users["other_admin"]), "/api/designations/designate/", {"run": run})
    assert response.status_code == 400 and response.json()["field"] == "run"
    assert not Designation.objects.exists()


def test_the_list_is_narrowed_by_role_and_filters(designated: County, users) -> None:
    data = client_for(users["admin"]).get("/api/designations/", {"year": 2006}).json()
    assert [(d["unit"], d["status"]) for d in data["results"]] == [
        ("V3", "strict"),
        ("V4", "weak"),
        ("V5", "strict"),
    ]
    mine = client_for(users["reporter_v3"]).get("/api/designations/").json()
    assert sorted((d["unit"], d["year"]) for d in mine["results"]) == [("V3", 2005), ("V3", 2006)]
    assert client_for(users["other_admin"]).get("/api/designations/").json()["results"] == []
    strict = client_for(users["admin"]).get("/api/designations/", {"status": "strict"}).json()
    assert {d["unit"] for d in strict["results"]} == {"V3", "V5"}


def test_a_plan_is_made_through_the_api(designated: County, users) -> None:
    url = f"/api/designations/{designation('V4').pk}/plan/"
    response = post(client_for(users["admin"]), url, PLAN)
    assert response.status_code == 201
    body = response.json()
    assert body["leader"]["code"] == "T_HEAD"
    assert sorted(s["code"] for s in body["staff"]) == ["T_CADRE", "V4_SEC"]
    assert body["status"] == "open" and body["shares_outcome"] is True
    listed = client_for(users["admin"]).get("/api/designations/", {"unit": "V4", "year": 2006})
    assert listed.json()["results"][0]["plan_status"] == "open"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"leader": "NOBODY"}, "leader"),
        ({"staff": ["W1_SEC"]}, "staff"),
        ({"staff": []}, "staff"),
        ({"responsibilities": ""}, "responsibilities"),
        ({"deadline": "2006-10-01"}, "deadline"),
        ({"rewards_penalties": " "}, "rewards_penalties"),
    ],
)
def test_a_bad_plan_answers_400_naming_the_field(
    designated: County, users, change: dict[str, Any], field: str
) -> None:
    url = f"/api/designations/{designation('V4').pk}/plan/"
    response = post(client_for(users["admin"]), url, PLAN | change)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not RemediationPlan.objects.exists()


def test_plan_steps_by_role(designated: County, users) -> None:
    url = f"/api/designations/{designation('V4').pk}/plan/"
    assert post(client_for(users["reviewer"]), url, PLAN).status_code == 403
    assert post(client_for(users["reporter_v1"]), url, PLAN).status_code == 404
    assert post(client_for(users["other_admin"]), url, PLAN).status_code == 404


def test_progress_acceptance_and_overdue_through_the_api(designated: County, users) -> None:
    plan = do_create_plan(
        designation("V4"),
        leader=designated.official("T_HEAD"),
        staff=[designated.official("T_CADRE")],
        responsibilities="整改",
        deadline=DEADLINE,
        rewards_penalties="奖惩",
        shares_outcome=False,
        actor=ACTOR,
    )
    client = client_for(users["admin"])
    base = f"/api/remediation-plans/{plan.pk}/"
    added = post(client, base + "progress/", {"date": "2007-05-01", "text": "开会"})
    assert added.status_code == 201 and added.json()["text"] == "开会"
    assert (
        post(client, base + "progress/", {"date": "2007-05-01", "text": ""}).json()["field"]
        == "text"
    )
    overdue = client.get(
        "/api/remediation-plans/overdue/", {"township": "T", "today": "2008-01-01"}
    )
    assert [p["id"] for p in overdue.json()] == [plan.pk]
    assert overdue.json()[0]["overdue"] is True
    not_yet = client.get(
        "/api/remediation-plans/overdue/", {"township": "T", "today": "2007-12-31"}
    )
    assert not_yet.json() == []
    assert client.get("/api/remediation-plans/overdue/", {"today": "soon"}).status_code == 400
    assert client.get("/api/remediation-plans/overdue/", {"township": "T2"}).status_code == 400
    refused = post(
        client, base + "accept/", {"date": "2008-01-05", "outcome": "continued", "findings": "继续"}
    )
    assert refused.status_code == 400 and refused.json()["field"] == "new_deadline"
    done = post(
        client,
        base + "accept/",
        {
            "date": "2008-01-05",
            "outcome": "continued",
            "findings": "继续",
            "new_deadline": "2008-06-30",
        },
    )
    assert done.status_code == 201
    assert done.json()["status"] == "continued" and done.json()["deadline"] == "2008-06-30"
    assert [c["outcome"] for c in done.json()["checks"]] == ["continued"]
    detail = client.get(base).json()
    assert [p["text"] for p in detail["progress"]] == ["开会"]
    assert (
        post(
            client_for(users["reviewer"]),
            base + "accept/",
            {"date": "2008-06-30", "outcome": "lifted", "findings": "好"},
        ).status_code
        == 403
    )
    readers = client_for(users["reporter_v1"]).get("/api/remediation-plans/").json()
    assert readers["results"] == []
    assert client_for(users["reviewer"]).get(base).status_code == 200


def test_the_endpoints_are_in_the_openapi_schema(county: County) -> None:
    text = Client().get("/api/schema/").content.decode()
    for path in (
        "/api/designations/",
        "/api/designations/designate/",
        "/api/designations/{id}/plan/",
        "/api/remediation-plans/overdue/",
        "/api/remediation-plans/{id}/progress/",
        "/api/remediation-plans/{id}/accept/",
    ):
        assert path in text, path
