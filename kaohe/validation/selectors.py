"""Reading validation runs and results through :mod:`kaohe.core.access`, and narrowing them.

A user sees the runs of the units they see (a township's runs with the township) and, in any
run, the results of the units they see: a village's reporter finds their own village's results
in the township's run. Pages, the API, exports and the command line narrow results the same
way (:func:`filter_results`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet

from kaohe.core.access import REVIEW, restrict
from kaohe.orgunits.models import OrgUnit, UnitKind

from .models import ValidationResult, ValidationRule, ValidationRun

__all__ = [
    "FILTERS",
    "filter_results",
    "latest_run",
    "review_roots",
    "visible_results",
    "visible_rules",
    "visible_runs",
]

#: The names results may be narrowed by, in pages, the API, exports and the command line.
FILTERS = ("rule", "importance", "unit", "period", "status", "follow_up")


def visible_rules(user: Any) -> QuerySet[ValidationRule]:
    return restrict(ValidationRule.objects.select_related("dataset"), user).order_by("code")


def visible_results(user: Any) -> QuerySet[ValidationResult]:
    return restrict(
        ValidationResult.objects.select_related("rule", "unit", "period", "run__township"), user
    ).order_by("unit__path", "period__start_date", "period__end_date", "rule__code")


def visible_runs(user: Any) -> QuerySet[ValidationRun]:
    """The runs of the units the user sees, and the runs holding results they see."""
    own = restrict(ValidationRun.objects.all(), user)
    holding = visible_results(user).values("run_id")
    return (
        ValidationRun.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=holding))
        .select_related("township", "rule")
        .order_by("-created_at", "-pk")
    )


def latest_run(user: Any, township: OrgUnit | None = None, year: int | None = None) -> Any:
    """The user's newest visible run (of that township and year, when given), or ``None``."""
    runs = visible_runs(user)
    if township is not None:
        runs = runs.filter(township=township)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.first()


def review_roots(user: Any) -> QuerySet[OrgUnit]:
    """The townships (and counties) whose figures the user may check in bulk."""
    kinds = [UnitKind.TOWNSHIP, UnitKind.COUNTY]
    return restrict(OrgUnit.objects.filter(kind__in=kinds), user, REVIEW).order_by("path")


def _flag(value: Any) -> bool | None:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return None


def filter_results(
    results: QuerySet[ValidationResult], params: Mapping[str, Any]
) -> QuerySet[ValidationResult]:
    """``results`` narrowed by :data:`FILTERS` given in ``params`` (codes; ``status`` and
    ``importance`` by value; ``follow_up`` true or false); empty or unknown values are
    ignored."""
    if value := params.get("rule"):
        results = results.filter(rule__code=value)
    if value := params.get("importance"):
        results = results.filter(rule__importance=value)
    if value := params.get("unit"):
        results = results.filter(unit__code=value)
    if value := params.get("period"):
        results = results.filter(period__code=value)
    if value := params.get("status"):
        results = results.filter(status=value)
    flag = _flag(params.get("follow_up", ""))
    if flag is not None:
        results = results.filter(follow_up=flag)
    return results
