"""What every workbook starts from: the published run it is written from, checked, and the words
around the table (title, subtitle, footer, file name) in the request's language.

A workbook is a document the township sends out, in Chinese (the offices' own) or English, so its
words are written here in both languages, side by side (:meth:`WorkbookContext.t`), like the
explanations stored with a run, and the Word documents beside them. Names that the database
holds in both languages (schemes, units, items, grades, vetoes) are taken in the request's
language. The ledger's own labels, which the finance table shares with the rewards pages, go
through the translation catalogue: builders run with the request's language active.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from kaohe.assessments.exports import Column
from kaohe.assessments.models import AssessmentRun, UnitResult
from kaohe.assessments.publishing import published_run
from kaohe.assessments.selectors import sees_whole_run
from kaohe.core.access import restrict
from kaohe.schemes.models import Scheme

from ..base import Document, DocumentError, DocumentRequest
from .styling import SheetWriter

# A scheme's name often ends with its edition, "（2006年版）": the title says the year already.
_EDITION = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_GAP_ZH = "　　"  # two ideographic spaces, as a typed subtitle line separates its parts
_GAP_EN = "   ·   "


def language_of(request: DocumentRequest) -> str:
    return "en" if request.language == "en" else "zh-hans"


def in_request_language(
    build: Callable[[DocumentRequest], Document],
) -> Callable[[DocumentRequest], Document]:
    """Run a builder with the request's language active (for the labels it shares with pages)."""

    @wraps(build)
    def wrapper(request: DocumentRequest) -> Document:
        with translation.override(language_of(request)):
            return build(request)

    return wrapper


def _day(value: date | datetime | None, english: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    if english:
        return value.isoformat()
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass(frozen=True)
class WorkbookContext:
    """A request with the published run it is answered from."""

    request: DocumentRequest
    run: AssessmentRun
    made_on: date

    @property
    def english(self) -> bool:
        return self.request.language == "en"

    @property
    def scheme(self) -> Scheme:
        """The scheme version the run was computed with (its items, vetoes, grades)."""
        return self.run.scheme

    def t(self, zh: str, en: str) -> str:
        """The document's own words, in the request's language."""
        return en if self.english else zh

    def text(self, zh: str, en: str) -> str:
        """A name the database holds in both languages (English where it has one)."""
        return (en or zh) if self.english else zh

    def unit_name(self, name: str, name_en: str) -> str:
        return self.text(name, name_en)

    def listing(self, parts: Sequence[str]) -> str:
        """Parts of a sentence listed: 甲、乙、丙 / A, B, C."""
        return (", " if self.english else "、").join(parts)

    # --- reading -------------------------------------------------------------------------------

    def restricted(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """``queryset`` narrowed to what the request's user may see (the console: all)."""
        user = self.request.user
        return queryset if user is None else restrict(queryset, user)

    def unit_results(self) -> QuerySet[UnitResult]:
        """The run's unit results in ranking order, units joined."""
        results = self.run.unit_results.select_related("unit").order_by(
            "kind", "rank", "unit__path"
        )
        return self.restricted(results)

    # --- the words around the table ---------------------------------------------------------

    def title(self, kind_zh: str, kind_en: str) -> str:
        """The title row: ``示范镇2006年度村级人口与计划生育目标管理责任制考核结果汇总表``, or
        ``Assessment results: <scheme>, Demo Township, 2006``."""
        root = self.request.root
        scheme = self.scheme
        year = self.request.year
        if self.english:
            return (
                f"{kind_en}: {scheme.name_en or scheme.name}, {root.name_en or root.name}, {year}"
            )
        subject = _EDITION.sub("", scheme.name)
        if subject.endswith("考核") and kind_zh.startswith("考核"):
            kind_zh = kind_zh[len("考核") :]
        return f"{root.name}{year}年度{subject}{kind_zh}"

    def subtitle(self) -> str:
        """The line under the title: who, which scheme, which period, published when, made
        when."""
        run = self.run
        scheme = self.scheme
        root = self.request.root
        published = _day(run.published_at, self.english)
        made = _day(self.made_on, self.english)
        if self.english:
            parts = [
                f"Township: {root.name_en or root.name}",
                f"Scheme: {scheme.name_en or scheme.name} · {scheme.code} version {scheme.version}",
                f"Period: {run.period_code}",
                f"Results published: {published} (run {run.pk})",
                f"Made: {made}",
            ]
            return _GAP_EN.join(parts)
        parts = [
            f"单位：{root.name}",
            f"考核方案：{scheme.name} · {scheme.code} 第 {scheme.version} 版",
            f"考核期间：{run.period_code}",
            f"结果发布：{published}（第 {run.pk} 次计算）",
            f"制表日期：{made}",
        ]
        return _GAP_ZH.join(parts)

    def writer(
        self,
        sheet: Worksheet,
        columns: Sequence[Column],
        kind: tuple[str, str],
        *,
        frozen_columns: int = 0,
    ) -> SheetWriter:
        """A :class:`SheetWriter` with this workbook's title (``kind``: the table's name in
        Chinese and English), subtitle and footer."""
        name = self.t(*kind)
        return SheetWriter(
            sheet,
            columns,
            title=self.title(*kind),
            subtitle=self.subtitle(),
            footer=f"{self.request.root.code} · {self.scheme.code} · {self.request.year} · {name}",
            pages=self.t("第 &P 页，共 &N 页", "Page &P of &N"),
            frozen_columns=frozen_columns,
        )

    def filename(self, kind: str) -> str:
        """``ranking-VILLAGE_2006-2006-DEMO_TWP.xlsx`` (ASCII: safe in every download)."""
        return f"{kind}-{self.scheme.code}-{self.request.year}-{self.request.root.code}.xlsx"


def workbook_context(request: DocumentRequest) -> WorkbookContext:
    """The request with its published run, or a bilingual :class:`DocumentError`: no run of the
    scheme and year published over the township (``year``), or a user who may not see every
    unit the run assessed (``township``: the totals add them all up)."""
    run = published_run(request.scheme, request.year, request.root)
    if run is None:
        raise DocumentError(
            _(
                "{township} {year} 年度“{scheme}”还没有发布的考核结果，发布后才能制表 / "
                "{township} has no published results of {code} for {year}: publish them first"
            ).format(
                township=request.root.name,
                year=request.year,
                scheme=request.scheme.name,
                code=request.scheme.code,
            ),
            "year",
        )
    if request.user is not None and not sees_whole_run(request.user, run):
        raise DocumentError(
            _(
                "你不能查看 {township} 的全部考核结果 / you may not see all of {township}'s results"
            ).format(township=request.root.name),
            "township",
        )
    return WorkbookContext(request=request, run=run, made_on=timezone.localdate())


def previous_run(context: WorkbookContext) -> AssessmentRun | None:
    """The published run of the same scheme over the same township for the year before."""
    return published_run(context.scheme, context.request.year - 1, context.request.root)
