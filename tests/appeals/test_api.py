"""The appeals API: reading through the access check, filing, accepting and rejecting."""

from __future__ import annotations

import pytest

from kaohe.appeals.models import Appeal, AppealStatus

from .conftest import County, World

pytestmark = pytest.mark.django_db

API = "/api/appeals/"


def post(client_of: County | World, user: str, url: str, body: object = None) -> object:
    return client_of.client(user).post(url, body or {}, content_type="application/json")


def file_body(county: County, unit: str = "VA01", **extra: object) -> dict[str, object]:
    return {"run": county.run.pk, "unit": unit, "item_code": "PLAN", "reasons": "多计一人", **extra}


def test_a_reporter_files_an_appeal(county: County) -> None:
    response = post(county, "reporter_a", API, file_body(county))

    assert response.status_code == 201  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert (data["unit"], data["item_code"], data["item_name"]) == ("VA01", "PLAN", "人口计划")
    assert (data["status"], data["filed_by"], data["scheme"]) == ("filed", "reporter_a", "APPEAL")
    assert data["last_day"] is not None
    assert [(e["step"], e["text"]) for e in data["events"]] == [("file", "多计一人")]


def test_refusals_answer_400_naming_the_field(county: County) -> None:
    cases = [
        (file_body(county, reasons=""), "reasons"),
        (file_body(county, item_code="NOPE"), "item_code"),
    ]
    for body, field in cases:
        response = post(county, "reporter_a", API, body)
        assert response.status_code == 400, body  # type: ignore[attr-defined]
        assert response.json()["field"] == field  # type: ignore[attr-defined]
    assert not Appeal.objects.exists()


def test_a_draft_run_is_refused(world: World, db: None) -> None:
    body = {"run": world.draft.pk, "unit": "VA01", "reasons": "有误"}

    response = post(world, "reporter_a", API, body)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["field"] == "run"  # type: ignore[attr-defined]


def test_another_units_appeal_is_not_found_or_forbidden(county: County) -> None:
    hidden = post(county, "reporter_b", API, file_body(county))
    seen_not_changed = post(county, "reviewer", API, file_body(county))

    assert hidden.status_code == 404  # type: ignore[attr-defined]
    assert seen_not_changed.status_code == 403  # type: ignore[attr-defined]
    assert "甲家村" not in hidden.content.decode()  # type: ignore[attr-defined]
    assert not Appeal.objects.exists()


def test_the_list_gives_each_user_the_appeals_they_may_see(county: County) -> None:
    county.filed("VA01")
    county.filed("VB01", by="reporter_b")

    def units(user: str, **query: object) -> list[str]:
        data = county.client(user).get(API, query).json()
        return sorted(row["unit"] for row in data["results"])

    assert units("reviewer") == ["VA01", "VB01"]
    assert units("reporter_b") == ["VB01"]
    assert units("other_reviewer") == []
    assert units("reviewer", unit="VB01") == ["VB01"]
    assert units("reviewer", status="accepted") == []
    assert units("reviewer", run=county.run.pk) == ["VA01", "VB01"]


def test_a_reviewer_accepts_and_a_second_decision_is_a_conflict(county: County) -> None:
    appeal = county.filed()
    url = f"{API}{appeal.pk}/"

    accepted = post(county, "reviewer", f"{url}accept/", {"reason": "属实"})
    again = post(county, "township_admin", f"{url}reject/", {"reason": "不属实"})

    assert accepted.status_code == 200  # type: ignore[attr-defined]
    data = accepted.json()  # type: ignore[attr-defined]
    assert (data["status"], data["decided_by"], data["decision_reason"]) == (
        "accepted",
        "reviewer",
        "属实",
    )
    assert [e["step"] for e in data["events"]] == ["file", "accept"]
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert again.json()["field"] == "status"  # type: ignore[attr-defined]
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.ACCEPTED


def test_rejecting_needs_a_reason_and_a_reviewer(county: County) -> None:
    appeal = county.filed()
    url = f"{API}{appeal.pk}/reject/"

    no_reason = post(county, "reviewer", url)
    by_reporter = post(county, "reporter_a", url, {"reason": "x"})
    by_other = post(county, "reporter_b", url, {"reason": "x"})
    done = post(county, "reviewer", url, {"reason": "与台账一致"})

    assert no_reason.status_code == 400  # type: ignore[attr-defined]
    assert no_reason.json()["field"] == "decision_reason"  # type: ignore[attr-defined]
    assert by_reporter.status_code == 403  # type: ignore[attr-defined]
    assert by_other.status_code == 404  # type: ignore[attr-defined]
    assert done.json()["status"] == "rejected"  # type: ignore[attr-defined]


def test_the_endpoints_are_in_the_schema(county: County) -> None:
    text = county.client("reviewer").get("/api/schema/").content.decode()

    for path in ("/api/appeals/", "/api/appeals/{id}/accept/", "/api/appeals/{id}/reject/"):
        assert path in text
