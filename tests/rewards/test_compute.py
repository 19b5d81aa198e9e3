"""Computing a published run's money into the ledger: what the engine is given, the amounts to
the fen, and the refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.assessments.models import RunStatus
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.models import AuditEntry
from kaohe.engine.money import money_rules_from_config
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.inputs import money_units
from kaohe.rewards.models import EntryStatus, LedgerEntry, LedgerError

from .conftest import CONSOLE, YEAR, Town

D = Decimal


def _units(town: Town) -> dict[str, object]:
    rules = money_rules_from_config(town.scheme.money_rules)
    return {u.unit: u for u in money_units(town.run, rules, town.scheme.money_rules)}


def _amounts(unit: str, rule: str) -> dict[str | None, Decimal]:
    """Person code (None: the unit) → amount of the entries of one unit and rule."""
    rows = LedgerEntry.objects.filter(unit__code=unit, rule=rule).select_related("person")
    return {(e.person.code if e.person else None): e.amount for e in rows}


def test_the_engine_is_given_what_the_run_published(town: Town) -> None:
    units = _units(town)
    v1, v2, v3, v4 = (units[c] for c in ("V1", "V2", "V3", "V4"))
    # grade, total and vetoes as published; the veto by its name
    assert (v1.grade, v1.total, v1.vetoed) == ("FIRST", D("100.00"), False)  # type: ignore[attr-defined]
    assert (v3.grade, v3.vetoed, v3.vetoes) == ("FAIL", True, ("超计划生育",))  # type: ignore[attr-defined]
    # population: a stock, its last value in the year; missing where never reported
    assert v1.population == D("3100") and v2.population == D("1500")  # type: ignore[attr-defined]
    assert v4.population is None  # type: ignore[attr-defined]
    # cases: the actual of the item the rule names
    assert v2.cases == {"CONCEALED": D(1)} and v4.cases == {"CONCEALED": D(3)}  # type: ignore[attr-defined]
    # over-reporting: the run's stored indicator, as a share
    assert v2.over_report_ratio == D("0.1") and v4.over_report_ratio == D("0.02")  # type: ignore[attr-defined]
    # persons: the signatories of the contract scored, by role code; none without a contract
    assert [(p.official, p.role) for p in v1.persons] == [  # type: ignore[attr-defined]
        ("V1_SEC", "party_secretary"),
        ("V1_DIR", "director"),
        ("T1_CADRE_A", "stationed_cadre"),
    ]
    assert v4.persons == ()  # type: ignore[attr-defined]


def test_money_is_computed_to_the_fen(town: Town) -> None:
    outcome = do_compute_money(town.run, CONSOLE)

    assert outcome.counter == []
    assert all(e.status == EntryStatus.COMPUTED for e in outcome.created)
    # V1, first prize: 10,000 split 60/20/10/10 (no over-reporting found)
    assert _amounts("V1", "GRADE") == {
        None: D("6000.00"),
        "V1_SEC": D("2000.00"),
        "V1_DIR": D("1000.00"),
        "T1_CADRE_A": D("1000.00"),
    }
    # V2, pass: 5,000 cut by the 10 % over-reported = 4,500, then split
    assert _amounts("V2", "GRADE") == {
        None: D("2700.00"),
        "V2_SEC": D("900.00"),
        "V2_DIR": D("450.00"),
        "T1_CADRE_B": D("450.00"),
    }
    # V4, pass, 2 % over-reported, nobody signed: the unit keeps 4,900
    assert _amounts("V4", "GRADE") == {None: D("4900.00")}
    # population tiers: 3,100 people → the 3,000 tier; 1,500 → the first; missing → 0.00, said
    assert _amounts("V1", "POP") == {None: D("2000.00")}
    assert _amounts("V2", "POP") == {None: D("500.00")}
    missing = LedgerEntry.objects.get(unit__code="V4", rule="POP")
    assert missing.amount == D("0.00") and "人口" in missing.explanation_zh
    # fines per concealed birth, 500 each
    assert _amounts("V2", "CONCEAL") == {None: D("-500.00")}
    assert _amounts("V4", "CONCEAL") == {None: D("-1500.00")}
    # V3 vetoed: the fail grade's penalty of 2,000 shared, and the veto's fine of 3,000
    assert sum(_amounts("V3", "GRADE").values()) == D("-2000.00")
    assert _amounts("V3", "VETO") == {None: D("-3000.00")}
    # withheld pay of the party secretary: released by grade, the rest forfeited
    v2_pay = LedgerEntry.objects.filter(unit__code="V2", rule="PAY")
    assert {e.kind: e.amount for e in v2_pay} == {
        "withheld_release": D("4800.00"),
        "withheld_forfeit": D("-1200.00"),
    }
    # every entry keeps its figures and both explanations
    entry = LedgerEntry.objects.get(unit__code="V2", rule="GRADE", person__isnull=True)
    assert entry.figures["grade"] == "PASS"
    assert entry.explanation_zh and entry.explanation_en
    assert entry.created_by == CONSOLE.name


def test_the_computation_is_audited(town: Town) -> None:
    outcome = do_compute_money(town.run, CONSOLE)

    row = AuditEntry.objects.get(action="money.compute")
    assert row.object_key == str(town.run.pk)
    assert row.after["entries"] == len(outcome.created)
    total = sum((e.amount for e in outcome.created), D(0))
    assert D(row.after["total"]) == total


def test_a_draft_run_is_refused(town: Town) -> None:
    draft = do_run_assessment(town.scheme, YEAR, actor=CONSOLE, root=town.unit("T1"))
    assert draft.status == RunStatus.DRAFT

    with pytest.raises(LedgerError) as refused:
        do_compute_money(draft, CONSOLE)

    assert refused.value.field == "run"
    assert "已发布" in str(refused.value) and "published" in str(refused.value)
    assert not LedgerEntry.objects.exists()


def test_computing_the_same_run_twice_is_refused(town: Town) -> None:
    first = do_compute_money(town.run, CONSOLE)

    with pytest.raises(LedgerError) as refused:
        do_compute_money(town.run, CONSOLE)

    assert refused.value.field == "run"
    assert "不能重复计算" in str(refused.value)
    assert LedgerEntry.objects.count() == len(first.created)


def test_a_superseded_run_is_refused(town: Town) -> None:
    from .conftest import publish

    publish(town.scheme)
    town.run.refresh_from_db()
    assert town.run.status == RunStatus.SUPERSEDED

    with pytest.raises(LedgerError):
        do_compute_money(town.run, CONSOLE)


def test_a_scheme_without_money_rules_is_refused(town: Town) -> None:
    town.scheme.money_rules = []
    town.scheme.save(update_fields=["money_rules"])

    with pytest.raises(LedgerError) as refused:
        do_compute_money(town.run, CONSOLE)

    assert refused.value.field == "money_rules"


def test_invalid_money_rules_are_refused_with_every_problem(town: Town) -> None:
    town.scheme.money_rules = [
        {"code": "A", "kind": "grade_amount", "name": "甲", "amounts": {"FIRST": "many"}},
        {"code": "B", "kind": "no_such_kind", "name": "乙"},
    ]
    town.scheme.save(update_fields=["money_rules"])

    with pytest.raises(LedgerError) as refused:
        do_compute_money(town.run, CONSOLE)

    assert refused.value.field == "money_rules"
    message = str(refused.value)
    assert "第 1 条" in message and "第 2 条" in message
    assert not LedgerEntry.objects.exists()
