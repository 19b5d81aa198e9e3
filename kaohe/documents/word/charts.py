"""Charts for the Word documents (births by year, the ranking), drawn with matplotlib in a font
that has the Chinese glyphs.

The font is found once: the file named by the setting ``KAOHE_CJK_FONT`` if there is one, else
the first installed font of :data:`PREFERRED` (Debian's ``fonts-noto-cjk`` gives Noto Sans CJK
SC), else any installed font that has the glyphs. Before drawing, every character of every label
is checked against the font: a missing glyph is a bilingual :class:`DocumentError` naming the
characters, never a chart of empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from django.conf import settings
from django.utils.translation import gettext as _
from matplotlib import font_manager
from matplotlib.figure import Figure  # drawn without pyplot: no global state, no display

from ..base import DocumentError
from .wording import EN

# Installed families known to hold the Simplified Chinese glyphs, best first.
PREFERRED: Final = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
)
# Characters every font used must have (besides the labels of the chart at hand).
SAMPLE: Final = "考核出生人数名次年度"
DPI: Final = 150
BAR: Final = "#3a6ea5"
BAR_VETOED: Final = "#c0392b"
PLAN: Final = "#e67e22"


@dataclass(frozen=True)
class ChartFont:
    """The font the charts are drawn in: a file (and the face inside a collection)."""

    path: str
    index: int
    family: str

    def properties(self) -> font_manager.FontProperties:
        # A face inside a collection (.ttc) is reached by its family name; a file by its path.
        if self.index:
            return font_manager.FontProperties(family=self.family, weight="normal")
        return font_manager.FontProperties(fname=self.path)

    def missing(self, text: str) -> str:
        """The characters of ``text`` the font has no glyph for (spaces and ASCII excepted:
        every font has those)."""
        face = font_manager.get_font(font_manager.FontPath(self.path, self.index))
        return "".join(
            sorted(
                {
                    c
                    for c in text
                    if ord(c) > 127 and not c.isspace() and not face.get_char_index(ord(c))
                }
            )
        )


def _entry_font(entry: font_manager.FontEntry) -> ChartFont:
    return ChartFont(str(entry.fname), int(getattr(entry, "index", 0) or 0), entry.name)


def _candidates() -> Iterable[ChartFont]:
    entries = list(font_manager.fontManager.ttflist)
    for family in PREFERRED:
        for entry in entries:
            if entry.name == family and entry.style == "normal" and entry.weight in (400, "normal"):
                yield _entry_font(entry)
    for entry in entries:
        yield _entry_font(entry)


def _add_new_system_fonts() -> bool:
    """Add the installed fonts matplotlib's cached font list does not know yet (a font
    installed after the cache was made); whether there were any."""
    known = {str(entry.fname) for entry in font_manager.fontManager.ttflist}
    added = False
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            added = True
    return added


@lru_cache(maxsize=4)
def _find_font(configured: str) -> ChartFont:
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise DocumentError(
                _(
                    "KAOHE_CJK_FONT 指定的字体文件不存在：{path} / the font file named by "
                    "KAOHE_CJK_FONT does not exist: {path}"
                ).format(path=configured),
                field="font",
            )
        face = font_manager.get_font(str(path))
        font = ChartFont(str(path), 0, str(face.family_name))
        if font.missing(SAMPLE):
            raise DocumentError(
                _(
                    "KAOHE_CJK_FONT 指定的字体 {path} 没有中文字形，请改用含中文字形的字体（Debian："
                    "apt-get install fonts-noto-cjk）/ the font {path} named by KAOHE_CJK_FONT has "
                    "no Chinese glyphs: install a font with Chinese glyphs (Debian: apt-get install "
                    "fonts-noto-cjk) and name that one"
                ).format(path=configured),
                field="font",
            )
        return font
    for attempt in range(2):
        for font in _candidates():
            try:
                if not font.missing(SAMPLE):
                    return font
            except (OSError, RuntimeError):  # an unreadable font file: try the next one
                continue
        if attempt == 0 and not _add_new_system_fonts():
            break
    raise DocumentError(
        _(
            "没有找到含中文字形的字体，无法绘制图表。请安装含中文字形的字体（Debian：apt-get install "
            "fonts-noto-cjk），或用 KAOHE_CJK_FONT 指定字体文件 / no font with Chinese glyphs was "
            "found, so the charts cannot be drawn: install a font with Chinese glyphs (Debian: "
            "apt-get install fonts-noto-cjk) or name a font file in KAOHE_CJK_FONT"
        ),
        field="font",
    )


def chart_font() -> ChartFont:
    """The font for charts (see the module); a bilingual :class:`DocumentError` without one."""
    return _find_font(str(getattr(settings, "KAOHE_CJK_FONT", "") or ""))


def _checked(font: ChartFont, texts: Iterable[str]) -> None:
    missing = font.missing("".join(texts))
    if missing:
        raise DocumentError(
            _(
                "字体 {font} 缺少这些字的字形：{missing}，请安装含这些字形的字体（Debian：apt-get "
                "install fonts-noto-cjk）或用 KAOHE_CJK_FONT 指定 / the font {font} has no glyph "
                "for {missing}: install a font that has them (Debian: apt-get install "
                "fonts-noto-cjk) or name one in KAOHE_CJK_FONT"
            ).format(font=font.family, missing=missing),
            field="font",
        )


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    return out.getvalue()


@dataclass(frozen=True)
class Bar:
    """A unit in the ranking chart."""

    label: str
    total: float
    vetoed: bool


def ranking_chart(bars: Sequence[Bar], title: str, lang: str) -> bytes:
    """Units' totals as horizontal bars, the first of the list at the top; vetoed units in
    red. PNG bytes."""
    font = chart_font()
    xlabel = "Total score" if lang == EN else "总分"
    legend = "vetoed" if lang == EN else "一票否决"
    _checked(font, [title, xlabel, legend, *(b.label for b in bars)])
    prop = font.properties()
    height = max(2.4, 0.22 * len(bars) + 1.0)
    figure = Figure(figsize=(6.3, height))
    axes = figure.add_subplot()
    positions = list(range(len(bars)))[::-1]
    colours = [BAR_VETOED if b.vetoed else BAR for b in bars]
    axes.barh(positions, [b.total for b in bars], color=colours, height=0.7)
    axes.set_yticks(positions, [b.label for b in bars], fontproperties=prop, fontsize=8)
    for position, bar in zip(positions, bars, strict=True):
        axes.text(bar.total, position, f" {bar.total:.2f}", va="center", fontsize=7)
    axes.set_xlabel(xlabel, fontproperties=prop)
    axes.set_title(title, fontproperties=prop)
    if any(b.vetoed for b in bars):
        axes.plot([], [], color=BAR_VETOED, linewidth=6, label=legend)
        axes.legend(prop=prop, loc="lower right", fontsize=8)
    axes.set_xlim(0, max([b.total for b in bars] + [100.0]) * 1.1)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def births_chart(
    years: Sequence[int],
    births: Sequence[float | None],
    plans: Sequence[float | None],
    title: str,
    lang: str,
) -> bytes:
    """Births by year as bars, with the plan of each year as a line where there is one."""
    font = chart_font()
    labels = ("Births", "Plan", "Year") if lang == EN else ("出生人数", "计划数", "年度")
    _checked(font, [title, *labels])
    prop = font.properties()
    figure = Figure(figsize=(6.3, 3.0))
    axes = figure.add_subplot()
    names = [str(y) for y in years]
    values = [b if b is not None else 0.0 for b in births]
    axes.bar(names, values, color=BAR, width=0.5, label=labels[0])
    for name, value in zip(names, births, strict=True):
        if value is not None:
            axes.text(name, value, f"{value:g}", ha="center", va="bottom", fontsize=8)
    if any(p is not None for p in plans):
        shown = [p if p is not None else float("nan") for p in plans]
        axes.plot(names, shown, color=PLAN, marker="o", label=labels[1])
    highest = max([v for v in [*births, *plans] if v is not None] + [1.0])
    axes.set_ylim(0, highest * 1.35)  # room above the bars for the legend
    axes.set_xlabel(labels[2], fontproperties=prop)
    axes.set_title(title, fontproperties=prop)
    axes.legend(prop=prop, fontsize=8, loc="upper right", ncol=2)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
