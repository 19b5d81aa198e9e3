"""The Word print, read back with python-docx: every part a township office expects is there."""

from __future__ import annotations

import datetime
import io

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Length

from kaohe.contracts.printing import contract_docx, contract_filename, contract_title
from kaohe.contracts.services import do_amend, do_set_target, do_sign
from kaohe.schemes.models import ScoringItem, Veto

from .conftest import CONSOLE, YEAR, Township, generate

TERMS = [
    "年度考核得分在95分以上的，奖励村两委班子2000元。",
    "被一票否决的，取消村干部当年评先评优资格。",
]


@pytest.fixture
def printed(town: Township) -> Township:
    scheme = town.scheme
    scheme.terms = TERMS
    scheme.tracks = [{"code": "FP", "name": "计划生育线", "weight": 1}]
    scheme.save(update_fields=["terms", "tracks"])
    ScoringItem.objects.filter(scheme=scheme, code="PLAN").update(
        track="FP", section="人口计划", description="每超计划生育一人扣5分，扣完为止。"
    )
    ScoringItem.objects.filter(scheme=scheme, code="RATE").update(
        track="FP", section="政策符合", description="低于目标每1个百分点扣2分。"
    )
    Veto.objects.create(
        scheme=scheme, code="FAKE", name="弄虚作假、瞒报漏报", condition="1 > 2", sort_order=1
    )
    return town


def _read(data: bytes) -> DocumentObject:
    return Document(io.BytesIO(data))


def _text(document: DocumentObject) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _table_rows(document: DocumentObject) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[0].rows]


def test_a_draft_prints_every_part_of_the_contract(printed: Township) -> None:
    contract = generate(printed)["V1"]
    document = _read(contract_docx(contract))
    text = _text(document)
    assert document.paragraphs[0].text == "甲镇2024年度计划生育目标管理责任书"
    assert "甲方：甲镇" in text and "乙方：一村" in text
    rows = _table_rows(document)
    assert rows[0] == ["序号", "考核项目", "目标", "分值", "评分标准"]
    items = {row[1]: row for row in rows if row[0].isdigit()}
    assert items["出生计划"][2:] == ["12人", "30", "每超计划生育一人扣5分，扣完为止。"]
    assert items["政策符合率"][2:] == ["90%", "70", "低于目标每1个百分点扣2分。"]
    assert ["计划生育线 · 人口计划"] * 5 in rows  # the group heading spans the row
    assert rows[-1][1] == "合计" and rows[-1][3] == "100"
    assert "1. 超计划生育" in text and "2. 弄虚作假、瞒报漏报" in text
    assert f"1. {TERMS[0]}" in text and f"2. {TERMS[1]}" in text
    assert "2024年1月1日至2024年12月31日" in text
    for name in ("张支书", "李主任", "王专干"):
        assert name in text
    assert "为全面完成2024年度计划生育各项目标任务" in text
    assert "村支书：张支书　签字：" in text and "甲方（盖章）" in text and "乙方（盖章）" in text
    assert "签订日期：        年    月    日" in text
    assert "草稿" in document.sections[0].header.paragraphs[0].text


def test_a_signed_amendment_says_which_version_and_why(printed: Township) -> None:
    contract = generate(printed)["V1"]
    do_set_target(contract, "PLAN", 9, CONSOLE)
    signed = do_sign(contract, datetime.date(2024, 1, 15), CONSOLE)
    amended = do_amend(
        signed, {"PLAN": 10}, "县调整人口计划", CONSOLE, signed_on=datetime.date(2024, 6, 3)
    )
    document = _read(contract_docx(amended))
    text = _text(document)
    assert "第2版（修订）" in text and "修订原因：县调整人口计划" in text
    assert "签订日期：2024年6月3日" in text
    assert "10人" in text and "9人" not in text
    assert document.sections[0].header.paragraphs[0].text == ""
    old = _read(contract_docx(signed))
    assert "9人" in _text(old) and "已被修订" in old.sections[0].header.paragraphs[0].text


def test_the_title_does_not_say_the_same_thing_twice(printed: Township) -> None:
    contract = generate(printed)["V1"]
    for name, title in [
        ("计划生育目标管理责任书", "甲镇2024年度计划生育目标管理责任书"),
        ("2024年人口和计划生育目标管理", "甲镇2024年度人口和计划生育目标管理责任书"),
        ("村级人口计生考核方案", "甲镇2024年度村级人口计生目标管理责任书"),
        ("镇直单位目标考核", "甲镇2024年度镇直单位目标管理责任书"),
        ("综合治理", "甲镇2024年度综合治理目标管理责任书"),
    ]:
        contract.scheme.name = name
        assert contract_title(contract) == title


def test_the_page_is_a4_portrait_in_songti_with_a_heiti_title(printed: Township) -> None:
    document = _read(contract_docx(generate(printed)["V2"]))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "宋体"
    title = document.paragraphs[0].runs[0]._element.rPr.rFonts
    assert title.get(qn("w:eastAsia")) == "黑体"


def test_the_items_table_keeps_the_standard_wide_and_the_numbers_narrow(printed: Township) -> None:
    document = _read(contract_docx(generate(printed)["V2"]))
    table, section = document.tables[0], document.sections[0]
    grid = [round(column.width.cm, 1) for column in table.columns]
    between = Length(section.page_width - section.left_margin - section.right_margin).cm

    assert grid == [1.3, 3.4, 2.1, 1.4, 7.4]
    assert round(sum(grid), 1) <= round(between, 1)
    assert not table.autofit


def test_the_file_is_named_by_unit_year_and_version(printed: Township) -> None:
    contract = generate(printed)["V2"]
    assert contract_filename(contract) == f"V2-{YEAR}-v1.docx"
