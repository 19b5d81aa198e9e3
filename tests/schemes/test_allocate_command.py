"""``kaohe allocate`` on the demo township: a rate becomes a cap, split, adjusted, applied,
stored as the township's birth plan and shown again."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue
from kaohe.demo.generator import TOWNSHIP_CODE
from kaohe.demo.services import do_build_demo
from kaohe.engine.allocation import AllocationMethod
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.allocation import AllocationRefused, do_apply_allocation, plan_allocation
from kaohe.schemes.models import BirthPlan, Scheme, UnitTarget

SCHEME = "VILLAGE_2006"
YEAR = 2007  # the demo reports 2005 and 2006: the plan for 2007 averages their year ends
RATE = "11.5"


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo township, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        do_build_demo(Actor.cli("test"))
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("demo")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("allocate", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def scope(*extra: str, method: str = "population") -> list[str]:
    return [
        "--scheme",
        SCHEME,
        "--year",
        str(YEAR),
        "--root",
        TOWNSHIP_CODE,
        "--method",
        method,
        "--rate",
        RATE,
        *extra,
    ]


def year_end_populations() -> dict[str, tuple[float, float]]:
    """Each village's POPULATION in December 2005 and December 2006, read directly."""
    rows = DataValue.objects.filter(
        element__code="POPULATION", period__code__in=["200512", "200612"]
    ).values_list("unit__code", "period__code", "value")
    by_unit: dict[str, dict[str, float]] = {}
    for unit, period, value in rows:
        by_unit.setdefault(unit, {})[period] = float(value)
    return {unit: (p["200512"], p["200612"]) for unit, p in by_unit.items()}


def the_plan(**options: Any) -> Any:
    scheme = Scheme.objects.get(code=SCHEME)
    root = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    return plan_allocation(
        scheme,
        YEAR,
        method=options.pop("method", AllocationMethod.POPULATION),
        rate_per_mille=Decimal(RATE),
        township=root,
        **options,
    )


@pytest.mark.django_db
def test_a_rate_becomes_a_cap_over_the_average_population_and_the_quotas_sum_to_it() -> None:
    populations = year_end_populations()
    average = {unit: (start + end) / 2 for unit, (start, end) in populations.items()}
    expected_cap = math.floor(Decimal(RATE) * Decimal(str(sum(average.values()))) / 1000)

    plan = the_plan()
    text = run(*scope())

    assert len(plan.rows) == 20
    assert {row.unit: row.weight for row in plan.rows} == average
    assert plan.cap == expected_cap
    assert sum(row.quota for row in plan.rows) == expected_cap
    assert all(abs(row.quota - row.exact) < 1 for row in plan.rows)
    assert f"控制数 / cap: {expected_cap}；合计 / sum: {expected_cap}；余 / left: 0" in text
    assert "V01" in text and "调整后 adjusted" in text


@pytest.mark.django_db
def test_equal_rate_never_gives_more_than_the_cap() -> None:
    plan = the_plan(method=AllocationMethod.EQUAL_RATE)

    assert sum(row.quota for row in plan.rows) <= plan.cap
    for row in plan.rows:
        assert row.quota == math.floor(Decimal(RATE) * Decimal(str(row.weight)) / 1000)


@pytest.mark.django_db
def test_an_adjustment_over_the_cap_is_refused_and_writes_nothing() -> None:
    v01 = next(row for row in the_plan().rows if row.unit == "V01")
    audit_before = AuditEntry.objects.count()

    out = io.StringIO()
    with pytest.raises(CommandError, match="exceeds the cap"):
        call_command(
            "allocate",
            *scope("--adjust", f"V01={v01.quota + 1}", "--apply", "--reason", "test"),
            stdout=out,
        )

    assert "超出 / over: 1" in out.getvalue()
    assert not UnitTarget.objects.filter(year=YEAR).exists()
    assert not BirthPlan.objects.filter(year=YEAR).exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_the_service_refuses_quotas_over_the_cap_on_its_own() -> None:
    scheme = Scheme.objects.get(code=SCHEME)
    root = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    quota = the_plan().quotas["V01"]

    with pytest.raises(AllocationRefused) as refused:
        do_apply_allocation(
            scheme,
            YEAR,
            township=root,
            method=AllocationMethod.POPULATION,
            rate_per_mille=Decimal(RATE),
            adjust={"V01": quota + 2},
            actor=Actor.cli("test"),
            reason="x",
        )

    assert refused.value.field == "quotas"
    assert "exceeds the cap" in refused.value.problems[0]
    assert not UnitTarget.objects.filter(year=YEAR).exists()
    assert not BirthPlan.objects.filter(year=YEAR).exists()


@pytest.mark.django_db
def test_apply_needs_a_reason() -> None:
    with pytest.raises(CommandError, match="needs --reason"):
        run(*scope("--apply"))

    assert not UnitTarget.objects.filter(year=YEAR).exists()


@pytest.mark.django_db
def test_apply_writes_the_quotas_as_targets_with_audit_rows() -> None:
    plan = the_plan()

    text = run(*scope("--apply", "--reason", "县下达2007年人口计划"))

    targets = dict(
        UnitTarget.objects.filter(year=YEAR, item__code="BIRTHS_VS_PLAN").values_list(
            "unit__code", "value"
        )
    )
    assert targets == {row.unit: float(row.quota) for row in plan.rows}
    assert "20 unit targets written" in text
    stored = BirthPlan.objects.get(township__code=TOWNSHIP_CODE, year=YEAR)
    assert stored.quotas == plan.quotas
    assert (stored.cap_births, stored.rate_per_mille) == (plan.cap, Decimal(RATE))
    assert (
        AuditEntry.objects.filter(action="unittarget.create")
        .filter(object_key__contains=f"/{YEAR}")
        .count()
        == 20
    )
    applied = AuditEntry.objects.get(action="birthplan.create", object_key__endswith=f"/{YEAR}")
    assert applied.after["cap_births"] == plan.cap
    assert applied.after["reason"] == "县下达2007年人口计划"


@pytest.mark.django_db
def test_a_second_apply_with_an_adjustment_changes_only_that_target() -> None:
    plan = the_plan()
    v01 = next(row for row in plan.rows if row.unit == "V01")
    run(*scope("--apply", "--reason", "first"))

    run(*scope("--adjust", f"V01={v01.quota - 1}", "--apply", "--reason", "second"))

    updates = AuditEntry.objects.filter(action="unittarget.update")
    assert [(u.object_key.split("/")[2], u.before, u.after) for u in updates] == [
        ("V01", {"value": float(v01.quota)}, {"value": float(v01.quota - 1)})
    ]
    assert UnitTarget.objects.get(year=YEAR, unit__code="V01").value == v01.quota - 1


@pytest.mark.django_db
def test_a_bad_adjustment_is_named() -> None:
    with pytest.raises(CommandError, match="UNIT=BIRTHS: V01"):
        run(*scope("--adjust", "V01"))
    with pytest.raises(CommandError, match="not in the allocation: V99"):
        run(*scope("--adjust", "V99=1"))


@pytest.mark.django_db
def test_show_prints_the_stored_plan_with_its_sum_against_the_cap() -> None:
    plan = the_plan()
    run(*scope("--apply", "--reason", "first"))

    text = run("--scheme", SCHEME, "--year", str(YEAR), "--root", TOWNSHIP_CODE, "--show")

    assert f"控制数 / cap: {plan.cap}；合计 / sum: {plan.cap}" in text
    assert "applied by: cli:" in text
    assert "V20" in text


@pytest.mark.django_db
def test_show_says_when_there_is_no_plan() -> None:
    with pytest.raises(CommandError, match="no birth plan stored"):
        run("--scheme", SCHEME, "--year", str(YEAR), "--root", TOWNSHIP_CODE, "--show")


@pytest.mark.django_db
def test_the_cap_is_a_townships_so_root_is_needed() -> None:
    with pytest.raises(CommandError, match="--root TOWNSHIP is needed"):
        run("--scheme", SCHEME, "--year", str(YEAR), "--method", "population", "--cap", "9")
