from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatavaluesConfig(AppConfig):
    name = "kaohe.datavalues"
    verbose_name = _("数据值")
