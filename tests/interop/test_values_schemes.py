"""Identifier schemes (code, name, uid) and disaggregations folded by combination mappings,
with the examples of DHIS2's documentation."""

from __future__ import annotations

import pytest

from kaohe.elements.models import DataElement
from kaohe.interop.mappings import (
    ComboInput,
    MappingError,
    do_load_mappings,
    do_save_combo_mapping,
    do_set_external_id,
    dump_mappings,
)
from kaohe.interop.models import CategoryComboMapping, ExternalId

from .conftest import ACTOR, FIXTURES, World, run_import, stored

pytestmark = pytest.mark.django_db

DOCS_IDS = """
kaohe_mappings: 1
external_ids:
  element: {BIRTHS: f7n9E0hX8qk, MIGRANTS: Ix2HsbDMLea, CONTRA_RATE: eY5ehpbEsB7}
  unit: {V1: DiszpKrYNg8, V2: FNnj3jKGS6i, W1: Jkhdsf8sdf4}
  dataset: {FP_MONTHLY: pBOMPrpg1QX}
"""


def test_dhis2s_one_form_example_imports_by_uid(world: World) -> None:
    assert not do_load_mappings(ACTOR, DOCS_IDS).problems
    summary = run_import(FIXTURES / "dhis2_one_form.json", id_scheme="uid")
    assert summary.status == "SUCCESS", summary.conflicts
    assert stored() == {
        ("BIRTHS", "201401", "V1"): "1",
        ("MIGRANTS", "201401", "V1"): "2",
        ("CONTRA_RATE", "201401", "V1"): "3",
    }


def test_dhis2s_bulk_example_imports_by_uid(world: World) -> None:
    do_load_mappings(ACTOR, DOCS_IDS)
    summary = run_import(FIXTURES / "dhis2_bulk.json", id_scheme="UID")
    assert summary.status == "SUCCESS", summary.conflicts
    assert stored() == {
        ("BIRTHS", "201401", "V1"): "12",
        ("BIRTHS", "201401", "V2"): "14",
        ("BIRTHS", "201402", "V1"): "16",
        ("BIRTHS", "201402", "W1"): "18",
    }


def test_without_the_uids_the_same_file_names_its_unknown_element_and_unit(world: World) -> None:
    summary = run_import(FIXTURES / "dhis2_bulk.json", id_scheme="uid")
    assert summary.refused
    first = summary.conflicts[:2]
    assert [(c.column, c.obj) for c in first] == [
        ("dataElement", "f7n9E0hX8qk"),
        ("orgUnit", "DiszpKrYNg8"),
    ]
    assert "register it on the mappings page" in first[0].reason


def test_dhis2s_csv_example_folds_its_two_combinations_into_boys_and_girls(world: World) -> None:
    do_load_mappings(
        ACTOR,
        """
kaohe_mappings: 1
external_ids:
  unit: {V1: gP6hn503KUX, V2: OjTS752GbZE}
combos:
  - {source_element: DUSpd8Jq3M7, combo: Prlt0C1RF0s, element: BIRTHS_BOYS, note: 男}
  - {source_element: DUSpd8Jq3M7, combo: V6L425pT3A0, element: BIRTHS_GIRLS, note: 女}
""",
    )
    summary = run_import(FIXTURES / "dhis2_docs.csv", unit_scheme="uid")
    assert summary.status == "SUCCESS", summary.conflicts
    assert stored() == {
        ("BIRTHS_BOYS", "201202", "V1"): "7",
        ("BIRTHS_GIRLS", "201202", "V1"): "10",
        ("BIRTHS_GIRLS", "201202", "V2"): "9",
    }


def test_several_combinations_mapped_to_one_element_are_summed(world: World) -> None:
    for combo in ("male", "female"):
        do_save_combo_mapping(
            ACTOR, ComboInput(source_element="BIRTHS", combo=combo, element="BIRTHS")
        )
    summary = run_import(
        "BIRTHS,202601,V1,male,,2\nBIRTHS,202601,V1,female,,3\nBIRTHS,202601,V2,female,,1\n"
    )
    assert summary.status == "SUCCESS", summary.conflicts
    assert counts_of(summary) == (3, 0, 0, 0)
    assert stored() == {("BIRTHS", "202601", "V1"): "5", ("BIRTHS", "202601", "V2"): "1"}


def test_the_same_combination_twice_is_a_repeat_not_a_sum(world: World) -> None:
    do_save_combo_mapping(
        ACTOR, ComboInput(source_element="BIRTHS", combo="male", element="BIRTHS")
    )
    summary = run_import("BIRTHS,202601,V1,male,,2\nBIRTHS,202601,V1,male,,3\n")
    assert summary.refused and "duplicates row 1" in summary.conflicts[0].reason


def test_a_value_without_combination_and_a_mapped_one_to_the_same_element_repeat(
    world: World,
) -> None:
    do_save_combo_mapping(
        ACTOR, ComboInput(source_element="BIRTHS", combo="male", element="BIRTHS")
    )
    summary = run_import("BIRTHS,202601,V1,,,2\nBIRTHS,202601,V1,male,,3\n")
    assert summary.refused and [c.row for c in summary.conflicts] == [2]


def test_a_mapping_without_a_kaohe_element_keeps_the_element_the_file_names(world: World) -> None:
    do_save_combo_mapping(ACTOR, ComboInput(source_element="BIRTHS", combo="total"))
    summary = run_import("BIRTHS,202601,V1,total,,3\n")
    assert summary.status == "SUCCESS" and stored() == {("BIRTHS", "202601", "V1"): "3"}


def test_adx_category_attributes_fold_by_their_mapping(world: World) -> None:
    do_load_mappings(
        ACTOR,
        """
kaohe_mappings: 1
combos:
  - {source_element: BIRTHS, adx: SEX=MALE, element: BIRTHS_BOYS}
  - {source_element: BIRTHS, adx: "SEX = FEMALE", element: BIRTHS_GIRLS}
""",
    )
    summary = run_import(FIXTURES / "adx_births.xml")
    assert summary.status == "SUCCESS", summary.conflicts
    assert stored() == {
        ("BIRTHS_BOYS", "202601", "V1"): "2",
        ("BIRTHS_GIRLS", "202601", "V1"): "1",
        ("MIGRANTS", "202601", "V1"): "4",
        ("BIRTHS_BOYS", "202601", "V2"): "0",
        ("BIRTHS_GIRLS", "202601", "V2"): "3",
        ("CONTRA_RATE", "202601", "V2"): "87.5",
        ("AVG_POP", "2025Oct", "V1"): "1234.5",
    }


def test_an_adx_file_without_mappings_names_each_unmapped_category(world: World) -> None:
    summary = run_import(FIXTURES / "adx_births.xml")
    assert summary.refused
    assert {(c.column, c.obj) for c in summary.conflicts} == {
        ("dataValue", "SEX=MALE"),
        ("dataValue", "SEX=FEMALE"),
    }


def test_names_identify_elements_and_units_and_a_shared_name_is_a_conflict(world: World) -> None:
    summary = run_import("出生人数,202601,一村,,,3\n", id_scheme="name")
    assert summary.status == "SUCCESS" and stored() == {("BIRTHS", "202601", "V1"): "3"}
    DataElement.objects.filter(code="BIRTHS_BOYS").update(name="出生人数")
    summary = run_import("出生人数,202601,一村,,,3\n", id_scheme="name")
    assert summary.refused and "several data elements have this name" in summary.conflicts[0].reason


def test_elements_and_units_can_each_have_their_own_scheme(world: World) -> None:
    do_set_external_id(ACTOR, "unit", "V1", "DiszpKrYNg8")
    summary = run_import(
        "出生人数,202601,DiszpKrYNg8,,,3\n", element_scheme="name", unit_scheme="uid"
    )
    assert summary.status == "SUCCESS", summary.conflicts


def test_mapping_refusals_are_bilingual_and_name_their_field(world: World) -> None:
    cases = [
        (lambda: do_set_external_id(ACTOR, "unit", "V1", "1abcdefghij"), "uid"),
        (lambda: do_set_external_id(ACTOR, "unit", "NOPE", "Aabcdefghij"), "code"),
        (lambda: do_save_combo_mapping(ACTOR, ComboInput(source_element="X")), "combo"),
        (
            lambda: do_save_combo_mapping(ACTOR, ComboInput(combo="default", element="BIRTHS")),
            "combo",
        ),
        (lambda: do_save_combo_mapping(ACTOR, ComboInput(combo="m", element="NOPE")), "element"),
        (lambda: do_save_combo_mapping(ACTOR, ComboInput(adx="SEX", element="BIRTHS")), "adx"),
    ]
    for call, field in cases:
        with pytest.raises(MappingError) as caught:
            call()
        assert caught.value.field == field and " / " in str(caught.value)
    do_set_external_id(ACTOR, "unit", "V1", "Aabcdefghij")
    with pytest.raises(MappingError, match="already given to V1"):
        do_set_external_id(ACTOR, "unit", "V2", "Aabcdefghij")


def test_a_mappings_file_loads_all_or_nothing_and_dumps_back_the_same(world: World) -> None:
    text = """
kaohe_mappings: 1
external_ids:
  element: {BIRTHS: f7n9E0hX8qk}
combos:
  - {source_element: BIRTHS, combo: male, element: BIRTHS_BOYS}
  - {source_element: BIRTHS, combo: female, element: NOPE}
"""
    outcome = do_load_mappings(ACTOR, text)
    assert len(outcome.problems) == 1 and "combos[2]" in outcome.problems[0]
    assert not ExternalId.objects.exists() and not CategoryComboMapping.objects.exists()
    good = text.replace("NOPE", "BIRTHS_GIRLS")
    outcome = do_load_mappings(ACTOR, good)
    assert (outcome.external_ids, outcome.combos, outcome.problems) == (1, 2, [])
    dumped = dump_mappings()
    CategoryComboMapping.objects.all().delete()
    ExternalId.objects.all().delete()
    assert do_load_mappings(ACTOR, dumped).combos == 2
    assert dump_mappings() == dumped


def counts_of(summary: object) -> tuple[int, int, int, int]:
    return (summary.imported, summary.updated, summary.ignored, summary.deleted)  # type: ignore[attr-defined]
