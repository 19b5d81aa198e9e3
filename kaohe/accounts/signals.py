"""Logins, failed logins and logouts go into the audit log, with the client address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="kaohe.accounts.login")
def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.record_login(request, user)


@receiver(user_login_failed, dispatch_uid="kaohe.accounts.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    field = get_user_model().USERNAME_FIELD
    username = credentials.get(field) or credentials.get("username") or ""
    services.record_login_failure(request, str(username))


@receiver(user_logged_out, dispatch_uid="kaohe.accounts.logout")
def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        services.record_logout(request, user)
