"""Reading and writing DHIS2's CSV data value sets (kaohe.interop.formats.dvs_csv)."""

from __future__ import annotations

import io

import polars as pl
import pytest

from kaohe.interop.formats import EXPORT_HEADER, ExportValue, dvs_csv, read_values, write_csv
from kaohe.interop.formats.base import Conflict

from .conftest import FIXTURES


def read(data: bytes, encoding: str = "utf-8") -> tuple[pl.DataFrame, list[Conflict]]:
    frames, conflicts = [], []
    for chunk in read_values(io.BytesIO(data), "csv", encoding):
        frames.append(chunk.frame)
        conflicts += chunk.conflicts
    return pl.concat(frames), conflicts


def test_the_dhis2_documentation_example_with_its_quoted_header_reads_as_three_values() -> None:
    frame, conflicts = read((FIXTURES / "dhis2_docs.csv").read_bytes())
    assert conflicts == []
    assert frame.select("row", "element", "unit", "coc", "value", "stored_by").rows() == [
        (2, "DUSpd8Jq3M7", "gP6hn503KUX", "Prlt0C1RF0s", "7", "bombali"),
        (3, "DUSpd8Jq3M7", "gP6hn503KUX", "V6L425pT3A0", "10", "bombali"),
        (4, "DUSpd8Jq3M7", "OjTS752GbZE", "V6L425pT3A0", "9", "bombali"),
    ]
    assert frame.get_column("last_updated").to_list() == ["2010-04-17", "2010-04-17", "2010-04-06"]
    assert frame.get_column("follow_up").to_list() == ["false"] * 3
    assert frame.get_column("comment").to_list() == ["", "", ""]  # given, empty


def test_columns_left_off_are_absent_and_columns_given_empty_are_empty() -> None:
    frame, _conflicts = read(b"A,202601,V1,,,3\nB,202601,V1,,,4,,,,\n")
    first, second = frame.to_dicts()
    assert first["comment"] is None and first["follow_up"] is None and first["stored_by"] is None
    assert second["comment"] == "" and second["follow_up"] == "" and second["deleted"] is None


def test_the_deleted_column_of_dhis2s_newer_export_is_read() -> None:
    header = ",".join(EXPORT_HEADER).encode()
    frame, conflicts = read(header + b"\nA,202601,V1,,,3,u,,,false,true\n")
    assert conflicts == []
    assert frame.item(0, "deleted") == "true"
    assert frame.item(0, "row") == 2


def test_a_row_with_too_few_or_too_many_columns_is_a_conflict_on_its_line() -> None:
    frame, conflicts = read(
        b"A,202601,V1\n\nB,202601,V1,,,4,u,,c,false,false,extra\nC,202601,V1,,,5\n"
    )
    assert [(c.row, c.index) for c in conflicts] == [(1, 0), (3, 1)]
    assert "3 列" in conflicts[0].reason and "12 columns" in conflicts[1].reason
    assert frame.select("row", "index", "element").rows() == [(4, 2, "C")]


def test_blank_lines_and_rows_of_bare_commas_are_skipped_and_line_numbers_stay_true() -> None:
    frame, _conflicts = read(b"\r\nA,202601,V1,,,3\r\n,,,,,\r\n   \r\nB,202601,V1,,,4\r\n")
    assert frame.select("row", "element", "value").rows() == [(2, "A", "3"), (5, "B", "4")]


def test_a_quoted_comment_spanning_lines_keeps_later_line_numbers_true() -> None:
    frame, _conflicts = read(b'A,202601,V1,,,3,u,,"one\ntwo\nthree",false\nB,202601,V1,,,4\n')
    assert frame.select("row", "element").rows() == [(1, "A"), (4, "B")]
    assert frame.item(0, "comment") == "one\ntwo\nthree"


def test_commas_inside_quotes_do_not_count_as_columns() -> None:
    frame, conflicts = read(b'A,202601,V1,,,3,u,,"a, b, c, d, e, f",false\n')
    assert conflicts == []
    assert frame.item(0, "comment") == "a, b, c, d, e, f"


def test_blocks_are_cut_between_records_never_inside_a_quoted_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tiny blocks force many cuts, some right after a newline inside a quoted comment.
    monkeypatch.setattr(dvs_csv, "_BLOCK_BYTES", 40)
    lines = [f'E{i},202601,V1,,,{i},u,,"line {i}\nmore",false\n'.encode() for i in range(30)]
    frame, conflicts = read(b"".join(lines))
    assert conflicts == []
    assert frame.get_column("value").to_list() == [str(i) for i in range(30)]
    assert frame.get_column("row").to_list() == [1 + 2 * i for i in range(30)]
    assert frame.get_column("index").to_list() == list(range(30))


def test_a_gbk_file_is_read_as_text_like_a_utf8_one() -> None:
    frame, _conflicts = read("A,202601,V1,,,3,录入员,,备注\n".encode("gb18030"), encoding="gbk")
    assert frame.item(0, "stored_by") == "录入员" and frame.item(0, "comment") == "备注"


def test_a_utf8_byte_order_mark_does_not_hide_the_header() -> None:
    frame, _conflicts = read(b"\xef\xbb\xbfdataelement,period,orgunit\nA,202601,V1,,,3\n")
    assert frame.get_column("element").to_list() == ["A"]


def test_the_writer_uses_dhis2s_export_header_and_quotes_only_what_needs_it() -> None:
    value = ExportValue(
        dataset="FP",
        element="BIRTHS",
        period="202601",
        unit="V1",
        coc="default",
        aoc="default",
        value="3",
        stored_by="clerk",
        created="2026-02-01T10:00:00.000+08:00",
        last_updated="2026-02-01T10:00:00.000+08:00",
        comment='said "yes", twice',
        follow_up=True,
    )
    text = "".join(write_csv([value]))
    assert text.splitlines()[0] == (
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
        "lastupdated,comment,followup,deleted"
    )
    assert text.splitlines()[1] == (
        "BIRTHS,202601,V1,default,default,3,clerk,2026-02-01T10:00:00.000+08:00,"
        '"said ""yes"", twice",true,false'
    )
