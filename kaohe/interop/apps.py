from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "kaohe.interop"
    verbose_name = _("数据交换")
