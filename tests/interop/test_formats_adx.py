"""Reading and writing ADX (kaohe.interop.formats.adx) and its ISO 8601 periods."""

from __future__ import annotations

from xml.etree import ElementTree

import polars as pl
import pytest

from kaohe.engine.periods import from_iso_interval, parse_period, to_iso_interval
from kaohe.interop.formats import ADX_NAMESPACE, ExportValue, UnreadableFile, adx, write_adx
from kaohe.interop.formats.base import Conflict

from .conftest import FIXTURES


def read(data: bytes, size: int = 1 << 20) -> tuple[pl.DataFrame, list[Conflict]]:
    frames, conflicts = [], []
    chunks = (data[i : i + size] for i in range(0, len(data), size))
    for chunk in adx.read_adx(chunks):
        frames.append(chunk.frame)
        conflicts += chunk.conflicts
    return pl.concat(frames), conflicts


@pytest.mark.parametrize("size", [13, 1 << 20])
def test_groups_give_unit_and_period_and_value_attributes_are_categories(size: int) -> None:
    frame, conflicts = read((FIXTURES / "adx_births.xml").read_bytes(), size)
    assert conflicts == []
    assert frame.select("element", "period", "unit", "coc", "aoc", "value", "comment").rows() == [
        ("BIRTHS", "2026-01-01/P1M", "V1", "SEX=MALE", "", "2", None),
        ("BIRTHS", "2026-01-01/P1M", "V1", "SEX=FEMALE", "", "1", None),
        ("MIGRANTS", "2026-01-01/P1M", "V1", "", "", "4", "两户从邻镇迁入"),
        ("BIRTHS", "2026-01-01/P1M", "V2", "SEX=MALE", "", "0", None),
        ("BIRTHS", "2026-01-01/P1M", "V2", "SEX=FEMALE", "", "3", None),
        ("CONTRA_RATE", "2026-01-01/P1M", "V2", "", "", "87.5", None),
        ("AVG_POP", "2025-10-01/P1Y", "V1", "", "", "1234.5", None),
    ]
    assert frame.get_column("row").to_list() == list(range(1, 8))


def test_several_categories_are_sorted_and_group_attributes_are_the_attribute_combo() -> None:
    data = (
        b'<adx xmlns="urn:ihe:qrph:adx:2015" exported="2015-02-08T19:30:00Z">'
        b'<group orgUnit="OU_559" period="2015-06-01/P1M" completeDate="2015-07-01" '
        b'dataSet="(TB/HIV)VCCT" FUNDER="USAID">'
        b'<dataValue dataElement="VCCT_0" HIV_AGE="AGE0-14" GENDER="FMLE" value="32"/>'
        b"</group></adx>"
    )
    frame, _c = read(data)
    assert frame.select("coc", "aoc").rows() == [("GENDER=FMLE;HIV_AGE=AGE0-14", "FUNDER=USAID")]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<dataValueSet/>", "not an ADX document"),
        (b'<adx xmlns="urn:example:other"/>', "not an ADX document"),
        (b'<!DOCTYPE adx [<!ENTITY x "y">]><adx xmlns="urn:ihe:qrph:adx:2015"/>', "DOCTYPE"),
        (b'<adx xmlns="urn:ihe:qrph:adx:2015"><group>', "incomplete"),
        (b'<adx xmlns="urn:ihe:qrph:adx:2015"><group></adx>', "invalid XML at line 1"),
        (b"", "empty"),
    ],
)
def test_documents_that_are_not_adx_are_unreadable(data: bytes, words: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read(data)
    assert words in str(caught.value)


def test_a_data_value_outside_a_group_is_a_conflict() -> None:
    frame, conflicts = read(
        b'<adx xmlns="urn:ihe:qrph:adx:2015"><dataValue dataElement="A" value="1"/></adx>'
    )
    assert frame.height == 0 and conflicts[0].column == "dataValue"


@pytest.mark.parametrize(
    ("interval", "code"),
    [
        ("2026-01-15/P1D", "20260115"),
        ("2026-01-05/P7D", "2026W2"),
        ("2026-03-01/P1M", "202603"),
        ("2026-03-01/P2M", "202602B"),
        ("2026-04-01/P3M", "2026Q2"),
        ("2026-07-01/P6M", "2026S2"),
        ("2026-04-01/P6M", "2026AprilS1"),
        ("2026-01-01/P1Y", "2026"),
        ("2026-10-01/P1Y", "2026Oct"),
        ("2026-04-01/P1Y", "2026April"),
        ("2026-07-01/P1Y", "2026July"),
        ("2026-11-01/P1Y", "2026Nov"),
    ],
)
def test_iso_intervals_and_dhis2_period_codes_convert_both_ways(interval: str, code: str) -> None:
    assert from_iso_interval(interval).code == code
    assert to_iso_interval(parse_period(code)) == interval


def test_the_writer_makes_one_group_per_data_set_unit_and_period() -> None:
    def value(dataset: str, unit: str, period: str, **extra: object) -> ExportValue:
        base = dict(
            dataset=dataset,
            element="BIRTHS",
            period=period,
            unit=unit,
            coc="default",
            aoc="default",
            value="3",
            stored_by="",
            created="",
            last_updated="",
            comment="",
            follow_up=False,
        )
        return ExportValue(**{**base, **extra})  # type: ignore[arg-type]

    text = "".join(
        write_adx(
            [
                value("FP", "V1", "202601", adx_categories=(("SEX", "MALE"),)),
                value("FP", "V1", "202601", comment="<注> & co"),
                value("FP", "V2", "202601"),
                value("FY", "V1", "2025Oct", element="AVG_POP", value="1234.5"),
            ],
            exported="2026-02-05T08:00:00.000+08:00",
        )
    )
    root = ElementTree.fromstring(text)
    ns = {"a": ADX_NAMESPACE}
    groups = root.findall("a:group", ns)
    assert root.get("exported") == "2026-02-05T08:00:00.000+08:00"
    assert [(g.get("dataSet"), g.get("orgUnit"), g.get("period")) for g in groups] == [
        ("FP", "V1", "2026-01-01/P1M"),
        ("FP", "V2", "2026-01-01/P1M"),
        ("FY", "V1", "2025-10-01/P1Y"),
    ]
    first = groups[0].findall("a:dataValue", ns)
    assert first[0].attrib == {"dataElement": "BIRTHS", "SEX": "MALE", "value": "3"}
    assert first[1].find("a:annotation", ns).text == "<注> & co"  # type: ignore[union-attr]
    frame, _c = read(text.encode())
    assert frame.get_column("coc").to_list() == ["SEX=MALE", "", "", ""]
