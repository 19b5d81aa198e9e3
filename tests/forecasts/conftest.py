"""A small county built once for the module (rolled back afterwards), with figures worked out
by hand.

甲镇 T01, 2020–2024, every year the same (a stationary township):

* 甲村 VA: 120 women in each age group; births by mother's age 6, 12, 12, 6, 0, 0, 0 (36 a
  year: rates 0.05, 0.1, 0.1, 0.05 per woman); 3 live births every month; 1,000 residents.
* 乙村 VB: 40 women in each group; births 2, 4, 4, 2, 0, 0, 0 (12 a year: the same rates);
  1 live birth a month; 300 residents.
* 丙村 VC: no figures at all.

With survival 1, no migration and the 15–19 group kept at its size, every group stays as it is,
so the forecast is 36 and 12 births a year (48 for the township), the low and high variants
0.85 and 1.15 times that, and every backtest year is forecast exactly. The childcare subsidy
(¥3,600 a year, 36 months): 4 births a month, so 144 children under three in every month of
2025 and 2026, 432 child-months a quarter, ¥129,600.00 a quarter (VA ¥97,200.00, VB
¥32,400.00). The quotas of 2025 (PLAN_TEST's plan item): VA 30 (36 expected: at risk), VB 20.

丙镇 T02: 丁村 VZ has 2024 figures only (50 women a group, 5 births).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_import_values
from kaohe.forecasts.services import do_save_assumptions
from kaohe.orgunits.models import OrgUnit

HERE = Path(__file__).parent
LIBRARY = HERE.parents[1] / "kaohe" / "library" / "2026"
WORLD = HERE / "world.yaml"
CONSOLE = Actor.cli("pytest")
YEARS = range(2020, 2025)
AGES = ("15_19", "20_24", "25_29", "30_34", "35_39", "40_44", "45_49")
VILLAGES = {
    # code: (women per group, births by age, live births a month, residents)
    "VA": (120, (6, 12, 12, 6, 0, 0, 0), 3, 1000),
    "VB": (40, (2, 4, 4, 2, 0, 0, 0), 1, 300),
}
# 甲镇's saved assumptions: a stationary population (what the figures above are worked with).
STATIONARY = {"survival": "1", "net_migration": "0"}

MEMBERSHIPS: dict[str, list[tuple[str, str]]] = {
    "system_admin": [(Role.SYSTEM_ADMIN, "C01")],
    "township_admin": [(Role.TOWNSHIP_ADMIN, "T01")],
    "reviewer": [(Role.REVIEWER, "T01")],
    "reporter": [(Role.REPORTER, "VA")],
    "county_viewer": [(Role.COUNTY_VIEWER, "C01")],
    "other_admin": [(Role.TOWNSHIP_ADMIN, "T02")],
    "no_role": [],
}


def figures_csv() -> str:
    """The figures above as a DHIS2 CSV data value set."""
    lines = ["dataelement,period,orgunit,catoptcombo,attroptcombo,value"]
    for code, (women, births, monthly, residents) in VILLAGES.items():
        for year in YEARS:
            for age, n in zip(AGES, births, strict=True):
                lines.append(f"WOMEN_{age},{year},{code},,,{women}")
                lines.append(f"BIRTHS_MOTHER_{age},{year},{code},,,{n}")
            lines.append(f"POP_RESIDENT,{year},{code},,,{residents}")
            for month in range(1, 13):
                lines.append(f"NEWBORN_LIVE_BIRTHS,{year}{month:02d},{code},,,{monthly}")
    for age, n in zip(AGES, (0, 2, 2, 1, 0, 0, 0), strict=True):
        lines.append(f"WOMEN_{age},2024,VZ,,,50")
        lines.append(f"BIRTHS_MOTHER_{age},2024,VZ,,,{n}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class World:
    users: dict[str, User]

    def unit(self, code: str) -> OrgUnit:
        return OrgUnit.objects.get(code=code)

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


def import_csv(text: str) -> None:
    source = io.BytesIO(text.encode("utf-8"))
    source.name = "figures.csv"
    summary = do_import_values(source, actor=CONSOLE, fmt="csv")
    assert not summary.problems, summary.problems


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        do_load_bundles(
            [str(LIBRARY / "elements.yaml"), str(LIBRARY / "forecast.yaml"), str(WORLD)],
            CONSOLE,
        )
        import_csv(figures_csv())
        do_save_assumptions(
            CONSOLE, OrgUnit.objects.get(code="T01"), STATIONARY, "测试：稳定人口 / a test"
        )
        users: dict[str, User] = {}
        for name, memberships in MEMBERSHIPS.items():
            users[name] = User.objects.create_user(name)
            for role, code in memberships:
                do_grant_role(CONSOLE, users[name], role, OrgUnit.objects.get(code=code))
        yield World(users)
        transaction.set_rollback(True)
