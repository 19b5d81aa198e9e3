"""Comparing two runs: the units whose totals, grades, ranks, vetoes, contracts or money changed,
and the items behind each change; the page, the API and the command.

The world of tests/access (ACCESS scheme, 2006): PLAN (weight 60, a band of 0.85–1.0 around
each village's target) reads the births, POLICY (weight 40, threshold 90 %) the policy rate.
Before any change: 甲家村 VA01 9 births against 10 → 100.00, PASS, rank 1; 乙家村 VB01 12
against 12 but 75 % policy → 60.00, PASS, rank 2; 丁家村 VZ01 6 against 8 → 40.00, FAIL, rank 3.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from kaohe.assessments.comparing import (
    MoneyChange,
    compare_runs,
    money_changes,
    money_providers,
    register_money_provider,
    unregister_money_provider,
)
from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.services import Actor
from kaohe.contracts.services import do_amend, do_generate_contracts, do_sign
from kaohe.datavalues.services import do_set_value
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import UnitTarget
from kaohe.schemes.versions import do_edit_draft, do_new_version, do_publish_scheme
from tests.access.conftest import MARKERS, World, world  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.django_db

ACTOR = Actor.cli("pytest")


def rerun(world: World, root: str | None = None, scheme=None) -> AssessmentRun:  # noqa: F811
    unit = OrgUnit.objects.get(code=root) if root else None
    return do_run_assessment(scheme or world.run_all.scheme, 2006, actor=ACTOR, root=unit)


def va01_births_over_target(world: World) -> AssessmentRun:  # noqa: F811
    """甲家村 reports 5 births in March instead of 3: 11 against 10, policy 9 of 11."""
    do_set_value(
        actor=ACTOR, element_code="BIRTHS", period_code="200603", unit_code="VA01", value=5
    )
    return rerun(world)


def client_for(world: World, role: str) -> Client:  # noqa: F811
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# --- what changed --------------------------------------------------------------------------


def test_changed_figures_change_total_grade_and_rank_with_the_items_behind_them(
    world: World,  # noqa: F811
) -> None:
    new = va01_births_over_target(world)

    comparison = compare_runs(world.run_all, new)

    by_unit = {u.unit: u for u in comparison.units}
    va01 = by_unit["VA01"]
    assert (va01.old_total, va01.new_total) == (Decimal("100.00"), Decimal("0.00"))
    assert va01.total_delta == Decimal("-100.00")
    assert (va01.old_grade, va01.new_grade) == ("PASS", "FAIL")
    assert (va01.old_rank, va01.new_rank) == (1, 3)
    assert va01.changed == ("total", "grade", "rank", "items")
    plan, policy = va01.items
    assert (plan.code, plan.old_actual, plan.new_actual) == ("PLAN", 9.0, 11.0)
    assert (plan.old_score, plan.new_score) == (Decimal("60.00"), Decimal("0.00"))
    assert plan.changed == ("actual", "score") and not plan.rule_changed
    assert (policy.code, policy.old_actual, policy.new_actual) == ("POLICY", 100.0, 81.8)
    assert comparison.inputs_changed and not comparison.scheme_changed


def test_units_that_only_moved_in_the_ranking_are_told_so(world: World) -> None:  # noqa: F811
    new = va01_births_over_target(world)

    by_unit = {u.unit: u for u in compare_runs(world.run_all, new).units}

    assert (by_unit["VB01"].old_rank, by_unit["VB01"].new_rank) == (2, 1)
    assert (by_unit["VZ01"].old_rank, by_unit["VZ01"].new_rank) == (3, 2)
    assert by_unit["VB01"].rank_only and by_unit["VZ01"].rank_only
    assert by_unit["VB01"].items == ()


def test_an_item_whose_figure_changed_but_not_its_score_is_listed(world: World) -> None:  # noqa: F811
    for month in ("200603", "200607", "200611"):
        do_set_value(
            actor=ACTOR,
            element_code="BIRTHS_POLICY",
            period_code=month,
            unit_code="VB01",
            value=2,
        )
    new = rerun(world)

    comparison = compare_runs(world.run_all, new)

    (vb01,) = comparison.units
    assert vb01.changed == ("items",)  # 75 % → 50 %: still under 90 %, still 0 points
    (policy,) = vb01.items
    assert (policy.old_actual, policy.new_actual, policy.changed) == (75.0, 50.0, ("actual",))
    assert comparison.unchanged == 2


def test_a_changed_target_is_the_reason(world: World) -> None:  # noqa: F811
    UnitTarget.objects.filter(unit__code="VZ01", year=2006, item__code="PLAN").update(value=6)
    new = rerun(world)

    vz01 = next(u for u in compare_runs(world.run_all, new).units if u.unit == "VZ01")

    assert (vz01.old_total, vz01.new_total) == (Decimal("40.00"), Decimal("100.00"))
    (plan,) = vz01.items
    assert (plan.old_target, plan.new_target) == (8.0, 6.0)
    assert plan.changed == ("target", "score")


def test_the_same_run_compared_with_itself_has_no_changes(world: World) -> None:  # noqa: F811
    comparison = compare_runs(world.run_all, world.run_all)

    assert comparison.units == () and comparison.unchanged == 3
    assert not comparison.scheme_changed and not comparison.inputs_changed


def test_a_new_scheme_version_is_told_and_a_rule_change_named(world: World) -> None:  # noqa: F811
    version_2 = do_new_version(world.run_all.scheme, ACTOR)
    do_edit_draft(version_2, {"items": {"PLAN": {"params": {"low": 0.5, "high": 1.0}}}}, ACTOR)
    new = rerun(world, scheme=version_2)

    comparison = compare_runs(world.run_all, new)

    assert comparison.scheme_changed
    by_unit = {u.unit: u for u in comparison.units}
    vz01 = by_unit["VZ01"]  # 6 of 8 births is now inside the band
    assert (vz01.old_grade, vz01.new_grade) == ("FAIL", "PASS")
    assert by_unit["VB01"].rank_only  # 乙家村 itself scores the same
    (plan,) = vz01.items
    assert plan.changed == ("score",) and plan.rule_changed


def test_a_new_weight_is_a_scheme_change_of_the_item(world: World) -> None:  # noqa: F811
    version_2 = do_new_version(world.run_all.scheme, ACTOR)
    do_edit_draft(version_2, {"items": {"PLAN": {"weight": 70}, "POLICY": {"weight": 30}}}, ACTOR)
    new = rerun(world, scheme=version_2)

    vb01 = next(u for u in compare_runs(world.run_all, new).units if u.unit == "VB01")

    plan = next(i for i in vb01.items if i.code == "PLAN")
    assert (plan.old_weight, plan.new_weight) == (Decimal("60.00"), Decimal("70.00"))
    assert "weight" in plan.changed
    assert (vb01.old_total, vb01.new_total) == (Decimal("60.00"), Decimal("70.00"))


def test_another_contract_version_is_told_per_unit(world: World) -> None:  # noqa: F811
    scheme = do_publish_scheme(world.run_all.scheme, ACTOR)
    township = OrgUnit.objects.get(code="T02")
    contract = do_generate_contracts(scheme, 2006, township, ACTOR).created[0]
    contract = do_sign(contract, datetime.date(2006, 1, 5), ACTOR)
    signed = rerun(world, "T02")
    do_amend(contract, {"PLAN": 6}, "人口变化", ACTOR, datetime.date(2006, 6, 1))
    amended = rerun(world, "T02")

    (first,) = compare_runs(world.run_t02, signed).units
    (second,) = compare_runs(signed, amended).units

    assert first.changed == ("contract",)  # the same targets, now from a signed contract
    assert (first.old_contract_version, first.new_contract_version) == (None, 1)
    assert (second.old_contract_version, second.new_contract_version) == (1, 2)
    assert "contract" in second.changed and second.items[0].changed == ("target", "score")


def test_a_unit_assessed_by_one_run_only_is_added_or_removed(world: World) -> None:  # noqa: F811
    comparison = compare_runs(world.run_t02, world.run_all)

    changes = {u.unit: u.changed[0] for u in comparison.units}
    assert changes == {"VA01": "added", "VB01": "added", "VZ01": "rank"}
    assert {u.unit: u.changed[0] for u in compare_runs(world.run_all, world.run_t02).units} == {
        "VZ01": "rank",
        "VA01": "removed",
        "VB01": "removed",
    }


# --- money -----------------------------------------------------------------------------------


@pytest.fixture
def no_ledger() -> Iterator[None]:
    """The providers installed apps registered, taken away for the test."""
    installed = money_providers()
    for provider in installed:
        unregister_money_provider(provider)
    yield
    for provider in installed:
        register_money_provider(provider)


@pytest.fixture
def money(no_ledger: None) -> Iterator[None]:
    """A provider as the ledger would register one: a reward of 100 yuan a point."""

    def provider(old: AssessmentRun, new: AssessmentRun) -> list[MoneyChange]:
        before = dict(old.unit_results.values_list("unit__code", "total"))
        after = dict(new.unit_results.values_list("unit__code", "total"))
        return [
            MoneyChange(unit, None, "reward", "PER_POINT", before[unit] * 100, after[unit] * 100)
            for unit in sorted(after)
            if unit in before and before[unit] != after[unit]
        ]

    register_money_provider(provider)
    register_money_provider(provider)  # once only
    yield
    unregister_money_provider(provider)


def test_without_a_ledger_there_is_no_money(world: World, no_ledger: None) -> None:  # noqa: F811
    assert money_changes(world.run_all, va01_births_over_target(world)) == []


def test_money_a_provider_reports_is_told_with_its_unit(world: World, money: None) -> None:  # noqa: F811
    new = va01_births_over_target(world)

    comparison = compare_runs(world.run_all, new)

    (change,) = comparison.money
    assert (change.old_amount, change.new_amount) == (Decimal("10000.00"), Decimal("0.00"))
    va01 = next(u for u in comparison.units if u.unit == "VA01")
    assert va01.changed[-1] == "money" and va01.money == (change,)


# --- the page, the API and the command -------------------------------------------------------


def test_the_page_shows_changed_units_and_why(world: World) -> None:  # noqa: F811
    new = va01_births_over_target(world)

    response = client_for(world, "system_admin").get(
        f"/results/compare/{world.run_all.pk}/{new.pk}/"
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-unit="VA01"' in text and 'data-item="PLAN"' in text
    assert 'data-why="actual"' in text
    assert "100.00 → <strong>0.00</strong>" in text


@pytest.mark.parametrize(
    ("role", "status", "units"),
    [
        ("system_admin", 200, {"VA01", "VB01", "VZ01"}),
        ("township_admin", 200, {"VA01", "VB01"}),
        ("reporter_a", 200, {"VA01"}),
        ("other_township_admin", 200, {"VZ01"}),
        ("no_role", 404, set()),
    ],
)
def test_each_role_compares_only_the_units_it_sees(
    world: World,  # noqa: F811
    role: str,
    status: int,
    units: set[str],
) -> None:
    new = va01_births_over_target(world)
    client = client_for(world, role)

    page = client.get(f"/results/compare/{world.run_all.pk}/{new.pk}/")
    api = client.get(f"/api/runs/{world.run_all.pk}/compare/{new.pk}/")

    assert (page.status_code, api.status_code) == (status, status)
    if status == 200:
        assert {u["unit"] for u in api.json()["units"]} == units
        hidden = [m for code, marks in MARKERS.items() if code not in units for m in marks]
        assert not [m for m in hidden if m in page.content.decode()]


def test_a_run_the_user_may_not_see_is_404_on_either_side(world: World) -> None:  # noqa: F811
    client = client_for(world, "township_admin")  # 甲乙镇's: 丙镇's run is not theirs

    assert client.get(f"/results/compare/{world.run_t02.pk}/{world.run_all.pk}/").status_code == 404
    assert client.get(f"/results/compare/{world.run_all.pk}/{world.run_t02.pk}/").status_code == 404
    assert (
        client.get(f"/api/runs/{world.run_all.pk}/compare/{world.run_t02.pk}/").status_code == 404
    )
    assert client.get(f"/api/runs/{world.run_all.pk}/compare/999999/").status_code == 404


def test_the_api_gives_items_and_reasons(world: World) -> None:  # noqa: F811
    new = va01_births_over_target(world)

    data = (
        client_for(world, "system_admin")
        .get(f"/api/runs/{world.run_all.pk}/compare/{new.pk}/")
        .json()
    )

    assert (data["old"]["id"], data["new"]["id"]) == (world.run_all.pk, new.pk)
    assert data["inputs_changed"] is True and data["scheme_changed"] is False
    va01 = next(u for u in data["units"] if u["unit"] == "VA01")
    assert (va01["old_total"], va01["new_total"]) == ("100.00", "0.00")
    assert va01["items"][0]["changed"] == ["actual", "score"]


def test_the_command_prints_the_changes(world: World) -> None:  # noqa: F811
    new = va01_births_over_target(world)
    out = io.StringIO()

    call_command("runs", "compare", str(world.run_all.pk), str(new.pk), stdout=out)

    text = out.getvalue()
    assert "VA01 甲家村: 100.00 → 0.00; PASS → FAIL; 1 → 3 [total, grade, rank, items]" in text
    assert "PLAN: score 60.00 → 0.00; actual 9 → 11; target 10 → 10 [actual, score]" in text


def test_the_command_writes_json(world: World) -> None:  # noqa: F811
    new = va01_births_over_target(world)
    out = io.StringIO()

    call_command(
        "runs", "compare", str(world.run_all.pk), str(new.pk), "--format", "json", stdout=out
    )

    data = json.loads(out.getvalue())
    assert [u["unit"] for u in data["units"]] == ["VB01", "VZ01", "VA01"]
    assert data["units"][2]["items"][0]["new_actual"] == 11.0
