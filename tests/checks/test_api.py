"""The cross-check API: sources, figures (read, create, change, delete, import), the
reconciliation, and the schema."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.audit.models import AuditEntry
from kaohe.checks.models import SourceValue

from .conftest import World

pytestmark = pytest.mark.django_db
FIGURE = {"source": "SPOT", "element": "BIRTHS", "period": "2006", "unit": "V1", "value": "4"}


def test_the_sources_are_read_by_anyone_with_a_role(world: World) -> None:
    data = world.client("reporter_v2").get("/api/sources/").json()
    assert [s["code"] for s in data["results"]] == ["HOSP", "SPOT"]
    spot = world.client("reporter_v2").get("/api/sources/SPOT/").json()
    assert (spot["kind"], spot["elements"], spot["period_type"]) == (
        "check",
        ["BIRTHS", "FP_RATE"],
        "Yearly",
    )
    assert world.client("no_role").get("/api/sources/").json()["results"] == []
    assert world.client("no_role").get("/api/sources/SPOT/").status_code == 404


def test_the_figures_list_filters_and_shows_only_what_the_person_sees(world: World) -> None:
    client = world.client("county_viewer")
    data = client.get("/api/source-values/", {"source": "HOSP", "township": "T"}).json()
    assert [(r["unit"], r["period"], r["value"]) for r in data["results"]] == [
        ("V2", "200512", "9"),
        ("V2", "200603", "2"),
        ("V5", "200604", "4"),
        ("V2", "200607", "4"),
        ("V6", "200608", "2"),
        ("V4", "200611", "4"),
    ]
    data = client.get("/api/source-values/", {"unit": "V4", "period": "2006"}).json()
    assert [(r["source"], r["value"]) for r in data["results"]] == [("SPOT", "5")]
    own = world.client("reporter_v2").get("/api/source-values/").json()
    assert {r["unit"] for r in own["results"]} == {"V2"}
    hospital = world.client("hospital").get("/api/source-values/").json()
    assert {r["source"] for r in hospital["results"]} == {"HOSP"}
    assert "W1" not in {r["unit"] for r in hospital["results"]}


def test_a_figure_is_created_then_changed_then_deleted(world: World) -> None:
    client = world.client("admin")
    response = client.post("/api/source-values/", FIGURE, content_type="application/json")
    assert response.status_code == 201
    row = response.json()
    assert (row["unit"], row["value"], row["stored_by"]) == ("V1", "4", "admin")
    again = client.post(
        "/api/source-values/", {**FIGURE, "value": "5"}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["value"] == "5"
    changed = client.patch(
        f"/api/source-values/{row['id']}/", {"comment": "复核"}, content_type="application/json"
    )
    assert changed.status_code == 200 and (changed.json()["value"], changed.json()["comment"]) == (
        "5",
        "复核",
    )
    assert client.delete(f"/api/source-values/{row['id']}/").status_code == 204
    assert not SourceValue.objects.filter(pk=row["id"]).exists()
    assert AuditEntry.objects.filter(channel="api", action__startswith="sourcevalue").count() == 4


def test_a_refused_figure_answers_400_naming_the_field(world: World) -> None:
    client = world.client("admin")
    for change, field in (
        ({"value": "-1"}, "value"),
        ({"period": "200605"}, "period"),
        ({"unit": "DH"}, "unit"),
        ({"element": "MARRIAGES"}, "element"),
        ({"source": "NOPE"}, "source"),
    ):
        response = client.post(
            "/api/source-values/", {**FIGURE, **change}, content_type="application/json"
        )
        assert response.status_code == 400, change
        assert response.json()["field"] == field and " / " in response.json()["detail"]
    assert not SourceValue.objects.filter(unit__code="V1", source__code="SPOT").exists()


def test_writes_outside_the_persons_reach_are_403_or_404(world: World) -> None:
    def post(role: str) -> int:
        return (
            world.client(role)
            .post("/api/source-values/", FIGURE, content_type="application/json")
            .status_code
        )

    assert post("reviewer") == 403
    assert post("reporter_v2") == 404  # does not see V1
    assert post("other_admin") == 404
    assert post("system") == 201
    value = world.value("SPOT", "V4", "2006")
    assert world.client("reviewer").delete(f"/api/source-values/{value.pk}/").status_code == 403
    assert world.client("other_admin").delete(f"/api/source-values/{value.pk}/").status_code == 404
    assert (
        world.client("other_admin")
        .patch(f"/api/source-values/{value.pk}/", {"value": "9"}, content_type="application/json")
        .status_code
        == 404
    )
    assert world.value("SPOT", "V4", "2006").value == 5


def test_a_file_is_imported_or_refused_whole(world: World) -> None:
    client = world.client("admin")
    good = b"source,element,period,unit,value\nSPOT,BIRTHS,2006,V1,2\n"
    response = client.post(
        "/api/source-values/import/", {"file": SimpleUploadedFile("a.csv", good)}
    )
    assert response.status_code == 200 and response.json()["created"] == 1
    bad = b"source,element,period,unit,value\nSPOT,BIRTHS,2006,V2,2\nSPOT,BIRTHS,2006,V3,x\n"
    response = client.post("/api/source-values/import/", {"file": SimpleUploadedFile("b.csv", bad)})
    assert response.status_code == 400
    assert [(p["row"], p["column"]) for p in response.json()["problems"]] == [(3, "value")]
    assert not SourceValue.objects.filter(source__code="SPOT", unit__code="V2").exists()


def test_the_reconciliation_answers_each_unit_the_totals_and_the_scoring(world: World) -> None:
    data = (
        world.client("admin")
        .get("/api/reconciliation/", {"element": "BIRTHS", "year": "2006", "township": "T"})
        .json()
    )
    assert [s["code"] for s in data["sources"]] == ["HOSP", "SPOT"]
    rows = {r["unit"]: r for r in data["rows"]}
    assert rows["V4"]["sources"] == {"HOSP": 4.0, "SPOT": 5.0}
    assert (rows["V4"]["found"], rows["V4"]["under_reported"], rows["V4"]["accuracy"]) == (
        5.0,
        2.0,
        60.0,
    )
    assert rows["V6"]["reported"] is None and rows["V6"]["flags"] == ["under_reported"]
    assert rows["V3"]["flags"] == ["over_reported"]
    assert data["totals"]["accuracy"] == pytest.approx(70)
    assert (data["totals"]["under_count"], data["totals"]["over_count"]) == (3, 1)


def test_the_reconciliation_refuses_what_the_person_may_not_see_or_did_not_name(
    world: World,
) -> None:
    query = {"element": "BIRTHS", "year": "2006", "township": "T"}
    assert world.client("other_admin").get("/api/reconciliation/", query).status_code == 404
    response = world.client("admin").get("/api/reconciliation/", {**query, "element": ""})
    assert response.status_code == 400 and response.json()["field"] == "element"
    response = world.client("admin").get("/api/reconciliation/", {**query, "year": "20x6"})
    assert response.status_code == 400 and response.json()["field"] == "year"
    own = world.client("reporter_v2").get("/api/reconciliation/", {**query, "township": ""})
    assert [r["unit"] for r in own.json()["rows"]] == ["V2"]


def test_the_schema_describes_the_endpoints(world: World) -> None:
    schema = world.client("admin").get("/api/schema/").content.decode()
    for path in ("/api/sources/", "/api/source-values/import/", "/api/reconciliation/"):
        assert path in schema
