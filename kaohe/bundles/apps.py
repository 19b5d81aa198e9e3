from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BundlesConfig(AppConfig):
    name = "kaohe.bundles"
    verbose_name = _("配置包")
