from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "kaohe.contracts"
    verbose_name = _("目标管理责任书")
