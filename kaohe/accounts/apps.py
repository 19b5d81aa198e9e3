from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kaohe.accounts"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        # Connects the login, failed-login and logout receivers (audit rows and throttling).
        from . import signals  # noqa: F401
