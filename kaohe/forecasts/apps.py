from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastsConfig(AppConfig):
    name = "kaohe.forecasts"
    verbose_name = _("出生预测")
