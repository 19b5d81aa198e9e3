"""The login form: Django's, telling a locked-out user to wait instead of trying again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import LoginLocked, refuse_if_locked


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("登录失败次数过多，请 {minutes} 分钟后再试。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            # Checked here as well as in the backend so that the page can say why.
            try:
                refuse_if_locked(self.request, username)
            except LoginLocked as locked:
                raise ValidationError(
                    str(self.error_messages["locked"]).format(minutes=locked.minutes_left),
                    code="locked",
                ) from None
        return super().clean()
