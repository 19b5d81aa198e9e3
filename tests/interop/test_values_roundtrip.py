"""Round trips: export → import into an empty database → export gives the same bytes, and CSV,
JSON and ADX carry the same values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kaohe.datavalues.models import DataValue
from kaohe.interop.exports import export_data_values, parse_export
from kaohe.interop.mappings import do_load_mappings

from .conftest import ACTOR, FIXTURES, World, run_import, set_value, stored

pytestmark = pytest.mark.django_db

EXPORTED = datetime(2026, 2, 5, 0, 0, tzinfo=UTC)


def fill() -> None:
    """A few months of figures of every kind, with comments, follow-up flags and a comma."""
    for month, (v1, v2) in enumerate([(3, 4), (0, 2), (5, 1)], start=1):
        set_value(
            "V1",
            "BIRTHS",
            f"2026{month:02d}",
            v1,
            comment='含逗号, 和引号"' if month == 2 else None,
        )
        set_value("V2", "BIRTHS", f"2026{month:02d}", v2, follow_up=month == 3)
    set_value("V1", "CONTRA_RATE", "202601", "87.25")
    set_value("V1", "HAS_PLAN", "202601", 1)
    set_value("V2", "MIGRANTS", "202602", 6)
    set_value("V1", "AVG_POP", "2025Oct", "1234.5")
    set_value("W1", "BIRTHS", "202601", 9)  # another township: not in T's export


def export(fmt: str, **asked: object) -> str:
    query = parse_export(
        None, **{"units": ["T"], "start": "202510", "end": "202612", "fmt": fmt, **asked}
    )  # type: ignore[arg-type]
    return "".join(export_data_values(query, None, exported=EXPORTED))


@pytest.mark.parametrize("fmt", ["csv", "json", "adx"])
def test_export_import_export_into_an_empty_database_gives_the_same_bytes(
    world: World, fmt: str
) -> None:
    fill()
    first = export(fmt)
    assert "W1" not in first
    DataValue.objects.all().delete()
    summary = run_import(first.encode("utf-8"))
    assert summary.status == "SUCCESS", summary.conflicts
    assert summary.imported == 10
    assert export(fmt) == first


@pytest.mark.parametrize("fmt", ["csv", "json", "adx"])
def test_importing_an_export_into_the_same_database_changes_nothing(world: World, fmt: str) -> None:
    fill()
    first = export(fmt)
    summary = run_import(first.encode("utf-8"))
    assert (summary.imported, summary.updated, summary.ignored) == (0, 0, 10)


def test_csv_json_and_adx_carry_the_same_values(world: World) -> None:
    fill()
    exports = {fmt: export(fmt) for fmt in ("csv", "json", "adx")}
    original = stored()
    for fmt, text in exports.items():
        DataValue.objects.all().delete()
        summary = run_import(text.encode("utf-8"), fmt=fmt)
        assert summary.status == "SUCCESS", (fmt, summary.conflicts)
        assert stored() == {k: v for k, v in original.items() if k[2] != "W1"}, fmt
    comments = {v.comment for v in DataValue.objects.all()}
    assert '含逗号, 和引号"' in comments


def test_the_one_form_export_reads_back_into_the_same_values(world: World) -> None:
    fill()
    text = export("json", units=["V1"], children=False, periods=["202601"], datasets=["FP_MONTHLY"])
    assert text.startswith('{"dataSet":"FP_MONTHLY","period":"202601","orgUnit":"V1","dataValues"')
    DataValue.objects.all().delete()
    assert run_import(text.encode()).imported == 3
    assert (
        export("json", units=["V1"], children=False, periods=["202601"], datasets=["FP_MONTHLY"])
        == text
    )


def test_dhis2s_csv_example_goes_back_out_under_its_own_identifiers(world: World) -> None:
    do_load_mappings(
        ACTOR,
        """
kaohe_mappings: 1
external_ids:
  unit: {T: Tz3ZMrr0uJC, V1: gP6hn503KUX, V2: OjTS752GbZE, V3: Vb4ZbXDkb2P}
combos:
  - {source_element: DUSpd8Jq3M7, combo: Prlt0C1RF0s, element: BIRTHS_BOYS}
  - {source_element: DUSpd8Jq3M7, combo: V6L425pT3A0, element: BIRTHS_GIRLS}
""",
    )
    assert run_import(FIXTURES / "dhis2_docs.csv", unit_scheme="uid").status == "SUCCESS"
    text = export("csv", start="201202", end="201202", id_scheme="uid")
    assert text.splitlines()[1:] == [
        "DUSpd8Jq3M7,201202,gP6hn503KUX,Prlt0C1RF0s,HllvX50cXC0,7,bombali,"
        "2010-04-17T00:00:00.000+08:00,,false,false",
        "DUSpd8Jq3M7,201202,gP6hn503KUX,V6L425pT3A0,HllvX50cXC0,10,bombali,"
        "2010-04-17T00:00:00.000+08:00,,false,false",
        "DUSpd8Jq3M7,201202,OjTS752GbZE,V6L425pT3A0,HllvX50cXC0,9,bombali,"
        "2010-04-06T00:00:00.000+08:00,,false,false",
    ]


def test_an_export_by_uid_names_what_has_no_uid_and_sends_nothing(world: World) -> None:
    from kaohe.interop.exports import ExportError

    fill()
    query = parse_export(
        None, units=["T"], start="202601", end="202601", fmt="csv", id_scheme="uid"
    )
    with pytest.raises(ExportError) as caught:
        export_data_values(query, None)
    assert "BIRTHS" in str(caught.value) and "V1" in str(caught.value)


def test_a_one_form_export_by_uid_names_its_data_set_and_unit_by_uid(world: World) -> None:
    from kaohe.interop.exports import ExportError

    set_value("V1", "BIRTHS", "202601", 3)
    do_load_mappings(
        ACTOR,
        "kaohe_mappings: 1\nexternal_ids:\n  element: {BIRTHS: f7n9E0hX8qk}\n"
        "  unit: {V1: DiszpKrYNg8}\n",
    )
    asked = {"units": ["V1"], "children": False, "periods": ["202601"], "datasets": ["FP_MONTHLY"]}
    with pytest.raises(ExportError, match="FP_MONTHLY has no uid"):
        export("json", id_scheme="uid", **asked)
    do_load_mappings(
        ACTOR, "kaohe_mappings: 1\nexternal_ids:\n  dataset: {FP_MONTHLY: pBOMPrpg1QX}\n"
    )
    text = export("json", id_scheme="uid", **asked)
    assert text.startswith('{"dataSet":"pBOMPrpg1QX","period":"202601","orgUnit":"DiszpKrYNg8"')
    assert '"dataElement":"f7n9E0hX8qk","categoryOptionCombo":"HllvX50cXC0"' in text


def test_any_set_of_stored_values_can_be_serialised_for_sending(world: World) -> None:
    import json

    from kaohe.interop.exports import serialise

    fill()
    values = DataValue.objects.filter(unit__code="V2", element__code="BIRTHS")
    document = json.loads("".join(serialise(values)))
    assert [(v["period"], v["value"]) for v in document["dataValues"]] == [
        ("202601", "4"),
        ("202602", "2"),
        ("202603", "1"),
    ]
    assert document["dataValues"][2]["followup"] is True
