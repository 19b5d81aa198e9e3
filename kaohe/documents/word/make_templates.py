"""Make the default Word templates of the rule-set libraries (kaohe/library/<edition>/documents/).

    python -m kaohe.documents.word.make_templates            # write all of them
    python -m kaohe.documents.word.make_templates --check    # fail if a committed one's wording differs

Each template is an ordinary .docx with docxtpl placeholders (``{{ name }}``; ``{%p for … %}``
and ``{%p if … %}`` on paragraphs of their own; ``{%tr for … %}`` on table rows of their own),
laid out as a township office lays out a speech or a notice: A4, the margins of an official
document, 黑体 title, 仿宋 body, named paragraph styles so an office can restyle the whole in
Word. The fixed wording is here; every sentence that depends on the data is a placeholder filled
by :mod:`kaohe.documents.word.speech` and :mod:`kaohe.documents.word.notices`.

Two editions: ``2006`` (population and family planning, the control era) and ``2026``
(population services and family development, after the 2021 change). Each has Chinese templates
(``<kind>.docx``) and English ones (``<kind>.en.docx``).
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.styles.style import ParagraphStyle

LIBRARY: Final = Path(__file__).resolve().parents[2] / "library"


@dataclass(frozen=True)
class Fonts:
    latin: str
    east_asian: str


ZH_BODY: Final = Fonts("FangSong", "仿宋")
ZH_TITLE: Final = Fonts("SimHei", "黑体")
ZH_LEVEL2: Final = Fonts("KaiTi", "楷体")
EN_BODY: Final = Fonts("Times New Roman", "宋体")
EN_TITLE: Final = Fonts("Arial", "黑体")


@dataclass(frozen=True)
class Edition:
    """The words that differ between the two libraries' templates."""

    folder: str
    subject_zh: str  # 人口与计划生育
    subject_en: str
    workers_zh: str  # who does the work in a village
    workers_en: str
    team_zh: str  # the fourth requirement


EDITIONS: Final = (
    Edition(
        "2006",
        "人口与计划生育",
        "population and family planning",
        "奋战在计划生育工作一线的同志们",
        "everyone working in family planning in the villages",
        "四是加强队伍建设。各村要配齐配强计生专干，保证必要的工作经费，支持他们安心工作；"
        "计生干部要加强学习，提高业务水平，全心全意为群众服务。",
    ),
    Edition(
        "2026",
        "人口服务和家庭发展",
        "population services and family development",
        "奋战在人口服务一线的同志们",
        "everyone working in population services in the villages",
        "四是加强队伍建设。各村要配齐配强人口服务专干，保证必要的工作经费；专干要熟悉育儿补贴、"
        "奖励扶助等惠民政策，做到政策宣传到户、服务落实到人。",
    ),
)


# --- building blocks ---------------------------------------------------------------------------


def _set_fonts(style: ParagraphStyle, fonts: Fonts, size: float, bold: bool = False) -> None:
    style.font.name = fonts.latin
    style.font.size = Pt(size)
    style.font.bold = bold
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), fonts.east_asian)


def _paragraph_style(
    document: DocumentObject, name: str, fonts: Fonts, size: float, *, bold: bool = False
) -> ParagraphStyle:
    styles = document.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    assert isinstance(style, ParagraphStyle)
    _set_fonts(style, fonts, size, bold)
    return style


class Writer:
    """A template being written: paragraphs in named styles, tags, tables."""

    def __init__(self, english: bool) -> None:
        self.english = english
        self.document = Document()
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        body = EN_BODY if english else ZH_BODY
        title = EN_TITLE if english else ZH_TITLE
        size = 12 if english else 16
        normal = self.document.styles["Normal"]
        assert isinstance(normal, ParagraphStyle)
        _set_fonts(normal, body, size)
        normal.paragraph_format.line_spacing = Pt(20 if english else 28)
        normal.paragraph_format.space_after = Pt(6 if english else 0)
        self.body = _paragraph_style(self.document, "Kaohe Body", body, size)
        self.body.base_style = normal
        self.body.paragraph_format.first_line_indent = None if english else Pt(size * 2)
        self.plain = _paragraph_style(self.document, "Kaohe Plain", body, size)
        self.plain.base_style = normal
        self.title = _paragraph_style(self.document, "Kaohe Title", title, 16 if english else 22)
        self.title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.title.paragraph_format.space_after = Pt(12)
        self.subtitle = _paragraph_style(self.document, "Kaohe Subtitle", body, size)
        self.subtitle.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.level1 = _paragraph_style(
            self.document, "Kaohe Heading 1", title, 13 if english else size, bold=english
        )
        self.level1.paragraph_format.first_line_indent = None if english else Pt(size * 2)
        self.level1.paragraph_format.keep_with_next = True
        self.level2 = _paragraph_style(
            self.document, "Kaohe Heading 2", EN_BODY if english else ZH_LEVEL2, size, bold=english
        )
        self.level2.paragraph_format.first_line_indent = None if english else Pt(size * 2)
        self.level2.paragraph_format.keep_with_next = True
        self.signature = _paragraph_style(self.document, "Kaohe Signature", body, size)
        self.signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.signature.paragraph_format.keep_with_next = True  # the block stays on one page
        self.picture = _paragraph_style(self.document, "Kaohe Picture", body, size)
        self.picture.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.table_text = _paragraph_style(
            self.document, "Kaohe Table", body, 10 if english else 12
        )
        self.table_text.paragraph_format.line_spacing = 1.0
        self.table_text.paragraph_format.first_line_indent = None

    def add(self, text: str, style: ParagraphStyle | None = None) -> None:
        self.document.add_paragraph(text, style=style or self.body)

    def tag(self, text: str) -> None:
        """A paragraph holding only a ``{%p … %}`` tag (removed when the template is filled)."""
        self.document.add_paragraph(text, style=self.plain)

    def page_break(self) -> None:
        self.document.add_paragraph(style=self.plain).add_run().add_break(WD_BREAK.PAGE)

    def table(
        self, headers: Sequence[str], loop: str, cells: Sequence[str], widths: Sequence[float]
    ) -> None:
        """A table: the header row, then one row per item of ``loop`` (``r in rows``); column
        widths in centimetres (the text area is 15.6 cm wide)."""
        table = self.document.add_table(rows=4, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        # Word reads the cells' widths, LibreOffice and WPS the grid's: set both.
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
        for column, header in enumerate(headers):
            cell = table.rows[0].cells[column]
            cell.paragraphs[0].text = header
            cell.paragraphs[0].style = self.table_text
            cell.paragraphs[0].runs[0].bold = True
        table.rows[1].cells[0].paragraphs[0].text = f"{{%tr for {loop} %}}"
        for column, text in enumerate(cells):
            paragraph = table.rows[2].cells[column].paragraphs[0]
            paragraph.text = text
            paragraph.style = self.table_text
        table.rows[3].cells[0].paragraphs[0].text = "{%tr endfor %}"
        header = table.rows[0]._tr.get_or_add_trPr()
        repeat = header.makeelement(qn("w:tblHeader"), {})
        header.append(repeat)

    def save(self, path: Path) -> bytes:
        out = io.BytesIO()
        self.document.core_properties.author = "Kaohe"
        self.document.core_properties.title = path.stem
        self.document.save(out)
        return _stable(out.getvalue())


def _stable(content: bytes) -> bytes:
    """The package rewritten with fixed timestamps, so an unchanged template makes the same
    bytes every time (``--check`` compares them)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fixed_dates(data)
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _fixed_dates(core: bytes) -> bytes:
    import re

    return re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
        rb"\g<1>2026-01-01T00:00:00Z\g<2>",
        core,
    )


# --- the speech ------------------------------------------------------------------------------


def speech_zh(edition: Edition) -> Writer:
    w = Writer(english=False)
    s = edition.subject_zh
    w.add(f"在{{{{ township }}}}{{{{ year }}}}年度{s}目标管理责任制奖惩兑现大会上的讲话", w.title)
    w.add("（讨论稿）", w.subtitle)
    w.add("同志们：", w.plain)
    w.add("{{ opening }}下面，我讲三点意见。")
    w.add("一、回顾{{ year }}年工作，正确认识当前形势", w.level1)
    w.add("{{ review_intro }}")
    w.add("（一）各项责任指标完成情况", w.level2)
    w.add("{{ indicators_paragraph }}")
    w.tag("{%p if births_chart %}")
    w.add("{{ births_chart }}", w.picture)
    w.tag("{%p endif %}")
    w.add("（二）年终考核结果", w.level2)
    w.add("{{ results_paragraph }}")
    w.tag("{%p if ranking_chart %}")
    w.add("{{ ranking_chart }}", w.picture)
    w.tag("{%p endif %}")
    w.add("（三）奖惩兑现情况", w.level2)
    w.add("{{ money_paragraph }}")
    w.tag("{%p if others %}")
    w.add("（四）镇直单位和协作部门考核情况", w.level2)
    w.tag("{%p for line in others %}")
    w.add("{{ line }}")
    w.tag("{%p endfor %}")
    w.tag("{%p endif %}")
    w.add(
        f"这些成绩的取得，是全镇干部群众共同努力的结果，凝聚着{edition.workers_zh}的辛勤汗水。"
        f"在此，我代表镇党委、政府，向受到表彰的先进单位和个人表示热烈祝贺，向关心支持{s}工作的"
        "各界同志表示衷心感谢！"
    )
    w.add("在肯定成绩的同时，我们也要清醒地看到工作中存在的问题和不足，主要是：")
    w.tag("{%p for item in problems %}")
    w.add("{{ item }}")
    w.tag("{%p endfor %}")
    w.add("对这些问题，各村、各单位要高度重视，认真查找原因，逐条加以整改。")
    w.add("二、明确任务，突出重点，扎实做好{{ next_year }}年工作", w.level1)
    w.add("{{ tasks_intro }}")
    w.tag("{%p for item in tasks %}")
    w.add("{{ item }}")
    w.tag("{%p endfor %}")
    w.add("三、加强领导，狠抓落实，确保全年目标任务完成", w.level1)
    w.add(
        "一是层层落实目标管理责任制。{{ contracts_sentence }}各村、各单位主要负责同志是第一责任人，"
        "要亲自抓、负总责，定期研究解决工作中的困难和问题，把责任书确定的目标逐项分解到人。"
    )
    w.add(
        "二是严格考核，兑现奖惩。{{ rewards_sentence }}镇考核领导小组要把日常检查和年终考核结合"
        "起来，考核结果作为评价各村、各单位工作和干部评先评优、提拔使用的重要依据。"
    )
    w.add(
        "三是坚持实事求是，确保数据真实。各村、各单位要如实统计、按时报送，不得虚报、漏报、瞒报；"
        "镇里将结合部门数据和抽查核实，对弄虚作假的严肃处理。"
    )
    w.add(edition.team_zh)
    w.add(
        "同志们，{{ next_year }}年的任务已经明确，责任已经落实。让我们在镇党委、政府的领导下，"
        "振奋精神，真抓实干，确保全面完成今年的各项目标任务，为全镇经济社会发展作出新的贡献！"
    )
    w.page_break()
    w.add("附表：{{ year }}年度主要指标完成情况", w.level2)
    w.table(
        ["指标", "{{ year }}年", "目标", "上年", "比上年", "完成情况"],
        "row in indicator_rows",
        [
            "{{ row.name }}",
            "{{ row.value }}",
            "{{ row.target }}",
            "{{ row.previous }}",
            "{{ row.change }}",
            "{{ row.status }}",
        ],
        [4.4, 2.1, 2.0, 2.1, 3.5, 1.5],
    )
    return w


def speech_en(edition: Edition) -> Writer:
    w = Writer(english=True)
    s = edition.subject_en
    w.add(
        f"Speech at the {{{{ year }}}} conference on the {s} target-responsibility assessment "
        "of {{ township }}, and its rewards and penalties",
        w.title,
    )
    w.add("(draft for discussion)", w.subtitle)
    w.add("Comrades,", w.plain)
    w.add("{{ opening }} I will make three points.")
    w.add("1. Looking back on {{ year }}: where we stand", w.level1)
    w.add("{{ review_intro }}")
    w.add("(1) The targets of the contracts", w.level2)
    w.add("{{ indicators_paragraph }}")
    w.tag("{%p if births_chart %}")
    w.add("{{ births_chart }}", w.picture)
    w.tag("{%p endif %}")
    w.add("(2) The year-end assessment", w.level2)
    w.add("{{ results_paragraph }}")
    w.tag("{%p if ranking_chart %}")
    w.add("{{ ranking_chart }}", w.picture)
    w.tag("{%p endif %}")
    w.add("(3) Rewards and penalties", w.level2)
    w.add("{{ money_paragraph }}")
    w.tag("{%p if others %}")
    w.add("(4) The township-direct units and the departments", w.level2)
    w.tag("{%p for line in others %}")
    w.add("{{ line }}")
    w.tag("{%p endfor %}")
    w.tag("{%p endif %}")
    w.add(
        "These results are the work of the whole township, and above all of "
        f"{edition.workers_en}. On behalf of the Party committee and the government I "
        "congratulate the units and people commended today, and thank everyone who supported "
        f"the work of {s}."
    )
    w.add("We must also see clearly what is not yet good enough:")
    w.tag("{%p for item in problems %}")
    w.add("{{ item }}")
    w.tag("{%p endfor %}")
    w.add("Every village and unit is to find the causes of these problems and put them right.")
    w.add("2. The tasks of {{ next_year }}", w.level1)
    w.add("{{ tasks_intro }}")
    w.tag("{%p for item in tasks %}")
    w.add("{{ item }}")
    w.tag("{%p endfor %}")
    w.add("3. Leadership and follow-through", w.level1)
    w.add(
        "First, responsibility at every level. {{ contracts_sentence }} The heads of the "
        "villages and units are the first responsible persons: they lead the work themselves "
        "and give each target of the contract to a named person."
    )
    w.add(
        "Second, strict assessment and rewards that are paid. {{ rewards_sentence }} The results "
        "count when cadres are considered for honours and promotion."
    )
    w.add(
        "Third, truthful figures. Report what happened, on time; the township compares the "
        "reports with the departments' figures and its own checks, and falsified figures are "
        "dealt with severely."
    )
    w.add(
        "Fourth, a capable team. Every village keeps a trained officer for this work and the "
        "funds the work needs."
    )
    w.add(
        "Comrades, the tasks of {{ next_year }} are clear and the responsibilities assigned. "
        "Let us work hard to meet every target this year."
    )
    w.page_break()
    w.add("Appendix: the indicators of {{ year }}", w.level2)
    w.table(
        ["Indicator", "{{ year }}", "Target", "Year before", "Change", "Status"],
        "row in indicator_rows",
        [
            "{{ row.name }}",
            "{{ row.value }}",
            "{{ row.target }}",
            "{{ row.previous }}",
            "{{ row.change }}",
            "{{ row.status }}",
        ],
        [4.4, 2.1, 2.0, 2.1, 3.5, 1.5],
    )
    return w


# --- the notices -----------------------------------------------------------------------------


def _signature_zh(w: Writer) -> None:
    w.add("", w.plain)
    w.add("中共{{ township }}委员会", w.signature)
    w.add("{{ township }}人民政府", w.signature)
    w.add("{{ published_on }}", w.signature)


def _signature_en(w: Writer) -> None:
    w.add("", w.plain)
    w.add("The Party committee of {{ township }}", w.signature)
    w.add("The government of {{ township }}", w.signature)
    w.add("{{ published_on }}", w.signature)


def commendation_zh(edition: Edition) -> Writer:
    w = Writer(english=False)
    s = edition.subject_zh
    w.add(f"关于表彰{{{{ year }}}}年度{s}目标管理责任制先进单位的通报", w.title)
    w.add("各村、镇直各单位、各有关部门：", w.plain)
    w.add("{{ intro }}")
    w.tag("{%p for g in groups %}")
    w.add("{{ g.heading }}{{ g.names }}")
    w.tag("{%p endfor %}")
    w.tag("{%p if rows %}")
    w.table(
        ["等次", "单位", "总分", "名次", "奖励金额"],
        "r in rows",
        ["{{ r.grade }}", "{{ r.name }}", "{{ r.total }}", "{{ r.rank }}", "{{ r.reward }}"],
        [2.6, 5.0, 2.4, 1.8, 3.8],
    )
    w.tag("{%p endif %}")
    w.tag("{%p if money_sentence %}")
    w.add("{{ money_sentence }}")
    w.tag("{%p endif %}")
    w.add(
        "希望受到表彰的单位珍惜荣誉，再接再厉，在新的一年里再创佳绩。各村、各单位要以先进为榜样，"
        f"学习他们的好经验、好做法，扎实做好{s}各项工作，确保完成今年的目标任务。"
    )
    _signature_zh(w)
    return w


def commendation_en(edition: Edition) -> Writer:
    w = Writer(english=True)
    w.add(
        f"Notice commending the best units of the {{{{ year }}}} {edition.subject_en} "
        "target-responsibility assessment",
        w.title,
    )
    w.add("To every village, township-direct unit and department:", w.plain)
    w.add("{{ intro }}")
    w.tag("{%p for g in groups %}")
    w.add("{{ g.heading }} {{ g.names }}")
    w.tag("{%p endfor %}")
    w.tag("{%p if rows %}")
    w.table(
        ["Grade", "Unit", "Total", "Rank", "Reward"],
        "r in rows",
        ["{{ r.grade }}", "{{ r.name }}", "{{ r.total }}", "{{ r.rank }}", "{{ r.reward }}"],
        [2.6, 5.0, 2.4, 1.8, 3.8],
    )
    w.tag("{%p endif %}")
    w.tag("{%p if money_sentence %}")
    w.add("{{ money_sentence }}")
    w.tag("{%p endif %}")
    w.add(
        "We hope the units commended will build on their success, and that every village and "
        "unit will learn from them and meet this year's targets."
    )
    _signature_en(w)
    return w


def criticism_zh(edition: Edition) -> Writer:
    w = Writer(english=False)
    w.add(f"关于{{{{ year }}}}年度{edition.subject_zh}目标管理责任制考核后进单位的通报", w.title)
    w.add("各村、镇直各单位、各有关部门：", w.plain)
    w.add("{{ intro }}")
    w.tag("{%p for c in cases %}")
    w.add("{{ c }}")
    w.tag("{%p endfor %}")
    w.tag("{%p if rows %}")
    w.table(
        ["单位", "总分", "等次", "存在问题", "处理"],
        "r in rows",
        ["{{ r.name }}", "{{ r.total }}", "{{ r.grade }}", "{{ r.problem }}", "{{ r.action }}"],
        [2.6, 1.8, 1.8, 4.4, 5.0],
    )
    w.add(
        "被通报批评的单位要认真反思，深刻查找原因，主要负责同志要向镇党委、政府作出书面检查，"
        "制定切实可行的整改措施，限期整改到位。各村、各单位要引以为戒，举一反三，防止类似问题再次发生。"
    )
    w.tag("{%p endif %}")
    _signature_zh(w)
    return w


def criticism_en(edition: Edition) -> Writer:
    w = Writer(english=True)
    w.add(
        f"Notice on the units that fell behind in the {{{{ year }}}} {edition.subject_en} "
        "target-responsibility assessment",
        w.title,
    )
    w.add("To every village, township-direct unit and department:", w.plain)
    w.add("{{ intro }}")
    w.tag("{%p for c in cases %}")
    w.add("{{ c }}")
    w.tag("{%p endfor %}")
    w.tag("{%p if rows %}")
    w.table(
        ["Unit", "Total", "Grade", "What went wrong", "Action"],
        "r in rows",
        ["{{ r.name }}", "{{ r.total }}", "{{ r.grade }}", "{{ r.problem }}", "{{ r.action }}"],
        [2.6, 1.8, 1.8, 4.4, 5.0],
    )
    w.add(
        "The heads of the units criticised are to report in writing to the Party committee and "
        "the government of the township on the causes and on what they will do, and to put it "
        "right by the deadline set. Every village and unit is to learn from these cases."
    )
    w.tag("{%p endif %}")
    _signature_en(w)
    return w


MAKERS: Final = {
    "speech.docx": speech_zh,
    "speech.en.docx": speech_en,
    "commendation.docx": commendation_zh,
    "commendation.en.docx": commendation_en,
    "criticism.docx": criticism_zh,
    "criticism.en.docx": criticism_en,
}


def made() -> dict[Path, bytes]:
    """Every default template: its path and its bytes."""
    files: dict[Path, bytes] = {}
    for edition in EDITIONS:
        folder = LIBRARY / edition.folder / "documents"
        for name, maker in MAKERS.items():
            path = folder / name
            files[path] = maker(edition).save(path)
    return files


def wording(content: bytes) -> list[str]:
    """A template's text, paragraph by paragraph and cell by cell, with each paragraph's style:
    what ``--check`` compares (the bytes of a .docx vary with the python-docx version)."""
    document = Document(io.BytesIO(content))
    lines = [f"{p.style.name if p.style else ''}|{p.text}" for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="only check that the committed templates are current"
    )
    args = parser.parse_args(argv)
    stale = []
    for path, content in made().items():
        if args.check:
            if not path.is_file() or wording(path.read_bytes()) != wording(content):
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(path.relative_to(LIBRARY.parent.parent))
    if stale:
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
