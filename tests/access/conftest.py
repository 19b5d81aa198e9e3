"""A small county, assessed once for the module, with a user for every role.

Built inside a module-wide transaction that is rolled back afterwards (the pattern of
tests/assessments/conftest.py), so each test only adds its own rows on top.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import do_run_assessment, find_scheme
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.orgunits.models import OrgUnit

WORLD = Path(__file__).with_name("world.yaml")

# Everything that names a village: its code, its name, its official.
MARKERS = {
    "VA01": ("VA01", "甲家村", "Jiajia", "甲甲甲支书", "VA01_SEC"),
    "VB01": ("VB01", "乙家村", "Yijia", "乙乙乙支书", "VB01_SEC"),
    "VZ01": ("VZ01", "丁家村", "Dingjia", "丁丁丁支书", "VZ01_SEC"),
}

# role name in the tests → (role, unit code) memberships; "superuser" and "no_role" have none.
MEMBERSHIPS: dict[str, list[tuple[str, str]]] = {
    "system_admin": [(Role.SYSTEM_ADMIN, "C01")],
    "superuser": [],
    "township_admin": [(Role.TOWNSHIP_ADMIN, "T01")],
    "other_township_admin": [(Role.TOWNSHIP_ADMIN, "T02")],
    "reviewer": [(Role.REVIEWER, "T01")],
    "reporter_a": [(Role.REPORTER, "VA01")],
    "reporter_b": [(Role.REPORTER, "VB01")],
    "county_viewer": [(Role.COUNTY_VIEWER, "C01")],
    "auditor": [(Role.AUDITOR, "C01")],
    "no_role": [],
}
ROLES = [*MEMBERSHIPS, "anonymous"]


@dataclass(frozen=True)
class World:
    run_all: AssessmentRun  # every village of the county
    run_t02: AssessmentRun  # only 丙镇's village
    users: dict[str, User]
    audit_entry_id: int  # an audit row about village A's figures


FIGURES = {
    # unit: (births, policy-conforming births) in each of three months of 2006
    "VA01": (3, 3),
    "VB01": (4, 3),
    "VZ01": (2, 2),
}


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.cli("pytest")
        do_load_bundles([str(WORLD)], actor)
        for unit, (births, policy) in FIGURES.items():
            for month in ("200603", "200607", "200611"):
                do_set_value(
                    actor=actor,
                    element_code="BIRTHS",
                    period_code=month,
                    unit_code=unit,
                    value=births,
                )
                do_set_value(
                    actor=actor,
                    element_code="BIRTHS_POLICY",
                    period_code=month,
                    unit_code=unit,
                    value=policy,
                )
        scheme = find_scheme("ACCESS")
        run_all = do_run_assessment(scheme, 2006, actor=actor)
        run_t02 = do_run_assessment(scheme, 2006, actor=actor, root=OrgUnit.objects.get(code="T02"))
        users: dict[str, User] = {}
        for name, memberships in MEMBERSHIPS.items():
            # The superuser as createsuperuser makes one (staff, so the admin site opens).
            is_superuser = name == "superuser"
            user = User.objects.create_user(name, is_superuser=is_superuser, is_staff=is_superuser)
            for role, code in memberships:
                do_grant_role(actor, user, role, OrgUnit.objects.get(code=code))
            users[name] = user
        from kaohe.audit.models import AuditEntry

        entry = AuditEntry.objects.filter(object_key__endswith="/VA01").earliest("id")
        yield World(run_all, run_t02, users, entry.pk)
        transaction.set_rollback(True)
