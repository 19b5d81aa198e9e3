from __future__ import annotations

import datetime

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.services import (
    ContractError,
    do_add_signatory,
    do_amend,
    do_generate_contracts,
    do_set_target,
    do_sign,
    unsigned,
)

from .conftest import CONSOLE, YEAR, Township

SIGNED_ON = datetime.date(2024, 1, 15)


def _generate(town: Township) -> dict[str, Contract]:
    outcome = do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE)
    return {c.unit.code: c for c in outcome.created}


def _targets(contract: Contract) -> dict[str, float]:
    return {t.item.code: t.value for t in contract.targets.select_related("item")}


def test_generating_drafts_one_contract_per_village_of_the_township(town: Township) -> None:
    contracts = _generate(town)
    assert sorted(contracts) == ["V1", "V2"]
    assert all(c.status == ContractStatus.DRAFT and c.version == 1 for c in contracts.values())
    assert not Contract.objects.filter(unit=town.units["V3"]).exists()
    assert AuditEntry.objects.filter(action="contract.generate").count() == 2


def test_a_villages_own_target_is_copied_and_the_others_take_the_default(
    town: Township,
) -> None:
    contracts = _generate(town)
    assert _targets(contracts["V1"]) == {"PLAN": 12, "RATE": 90}
    assert _targets(contracts["V2"]) == {"PLAN": 5, "RATE": 90}


def test_signatories_are_proposed_from_the_villages_officials(town: Township) -> None:
    contracts = _generate(town)
    roles = sorted(contracts["V1"].signatories.values_list("official__code", flat=True))
    assert roles == ["V1_DIR", "V1_FP", "V1_SEC"]


def test_generating_again_skips_villages_that_have_a_contract(town: Township) -> None:
    _generate(town)
    outcome = do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE)
    assert outcome.created == []
    assert sorted(u.code for u in outcome.skipped) == ["V1", "V2"]


def test_setting_a_target_changes_the_draft(town: Township) -> None:
    contract = _generate(town)["V2"]
    do_set_target(contract, "PLAN", 7, CONSOLE)
    assert _targets(contract)["PLAN"] == 7
    assert AuditEntry.objects.filter(action="contract.set_target").count() == 1


@pytest.mark.parametrize(("code", "value"), [("PLAN", -1), ("RATE", 101), ("RATE", -0.5)])
def test_it_refuses_a_target_outside_the_indicators_range(
    town: Township, code: str, value: float
) -> None:
    contract = _generate(town)["V1"]
    with pytest.raises(ContractError) as error:
        do_set_target(contract, code, value, CONSOLE)
    assert error.value.field == "target"
    assert code in str(error.value)


def test_it_refuses_an_item_the_scheme_does_not_have(town: Township) -> None:
    with pytest.raises(ContractError) as error:
        do_set_target(_generate(town)["V1"], "NOPE", 1, CONSOLE)
    assert error.value.field == "item"


def test_it_refuses_a_signatory_from_another_village(town: Township) -> None:
    contract = _generate(town)["V2"]
    with pytest.raises(ContractError) as error:
        do_add_signatory(contract, town.officials["V1_SEC"], "party_secretary", CONSOLE)
    assert error.value.field == "signatory"
    assert "V1_SEC" in str(error.value)


def test_a_stationed_cadre_of_the_parent_township_may_sign(town: Township) -> None:
    contract = _generate(town)["V1"]
    do_add_signatory(contract, town.officials["T1_CADRE"], "stationed_cadre", CONSOLE)
    assert contract.signatories.filter(official__code="T1_CADRE").exists()


def test_a_stationed_cadre_of_another_township_may_not_sign(town: Township) -> None:
    contract = _generate(town)["V1"]
    with pytest.raises(ContractError) as error:
        do_add_signatory(contract, town.officials["T2_CADRE"], "stationed_cadre", CONSOLE)
    assert error.value.field == "signatory"


def test_signing_locks_the_contract(town: Township) -> None:
    contract = do_sign(_generate(town)["V1"], SIGNED_ON, CONSOLE)
    assert contract.status == ContractStatus.SIGNED
    assert contract.signed_on == SIGNED_ON
    with pytest.raises(ContractError) as error:
        do_set_target(contract, "PLAN", 3, CONSOLE)
    assert error.value.field == "status"
    assert _targets(contract)["PLAN"] == 12


def test_it_refuses_to_sign_without_a_first_responsible_person(town: Township) -> None:
    contract = _generate(town)["V2"]  # only a family planning officer
    with pytest.raises(ContractError) as error:
        do_sign(contract, SIGNED_ON, CONSOLE)
    assert error.value.field == "signatories"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_an_amendment_keeps_the_old_version_and_says_why(town: Township) -> None:
    old = do_sign(_generate(town)["V1"], SIGNED_ON, CONSOLE)
    new = do_amend(old, {"PLAN": 14}, "二孩政策调整", CONSOLE, signed_on=datetime.date(2024, 6, 1))
    old.refresh_from_db()
    assert old.status == ContractStatus.SUPERSEDED
    assert _targets(old) == {"PLAN": 12, "RATE": 90}
    assert (new.version, new.status, new.previous_id) == (2, ContractStatus.SIGNED, old.pk)
    assert new.amendment_reason == "二孩政策调整"
    assert _targets(new) == {"PLAN": 14, "RATE": 90}
    assert new.signatories.count() == 3
    assert AuditEntry.objects.filter(action="contract.amend").count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_an_amendment_without_a_reason(town: Township, reason: str) -> None:
    old = do_sign(_generate(town)["V1"], SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_amend(old, {"PLAN": 14}, reason, CONSOLE)
    assert error.value.field == "amendment_reason"
    assert Contract.objects.filter(unit=town.units["V1"]).count() == 1


def test_it_refuses_to_amend_a_draft_or_a_superseded_version(town: Township) -> None:
    contracts = _generate(town)
    with pytest.raises(ContractError):
        do_amend(contracts["V2"], {"PLAN": 1}, "why", CONSOLE)
    old = do_sign(contracts["V1"], SIGNED_ON, CONSOLE)
    do_amend(old, {"PLAN": 14}, "why", CONSOLE)
    with pytest.raises(ContractError) as error:
        do_amend(old, {"PLAN": 15}, "again", CONSOLE)
    assert error.value.field == "status"


def test_it_refuses_an_amendment_outside_the_range(town: Township) -> None:
    old = do_sign(_generate(town)["V1"], SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_amend(old, {"RATE": 120}, "why", CONSOLE)
    assert error.value.field == "target"


def test_unsigned_lists_the_villages_without_a_signed_contract(town: Township) -> None:
    scheme, t1 = town.scheme, town.units["T1"]
    assert [u.code for u in unsigned(scheme, YEAR, t1)] == ["V1", "V2"]
    contracts = _generate(town)
    assert [u.code for u in unsigned(scheme, YEAR, t1)] == ["V1", "V2"]
    do_amend(do_sign(contracts["V1"], SIGNED_ON, CONSOLE), {"PLAN": 1}, "why", CONSOLE)
    assert [u.code for u in unsigned(scheme, YEAR, t1)] == ["V2"]
    assert [u.code for u in unsigned(scheme, YEAR + 1, t1)] == ["V1", "V2"]
