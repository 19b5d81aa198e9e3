"""A township to enter figures for: two villages, a monthly data set with an element of each
value type, and clerks with their roles (who may see what is tested in tests/access)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.orgunits.models import OrgUnit, UnitKind
from tests.access.conftest import world  # noqa: F401  (the county of the access tests, by name)

SETUP = Actor.cli("pytest")
OPEN_FOR_DAYS = 32000


@dataclass(frozen=True)
class Place:
    township: OrgUnit
    east: OrgUnit  # 东村 V01
    west: OrgUnit  # 西村 V02
    dataset: DataSet  # 计划生育月报 FP_MONTHLY
    clerk: User  # reporter of 东村
    colleague: User  # another reporter of 东村
    west_clerk: User  # reporter of 西村
    admin: User  # township administrator
    reviewer: User  # reviewer of the township: sees, may not enter


def element(code: str, name: str, value_type: str, aggregation: str = "sum") -> DataElement:
    return DataElement.objects.create(
        code=code, name=name, value_type=value_type, aggregation=aggregation
    )


def add_elements(dataset: DataSet, elements: list[DataElement]) -> None:
    start = DataSetElement.objects.filter(dataset=dataset).count()
    DataSetElement.objects.bulk_create(
        DataSetElement(dataset=dataset, element=e, sort_order=start + i)
        for i, e in enumerate(elements)
    )


def user_with(name: str, role: str, unit: OrgUnit) -> User:
    user = User.objects.create_user(name)
    do_grant_role(SETUP, user, role, unit)
    return user


@pytest.fixture
def place(db: None) -> Place:
    township = OrgUnit.objects.create(code="T01", name="城关镇", kind=UnitKind.TOWNSHIP)
    east = OrgUnit.objects.create(code="V01", name="东村", kind=UnitKind.VILLAGE, parent=township)
    west = OrgUnit.objects.create(code="V02", name="西村", kind=UnitKind.VILLAGE, parent=township)
    # Figures lock some days after their period ends; these stay open for the tests' years
    # whatever today is (tests of locks set their own).
    dataset = DataSet.objects.create(
        code="FP_MONTHLY",
        name="计划生育月报",
        period_type="Monthly",
        unit_kinds=["village"],
        lock_after_days=OPEN_FOR_DAYS,
    )
    add_elements(
        dataset,
        [
            element("BIRTHS", "出生人数", "integer"),
            element("CONTRA_RATE", "综合避孕率", "percentage", "average"),
            element("AVG_POP", "平均人口", "number", "average"),
            element("HAS_PLAN", "是否制定帮促方案", "yes_no", "last"),
        ],
    )
    return Place(
        township=township,
        east=east,
        west=west,
        dataset=dataset,
        clerk=user_with("clerk", Role.REPORTER, east),
        colleague=user_with("colleague", Role.REPORTER, east),
        west_clerk=user_with("west_clerk", Role.REPORTER, west),
        admin=user_with("admin", Role.TOWNSHIP_ADMIN, township),
        reviewer=user_with("reviewer", Role.REVIEWER, township),
    )


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(place: Place) -> Client:
    return client_of(place.clerk)


def store(element: str, period: str, value: str, unit: str = "V01", **extra: object) -> None:
    do_set_value(
        actor=SETUP,
        element_code=element,
        period_code=period,
        unit_code=unit,
        value=value,
        **extra,  # type: ignore[arg-type]
    )


def grid_url(period: str = "2026", unit: str = "V01", dataset: str = "FP_MONTHLY") -> str:
    return f"/entry/{dataset}/{unit}/{period}/"


def cell_url(element: str, period: str, unit: str = "V01") -> str:
    return f"/entry/cell/{element}/{unit}/{period}/"


def hidden(html: str, name: str) -> str:
    """The value of the (first) input called ``name`` on a page, "" if there is none."""
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return match.group(1) if match else ""


def cell_html(html: str, element: str, period: str) -> str:
    """The <td> of one value on a page."""
    match = re.search(rf'<td id="c-{element}-{period}".*?</td>', html, re.S)
    assert match, f"no cell {element} {period}"
    return match.group(0)


def tokens(html: str, element: str, period: str) -> dict[str, str]:
    """What a page holds for one cell and posts back: its value, token and original text."""
    key = f"{element}:{period}"
    return {f"{p}:{key}": hidden(html, f"{p}:{key}") for p in ("v", "t", "o")}
