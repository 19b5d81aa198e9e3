"""Comparing two runs: which units' totals, grades, ranks and money changed, and why.

For each unit whose results differ, the comparison lists what changed (total, grade, rank,
vetoes, the contract version scored, the money) and the items behind it: those whose actual,
target, weight or score differ. Whether the scheme differs (its content hash) and whether the
inputs differ (the inputs hash) is told for the two runs as a whole.

Money lives in another app (the ledger). It takes part through a provider registered with
:func:`register_money_provider`; without one, :func:`money_changes` is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from .models import AssessmentRun, ItemResult, UnitResult

__all__ = [
    "Comparison",
    "ItemChange",
    "MoneyChange",
    "MoneyProvider",
    "UnitChange",
    "compare_runs",
    "comparison_data",
    "money_changes",
    "money_providers",
    "register_money_provider",
    "unregister_money_provider",
]

# What may have changed for a unit, in the order it is told.
ADDED = "added"
REMOVED = "removed"
TOTAL = "total"
GRADE = "grade"
RANK = "rank"
VETOES = "vetoes"
CONTRACT = "contract"
ITEMS = "items"
MONEY = "money"

# What may have changed for an item.
ACTUAL = "actual"
TARGET = "target"
WEIGHT = "weight"
SCORE = "score"

_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ItemChange:
    """One item of one unit (one period part) whose figures differ between the runs. ``changed``
    names the fields that differ: ``actual`` (the figures read), ``target`` (the target or
    contract), ``weight`` (the scheme), ``score``; ``added``/``removed`` when only one run
    scored it. A score that changed while actual, target and weight did not means the scoring
    rule changed."""

    code: str
    name: str
    part: str
    old_actual: float | None
    new_actual: float | None
    old_target: float | None
    new_target: float | None
    old_weight: Decimal | None
    new_weight: Decimal | None
    old_score: Decimal | None
    new_score: Decimal | None
    changed: tuple[str, ...]

    @property
    def rule_changed(self) -> bool:
        """The score differs although the actual, target and weight do not."""
        return SCORE in self.changed and not {ACTUAL, TARGET, WEIGHT} & set(self.changed)


@dataclass(frozen=True)
class MoneyChange:
    """An amount that differs between the runs, as a money provider reports it (``person``
    ``None``: the unit's own)."""

    unit: str
    person: str | None
    kind: str
    rule: str
    old_amount: Decimal | None
    new_amount: Decimal | None
    explanation_zh: str = ""
    explanation_en: str = ""


@dataclass(frozen=True)
class UnitChange:
    """A unit whose results differ. ``changed`` names what differs, in this order: ``added`` or
    ``removed`` (assessed by one run only), ``total``, ``grade``, ``rank``, ``vetoes``,
    ``contract`` (another contract version scored), ``items``, ``money``. A rank that changed
    alone moved because other units did."""

    unit: str
    name: str
    kind: str
    old_total: Decimal | None
    new_total: Decimal | None
    old_grade: str
    new_grade: str
    old_grade_name: str
    new_grade_name: str
    old_rank: int | None
    new_rank: int | None
    old_vetoes: tuple[str, ...]
    new_vetoes: tuple[str, ...]
    old_contract_version: int | None
    new_contract_version: int | None
    changed: tuple[str, ...]
    items: tuple[ItemChange, ...] = ()
    money: tuple[MoneyChange, ...] = ()

    @property
    def total_delta(self) -> Decimal | None:
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total

    @property
    def rank_only(self) -> bool:
        """Only the rank moved: the unit's own results are the same, others' changed."""
        return self.changed == (RANK,)


@dataclass(frozen=True)
class Comparison:
    """Two runs side by side: the units that changed (in the new run's order, units only in
    the old run last) and how many compared units did not change."""

    old: AssessmentRun
    new: AssessmentRun
    units: tuple[UnitChange, ...]
    unchanged: int
    money: tuple[MoneyChange, ...] = field(default=())

    @property
    def scheme_changed(self) -> bool:
        return self.old.scheme_hash != self.new.scheme_hash

    @property
    def inputs_changed(self) -> bool:
        return self.old.inputs_hash != self.new.inputs_hash

    @property
    def same_results(self) -> bool:
        """Whether the two runs publish the same scheme, year and scope."""
        return (
            self.old.scheme.code == self.new.scheme.code
            and self.old.year == self.new.year
            and self.old.root_id == self.new.root_id
        )


# --- money -----------------------------------------------------------------------------------

MoneyProvider = Callable[[AssessmentRun, AssessmentRun], Iterable[MoneyChange]]
_money_providers: list[MoneyProvider] = []


def register_money_provider(provider: MoneyProvider) -> None:
    """Let an app (the ledger) report the money that differs between two runs. Called once,
    from the app's ``ready()``; registering the same provider twice keeps one."""
    if provider not in _money_providers:
        _money_providers.append(provider)


def unregister_money_provider(provider: MoneyProvider) -> None:
    """Take a provider away again (when its app is not in use)."""
    if provider in _money_providers:
        _money_providers.remove(provider)


def money_providers() -> tuple[MoneyProvider, ...]:
    """The providers registered, in the order they report."""
    return tuple(_money_providers)


def money_changes(old: AssessmentRun, new: AssessmentRun) -> list[MoneyChange]:
    """The amounts that differ between ``old`` and ``new``, from every registered provider, in
    the order they give them; empty when no app provides money."""
    changes: list[MoneyChange] = []
    for provider in _money_providers:
        changes.extend(provider(old, new))
    return changes


# --- comparing -------------------------------------------------------------------------------


def _results(run: AssessmentRun, results: QuerySet[UnitResult] | None) -> list[UnitResult]:
    rows = results if results is not None else run.unit_results.all()
    return list(
        rows.filter(run=run)
        .select_related("unit", "contract")
        .prefetch_related(
            Prefetch("items", queryset=ItemResult.objects.order_by("part", "sort_order"))
        )
        .order_by("kind", "rank", "unit__path")
    )


def _same_figure(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= _TOLERANCE * max(1.0, abs(a), abs(b))


def _item_change(old: ItemResult | None, new: ItemResult | None) -> ItemChange | None:
    either = new if new is not None else old
    assert either is not None
    if old is None or new is None:
        changed: tuple[str, ...] = (ADDED if old is None else REMOVED,)
    else:
        changed = tuple(
            name
            for name, same in (
                (ACTUAL, _same_figure(old.actual, new.actual)),
                (TARGET, _same_figure(old.target, new.target)),
                (WEIGHT, old.weight == new.weight),
                (SCORE, old.score == new.score),
            )
            if not same
        )
        if not changed:
            return None
    return ItemChange(
        code=either.item_code,
        name=either.item_name,
        part=either.part,
        old_actual=old.actual if old is not None else None,
        new_actual=new.actual if new is not None else None,
        old_target=old.target if old is not None else None,
        new_target=new.target if new is not None else None,
        old_weight=old.weight if old is not None else None,
        new_weight=new.weight if new is not None else None,
        old_score=old.score if old is not None else None,
        new_score=new.score if new is not None else None,
        changed=changed,
    )


def _item_changes(old: UnitResult | None, new: UnitResult | None) -> tuple[ItemChange, ...]:
    before = {(i.part, i.item_code): i for i in old.items.all()} if old is not None else {}
    after = {(i.part, i.item_code): i for i in new.items.all()} if new is not None else {}
    keys = list(after) + [key for key in before if key not in after]
    changes = (_item_change(before.get(key), after.get(key)) for key in keys)
    return tuple(change for change in changes if change is not None)


def _version(result: UnitResult | None) -> int | None:
    if result is None or result.contract is None:
        return None
    return int(result.contract.version)


def _unit_change(
    old: UnitResult | None, new: UnitResult | None, money: tuple[MoneyChange, ...]
) -> UnitChange | None:
    either = new if new is not None else old
    assert either is not None
    items = _item_changes(old, new)
    if old is None or new is None:
        changed: list[str] = [ADDED if old is None else REMOVED]
    else:
        changed = [
            name
            for name, same in (
                (TOTAL, old.total == new.total),
                (GRADE, old.grade == new.grade),
                (RANK, old.rank == new.rank),
                (VETOES, list(old.vetoes) == list(new.vetoes)),
                (CONTRACT, old.contract_id == new.contract_id),
                (ITEMS, not items),
            )
            if not same
        ]
    if money:
        changed.append(MONEY)
    if not changed:
        return None
    return UnitChange(
        unit=either.unit.code,
        name=either.unit.name,
        kind=either.kind,
        old_total=old.total if old is not None else None,
        new_total=new.total if new is not None else None,
        old_grade=old.grade if old is not None else "",
        new_grade=new.grade if new is not None else "",
        old_grade_name=old.grade_name if old is not None else "",
        new_grade_name=new.grade_name if new is not None else "",
        old_rank=old.rank if old is not None else None,
        new_rank=new.rank if new is not None else None,
        old_vetoes=tuple(old.vetoes) if old is not None else (),
        new_vetoes=tuple(new.vetoes) if new is not None else (),
        old_contract_version=_version(old),
        new_contract_version=_version(new),
        changed=tuple(changed),
        items=items,
        money=money,
    )


def compare_runs(
    old: AssessmentRun,
    new: AssessmentRun,
    *,
    old_results: QuerySet[UnitResult] | None = None,
    new_results: QuerySet[UnitResult] | None = None,
) -> Comparison:
    """What differs from ``old`` to ``new``, unit by unit (four queries, whatever the size,
    plus whatever a money provider asks).

    ``old_results`` / ``new_results`` narrow the units compared (a page passes the results the
    user may see, through the access check); by default every unit of each run. Money changes
    of units left out are left out too.
    """
    before = {r.unit_id: r for r in _results(old, old_results)}
    after_rows = _results(new, new_results)
    after = {r.unit_id: r for r in after_rows}
    codes = {r.unit.code for r in [*before.values(), *after_rows]}
    money = [m for m in money_changes(old, new) if m.unit in codes]
    money_of: dict[str, list[MoneyChange]] = {}
    for change in money:
        money_of.setdefault(change.unit, []).append(change)
    unit_ids = [r.unit_id for r in after_rows] + [u for u in before if u not in after]
    units = []
    unchanged = 0
    for unit_id in unit_ids:
        either = after.get(unit_id) or before[unit_id]
        change = _unit_change(
            before.get(unit_id), after.get(unit_id), tuple(money_of.get(either.unit.code, ()))
        )
        if change is None:
            unchanged += 1
        else:
            units.append(change)
    return Comparison(old=old, new=new, units=tuple(units), unchanged=unchanged, money=tuple(money))


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    """The comparison as plain data (the CLI's JSON)."""

    def text(value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value

    def run(r: AssessmentRun) -> dict[str, Any]:
        return {
            "id": r.pk,
            "scheme": r.scheme.code,
            "scheme_version": r.scheme.version,
            "year": r.year,
            "status": r.status,
            "inputs_hash": r.inputs_hash,
            "scheme_hash": r.scheme_hash,
        }

    return {
        "old": run(comparison.old),
        "new": run(comparison.new),
        "scheme_changed": comparison.scheme_changed,
        "inputs_changed": comparison.inputs_changed,
        "unchanged": comparison.unchanged,
        "units": [
            {
                **{k: text(v) for k, v in vars(u).items() if k not in ("items", "money")},
                "changed": list(u.changed),
                "old_vetoes": list(u.old_vetoes),
                "new_vetoes": list(u.new_vetoes),
                "items": [
                    {**{k: text(v) for k, v in vars(i).items()}, "changed": list(i.changed)}
                    for i in u.items
                ],
                "money": [{k: text(v) for k, v in vars(m).items()} for m in u.money],
            }
            for u in comparison.units
        ],
    }
