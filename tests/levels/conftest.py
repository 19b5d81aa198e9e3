"""Townships for the levels tests: their rules, units, figures, submissions and approvals.

``build_township`` loads the county's rules and one township's units, enters monthly figures
for its villages, and submits and approves the months listed — through the same services a
clerk uses. ``county`` builds both townships of 测试县 once for a module (inside a transaction
rolled back afterwards, the pattern of tests/access/conftest.py), with users for the roles.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.services import do_approve, do_submit

HERE = Path(__file__).parent
RULES = HERE / "township_rules.yaml"
TOWNSHIP_FILES = {"TA": HERE / "township_a.yaml", "TB": HERE / "township_b.yaml"}
ACTOR = Actor.cli("pytest")

# village: month → (births, births within policy, population at the month's end)
FIGURES: dict[str, dict[str, tuple[int, int, int]]] = {
    "TA_V1": {"202412": (0, 0, 1200), "202501": (3, 3, 1203), "202502": (2, 1, 1205)},
    "TA_V2": {"202412": (0, 0, 800), "202501": (1, 1, 801), "202502": (4, 2, 804)},
    "TB_V1": {"202412": (0, 0, 2000), "202501": (5, 4, 2004), "202502": (3, 3, 2006)},
    "TB_V2": {"202412": (0, 0, 1500), "202501": (2, 2, 1501), "202502": (2, 2, 1503)},
    # No report for February: its population is its January figure.
    "TB_V3": {"202412": (0, 0, 600), "202501": (1, 0, 601)},
}
# The months approved; the others stay as entered (202502 of TA_V2: submitted, not approved).
APPROVED = ("202412", "202501", "202502")
NOT_APPROVED = {("TA_V2", "202502")}


def enter(unit: str, month: str, figures: tuple[int, int, int]) -> None:
    for element, value in zip(("BIRTHS", "BIRTHS_POLICY", "POPULATION"), figures, strict=True):
        do_set_value(
            actor=ACTOR, element_code=element, period_code=month, unit_code=unit, value=value
        )


def build_township(
    code: str,
    figures: Mapping[str, Mapping[str, tuple[int, int, int]]] = FIGURES,
    not_approved: Sequence[tuple[str, str]] = tuple(NOT_APPROVED),
) -> OrgUnit:
    """The county's rules and township ``code`` with its villages' figures, submitted and
    approved (but for ``not_approved``, which are only submitted)."""
    do_load_bundles([str(RULES), str(TOWNSHIP_FILES[code])], ACTOR)
    township = OrgUnit.objects.get(code=code)
    dataset = DataSet.objects.get(code="LV_MONTHLY")
    for unit in OrgUnit.objects.subtree(township).filter(kind="village"):
        for month, numbers in figures.get(unit.code, {}).items():
            enter(unit.code, month, numbers)
            submission = do_submit(ACTOR, dataset, unit, month)
            if (unit.code, month) not in not_approved:
                do_approve(ACTOR, submission.pk)
    return township


# role name → (role, unit code); "superuser" and "no_role" have none.
MEMBERSHIPS: dict[str, list[tuple[str, str]]] = {
    "system_admin": [(Role.SYSTEM_ADMIN, "C01")],
    "township_admin": [(Role.TOWNSHIP_ADMIN, "TA")],
    "other_township_admin": [(Role.TOWNSHIP_ADMIN, "TB")],
    "reviewer": [(Role.REVIEWER, "TA")],
    "reporter": [(Role.REPORTER, "TA_V1")],
    "county_viewer": [(Role.COUNTY_VIEWER, "C01")],
    "no_role": [],
}


@dataclass(frozen=True)
class County:
    townships: dict[str, OrgUnit]
    users: dict[str, User]


@pytest.fixture(scope="module")
def county(django_db_setup: None, django_db_blocker: Any) -> Iterator[County]:
    with django_db_blocker.unblock(), transaction.atomic():
        townships = {code: build_township(code) for code in TOWNSHIP_FILES}
        users: dict[str, User] = {}
        for name, memberships in MEMBERSHIPS.items():
            user = User.objects.create_user(name)
            for role, unit in memberships:
                do_grant_role(ACTOR, user, role, OrgUnit.objects.get(code=unit))
            users[name] = user
        yield County(townships, users)
        transaction.set_rollback(True)
