from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElementsConfig(AppConfig):
    name = "kaohe.elements"
    verbose_name = _("数据元素与数据集")
