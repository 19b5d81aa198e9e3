"""What each person may see and start here, all through :mod:`kaohe.core.access`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kaohe.core.access import ADMIN, VIEW, restrict, scope_of
from kaohe.orgunits.models import OrgUnit, UnitKind

from .models import PushBatch, PushLog

__all__ = [
    "AREA_KINDS",
    "exportable_units",
    "may_read_rules",
    "push_roots",
    "visible_batches",
    "visible_pushes",
]

#: The units whose metadata is exported and whose figures are pushed: townships and counties.
AREA_KINDS = (UnitKind.COUNTY, UnitKind.TOWNSHIP)


def exportable_units(user: Any) -> QuerySet[OrgUnit]:
    """Townships and counties whose metadata ``user`` may export (those they see)."""
    units = OrgUnit.objects.filter(kind__in=AREA_KINDS).order_by("path")
    return restrict(units, user, VIEW)


def may_read_rules(user: Any) -> bool:
    """The rules alone (configuration) are read by anyone holding a role."""
    return scope_of(user).has_role


def push_roots(user: Any) -> QuerySet[OrgUnit]:
    """Townships and counties whose approved figures ``user`` may push (those they administer)."""
    units = OrgUnit.objects.filter(kind__in=AREA_KINDS).order_by("path")
    return restrict(units, user, ADMIN)


def visible_pushes(user: Any) -> QuerySet[PushLog]:
    """The push logs of the townships ``user`` sees, newest first."""
    return restrict(PushLog.objects.select_related("township"), user).order_by("-created_at", "-pk")


def visible_batches(user: Any, log: PushLog) -> QuerySet[PushBatch]:
    """The batches of one push, through the same check."""
    return restrict(PushBatch.objects.filter(log=log), user).order_by("index")
