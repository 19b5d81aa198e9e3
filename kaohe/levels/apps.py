from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LevelsConfig(AppConfig):
    name = "kaohe.levels"
    verbose_name = _("上报与汇总")
