"""A township of six villages, each a different source combination, built with the ORM.

甲镇 T has villages V1–V6 and the township hospital's maternity ward DH (a department); 邻镇 T2
has W1. Births are reported monthly; the hospital feeds births by the mother's village monthly
(HOSP, a feed entered by the hospital's staff), and the township's spot check counts the births
of the villages it sampled for the year (SPOT, a check entered by the township).

2006, births:

| village | reported | HOSP feed | SPOT check | story |
|---|---|---|---|---|
| V1 一村 | 5 | — | — | no source: not checked |
| V2 二村 | 4 | 6 | — | feed above the report: 2 under-reported |
| V3 三村 | 5 | — | 3 | check below the report: 2 over-reported |
| V4 四村 | 3 | 4 | 5 | feed and check: 2 under-reported, found 5 |
| V5 五村 | 6 | 4 | — | feed below the report: no finding |
| V6 六村 | — | 2 | — | missing report: 2 under-reported |

Each figure is split over months (the feed's 2005 December figure lies outside the year and
must not count). Township totals: reported 23, found 20, under-reported 6 (V2, V4, V6),
over-reported 2 (V3), accuracy 100 − 6 / 20 × 100 = 70.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from kaohe.accounts.models import Membership, Role
from kaohe.checks.models import Source, SourceKind, SourceValue
from kaohe.datavalues.models import DataValue, Period
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit

REPORTED = {  # village: {month: births}
    "V1": {"200602": 2, "200609": 3},
    "V2": {"200603": 4},
    "V3": {"200601": 1, "200605": 4},
    "V4": {"200611": 3},
    "V5": {"200604": 3, "200610": 3},
    "W1": {"200606": 7},
}
HOSP = {  # village: {month: births delivered}
    "V2": {"200603": 2, "200607": 4, "200512": 9},
    "V4": {"200611": 4},
    "V5": {"200604": 4},
    "V6": {"200608": 2},
    "W1": {"200606": 7},
}
SPOT = {"V3": 3, "V4": 5}  # 2006

MEMBERSHIPS = {
    "admin": (Role.TOWNSHIP_ADMIN, "T"),
    "reviewer": (Role.REVIEWER, "T"),
    "reporter_v2": (Role.REPORTER, "V2"),
    "hospital": (Role.REPORTER, "DH"),
    "county_viewer": (Role.COUNTY_VIEWER, "C"),
    "other_admin": (Role.TOWNSHIP_ADMIN, "T2"),
    "system": (Role.SYSTEM_ADMIN, "C"),
}


def unit(code: str, name: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)


def period(code: str) -> Period:
    return Period.objects.get_or_create_code(code)


def source_value(source: str, element: str, code: str, village: str, value: int) -> SourceValue:
    return SourceValue.objects.create(
        source=Source.objects.get(code=source),
        element=DataElement.objects.get(code=element),
        period=period(code),
        unit=OrgUnit.objects.get(code=village),
        value=Decimal(value),
        stored_by="fixture",
        last_updated=timezone.now(),
    )


@dataclass(frozen=True)
class World:
    users: dict[str, User]

    def unit(self, code: str) -> OrgUnit:
        return OrgUnit.objects.get(code=code)

    def client(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client

    def value(self, source: str, village: str, code: str, element: str = "BIRTHS") -> SourceValue:
        return SourceValue.objects.get(
            source__code=source, unit__code=village, period__code=code, element__code=element
        )


@pytest.fixture
def world(db: None) -> World:
    county = unit("C", "核查县", "county")
    township = unit("T", "甲镇", "township", county)
    names = ["一村", "二村", "三村", "四村", "五村", "六村"]
    for i, name in enumerate(names, start=1):
        unit(f"V{i}", name, "village", township)
    unit("DH", "卫生院妇产科", "department", township)
    other = unit("T2", "邻镇", "township", county)
    unit("W1", "邻村", "village", other)

    births = DataElement.objects.create(
        code="BIRTHS", name="出生人数", name_en="Births", value_type="integer", aggregation="sum"
    )
    rate = DataElement.objects.create(
        code="FP_RATE", name="节育率", value_type="percentage", aggregation="last"
    )
    DataElement.objects.create(code="MARRIAGES", name="结婚对数", value_type="integer")
    hosp = Source.objects.create(
        code="HOSP",
        name="卫生院出生医学证明",
        name_en="Hospital birth certificates",
        kind=SourceKind.FEED,
        unit_kinds=["village"],
        department_kind="department",
        period_type="Monthly",
        sort_order=1,
    )
    hosp.elements.set([births])
    spot = Source.objects.create(
        code="SPOT",
        name="乡镇抽查",
        name_en="Township spot check",
        kind=SourceKind.CHECK,
        unit_kinds=["village"],
        period_type="Yearly",
        sort_order=2,
    )
    spot.elements.set([births, rate])

    for village, months in REPORTED.items():
        for code, value in months.items():
            DataValue.objects.create(
                element=births,
                period=period(code),
                unit=OrgUnit.objects.get(code=village),
                value=Decimal(value),
                last_updated=timezone.now(),
            )
    for village, months in HOSP.items():
        for code, value in months.items():
            source_value("HOSP", "BIRTHS", code, village, value)
    for village, value in SPOT.items():
        source_value("SPOT", "BIRTHS", "2006", village, value)

    users = {}
    for name, (role, code) in MEMBERSHIPS.items():
        users[name] = User.objects.create_user(name)
        Membership.objects.create(user=users[name], role=role, unit=OrgUnit.objects.get(code=code))
    users["no_role"] = User.objects.create_user("no_role")
    return World(users)
