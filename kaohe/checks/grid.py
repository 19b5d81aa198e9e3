"""The entry grid of one source, element, period and township: one row per unit the source is
about, with the figure stored for it.

Who sees which rows: the units under the township that the person may see, or whose figures of
this source they may enter (a department's members, :mod:`kaohe.checks.reach`). A row is
editable where they may enter the figure. The checks of what is typed are the services'
(:mod:`kaohe.checks.services`); the grid only carries their refusals back to the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.core.access import VIEW, restrict, scope_of
from kaohe.datavalues.importing import format_value
from kaohe.elements.models import DataElement
from kaohe.engine.periods import Period
from kaohe.orgunits.models import OrgUnit, UnitKind

from .errors import CheckError, NotFound
from .models import Source, SourceValue
from .reach import entry_reach
from .selectors import under_path
from .services import check_period

__all__ = ["Grid", "GridRow", "open_grid", "township_choices", "visible_sources"]


@dataclass
class GridRow:
    """One unit's cell: what is stored, what was typed (``text``/``comment``), and any
    refusal (``error``, about ``error_field``)."""

    unit: OrgUnit
    stored: SourceValue | None
    editable: bool
    text: str = ""
    comment: str = ""
    error: str = ""
    error_field: str = ""
    saved: bool = False

    def __post_init__(self) -> None:
        if self.stored is not None and not self.text:
            self.text = format_value(self.stored.value)
            self.comment = self.stored.comment

    @property
    def original(self) -> str:
        return format_value(self.stored.value) if self.stored is not None else ""

    @property
    def original_comment(self) -> str:
        return self.stored.comment if self.stored is not None else ""

    @property
    def dom_id(self) -> str:
        return f"row-{self.unit.code}"


@dataclass
class Grid:
    source: Source
    element: DataElement
    period: Period
    township: OrgUnit
    rows: list[GridRow] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return any(row.editable for row in self.rows)

    def row(self, code: str) -> GridRow | None:
        return next((r for r in self.rows if r.unit.code == code), None)


def visible_sources(user: Any | None) -> QuerySet[Source]:
    """The sources (configuration) ``user`` may read."""
    sources = Source.objects.prefetch_related("elements").order_by("sort_order", "code")
    return sources if user is None else restrict(sources, user, VIEW)


def township_choices(user: Any | None) -> list[OrgUnit]:
    """The townships (and counties) ``user`` sees, and those whose units they feed."""
    units = OrgUnit.objects.filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.COUNTY])
    if user is None:
        return list(units.order_by("path"))
    seen = restrict(units, user, VIEW)
    fed = {p for paths in entry_reach(user).by_department_kind.values() for p in paths}
    return list(
        OrgUnit.objects.filter(Q(pk__in=seen.values("pk")) | Q(path__in=sorted(fed))).order_by(
            "path"
        )
    )


def _township(code: str, source: Source, user: Any | None) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=(code or "").strip()).first()
    reach = entry_reach(user)
    if unit is not None and (
        user is None
        or scope_of(user).covers(VIEW, unit.path)
        or any(p.startswith(unit.path) or unit.path.startswith(p) for p in reach.paths_for(source))
    ):
        return unit
    raise NotFound(
        "township",
        _("未知或无权查看的单位 {code} / unknown unit {code}, or not one you may see").format(
            code=code or "—"
        ),
    )


def open_grid(user: Any | None, *, source: str, element: str, period: str, township: str) -> Grid:
    """The grid asked for, or :class:`CheckError` naming the field that is wrong."""
    found = visible_sources(user).filter(code=(source or "").strip()).first()
    if found is None:
        raise CheckError(
            "source",
            _("未知的核查来源 {code} / unknown source {code}").format(code=source or "—"),
        )
    counted = {e.code: e for e in found.elements.all()}
    if (element or "").strip() not in counted:
        raise CheckError(
            "element",
            _("{source} 不统计 {element} / {source} does not count {element}").format(
                source=found.code, element=element or "—"
            ),
        )
    parsed = check_period(found, (period or "").strip(), timezone.localdate())
    root = _township(township, found, user)
    reach = entry_reach(user)
    units = OrgUnit.objects.filter(under_path("path", root.path), kind__in=list(found.unit_kinds))
    units = units.filter(Q(opening_date__isnull=True) | Q(opening_date__lte=parsed.end))
    units = units.filter(Q(closed_date__isnull=True) | Q(closed_date__gte=parsed.start))
    scope = scope_of(user) if user is not None else None
    rows_units = [
        u
        for u in units.order_by("path")
        if scope is None or scope.covers(VIEW, u.path) or reach.allows(found, u)
    ]
    stored = {
        v.unit_id: v
        for v in SourceValue.objects.filter(
            source=found,
            element=counted[element.strip()],
            period__code=parsed.code,
            unit__in=rows_units,
        )
    }
    rows = [GridRow(u, stored.get(u.pk), reach.allows(found, u)) for u in rows_units]
    return Grid(found, counted[element.strip()], parsed, root, rows)
