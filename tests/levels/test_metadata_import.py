"""Taking metadata in: problems named where they are written, all or nothing, contracts that
never change once signed, and units that are not silently moved from one township to another."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.db import transaction

from kaohe.bundles.loader import BundleError
from kaohe.bundles.services import do_load_bundles
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.services import do_amend, do_generate_contracts, do_sign
from kaohe.levels.metadata import render_document, township_document
from kaohe.levels.metadata_import import do_import_metadata
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme

from .conftest import ACTOR, RULES, TOWNSHIP_FILES

pytestmark = pytest.mark.django_db


def _township_with_contracts(sign: bool = True) -> OrgUnit:
    do_load_bundles([str(RULES), str(TOWNSHIP_FILES["TA"])], ACTOR)
    township = OrgUnit.objects.get(code="TA")
    scheme = Scheme.objects.get(code="LV_VILLAGES")
    for contract in do_generate_contracts(scheme, 2025, township, ACTOR).created:
        if sign:
            do_sign(contract, datetime.date(2025, 1, 2), ACTOR)
    return township


def _exported(build: Callable[[], OrgUnit]) -> str:
    """The export of what ``build`` makes, the database left as it was."""
    with transaction.atomic():
        text = render_document(township_document(build()))
        transaction.set_rollback(True)
    return text


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_loader_problem_names_the_line_of_the_file_as_written() -> None:
    text = (
        "kaohe_bundle: 1\n"
        "contracts: []\n"
        "units:\n"
        "  - {code: C9, name: 某县, kind: county}\n"
        "  - {code: X1, name: 某村, kind: vilage, parent: C9}\n"
    )

    with pytest.raises(BundleError) as refused:
        do_import_metadata(text, "mine.yaml", ACTOR)

    (problem,) = refused.value.problems
    assert (problem.file, problem.line, problem.path) == ("mine.yaml", 5, "units[1].kind")
    assert not OrgUnit.objects.exists()


def test_a_bad_contract_is_named_at_its_line_and_nothing_at_all_is_written() -> None:
    text = _exported(_township_with_contracts)
    bad = text.replace("official: TA_V1_SEC", "official: NOBODY", 1)
    bad = bad.replace("    PLAN: 12.0", "    NOPE: 12.0", 1)

    with pytest.raises(BundleError) as refused:
        do_import_metadata(bad, "ta.yaml", ACTOR)

    shown = {(p.line, p.message_en) for p in refused.value.problems}
    assert shown == {
        (_line_of(bad, "NOPE: 12.0"), "the scheme has no item NOPE"),
        (_line_of(bad, "official: NOBODY"), "unknown official NOBODY"),
    }
    assert not OrgUnit.objects.exists() and not Scheme.objects.exists()


def test_every_problem_is_reported_at_once_whichever_part_finds_it() -> None:
    text = _exported(_township_with_contracts)
    bad = text.replace("kind: village", "kind: hamlet", 1).replace(
        "status: signed", "status: sealed", 1
    )

    with pytest.raises(BundleError) as refused:
        do_import_metadata(bad, "ta.yaml", ACTOR)

    paths = sorted(p.path for p in refused.value.problems)
    assert paths == ["contracts[0].status", "units[2].kind"]


def test_the_contracts_section_must_be_a_list() -> None:
    with pytest.raises(BundleError) as refused:
        do_import_metadata("kaohe_bundle: 1\ncontracts: {a: 1}\n", "x.yaml", ACTOR)

    assert refused.value.problems[0].message_en == "expected a list"


def test_a_contract_needs_a_known_scheme_version_and_a_unit_the_scheme_assesses() -> None:
    _township_with_contracts()
    text = (
        "kaohe_bundle: 1\n"
        "contracts:\n"
        "  - {scheme: LV_VILLAGES, scheme_version: 7, unit: TA_V1, year: 2025}\n"
        "  - {scheme: LV_VILLAGES, unit: TA, year: 2025}\n"
        "  - {scheme: NOPE, unit: TA_V1, year: 2025}\n"
    )

    with pytest.raises(BundleError) as refused:
        do_import_metadata(text, "x.yaml", ACTOR)

    assert [(p.line, p.message_en) for p in refused.value.problems] == [
        (3, "scheme LV_VILLAGES has no version 7"),
        (4, "unit TA is a township, which the scheme does not assess (village)"),
        (5, "unknown scheme NOPE"),
    ]


def test_a_unit_stored_under_another_parent_is_not_moved_unless_allowed() -> None:
    _township_with_contracts()
    do_load_bundles([str(TOWNSHIP_FILES["TB"])], ACTOR)
    text = (
        "kaohe_bundle: 1\n"
        "units:\n"
        "  - {code: TA_V1, name: 甲一村, name_en: Jia One, kind: village, parent: TB}\n"
    )

    with pytest.raises(BundleError) as refused:
        do_import_metadata(text, "tb.yaml", ACTOR)

    (problem,) = refused.value.problems
    assert problem.line == 3 and "--allow-moves" in problem.message_en
    assert OrgUnit.objects.get(code="TA_V1").parent.code == "TA"

    do_import_metadata(text, "tb.yaml", ACTOR, allow_moves=True)

    assert OrgUnit.objects.get(code="TA_V1").path == "/C01/TB/TA_V1/"


def test_a_signed_contract_that_differs_from_the_file_is_refused() -> None:
    _township_with_contracts()
    text = render_document(township_document(OrgUnit.objects.get(code="TA")))
    changed = text.replace("    PLAN: 12.0", "    PLAN: 15.0", 1)

    with pytest.raises(BundleError) as refused:
        do_import_metadata(changed, "ta.yaml", ACTOR)

    assert "a signed contract never changes" in refused.value.problems[0].message_en
    stored = Contract.objects.get(unit__code="TA_V1")
    assert stored.targets.get(item__code="PLAN").value == 12.0


def test_a_draft_contract_is_brought_up_to_the_signed_one_in_the_file() -> None:
    signed = _exported(_township_with_contracts)
    _township_with_contracts(sign=False)

    report = do_import_metadata(signed, "ta.yaml", ACTOR)

    assert report.contracts.updated == 2
    contract = Contract.objects.get(unit__code="TA_V1")
    assert contract.status == ContractStatus.SIGNED
    assert contract.signed_on == datetime.date(2025, 1, 2)


def test_an_amendment_in_the_file_supersedes_the_stored_signed_version() -> None:
    def amended() -> OrgUnit:
        township = _township_with_contracts()
        contract = Contract.objects.get(unit__code="TA_V1")
        do_amend(
            contract,
            {"PLAN": 13.0},
            "村里新增移民安置 / resettled families",
            ACTOR,
            signed_on=datetime.date(2025, 6, 1),
        )
        return township

    text = _exported(amended)
    _township_with_contracts()

    report = do_import_metadata(text, "ta.yaml", ACTOR)

    assert (report.contracts.created, report.contracts.updated) == (1, 1)
    first, second = Contract.objects.filter(unit__code="TA_V1").order_by("version")
    assert (first.status, second.status) == ("superseded", "signed")
    assert second.previous == first
    assert second.targets.get(item__code="PLAN").value == 13.0
