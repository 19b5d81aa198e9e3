"""Template context every page needs: what the signed-in user may open (for the navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import ADMIN, may_read_audit, scope_of


def access(request: HttpRequest) -> dict[str, Any]:
    """``can_read_audit`` and ``can_manage_roles`` for the navigation bar; the pages themselves
    check again."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    scope = scope_of(user) if signed_in else None
    return {
        "can_read_audit": bool(signed_in and may_read_audit(user)),
        "can_manage_roles": bool(scope and (scope.everything or scope.paths(ADMIN))),
    }
