"""The forecasts page, API and console command, role by role (the township of conftest.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.audit.models import AuditEntry
from kaohe.forecasts.models import TownshipAssumptions
from kaohe.forecasts.services import OBJECT_TYPE

from .conftest import World

pytestmark = pytest.mark.django_db

PAGE = "/forecasts/"
API = "/api/forecasts/"
ASSUMPTIONS = "/api/forecasts/assumptions/"
# Who may read 甲镇's forecast, and who may set its assumptions.
READERS = ("system_admin", "township_admin", "reviewer", "county_viewer")
OTHERS = ("reporter", "other_admin", "no_role")


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_those_who_see_the_township_read_its_forecast(world: World, role: str) -> None:
    response = world.client(role).get(PAGE, {"township": "T01", "year": "2024"})

    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="village-table"' in text and "甲村" in text and "48.0" in text
    # The table carries every figure without scripts; the chart reads the same JSON.
    assert 'class="table table-sm align-middle kaohe-forecast-table"' in text
    assert 'id="forecast-data-T01-2024"' in text
    assert "129,600.00" in text  # a quarter of the subsidy
    assert ('id="assumptions-form"' in text) == (role in ("system_admin", "township_admin"))


@pytest.mark.parametrize("role", OTHERS)
def test_a_township_the_user_may_not_see_is_not_found(world: World, role: str) -> None:
    response = world.client(role).get(PAGE, {"township": "T01"})

    assert response.status_code == 404
    assert "甲村" not in response.content.decode()


def test_the_page_sends_visitors_to_log_in(world: World) -> None:
    assert world.client("anonymous").get(PAGE).status_code == 302


def test_the_page_opens_on_the_first_township_the_user_may_see(world: World) -> None:
    text = world.client("other_admin").get(PAGE).content.decode()

    assert "丁村" in text and "甲村" not in text


def test_a_user_without_a_township_is_told_so(world: World) -> None:
    response = world.client("no_role").get(PAGE)

    assert response.status_code == 200
    assert "你没有可以查看的乡镇" in response.content.decode()


def test_a_year_without_figures_is_refused_beside_the_field(world: World) -> None:
    response = world.client("township_admin").get(PAGE, {"township": "T01", "year": "2019"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "没有分年龄妇女数和出生数" in text and 'id="village-table"' not in text


def test_the_township_administrator_saves_and_clears_the_assumptions(world: World) -> None:
    client = world.client("township_admin")

    response = client.post(
        f"{PAGE}assumptions/",
        {"township": "T01", "year": "2024", "survival": "0.999", "note": "按户籍统计"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?township=T01&year=2024"
    row = TownshipAssumptions.objects.get(township__code="T01")
    assert (row.survival, row.net_migration, row.note) == (0.999, None, "按户籍统计")
    assert AuditEntry.objects.filter(object_type=OBJECT_TYPE, actor="township_admin").exists()
    client.post(f"{PAGE}assumptions/clear/", {"township": "T01"})
    assert not TownshipAssumptions.objects.filter(township__code="T01").exists()


def test_a_refused_assumption_is_shown_and_nothing_changes(world: World) -> None:
    client = world.client("township_admin")

    response = client.post(
        f"{PAGE}assumptions/", {"township": "T01", "survival": "1.5"}, follow=True
    )

    assert "育龄妇女年存活率须为 0.5–1 之间的数" in response.content.decode()
    assert TownshipAssumptions.objects.get(township__code="T01").survival == 1.0


@pytest.mark.parametrize(
    ("role", "status"),
    [("reviewer", 403), ("county_viewer", 403), ("other_admin", 404), ("reporter", 404)],
)
def test_only_the_townships_administrators_may_change_its_assumptions(
    world: World, role: str, status: int
) -> None:
    client = world.client(role)
    for url in (f"{PAGE}assumptions/", f"{PAGE}assumptions/clear/"):
        assert client.post(url, {"township": "T01", "survival": "0.9"}).status_code == status
    assert TownshipAssumptions.objects.get(township__code="T01").survival == 1.0


def test_the_assumptions_are_changed_by_post_only(world: World) -> None:
    assert world.client("township_admin").get(f"{PAGE}assumptions/").status_code == 405


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_the_api_answers_the_whole_forecast(world: World, role: str) -> None:
    data = world.client(role).get(API, {"township": "T01", "year": "2024"}).json()

    assert data["township"] == "T01" and data["base_year"] == 2024
    assert data["township_births"]["medium"] == [48.0] * 5
    assert data["township_births"]["low"][0] == 40.8
    assert [u["unit"] for u in data["units"]] == ["VA", "VB", "VC"]
    assert data["units"][0]["explanation_zh"] and data["units"][0]["explanation_en"]
    assert data["backtest"]["mape"] == 0.0
    assert [w["unit"] for w in data["warnings"]["units"]] == ["VA", "VB"]
    assert data["budget"]["money"][0] == "129600.00"
    assert data["budget"]["amount_per_year"] == "3600.00"
    assert data["services"][0]["childcare_places"] == 6.0


@pytest.mark.parametrize("role", OTHERS)
def test_the_api_answers_404_for_a_township_the_user_may_not_see(world: World, role: str) -> None:
    response = world.client(role).get(API, {"township": "T01"})

    assert response.status_code == 404
    assert "甲村" not in response.content.decode()


def test_the_api_asks_who_you_are(world: World) -> None:
    assert world.client("anonymous").get(API, {"township": "T01"}).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [({}, "township"), ({"township": "T01", "year": "1999"}, "year"),
     ({"township": "T01", "horizon": "9"}, "horizon")],
)  # fmt: skip
def test_the_api_refuses_a_bad_request_naming_the_field(
    world: World, query: dict[str, str], field: str
) -> None:
    response = world.client("township_admin").get(API, query)

    assert response.status_code == 400
    assert response.json()["field"] == field


def test_the_api_reads_saves_and_clears_the_assumptions(world: World) -> None:
    client = world.client("township_admin")
    url = f"{ASSUMPTIONS}?township=T01"

    assert client.get(url).json()["saved"]["survival"] == 1.0
    saved = client.put(url, {"fertility_trend": -0.02, "note": "持续下降"}, "application/json")
    assert saved.status_code == 200
    assert (saved.json()["fertility_trend"], saved.json()["survival"]) == (-0.02, None)
    assert client.get(API, {"township": "T01"}).json()["assumptions"]["fertility_trend"] == -0.02
    refused = client.put(url, {"low_factor": 1.2}, "application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "low_factor"
    assert client.delete(url).status_code == 204
    assert client.get(url).json() == {"saved": None}


@pytest.mark.parametrize(
    ("role", "status"), [("reviewer", 403), ("county_viewer", 403), ("other_admin", 404)]
)
def test_the_api_lets_only_the_townships_administrators_change_assumptions(
    world: World, role: str, status: int
) -> None:
    client = world.client(role)
    url = f"{ASSUMPTIONS}?township=T01"

    assert client.put(url, {"survival": 0.9}, "application/json").status_code == status
    assert client.delete(url).status_code == status
    assert TownshipAssumptions.objects.get(township__code="T01").survival == 1.0


def test_the_api_schema_describes_the_forecast(world: World) -> None:
    schema = world.client("township_admin").get("/api/schema/?format=json").json()

    assert "/api/forecasts/" in schema["paths"]
    assert {"get", "put", "delete"} <= set(schema["paths"]["/api/forecasts/assumptions/"])
    assert "ForecastReport" in schema["components"]["schemas"]


# --- the console ----------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("forecast", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_forecast_and_the_backtest(world: World) -> None:
    text = run("--township", "T01", "--year", "2024")

    assert "全镇出生数 / township births" in text
    assert "T01        甲镇" in text and "48.0" in text and "40.8" in text and "55.2" in text
    assert "回测 2023–2024" in text and "0.0%" in text


def test_the_command_prints_the_sections_asked_for(world: World) -> None:
    text = run("--township", "T01", "--variant", "medium", "--backtest", "--warnings", "--budget")

    assert "2025 medium" in text and "2025 low" not in text
    assert "各村回测误差" in text
    assert "2025 年预警" in text and "预警 warning" in text
    assert "2025Q1" in text and "129600.00" in text and "1036800.00" in text
    assert "服务需求" in text


def test_the_command_writes_csv_and_json(world: World) -> None:
    rows = list(csv.reader(io.StringIO(run("--township", "T01", "--format", "csv", "--budget"))))
    assert rows[0] == ["全镇出生数 / township births"]
    assert ["2025Q1", "144.0", "129600.00", ""] in rows

    data = json.loads(run("--township", "T01", "--format", "json", "--horizon", "2"))
    assert data["years"] == [2025, 2026]
    assert data["township_births"]["medium"] == [48.0, 48.0]


def test_the_command_saves_assumptions_and_audits_them(world: World) -> None:
    text = run("--township", "T01", "--set", "net_migration=-0.05", "--note", "外出务工")

    row = TownshipAssumptions.objects.get(township__code="T01")
    assert (row.survival, row.net_migration, row.note) == (1.0, -0.05, "外出务工")
    assert AuditEntry.objects.filter(object_type=OBJECT_TYPE, channel="cli").exists()
    assert "48.0" not in text.split("出生预测")[1].splitlines()[-1]
    run("--township", "T01", "--clear-assumptions")
    assert not TownshipAssumptions.objects.filter(township__code="T01").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("--township", "NOPE"),
        ("--township", "VA"),  # a village, not a township
        ("--township", "T01", "--year", "2019"),
        ("--township", "T01", "--set", "speed=3"),
        ("--township", "T01", "--set", "survival=3"),
    ],
)
def test_the_command_refuses_bad_input_and_changes_nothing(
    world: World, args: tuple[str, ...]
) -> None:
    count = AuditEntry.objects.count()

    with pytest.raises(CommandError) as refused:
        run(*args)

    assert " / " in str(refused.value)
    assert AuditEntry.objects.count() == count
