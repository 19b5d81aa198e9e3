"""Template context every page needs: what the signed-in user may open (for the navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kaohe.accounts.models import Role

from .access import ADMIN, may_read_audit, scope_of

# Roles held over a township or above (a reporter's is over one village, unit or department):
# their holders may open the township's dashboard and documents.
_TOWNSHIP_ROLES = frozenset(
    {Role.SYSTEM_ADMIN, Role.TOWNSHIP_ADMIN, Role.REVIEWER, Role.COUNTY_VIEWER}
)


def access(request: HttpRequest) -> dict[str, Any]:
    """``can_read_audit``, ``can_manage_roles`` and ``can_see_townships`` for the navigation
    bar (no query beyond the user's roles); the pages themselves check again."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    scope = scope_of(user) if signed_in else None
    return {
        "can_read_audit": bool(signed_in and may_read_audit(user)),
        "can_manage_roles": bool(scope and (scope.everything or scope.paths(ADMIN))),
        "can_see_townships": bool(scope and (scope.everything or scope.roles & _TOWNSHIP_ROLES)),
    }
