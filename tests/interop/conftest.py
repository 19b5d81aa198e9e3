"""A county of two townships for the exchange tests.

甲镇 (T) has villages V1 一村, V2 二村 and V3 三村 (closed on 2025-06-30); 邻镇 (T2) has W1 邻村.
Elements: BIRTHS (count), BIRTHS_BOYS / BIRTHS_GIRLS (what a county's DHIS2 sends as births
by sex), MIGRANTS (zeros not stored), CONTRA_RATE (percentage), HAS_PLAN (yes/no) and
AVG_POP (number). The monthly data set FP_MONTHLY holds all but AVG_POP, which the yearly
(October–September) FP_YEARLY holds. Data sets lock ten years after a period ends, so the lock
day never gets in the way unless a test approves a submission.
"""

from __future__ import annotations

import io
from collections.abc import Callable
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
from kaohe.interop.options import ImportOptions
from kaohe.interop.values import ExchangeSummary, do_import_data_values
from kaohe.orgunits.models import OrgUnit

FIXTURES = Path(__file__).with_name("fixtures")
ACTOR = Actor.cli("pytest")
BUNDLE = """
kaohe_bundle: 1
units:
  - {code: C, name: 交换县, kind: county}
  - {code: T, name: 甲镇, kind: township, parent: C}
  - {code: V1, name: 一村, kind: village, parent: T, sort_order: 1}
  - {code: V2, name: 二村, kind: village, parent: T, sort_order: 2}
  - {code: V3, name: 三村, kind: village, parent: T, sort_order: 3, closed_date: "2025-06-30"}
  - {code: T2, name: 邻镇, kind: township, parent: C}
  - {code: W1, name: 邻村, kind: village, parent: T2}
elements:
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
  - {code: BIRTHS_BOYS, name: 出生男孩数, value_type: integer, aggregation: sum}
  - {code: BIRTHS_GIRLS, name: 出生女孩数, value_type: integer, aggregation: sum}
  - {code: MIGRANTS, name: 流入人数, value_type: integer, aggregation: sum,
     zero_is_significant: false}
  - {code: CONTRA_RATE, name: 综合避孕率, value_type: percentage, aggregation: average}
  - {code: HAS_PLAN, name: 有计划, value_type: yes_no, aggregation: last}
  - {code: AVG_POP, name: 平均人口, value_type: number, aggregation: average}
datasets:
  - code: FP_MONTHLY
    name: 计划生育月报
    period_type: Monthly
    unit_kinds: [village]
    lock_after_days: 3660
    elements: [BIRTHS, BIRTHS_BOYS, BIRTHS_GIRLS, MIGRANTS, CONTRA_RATE, HAS_PLAN]
  - code: FP_YEARLY
    name: 计划生育年报
    period_type: FinancialOct
    unit_kinds: [village]
    lock_after_days: 3660
    elements: [AVG_POP]
"""

MEMBERSHIPS = {
    "admin": (Role.TOWNSHIP_ADMIN, "T"),
    "reviewer": (Role.REVIEWER, "T"),
    "reporter_v1": (Role.REPORTER, "V1"),
    "county_viewer": (Role.COUNTY_VIEWER, "C"),
    "other_admin": (Role.TOWNSHIP_ADMIN, "T2"),
    "system": (Role.SYSTEM_ADMIN, "C"),
}


@dataclass(frozen=True)
class World:
    users: dict[str, User]

    def unit(self, code: str) -> OrgUnit:
        return OrgUnit.objects.get(code=code)

    def client(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


def set_value(unit: str, element: str, period: str, value: int | str, **extra: object) -> None:
    do_set_value(
        actor=ACTOR,
        element_code=element,
        period_code=period,
        unit_code=unit,
        value=value,
        **extra,  # type: ignore[arg-type]
    )


def stored() -> dict[tuple[str, str, str], str]:
    """Every stored value as {(element, period, unit): value text}."""
    from kaohe.datavalues.importing import format_value

    return {
        (v.element.code, v.period.code, v.unit.code): format_value(v.value)
        for v in DataValue.objects.select_related("element", "period", "unit")
    }


Importer = Callable[..., ExchangeSummary]


def run_import(
    data: bytes | str | Path, actor: Actor = ACTOR, **options: object
) -> ExchangeSummary:
    """Import ``data`` (bytes, text or a fixture path) with these ImportOptions."""
    if isinstance(data, Path):
        return do_import_data_values(data, actor=actor, options=ImportOptions(**options))  # type: ignore[arg-type]
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return do_import_data_values(
        io.BytesIO(raw),
        actor=actor,
        options=ImportOptions(**options),  # type: ignore[arg-type]
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    path = tmp_path / "interop.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    do_load_bundles([str(path)], ACTOR)
    users = {}
    for name, (role, unit) in MEMBERSHIPS.items():
        users[name] = User.objects.create_user(name)
        do_grant_role(ACTOR, users[name], role, OrgUnit.objects.get(code=unit))
    users["no_role"] = User.objects.create_user("no_role")
    return World(users)
