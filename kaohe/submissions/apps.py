from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "kaohe.submissions"
    verbose_name = _("报送与审核")
