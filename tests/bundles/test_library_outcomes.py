"""The libraries' outcome configuration: every scheme takes appeals, names its weak (or
yellow-card) units, pays its rewards and penalties and says what its vetoes cost officials —
and the engine, given the template rules, designates and pays as the contract's clauses say,
worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.bundles.loader import load_bundle_files
from kaohe.bundles.records import SchemeRecord
from kaohe.engine.designation import (
    DesignationInput,
    designate,
    designation_rules_from_config,
)
from kaohe.engine.money import (
    MoneyPerson,
    MoneyRuleKind,
    MoneyUnit,
    compute_money,
    money_rules_from_config,
    totals,
)
from kaohe.schemes.models import Scheme

from .conftest import LIBRARY, LIBRARY_FILES, load

LIBRARY_2026_FILES = sorted((LIBRARY.parent / "2026").glob("*.yaml"))
BOTH = [*LIBRARY_FILES, *LIBRARY_2026_FILES]


def _schemes(paths: list[Path]) -> dict[str, SchemeRecord]:
    return {s.code: s for s in load_bundle_files(paths).schemes}


SCHEMES = _schemes(BOTH)


@pytest.mark.parametrize("code", sorted(SCHEMES))
def test_every_scheme_takes_appeals_designates_pays_and_lists_veto_consequences(code) -> None:
    scheme = SCHEMES[code]

    assert scheme.fields["appeal_days"] in (7, 10)
    assert designation_rules_from_config(scheme.fields["designation_rules"])
    assert money_rules_from_config(scheme.fields["money_rules"])
    for veto in scheme.vetoes:
        assert "一年内不得评先评优" in veto["consequences"], veto["code"]
    terms = "\n".join(scheme.fields["terms"])
    assert f"{scheme.fields['appeal_days']}日内" in terms, "the contract prints the appeal window"


def test_the_libraries_together_use_every_kind_of_money_rule() -> None:
    kinds = {rule["kind"] for s in SCHEMES.values() for rule in s.fields["money_rules"]}

    assert kinds == {kind.value for kind in MoneyRuleKind}


@pytest.mark.django_db
def test_both_libraries_store_their_outcome_configuration() -> None:
    load(*BOTH)

    village = Scheme.objects.get(code="VILLAGE_2006")
    assert village.appeal_days == 7
    assert [r["code"] for r in village.designation_rules] == [
        "WEAK_FAIL",
        "WEAK_VETO",
        "WEAK_BOTTOM",
        "STRICT_AGAIN",
        "STRICT_CONCEALED",
    ]
    assert village.money_rules == SCHEMES["VILLAGE_2006"].fields["money_rules"]
    assert (
        list(village.vetoes.values_list("consequences", flat=True))
        == [["一年内不得评先评优", "一年内不得提拔重用"]] * 2
    )
    assert Scheme.objects.get(code="VILLAGE_2026").appeal_days == 10


# --- the 2006 village scheme, applied ----------------------------------------------------------


def _result(unit: str, grade: str, total: str, rank: int, *vetoes: str) -> DesignationInput:
    return DesignationInput(unit, "village", grade, Decimal(total), rank, bool(vetoes), vetoes)


def test_the_2006_village_rules_designate_weak_and_strict_villages_as_the_contract_says() -> None:
    rules = designation_rules_from_config(SCHEMES["VILLAGE_2006"].fields["designation_rules"])
    results = [
        _result("V1", "FIRST", "97.5", 1),
        _result("V2", "SECOND", "91", 2),
        _result("V3", "PASS", "75", 3),  # weak last year, not this year: nothing
        _result("V4", "FAIL", "65", 4),  # failed: weak (and among the bottom two)
        _result("V5", "FAIL", "88", 5, "OVER_PLAN"),  # vetoed and weak last year: strict
        _result("V6", "FAIL", "90", 6, "CONCEALED"),  # a concealed birth: strict
    ]
    previous = {"V3": "weak", "V5": "weak"}

    found = {d.unit: (d.status, d.rule) for d in designate(rules, results, previous)}

    assert found == {
        "V4": ("weak", "WEAK_FAIL"),
        "V5": ("strict", "STRICT_AGAIN"),
        "V6": ("strict", "STRICT_CONCEALED"),
    }


def _village(grade: str, *vetoes: str, missed: int = 1) -> MoneyUnit:
    persons = (
        MoneyPerson("SEC", "张书记", "party_secretary"),
        MoneyPerson("DIR", "李主任", "director"),
        MoneyPerson("FPO", "王专干", "fp_officer"),
        MoneyPerson("CAD", "赵干部", "stationed_cadre"),
    )
    return MoneyUnit(
        unit="V1",
        name="东村",
        kind="village",
        grade=grade,
        total=Decimal("96"),
        rank=1,
        vetoed=bool(vetoes),
        vetoes=vetoes,
        population=Decimal("2000"),
        cases={"MISSED_BIRTHS": Decimal(missed)},
        over_report_ratio=Decimal("0.1"),
        persons=persons,
    )


def test_a_first_prize_village_of_2000_people_is_paid_as_worked_out_by_hand() -> None:
    rules = money_rules_from_config(SCHEMES["VILLAGE_2006"].fields["money_rules"])

    lines = compute_money(rules, [_village("FIRST")])

    # Reward: the 1,500–2,499 tier's first prize 8,000, less 10 % over-reported = 7,200, split
    # 60/12/12/10/6 %: 4,320 / 864 / 864 / 720 / 432. One missed birth: the 1–2 band, 1,000,
    # shared alike: 600 / 120 / 120 / 100 / 60. Withheld pay released in full: 600, 600, 400.
    # Deposits of 1,000 paid in by the secretary and the director, 1,500 back to each.
    assert totals(lines, "person") == {
        "": Decimal("3720.00"),  # 4,320 − 600
        "SEC": Decimal("1844.00"),  # 864 − 120 + 600 − 1,000 + 1,500
        "DIR": Decimal("1844.00"),
        "FPO": Decimal("1020.00"),  # 720 − 100 + 400
        "CAD": Decimal("372.00"),  # 432 − 60
    }
    assert sum(totals(lines, "kind").values()) == Decimal("8800.00")


def test_a_vetoed_village_forfeits_its_reward_pay_and_deposits_and_is_fined() -> None:
    rules = money_rules_from_config(SCHEMES["VILLAGE_2006"].fields["money_rules"])

    lines = compute_money(rules, [_village("FAIL", "CONCEALED", missed=0)])

    # No reward; the veto's 2,000 fine shared 60/12/12/10/6 %: 1,200 / 240 / 240 / 200 / 120.
    # Withheld pay (600, 600, 400) forfeited; each 1,000 deposit forfeited.
    assert totals(lines, "person") == {
        "": Decimal("-1200.00"),
        "SEC": Decimal("-1840.00"),  # −240 − 600 − 1,000
        "DIR": Decimal("-1840.00"),
        "FPO": Decimal("-600.00"),  # −200 − 400
        "CAD": Decimal("-120.00"),
    }
