"""Birth plan allocation (人口计划分解): the county's cap split into village quotas.

:func:`plan_allocation` reads the figures and runs :mod:`kaohe.engine.allocation`; nothing is
written. :func:`do_apply_allocation` stores the (possibly hand-adjusted) quotas as the villages'
targets of the scheme's birth-plan item, with an audit row for each change.

Which figures: a plan for year Y is made at the start of Y, so it uses the stocks known then.
The average population is (POPULATION at the end of Y-2 + POPULATION at the end of Y-1) / 2,
the mean over the last complete year, exactly as the birth-rate indicator averages its own
year; married women of childbearing age (MWRA) are the stock at the end of Y-1. "The end of a
year" is the last value reported inside the scheme's assessment period for that year (the
calendar year, or 1 Oct – 30 Sep). A unit missing either population figure has no weight: it
gets 0 and the allocation names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import transaction

from kaohe.assessments.recompute import schedule_recompute
from kaohe.assessments.services import assessed_units, assessment_period
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor, build_entry
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement
from kaohe.engine.aggregate import FloatArray, ValueCube, aggregate_cube
from kaohe.engine.allocation import (
    Allocation,
    AllocationError,
    AllocationMethod,
    adjusted_quotas,
    allocate_by_method,
    check_adjusted,
)
from kaohe.engine.periods import Period
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme, ScoringItem, UnitTarget
from kaohe.schemes.specs import element_specs

__all__ = [
    "DEFAULT_ITEM",
    "AllocationPlan",
    "AllocationRefused",
    "AllocationRow",
    "do_apply_allocation",
    "plan_allocation",
]

DEFAULT_ITEM = "BIRTHS_VS_PLAN"
POPULATION = "POPULATION"
MWRA = "MWRA"


class AllocationRefused(AllocationError):
    """An allocation not applied; ``problems`` lists every reason (bilingual)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class AllocationRow:
    """One village's line of the allocation table."""

    unit: str
    name: str
    population_start: float | None
    population_end: float | None
    average_population: float | None
    mwra: float | None
    weight: float | None
    exact: float
    quota: int
    adjusted: int


@dataclass(frozen=True)
class AllocationPlan:
    """The allocation for a year, its rows, and the problems of its adjusted quotas."""

    scheme: Scheme
    year: int
    method: AllocationMethod
    allocation: Allocation
    rows: list[AllocationRow]
    problems: list[str]

    @property
    def cap(self) -> int:
        return self.allocation.cap

    @property
    def quotas(self) -> dict[str, int]:
        """The quotas to apply: the allocation's, with the adjustments made."""
        return {row.unit: row.adjusted for row in self.rows}

    @property
    def adjusted_total(self) -> int:
        return sum(row.adjusted for row in self.rows)


def _optional(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _year_end_stocks(
    periods: Sequence[Period], units: Sequence[OrgUnit]
) -> list[dict[str, FloatArray]]:
    """Each period's last POPULATION and MWRA per unit (NaN where missing), in one query."""
    specs = element_specs([POPULATION, MWRA])
    missing = sorted({POPULATION, MWRA} - set(specs))
    if missing:
        names = ", ".join(missing)
        raise AllocationError(f"未定义数据项 {names} / data elements not defined: {names}")
    elements = [specs[POPULATION], specs[MWRA]]
    position = {POPULATION: 0, MWRA: 1}
    element_index = {
        pk: position[code]
        for pk, code in DataElement.objects.filter(code__in=list(position)).values_list(
            "id", "code"
        )
    }
    unit_index = {u.pk: i for i, u in enumerate(units)}
    codes = tuple(u.code for u in units)
    rows = list(
        DataValue.objects.filter(
            element_id__in=list(element_index),
            unit_id__in=list(unit_index),
            period__start_date__gte=min(p.start for p in periods),
            period__end_date__lte=max(p.end for p in periods),
        ).values_list(
            "unit_id",
            "element_id",
            "period__code",
            "period__start_date",
            "period__end_date",
            "value",
        )
    )
    result = []
    for period in periods:
        inside = [r for r in rows if r[3] >= period.start and r[4] <= period.end]
        keys = sorted({(r[4], r[3], r[2]) for r in inside})
        period_index = {key[2]: i for i, key in enumerate(keys)}
        cube = ValueCube.from_long(
            units=codes,
            elements=elements,
            periods=[key[2] for key in keys],
            unit_index=np.array([unit_index[r[0]] for r in inside], dtype=np.intp),
            element_index=np.array([element_index[r[1]] for r in inside], dtype=np.intp),
            period_index=np.array([period_index[r[2]] for r in inside], dtype=np.intp),
            values=np.array([float(r[5]) for r in inside], dtype=np.float64),
        )
        result.append(aggregate_cube(cube))
    return result


def plan_allocation(
    scheme: Scheme,
    year: int,
    *,
    method: AllocationMethod,
    cap_births: int | None = None,
    rate_per_mille: float | Decimal | None = None,
    root: OrgUnit | None = None,
    adjust: Mapping[str, int] | None = None,
) -> AllocationPlan:
    """Allocate the cap for ``year`` among the scheme's units under ``root`` (nothing written).

    Give the cap in births or as a rate in ‰ (one of the two); ``adjust`` replaces quotas by
    hand. The plan's ``problems`` say why the adjusted quotas could not be applied.
    """
    period = assessment_period(scheme, year)
    units = assessed_units(scheme, period, root)
    if not units:
        raise AllocationError("没有可分配的单位 / no units to allocate to")
    earlier, last = _year_end_stocks([period.offset(-2), period.offset(-1)], units)
    start = earlier[POPULATION]
    end = last[POPULATION]
    average = (start + end) / 2  # NaN when either end is missing
    populations = [_optional(v) for v in average]
    mwra = [_optional(v) for v in last[MWRA]]
    codes = [u.code for u in units]
    allocation = allocate_by_method(
        method,
        units=codes,
        populations=populations,
        mwra=mwra,
        cap_births=cap_births,
        rate_per_mille=rate_per_mille,
    )
    quotas = adjusted_quotas(allocation, adjust or {})
    rows = [
        AllocationRow(
            unit=unit.code,
            name=unit.name,
            population_start=_optional(start[i]),
            population_end=_optional(end[i]),
            average_population=populations[i],
            mwra=mwra[i],
            weight=share.weight,
            exact=share.exact,
            quota=share.quota,
            adjusted=quotas[unit.code],
        )
        for i, (unit, share) in enumerate(zip(units, allocation.shares, strict=True))
    ]
    return AllocationPlan(
        scheme=scheme,
        year=year,
        method=method,
        allocation=allocation,
        rows=rows,
        problems=check_adjusted(quotas, allocation.cap),
    )


@transaction.atomic
def do_apply_allocation(
    scheme: Scheme,
    year: int,
    quotas: Mapping[str, int],
    *,
    cap: int,
    actor: Actor,
    reason: str,
    item_code: str = DEFAULT_ITEM,
) -> list[UnitTarget]:
    """Store ``quotas`` as the units' ``year`` targets of the scheme's item ``item_code``.

    Refuses (:class:`AllocationRefused`, nothing written) when a quota is negative, the quotas
    exceed ``cap``, no reason is given, or a unit is not one the scheme assesses. Writes an
    audit row per created or changed target and one for the allocation, and recomputes the
    draft runs the targets touch once the transaction commits. Returns the targets written.
    """
    problems = check_adjusted(quotas, cap)
    if not reason.strip():
        problems.append("请说明理由 / a reason is required")
    item = ScoringItem.objects.filter(scheme=scheme, code=item_code).first()
    if item is None:
        problems.append(
            f"方案 {scheme.code} 没有考核项目 {item_code} / scheme {scheme.code} has no item "
            f"{item_code}"
        )
    assessed = {u.code: u for u in assessed_units(scheme, assessment_period(scheme, year), None)}
    unknown = sorted(set(quotas) - set(assessed))
    if unknown:
        names = ", ".join(unknown)
        problems.append(f"方案不考核这些单位：{names} / units the scheme does not assess: {names}")
    if problems or item is None:
        raise AllocationRefused(problems)
    units = [assessed[code] for code in quotas]
    stored = {t.unit_id: t for t in UnitTarget.objects.filter(item=item, year=year, unit__in=units)}
    new: list[UnitTarget] = []
    changed: list[UnitTarget] = []
    audit: list[AuditEntry] = []
    for unit in units:
        value = float(quotas[unit.code])
        key = f"{scheme.code} v{scheme.version}/{item_code}/{unit.code}/{year}"
        target = stored.get(unit.pk)
        if target is None:
            new.append(UnitTarget(item=item, unit=unit, year=year, value=value))
            audit.append(
                build_entry(actor, "unittarget.create", "unittarget", key, after={"value": value})
            )
        elif target.value != value:
            audit.append(
                build_entry(
                    actor,
                    "unittarget.update",
                    "unittarget",
                    key,
                    before={"value": target.value},
                    after={"value": value},
                )
            )
            target.value = value
            changed.append(target)
    UnitTarget.objects.bulk_create(new, batch_size=500)
    UnitTarget.objects.bulk_update(changed, ["value"], batch_size=500)
    audit.append(
        build_entry(
            actor,
            "allocation.apply",
            "scheme",
            f"{scheme.code} v{scheme.version}/{item_code}/{year}",
            after={
                "cap": cap,
                "total": sum(quotas.values()),
                "quotas": dict(quotas),
                "reason": reason,
            },
        )
    )
    AuditEntry.objects.bulk_create(audit)
    touched = new + changed
    if touched:
        # Changed targets change scores: the draft runs they touch are recomputed on commit.
        schedule_recompute({t.unit for t in touched}, years={year})
    return touched
