"""The one place that decides who may see and touch what.

Every list, detail, export and API endpoint filters through :func:`restrict`. Until roles
scoped to organisation-unit subtrees arrive, staff and superusers see everything and any other
user sees nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

READ = "view"
CHANGE = "change"


def can_read_all(user: Any) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def may_change(user: Any) -> bool:
    """Whether ``user`` may run assessments and change configuration (superusers for now)."""
    return bool(user and user.is_authenticated and user.is_superuser)


def restrict(queryset: QuerySet[M], user: Any, action: str = READ) -> QuerySet[M]:
    """``queryset`` narrowed to the rows ``user`` may ``action``."""
    if can_read_all(user) and (action == READ or may_change(user)):
        return queryset
    return queryset.none()
