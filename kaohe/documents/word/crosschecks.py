"""What the cross-checks found wrong (核查发现的漏报、多报), as phrases for the speech.

For every data element some source counts (a department's feed, a spot check) about the kinds of
unit the run assessed, the reconciliation of :mod:`kaohe.checks.selectors` over the run's period
lists the units that reported fewer than a source found, and those that reported more than a
spot check found; each becomes one report (李屯村: ``出生人数上报25，核查发现27，少报2``; 郭堡村:
``落实避孕措施人数上报507，抽查核实466，多报41``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kaohe.assessments.models import AssessmentRun
from kaohe.checks.errors import CheckError
from kaohe.checks.models import Source
from kaohe.checks.selectors import parse_period_or_year, reconciliation
from kaohe.elements.models import DataElement
from kaohe.engine.rounding import format_trimmed

from .wording import EN, lowered

DECIMALS = 2


def _shown(value: float | None) -> str:
    return format_trimmed(value, DECIMALS) if value is not None else "—"


@dataclass(frozen=True)
class UnderReport:
    """A unit that reported fewer than a source found, and the figures in words (without the
    unit's name: ``出生人数上报25，核查发现27，少报2``)."""

    unit_code: str
    unit_name: str
    text: str


def under_reporting(run: AssessmentRun, lang: str) -> list[UnderReport]:
    """One report per unit and element where a source found more than the unit reported, or a
    spot check found less."""
    if run.root is None:
        return []
    kinds = set(run.scheme.unit_kinds or [])
    wanted: list[DataElement] = []
    for element in DataElement.objects.filter(sources__isnull=False).distinct().order_by("code"):
        sources = Source.objects.filter(elements=element)
        if any(not kinds or kinds & set(s.unit_kinds or []) for s in sources):
            wanted.append(element)
    if not wanted:
        return []
    try:
        period = parse_period_or_year(run.period_code)
    except CheckError:
        return []
    phrases = []
    for element in wanted:
        found = reconciliation(element, run.root, period, None)
        for row in found.rows:
            if not (row.is_under or row.is_over):
                continue
            unit = (row.unit.name_en or row.unit.name) if lang == EN else row.unit.name
            if row.is_over and lang == EN:
                text = (
                    f"{lowered(element.name_en or element.name)}: reported "
                    f"{_shown(row.reported)}, the spot check found {_shown(row.checked)}, "
                    f"{_shown(row.over_reported)} over-reported"
                )
            elif row.is_over:
                text = (
                    f"{element.name}上报{_shown(row.reported)}，抽查核实{_shown(row.checked)}，"
                    f"多报{_shown(row.over_reported)}"
                )
            elif lang == EN:
                text = (
                    f"{lowered(element.name_en or element.name)}: reported "
                    f"{_shown(row.reported)}, the checks found {_shown(row.found)}, "
                    f"{_shown(row.under_reported)} under-reported"
                )
            else:
                text = (
                    f"{element.name}上报{_shown(row.reported)}，核查发现{_shown(row.found)}，"
                    f"少报{_shown(row.under_reported)}"
                )
            phrases.append(UnderReport(row.unit.code, unit, text))
    return phrases
