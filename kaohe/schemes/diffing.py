"""What differs between two scheme versions: one plain row per changed value.

The scheme's own fields, then its constants, items, vetoes, grades and the units' targets, each
matched by code. A row added or removed as a whole is one row with an empty ``field``; its
missing side is ``None``. Fields of a version's life (status, publication, hash, creation time,
the version number) are not content and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models

from kaohe.core.access import restrict

from .models import Constant, GradeBand, Scheme, ScoringItem, UnitTarget, Veto
from .versions import content_fields

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class DiffRow:
    """One difference: ``part`` is scheme, constants, items, vetoes, grades or targets."""

    part: str
    code: str
    field: str
    a: Any
    b: Any

    @property
    def change(self) -> str:
        if self.a is None and not self.field:
            return ADDED
        if self.b is None and not self.field:
            return REMOVED
        return CHANGED

    def as_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "code": self.code,
            "field": self.field,
            "change": self.change,
            "a": self.a,
            "b": self.b,
        }


def shown_value(value: Any) -> str:
    """A compared value as a table cell: ``—`` for a missing side, JSON for lists and mappings."""
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _rows(model: type[models.Model], scheme: Scheme, names: list[str]) -> dict[str, dict[str, Any]]:
    rows = model._default_manager.filter(scheme=scheme)  # type: ignore[attr-defined]
    return {row.code: {name: getattr(row, name) for name in names} for row in rows}


def _targets(scheme: Scheme, user: Any) -> dict[str, dict[str, Any]]:
    rows = UnitTarget.objects.filter(item__scheme=scheme)
    if user is not None:
        rows = restrict(rows, user)  # a unit's target is seen by whoever sees the unit
    rows = rows.values_list("item__code", "unit__code", "year", "value")
    return {f"{item}/{unit}/{year}": {"value": value} for item, unit, year, value in rows}


def _compare(
    part: str, a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]], summary: str
) -> Iterable[DiffRow]:
    for code in sorted(a.keys() | b.keys()):
        if code not in b:
            yield DiffRow(part, code, "", a[code].get(summary, code), None)
        elif code not in a:
            yield DiffRow(part, code, "", None, b[code].get(summary, code))
        else:
            for name, value in a[code].items():
                if b[code].get(name) != value:
                    yield DiffRow(part, code, name, value, b[code].get(name))


def diff_schemes(a: Scheme, b: Scheme, user: Any = None) -> list[DiffRow]:
    """Every difference between versions ``a`` and ``b`` (empty when their content is equal).

    With ``user``, the units' targets compared are those of the units the user may see.
    """
    rows = [
        DiffRow("scheme", "", name, getattr(a, name), getattr(b, name))
        for name in content_fields(Scheme)
        if getattr(a, name) != getattr(b, name)
    ]
    for part, model, summary in (
        ("constants", Constant, "value"),
        ("items", ScoringItem, "name"),
        ("vetoes", Veto, "name"),
        ("grades", GradeBand, "name"),
    ):
        names = [n for n in content_fields(model) if n != "code"]
        rows += _compare(part, _rows(model, a, names), _rows(model, b, names), summary)
    rows += _compare("targets", _targets(a, user), _targets(b, user), "value")
    return rows
