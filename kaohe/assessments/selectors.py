"""Reading a run's results for pages and downloads (access decisions stay in kaohe.core.access)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from kaohe.core.access import VIEW, can_read_all, may
from kaohe.schemes.models import Indicator

from .models import AreaIndicatorValue, AssessmentRun


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
