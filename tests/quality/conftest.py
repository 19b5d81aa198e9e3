"""A township of four villages with a year of monthly births (2025), and a neighbouring
township's village, for the outlier and range tests.

* 一村 V1: 1 0 2 1 0 1 2 1 0 1 1 **9** — median 1, MAD 0.5, the 9 scores 0.6745 × 8 / 0.5 =
  10.79 (a typo for 0 or 1, say).
* 二村 V2: eleven months of 0 and one birth — the MAD is 0: "cannot judge" (the plain z-score
  flags the single birth, √11 ≈ 3.32).
* 三村 V3: only four months reported — too short to judge.
* 四村 V4: 3 4 5 4 3 5 4 4 3 5 4 4 — nothing stands out.
* 邻村 W1 (the other township): a 30 among 1s and 2s — flagged, but never shown to 甲镇.

MIGRANTS (zeros not stored: a missing month counts as 0) has V1's values in six months only.
The data set locks a period only ten years after its end, so the lock day never gets in the way
unless a test approves a submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import do_set_value
from kaohe.orgunits.models import OrgUnit

ACTOR = Actor.cli("pytest")
BUNDLE = """
kaohe_bundle: 1
units:
  - {code: C, name: 质量县, kind: county}
  - {code: T, name: 甲镇, kind: township, parent: C}
  - {code: V1, name: 一村, kind: village, parent: T, sort_order: 1}
  - {code: V2, name: 二村, kind: village, parent: T, sort_order: 2}
  - {code: V3, name: 三村, kind: village, parent: T, sort_order: 3}
  - {code: V4, name: 四村, kind: village, parent: T, sort_order: 4}
  - {code: T2, name: 邻镇, kind: township, parent: C}
  - {code: W1, name: 邻村, kind: village, parent: T2}
elements:
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
  - {code: MIGRANTS, name: 流入人数, value_type: integer, aggregation: sum,
     zero_is_significant: false}
  - {code: HAS_PLAN, name: 有计划, value_type: yes_no, aggregation: last}
datasets:
  - code: MONTHLY
    name: 月报
    period_type: Monthly
    unit_kinds: [village]
    lock_after_days: 3660
    elements: [BIRTHS, MIGRANTS, HAS_PLAN]
"""
MONTHS = [f"2025{m:02d}" for m in range(1, 13)]
BIRTHS = {
    "V1": [1, 0, 2, 1, 0, 1, 2, 1, 0, 1, 1, 9],
    "V2": [0] * 11 + [1],
    "V3": [2, 1, None, None, None, None, None, None, None, 3, None, 2],
    "V4": [3, 4, 5, 4, 3, 5, 4, 4, 3, 5, 4, 4],
    "W1": [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 0, 30],
}
MIGRANTS_V1 = {"202501": 4, "202503": 5, "202505": 4, "202507": 5, "202509": 6, "202511": 4}


def set_value(unit: str, element: str, period: str, value: int) -> None:
    do_set_value(actor=ACTOR, element_code=element, period_code=period, unit_code=unit, value=value)


@dataclass(frozen=True)
class World:
    users: dict[str, User]

    def unit(self, code: str) -> OrgUnit:
        return OrgUnit.objects.get(code=code)

    def value(self, unit: str, period: str, element: str = "BIRTHS") -> DataValue:
        return DataValue.objects.get(unit__code=unit, period__code=period, element__code=element)

    def client(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


MEMBERSHIPS = {
    "admin": (Role.TOWNSHIP_ADMIN, "T"),
    "reviewer": (Role.REVIEWER, "T"),
    "reporter_v1": (Role.REPORTER, "V1"),
    "reporter_v4": (Role.REPORTER, "V4"),
    "county_viewer": (Role.COUNTY_VIEWER, "C"),
    "other_admin": (Role.TOWNSHIP_ADMIN, "T2"),
    "system": (Role.SYSTEM_ADMIN, "C"),
}


@pytest.fixture
def world(tmp_path: Path) -> World:
    path = tmp_path / "quality.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    do_load_bundles([str(path)], ACTOR)
    for unit, values in BIRTHS.items():
        for month, value in zip(MONTHS, values, strict=True):
            if value is not None:
                set_value(unit, "BIRTHS", month, value)
    for month, value in MIGRANTS_V1.items():
        set_value("V1", "MIGRANTS", month, value)
    users = {}
    for name, (role, unit) in MEMBERSHIPS.items():
        users[name] = User.objects.create_user(name)
        do_grant_role(ACTOR, users[name], role, OrgUnit.objects.get(code=unit))
    users["no_role"] = User.objects.create_user("no_role")
    return World(users)
