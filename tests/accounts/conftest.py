"""A county with one township and two villages, and a few users (no figures needed here)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kaohe.orgunits.models import OrgUnit, UnitKind

PASSWORD = "a-long-and-unusual-password-1"


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    county = OrgUnit.objects.create(code="C01", name="某县", kind=UnitKind.COUNTY)
    township = OrgUnit.objects.create(
        code="T01", name="某镇", kind=UnitKind.TOWNSHIP, parent=county
    )
    other = OrgUnit.objects.create(code="T02", name="别镇", kind=UnitKind.TOWNSHIP, parent=county)
    made = {"C01": county, "T01": township, "T02": other}
    for code, parent in (("VA01", township), ("VB01", township), ("VZ01", other)):
        made[code] = OrgUnit.objects.create(
            code=code, name=code, kind=UnitKind.VILLAGE, parent=parent
        )
    return made


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user("alice", password=PASSWORD)


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user("bob", password=PASSWORD)


@pytest.fixture
def charlie(db: None) -> User:
    return User.objects.create_user("charlie", password=PASSWORD)
