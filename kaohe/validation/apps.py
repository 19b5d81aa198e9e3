from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    name = "kaohe.validation"
    verbose_name = _("数据校验")
