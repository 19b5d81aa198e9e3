"""The data-quality API: outliers on request, follow-up marks, min–max ranges, the schema."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.quality.models import MinMaxRange

from .conftest import World

pytestmark = pytest.mark.django_db
QUERY = {"township": "T", "element": "BIRTHS", "from": "202501", "to": "202512"}


def test_the_outlier_list_answers_values_statistics_and_reasons(world: World) -> None:
    data = world.client("admin").get("/api/outliers/", QUERY).json()
    assert (data["method"], data["threshold"], data["min_values"]) == ("modified_z", 3.5, 6)
    assert (data["series"], data["judged"], data["flagged"]) == (4, 2, 1)
    [row] = data["results"]
    assert (row["unit"], row["period"], row["value"], row["centre"], row["spread"]) == (
        "V1",
        "202512",
        9.0,
        1.0,
        0.5,
    )
    assert row["score"] == pytest.approx(10.79, abs=0.01)
    assert row["value_id"] == world.value("V1", "202512").pk
    assert row["markable"] is True and row["follow_up"] is False
    assert row["reason_en"].endswith("beyond the threshold 3.5")
    assert [(r["unit"], r["status"]) for r in data["not_judged"]] == [
        ("V2", "no_spread"),
        ("V3", "too_short"),
    ]


def test_elements_may_be_listed_with_commas_and_methods_chosen(world: World) -> None:
    data = (
        world.client("admin")
        .get("/api/outliers/", {**QUERY, "element": "BIRTHS,MIGRANTS", "method": "iqr"})
        .json()
    )
    assert data["method"] == "iqr"
    assert {r["element"] for r in data["results"]} <= {"BIRTHS", "MIGRANTS"}
    assert all(r["q1"] is not None and r["q3"] is not None for r in data["results"])


def test_max_results_keeps_the_most_significant(world: World) -> None:
    data = (
        world.client("admin")
        .get("/api/outliers/", {**QUERY, "method": "z", "max_results": "1"})
        .json()
    )
    assert data["flagged"] == 2
    assert [(r["unit"], r["value"]) for r in data["results"]] == [("V2", 1.0)]  # z √11 > 3.19


def test_a_bad_request_answers_400_naming_the_field(world: World) -> None:
    response = world.client("admin").get("/api/outliers/", {**QUERY, "to": "2025Q4"})
    assert response.status_code == 400
    assert response.json()["field"] == "to"
    response = world.client("reporter_v1").get("/api/outliers/", QUERY)
    assert response.status_code == 400 and response.json()["field"] == "township"


def test_follow_up_marks_answer_per_id(world: World) -> None:
    mine, other = world.value("V1", "202512"), world.value("W1", "202512")
    response = world.client("admin").post(
        "/api/outliers/follow-up/",
        {"ids": [mine.pk, other.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["ok"]) for r in results] == [(mine.pk, True), (other.pk, False)]
    assert world.value("V1", "202512").follow_up is True
    assert world.value("V1", "202512").value == Decimal(9)
    assert AuditEntry.objects.filter(object_key="BIRTHS/202512/V1", channel="api").exists()
    cleared = world.client("admin").post(
        "/api/outliers/follow-up/",
        {"ids": [mine.pk], "follow_up": False},
        content_type="application/json",
    )
    assert cleared.json()["results"][0]["follow_up"] is False


def test_ranges_are_set_listed_generated_and_deleted(world: World) -> None:
    client = world.client("admin")
    created = client.post(
        "/api/minmax-ranges/",
        {"unit": "V2", "element": "BIRTHS", "min_value": "0", "max_value": "2"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["max_value"] == "2" and created.json()["generated"] is False
    generated = client.post(
        "/api/minmax-ranges/generate/",
        {"township": "T", "elements": ["BIRTHS"], "from": "202501", "to": "202512"},
        content_type="application/json",
    ).json()
    assert (generated["created"], generated["kept"]) == (2, 0)
    assert {s["unit"] for s in generated["skipped"]} == {"V2", "V3"}
    listed = client.get("/api/minmax-ranges/", {"township": "T"}).json()["results"]
    assert [(r["unit"], r["min_value"], r["max_value"]) for r in listed] == [
        ("V1", "0", "4"),
        ("V2", "0", "2"),
        ("V4", "1", "7"),
    ]
    row = MinMaxRange.objects.get(unit__code="V2")
    assert client.delete(f"/api/minmax-ranges/{row.pk}/").status_code == 204
    assert not MinMaxRange.objects.filter(pk=row.pk).exists()


def test_range_writes_refused_by_role_and_by_content(world: World) -> None:
    body = {"unit": "V2", "element": "BIRTHS", "min_value": "0", "max_value": "2"}
    reviewer = world.client("reviewer")
    assert (
        reviewer.post("/api/minmax-ranges/", body, content_type="application/json").status_code
        == 403
    )
    other = world.client("other_admin")
    answer = other.post("/api/minmax-ranges/", body, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["field"] == "unit"
    bad = world.client("admin").post(
        "/api/minmax-ranges/", {**body, "min_value": "5"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "max"
    row = MinMaxRange.objects.create(
        unit=world.unit("V1"),
        element_id=world.value("V1", "202501").element_id,
        min_value=0,
        max_value=1,
    )
    assert reviewer.delete(f"/api/minmax-ranges/{row.pk}/").status_code == 403
    assert other.delete(f"/api/minmax-ranges/{row.pk}/").status_code == 404
    assert other.get(f"/api/minmax-ranges/{row.pk}/").status_code == 404
    assert reviewer.get(f"/api/minmax-ranges/{row.pk}/").status_code == 200


def test_the_schema_describes_the_endpoints(world: World) -> None:
    text = world.client("admin").get("/api/schema/").content.decode()
    for path in ("/api/outliers/", "/api/outliers/follow-up/", "/api/minmax-ranges/generate/"):
        assert path in text
