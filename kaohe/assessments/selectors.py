"""Reading a run's results for pages and downloads (access decisions stay in kaohe.core.access)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from kaohe.core.access import VIEW, can_read_all, may, restrict
from kaohe.schemes.models import Indicator

from .models import AreaIndicatorValue, AssessmentRun, RunStatus


def sees_whole_run(user: Any, run: AssessmentRun) -> bool:
    """Whether ``user`` may see every unit the run assessed: the run's area figures sum them
    all, so a reporter (who sees only their own unit's row) must not see those."""
    if run.root is None:
        return can_read_all(user)
    return may(user, VIEW, run.root)


def area_indicators(run: AssessmentRun) -> QuerySet[AreaIndicatorValue]:
    """The run's area indicators with their names, unit labels and decimals (one query)."""
    indicator = Indicator.objects.filter(code=OuterRef("indicator_code"))
    return run.area_indicator_values.annotate(
        name=Subquery(indicator.values("name")[:1]),
        name_en=Subquery(indicator.values("name_en")[:1]),
        unit_label=Subquery(indicator.values("unit")[:1]),
        decimals=Subquery(indicator.values("decimals")[:1]),
    ).order_by("sort_order")


def related_runs(run: AssessmentRun, user: Any) -> list[AssessmentRun]:
    """The other runs of the same results (scheme code, year and scope) that ``user`` may see,
    newest first (one query): where the page finds the published run, the run that replaced
    this one, and the runs to compare it with."""
    same = AssessmentRun.objects.filter(scheme__code=run.scheme.code, year=run.year)
    same = same.filter(root__isnull=True) if run.root_id is None else same.filter(root=run.root_id)
    return list(
        restrict(same.exclude(pk=run.pk).select_related("scheme"), user).order_by(
            "-created_at", "-id"
        )
    )


def current_published(run: AssessmentRun, related: list[AssessmentRun]) -> AssessmentRun | None:
    """The published run among ``run`` and its related runs (as :func:`related_runs` gives
    them), or ``None``."""
    if run.status == RunStatus.PUBLISHED:
        return run
    published = [r for r in related if r.status == RunStatus.PUBLISHED]
    return max(published, key=lambda r: (r.published_at, r.pk)) if published else None
