from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _resolve_on_publication(sender: Any, run: Any, actor: Any = None, **kwargs: Any) -> None:
    """A published run that replaces an appealed one resolves the appeals accepted on it."""
    from .services import resolve_appeals_for

    resolve_appeals_for(run, actor)


class AppealsConfig(AppConfig):
    name = "kaohe.appeals"
    verbose_name = _("结果申诉")

    def ready(self) -> None:
        from kaohe.assessments.signals import run_published

        run_published.connect(_resolve_on_publication, dispatch_uid="appeals.resolve")
