"""The demo's outcomes: its runs published, appeals decided, weak units with plans, money paid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum

from kaohe.appeals.models import Appeal
from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.audit.services import Actor
from kaohe.demo.generator import SCHEME_CODE
from kaohe.demo.outcomes import ACCEPTED_VILLAGE, REJECTED_VILLAGE, DemoOutcomes, do_demo_outcomes
from kaohe.demo.services import do_assess_demo_schemes, do_build_demo
from kaohe.remediation.models import Designation
from kaohe.rewards.models import LedgerEntry


@dataclass(frozen=True)
class Outcome:
    made: DemoOutcomes
    runs: list[tuple[str, int, str, int | None]]  # scheme, year, status, replaces
    appeals: dict[str, tuple[str, int | None]]  # unit → status, resolution run
    designations: dict[tuple[int, str], tuple[str, str | None]]  # → status, plan status
    unit_sums: dict[int, Decimal]  # run → the sum of its ledger
    ledger_total: dict[int, Decimal]
    # The reversal the demo made: reversed amount, counter amount, the reversed entry's status
    reversals: list[tuple[Decimal, Decimal, str]]


@pytest.fixture(scope="module")
def outcome(django_db_setup: None, django_db_blocker: Any) -> Outcome:
    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.cli("test")
        summary = do_build_demo(actor)
        runs = do_assess_demo_schemes(actor, summary.years)
        made = do_demo_outcomes(actor, runs, SCHEME_CODE)
        by_unit: dict[int, Decimal] = {}
        for run_id, _unit, amount in LedgerEntry.objects.values_list("run_id", "unit_id", "amount"):
            by_unit[run_id] = by_unit.get(run_id, Decimal(0)) + amount
        out = Outcome(
            made=made,
            runs=[
                (r.scheme.code, r.year, r.status, r.replaces_id)
                for r in AssessmentRun.objects.select_related("scheme").order_by("pk")
            ],
            appeals={
                a.unit.code: (a.status, a.resolution_run_id)
                for a in Appeal.objects.select_related("unit")
            },
            designations={
                (d.year, d.unit.code): (
                    d.status,
                    d.plan.status if hasattr(d, "plan") else None,
                )
                for d in Designation.objects.select_related("unit", "plan").filter(
                    revoked_at__isnull=True
                )
            },
            unit_sums=by_unit,
            ledger_total={
                row["run_id"]: Decimal(row["total"]).quantize(Decimal("0.01")) + 0
                for row in LedgerEntry.objects.values("run_id").annotate(total=Sum("amount"))
            },
            reversals=[
                (e.reverses.amount, e.amount, e.reverses.status)
                for e in LedgerEntry.objects.filter(pk__in=made.reversed).select_related("reverses")
            ],
        )
        transaction.set_rollback(True)
    return out


def test_every_run_is_published_and_the_appealed_one_replaced(outcome: Outcome) -> None:
    statuses = [status for _code, _year, status, _replaces in outcome.runs]
    assert RunStatus.DRAFT not in statuses
    superseded = [r for r in outcome.runs if r[2] == RunStatus.SUPERSEDED]
    assert [(code, year) for code, year, _s, _r in superseded] == [(SCHEME_CODE, 2006)]
    replacing = [r for r in outcome.runs if r[3] is not None]
    assert len(replacing) == 1 and replacing[0][:3] == (SCHEME_CODE, 2006, RunStatus.PUBLISHED)


def test_one_appeal_is_resolved_by_the_corrected_run_and_one_rejected(outcome: Outcome) -> None:
    assert outcome.appeals[REJECTED_VILLAGE] == ("rejected", None)
    assert outcome.appeals[ACCEPTED_VILLAGE] == ("resolved", outcome.made.corrected_run)


def test_weak_and_strict_villages_are_designated_with_plans(outcome: Outcome) -> None:
    strict = [key for key, (status, _plan) in outcome.designations.items() if status == "strict"]
    assert (2006, "V09") in strict  # weak in both years: strict management
    assert all(plan is not None for _status, plan in outcome.designations.values())
    first_year = {plan for (year, _u), (_s, plan) in outcome.designations.items() if year == 2005}
    assert first_year <= {"lifted", "escalated"} and "escalated" in first_year
    assert outcome.designations[(2005, "V09")][1] == "escalated"


def test_money_is_paid_and_one_entry_reversed_by_a_counter_entry(outcome: Outcome) -> None:
    assert outcome.made.paid > 0 and outcome.made.entries > outcome.made.paid
    assert len(outcome.reversals) == 1
    reversed_amount, counter, status = outcome.reversals[0]
    assert counter == -reversed_amount and status == "reversed"


def test_each_runs_ledger_adds_up_by_unit_to_its_total(outcome: Outcome) -> None:
    assert outcome.unit_sums == outcome.ledger_total
