"""The authentication backend: Django's own, refusing user names locked out by throttling.

Every password login goes through ``django.contrib.auth.authenticate`` (the login page, the
admin site), so refusing here covers all of them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .services import refuse_if_locked


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if name:
            # LoginLocked is a PermissionDenied: authenticate() stops trying other backends and
            # sends user_login_failed.
            refuse_if_locked(request, str(name))
        return super().authenticate(request, username=username, password=password, **kwargs)
