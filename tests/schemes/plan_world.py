"""A county for the birth-plan tests: 甲镇 (T1) with four villages, 乙镇 (T2) with one.

Year-end figures (the plan is for 2008, so it reads the ends of 2006 and 2007):

| village | population end 2006 | end 2007 | average | MWRA end 2007 |
|---------|--------------------:|---------:|--------:|--------------:|
| V1 一村 |                1000 |     1200 |    1100 |           200 |
| V2 二村 |                2000 |     2000 |    2000 |           300 |
| V3 三村 |                3000 |     2800 |    2900 |           500 |
| V4 四村 |                   — |      500 |       — |           100 |

V4 has no 2006 population, so it has no average and no population weight. The quotas each
method gives are worked out by hand in :data:`EXPECTED`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.schemes.models import Scheme, ScoringItem

CONSOLE = Actor.cli("pytest")
YEAR = 2008

POPULATION_2006 = {"V1": 1000, "V2": 2000, "V3": 3000, "V9": 900}
POPULATION_2007 = {"V1": 1200, "V2": 2000, "V3": 2800, "V4": 500, "V9": 1100}
MWRA_2007 = {"V1": 200, "V2": 300, "V3": 500, "V4": 100, "V9": 150}

# Cap 30 by population: 30 × 1100/6000 = 5.5, 30 × 2000/6000 = 10, 30 × 2900/6000 = 14.5;
# floors 5 + 10 + 14 = 29, the one left goes to the larger of the equal remainders (V3).
# Cap 30 by MWRA: 30 × 200/1100 = 5.45, 8.18, 13.64, 2.73; floors 28, the two left to the
# largest remainders V4 (.73) and V3 (.64).
# Equal rate from a cap of 30 over 6000 people is 5 ‰: floor(5.5) 5, 10, floor(14.5) 14, V4 0;
# one birth stays with the township.
EXPECTED = {
    "population": {"V1": 5, "V2": 10, "V3": 15, "V4": 0},
    "mwra": {"V1": 5, "V2": 8, "V3": 14, "V4": 3},
    "equal_rate": {"V1": 5, "V2": 10, "V3": 14, "V4": 0},
}


@dataclass(frozen=True)
class PlanWorld:
    scheme: Scheme  # FP: plan_item PLAN
    units: dict[str, OrgUnit]


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)


def build_world() -> PlanWorld:
    county = _unit("C", "某县", UnitKind.COUNTY)
    t1 = _unit("T1", "甲镇", UnitKind.TOWNSHIP, county)
    t2 = _unit("T2", "乙镇", UnitKind.TOWNSHIP, county)
    units = {"C": county, "T1": t1, "T2": t2}
    for code, name, parent in (
        ("V1", "一村", t1),
        ("V2", "二村", t1),
        ("V3", "三村", t1),
        ("V4", "四村", t1),
        ("V9", "九村", t2),
    ):
        units[code] = _unit(code, name, UnitKind.VILLAGE, parent)
    for code, name in (("POPULATION", "期末总人口"), ("MWRA", "已婚育龄妇女数")):
        DataElement.objects.create(code=code, name=name, value_type="integer", aggregation="last")
    for element, period, figures in (
        ("POPULATION", "200612", POPULATION_2006),
        ("POPULATION", "200712", POPULATION_2007),
        ("MWRA", "200712", MWRA_2007),
    ):
        for unit, value in figures.items():
            do_set_value(
                actor=CONSOLE, element_code=element, period_code=period, unit_code=unit, value=value
            )
    scheme = Scheme.objects.create(
        code="FP", name="计划生育目标管理", unit_kinds=["village"], plan_item="PLAN"
    )
    ScoringItem.objects.create(
        scheme=scheme, code="PLAN", name="人口计划完成情况", weight=30, rule_type="band",
        params={"low": 0.85, "high": 1.0}, actual="#{BIRTHS}", unit="人", sort_order=1,
    )  # fmt: skip
    return PlanWorld(scheme=scheme, units=units)


def client_for(world: PlanWorld, role: str, unit: str, name: str = "") -> Client:
    """A signed-in client of a new user holding ``role`` over ``unit``."""
    user = User.objects.create_user(name or f"{role}_{unit}")
    do_grant_role(CONSOLE, user, role, world.units[unit])
    client = Client()
    client.force_login(user)
    return client
