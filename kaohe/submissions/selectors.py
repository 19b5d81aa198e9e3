"""Reading what the completeness grid and the ``R{}`` operand need, through the access check.

:func:`resolve_query` turns the page's, the API's and the command line's parameters (a root
unit, usually a township; a year; optionally a data set) into rows the user may see;
:func:`completeness_of` builds the grids in a handful of queries; :func:`reporting_counts`
gives the assessment its per-unit counts (no user: the assessment reads everything it scores).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.core.access import VIEW, restrict, scope_of
from kaohe.elements.models import DataSet
from kaohe.engine.periods import MAX_YEAR, MIN_YEAR, Period, PeriodType, make_period
from kaohe.engine.reporting import ReportCounts
from kaohe.orgunits.models import OrgUnit, UnitKind

from .completeness import (
    Completeness,
    Report,
    ReportKey,
    build_grid,
    report_counts,
    reports_dataset,
)
from .models import Submission

__all__ = [
    "CompletenessError",
    "CompletenessQuery",
    "completeness_of",
    "default_root",
    "read_reports",
    "reporting_counts",
    "resolve_query",
    "root_choices",
]

# Units that usually stand at the top of a grid: the township and the county above it.
_ROOT_KINDS = (UnitKind.COUNTY, UnitKind.TOWNSHIP)


class CompletenessError(ValueError):
    """Parameters that cannot be read; the message is bilingual and names the field."""


@dataclass(frozen=True)
class CompletenessQuery:
    root: OrgUnit
    year: int
    dataset: DataSet | None


# --- who sees which root -------------------------------------------------------------------


def _visible_units(user: Any) -> QuerySet[OrgUnit]:
    return restrict(OrgUnit.objects.all(), user, VIEW)


def root_choices(user: Any) -> list[OrgUnit]:
    """The units a user may put at the top of a grid: the counties and townships they see,
    and the outermost units they see (a reporter's own village)."""
    visible = _visible_units(user)
    chosen = {u.pk: u for u in visible.filter(kind__in=_ROOT_KINDS).order_by("path")}
    for unit in _outermost(user):
        chosen.setdefault(unit.pk, unit)
    return sorted(chosen.values(), key=lambda u: u.path)


def _outermost(user: Any) -> QuerySet[OrgUnit]:
    """The units at the top of the user's reach: the roots of the subtrees they may view."""
    scope = scope_of(user)
    if scope.everything:
        return OrgUnit.objects.filter(parent__isnull=True)
    return restrict(OrgUnit.objects.filter(path__in=scope.paths(VIEW)), user, VIEW)


def default_root(user: Any) -> OrgUnit | None:
    """The first township the user sees, else the first unit at the top of their reach."""
    choices = root_choices(user)
    townships = [u for u in choices if u.kind == UnitKind.TOWNSHIP]
    if townships:
        return townships[0]
    return choices[0] if choices else None


def resolve_query(user: Any, township: str, year: str, dataset: str) -> CompletenessQuery | None:
    """The root unit, year and data set named by the parameters, among what ``user`` sees
    (``user`` ``None``: the console, which sees everything).

    An empty ``township`` is the user's :func:`default_root` (``None`` is returned when they
    see no unit); an empty ``year`` is this year. A root or data set the user does not see is
    :class:`OrgUnit.DoesNotExist` / :class:`DataSet.DoesNotExist`, told apart from a mistake
    in the parameters (:class:`CompletenessError`) so that pages answer 404 for the first.
    """
    year_number = _year(year)
    units = OrgUnit.objects.all() if user is None else _visible_units(user)
    code = (township or "").strip()
    if code:
        root = units.get(code=code)
    else:
        root = units.order_by("path").first() if user is None else default_root(user)
        if root is None:
            return None
    chosen = None
    if (dataset or "").strip():
        datasets = DataSet.objects.all() if user is None else restrict(DataSet.objects.all(), user)
        chosen = datasets.get(code=dataset.strip())
    return CompletenessQuery(root, year_number, chosen)


def _year(text: str) -> int:
    text = (text or "").strip()
    if not text:
        return timezone.localdate().year
    if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise CompletenessError(
            _(
                "年份（year）须为 {low}–{high} 之间的整数 / year must be a whole number from {low} to {high}"
            ).format(low=MIN_YEAR, high=MAX_YEAR)
        )
    return int(text)


# --- reading -------------------------------------------------------------------------------


def _open_during(units: QuerySet[OrgUnit], span: Period) -> QuerySet[OrgUnit]:
    return units.filter(Q(opening_date__isnull=True) | Q(opening_date__lte=span.end)).filter(
        Q(closed_date__isnull=True) | Q(closed_date__gte=span.start)
    )


def read_reports(
    datasets: Sequence[DataSet],
    span: Period,
    submissions: QuerySet[Submission],
    unit_ids: Iterable[int] | None = None,
) -> dict[int, dict[ReportKey, Report]]:
    """The received reports of ``datasets`` for periods inside ``span`` (one query), by data
    set id and then (unit id, period code), from ``submissions`` (already narrowed to what
    the reader may see); only the units of ``unit_ids`` when given."""
    found: dict[int, dict[ReportKey, Report]] = defaultdict(dict)
    if not datasets:
        return found
    rows = submissions.filter(
        dataset_id__in=[d.pk for d in datasets],
        submitted_at__isnull=False,
        period__start_date__gte=span.start,
        period__end_date__lte=span.end,
    ).values_list("pk", "dataset_id", "unit_id", "period__code", "submitted_at", "status")
    wanted = set(unit_ids) if unit_ids is not None else None
    for pk, dataset_id, unit_id, period_code, submitted_at, status in rows:
        if wanted is not None and unit_id not in wanted:
            continue
        received = timezone.localdate(submitted_at)
        found[dataset_id][(unit_id, period_code)] = Report(pk, received, status)
    return found


def completeness_of(
    query: CompletenessQuery, user: Any | None = None, today: date | None = None
) -> Completeness:
    """The grids of ``query``: every data set (or the one chosen) that some unit under the
    root reports, over the calendar year, with the units and submissions ``user`` may see
    (``None``: all of them)."""
    span = make_period(PeriodType.YEARLY, query.year)
    units_qs = OrgUnit.objects.subtree(query.root)
    if user is not None:
        units_qs = restrict(units_qs, user, VIEW)
    units = list(_open_during(units_qs, span).order_by("path"))
    if query.dataset is not None:
        datasets = [query.dataset]
    else:
        candidates = DataSet.objects.all()
        if user is not None:
            candidates = restrict(candidates, user)
        datasets = [
            d for d in candidates.order_by("code") if any(reports_dataset(d, u) for u in units)
        ]
    submissions = Submission.objects.filter(unit__path__startswith=query.root.path)
    if user is not None:
        submissions = restrict(submissions, user, VIEW)
    reports = read_reports(datasets, span, submissions, unit_ids=[u.pk for u in units])
    as_of = today or timezone.localdate()
    grids = tuple(build_grid(d, units, span, reports.get(d.pk, {}), as_of) for d in datasets)
    return Completeness(query.root, query.year, span, as_of, grids)


def reporting_counts(
    dataset_codes: Iterable[str],
    units: Sequence[OrgUnit],
    span: Period,
    root: OrgUnit | None = None,
) -> dict[str, ReportCounts]:
    """Per data set code, the expected, received and on-time reports of each of ``units`` (in
    order) over ``span``: the figures ``R{DATASET.METRIC}`` scores. Two queries, whatever the
    number of units; a code with no data set is left out (the scheme would not compile)."""
    datasets = list(DataSet.objects.filter(code__in=sorted(set(dataset_codes))))
    submissions = Submission.objects.all()
    if root is not None:
        submissions = submissions.filter(unit__path__startswith=root.path)
    reports = read_reports(datasets, span, submissions, unit_ids=[u.pk for u in units])
    return {d.code: report_counts(d, units, span, reports.get(d.pk, {})) for d in datasets}
