"""Template context every page needs: what the signed-in user may open (for the navigation)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .access import may_read_audit


def access(request: HttpRequest) -> dict[str, Any]:
    """``can_read_audit`` for the navigation bar; the pages themselves check again."""
    user = getattr(request, "user", None)
    return {
        "can_read_audit": bool(user is not None and user.is_authenticated and may_read_audit(user))
    }
