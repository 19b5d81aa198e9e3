"""How the Word documents name things that depend on the run: its units, its date, the file."""

from __future__ import annotations

from django.utils import timezone

from ..base import DocumentRequest
from .reading import RunFacts, kind_word
from .wording import EN, lang_of


def units_word(facts: RunFacts, lang: str, count: int = 2) -> str:
    """What the run's units are called: 村 / villages, or 单位 / units for mixed kinds."""
    kinds = facts.kinds
    if len(kinds) == 1:
        return kind_word(kinds[0], lang, count)
    if lang == EN:
        return "unit" if count == 1 else "units"
    return "单位"


def published_on(facts: RunFacts, lang: str) -> str:
    """The day the results were published, as a document writes a date."""
    moment = facts.run.published_at
    if moment is None:
        return ""
    day = timezone.localtime(moment).date()
    if lang == EN:
        return f"{day.day} {day:%B} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def document_name(kind_zh: str, kind_en: str, request: DocumentRequest) -> str:
    """``示范镇2006年度大会讲话稿.docx`` / ``speech-DEMO_TWP-2006.docx``."""
    if lang_of(request.language) == EN:
        return f"{kind_en}-{request.root.code}-{request.year}.docx"
    return f"{request.root.name}{request.year}年度{kind_zh}.docx"
