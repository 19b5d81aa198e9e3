"""The birth-plan API: list, preview (nothing written) and apply, with refusals naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.audit.models import AuditEntry
from kaohe.schemes.models import BirthPlan, UnitTarget

from .plan_world import EXPECTED, YEAR, PlanWorld, build_world, client_for


@pytest.fixture
def plan_world(db: None) -> PlanWorld:
    return build_world()


PREVIEW = "/api/birth-plans/preview/"
APPLY = "/api/birth-plans/apply/"


def body(method: str = "population", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"scheme": "FP", "year": YEAR, "township": "T1", "method": method}
    if "rate_per_mille" not in extra:
        data["cap_births"] = 30
    return {**data, **extra}


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def admin(world: PlanWorld) -> Client:
    return client_for(world, Role.TOWNSHIP_ADMIN, "T1", "clerk")


def written() -> tuple[int, int, int]:
    return AuditEntry.objects.count(), UnitTarget.objects.count(), BirthPlan.objects.count()


@pytest.mark.parametrize("method", list(EXPECTED))
def test_preview_gives_each_methods_rows_and_totals_and_writes_nothing(
    plan_world: PlanWorld, method: str
) -> None:
    client = admin(plan_world)
    before = written()

    response = post(client, PREVIEW, body(method))

    assert response.status_code == 200
    data = response.json()
    assert {row["unit"]: row["adjusted"] for row in data["rows"]} == EXPECTED[method]
    assert {row["unit"]: row["quota"] for row in data["rows"]} == EXPECTED[method]
    total = sum(EXPECTED[method].values())
    assert (data["cap_births"], data["adjusted_total"], data["left"]) == (30, total, 30 - total)
    assert data["over_cap"] is False and data["problems"] == []
    assert data["item"] == "PLAN" and data["stored"] is None
    assert written() == before


def test_preview_shows_the_figures_and_the_units_missing_them(plan_world: PlanWorld) -> None:
    data = post(admin(plan_world), PREVIEW, body()).json()

    v1 = next(row for row in data["rows"] if row["unit"] == "V1")
    assert (v1["population_start"], v1["population_end"], v1["average_population"]) == (
        1000,
        1200,
        1100,
    )
    assert v1["mwra"] == 200 and v1["exact"] == 5.5
    assert data["missing"] == ["V4"]
    assert any("V4" in note for note in data["notes"])


def test_preview_turns_a_rate_into_births(plan_world: PlanWorld) -> None:
    data = post(admin(plan_world), PREVIEW, body(rate_per_mille="4.2")).json()

    assert (data["cap_births"], data["rate_per_mille"]) == (25, "4.200")
    assert data["adjusted_total"] == 25


def test_preview_of_an_adjustment_over_the_cap_names_the_problem(plan_world: PlanWorld) -> None:
    client = admin(plan_world)
    before = written()

    data = post(client, PREVIEW, body(adjust={"V1": 7, "V4": 1})).json()

    assert data["adjusted_total"] == 33 and data["left"] == -3 and data["over_cap"] is True
    assert data["problems"] == [
        {
            "field": "quotas",
            "detail": "分配合计 33 超过控制数 30 / the allocation total 33 exceeds the cap 30",
        }
    ]
    assert written() == before


def test_apply_stores_the_plan_and_answers_201(plan_world: PlanWorld) -> None:
    response = post(admin(plan_world), APPLY, body("mwra", adjust={"V4": 2}, reason="县下达"))

    assert response.status_code == 201
    data = response.json()
    quotas = {**EXPECTED["mwra"], "V4": 2}
    assert data["quotas"] == quotas and data["total"] == 29
    assert (data["township"], data["year"], data["method"], data["cap_births"]) == (
        "T1",
        YEAR,
        "mwra",
        30,
    )
    assert data["actor"] == "clerk"
    assert BirthPlan.objects.get().quotas == quotas
    assert dict(UnitTarget.objects.values_list("unit__code", "value")) == {
        u: float(q) for u, q in quotas.items()
    }
    assert AuditEntry.objects.filter(action="birthplan.create", channel="api").count() == 1


def test_apply_again_updates_the_plan(plan_world: PlanWorld) -> None:
    client = admin(plan_world)
    first = post(client, APPLY, body(reason="一")).json()

    second = post(client, APPLY, body("equal_rate", reason="二"))

    assert second.status_code == 201
    assert second.json()["id"] == first["id"]
    assert second.json()["quotas"] == EXPECTED["equal_rate"]
    assert BirthPlan.objects.count() == 1
    assert AuditEntry.objects.filter(action="birthplan.update").count() == 1
    assert AuditEntry.objects.filter(action="unittarget.update").count() == 1  # V3: 15 → 14
    preview = post(client, PREVIEW, body()).json()
    assert preview["stored"]["method"] == "equal_rate"


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"adjust": {"V1": 9}}, "quotas", "the allocation total 34 exceeds the cap 30"),
        ({"adjust": {"V1": -1}}, "adjust", "negative"),
        ({"adjust": {"V9": 1}}, "adjust", "not in the allocation: V9"),
        ({"rate_per_mille": "5", "cap_births": 30}, "cap_births", "one of the two"),
        ({"rate_per_mille": None, "cap_births": None}, "cap_births", "one of the two"),
        ({"reason": ""}, "reason", "a reason is required"),
        ({"township": "V1"}, "township", "not a township"),
        ({"township": "NOWHERE"}, "township", "no such township"),
        ({"scheme": "NOPE"}, "scheme", "no such scheme"),
        ({"method": "lottery"}, "method", ""),
        ({"year": "soon"}, "year", ""),
    ],
)
def test_apply_refuses_naming_the_field_and_changes_nothing(
    plan_world: PlanWorld, extra: dict[str, Any], field: str, words: str
) -> None:
    client = admin(plan_world)
    post(client, APPLY, body(reason="first"))
    before, plan = written(), BirthPlan.objects.get().quotas

    response = post(client, APPLY, body(**{"reason": "again", **extra}))

    assert response.status_code == 400
    data = response.json()
    assert data["field"] == field
    assert words in data["detail"]
    assert data["problems"][0] == {"field": field, "detail": data["detail"]}
    assert written() == before and BirthPlan.objects.get().quotas == plan


def test_a_reviewer_previews_but_may_not_apply(plan_world: PlanWorld) -> None:
    client = client_for(plan_world, Role.REVIEWER, "T1")

    assert post(client, PREVIEW, body()).status_code == 200
    assert post(client, APPLY, body(reason="x")).status_code == 403
    assert not BirthPlan.objects.exists()


def test_another_townships_administrator_is_answered_as_if_it_did_not_exist(
    plan_world: PlanWorld,
) -> None:
    client = client_for(plan_world, Role.TOWNSHIP_ADMIN, "T2")

    for url in (PREVIEW, APPLY):
        response = post(client, url, body(reason="x"))
        assert response.status_code == 400
        assert response.json()["field"] == "township"
        assert "一村" not in response.content.decode()
    assert not BirthPlan.objects.exists()


def test_the_list_shows_the_plans_of_the_townships_the_user_may_see(
    plan_world: PlanWorld,
) -> None:
    post(admin(plan_world), APPLY, body(reason="一"))
    post(
        client_for(plan_world, Role.TOWNSHIP_ADMIN, "T2", "other"),
        APPLY,
        body(township="T2", reason="二"),
    )

    def townships(role: str, unit: str) -> list[str]:
        data = client_for(plan_world, role, unit).get("/api/birth-plans/").json()
        return sorted(row["township"] for row in data["results"])

    assert townships(Role.COUNTY_VIEWER, "C") == ["T1", "T2"]
    assert townships(Role.REVIEWER, "T1") == ["T1"]
    assert townships(Role.REPORTER, "V1") == []
    viewer = client_for(plan_world, Role.COUNTY_VIEWER, "C", "viewer2")
    assert viewer.get("/api/birth-plans/", {"township": "T2"}).json()["count"] == 1


def test_the_endpoints_are_in_the_openapi_schema(plan_world: PlanWorld) -> None:
    text = Client().get("/api/schema/").content.decode()

    for path in ("/api/birth-plans/", "/api/birth-plans/preview/", "/api/birth-plans/apply/"):
        assert f"{path}:" in text
    for component in ("AllocationPreview:", "AllocationRequest:", "ApplyRequest:", "BirthPlan:"):
        assert component in text
