"""The submissions API: reading through the access check, and each step as a POST."""

from __future__ import annotations

import pytest

from kaohe.submissions.models import Status, Submission

from .conftest import County

pytestmark = pytest.mark.django_db

API = "/api/submissions/"


def post(county: County, user: str, url: str, body: object = None) -> object:
    return county.client(user).post(url, body or {}, content_type="application/json")


def test_the_list_gives_each_user_the_submissions_they_may_see(county: County) -> None:
    for unit in ("VA01", "VB01", "VZ01"):
        county.submitted(unit)

    def units(user: str, **query: str) -> list[str]:
        data = county.client(user).get(API, query).json()
        return sorted(row["unit"] for row in data["results"])

    assert units("reviewer") == ["VA01", "VB01"]
    assert units("reporter_b") == ["VB01"]
    assert units("county_viewer") == ["VA01", "VB01", "VZ01"]
    assert units("reviewer", status="approved") == []


def test_the_detail_carries_figures_lock_and_history(county: County) -> None:
    county.set("VA01", "BIRTHS", 3)
    submission = county.approved()

    data = county.client("reporter_a").get(f"{API}{submission.pk}/").json()

    assert (data["status"], data["locked"], data["on_time"]) == ("approved", True, True)
    assert "approved and locked" in data["lock_reason"]
    assert data["figures"][0] == {
        "code": "BIRTHS",
        "name": "出生人数",
        "value": "3",
        "approved_value": "3",
        "changed": False,
    }
    assert [e["action"] for e in data["events"]] == ["submit", "approve"]


def test_a_reporter_submits_and_a_reviewer_approves_through_the_api(county: County) -> None:
    county.set("VA01", "BIRTHS", 2)

    submitted = post(
        county,
        "reporter_a",
        f"{API}submit/",
        {"dataset": "MONTHLY", "unit": "VA01", "period": county.this_month},
    )
    assert submitted.status_code == 200  # type: ignore[attr-defined]
    pk = submitted.json()["id"]  # type: ignore[attr-defined]

    approved = post(county, "reviewer", f"{API}{pk}/approve/")

    assert approved.status_code == 200  # type: ignore[attr-defined]
    assert approved.json()["status"] == "approved"  # type: ignore[attr-defined]
    again = post(county, "township_admin", f"{API}{pk}/approve/")
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "already approved" in again.json()["detail"]  # type: ignore[attr-defined]


def test_submitting_another_units_figures_through_the_api_is_404(county: County) -> None:
    response = post(
        county,
        "reporter_b",
        f"{API}submit/",
        {"dataset": "MONTHLY", "unit": "VA01", "period": county.this_month},
    )

    assert response.status_code == 404  # type: ignore[attr-defined]
    assert not Submission.objects.exists()


def test_returning_through_the_api_needs_a_reason(county: County) -> None:
    submission = county.submitted()
    url = f"{API}{submission.pk}/return/"

    refused = post(county, "reviewer", url, {"reason": ""})
    returned = post(county, "reviewer", url, {"reason": "漏报死亡人数"})

    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert "reason" in refused.json()["detail"]  # type: ignore[attr-defined]
    assert returned.status_code == 200  # type: ignore[attr-defined]
    assert returned.json()["return_reason"] == "漏报死亡人数"  # type: ignore[attr-defined]


def test_unlocking_through_the_api_is_for_township_administrators(county: County) -> None:
    submission = county.approved()
    url = f"{API}{submission.pk}/unlock/"

    assert post(county, "reviewer", url, {"reason": "更正"}).status_code == 403  # type: ignore[attr-defined]
    response = post(county, "township_admin", url, {"reason": "更正"})

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.json()["status"] == "draft"  # type: ignore[attr-defined]


def test_a_reporter_cannot_approve_and_another_township_cannot_find_it(county: County) -> None:
    submission = county.submitted("VA01")

    assert post(county, "reporter_a", f"{API}{submission.pk}/approve/").status_code == 403  # type: ignore[attr-defined]
    assert post(county, "other_reviewer", f"{API}{submission.pk}/approve/").status_code == 404  # type: ignore[attr-defined]
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_bulk_approval_through_the_api_answers_per_id(county: County) -> None:
    mine = county.submitted("VA01")
    theirs = county.submitted("VZ01")

    response = post(county, "reviewer", f"{API}approve-many/", {"ids": [mine.pk, theirs.pk]})

    assert response.status_code == 200  # type: ignore[attr-defined]
    results = response.json()["results"]  # type: ignore[attr-defined]
    assert [(r["id"], r["ok"], r["status"]) for r in results] == [
        (mine.pk, True, "approved"),
        (theirs.pk, False, ""),
    ]
    assert post(county, "reviewer", f"{API}approve-many/", {"ids": []}).status_code == 400  # type: ignore[attr-defined]
