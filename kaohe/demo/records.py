"""What the demo generator returns: units, officials and aggregate figures as plain records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    sort_order: int


@dataclass(frozen=True)
class DemoOfficial:
    code: str
    name: str
    role: str
    unit: str


@dataclass(frozen=True)
class DemoValue:
    """One aggregate figure: a data element of a unit in a DHIS2 period."""

    element: str
    period: str
    unit: str
    value: int


@dataclass(frozen=True)
class DemoSourceValue:
    """One figure another source found about a unit (a hospital feed, a spot check)."""

    source: str
    element: str
    period: str
    unit: str
    value: int
