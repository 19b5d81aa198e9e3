"""The front door of the documents: every kind by name, and how a request for one is made.

``KINDS`` maps a kind's name to ``Kind(builder, label_zh, label_en, extension)``. The pages
(``/documents/``), the command line (``kaohe report KIND``) and the API
(``/api/documents/{kind}/``) all look kinds up here and build them with :func:`build`, so each
kind is written once and reached the same way everywhere.

A builder is imported only when it is first used: the workbooks (:mod:`kaohe.documents.workbooks`)
and the Word documents (:mod:`kaohe.documents.word`) stand on many apps, and a kind whose module
is not installed is reported as unavailable instead of breaking the others.

:func:`make_request` turns what a person typed (scheme code, year, township code, language)
into a :class:`~kaohe.documents.base.DocumentRequest`, checking it on the way: every refusal is
a :class:`~kaohe.documents.base.DocumentError` naming the field, Chinese first. Whether the
person may see the township is decided by :func:`township_for` through
:mod:`kaohe.core.access`; the console (``user=None``) acts for whoever holds the database.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.core.access import VIEW, restrict, scope_of
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.schemes.models import Scheme

from .base import DOCX, XLSX, Document, DocumentError, DocumentRequest

Builder = Callable[[DocumentRequest], Document]

LANGUAGES: Final = ("zh-hans", "en")
# What a person may type for a language, and the language it means.
_LANGUAGE_NAMES: Final = {"zh-hans": "zh-hans", "zh": "zh-hans", "zh-cn": "zh-hans", "en": "en"}
YEAR_RANGE: Final = (1900, 2100)
CONTENT_TYPES: Final = {"xlsx": XLSX, "docx": DOCX}


class Kind(NamedTuple):
    """One kind of document: the function that builds it, its names and its file type."""

    builder: Builder
    label_zh: str
    label_en: str
    extension: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


@dataclass(frozen=True)
class _Lazy:
    """A builder imported on first use from ``module`` (a kind whose module is missing raises a
    bilingual DocumentError when asked for, and :func:`available` says so beforehand)."""

    module: str
    name: str

    def load(self) -> Builder | None:
        try:
            found = importlib.import_module(self.module)
        except ImportError:
            return None
        builder = getattr(found, self.name, None)
        return builder if callable(builder) else None

    def __call__(self, request: DocumentRequest) -> Document:
        builder = self.load()
        if builder is None:
            raise DocumentError(
                _(
                    "此类文书尚未安装（{name}）/ this kind of document is not installed ({name})"
                ).format(name=f"{self.module}.{self.name}"),
                "kind",
            )
        return builder(request)


_WORKBOOKS = "kaohe.documents.workbooks"
_WORD = "kaohe.documents.word"

KINDS: dict[str, Kind] = {
    "ranking": Kind(
        _Lazy(_WORKBOOKS, "build_ranking_workbook"), "考核结果汇总表", "Ranking", "xlsx"
    ),
    "items": Kind(
        _Lazy(_WORKBOOKS, "build_items_workbook"), "分项得分明细表", "Item scores", "xlsx"
    ),
    "indicators": Kind(
        _Lazy(_WORKBOOKS, "build_indicators_workbook"),
        "指标完成情况表",
        "Indicators against targets",
        "xlsx",
    ),
    "money": Kind(
        _Lazy(_WORKBOOKS, "build_money_workbook"), "奖惩兑现表", "Rewards and penalties", "xlsx"
    ),
    "checks": Kind(
        _Lazy(_WORKBOOKS, "build_checks_workbook"), "数据核查表", "Cross-checks", "xlsx"
    ),
    "commendation": Kind(_Lazy(_WORD, "build_commendation"), "表彰通报", "Commendation", "docx"),
    "criticism": Kind(_Lazy(_WORD, "build_criticism"), "批评通报", "Criticism", "docx"),
    "speech": Kind(_Lazy(_WORD, "build_speech"), "大会讲话稿", "Conference speech draft", "docx"),
}


def available(name: str) -> bool:
    """Whether the kind ``name`` exists and its builder can be imported here."""
    kind = KINDS.get(name)
    if kind is None:
        return False
    builder = kind.builder
    return builder.load() is not None if isinstance(builder, _Lazy) else True


def kind_of(name: str) -> Kind:
    """The kind called ``name``, or a DocumentError (field ``kind``) listing the kinds."""
    kind = KINDS.get(name)
    if kind is None:
        raise DocumentError(
            _("没有这种文书：{name}；可选：{kinds} / no such kind of document: {name}; the kinds "
              "are: {kinds}").format(name=name, kinds="、".join(KINDS)),
            "kind",
        )  # fmt: skip
    return kind


# --- checking what was asked ---------------------------------------------------------------


def parse_year(text: Any) -> int:
    """A year as typed, checked (DocumentError on ``year``)."""
    try:
        year = int(str(text).strip())
    except (TypeError, ValueError):
        raise DocumentError(
            _("年度须为整数，例如 2006：{value} / the year must be a whole number such as 2006: "
              "{value}").format(value=text),
            "year",
        ) from None  # fmt: skip
    low, high = YEAR_RANGE
    if not low <= year <= high:
        raise DocumentError(
            _("年度须在 {low} 至 {high} 之间：{year} / the year must lie between {low} and "
              "{high}: {year}").format(low=low, high=high, year=year),
            "year",
        )  # fmt: skip
    return year


def parse_language(text: str | None) -> str:
    """``zh-hans`` (also ``zh``, ``zh-cn``; the default) or ``en``."""
    if not text:
        return "zh-hans"
    found = _LANGUAGE_NAMES.get(text.strip().lower())
    if found is None:
        raise DocumentError(
            _(
                "语言须为 zh-hans 或 en：{value} / the language must be zh-hans or en: {value}"
            ).format(value=text),
            "lang",
        )
    return found


def visible_townships(user: Any) -> list[OrgUnit]:
    """The townships whose whole tree ``user`` may see (documents are about a whole township;
    ``None``: the console, every township), in tree order."""
    townships = OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP).order_by("path")
    return list(townships if user is None else restrict(townships, user, VIEW))


def township_for(user: Any, code: str) -> OrgUnit | None:
    """The township ``code`` when ``user`` may see all of it (``None`` otherwise, so a page
    answers 404 and never tells an outsider that the township exists)."""
    unit = OrgUnit.objects.filter(code=code.strip()).first() if code else None
    if unit is None:
        return None
    if user is None or scope_of(user).covers(VIEW, unit.path):
        return unit
    return None


def _scheme_versions(code: str) -> list[Scheme]:
    return list(Scheme.objects.filter(code=code.strip()).order_by("-version"))


def published_runs(user: Any, township: OrgUnit | None = None) -> list[AssessmentRun]:
    """The published runs over a township that ``user`` may see (of ``township``, if given),
    newest year first, then by scheme code."""
    runs = AssessmentRun.objects.filter(status=RunStatus.PUBLISHED, root__isnull=False)
    runs = runs.select_related("scheme", "root")
    if township is not None:
        runs = runs.filter(root=township)
    if user is not None:
        runs = restrict(runs, user)
    return list(runs.order_by("-year", "scheme__code", "-published_at", "-id"))


def make_request(
    user: Any,
    *,
    scheme: str,
    year: Any,
    township: str = "",
    language: str | None = None,
) -> DocumentRequest:
    """The request for a document of ``scheme`` (code) and ``year`` over ``township`` (code;
    blank: the one township whose run of that scheme and year was published, when there is
    exactly one) as ``user`` may ask for it.

    Refusals are DocumentErrors naming the field; a township the user may not see is refused
    exactly like one that does not exist (``township``), so nothing is given away.
    """
    language = parse_language(language)
    number = parse_year(year)
    versions = _scheme_versions(scheme or "")
    if not versions:
        raise DocumentError(
            _("没有代码为 {code} 的考核方案 / there is no scheme with the code {code}").format(
                code=scheme
            ),
            "scheme",
        )
    if township:
        root = township_for(user, township)
        if root is None:
            raise DocumentError(
                _("没有你能查看的乡镇 {code} / no township {code} that you may see").format(
                    code=township
                ),
                "township",
            )
    else:
        root = _only_township(user, versions[0].code, number)
    # The version that was published for that year, else the newest (the speech's tasks of a
    # year not assessed yet read its contracts).
    run = (
        AssessmentRun.objects.filter(
            scheme__code=versions[0].code, year=number, root=root, status=RunStatus.PUBLISHED
        )
        .select_related("scheme")
        .order_by("-published_at", "-id")
        .first()
    )
    chosen = run.scheme if run is not None else versions[0]
    return DocumentRequest(scheme=chosen, year=number, root=root, user=user, language=language)


def _only_township(user: Any, scheme_code: str, year: int) -> OrgUnit:
    roots: dict[str, OrgUnit] = {
        run.root.code: run.root
        for run in published_runs(user)
        if run.scheme.code == scheme_code and run.year == year and run.root is not None
    }
    if user is not None:
        roots = {code: unit for code, unit in roots.items() if township_for(user, code)}
    if len(roots) == 1:
        return next(iter(roots.values()))
    if not roots:
        message = _(
            "{code} 方案 {year} 年没有已发布的乡镇考核结果，请指定乡镇 / the scheme {code} has no "
            "published township results for {year}: name the township"
        )
    else:
        message = _(
            "{code} 方案 {year} 年有多个乡镇的考核结果（{towns}），请指定乡镇 / the scheme {code} "
            "has results of several townships for {year} ({towns}): name the township"
        )
    raise DocumentError(
        message.format(code=scheme_code, year=year, towns="、".join(sorted(roots))), "township"
    )


# --- building ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """A document and how long it took to build (for the benchmark and the console)."""

    document: Document
    seconds: float


def build(name: str, request: DocumentRequest) -> Document:
    """The document of kind ``name`` for ``request`` (DocumentError when it cannot be made)."""
    return timed_build(name, request).document


def timed_build(name: str, request: DocumentRequest) -> Built:
    kind = kind_of(name)
    started = time.perf_counter()
    document = kind.builder(request)
    return Built(document, time.perf_counter() - started)


def filename_for(name: str, request: DocumentRequest) -> str:
    """A download name when a builder gives none: ``<township>-<year>-<label>.<ext>``."""
    kind = kind_of(name)
    return f"{request.root.name}-{request.year}-{kind.label(request.language)}.{kind.extension}"
