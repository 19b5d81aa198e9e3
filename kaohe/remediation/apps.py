from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "kaohe.remediation"
    verbose_name = _("帮促转化")
