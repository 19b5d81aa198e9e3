"""Reading designations and plans for the pages, the API and the console, always through
:mod:`kaohe.core.access` where a person asks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.core.access import ADMIN, restrict
from kaohe.orgunits.models import Official

from .models import ACTIVE_PLAN, Designation, RemediationPlan
from .plans import township_of


def visible_designations(user: Any) -> QuerySet[Designation]:
    """The designations in force (not withdrawn) of the units the user sees."""
    rows = Designation.objects.filter(revoked_at__isnull=True).select_related(
        "unit", "unit__parent", "run", "plan", "plan__leader"
    )
    return restrict(rows, user)


def visible_plans(user: Any) -> QuerySet[RemediationPlan]:
    rows = RemediationPlan.objects.select_related(
        "designation",
        "designation__unit",
        "designation__unit__parent",
        "designation__run",
        "leader",
    )
    return restrict(rows, user)


def overdue_plans(
    plans: QuerySet[RemediationPlan], today: datetime.date
) -> QuerySet[RemediationPlan]:
    """Of ``plans``, those in force whose deadline has passed, oldest deadline first."""
    return plans.filter(
        status__in=ACTIVE_PLAN, deadline__lt=today, designation__revoked_at__isnull=True
    ).order_by("deadline", "designation__unit__path")


def designatable_runs(user: Any) -> QuerySet[AssessmentRun]:
    """The published runs the user may designate from (they may run assessments over them)."""
    runs = AssessmentRun.objects.filter(status=RunStatus.PUBLISHED).select_related("scheme", "root")
    return restrict(runs, user, ADMIN).order_by("-year", "scheme__code", "-id")


def plan_candidates(designation: Designation) -> QuerySet[Official]:
    """The serving officials of the designated unit and of its township: who may lead and staff
    its plan."""
    township = township_of(designation.unit)
    units = [designation.unit.pk] + ([township.pk] if township is not None else [])
    return (
        Official.objects.filter(unit_id__in=units, active=True)
        .select_related("unit")
        .order_by("unit__path", "role", "name")
    )


@dataclass
class YearGroup:
    year: int
    rows: list[Designation] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.rows:
            found[row.status] = found.get(row.status, 0) + 1
        return found


def by_year(designations: QuerySet[Designation]) -> list[YearGroup]:
    """The designations grouped by year, newest first, units in tree order."""
    groups: dict[int, YearGroup] = {}
    for row in designations.order_by("-year", "unit__path", "scheme_code"):
        groups.setdefault(row.year, YearGroup(row.year)).rows.append(row)
    return list(groups.values())


def filtered(
    designations: QuerySet[Designation],
    *,
    year: int | None = None,
    status: str = "",
    scheme: str = "",
    township: str = "",
) -> QuerySet[Designation]:
    if year is not None:
        designations = designations.filter(year=year)
    if status:
        designations = designations.filter(status=status)
    if scheme:
        designations = designations.filter(scheme_code=scheme)
    if township:
        designations = designations.filter(unit__path__contains=f"/{township}/")
    return designations
