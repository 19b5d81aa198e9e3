"""A township of four villages assessed for 2024, published, with money rules of every kind.

甲镇 (T1) has villages V1–V4. V1–V3 signed contracts (party secretary, director and a stationed
cadre of the township each); V4 signed none. The figures make:

| village | births | concealed | over-reported / checked | population | items        | total | grade |
|---------|--------|-----------|-------------------------|------------|--------------|-------|-------|
| V1      | 8      | 0         | 0 / 20                  | 3100       | 40 + 30 + 30 | 100   | FIRST |
| V2      | 9      | 1         | 2 / 20 (10 %)           | 1500       | 30 + 0 + 30  | 60    | PASS  |
| V3      | 16     | 0         | 0 / 20                  | 2000       | 40 + 30 + 0  | 70    | FAIL (vetoed: over 15 births) |
| V4      | 5      | 3         | 1 / 50 (2 %)            | missing    | 10 + 30 + 30 | 70    | PASS  |

(V1's population is a stock reported twice, 2900 in March and 3100 in November: the last counts.)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.publishing import do_publish_run
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract, ContractSignatory, ContractStatus
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import Official, OfficialRole, OrgUnit, UnitKind
from kaohe.schemes.models import GradeBand, Indicator, Scheme, ScoringItem, Veto

CONSOLE = Actor.cli("pytest")
YEAR = 2024

MONEY_RULES: list[dict[str, Any]] = [
    {
        "code": "GRADE",
        "kind": "grade_amount",
        "name": "等次奖惩",
        "name_en": "Reward by grade",
        "amounts": {"FIRST": 10000, "PASS": 5000, "FAIL": -2000},
    },
    {
        "code": "POP",
        "kind": "population_tier",
        "name": "人口规模奖",
        "name_en": "Population tier",
        "tiers": [
            {"min_population": 0, "amounts": {"FIRST": 1000, "PASS": 500}},
            {"min_population": 3000, "amounts": {"FIRST": 2000, "PASS": 1000}},
        ],
    },
    {
        "code": "CONCEAL",
        "kind": "per_case",
        "name": "瞒报罚款",
        "name_en": "Fine per concealed birth",
        "case": "CONCEALED",
        "item": "CONCEALED",
        "per_case": 500,
    },
    {
        "code": "VETO",
        "kind": "veto",
        "name": "一票否决",
        "name_en": "Veto",
        "effect": ["zero_rewards", "fine"],
        "amount": 3000,
    },
    {"code": "CUT", "kind": "haircut", "name": "核查扣减", "applies_to": ["GRADE"]},
    {
        "code": "SPLIT",
        "kind": "split",
        "name": "同奖同罚",
        "applies_to": ["GRADE"],
        "shares": {"unit": 0.6, "party_secretary": 0.2, "director": 0.1, "stationed_cadre": 0.1},
    },
    {
        "code": "PAY",
        "kind": "withheld_pay",
        "name": "绩效工资",
        "per_role": {"party_secretary": 6000},
        "release": {"FIRST": 1, "PASS": 0.8, "FAIL": 0},
    },
    {
        "code": "DEPOSIT",
        "kind": "risk_deposit",
        "name": "风险抵押金",
        "per_role": {"party_secretary": 2000},
        "success_grades": ["FIRST"],
        "multiple": 1.5,
    },
]

CONSEQUENCES = ["一年内不得评先评优", "一年内不得提拔重用"]

FIGURES = {
    # village: BIRTHS, CONCEALED, OVER, CHECKED, POPULATION by month
    "V1": (8, 0, 0, 20, {"202403": 2900, "202411": 3100}),
    "V2": (9, 1, 2, 20, {"202411": 1500}),
    "V3": (16, 0, 0, 20, {"202411": 2000}),
    "V4": (5, 3, 1, 50, {}),
}


@dataclass
class Town:
    scheme: Scheme
    units: dict[str, OrgUnit]
    officials: dict[str, Official]
    run: AssessmentRun

    def unit(self, code: str) -> OrgUnit:
        return self.units[code]


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(code=code, name=name, name_en=code, kind=kind, parent=parent)


def _elements() -> None:
    for code, name, aggregation in (
        ("BIRTHS", "出生人数", "sum"),
        ("CONCEALED", "瞒报出生", "sum"),
        ("OVER", "多报数", "sum"),
        ("CHECKED", "核查数", "sum"),
        ("POPULATION", "年末人口", "last"),
    ):
        DataElement.objects.create(code=code, name=name, aggregation=aggregation)
    Indicator.objects.create(
        code="OVER_REPORT_RATIO",
        name="多报比例",
        numerator="#{OVER}",
        denominator="#{CHECKED}",
        factor=1,
        decimals=4,
    )


def _scheme() -> Scheme:
    scheme = Scheme.objects.create(
        code="MONEY",
        name="奖惩测试方案",
        name_en="Money test scheme",
        year_from=2000,
        year_to=2030,
        unit_kinds=["village"],
        veto_grade="FAIL",
        money_rules=MONEY_RULES,
    )
    items = [
        ("CONCEALED", "瞒报", 40, "per_case", {"points": 10}, "#{CONCEALED}", None, "higher"),
        ("ACCURACY", "统计准确", 30, "threshold", {}, "N{OVER_REPORT_RATIO}", 0.05, "lower"),
        ("PLAN", "出生计划", 30, "threshold", {}, "#{BIRTHS}", 10, "lower"),
    ]
    for order, (code, name, weight, rule, params, actual, target, direction) in enumerate(items):
        ScoringItem.objects.create(
            scheme=scheme, code=code, name=name, name_en=code, weight=weight, rule_type=rule,
            params=params, actual=actual, target=target, direction=direction, sort_order=order,
            decimals=4 if code == "ACCURACY" else 0,
        )  # fmt: skip
    Veto.objects.create(
        scheme=scheme,
        code="OVER_PLAN",
        name="超计划生育",
        name_en="Births over the plan",
        condition="#{BIRTHS} > 15",
        consequences=CONSEQUENCES,
    )
    for code, name, minimum in (
        ("FIRST", "一等奖", 90),
        ("PASS", "合格", 60),
        ("FAIL", "不合格", 0),
    ):
        GradeBand.objects.create(
            scheme=scheme, code=code, name=name, name_en=code, min_total=minimum
        )
    return scheme


def _officials(units: dict[str, OrgUnit]) -> dict[str, Official]:
    people = [
        ("T1_CADRE_A", "周干部", OfficialRole.STATIONED_CADRE, "T1"),
        ("T1_CADRE_B", "吴干部", OfficialRole.STATIONED_CADRE, "T1"),
        ("T1_CADRE_C", "郑干部", OfficialRole.STATIONED_CADRE, "T1"),
    ]
    for village, (sec, director) in {
        "V1": ("张一书", "李一任"),
        "V2": ("张二书", "李二任"),
        "V3": ("张三书", "李三任"),
        "V4": ("张四书", "李四任"),
    }.items():
        people.append((f"{village}_SEC", sec, OfficialRole.PARTY_SECRETARY, village))
        people.append((f"{village}_DIR", director, OfficialRole.DIRECTOR, village))
    return {
        code: Official.objects.create(code=code, name=name, role=role, unit=units[unit])
        for code, name, role, unit in people
    }


def _contracts(scheme: Scheme, units: dict[str, OrgUnit], officials: dict[str, Official]) -> None:
    cadres = {"V1": "T1_CADRE_A", "V2": "T1_CADRE_B", "V3": "T1_CADRE_C"}
    for village, cadre in cadres.items():
        contract = Contract.objects.create(
            scheme=scheme,
            unit=units[village],
            year=YEAR,
            status=ContractStatus.SIGNED,
            signed_on=datetime.date(YEAR, 1, 10),
        )
        for code, label in (
            (f"{village}_SEC", "村支书"),
            (f"{village}_DIR", "村主任"),
            (cadre, "包村干部"),
        ):
            ContractSignatory.objects.create(
                contract=contract, official=officials[code], role=label
            )


def set_figures(figures: dict[str, tuple[Any, ...]]) -> None:
    for village, (births, concealed, over, checked, population) in figures.items():
        for code, value in (
            ("BIRTHS", births),
            ("CONCEALED", concealed),
            ("OVER", over),
            ("CHECKED", checked),
        ):
            do_set_value(
                actor=CONSOLE, element_code=code, period_code=str(YEAR), unit_code=village,
                value=value,
            )  # fmt: skip
        for month, value in population.items():
            do_set_value(
                actor=CONSOLE, element_code="POPULATION", period_code=month, unit_code=village,
                value=value,
            )  # fmt: skip


def publish(scheme: Scheme) -> AssessmentRun:
    """Assess the township's villages for the year and publish the run (replacing the one
    published before)."""
    root = OrgUnit.objects.get(code="T1")
    run = do_run_assessment(scheme, YEAR, actor=CONSOLE, root=root)
    return do_publish_run(run, CONSOLE)


@pytest.fixture
def town(db: None) -> Town:
    county = _unit("C", "某县", UnitKind.COUNTY)
    t1 = _unit("T1", "甲镇", UnitKind.TOWNSHIP, county)
    t2 = _unit("T2", "乙镇", UnitKind.TOWNSHIP, county)
    units = {"C": county, "T1": t1, "T2": t2}
    for code, name in (("V1", "一村"), ("V2", "二村"), ("V3", "三村"), ("V4", "四村")):
        units[code] = _unit(code, name, UnitKind.VILLAGE, t1)
    _elements()
    scheme = _scheme()
    officials = _officials(units)
    _contracts(scheme, units, officials)
    set_figures(FIGURES)
    return Town(scheme, units, officials, publish(scheme))


def user_with(role: str, unit: OrgUnit, name: str | None = None) -> User:
    user = User.objects.create_user(name or f"{role}-{unit.code}")
    do_grant_role(CONSOLE, user, role, unit)
    return user


@pytest.fixture
def users(town: Town) -> dict[str, User]:
    return {
        "admin": user_with(Role.TOWNSHIP_ADMIN, town.unit("T1")),
        "reviewer": user_with(Role.REVIEWER, town.unit("T1")),
        "reporter": user_with(Role.REPORTER, town.unit("V1")),
        "other": user_with(Role.TOWNSHIP_ADMIN, town.unit("T2")),
        "system": user_with(Role.SYSTEM_ADMIN, town.unit("C")),
    }
