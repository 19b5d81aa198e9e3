"""A small county assessed once for the module (rolled back afterwards), with a user for each
role; each test publishes the run it appeals.

甲乙镇 (T01) has villages VA01 and VB01; 丙镇 (T02) has VZ01. The scheme APPEAL scores two
items, PLAN and POLICY, and takes appeals for 10 days after publication.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.appeals.models import Appeal
from kaohe.appeals.services import do_accept_appeal, do_file_appeal
from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.publishing import do_publish_run
from kaohe.assessments.services import do_run_assessment, find_scheme
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.orgunits.models import OrgUnit

COUNTY = Path(__file__).with_name("county.yaml")
CONSOLE = Actor.cli("pytest")
APPEAL_DAYS = 10
MONTHS = ("200603", "200607", "200611")

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

FIGURES = {"VA01": (3, 3), "VB01": (4, 3), "VZ01": (2, 2)}  # births, policy births a month


def set_births(unit: str, births: int, policy: int) -> None:
    """Every month's figures of ``unit``, entered from the console."""
    for month in MONTHS:
        for element, value in (("BIRTHS", births), ("BIRTHS_POLICY", policy)):
            do_set_value(
                actor=CONSOLE,
                element_code=element,
                period_code=month,
                unit_code=unit,
                value=value,
            )


@dataclass(frozen=True)
class World:
    draft: AssessmentRun
    units: dict[str, OrgUnit]
    users: dict[str, User]

    def actor(self, name: str, channel: str = Channel.WEB) -> Actor:
        return Actor(name=name, channel=channel, user=self.users[name])

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client

    def publish(
        self, run: AssessmentRun | None = None, replaces: AssessmentRun | None = None
    ) -> AssessmentRun:
        """Publish ``run`` (the module's draft by default); its data was never submitted, so
        the publication confirms that and says why."""
        return do_publish_run(
            run or self.draft,
            CONSOLE,
            confirm_unapproved=True,
            exception_reason="测试数据未报送",
            replaces=replaces,
        )

    def reassess(self) -> AssessmentRun:
        return do_run_assessment(find_scheme("APPEAL"), 2006, actor=CONSOLE)


@dataclass(frozen=True)
class County:
    """The world with its run published today."""

    world: World
    run: AssessmentRun

    @property
    def units(self) -> dict[str, OrgUnit]:
        return self.world.units

    @property
    def users(self) -> dict[str, User]:
        return self.world.users

    def actor(self, name: str, channel: str = Channel.WEB) -> Actor:
        return self.world.actor(name, channel)

    def client(self, name: str) -> Client:
        return self.world.client(name)

    def published_days_ago(self, days: int) -> None:
        """Move the publication ``days`` days back (the window counts from its local day)."""
        when = timezone.now() - timedelta(days=days)
        AssessmentRun.objects.filter(pk=self.run.pk).update(published_at=when)

    def filed(self, unit: str = "VA01", item: str = "PLAN", by: str = "reporter_a") -> Appeal:
        return do_file_appeal(
            self.actor(by), self.run, self.units[unit], item, "出生人数统计有误，多计一人"
        )

    def accepted(self, unit: str = "VA01", item: str = "PLAN") -> Appeal:
        appeal = self.filed(unit, item, by=f"reporter_{unit[1].lower()}")
        return do_accept_appeal(self.actor("reviewer"), appeal.pk, "经核实确属多计")


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        do_load_bundles([str(COUNTY)], CONSOLE)
        assert find_scheme("APPEAL").appeal_days == APPEAL_DAYS
        for unit, (births, policy) in FIGURES.items():
            set_births(unit, births, policy)
        draft = do_run_assessment(find_scheme("APPEAL"), 2006, actor=CONSOLE)
        units = {u.code: u for u in OrgUnit.objects.all()}
        users = {}
        for name, (role, code) in ROLES.items():
            users[name] = User.objects.create_user(name)
            do_grant_role(CONSOLE, users[name], role, units[code])
        yield World(draft, units, users)
        transaction.set_rollback(True)


@pytest.fixture
def county(world: World, db: None) -> County:
    return County(world, world.publish())
