"""Helpers of a remediation plan that shares the unit's outcome (同奖同罚) share its money."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from kaohe.remediation.models import Designation, DesignationStatus, RemediationPlan
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import LedgerEntry

from .conftest import CONSOLE, YEAR, Town


def _plan(town: Town, year: int, *, shares: bool) -> RemediationPlan:
    designation = Designation.objects.create(
        scheme_code=town.scheme.code, unit=town.unit("V2"), year=year,
        status=DesignationStatus.WEAK, rule="R", reason_zh="末位",
    )  # fmt: skip
    plan = RemediationPlan.objects.create(
        designation=designation, leader=town.officials["T1_CADRE_C"], responsibilities="帮促",
        deadline=datetime.date(year + 1, 12, 31), rewards_penalties="同奖同罚",
        shares_outcome=shares,
    )  # fmt: skip
    plan.staff.add(town.officials["T1_CADRE_A"])
    return plan


def _grade_shares() -> dict[str | None, Decimal]:
    rows = LedgerEntry.objects.filter(unit__code="V2", rule="GRADE").select_related("person")
    return {(e.person.code if e.person else None): e.amount for e in rows}


def test_the_staff_of_last_years_plan_share_the_units_reward(town: Town) -> None:
    _plan(town, YEAR - 1, shares=True)

    do_compute_money(town.run, CONSOLE)

    # V2's 4,500: the stationed cadres' 10 % (450.00) is divided between its own and the helper
    shares = _grade_shares()
    assert shares["T1_CADRE_A"] == shares["T1_CADRE_B"] == Decimal("225.00")
    assert sum(shares.values()) == Decimal("4500.00")


@pytest.mark.parametrize(("year", "shares"), [(YEAR - 1, False), (YEAR, True)])
def test_a_plan_that_does_not_share_or_of_another_year_adds_nobody(
    town: Town, year: int, shares: bool
) -> None:
    _plan(town, year, shares=shares)

    do_compute_money(town.run, CONSOLE)

    assert "T1_CADRE_A" not in _grade_shares()
