"""A contract printed as a Word document (.docx), laid out as a township office prints a
目标管理责任书: the title, the two parties, a preamble, the table of items and targets, the vetoes,
the reward and penalty terms, the period, and the signature block.

The document is always in Chinese, whatever the language of the page it is printed from: it is
the text both parties sign, so it must not change with the reader's language setting.
"""

from __future__ import annotations

import datetime
import io
import re

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.run import Run

from kaohe.engine.periods import PeriodType, make_period

from .models import Contract, ContractStatus
from .roles import source_label
from .selectors import TargetRow, target_rows

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT = ("SimSun", "宋体")
TITLE_FONT = ("SimHei", "黑体")
BLANK_DATE = "        年    月    日"
SIGN_LINE = "________________"
CHINESE_NUMERALS = "一二三四五六七八九十"
# What a scheme's name may end with that the title must not repeat.
_NAME_ENDINGS = (
    "目标管理责任书",
    "目标责任书",
    "责任书",
    "目标管理考核实施方案",
    "目标管理考核方案",
    "考核实施方案",
    "考核实施办法",
    "考核方案",
    "考核办法",
    "考核细则",
    "实施方案",
    "目标管理",
    "目标考核",
    "目标",
)
_LEADING_YEAR = re.compile(r"^\s*\d{4}\s*年度?")


def subject_of(name: str) -> str:
    """What a scheme is about, from its name: without a year it starts with, and without the
    words the contract's title adds anyway (``2024年计划生育目标管理`` → ``计划生育``)."""
    subject = _LEADING_YEAR.sub("", name).strip()
    for ending in _NAME_ENDINGS:
        if subject.endswith(ending):
            return subject[: -len(ending)].strip()
    return subject


def contract_title(contract: Contract) -> str:
    """``{township}{year}年度{subject}目标管理责任书``, nothing said twice."""
    township = contract.unit.parent or contract.unit
    return f"{township.name}{contract.year}年度{subject_of(contract.scheme.name)}目标管理责任书"


def _number(value: float) -> str:
    return f"{value:g}"


def _date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else BLANK_DATE


def _font(run: Run, fonts: tuple[str, str], size: float | None = None, bold: bool = False) -> Run:
    """Set a run's Latin and East-Asian fonts (Word reads Chinese text's font from the
    ``eastAsia`` attribute of ``w:rFonts``, which python-docx does not set by itself)."""
    latin, east_asian = fonts
    run.font.name = latin
    properties = run._element.get_or_add_rPr()
    properties.get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    if size is not None:
        run.font.size = Pt(size)
    run.bold = bold or None
    return run


def _paragraph(
    document: DocumentObject,
    text: str = "",
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
    indent: bool = False,
    size: float | None = None,
) -> None:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
    if text:
        _font(paragraph.add_run(text), BODY_FONT, size=size, bold=bold)


def _setup(document: DocumentObject) -> None:
    """A4 portrait with the margins of a government document, 宋体 小四 for the body."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT[0]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT[1])


def _header(document: DocumentObject, contract: Contract) -> None:
    """Drafts and superseded versions say so on every page, so they are not signed by mistake."""
    if contract.status == ContractStatus.DRAFT:
        note = "草稿 · 未签订"
    elif contract.status == ContractStatus.SUPERSEDED:
        note = f"第{contract.version}版 · 已被修订，以最新版本为准"
    else:
        return
    paragraph = document.sections[0].header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = _font(paragraph.add_run(note), TITLE_FONT, size=14, bold=True)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _target_text(row: TargetRow) -> str:
    return "—" if row.value is None else f"{_number(row.value)}{row.item.unit}"


def _cell(table: Table, row: int, column: int, text: str, *, bold: bool = False) -> None:
    cell = table.cell(row, column)
    cell.text = ""
    _font(cell.paragraphs[0].add_run(text), BODY_FONT, size=10.5, bold=bold)


# 序号, 考核项目, 目标, 分值, 评分标准: 15.6 cm, the width between the margins.
COLUMN_WIDTHS_CM = (1.3, 3.4, 2.1, 1.4, 7.4)


def _items_table(document: DocumentObject, contract: Contract) -> None:
    rows = target_rows(contract)
    grouped = any(r.group for r in rows)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, heading in enumerate(("序号", "考核项目", "目标", "分值", "评分标准")):
        _cell(table, 0, column, heading, bold=True)
    group = None
    for number, row in enumerate(rows, start=1):
        if grouped and row.group != group:
            group = row.group
            index = len(table.rows)
            table.add_row()
            merged = table.cell(index, 0).merge(table.cell(index, 4))
            merged.text = ""
            _font(merged.paragraphs[0].add_run(group or "其他"), BODY_FONT, size=10.5, bold=True)
        index = len(table.rows)
        table.add_row()
        weight = _number(row.item.weight) if row.item.weight else "加分项"
        for column, text in enumerate(
            (str(number), row.item.name, _target_text(row), weight, row.item.description)
        ):
            _cell(table, index, column, text)
    index = len(table.rows)
    table.add_row()
    _cell(table, index, 1, "合计", bold=True)
    _cell(table, index, 3, _number(sum(r.item.weight for r in rows)), bold=True)
    # Fixed widths (the grid and every unmerged cell), so Word and WPS keep the scoring
    # standard wide and the number columns narrow instead of splitting the page evenly.
    widths = [Cm(w) for w in COLUMN_WIDTHS_CM]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        cells = row.cells
        if len({id(cell._tc) for cell in cells}) == len(widths):
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width


def _numbered(document: DocumentObject, heading: str, lines: list[str]) -> None:
    _paragraph(document, heading, bold=True)
    for number, line in enumerate(lines, start=1):
        _paragraph(document, f"{number}. {line}", indent=True)


def _signatures(document: DocumentObject, contract: Contract) -> None:
    township = contract.unit.parent
    ours: list[str] = []
    theirs: list[str] = []
    for signatory in contract.signatories.select_related("official"):
        # Contracts drawn up before labels were printed hold the role's code.
        label = source_label(signatory.role)
        line = f"{label}：{signatory.official.name}　签字：{SIGN_LINE}"
        is_township = township is not None and signatory.official.unit_id == township.pk
        (ours if is_township else theirs).append(line)
    left = ["甲方（盖章）", f"负责人（签字）：{SIGN_LINE}", *ours]
    right = ["乙方（盖章）", *theirs]
    table = document.add_table(rows=max(len(left), len(right)), cols=2)
    for index, text in enumerate(left):
        _cell(table, index, 0, text)
    for index, text in enumerate(right):
        _cell(table, index, 1, text)
    _paragraph(document)
    _paragraph(document, f"签订日期：{_date(contract.signed_on)}", align=WD_ALIGN_PARAGRAPH.RIGHT)


def _period_text(contract: Contract) -> str:
    try:
        period = make_period(PeriodType(contract.scheme.period_type), contract.year)
    except ValueError:
        return f"{contract.year}年度"
    return f"{_date(period.start)}至{_date(period.end)}"


def contract_docx(contract: Contract) -> bytes:
    """The contract as a .docx file."""
    contract = (
        Contract.objects.select_related("scheme", "unit", "unit__parent")
        .prefetch_related("targets")
        .get(pk=contract.pk)
    )
    township = contract.unit.parent or contract.unit
    document = Document()
    _setup(document)
    _header(document, contract)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(contract_title(contract)), TITLE_FONT, size=18, bold=True)
    if contract.version > 1:
        _paragraph(
            document, f"第{contract.version}版（修订）", align=WD_ALIGN_PARAGRAPH.CENTER, size=14
        )
        _paragraph(document, f"修订原因：{contract.amendment_reason}", indent=True)

    _paragraph(document, f"甲方：{township.name}", bold=True)
    _paragraph(document, f"乙方：{contract.unit.name}", bold=True)
    _paragraph(
        document,
        f"为全面完成{contract.year}年度{subject_of(contract.scheme.name)}各项目标任务，落实目标管理责任制，"
        "经甲乙双方协商，签订本责任书。乙方对下列目标任务负责，甲方按考核方案对乙方进行考核，"
        "并按本责任书兑现奖惩。",
        indent=True,
    )

    _paragraph(document, f"{CHINESE_NUMERALS[0]}、目标任务与考核评分", bold=True)
    _items_table(document, contract)

    section = 1
    vetoes = [v.name for v in contract.scheme.vetoes.order_by("sort_order", "code")]
    if vetoes:
        section += 1
        _numbered(
            document,
            f"{CHINESE_NUMERALS[section - 1]}、一票否决（有下列情形之一的，年度考核实行一票否决）",
            vetoes,
        )
    terms = [str(t).strip() for t in contract.scheme.terms or [] if str(t).strip()]
    if terms:
        section += 1
        _numbered(document, f"{CHINESE_NUMERALS[section - 1]}、奖惩办法", terms)
    section += 1
    _paragraph(document, f"{CHINESE_NUMERALS[section - 1]}、其他", bold=True)
    _paragraph(document, f"1. 本责任书考核期为{_period_text(contract)}。", indent=True)
    _paragraph(
        document, "2. 本责任书自双方签订之日起生效，一式两份，甲乙双方各执一份。", indent=True
    )
    _paragraph(document)
    _signatures(document, contract)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def contract_filename(contract: Contract) -> str:
    """``<unit>-<year>-v<version>.docx``."""
    return f"{contract.unit.code}-{contract.year}-v{contract.version}.docx"
