"""The data values API: bulk read through the access check, bulk write as DHIS2 data value sets.

The world (tests/access) holds BIRTHS and BIRTHS_POLICY of three villages for three months of
2006: 18 values. Writes use the current month, which no lock day has closed yet.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kaohe.audit.models import AuditEntry, Channel
from kaohe.datavalues import api
from kaohe.datavalues.models import DataValue
from tests.access.conftest import World

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/datavalues/"
OUT_OF_REACH = "未知的单位，或无权填报该单位 / unknown unit, or not one you may enter figures for"


@pytest.fixture
def month() -> str:
    today = timezone.localdate()
    return f"{today.year}{today.month:02d}"


def value_set(month: str, *values: tuple[str, str, Any], **top: str) -> str:
    return json.dumps(
        {
            **top,
            "dataValues": [
                {"dataElement": element, "period": month, "orgUnit": unit, "value": value}
                for element, unit, value in values
            ],
        }
    )


def post(client: Client, body: str, query: str = "", content_type: str = "application/json") -> Any:
    return client.post(URL + query, body, content_type=content_type)


def stored_in(month: str) -> set[tuple[str, str, str]]:
    return {
        (v.element.code, v.unit.code, str(v.value.normalize()))
        for v in DataValue.objects.filter(period__code=month).select_related("element", "unit")
    }


# --- reading -------------------------------------------------------------------------------


def listed(world: World, role: str, query: str = "") -> list[dict[str, Any]]:
    response = client_for(world, role).get(URL + query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_each_role_reads_the_values_of_the_units_it_may_see(world: World) -> None:
    def units(role: str) -> set[str]:
        return {row["orgUnit"] for row in listed(world, role)}

    assert units("reporter_b") == {"VB01"}
    assert units("township_admin") == {"VA01", "VB01"}
    assert units("county_viewer") == {"VA01", "VB01", "VZ01"}
    assert units("no_role") == set()


def test_a_value_reads_as_in_dhis2(world: World) -> None:
    row = listed(world, "reporter_a", "?element=BIRTHS&period=200603")[0]

    assert row["dataElement"] == "BIRTHS" and row["period"] == "200603"
    assert row["orgUnit"] == "VA01" and row["value"] == "3"
    assert set(row) == {
        "dataElement",
        "period",
        "orgUnit",
        "value",
        "storedBy",
        "created",
        "lastUpdated",
        "comment",
        "followup",
    }


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("", 18),
        ("?dataset=MONTHLY", 18),
        ("?dataset=MONTHLY&period=200603", 6),
        ("?period=200603,200607", 12),
        ("?element=BIRTHS", 9),
        ("?element=BIRTHS&unit=VA01", 3),
        ("?unit=T01", 0),  # the township itself reports nothing
        ("?unit=T01&children=true", 12),
        ("?unit=C01&children=true&element=BIRTHS_POLICY", 9),
        ("?period=2006", 0),  # a period is matched exactly, as in DHIS2
    ],
)
def test_the_filters(world: World, query: str, count: int) -> None:
    assert len(listed(world, "county_viewer", query)) == count


def test_values_come_in_pages(world: World) -> None:
    data = client_for(world, "county_viewer").get(URL + "?limit=5&offset=5").json()

    assert data["count"] == 18 and len(data["results"]) == 5
    assert "offset=10" in data["next"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?dataset=NO_SUCH_SET", "dataset"),
        ("?element=NO_SUCH_ELEMENT", "element"),
        ("?period=2006-13", "period"),
        ("?unit=NO_SUCH_UNIT", "unit"),
    ],
)
def test_an_unknown_code_is_refused_with_400(world: World, query: str, field: str) -> None:
    response = client_for(world, "county_viewer").get(URL + query)

    assert response.status_code == 400 and field in response.json()


def test_a_unit_out_of_reach_is_answered_like_a_unit_that_does_not_exist(world: World) -> None:
    client = client_for(world, "township_admin")
    foreign = client.get(URL + "?unit=VZ01")
    missing = client.get(URL + "?unit=NO_SUCH_UNIT")

    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert "丁家村" not in foreign.content.decode()


def test_reading_a_page_takes_the_same_queries_for_one_value_or_a_thousand(
    world: World, django_assert_num_queries: Any
) -> None:
    client = client_for(world, "county_viewer")
    with django_assert_num_queries(5):  # session, user, roles, count, page
        assert len(client.get(URL + "?limit=1").json()["results"]) == 1
    with django_assert_num_queries(5):
        assert len(client.get(URL + "?limit=1000").json()["results"]) == 18


# --- writing -------------------------------------------------------------------------------


def test_a_data_value_set_is_imported_and_answered_with_dhis2_counters(
    world: World, month: str
) -> None:
    body = value_set(month, ("BIRTHS", "VA01", 2), ("BIRTHS_POLICY", "VA01", "2"))
    response = post(client_for(world, "township_admin"), body)

    assert response.status_code == 200, response.content
    summary = response.json()
    assert summary["status"] == "SUCCESS" and summary["responseType"] == "ImportSummary"
    assert summary["importCount"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    assert summary["conflicts"] == [] and summary["dryRun"] is False
    assert stored_in(month) == {("BIRTHS", "VA01", "2"), ("BIRTHS_POLICY", "VA01", "2")}
    entries = AuditEntry.objects.filter(object_key__endswith=f"/{month}/VA01")
    assert {(e.channel, e.actor, e.user.username) for e in entries} == {
        (Channel.API, "township_admin", "township_admin")
    }


def test_the_one_form_shape_gives_period_and_unit_once(world: World, month: str) -> None:
    body = json.dumps(
        {"period": month, "orgUnit": "VB01", "dataValues": [{"dataElement": "BIRTHS", "value": 4}]}
    )
    response = post(client_for(world, "reporter_b"), body)

    assert response.status_code == 200, response.content
    assert stored_in(month) == {("BIRTHS", "VB01", "4")}


def test_a_dry_run_counts_and_writes_nothing(world: World, month: str) -> None:
    body = value_set(month, ("BIRTHS", "VA01", 2))
    response = post(client_for(world, "reporter_a"), body, "?dryRun=true")

    assert response.status_code == 200
    assert response.json()["dryRun"] is True
    assert response.json()["importCount"]["imported"] == 1
    assert stored_in(month) == set()


def test_one_bad_value_refuses_the_whole_set_and_names_it(world: World, month: str) -> None:
    body = value_set(month, ("BIRTHS", "VA01", 2), ("BIRTHS", "VB01", "two"))
    response = post(client_for(world, "township_admin"), body)

    assert response.status_code == 409
    summary = response.json()
    assert summary["status"] == "ERROR"
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
    [conflict] = summary["conflicts"]
    assert conflict["indexes"] == [1] and conflict["object"] == "two"
    assert conflict["property"] == "value" and "not a number" in conflict["value"]
    assert stored_in(month) == set()


def test_a_value_for_a_unit_out_of_reach_refuses_the_set_like_an_unknown_unit(
    world: World, month: str
) -> None:
    client = client_for(world, "reporter_a")
    foreign = post(client, value_set(month, ("BIRTHS", "VA01", 1), ("BIRTHS", "VB01", 1)))
    missing = post(client, value_set(month, ("BIRTHS", "VA01", 1), ("BIRTHS", "NO_SUCH", 1)))

    assert foreign.status_code == missing.status_code == 409
    assert [c["value"] for c in foreign.json()["conflicts"]] == [OUT_OF_REACH]
    assert [c["value"] for c in missing.json()["conflicts"]] == [OUT_OF_REACH]
    assert foreign.json()["conflicts"][0]["indexes"] == [1]
    assert stored_in(month) == set()


def test_the_unit_check_reads_the_body_as_the_import_does_whatever_its_encoding(
    world: World, month: str
) -> None:
    # GBK: a checker that only understood UTF-8 would let this through unread.
    body = value_set(month, ("BIRTHS", "VB01", 1), comment="备注").encode("gbk")
    response = client_for(world, "reporter_a").post(URL, body, content_type="application/json")

    assert response.status_code == 409
    assert stored_in(month) == set()


@pytest.mark.parametrize("role", ["reviewer", "county_viewer", "auditor", "no_role", "anonymous"])
def test_who_may_not_enter_figures_is_refused_with_403(world: World, month: str, role: str) -> None:
    response = post(client_for(world, role), value_set(month, ("BIRTHS", "VA01", 1)))

    assert response.status_code == 403
    assert stored_in(month) == set()


def test_a_body_that_is_not_json_is_a_bad_request(world: World) -> None:
    response = post(client_for(world, "township_admin"), "{not json")

    assert response.status_code == 400
    assert response.json()["status"] == "ERROR"
    assert "JSON" in response.json()["conflicts"][0]["value"]


def test_a_dhis2_csv_body_is_read_as_csv(world: World, month: str) -> None:
    body = f"dataelement,period,orgunit,catoptcombo,attroptcombo,value\nBIRTHS,{month},VA01,,,5\n"
    response = post(client_for(world, "township_admin"), body, content_type="text/csv")

    assert response.status_code == 200, response.content
    assert stored_in(month) == {("BIRTHS", "VA01", "5")}


def test_a_body_over_the_limit_is_refused_with_413(
    world: World, month: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "MAX_BODY_BYTES", 100)
    body = value_set(month, *[("BIRTHS", "VA01", n) for n in range(10)])
    response = post(client_for(world, "township_admin"), body)

    assert response.status_code == 413
    assert stored_in(month) == set()


def test_a_browser_session_must_send_the_csrf_token(world: World, month: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["township_admin"])
    response = post(client, value_set(month, ("BIRTHS", "VA01", 1)))

    assert response.status_code == 403
    assert stored_in(month) == set()


# --- machine clients with a token ----------------------------------------------------------


def test_a_machine_client_writes_and_reads_with_its_token(world: World, month: str) -> None:
    out = io.StringIO()
    call_command("token", "township_admin", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", enforce_csrf_checks=True)

    written = post(client, value_set(month, ("BIRTHS", "VB01", 6)))
    read = client.get(URL + f"?period={month}")

    assert written.status_code == 200, written.content
    assert [(r["orgUnit"], r["value"]) for r in read.json()["results"]] == [("VB01", "6")]
    assert Client(HTTP_AUTHORIZATION="Token not-a-key").get(URL).status_code == 403


def test_the_browsable_api_shows_the_values_and_the_form_to_post_a_set(world: World) -> None:
    response = client_for(world, "township_admin").get(URL, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    text = response.content.decode()
    assert "VA01" in text and "丁家村" not in text and "VZ01" not in text
    assert 'name="_content"' in text  # the raw-data form, to POST a data value set
