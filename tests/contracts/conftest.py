"""A county with two townships: 甲镇 (T1) has villages V1 (all officials) and V2 (only a family
planning officer); 乙镇 (T2) has V3. A scheme with a count item and a percentage item."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract
from kaohe.contracts.services import do_generate_contracts
from kaohe.orgunits.models import Official, OfficialRole, OrgUnit, UnitKind
from kaohe.schemes.models import Scheme, SchemeStatus, ScoringItem, UnitTarget, Veto

CONSOLE = Actor.cli("pytest")
YEAR = 2024


@dataclass(frozen=True)
class Township:
    scheme: Scheme
    units: dict[str, OrgUnit]
    officials: dict[str, Official]


def _unit(code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)


@pytest.fixture
def town(db: None) -> Township:
    county = _unit("C", "某县", UnitKind.COUNTY)
    t1 = _unit("T1", "甲镇", UnitKind.TOWNSHIP, county)
    t2 = _unit("T2", "乙镇", UnitKind.TOWNSHIP, county)
    units = {
        "C": county,
        "T1": t1,
        "T2": t2,
        "V1": _unit("V1", "一村", UnitKind.VILLAGE, t1),
        "V2": _unit("V2", "二村", UnitKind.VILLAGE, t1),
        "V3": _unit("V3", "三村", UnitKind.VILLAGE, t2),
    }
    people = [
        ("V1_SEC", "张支书", OfficialRole.PARTY_SECRETARY, "V1"),
        ("V1_DIR", "李主任", OfficialRole.DIRECTOR, "V1"),
        ("V1_FP", "王专干", OfficialRole.FP_OFFICER, "V1"),
        ("V2_FP", "赵专干", OfficialRole.FP_OFFICER, "V2"),
        ("V3_SEC", "孙支书", OfficialRole.PARTY_SECRETARY, "V3"),
        ("T1_CADRE", "周干部", OfficialRole.STATIONED_CADRE, "T1"),
        ("T2_CADRE", "吴干部", OfficialRole.STATIONED_CADRE, "T2"),
    ]
    officials = {
        code: Official.objects.create(code=code, name=name, role=role, unit=units[unit])
        for code, name, role, unit in people
    }
    scheme = Scheme.objects.create(
        code="FP", name="计划生育目标管理", unit_kinds=["village"], status=SchemeStatus.PUBLISHED
    )
    ScoringItem.objects.create(
        scheme=scheme, code="PLAN", name="出生计划", weight=30, rule_type="threshold",
        actual="N{BIRTHS}", target=5, unit="人", sort_order=1,
    )  # fmt: skip
    ScoringItem.objects.create(
        scheme=scheme, code="RATE", name="政策符合率", weight=70, rule_type="threshold",
        actual="N{POLICY_RATE}", target=90, unit="%", sort_order=2,
    )  # fmt: skip
    Veto.objects.create(scheme=scheme, code="OVER", name="超计划生育", condition="1 > 2")
    UnitTarget.objects.create(
        item=scheme.items.get(code="PLAN"), unit=units["V1"], year=YEAR, value=12
    )
    return Township(scheme=scheme, units=units, officials=officials)


def generate(town: Township, township: str = "T1") -> dict[str, Contract]:
    """The drafts of a township's villages, by village code."""
    outcome = do_generate_contracts(town.scheme, YEAR, town.units[township], CONSOLE)
    return {c.unit.code: c for c in outcome.created}


def targets_of(contract: Contract) -> dict[str, float]:
    return {t.item.code: t.value for t in contract.targets.select_related("item")}
