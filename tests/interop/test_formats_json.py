"""Reading and writing DHIS2's JSON data value sets (kaohe.interop.formats.dvs_json)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import polars as pl
import pytest

from kaohe.interop.formats import ExportValue, UnreadableFile, dvs_json, write_json
from kaohe.interop.formats.base import Conflict

from .conftest import FIXTURES


def pieces(text: str, size: int) -> Iterator[str]:
    """``text`` handed over ``size`` characters at a time, as a stream is."""
    for start in range(0, len(text), size):
        yield text[start : start + size]


def read(text: str, size: int = 1 << 20) -> tuple[pl.DataFrame, list[Conflict]]:
    frames, conflicts = [], []
    for chunk in dvs_json.read_json(pieces(text, size)):
        frames.append(chunk.frame)
        conflicts += chunk.conflicts
    return pl.concat(frames), conflicts


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_the_one_form_example_of_dhis2s_documentation_gives_period_and_unit_to_each_value(
    size: int,
) -> None:
    frame, conflicts = read((FIXTURES / "dhis2_one_form.json").read_text(), size)
    assert conflicts == []
    assert frame.select("row", "element", "period", "unit", "value", "comment").rows() == [
        (1, "f7n9E0hX8qk", "201401", "DiszpKrYNg8", "1", "comment1"),
        (2, "Ix2HsbDMLea", "201401", "DiszpKrYNg8", "2", "comment2"),
        (3, "eY5ehpbEsB7", "201401", "DiszpKrYNg8", "3", "comment3"),
    ]


@pytest.mark.parametrize("size", [3, 1 << 20])
def test_the_bulk_example_of_dhis2s_documentation_keeps_each_values_own_keys(size: int) -> None:
    frame, _conflicts = read((FIXTURES / "dhis2_bulk.json").read_text(), size)
    assert frame.select("period", "unit", "value").rows() == [
        ("201401", "DiszpKrYNg8", "12"),
        ("201401", "FNnj3jKGS6i", "14"),
        ("201402", "DiszpKrYNg8", "16"),
        ("201402", "Jkhdsf8sdf4", "18"),
    ]


def test_a_value_key_wins_over_the_top_level_one() -> None:
    frame, _c = read(
        '{"period":"202601","orgUnit":"V1","dataValues":[{"dataElement":"A","value":1,"orgUnit":"V2"}]}'
    )
    assert frame.select("period", "unit").rows() == [("202601", "V2")]


def test_top_level_keys_after_the_values_still_reach_them() -> None:
    frame, _c = read(
        '{"dataValues":[{"dataElement":"A","value":1}],"period":"202601","orgUnit":"V1"}'
    )
    assert frame.select("period", "unit").rows() == [("202601", "V1")]


def test_numbers_keep_their_decimal_digits_even_when_split_between_pieces() -> None:
    frame, _c = read(
        '{"dataValues":[{"dataElement":"A","value":0.1},{"dataElement":"B","value":12345}]}', 2
    )
    assert frame.get_column("value").to_list() == ["0.1", "12345"]


def test_booleans_and_numbers_become_text_and_followUp_is_read_too() -> None:
    frame, _c = read(
        '{"dataValues":[{"dataElement":"A","value":true,"followUp":true,"deleted":false}]}'
    )
    assert frame.select("value", "follow_up", "deleted").rows() == [("true", "true", "false")]


def test_a_value_that_is_not_an_object_or_has_a_nested_field_is_a_conflict_of_that_value() -> None:
    frame, conflicts = read(
        '{"dataValues":[5,{"dataElement":"A","value":[1]},{"dataElement":"B","value":"2"}]}'
    )
    assert [(c.row, c.index, c.column) for c in conflicts] == [(1, 0, ""), (2, 1, "value")]
    assert frame.get_column("element").to_list() == ["B"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"dataValues":[{"dataElement":"A",}]}', "line 1 column 35"),
        ('{\n"dataValues": [\n  {"dataElement": "A"} {"x": 1}\n]}', "line 3 column 24"),
        ("[1, 2]", "expected a JSON object with a dataValues array"),
        ('{"period": "202601"}', "expected a JSON object with a dataValues array"),
        ('{"dataValues": []} extra', "extra data"),
    ],
)
def test_broken_json_is_unreadable_with_its_line_and_column(text: str, words: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read(text, 5)
    assert words in str(caught.value)


def test_many_values_come_in_several_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dvs_json, "BATCH_ROWS", 10)
    values = [
        {"dataElement": f"E{i}", "period": "202601", "orgUnit": "V1", "value": i} for i in range(25)
    ]
    chunks = list(dvs_json.read_json(iter([json.dumps({"dataValues": values})])))
    assert [c.frame.height for c in chunks] == [10, 10, 5]
    assert chunks[2].frame.get_column("index").to_list() == [20, 21, 22, 23, 24]


def _value(**changes: object) -> ExportValue:
    base = dict(
        dataset="FP",
        element="BIRTHS",
        period="202601",
        unit="V1",
        coc="default",
        aoc="default",
        value="3",
        stored_by="clerk",
        created="2026-02-01T10:00:00.000+08:00",
        last_updated="2026-02-02T10:00:00.000+08:00",
        comment="",
        follow_up=False,
    )
    return ExportValue(**{**base, **changes})  # type: ignore[arg-type]


def test_the_bulk_shape_has_every_key_and_reads_back_the_same() -> None:
    text = "".join(write_json([_value(), _value(unit="V2", comment="注")]))
    document = json.loads(text)
    assert list(document) == ["dataValues"]
    assert document["dataValues"][1] == {
        "dataElement": "BIRTHS",
        "period": "202601",
        "orgUnit": "V2",
        "categoryOptionCombo": "default",
        "attributeOptionCombo": "default",
        "value": "3",
        "storedBy": "clerk",
        "created": "2026-02-01T10:00:00.000+08:00",
        "lastUpdated": "2026-02-02T10:00:00.000+08:00",
        "comment": "注",
        "followup": False,
    }
    frame, _c = read(text)
    assert frame.select("unit", "comment").rows() == [("V1", None), ("V2", "注")]


def test_the_one_form_shape_names_data_set_period_and_unit_once() -> None:
    document = json.loads("".join(write_json([_value()], form=("FP", "202601", "V1", ""))))
    assert [document[k] for k in ("dataSet", "period", "orgUnit")] == ["FP", "202601", "V1"]
    assert "period" not in document["dataValues"][0] and "orgUnit" not in document["dataValues"][0]
