"""Who may enter which source's figures, about which units.

:mod:`kaohe.core.access` decides who sees a cross-check figure (whoever sees the unit it is
about) and lets the township's administrators (and system administrators) change it. One more
kind of person enters figures here: the members of a department named by a source's
``department_kind`` (the hospital's staff for the hospital's feed): a unit kind (every
department unit of that kind) or one unit's code (that department alone). They enter that source's
figures, and only that source's, about the units of the township their department belongs to;
they see those figures too (not the villages' own reports). "Members" are the users who hold a
role that enters figures (township administrator or reporter) on the department's unit.

The console acts for whoever runs it and reaches everything (``user`` None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact

from kaohe.accounts.models import Membership
from kaohe.core.access import ADMIN, CHANGE, ROLES_FOR, scope_of
from kaohe.orgunits.models import OrgUnit, UnitKind

from .models import Source

_CACHE_ATTRIBUTE = "_kaohe_checks_reach"


@dataclass(frozen=True)
class EntryReach:
    """Where one person may enter cross-check figures.

    ``everything``: system administrators and the console. ``admin_paths``: the subtrees they
    administer (any source). ``by_department_kind``: for each department kind they are a
    member of, the paths of the townships those departments belong to (that kind's sources).
    """

    everything: bool = False
    admin_paths: tuple[str, ...] = ()
    by_department_kind: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def anything(self) -> bool:
        """Whether the person may enter any cross-check figure at all."""
        return self.everything or bool(self.admin_paths) or bool(self.by_department_kind)

    def paths_for(self, source: Source) -> tuple[str, ...]:
        """The subtrees where ``source``'s figures may be entered (empty for everything: ask
        :attr:`everything` first)."""
        fed = (
            self.by_department_kind.get(source.department_kind, ())
            if source.department_kind
            else ()
        )
        return (*self.admin_paths, *fed)

    def allows(self, source: Source, unit: OrgUnit) -> bool:
        """Whether ``source``'s figure about ``unit`` may be entered (the unit's kind is checked
        by the services, not here)."""
        return self.everything or any(unit.path.startswith(p) for p in self.paths_for(source))

    def fed_condition(self, prefix: str = "") -> Q | None:
        """Rows of the sources this person feeds as a department member, about units of their
        township (``prefix`` leads to the SourceValue: "" on SourceValue itself)."""
        condition: Q | None = None
        for kind, paths in self.by_department_kind.items():
            for path in paths:
                lookup = f"{prefix}unit__path"
                same_case = Exact(Substr(F(lookup), 1, len(path)), Value(path))
                one = (
                    Q(**{f"{prefix}source__department_kind": kind})
                    & Q(**{f"{lookup}__startswith": path})
                    & Q(same_case)
                )
                condition = one if condition is None else condition | one
        return condition


EVERYWHERE = EntryReach(everything=True)
NOWHERE = EntryReach()


def _township_path(path: str, townships: Mapping[str, str]) -> str:
    """The path of the deepest township above (or at) ``path``; without one, the parent's."""
    parts = [p for p in path.split("/") if p]
    for depth in range(len(parts), 0, -1):
        prefix = "/" + "/".join(parts[:depth]) + "/"
        if prefix in townships:
            return prefix
    return "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else path


def entry_reach(user: Any | None) -> EntryReach:
    """Where ``user`` may enter cross-check figures (``None``: the console, everywhere); read
    once and kept on the user object for the request."""
    if user is None:
        return EVERYWHERE
    scope = scope_of(user)
    if scope.everything:
        return EVERYWHERE
    if not scope.has_role:
        return NOWHERE
    # Kept with the scope it was read under: forget_scope() (roles changed) drops both.
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if isinstance(cached, tuple) and cached[0] is scope:
        reach: EntryReach = cached[1]
        return reach
    kinds = set(
        Source.objects.exclude(department_kind="").values_list("department_kind", flat=True)
    )
    departments: list[tuple[str, str, str]] = []
    if kinds:
        departments = list(
            Membership.objects.filter(user=user, role__in=sorted(ROLES_FOR[CHANGE]))
            .filter(Q(unit__kind__in=sorted(kinds)) | Q(unit__code__in=sorted(kinds)))
            .values_list("unit__kind", "unit__code", "unit__path")
        )
    by_kind: dict[str, set[str]] = {}
    if departments:
        prefixes = {
            "/" + "/".join(parts[:depth]) + "/"
            for _kind, _code, path in departments
            for parts in [[p for p in path.split("/") if p]]
            for depth in range(1, len(parts) + 1)
        }
        townships = dict(
            OrgUnit.objects.filter(path__in=sorted(prefixes), kind=UnitKind.TOWNSHIP).values_list(
                "path", "code"
            )
        )
        for kind, code, path in departments:
            for key in {kind, code} & kinds:
                by_kind.setdefault(key, set()).add(_township_path(path, townships))
    reach = EntryReach(
        everything=False,
        admin_paths=scope.paths(ADMIN),
        by_department_kind={kind: tuple(sorted(paths)) for kind, paths in by_kind.items()},
    )
    setattr(user, _CACHE_ATTRIBUTE, (scope, reach))
    return reach
