"""A township with validation rules (world.yaml) and the figures of 2026 worked out by hand.

``figures`` stores, for 2026:

* 东村 V01 — January: births 3, policy 2, boys 2, girls 1 (all rules pass); February: births
  1, policy 2, boys 1 (policy > births fails; boys + girls = 1 passes, the missing girls read
  as 0); March: policy 1 and no births (births read as 0: fails); married women 100 in January
  and 90 in March, contracepting 95 and 92 (the first quarter's last values, 92 > 90: fails).
* 西村 V02 — January: births 2, boys 1, girls 2 (3 ≠ 2: fails); the check: 4 found, 1 missed
  (passes).

Every other (rule, unit, period) of the year is skipped: nothing was reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.orgunits.models import OrgUnit

WORLD = Path(__file__).with_name("world.yaml")
CONSOLE = Actor.cli("pytest")

USERS = {
    "reviewer": (Role.REVIEWER, "T01"),
    "admin": (Role.TOWNSHIP_ADMIN, "T01"),
    "reporter": (Role.REPORTER, "V01"),
    "west_reporter": (Role.REPORTER, "V02"),
    "other_admin": (Role.TOWNSHIP_ADMIN, "T02"),
    "viewer": (Role.COUNTY_VIEWER, "C01"),
}

FIGURES = [
    ("V01", "202601", {"BIRTHS": 3, "BIRTHS_POLICY": 2, "BOYS": 2, "GIRLS": 1}),
    ("V01", "202601", {"MWRA": 100, "CONTRACEPTING": 95}),
    ("V01", "202602", {"BIRTHS": 1, "BIRTHS_POLICY": 2, "BOYS": 1}),
    ("V01", "202603", {"BIRTHS_POLICY": 1, "MWRA": 90, "CONTRACEPTING": 92}),
    ("V02", "202601", {"BIRTHS": 2, "BOYS": 1, "GIRLS": 2}),
    ("V02", "2026", {"CHECK_FOUND": 4, "CHECK_MISSED": 1}),
]


@dataclass(frozen=True)
class Township:
    units: dict[str, OrgUnit]
    users: dict[str, User]

    def actor(self, name: str, channel: str = Channel.WEB) -> Actor:
        return Actor(name=name, channel=channel, user=self.users[name])

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client


def store(unit: str, period: str, values: dict[str, object]) -> None:
    for element, value in values.items():
        do_set_value(
            actor=CONSOLE,
            element_code=element,
            period_code=period,
            unit_code=unit,
            value=str(value),
        )


@pytest.fixture
def township(db: None) -> Township:
    do_load_bundles([str(WORLD)], CONSOLE)
    units = {u.code: u for u in OrgUnit.objects.all()}
    users = {}
    for name, (role, unit) in USERS.items():
        users[name] = User.objects.create_user(name)
        do_grant_role(CONSOLE, users[name], role, units[unit])
    return Township(units, users)


@pytest.fixture
def figures(township: Township) -> Township:
    for unit, period, values in FIGURES:
        store(unit, period, values)
    return township
