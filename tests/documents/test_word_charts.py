"""Charts in the Word documents are drawn in a font with the Chinese glyphs, or refused."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
from django.test import override_settings
from matplotlib import font_manager

from kaohe.documents.base import DocumentError, DocumentRequest
from kaohe.documents.word import build_speech, charts
from kaohe.documents.word.charts import Bar, births_chart, chart_font, ranking_chart
from kaohe.orgunits.models import OrgUnit

from .conftest import Demo

# A font without Chinese glyphs that every matplotlib install carries.
LATIN_ONLY = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_chart_font_has_the_glyphs_of_every_demo_unit_name(demo_db: Demo) -> None:
    font = chart_font()
    names = "".join(
        OrgUnit.objects.filter(path__startswith=demo_db.township.path).values_list(
            "name", flat=True
        )
    )
    assert font.missing(names + "考核总分排名历年出生人数计划数一票否决") == ""


def test_charts_are_drawn_as_png_pictures() -> None:
    bars = [Bar("北胡屯村", 101.59, False), Bar("邓屯村", 64.33, True)]
    assert ranking_chart(bars, "2006年度考核总分排名", "zh").startswith(PNG)
    drawn = births_chart([2005, 2006], [430.0, None], [456.0, 458.0], "示范镇历年出生人数", "zh")
    assert drawn.startswith(PNG)


def test_a_font_without_chinese_glyphs_is_refused_in_both_languages_not_drawn_as_boxes() -> None:
    assert LATIN_ONLY.is_file()
    with override_settings(KAOHE_CJK_FONT=str(LATIN_ONLY)):
        with pytest.raises(DocumentError) as refused:
            ranking_chart([Bar("邓屯村", 64.33, True)], "排名", "zh")
    message = str(refused.value)
    assert "没有中文字形" in message and "fonts-noto-cjk" in message
    assert "install a font with Chinese glyphs" in message
    assert refused.value.field == "font"


def test_a_font_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with override_settings(KAOHE_CJK_FONT=str(tmp_path / "none.ttf")):
        with pytest.raises(DocumentError, match="does not exist"):
            chart_font()


def test_a_label_with_a_character_the_font_lacks_is_refused_naming_it() -> None:
    lacking = "\U000f0041"  # a private-use character no font has
    with pytest.raises(DocumentError) as refused:
        ranking_chart([Bar(f"村{lacking}", 90.0, False)], "排名", "zh")
    assert lacking in str(refused.value)


def test_without_the_font_the_speech_is_refused_rather_than_drawn_with_boxes(
    demo_db: Demo,
) -> None:
    request = DocumentRequest(demo_db.scheme(), 2006, demo_db.township, None, "zh-hans")
    with override_settings(KAOHE_CJK_FONT=str(LATIN_ONLY)):
        with pytest.raises(DocumentError, match="fonts-noto-cjk"):
            build_speech(request)


def test_a_machine_without_any_chinese_font_is_told_to_install_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manager = font_manager.fontManager
    latin = [entry for entry in manager.ttflist if "DejaVu" in entry.name]
    monkeypatch.setattr(manager, "ttflist", latin)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *args, **kwargs: [])
    charts._find_font.cache_clear()
    try:
        with pytest.raises(DocumentError) as refused:
            ranking_chart([Bar("邓屯村", 64.33, True)], "排名", "zh")
    finally:
        charts._find_font.cache_clear()
    message = str(refused.value)
    assert "没有找到含中文字形的字体" in message and "apt-get install fonts-noto-cjk" in message
    assert "no font with Chinese glyphs was found" in message
