"""The birth-plan page /plans/: each method, hand adjustment (HTMX and plain form), the sum
against the cap, applying, the stored plan beside the contracts, and who may do what."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kaohe.accounts.models import Role
from kaohe.audit.models import AuditEntry
from kaohe.contracts.models import Contract, ContractStatus, ContractTarget
from kaohe.schemes.models import BirthPlan, Scheme, UnitTarget

from .plan_world import EXPECTED, YEAR, PlanWorld, build_world, client_for


@pytest.fixture
def plan_world(db: None) -> PlanWorld:
    return build_world()


URL = "/plans/"


def selection(world: PlanWorld, **extra: Any) -> dict[str, Any]:
    return {"scheme": world.scheme.pk, "year": YEAR, "township": "T1", **extra}


def allocating(world: PlanWorld, method: str = "population", **extra: Any) -> dict[str, Any]:
    return selection(world, method=method, cap_births=30, **extra)


def admin(world: PlanWorld) -> Client:
    return client_for(world, Role.TOWNSHIP_ADMIN, "T1", "clerk")


def text_of(response: Any) -> str:
    return response.content.decode()


def adjusted_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="adj-(\w+)" value="(-?\d*)"', html))


def test_the_page_offers_the_schemes_townships_and_methods_in_words(
    plan_world: PlanWorld,
) -> None:
    Scheme.objects.create(code="NOPLAN", name="无人口计划的方案", unit_kinds=["village"])

    html = text_of(admin(plan_world).get(URL))

    assert "计划生育目标管理（FP v1）" in html
    assert "NOPLAN" not in html  # neither a plan item nor the default item
    assert "甲镇" in html and "乙镇" not in html  # only the townships the clerk may see
    for words in ("按平均人口比例", "按育龄已婚妇女比例", "统一出生率"):
        assert words in html


@pytest.mark.parametrize("method", list(EXPECTED))
def test_each_method_shows_its_quotas_and_the_sum_against_the_cap(
    plan_world: PlanWorld, method: str
) -> None:
    response = admin(plan_world).get(URL, allocating(plan_world, method))

    assert response.status_code == 200
    assert response.context["plan"].quotas == EXPECTED[method]
    html = text_of(response)
    assert adjusted_inputs(html) == {u: str(q) for u, q in EXPECTED[method].items()}
    total = sum(EXPECTED[method].values())
    assert f"分配合计 {total} 人，未超过控制数 30 人，余 {30 - total} 人" in html
    assert "table-success" in html


def test_the_table_shows_the_figures_and_names_the_units_missing_one(
    plan_world: PlanWorld,
) -> None:
    html = text_of(admin(plan_world).get(URL, allocating(plan_world)))

    assert "2006年末人口" in html and "2007年末人口" in html
    row = re.search(r'<tr data-unit="V1">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = re.findall(r'<td class="text-end num[^"]*">([^<]*)</td>', row.group(1))
    assert cells[:5] == ["1000", "1200", "1100", "200", "1100"]
    assert "以下单位缺少分配所需的数据，计划数为 0" in html
    assert "四村（V4）" in html


def test_a_rate_is_turned_into_births(plan_world: PlanWorld) -> None:
    response = admin(plan_world).get(
        URL, selection(plan_world, method="population", rate_per_mille="4.2")
    )

    assert response.context["plan"].cap == 25
    assert "分配合计 25 人，未超过控制数 25 人" in text_of(response)


def test_both_forms_of_the_cap_are_refused_on_the_form(plan_world: PlanWorld) -> None:
    response = admin(plan_world).get(URL, allocating(plan_world, rate_per_mille="5"))

    assert response.context["plan"] is None
    assert "出生控制数和出生率控制指标只能填一个" in text_of(response)


def test_recalculating_without_scripts_shows_the_excess_in_red(plan_world: PlanWorld) -> None:
    body = allocating(plan_world, action="recalculate", **{"adj-V1": "7", "adj-V2": "10"})

    response = admin(plan_world).post(URL, body)

    assert response.status_code == 200
    html = text_of(response)
    assert "分配合计 32 人，超过控制数 30 人，超出 2 人" in html
    assert "table-danger" in html
    assert "the allocation total 32 exceeds the cap 30" in html
    assert adjusted_inputs(html)["V1"] == "7"
    assert not BirthPlan.objects.exists()


def test_htmx_recalculates_only_the_sum(plan_world: PlanWorld) -> None:
    body = allocating(plan_world, action="recalculate", **{"adj-V3": "13"})

    response = admin(plan_world).post(URL, body, headers={"HX-Request": "true"})

    html = text_of(response)
    assert html.lstrip().startswith('<tfoot id="plan-sum">')
    assert "<form" not in html
    assert "分配合计 28 人，未超过控制数 30 人，余 2 人" in html


def test_a_quota_that_is_not_a_whole_number_is_named(plan_world: PlanWorld) -> None:
    body = allocating(plan_world, action="recalculate", **{"adj-V2": "abc"})

    html = text_of(admin(plan_world).post(URL, body, headers={"HX-Request": "true"}))

    assert "V2：调整后的计划数应为整数" in html


def test_apply_stores_the_plan_and_goes_back_to_it(plan_world: PlanWorld) -> None:
    client = admin(plan_world)
    body = allocating(plan_world, "mwra", action="apply", reason="县下达", **{"adj-V4": "2"})

    response = client.post(URL, body)

    assert response.status_code == 302
    stored = BirthPlan.objects.get()
    quotas = {**EXPECTED["mwra"], "V4": 2}
    assert (stored.method, stored.cap_births, stored.quotas) == ("mwra", 30, quotas)
    assert stored.actor == "clerk"
    assert dict(UnitTarget.objects.values_list("unit__code", "value")) == {
        u: float(q) for u, q in quotas.items()
    }
    assert AuditEntry.objects.filter(action="birthplan.create", channel="web").count() == 1
    page = client.get(response["Location"])
    html = text_of(page)
    assert "已保存 甲镇 2008 年人口计划" in html
    assert "已保存的 甲镇 2008 年人口计划" in html
    assert "按育龄已婚妇女比例" in html and "由 clerk 于" in html


def test_the_stored_plan_can_be_taken_up_again_with_its_adjustments(
    plan_world: PlanWorld,
) -> None:
    client = admin(plan_world)
    client.post(URL, allocating(plan_world, "mwra", action="apply", reason="x", **{"adj-V4": "2"}))
    html = text_of(client.get(URL, selection(plan_world)))
    link = re.search(r'href="([^"]*)">在此基础上重新分配', html)
    assert link is not None

    again = client.get(link.group(1).replace("&amp;", "&"))

    assert again.context["plan"].method.value == "mwra"
    assert adjusted_inputs(text_of(again)) == {
        **{u: str(q) for u, q in EXPECTED["mwra"].items()},
        "V4": "2",
    }


def test_applying_again_updates_the_stored_plan(plan_world: PlanWorld) -> None:
    client = admin(plan_world)
    client.post(URL, allocating(plan_world, action="apply", reason="一"))

    client.post(URL, allocating(plan_world, "equal_rate", action="apply", reason="二"))

    assert BirthPlan.objects.get().method == "equal_rate"
    assert AuditEntry.objects.filter(action="birthplan.update").count() == 1
    assert UnitTarget.objects.get(unit__code="V3").value == 14


def test_apply_over_the_cap_is_refused_with_the_reason_and_changes_nothing(
    plan_world: PlanWorld,
) -> None:
    client = admin(plan_world)
    audit = AuditEntry.objects.count()

    response = client.post(
        URL, allocating(plan_world, action="apply", reason="多给", **{"adj-V1": "9"})
    )

    assert response.status_code == 422
    assert "the allocation total 34 exceeds the cap 30" in text_of(response)
    assert not BirthPlan.objects.exists() and not UnitTarget.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_apply_needs_a_reason(plan_world: PlanWorld) -> None:
    response = admin(plan_world).post(URL, allocating(plan_world, action="apply", reason=""))

    assert response.status_code == 422
    assert "a reason is required" in text_of(response)
    assert not BirthPlan.objects.exists()


def test_the_stored_plan_is_shown_beside_the_contracts_targets(plan_world: PlanWorld) -> None:
    client = admin(plan_world)
    client.post(URL, allocating(plan_world, action="apply", reason="县下达"))
    item = plan_world.scheme.items.get(code="PLAN")
    old = Contract.objects.create(
        scheme=plan_world.scheme,
        unit=plan_world.units["V1"],
        year=YEAR,
        status=ContractStatus.SUPERSEDED,
    )
    ContractTarget.objects.create(contract=old, item=item, value=3)
    signed = Contract.objects.create(
        scheme=plan_world.scheme,
        unit=plan_world.units["V1"],
        year=YEAR,
        version=2,
        status=ContractStatus.SIGNED,
        signed_on=datetime.date(2008, 1, 5),
        previous=old,
    )
    ContractTarget.objects.create(contract=signed, item=item, value=4)

    response = client.get(URL, selection(plan_world))

    stored = response.context["stored"]
    rows = {row.unit: row for row in stored.rows}
    assert (rows["V1"].quota, rows["V1"].target, rows["V1"].contract_target) == (5, 5.0, 4.0)
    assert rows["V1"].contract_version == 2 and rows["V1"].contract_differs
    assert rows["V2"].contract_target is None
    assert "责任书目标" in text_of(response)


def test_without_contracts_the_contract_column_is_left_out(plan_world: PlanWorld) -> None:
    client = admin(plan_world)
    client.post(URL, allocating(plan_world, action="apply", reason="县下达"))

    html = text_of(client.get(URL, selection(plan_world)))

    assert "现行目标" in html and "责任书目标" not in html


# --- who may do what -------------------------------------------------------------------------


def test_a_reviewer_sees_and_recalculates_but_may_not_apply(plan_world: PlanWorld) -> None:
    client = client_for(plan_world, Role.REVIEWER, "T1")

    page = client.get(URL, allocating(plan_world))
    refused = client.post(URL, allocating(plan_world, action="apply", reason="x"))

    assert page.status_code == 200 and 'value="apply"' not in text_of(page)
    assert "只有本乡镇的管理员可以保存人口计划" in text_of(page)
    assert client.post(URL, allocating(plan_world, action="recalculate")).status_code == 200
    assert refused.status_code == 403
    assert not BirthPlan.objects.exists()


@pytest.mark.parametrize(("role", "unit"), [(Role.TOWNSHIP_ADMIN, "T2"), (Role.REPORTER, "V1")])
def test_a_township_the_user_may_not_see_is_not_found(
    plan_world: PlanWorld, role: str, unit: str
) -> None:
    client = client_for(plan_world, role, unit)

    page = client.get(URL, allocating(plan_world))
    applied = client.post(URL, allocating(plan_world, action="apply", reason="x"))

    assert page.status_code == 404 and "一村" not in text_of(page)
    assert applied.status_code == 404
    assert not BirthPlan.objects.exists()


def test_a_reporter_is_told_there_is_no_township_to_see(plan_world: PlanWorld) -> None:
    html = text_of(client_for(plan_world, Role.REPORTER, "V1").get(URL))

    assert "你没有可以查看的乡镇" in html


def test_the_list_of_stored_plans_shows_only_the_users_townships(plan_world: PlanWorld) -> None:
    admin(plan_world).post(URL, allocating(plan_world, action="apply", reason="县下达"))
    link = 'township=T1"'

    assert link in text_of(client_for(plan_world, Role.COUNTY_VIEWER, "C").get(URL))
    assert link not in text_of(client_for(plan_world, Role.TOWNSHIP_ADMIN, "T2").get(URL))


def test_visitors_are_sent_to_the_login_page(plan_world: PlanWorld) -> None:
    response = Client().get(reverse("plans:index"))

    assert response.status_code == 302 and "/login/" in response["Location"]
