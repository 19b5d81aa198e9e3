"""A small county for the scheme-version tests: two townships, a village scheme shared by both,
a direct-unit scheme that only 甲镇 has units for, and a scheme scored on two tracks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme

BUNDLE = textwrap.dedent(
    """
    kaohe_bundle: 1
    units:
      - {code: C01, name: 版本县, kind: county}
      - {code: T01, name: 甲镇, kind: township, parent: C01}
      - {code: T02, name: 乙镇, kind: township, parent: C01}
      - {code: V01, name: 东村, kind: village, parent: T01}
      - {code: V02, name: 西村, kind: village, parent: T01}
      - {code: V09, name: 北村, kind: village, parent: T02}
      - {code: D01, name: 镇卫生院, kind: direct_unit, parent: T01}
    elements:
      - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
      - {code: BIRTHS_POLICY, name: 符合政策生育数, value_type: integer, aggregation: sum}
    indicators:
      - code: POLICY_RATE
        name: 政策符合率
        name_en: Policy-conforming rate
        numerator: "#{BIRTHS_POLICY}"
        denominator: "#{BIRTHS}"
        factor: 100
        decimals: 1
        unit: "%"
        valid_to: 2020
        validity_note: 2021年后不再考核政策符合率
    schemes:
      - code: VILLAGE
        name: 村级考核
        name_en: Village scheme
        unit_kinds: [village]
        year_from: 2006
        year_to: 2010
        validity_note: 按2006年细则
        constants: {CAP: 12}
        signatory_roles:
          - {role: party_secretary, name: 村支书, first: true}
          - {role: director, name: 村主任}
        terms: [达到一等奖的村奖励一万元。, 被一票否决的村不得评先。]
        plan_item: PLAN
        items:
          - code: PLAN
            name: 人口计划
            name_en: Births against the plan
            weight: 60
            rule: band
            params: {low: 0.85, high: 1.0}
            actual: "#{BIRTHS}"
            unit: 人
            decimals: 0
          - code: POLICY
            name: 政策符合率
            name_en: Policy-conforming rate
            weight: 40
            rule: linear
            params: {points: 2}
            actual: "N{POLICY_RATE}"
            target: 95
          - code: EXTRA
            name: 政策符合率加分
            name_en: Policy bonus
            weight: 0
            rule: bonus
            params: {points: 1, cap: 5}
            actual: "N{POLICY_RATE}"
            target: 98
        vetoes:
          - {code: OVER, name: 超计划生育, name_en: Over the plan, condition: "#{BIRTHS} > T{PLAN}"}
        grades:
          - {code: GOOD, name: 好, name_en: Good, min_total: 90}
          - {code: PASS, name: 合格, name_en: Pass, min_total: 60}
          - {code: FAIL, name: 不合格, name_en: Fail, min_total: 0}
        veto_grade: FAIL
      - code: DIRECT
        name: 镇直单位考核
        name_en: Direct units
        unit_kinds: [direct_unit]
        items:
          - {code: BIRTHS, name: 出生登记, name_en: Births, weight: 100, rule: threshold, actual: "#{BIRTHS}", target: 1}
        grades:
          - {code: PASS, name: 合格, name_en: Pass, min_total: 0}
      - code: TRACKED
        name: 分线考核
        name_en: Two tracks
        unit_kinds: [village]
        tracks:
          - {code: LEAD, name: 领导班子线, weight: 0.6}
          - {code: BASE, name: 基础工作线, weight: 0.4}
        items:
          - {code: L1, name: 领导一, name_en: Lead 1, track: LEAD, weight: 100, rule: threshold, actual: "#{BIRTHS}", target: 1}
          - {code: B1, name: 基础一, name_en: Base 1, track: BASE, weight: 70, rule: threshold, actual: "#{BIRTHS}", target: 1}
          - {code: B2, name: 基础二, name_en: Base 2, track: BASE, weight: 30, rule: threshold, actual: "#{BIRTHS_POLICY}", target: 1}
        grades:
          - {code: PASS, name: 合格, name_en: Pass, min_total: 0}
    targets:
      - {scheme: VILLAGE, item: PLAN, year: 2006, values: {V01: 10, V02: 12, V09: 8}}
      - {scheme: VILLAGE, item: PLAN, year: 2007, values: {V01: 11}}
    """
)

# user name → (role, unit) memberships; "superuser" has none.
USERS = {
    "admin": [(Role.SYSTEM_ADMIN, "C01")],
    "superuser": [],
    "town_admin": [(Role.TOWNSHIP_ADMIN, "T01")],
    "reviewer": [(Role.REVIEWER, "T01")],
    "reporter": [(Role.REPORTER, "V01")],
    "no_role": [],
}


@pytest.fixture
def county(db: None, tmp_path: Path) -> dict[str, Scheme]:
    """The bundle loaded: the three schemes by code (each a draft, version 1)."""
    path = tmp_path / "county.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    do_load_bundles([str(path)], Actor.cli("test"))
    return {s.code: s for s in Scheme.objects.all()}


@pytest.fixture
def users(county: dict[str, Scheme]) -> dict[str, User]:
    made = {}
    for name, memberships in USERS.items():
        user = User.objects.create_user(name, is_superuser=name == "superuser")
        for role, code in memberships:
            do_grant_role(Actor.cli("test"), user, role, OrgUnit.objects.get(code=code))
        made[name] = user
    return made
