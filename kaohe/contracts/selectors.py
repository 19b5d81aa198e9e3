"""Reading contracts for the pages and the API, always through :mod:`kaohe.core.access`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import get_language

from kaohe.core.access import restrict
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.schemes.models import Scheme, SchemeStatus, ScoringItem

from .models import Contract, ContractStatus


def units_of(scheme: Scheme, township: OrgUnit) -> list[OrgUnit]:
    """The units under ``township`` that ``scheme`` assesses, in tree order."""
    return list(
        OrgUnit.objects.subtree(township, include_root=False)
        .filter(kind__in=list(scheme.unit_kinds))
        .order_by("path")
    )


def unsigned(scheme: Scheme, year: int, township: OrgUnit) -> list[OrgUnit]:
    """The units of ``township`` assessed by ``scheme`` that have no signed contract for ``year``."""
    signed = Contract.objects.filter(
        scheme=scheme, year=year, unit=OuterRef("pk"), status=ContractStatus.SIGNED
    )
    ids = {u.pk for u in units_of(scheme, township)}
    return list(OrgUnit.objects.filter(pk__in=ids).exclude(Exists(signed)).order_by("path"))


def visible_contracts(user: Any) -> QuerySet[Contract]:
    return restrict(Contract.objects.select_related("scheme", "unit", "unit__parent"), user)


def published_schemes(user: Any) -> QuerySet[Scheme]:
    """The published schemes (contracts are made from these only) the user may read."""
    return restrict(Scheme.objects.filter(status=SchemeStatus.PUBLISHED), user).order_by(
        "code", "-version"
    )


def townships_for(user: Any) -> QuerySet[OrgUnit]:
    """The townships the user sees, and those of the units they see (a reporter's village's
    township, so they can find their own contract)."""
    visible = restrict(OrgUnit.objects.all(), user)
    return OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP).filter(
        Q(pk__in=visible.values("pk")) | Q(pk__in=visible.values("parent_id"))
    )


def in_page_language(message: str) -> str:
    """One half of a bilingual service message ("中文 / English"), in the page's language."""
    chinese, sep, english = message.partition(" / ")
    if not sep:
        return message
    return english.strip() if (get_language() or "").startswith("en") else chinese.strip()


def versions_of(contract: Contract, user: Any) -> list[Contract]:
    """Every version of the contract's unit, scheme and year, oldest first."""
    return list(
        visible_contracts(user)
        .filter(scheme=contract.scheme, unit=contract.unit, year=contract.year)
        .order_by("version")
    )


@dataclass
class UnitRow:
    unit: OrgUnit
    contract: Contract | None

    @property
    def signed(self) -> bool:
        return self.contract is not None and self.contract.status == ContractStatus.SIGNED


@dataclass
class Overview:
    """The table of ``/contracts/``: each unit of the township the user sees, with its
    contract in force (or draft), and the counts above it."""

    scheme: Scheme
    year: int
    township: OrgUnit
    rows: list[UnitRow] = field(default_factory=list)

    @property
    def signed(self) -> int:
        return sum(1 for row in self.rows if row.signed)

    @property
    def unsigned(self) -> int:
        return len(self.rows) - self.signed

    @property
    def kind_label(self) -> str:
        kinds = {row.unit.kind for row in self.rows}
        if len(kinds) == 1:
            return str(UnitKind(kinds.pop()).label)
        return ""


def overview(scheme: Scheme, year: int, township: OrgUnit, user: Any) -> Overview:
    seen = set(restrict(OrgUnit.objects.all(), user).values_list("pk", flat=True))
    units = [u for u in units_of(scheme, township) if u.pk in seen]
    current: dict[int, Contract] = {}
    for contract in (
        visible_contracts(user)
        .filter(scheme=scheme, year=year, unit__in=units)
        .exclude(status=ContractStatus.SUPERSEDED)
        .order_by("version")
    ):
        current[contract.unit_id] = contract  # the latest version wins
    return Overview(
        scheme=scheme,
        year=year,
        township=township,
        rows=[UnitRow(unit=u, contract=current.get(u.pk)) for u in units],
    )


@dataclass
class TargetRow:
    """One line of the targets grid: the item, its group heading, the target as stored, and
    what was typed with its problem after a refused save."""

    item: ScoringItem
    group: str
    value: float | None
    text: str = ""
    error: str = ""
    saved: bool = False

    @property
    def shown(self) -> str:
        if self.text or self.error:
            return self.text
        return "" if self.value is None else f"{self.value:g}"


def target_rows(contract: Contract) -> list[TargetRow]:
    stored = {t.item_id: t.value for t in contract.targets.all()}
    tracks = {
        str(t.get("code")): str(t.get("name") or t.get("code"))
        for t in contract.scheme.tracks or []
        if isinstance(t, dict)
    }
    rows = []
    for item in contract.scheme.items.order_by("sort_order", "code"):
        group = " · ".join(p for p in (tracks.get(item.track, item.track), item.section) if p)
        rows.append(TargetRow(item=item, group=group, value=stored.get(item.pk)))
    return rows
