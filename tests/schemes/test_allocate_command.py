"""``kaohe allocate`` on the demo township: a rate becomes a cap, split, adjusted, applied."""

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
from kaohe.schemes.models import Scheme, UnitTarget

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
        root=root,
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
    assert f"上限 / cap: {expected_cap}；合计 / sum: {expected_cap}" in text
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

    with pytest.raises(CommandError, match="over the cap"):
        run(*scope("--adjust", f"V01={v01.quota + 1}", "--apply", "--reason", "test"))

    assert not UnitTarget.objects.filter(year=YEAR).exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_the_service_refuses_quotas_over_the_cap_on_its_own() -> None:
    scheme = Scheme.objects.get(code=SCHEME)

    with pytest.raises(AllocationRefused) as refused:
        do_apply_allocation(
            scheme, YEAR, {"V01": 5, "V02": 6}, cap=10, actor=Actor.cli("test"), reason="x"
        )

    assert any("over the cap of 10" in p for p in refused.value.problems)
    assert not UnitTarget.objects.filter(year=YEAR).exists()


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
    assert (
        AuditEntry.objects.filter(action="unittarget.create")
        .filter(object_key__contains=f"/{YEAR}")
        .count()
        == 20
    )
    applied = AuditEntry.objects.get(action="allocation.apply")
    assert applied.after["cap"] == plan.cap
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
