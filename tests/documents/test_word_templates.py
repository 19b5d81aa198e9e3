"""The Word templates: the defaults are current and documented, a township's own template is
used in their place, and a broken one is refused clearly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from docx import Document as WordDocument

from kaohe.documents.base import DocumentError, DocumentRequest
from kaohe.documents.word import build_commendation
from kaohe.documents.word.make_templates import LIBRARY, MAKERS, made, wording
from kaohe.documents.word.templates import library_edition, placeholders

from .conftest import Demo
from .word_reading import read

DOCS = Path(__file__).resolve().parents[2] / "docs" / "word-documents.md"
DEFAULTS = sorted(LIBRARY.glob("*/documents/*.docx"))


def test_every_library_edition_ships_every_template_in_both_languages() -> None:
    for edition in ("2006", "2026"):
        found = {p.name for p in (LIBRARY / edition / "documents").glob("*.docx")}
        assert found == set(MAKERS)


def test_the_committed_templates_are_what_the_template_script_makes() -> None:
    for path, content in made().items():
        assert wording(path.read_bytes()) == wording(content), (
            f"{path}: run python -m kaohe.documents.word.make_templates"
        )


@pytest.mark.parametrize("path", DEFAULTS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_placeholder_of_a_default_template_is_documented(path: Path) -> None:
    documented = set(re.findall(r"^\| `([a-z_.]+)`", DOCS.read_text(encoding="utf-8"), re.M))
    used = placeholders(path)
    assert used, path
    assert used <= documented, used - documented


def test_a_scheme_uses_the_templates_of_the_library_that_defines_it() -> None:
    assert library_edition("VILLAGE_2006", 2006) == "2006"
    assert library_edition("DEPARTMENTS_2006", 2006) == "2006"
    assert library_edition("VILLAGE_2026", 2026) == "2026"
    # A township's own scheme: the newest edition not after the year.
    assert library_edition("OUR_OWN", 2015) == "2006"
    assert library_edition("OUR_OWN", 2030) == "2026"
    assert library_edition("OUR_OWN", 1995) == "2006"
    # A library folder without templates (the county's) lends none: its schemes go by year.
    assert library_edition("TOWNSHIPS_2006", 2006) == "2006"


def own_template(path: Path, *paragraphs: str) -> Path:
    document = WordDocument()
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def request_for(demo: Demo, language: str = "zh-hans") -> DocumentRequest:
    return DocumentRequest(
        demo.scheme(), 2006, demo.township, demo.users["township_admin"], language
    )


def test_a_townships_own_template_is_used_in_place_of_the_default(
    demo_db: Demo, tmp_path: Path
) -> None:
    own_template(
        tmp_path / demo_db.township.code / "commendation.docx",
        "{{ township }}表彰决定（本镇格式）",
        "{%p for g in groups %}",
        "{{ g.heading }}{{ g.names }}",
        "{%p endfor %}",
    )
    with override_settings(KAOHE_DOCUMENT_TEMPLATES=str(tmp_path)):
        ours = read(build_commendation(request_for(demo_db)).content)
        # Only the Chinese template was supplied: the English one is still the default.
        english = read(build_commendation(request_for(demo_db, "en")).content)
    assert ours.paragraphs[0] == f"{demo_db.township.name}表彰决定（本镇格式）"
    assert any(p.startswith("一等奖（") for p in ours.paragraphs)
    assert english.paragraphs[0].startswith("Notice commending")


def test_an_installations_template_serves_every_township_without_its_own(
    demo_db: Demo, tmp_path: Path
) -> None:
    own_template(tmp_path / "commendation.docx", "全县统一格式：{{ township }}{{ year }}")
    with override_settings(KAOHE_DOCUMENT_TEMPLATES=str(tmp_path)):
        ours = read(build_commendation(request_for(demo_db)).content)
    assert ours.paragraphs == (f"全县统一格式：{demo_db.township.name}2006",)


def test_a_template_given_for_one_document_wins_over_every_other(
    demo_db: Demo, tmp_path: Path
) -> None:
    own_template(tmp_path / demo_db.township.code / "commendation.docx", "本镇格式")
    given = own_template(tmp_path / "given.docx", "这一次的格式 {{ count }}")
    with override_settings(KAOHE_DOCUMENT_TEMPLATES=str(tmp_path)):
        ours = read(build_commendation(request_for(demo_db), template=given).content)
    assert ours.paragraphs[0].startswith("这一次的格式 ")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{{ no_such_name }}", ("no_such_name", "没有的占位符", "does not exist")),
        ("{% for g in groups %}", ("占位符写法有错误", "placeholder error")),
    ],
)
def test_a_template_with_a_wrong_placeholder_is_refused_naming_it(
    demo_db: Demo, tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    given = own_template(tmp_path / "broken.docx", text)
    with pytest.raises(DocumentError) as refused:
        build_commendation(request_for(demo_db), template=given)
    assert refused.value.field == "template"
    for word in words:
        assert word in str(refused.value)


def test_a_file_that_is_not_a_word_document_is_refused(demo_db: Demo, tmp_path: Path) -> None:
    given = tmp_path / "notes.docx"
    given.write_text("not a Word document", encoding="utf-8")
    with pytest.raises(DocumentError) as refused:
        build_commendation(request_for(demo_db), template=given)
    assert "不是可用的 Word 文档" in str(refused.value)
    assert "not a usable Word document" in str(refused.value)
    with pytest.raises(DocumentError, match="does not exist"):
        build_commendation(request_for(demo_db), template=tmp_path / "missing.docx")


def test_names_with_markup_characters_cannot_break_the_document(
    demo_db: Demo, tmp_path: Path, monkeypatch: Any
) -> None:
    township = demo_db.township
    monkeypatch.setattr(township, "name", "示范镇<&>")
    given = own_template(tmp_path / "t.docx", "{{ township }}")
    ours = read(build_commendation(request_for(demo_db), template=given).content)
    assert ours.paragraphs == ("示范镇<&>",)
