"""The DHIS2-compatible /api/dataValueSets and the exchange's configuration endpoints."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataSet
from kaohe.interop.models import CategoryComboMapping, ExternalId, ValueImport

from .conftest import FIXTURES, World, set_value, stored

pytestmark = pytest.mark.django_db

URL = "/api/dataValueSets"
BULK = {
    "dataValues": [{"dataElement": "BIRTHS", "period": "202601", "orgUnit": "V1", "value": "3"}]
}


def post(client: Client, body: str | bytes, content_type: str, query: str = "") -> object:
    return client.post(f"{URL}{query}", data=body, content_type=content_type)


def test_a_reporter_posts_a_json_data_value_set_for_their_village(world: World) -> None:
    response = post(world.client("reporter_v1"), json.dumps(BULK), "application/json")
    assert response.status_code == 200  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert data["status"] == "SUCCESS" and data["responseType"] == "ImportSummary"
    assert data["importCount"] == {"imported": 1, "updated": 0, "ignored": 0, "deleted": 0}
    assert stored() == {("BIRTHS", "202601", "V1"): "3"}
    assert ValueImport.objects.get().channel == "api"


def test_a_value_of_a_village_out_of_reach_is_a_409_conflict_and_nothing_is_written(
    world: World,
) -> None:
    body = {"dataValues": [*BULK["dataValues"], {**BULK["dataValues"][0], "orgUnit": "V2"}]}
    response = post(world.client("reporter_v1"), json.dumps(body), "application/json")
    assert response.status_code == 409  # type: ignore[attr-defined]
    conflict = response.json()["conflicts"][0]  # type: ignore[attr-defined]
    assert (conflict["object"], conflict["property"], conflict["indexes"]) == ("V2", "orgUnit", [1])
    assert "二村" not in response.content.decode()  # type: ignore[attr-defined]
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/csv", "BIRTHS,202601,V1,,,3\n"),
        ("text/csv; charset=utf-8", "BIRTHS,202601,V1,,,3\n"),
        (
            "application/adx+xml",
            '<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="V1" period="2026-01-01/P1M" '
            'dataSet="FP_MONTHLY"><dataValue dataElement="BIRTHS" value="3"/></group></adx>',
        ),
        (
            "application/xml",
            '<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="V1" period="2026-01-01/P1M" '
            'dataSet="FP_MONTHLY"><dataValue dataElement="BIRTHS" value="3"/></group></adx>',
        ),
    ],
)
def test_the_content_type_chooses_the_format(world: World, content_type: str, body: str) -> None:
    response = post(world.client("admin"), body, content_type)
    assert response.status_code == 200, response.json()  # type: ignore[attr-defined]
    assert stored() == {("BIRTHS", "202601", "V1"): "3"}


def test_dhis2s_query_parameters_are_honoured(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 5)
    client = world.client("admin")
    csv = "BIRTHS,202601,V1,,,9\nBIRTHS,202601,V2,,,4\nNOPE,202601,V2,,,1\n"
    response = post(client, csv, "application/csv", "?dryRun=true&atomicMode=NONE")
    assert response.json()["status"] == "WARNING" and response.json()["dryRun"] is True  # type: ignore[attr-defined]
    assert stored() == {("BIRTHS", "202601", "V1"): "5"}
    response = post(client, csv, "application/csv", "?importStrategy=UPDATE&atomicMode=NONE")
    assert response.json()["importCount"]["updated"] == 1  # type: ignore[attr-defined]
    assert stored() == {("BIRTHS", "202601", "V1"): "9"}
    response = post(
        client, "BIRTHS,202601,V1,,,1\n", "application/csv", "?importStrategy=SOMETIMES"
    )
    assert response.status_code == 400 and "importStrategy" in response.json()  # type: ignore[attr-defined]


def test_an_unreadable_body_is_a_400(world: World) -> None:
    response = post(world.client("admin"), "{not json", "application/json")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "invalid JSON" in response.json()["conflicts"][0]["value"]  # type: ignore[attr-defined]


def test_an_idscheme_of_uid_reads_dhis2s_bulk_example(world: World) -> None:
    # The example's periods (2014) are past the data set's lock day, which binds people.
    refused = post(
        world.client("system"), (FIXTURES / "dhis2_bulk.json").read_bytes(), "application/json"
    )
    assert refused.status_code == 409  # type: ignore[attr-defined]
    DataSet.objects.filter(code="FP_MONTHLY").update(lock_after_days=30000)
    for kind, code, uid in [
        ("element", "BIRTHS", "f7n9E0hX8qk"),
        ("unit", "V1", "DiszpKrYNg8"),
        ("unit", "V2", "FNnj3jKGS6i"),
        ("unit", "W1", "Jkhdsf8sdf4"),
    ]:
        response = world.client("system").post(
            "/api/interop/external-ids/", {"kind": kind, "code": code, "uid": uid}
        )
        assert response.status_code == 201, response.json()
    body = (FIXTURES / "dhis2_bulk.json").read_bytes()
    response = post(world.client("system"), body, "application/json", "?idScheme=UID")
    assert response.json()["importCount"]["imported"] == 4, response.json()  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["county_viewer", "reviewer", "no_role"])
def test_those_who_may_not_enter_figures_cannot_post(world: World, role: str) -> None:
    response = post(world.client(role), json.dumps(BULK), "application/json")
    assert response.status_code == 403  # type: ignore[attr-defined]


def test_an_anonymous_post_is_refused_and_basic_authentication_is_accepted(world: World) -> None:
    assert post(Client(), json.dumps(BULK), "application/json").status_code == 403  # type: ignore[attr-defined]
    user = world.users["admin"]
    user.set_password("a long enough password")
    user.save()
    token = base64.b64encode(b"admin:a long enough password").decode()
    response = Client().post(
        URL,
        data=json.dumps(BULK),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {token}",
    )
    assert response.status_code == 200


def test_get_exports_in_the_format_of_the_suffix_the_parameter_or_the_accept_header(
    world: World,
) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    client = world.client("county_viewer")
    query = "orgUnit=T&children=true&startDate=2026-01-01&endDate=2026-01-31"
    csv = client.get(f"{URL}.csv?{query}")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("application/csv")
    assert b"".join(csv.streaming_content).decode().splitlines()[1].startswith("BIRTHS,202601,V1,")
    adx = client.get(f"{URL}?{query}&format=adx")
    assert adx["Content-Type"].startswith("application/adx+xml")
    adx_by_accept = client.get(f"{URL}?{query}", HTTP_ACCEPT="application/adx+xml")
    assert adx_by_accept["Content-Type"].startswith("application/adx+xml")
    plain = client.get(f"{URL}?{query}")
    document = json.loads(b"".join(plain.streaming_content))
    assert document["dataValues"][0]["value"] == "3"


def test_get_with_one_data_set_period_and_unit_answers_in_the_one_form_shape(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    response = world.client("reporter_v1").get(
        f"{URL}.json?dataSet=FP_MONTHLY&period=202601&orgUnit=V1"
    )
    document = json.loads(b"".join(response.streaming_content))
    assert (document["dataSet"], document["period"], document["orgUnit"]) == (
        "FP_MONTHLY",
        "202601",
        "V1",
    )


def test_get_refuses_a_unit_out_of_sight_and_a_request_without_units(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    response = world.client("other_admin").get(f"{URL}?orgUnit=V1&period=202601")
    assert response.status_code == 404 and "一村" not in response.content.decode()
    response = world.client("reporter_v1").get(f"{URL}?orgUnit=T&children=true&period=202601")
    assert response.status_code == 404
    response = world.client("admin").get(f"{URL}?period=202601")
    assert response.status_code == 400 and "orgUnit" in response.json()
    assert world.client("no_role").get(f"{URL}?orgUnit=V1&period=202601").status_code == 403


def test_mappings_are_read_by_role_holders_and_changed_by_system_administrators(
    world: World,
) -> None:
    body = {"source_element": "BIRTHS", "combo": "male", "element": "BIRTHS_BOYS", "note": "男"}
    assert world.client("admin").post("/api/interop/combo-mappings/", body).status_code == 403
    created = world.client("system").post("/api/interop/combo-mappings/", body)
    assert created.status_code == 201 and created.json()["element"] == "BIRTHS_BOYS"
    listed = world.client("reporter_v1").get("/api/interop/combo-mappings/").json()
    assert [m["combo"] for m in listed["results"]] == ["male"]
    assert world.client("no_role").get("/api/interop/combo-mappings/").json()["results"] == []
    bad = world.client("system").post(
        "/api/interop/combo-mappings/", {"combo": "x", "element": "NOPE"}
    )
    assert bad.status_code == 400 and "element" in bad.json()
    pk = created.json()["id"]
    assert world.client("admin").delete(f"/api/interop/combo-mappings/{pk}/").status_code == 403
    assert world.client("system").delete(f"/api/interop/combo-mappings/{pk}/").status_code == 204
    assert not CategoryComboMapping.objects.exists()
    bad_uid = world.client("system").post(
        "/api/interop/external-ids/", {"kind": "unit", "code": "V1", "uid": "short"}
    )
    assert bad_uid.status_code == 400 and not ExternalId.objects.exists()


def test_each_person_sees_their_own_imports_and_the_system_administrator_all(
    world: World,
) -> None:
    post(world.client("reporter_v1"), json.dumps(BULK), "application/json")
    post(world.client("admin"), "BIRTHS,202601,V2,,,4\n", "application/csv")

    def files(role: str) -> list[str]:
        return [
            i["actor"] for i in world.client(role).get("/api/interop/imports/").json()["results"]
        ]

    assert files("reporter_v1") == ["reporter_v1"]
    assert sorted(files("system")) == ["admin", "reporter_v1"]
    assert files("county_viewer") == []
    own = ValueImport.objects.get(user=world.users["admin"]).pk
    assert world.client("reporter_v1").get(f"/api/interop/imports/{own}/").status_code == 404


def test_the_api_schema_describes_the_data_value_set_endpoint(world: World) -> None:
    User.objects.create_superuser("root", password="x")
    schema = world.client("system").get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/dataValueSets" in paths and "post" in paths["/api/dataValueSets"]
