"""Who signs (the scheme's configured roles), the county's birth cap, and the refusals of the
steps added for the pages: the whole targets grid at once, taking a signatory off, a draft
scheme, a person who does not administer the township."""

from __future__ import annotations

import datetime
import math

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.contracts.caps import cap_use
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.services import (
    ContractError,
    TargetErrors,
    do_add_signatory,
    do_amend,
    do_generate_contracts,
    do_remove_signatory,
    do_set_target,
    do_set_targets,
    do_sign,
)
from kaohe.orgunits.models import Official, OfficialRole
from kaohe.schemes.models import BirthPlan, SchemeStatus

from .conftest import CONSOLE, YEAR, Township, generate, targets_of

SIGNED_ON = datetime.date(2024, 1, 15)


# --- a published scheme only ----------------------------------------------------------------


def test_it_refuses_to_draw_up_contracts_from_a_draft_scheme(town: Township) -> None:
    town.scheme.status = SchemeStatus.DRAFT
    town.scheme.save(update_fields=["status"])
    with pytest.raises(ContractError) as error:
        do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE)
    assert error.value.field == "scheme"
    assert "FP" in str(error.value) and "published" in str(error.value)
    assert not Contract.objects.exists()
    assert not AuditEntry.objects.filter(action="contract.generate").exists()


# --- signatories from the scheme --------------------------------------------------------------


def _configure(town: Township, roles: list[dict[str, object]]) -> None:
    town.scheme.signatory_roles = roles
    town.scheme.save(update_fields=["signatory_roles"])


def test_without_configured_roles_the_officials_sign_with_their_roles_chinese_names(
    town: Township,
) -> None:
    contract = generate(town)["V1"]
    signing = {s.official.code: s.role for s in contract.signatories.select_related("official")}
    assert signing == {"V1_SEC": "村支书", "V1_DIR": "村主任", "V1_FP": "计生专干"}


def test_generation_proposes_only_the_roles_the_scheme_lists_with_their_labels(
    town: Township,
) -> None:
    _configure(
        town,
        [
            {"role": "director", "name": "村委会主任", "first": True},
            {"role": "fp_officer", "name": "计生专干", "first": False},
        ],
    )
    contract = generate(town)["V1"]
    signing = [(s.official.code, s.role) for s in contract.signatories.select_related("official")]
    assert signing == [("V1_DIR", "村委会主任"), ("V1_FP", "计生专干")]


def test_only_a_role_marked_first_makes_a_contract_signable(town: Township) -> None:
    _configure(
        town,
        [
            {"role": "party_secretary", "name": "村支书", "first": True},
            {"role": "director", "name": "村主任", "first": False},
        ],
    )
    contract = generate(town)["V1"]
    do_remove_signatory(contract, town.officials["V1_SEC"], CONSOLE)
    with pytest.raises(ContractError) as error:
        do_sign(contract, SIGNED_ON, CONSOLE)
    assert error.value.field == "signatories"
    assert "村支书" in str(error.value)
    do_add_signatory(contract, town.officials["V1_SEC"], "村支书", CONSOLE)
    assert do_sign(contract, SIGNED_ON, CONSOLE).status == ContractStatus.SIGNED


def test_a_first_responsible_person_is_matched_by_the_label_as_well(town: Township) -> None:
    # A township hospital: its head is an official of role "other", signing as 院长.
    _configure(town, [{"role": "head", "name": "院长", "first": True}])
    head = Official.objects.create(
        code="V2_HEAD", name="钱院长", role=OfficialRole.OTHER, unit=town.units["V2"]
    )
    contract = generate(town)["V2"]
    assert not contract.signatories.exists()  # nobody's role code is "head"
    do_add_signatory(contract, head, "院长", CONSOLE)
    assert do_sign(contract, SIGNED_ON, CONSOLE).status == ContractStatus.SIGNED


def test_a_signatory_without_a_label_is_refused(town: Township) -> None:
    contract = generate(town)["V2"]
    with pytest.raises(ContractError) as error:
        do_add_signatory(contract, town.officials["V2_FP"], "  ", CONSOLE)
    assert error.value.field == "role"


def test_an_official_who_has_left_may_not_sign(town: Township) -> None:
    contract = generate(town)["V2"]
    gone = Official.objects.create(
        code="V2_OLD",
        name="旧主任",
        role=OfficialRole.DIRECTOR,
        unit=town.units["V2"],
        active=False,
    )
    with pytest.raises(ContractError) as error:
        do_add_signatory(contract, gone, "村主任", CONSOLE)
    assert error.value.field == "signatory"


def test_removing_a_signatory_is_audited_and_only_from_a_draft(town: Township) -> None:
    contract = generate(town)["V1"]
    do_remove_signatory(contract, town.officials["V1_FP"], CONSOLE)
    assert not contract.signatories.filter(official__code="V1_FP").exists()
    entry = AuditEntry.objects.get(action="contract.remove_signatory")
    assert ["V1_FP", "计生专干"] in entry.before["signatories"]
    assert ["V1_FP", "计生专干"] not in entry.after["signatories"]
    with pytest.raises(ContractError) as error:
        do_remove_signatory(contract, town.officials["V1_FP"], CONSOLE)
    assert error.value.field == "signatory"
    do_sign(contract, SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_remove_signatory(contract, town.officials["V1_DIR"], CONSOLE)
    assert error.value.field == "status"


# --- the targets grid: all or nothing ---------------------------------------------------------


def test_setting_several_targets_writes_one_audit_row(town: Township) -> None:
    contract = generate(town)["V2"]
    do_set_targets(contract, {"PLAN": 4, "RATE": 95}, CONSOLE)
    assert targets_of(contract) == {"PLAN": 4, "RATE": 95}
    assert AuditEntry.objects.filter(action="contract.set_targets").count() == 1


def test_one_bad_target_leaves_every_target_as_it_was(town: Township) -> None:
    contract = generate(town)["V2"]
    with pytest.raises(TargetErrors) as error:
        do_set_targets(contract, {"PLAN": 4, "RATE": 120, "NOPE": 1}, CONSOLE)
    assert error.value.field == "target"
    assert set(error.value.problems) == {"RATE", "NOPE"}
    assert targets_of(contract) == {"PLAN": 5, "RATE": 90}
    assert not AuditEntry.objects.filter(action__startswith="contract.set_target").exists()


def test_a_target_that_is_not_a_finite_number_is_refused(town: Township) -> None:
    contract = generate(town)["V2"]
    for value in (math.nan, math.inf):
        with pytest.raises(ContractError) as error:
            do_set_target(contract, "PLAN", value, CONSOLE)
        assert error.value.field == "target"


def test_unchanged_targets_write_no_audit_row(town: Township) -> None:
    contract = generate(town)["V2"]
    do_set_targets(contract, {"PLAN": 5, "RATE": 90}, CONSOLE)
    assert not AuditEntry.objects.filter(action__startswith="contract.set_target").exists()


def test_the_targets_of_a_signed_contract_cannot_be_set(town: Township) -> None:
    contract = do_sign(generate(town)["V1"], SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_set_targets(contract, {"PLAN": 1}, CONSOLE)
    assert error.value.field == "status"


def test_an_amendment_that_changes_nothing_is_refused(town: Township) -> None:
    signed = do_sign(generate(town)["V1"], SIGNED_ON, CONSOLE)
    for changes in ({}, {"PLAN": 12}):
        with pytest.raises(ContractError) as error:
            do_amend(signed, changes, "重签", CONSOLE)
        assert error.value.field == "target"
    assert Contract.objects.filter(unit=town.units["V1"]).count() == 1


def test_an_amendment_dated_before_the_version_it_amends_is_refused(town: Township) -> None:
    signed = do_sign(generate(town)["V1"], SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_amend(signed, {"PLAN": 13}, "调整", CONSOLE, signed_on=datetime.date(2024, 1, 1))
    assert error.value.field == "signed_on"


# --- the county's birth cap -------------------------------------------------------------------


@pytest.fixture
def capped(town: Township) -> Township:
    """甲镇 may have 15 births: V1's quota is 12, V2's 5 (V2 gets a director to sign)."""
    town.scheme.plan_item = "PLAN"
    town.scheme.save(update_fields=["plan_item"])
    BirthPlan.objects.create(
        scheme=town.scheme, township=town.units["T1"], year=YEAR, method="population",
        cap_births=15,
    )  # fmt: skip
    Official.objects.create(
        code="V2_DIR", name="钱主任", role=OfficialRole.DIRECTOR, unit=town.units["V2"]
    )
    return town


def _signable(town: Township) -> dict[str, Contract]:
    contracts = generate(town)
    do_add_signatory(contracts["V2"], Official.objects.get(code="V2_DIR"), "村主任", CONSOLE)
    return contracts


def test_signing_past_the_townships_cap_is_refused(capped: Township) -> None:
    contracts = _signable(capped)
    do_sign(contracts["V1"], SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_sign(contracts["V2"], SIGNED_ON, CONSOLE)
    assert error.value.field == "target"
    message = str(error.value)
    assert "甲镇" in message and "17" in message and "15" in message and "cap" in message
    contracts["V2"].refresh_from_db()
    assert contracts["V2"].status == ContractStatus.DRAFT


def test_signing_up_to_the_cap_exactly_is_allowed(capped: Township) -> None:
    contracts = _signable(capped)
    do_sign(contracts["V1"], SIGNED_ON, CONSOLE)
    do_set_target(contracts["V2"], "PLAN", 3, CONSOLE)
    assert do_sign(contracts["V2"], SIGNED_ON, CONSOLE).status == ContractStatus.SIGNED


def test_drafts_do_not_count_against_the_cap(capped: Township) -> None:
    contracts = _signable(capped)
    do_set_target(contracts["V1"], "PLAN", 14, CONSOLE)  # a draft over 15 with V2's 5
    assert do_sign(contracts["V2"], SIGNED_ON, CONSOLE).status == ContractStatus.SIGNED
    with pytest.raises(ContractError):
        do_sign(contracts["V1"], SIGNED_ON, CONSOLE)


def test_an_amendment_past_the_cap_is_refused_and_the_new_value_replaces_the_old(
    capped: Township,
) -> None:
    contracts = _signable(capped)
    do_set_target(contracts["V2"], "PLAN", 3, CONSOLE)
    v1 = do_sign(contracts["V1"], SIGNED_ON, CONSOLE)
    do_sign(contracts["V2"], SIGNED_ON, CONSOLE)
    with pytest.raises(ContractError) as error:
        do_amend(v1, {"PLAN": 13}, "多报一人", CONSOLE)
    assert error.value.field == "target"
    assert "16" in str(error.value)
    assert Contract.objects.filter(unit=capped.units["V1"]).count() == 1
    # Lowering a quota is always within the cap: 10 replaces 12, it is not added to it.
    amended = do_amend(v1, {"PLAN": 10}, "调减", CONSOLE)
    assert targets_of(amended)["PLAN"] == 10


def test_the_cap_counts_only_the_township_and_year_of_the_plan(capped: Township) -> None:
    contracts = _signable(capped)
    do_sign(contracts["V1"], SIGNED_ON, CONSOLE)
    use = cap_use(contracts["V2"], {"PLAN": 5})
    assert use is not None and (use.total, use.cap) == (17, 15)
    v3 = generate(capped, "T2")["V3"]
    assert cap_use(v3, {"PLAN": 100}) is None  # 乙镇 has no plan
    assert do_sign(v3, SIGNED_ON, CONSOLE).status == ContractStatus.SIGNED


def test_without_a_plan_item_nothing_is_checked(capped: Township) -> None:
    capped.scheme.plan_item = ""
    capped.scheme.save(update_fields=["plan_item"])
    contracts = _signable(capped)
    do_sign(contracts["V1"], SIGNED_ON, CONSOLE)
    assert do_sign(contracts["V2"], SIGNED_ON, CONSOLE).status == ContractStatus.SIGNED


# --- who may act ------------------------------------------------------------------------------


def _person(town: Township, role: str, unit: str) -> Actor:
    user = User.objects.create_user(f"{role}-{unit}")
    do_grant_role(CONSOLE, user, role, town.units[unit])
    return Actor(name=user.username, channel=Channel.WEB, user=user)


def test_a_person_who_does_not_administer_the_township_is_refused(town: Township) -> None:
    contract = generate(town)["V1"]
    for actor in (
        _person(town, Role.TOWNSHIP_ADMIN, "T2"),
        _person(town, Role.REVIEWER, "T1"),
        _person(town, Role.REPORTER, "V1"),
        Actor(name="anonymous", channel=Channel.API),
    ):
        with pytest.raises(PermissionDenied):
            do_sign(contract, SIGNED_ON, actor)
        with pytest.raises(PermissionDenied):
            do_generate_contracts(town.scheme, YEAR, town.units["T1"], actor)
    admin = _person(town, Role.TOWNSHIP_ADMIN, "T1")
    assert do_sign(contract, SIGNED_ON, admin).status == ContractStatus.SIGNED
