"""Planning and applying a township's birth plan: the quotas of each method, the refusals, and
what applying stores (targets, the BirthPlan row, audit rows)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.engine.allocation import AllocationMethod
from kaohe.schemes.allocation import (
    AllocationRefused,
    birth_plan_for,
    do_apply_allocation,
    plan_allocation,
)
from kaohe.schemes.models import BirthPlan, Scheme, ScoringItem, UnitTarget

from .plan_world import CONSOLE, EXPECTED, YEAR, PlanWorld, build_world


@pytest.fixture
def plan_world(db: None) -> PlanWorld:
    return build_world()


def plan(world: PlanWorld, **options: Any) -> Any:
    options.setdefault("township", world.units["T1"])
    options.setdefault("method", AllocationMethod.POPULATION)
    if "rate_per_mille" not in options:
        options.setdefault("cap_births", 30)
    return plan_allocation(world.scheme, YEAR, **options)


def apply(world: PlanWorld, **options: Any) -> Any:
    options.setdefault("township", world.units["T1"])
    options.setdefault("method", AllocationMethod.POPULATION)
    options.setdefault("actor", CONSOLE)
    options.setdefault("reason", "县下达2008年人口计划")
    if "rate_per_mille" not in options:
        options.setdefault("cap_births", 30)
    return do_apply_allocation(world.scheme, YEAR, **options)


def targets() -> dict[str, float]:
    return dict(UnitTarget.objects.filter(year=YEAR).values_list("unit__code", "value"))


def written() -> tuple[int, int, int]:
    return AuditEntry.objects.count(), UnitTarget.objects.count(), BirthPlan.objects.count()


@pytest.mark.parametrize("method", [m.value for m in AllocationMethod])
def test_each_method_gives_the_hand_computed_quotas(plan_world: PlanWorld, method: str) -> None:
    result = plan(plan_world, method=AllocationMethod(method))

    assert result.quotas == EXPECTED[method]
    assert result.cap == 30
    assert result.problems == []


def test_the_figures_are_the_year_ends_before_the_plan_year(plan_world: PlanWorld) -> None:
    rows = {row.unit: row for row in plan(plan_world).rows}

    assert (rows["V1"].population_start, rows["V1"].population_end) == (1000, 1200)
    assert rows["V1"].average_population == 1100
    assert rows["V3"].mwra == 500
    assert rows["V4"].population_start is None and rows["V4"].average_population is None


def test_a_rate_becomes_a_cap_over_the_average_population_rounded_down(
    plan_world: PlanWorld,
) -> None:
    # 4.2 ‰ of 1100 + 2000 + 2900 = 6000 people is 25.2 births: the cap is 25.
    result = plan(plan_world, rate_per_mille=Decimal("4.2"))

    assert result.cap == 25
    assert sum(result.quotas.values()) == 25
    assert result.rate_per_mille == Decimal("4.2")


def test_units_missing_a_figure_are_named(plan_world: PlanWorld) -> None:
    by_population = plan(plan_world)
    by_mwra = plan(plan_world, method=AllocationMethod.MWRA)

    assert [row.unit for row in by_population.missing] == ["V4"]
    assert any("V4" in note for note in by_population.allocation.notes)
    assert by_mwra.missing == []


def test_only_the_townships_own_villages_are_allocated(plan_world: PlanWorld) -> None:
    assert list(plan(plan_world, township=plan_world.units["T2"]).quotas) == ["V9"]


def test_an_adjustment_over_the_cap_is_a_problem_of_the_quotas(plan_world: PlanWorld) -> None:
    result = plan(plan_world, adjust={"V1": 6})

    assert result.quotas["V1"] == 6
    assert result.adjusted_total == 31 and result.left == -1
    assert [r.field for r in result.refusals] == ["quotas"]
    assert result.problems == [
        "分配合计 31 超过控制数 30 / the allocation total 31 exceeds the cap 30"
    ]


def test_apply_stores_the_plan_and_the_targets_with_audit_rows(plan_world: PlanWorld) -> None:
    applied = apply(plan_world, adjust={"V2": 9})

    stored = BirthPlan.objects.get()
    quotas = {**EXPECTED["population"], "V2": 9}
    assert applied.created
    assert (stored.scheme, stored.township, stored.year) == (
        plan_world.scheme,
        plan_world.units["T1"],
        YEAR,
    )
    assert (stored.method, stored.cap_births, stored.rate_per_mille) == ("population", 30, None)
    assert stored.quotas == quotas
    assert stored.actor == "pytest"
    assert targets() == {unit: float(q) for unit, q in quotas.items()}
    assert AuditEntry.objects.filter(action="unittarget.create").count() == 4
    entry = AuditEntry.objects.get(action="birthplan.create")
    assert entry.object_key == f"FP v1/T1/{YEAR}"
    assert entry.before is None
    assert entry.after["quotas"] == quotas
    assert entry.after["reason"] == "县下达2008年人口计划"
    assert entry.after["item"] == "PLAN"
    assert birth_plan_for(plan_world.scheme, plan_world.units["T1"], YEAR) == stored


def test_reapplying_updates_the_plan_and_only_the_targets_that_changed(
    plan_world: PlanWorld,
) -> None:
    apply(plan_world)

    again = apply(
        plan_world,
        method=AllocationMethod.EQUAL_RATE,
        cap_births=None,
        rate_per_mille=Decimal("5"),
        reason="调整",
    )

    stored = BirthPlan.objects.get()
    assert not again.created
    assert (stored.method, stored.cap_births, stored.rate_per_mille) == (
        "equal_rate",
        30,
        Decimal("5.000"),
    )
    assert stored.quotas == EXPECTED["equal_rate"]
    updates = AuditEntry.objects.filter(action="unittarget.update")
    assert [(u.object_key, u.before, u.after) for u in updates] == [
        (f"FP v1/PLAN/V3/{YEAR}", {"value": 15.0}, {"value": 14.0})
    ]
    entry = AuditEntry.objects.get(action="birthplan.update")
    assert entry.before["method"] == "population" and entry.before["quotas"]["V3"] == 15
    assert entry.after["method"] == "equal_rate" and entry.after["rate_per_mille"] == "5.000"


def test_over_the_cap_is_refused_and_changes_nothing(plan_world: PlanWorld) -> None:
    apply(plan_world)
    before, stored = written(), targets()

    with pytest.raises(AllocationRefused) as refused:
        apply(plan_world, adjust={"V1": 7}, reason="多给一村")

    assert refused.value.field == "quotas"
    assert refused.value.problems == [
        "分配合计 32 超过控制数 30 / the allocation total 32 exceeds the cap 30"
    ]
    assert written() == before and targets() == stored
    assert BirthPlan.objects.get().quotas == EXPECTED["population"]


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"adjust": {"V1": -1}}, "adjust", "negative"),
        ({"adjust": {"V9": 1}}, "adjust", "not in the allocation: V9"),
        ({"cap_births": None}, "cap_births", "one of the two"),
        ({"rate_per_mille": Decimal("5")}, "cap_births", "one of the two"),
        ({"cap_births": -3}, "cap_births", "negative"),
        ({"cap_births": None, "rate_per_mille": Decimal("1.2345")}, "rate_per_mille", "‰"),
        ({"township": None}, "township", "choose a township"),
        ({"reason": "  "}, "reason", "reason"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    plan_world: PlanWorld, options: dict[str, Any], field: str, words: str
) -> None:
    if options.get("rate_per_mille") is not None and "cap_births" not in options:
        options["cap_births"] = 30  # both forms of the cap
    before = written()

    with pytest.raises(AllocationRefused) as refused:
        apply(plan_world, **options)

    assert refused.value.field == field
    assert words in str(refused.value)
    assert " / " in str(refused.value)  # Chinese first, then English
    assert written() == before


def test_a_village_is_not_a_township(plan_world: PlanWorld) -> None:
    with pytest.raises(AllocationRefused, match="V1 is not a township"):
        plan(plan_world, township=plan_world.units["V1"])


def test_the_default_item_is_used_when_the_scheme_names_none(plan_world: PlanWorld) -> None:
    scheme = Scheme.objects.create(code="OLD", name="旧方案", unit_kinds=["village"])
    ScoringItem.objects.create(
        scheme=scheme, code="BIRTHS_VS_PLAN", name="人口计划", weight=10, rule_type="band",
        actual="#{BIRTHS}", unit="人",
    )  # fmt: skip

    do_apply_allocation(
        scheme,
        YEAR,
        township=plan_world.units["T1"],
        method=AllocationMethod.POPULATION,
        cap_births=30,
        actor=CONSOLE,
        reason="x",
    )

    assert set(
        UnitTarget.objects.filter(item__scheme=scheme).values_list("item__code", flat=True)
    ) == {"BIRTHS_VS_PLAN"}


def test_a_scheme_without_the_item_cannot_take_the_plan(plan_world: PlanWorld) -> None:
    Scheme.objects.filter(pk=plan_world.scheme.pk).update(plan_item="GONE")
    plan_world.scheme.refresh_from_db()

    with pytest.raises(AllocationRefused) as refused:
        apply(plan_world)

    assert refused.value.field == "item"
    assert not BirthPlan.objects.exists()


@pytest.mark.parametrize(
    ("role", "unit", "allowed"),
    [
        (Role.TOWNSHIP_ADMIN, "T1", True),
        (Role.TOWNSHIP_ADMIN, "T2", False),
        (Role.REVIEWER, "T1", False),
        (Role.COUNTY_VIEWER, "C", False),
    ],
)
def test_only_an_administrator_of_the_township_may_apply(
    plan_world: PlanWorld, role: str, unit: str, allowed: bool
) -> None:
    user = User.objects.create_user("clerk")
    do_grant_role(CONSOLE, user, role, plan_world.units[unit])
    actor = Actor(name="clerk", channel=Channel.WEB, user=user)

    if allowed:
        apply(plan_world, actor=actor)
        assert BirthPlan.objects.get().actor == "clerk"
    else:
        with pytest.raises(PermissionDenied):
            apply(plan_world, actor=actor)
        assert not BirthPlan.objects.exists()
