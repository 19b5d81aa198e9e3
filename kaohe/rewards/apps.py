from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "kaohe.rewards"
    verbose_name = _("奖惩兑现")

    def ready(self) -> None:
        # Comparing two runs tells the money that changed too: the ledger reports it.
        from kaohe.assessments.comparing import register_money_provider

        from .comparing import money_between

        register_money_provider(money_between)
