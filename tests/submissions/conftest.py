"""A county with two townships, a monthly village data set, and a user for each role.

甲乙镇 (T01) has villages VA01 and VB01; 丙镇 (T02) has VZ01. Periods are chosen relative to
today: ``this_month`` has not ended (open); ``old_month`` ended long before its lock day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.periods import PeriodType, period_containing
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.submissions.models import Submission
from kaohe.submissions.services import do_approve, do_submit

CONSOLE = Actor.cli("pytest")

# user name → (role, unit code)
ROLES = {
    "reporter_a": (Role.REPORTER, "VA01"),
    "reporter_b": (Role.REPORTER, "VB01"),
    "reviewer": (Role.REVIEWER, "T01"),
    "other_reviewer": (Role.REVIEWER, "T02"),
    "township_admin": (Role.TOWNSHIP_ADMIN, "T01"),
    "system_admin": (Role.SYSTEM_ADMIN, "C01"),
    "county_viewer": (Role.COUNTY_VIEWER, "C01"),
}


@dataclass(frozen=True)
class County:
    units: dict[str, OrgUnit]
    monthly: DataSet
    users: dict[str, User]
    this_month: str  # not ended: open
    old_month: str  # ended more than lock_after_days ago: locked by date

    def actor(self, name: str, channel: str = Channel.WEB) -> Actor:
        return Actor(name=name, channel=channel, user=self.users[name])

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client

    def set(
        self, unit: str, element: str, value: object, *, period: str = "", by: str = ""
    ) -> None:
        do_set_value(
            actor=self.actor(by) if by else CONSOLE,
            element_code=element,
            period_code=period or self.this_month,
            unit_code=unit,
            value=value,  # type: ignore[arg-type]
        )

    def submitted(self, unit: str = "VA01", period: str = "") -> Submission:
        """A submission of ``unit``'s monthly figures, submitted from the console."""
        return do_submit(CONSOLE, self.monthly, self.units[unit], period or self.this_month)

    def approved(self, unit: str = "VA01", period: str = "") -> Submission:
        return do_approve(CONSOLE, self.submitted(unit, period).pk)


@pytest.fixture
def county(db: None) -> County:
    units: dict[str, OrgUnit] = {}

    def unit(code: str, name: str, kind: str, parent: str | None = None) -> None:
        units[code] = OrgUnit.objects.create(
            code=code, name=name, kind=kind, parent=units[parent] if parent else None
        )

    unit("C01", "权限县", UnitKind.COUNTY)
    unit("T01", "甲乙镇", UnitKind.TOWNSHIP, "C01")
    unit("T02", "丙镇", UnitKind.TOWNSHIP, "C01")
    unit("VA01", "甲家村", UnitKind.VILLAGE, "T01")
    unit("VB01", "乙家村", UnitKind.VILLAGE, "T01")
    unit("VZ01", "丁家村", UnitKind.VILLAGE, "T02")
    births = DataElement.objects.create(code="BIRTHS", name="出生人数", value_type="integer")
    deaths = DataElement.objects.create(code="DEATHS", name="死亡人数", value_type="integer")
    monthly = DataSet.objects.create(
        code="MONTHLY",
        name="月报",
        period_type="Monthly",
        unit_kinds=["village"],
        due_day=3,
        lock_after_days=30,
    )
    for order, element in enumerate([births, deaths]):
        DataSetElement.objects.create(dataset=monthly, element=element, sort_order=order)
    users = {}
    for name, (role, code) in ROLES.items():
        users[name] = User.objects.create_user(name)
        do_grant_role(CONSOLE, users[name], role, units[code])
    today = timezone.localdate()
    this_month = period_containing(today, PeriodType.MONTHLY)
    old_month = period_containing(today - timedelta(days=120), PeriodType.MONTHLY)
    return County(units, monthly, users, this_month.code, old_month.code)
