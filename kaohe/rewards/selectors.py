"""Reading the ledger for pages, downloads, the API and the console, through the access check.

Totals are added up in Python from the entries' Decimal amounts (never in SQL, where SQLite
would add floats), so every total reconciles with its entries to the fen:

* ``net``: every entry, reversals and counter-entries included: what the unit or person is
  owed (positive) or owes (negative) in the end;
* ``settled``: the entries paid out or collected (those with a payment date, including ones
  reversed later);
* ``outstanding``: the entries still to settle (computed or approved).

For every group ``net == settled + outstanding``: a reversed pair that was never paid counts
in neither, a paid entry reversed later is settled and its counter-entry outstanding until it
is collected back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, RunStatus, UnitResult
from kaohe.contracts.models import ContractSignatory
from kaohe.contracts.roles import proposed_signatories
from kaohe.core.access import restrict
from kaohe.orgunits.models import OfficialRole

from .models import EntryStatus, LedgerEntry, MoneyKind

ZERO = Decimal("0.00")
OPEN = (EntryStatus.COMPUTED, EntryStatus.APPROVED)
GROUPS = ("unit", "person", "kind")
FILTERS = ("unit", "person", "kind", "status")


def money_runs(user: Any) -> QuerySet[AssessmentRun]:
    """The published runs (and the superseded ones, whose money may still be settled) the
    user may see, newest first."""
    runs = AssessmentRun.objects.filter(
        Q(status=RunStatus.PUBLISHED) | Q(status=RunStatus.SUPERSEDED, published_at__isnull=False)
    ).select_related("scheme", "root")
    return restrict(runs, user).order_by("-year", "-published_at", "-id")


def visible_run(user: Any, run_id: int | str) -> AssessmentRun | None:
    """A run the user may see, or None."""
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        return None
    found = restrict(AssessmentRun.objects.select_related("scheme", "root"), user)
    return found.filter(pk=pk).first()


def visible_entries(user: Any, run: AssessmentRun | None = None) -> QuerySet[LedgerEntry]:
    """The entries the user may see (of ``run``), in ledger order."""
    entries = LedgerEntry.objects.select_related("unit", "person", "run", "reverses")
    if run is not None:
        entries = entries.filter(run=run)
    return restrict(entries, user).order_by("run_id", "unit__path", "sort_order", "id")


def filtered(entries: QuerySet[LedgerEntry], params: Mapping[str, Any]) -> QuerySet[LedgerEntry]:
    """Narrowed by ``unit`` (code), ``person`` (official code, or ``-`` for the units'
    own entries), ``kind`` and ``status``; blank values are ignored."""
    unit = str(params.get("unit") or "").strip()
    person = str(params.get("person") or "").strip()
    kind = str(params.get("kind") or "").strip()
    status = str(params.get("status") or "").strip()
    if unit:
        entries = entries.filter(unit__code=unit)
    if person == "-":
        entries = entries.filter(person__isnull=True)
    elif person:
        entries = entries.filter(person__code=person)
    if kind:
        entries = entries.filter(kind=kind)
    if status:
        entries = entries.filter(status=status)
    return entries


def role_label(role: str) -> str:
    """The name of a role code in the page's language (``unit``: the unit itself)."""
    if role in ("", "unit"):
        return _("单位")
    if role in OfficialRole.values:
        return str(OfficialRole(role).label)
    return role


@dataclass
class Total:
    """The sums of one group of entries."""

    key: str
    label: str
    count: int = 0
    net: Decimal = ZERO
    settled: Decimal = ZERO
    outstanding: Decimal = ZERO

    def add(self, entry: LedgerEntry) -> None:
        self.count += 1
        self.net += entry.amount
        if entry.paid_on is not None:
            self.settled += entry.amount
        if entry.status in OPEN:
            self.outstanding += entry.amount


@dataclass
class Totals:
    """Totals by unit, by person (the units' own entries under each unit) and by kind, and
    the grand total; each list in the order its first entry appears in the ledger."""

    by_unit: list[Total] = field(default_factory=list)
    by_person: list[Total] = field(default_factory=list)
    by_kind: list[Total] = field(default_factory=list)
    all: Total = field(default_factory=lambda: Total("all", ""))

    def of(self, group: str) -> list[Total]:
        return {"unit": self.by_unit, "person": self.by_person, "kind": self.by_kind}[group]


def _person_key(entry: LedgerEntry) -> tuple[str, str]:
    if entry.person is None:
        return f"unit:{entry.unit.code}", _("{unit}（单位）").format(unit=entry.unit.name)
    return entry.person.code, f"{entry.person.name}（{entry.unit.name}）"


def totals(entries: Iterable[LedgerEntry]) -> Totals:
    """The totals of ``entries`` (already narrowed to what the user may see)."""
    result = Totals(all=Total("all", _("合计")))
    units: dict[str, Total] = {}
    persons: dict[str, Total] = {}
    kinds: dict[str, Total] = {}
    labels = dict(MoneyKind.choices)
    for entry in entries:
        unit = units.get(entry.unit.code)
        if unit is None:
            unit = units[entry.unit.code] = Total(entry.unit.code, entry.unit.name)
            result.by_unit.append(unit)
        key, label = _person_key(entry)
        person = persons.get(key)
        if person is None:
            person = persons[key] = Total(key, label)
            result.by_person.append(person)
        kind = kinds.get(entry.kind)
        if kind is None:
            kind = kinds[entry.kind] = Total(entry.kind, str(labels.get(entry.kind, entry.kind)))
            result.by_kind.append(kind)
        for total in (unit, person, kind, result.all):
            total.add(entry)
    return result


# --- veto consequences -----------------------------------------------------------------------


@dataclass(frozen=True)
class VetoOfficial:
    code: str
    name: str
    role: str  # the label signed with (or the scheme's label when no contract was signed)


@dataclass(frozen=True)
class VetoFired:
    code: str
    name: str
    consequences: tuple[str, ...]


@dataclass(frozen=True)
class VetoRow:
    """A vetoed unit of a published run: the vetoes fired with their consequences, the
    officials they fall on, and the year they apply to (the year after the one assessed)."""

    result: UnitResult
    vetoes: tuple[VetoFired, ...]
    officials: tuple[VetoOfficial, ...]
    signed: bool  # False: no signed contract, the unit's officials the scheme lists instead
    applies_to: int

    @property
    def consequences(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for v in self.vetoes for c in v.consequences))


def veto_consequences(user: Any, run: AssessmentRun, *, everything: bool = False) -> list[VetoRow]:
    """For each vetoed unit of ``run`` the user may see: its officials (the signatories of
    the contract scored) and the consequences of the vetoes it fell under, for the
    personnel office. A run never published has none: its results are not final.
    ``everything``: every unit, for the console (which acts for whoever runs it)."""
    if run.published_at is None:
        return []
    vetoed = UnitResult.objects.filter(run=run, vetoed=True)
    results = list(
        (vetoed if everything else restrict(vetoed, user))
        .select_related("unit")
        .order_by("kind", "rank", "unit__path")
    )
    vetoes = {v.code: v for v in run.scheme.vetoes.all()}
    contracts = [r.contract_id for r in results if r.contract_id]
    signatories: dict[int, list[VetoOfficial]] = {}
    for s in (
        ContractSignatory.objects.filter(contract_id__in=contracts)
        .select_related("official")
        .order_by("contract_id", "pk")
    ):
        signatories.setdefault(s.contract_id, []).append(
            VetoOfficial(s.official.code, s.official.name, s.role)
        )
    rows = []
    for result in results:
        fired = []
        for code in result.vetoes:
            veto = vetoes.get(str(code))
            texts = tuple(str(t) for t in (veto.consequences or [])) if veto else ()
            fired.append(VetoFired(str(code), veto.name if veto else str(code), texts))
        signed = result.contract_id is not None
        if signed:
            officials = tuple(signatories.get(result.contract_id, []))  # type: ignore[arg-type]
        else:
            officials = tuple(
                VetoOfficial(o.code, o.name, label)
                for o, label in proposed_signatories(run.scheme, result.unit_id)
            )
        rows.append(VetoRow(result, tuple(fired), officials, signed, run.year + 1))
    return rows


def veto_lines(rows: Iterable[VetoRow]) -> list[list[Any]]:
    """The list flattened for a table: one line per official (a unit without any: one line)."""
    lines: list[list[Any]] = []
    for row in rows:
        vetoes = "、".join(v.name for v in row.vetoes)
        consequences = "；".join(row.consequences)
        people = row.officials or (VetoOfficial("", "", ""),)
        for official in people:
            lines.append(
                [
                    row.result.unit.code,
                    row.result.unit.name,
                    official.code,
                    official.name,
                    official.role,
                    vetoes,
                    consequences,
                    row.applies_to,
                    "" if row.signed else _("无已签订责任书"),
                ]
            )
    return lines
