from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "kaohe.checks"
    verbose_name = _("数据核查")
