"""Reading what a person types for a push: a unit code and the start and end of the range.

A bound is a date (``2026-01-01``) or a DHIS2 period code (``2026``, ``2026Q1``, ``202601``,
``2026Oct``): a period as the start stands for its first day, as the end for its last.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from kaohe.engine.periods import PeriodError, parse_period
from kaohe.orgunits.models import OrgUnit

from .push import PushError

__all__ = ["parse_bound", "unit_by_code"]


def parse_bound(text: str | None, *, end: bool, field: str) -> date | None:
    """The date ``text`` stands for (None when empty); raises :class:`PushError` on ``field``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        period = parse_period(text)
    except PeriodError:
        raise PushError(
            field,
            _(
                "“{text}”既不是日期（YYYY-MM-DD）也不是 DHIS2 期间代码（如 2026、2026Q1、202601）"
                " / “{text}” is neither a date (YYYY-MM-DD) nor a DHIS2 period code (such as "
                "2026, 2026Q1, 202601)"
            ).format(text=text),
        ) from None
    return period.end if end else period.start


def unit_by_code(code: str, field: str = "township") -> OrgUnit:
    """The unit with this code; raises :class:`PushError` on ``field`` when there is none."""
    unit = OrgUnit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise PushError(
            field, _("没有代码为 {code} 的单位 / no unit with code {code}").format(code=code)
        )
    return unit
