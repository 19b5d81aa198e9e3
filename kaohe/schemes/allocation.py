"""Birth plan allocation (人口计划分解): the county's cap for a township split into village quotas.

:func:`plan_allocation` reads the figures and runs :mod:`kaohe.engine.allocation`; nothing is
written. :func:`do_apply_allocation` makes the same plan again inside its transaction and
stores it: the quotas become the villages' targets of the scheme's birth-plan item, and the
plan itself a :class:`~kaohe.schemes.models.BirthPlan` row, with an audit row for each change.

The cap is the county's for one township and year, so a plan is always made for a township
(its units of the scheme's kinds). It is given in births or as a birth rate in ‰, one of the
two; a rate becomes births over the villages' summed average population, rounded down.

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
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kaohe.assessments.recompute import schedule_recompute
from kaohe.assessments.services import assessed_units, assessment_period
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor, build_entry
from kaohe.core.access import may_administer
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement
from kaohe.engine.aggregate import FloatArray, ValueCube, aggregate_cube
from kaohe.engine.allocation import (
    Allocation,
    AllocationError,
    AllocationMethod,
    adjusted_quotas,
    allocate_by_method,
)
from kaohe.engine.periods import Period, PeriodError
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.schemes.models import BirthPlan, Scheme, ScoringItem, UnitTarget
from kaohe.schemes.specs import element_specs

__all__ = [
    "DEFAULT_ITEM",
    "AllocationPlan",
    "AllocationRefused",
    "AllocationRow",
    "AppliedAllocation",
    "Refusal",
    "birth_plan_for",
    "check_quotas",
    "do_apply_allocation",
    "plan_allocation",
    "plan_item_code",
]

DEFAULT_ITEM = "BIRTHS_VS_PLAN"
POPULATION = "POPULATION"
MWRA = "MWRA"
OBJECT_TYPE = "birthplan"
# What BirthPlan.rate_per_mille can hold (max_digits=8, decimal_places=3); a birth rate above
# 1000 ‰ is more births than people.
RATE_PLACES = 3
MAX_RATE = Decimal(1000)


class Refusal(NamedTuple):
    """One reason an allocation cannot be made or applied: the input it is about, and why."""

    field: str
    message: str


class AllocationRefused(AllocationError):
    """An allocation not made or not applied; ``refusals`` names each field and reason."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        self.problems = [r.message for r in self.refusals]
        super().__init__("\n".join(self.problems))

    @property
    def field(self) -> str:
        """The input the first reason is about."""
        return self.refusals[0].field if self.refusals else ""


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
    """The allocation for a township's year, its rows, and why it could not be applied."""

    scheme: Scheme
    township: OrgUnit
    year: int
    method: AllocationMethod
    item_code: str
    cap_births: int | None  # the cap as given, in births …
    rate_per_mille: Decimal | None  # … or as a rate
    allocation: Allocation
    rows: list[AllocationRow]
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def cap(self) -> int:
        """The cap in births (a rate already turned into births)."""
        return self.allocation.cap

    @property
    def problems(self) -> list[str]:
        return [r.message for r in self.refusals]

    @property
    def quotas(self) -> dict[str, int]:
        """The quotas to apply: the allocation's, with the adjustments made."""
        return {row.unit: row.adjusted for row in self.rows}

    @property
    def adjusted_total(self) -> int:
        return sum(row.adjusted for row in self.rows)

    @property
    def left(self) -> int:
        """Births of the cap no unit received (negative: over the cap by that many)."""
        return self.cap - self.adjusted_total

    @property
    def missing(self) -> list[AllocationRow]:
        """The units missing a figure the method weighs by (they get no weight)."""
        if self.method is AllocationMethod.MWRA:
            return [row for row in self.rows if row.mwra is None]
        return [row for row in self.rows if row.average_population is None]


@dataclass(frozen=True)
class AppliedAllocation:
    """What applying stored: the plan row, and the targets created or changed."""

    plan: AllocationPlan
    birth_plan: BirthPlan
    targets: list[UnitTarget]
    created: bool


def plan_item_code(scheme: Scheme) -> str:
    """The code of the item whose target is the birth quota: the scheme's, or the default."""
    return scheme.plan_item or DEFAULT_ITEM


def birth_plan_for(scheme: Scheme, township: OrgUnit, year: int) -> BirthPlan | None:
    """The plan stored for the township's year under this scheme version, if any."""
    return BirthPlan.objects.filter(scheme=scheme, township=township, year=year).first()


def check_quotas(quotas: Mapping[str, int], cap: int) -> list[Refusal]:
    """Why these quotas may not be applied under ``cap`` (empty: they may).

    A quota may not be negative, and the quotas together may not exceed the cap; a sum below
    the cap is allowed (the township keeps the rest).
    """
    refusals = [
        Refusal(
            "adjust",
            f"{unit} 的计划数 {quota} 为负数 / the quota of {unit} is negative: {quota}",
        )
        for unit, quota in quotas.items()
        if quota < 0
    ]
    total = sum(quotas.values())
    if total > cap:
        refusals.append(
            Refusal(
                "quotas",
                f"分配合计 {total} 超过控制数 {cap} / the allocation total {total} exceeds the "
                f"cap {cap}",
            )
        )
    return refusals


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


def _rate(value: Any) -> tuple[Decimal | None, list[Refusal]]:
    """The rate as an exact decimal, or why it is not one the plan can keep."""
    if value is None:
        return None, []
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        rate = Decimal("NaN")
    bad = Refusal(
        "rate_per_mille",
        f"出生率控制指标 {value} 无效：应为 0 至 1000 之间、最多三位小数的数（‰） / the rate "
        f"{value} is not a number of ‰ between 0 and 1000 with at most three decimals",
    )
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE:
        return None, [bad]
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_PLACES:
        return None, [bad]
    return rate, []


def _check_request(
    township: OrgUnit | None, cap_births: int | None, rate_per_mille: Any
) -> Decimal | None:
    """Refuse a plan without a township or with other than one valid cap; the rate, exact."""
    refusals: list[Refusal] = []
    if township is None:
        refusals.append(
            Refusal(
                "township",
                "请选择乡镇：控制数按乡镇下达 / choose a township: the cap is given per township",
            )
        )
    elif township.kind != UnitKind.TOWNSHIP:
        refusals.append(
            Refusal(
                "township",
                f"{township.code} 不是乡镇，控制数按乡镇下达 / {township.code} is not a "
                "township: the cap is given per township",
            )
        )
    if (cap_births is None) == (rate_per_mille is None):
        refusals.append(
            Refusal(
                "cap_births",
                "请给出出生控制数（人）或出生率控制指标（‰），二者只能填一个 / give the cap "
                "either in births or as a rate in ‰, one of the two",
            )
        )
    elif cap_births is not None and cap_births < 0:
        refusals.append(
            Refusal(
                "cap_births",
                f"出生控制数 {cap_births} 为负数 / the cap {cap_births} is negative",
            )
        )
    rate, bad_rate = _rate(rate_per_mille)
    refusals += bad_rate
    if refusals:
        raise AllocationRefused(refusals)
    return rate


def plan_allocation(
    scheme: Scheme,
    year: int,
    *,
    township: OrgUnit | None,
    method: AllocationMethod,
    cap_births: int | None = None,
    rate_per_mille: float | Decimal | str | None = None,
    adjust: Mapping[str, int] | None = None,
    item_code: str | None = None,
) -> AllocationPlan:
    """Allocate the township's cap for ``year`` among its units of the scheme (nothing written).

    Give the cap in births or as a rate in ‰ (one of the two); ``adjust`` replaces quotas by
    hand. Raises :class:`AllocationRefused` when no plan can be made (no township, no or two
    caps, an adjusted unit not in the allocation, figures that weigh nobody); the plan's
    ``refusals`` say why it could not be applied (a negative quota, a sum over the cap, no
    birth-plan item in the scheme).
    """
    rate = _check_request(township, cap_births, rate_per_mille)
    assert township is not None
    item_code = item_code or plan_item_code(scheme)
    try:
        period = assessment_period(scheme, year)
        units = assessed_units(scheme, period, township)
        if not units:
            raise AllocationError(
                f"{township.name} 没有本方案考核的单位 / {township.code} has no units of the "
                "scheme to allocate to"
            )
        earlier, last = _year_end_stocks([period.offset(-2), period.offset(-1)], units)
        start = earlier[POPULATION]
        end = last[POPULATION]
        average = (start + end) / 2  # NaN when either end is missing
        populations = [_optional(v) for v in average]
        mwra = [_optional(v) for v in last[MWRA]]
        allocation = allocate_by_method(
            method,
            units=[u.code for u in units],
            populations=populations,
            mwra=mwra,
            cap_births=cap_births,
            rate_per_mille=rate,
        )
    except AllocationRefused:
        raise
    except PeriodError as error:
        raise AllocationRefused(
            [Refusal("year", f"年度 {year} 无效 / not a year to plan for: {year}")]
        ) from error
    except AllocationError as error:
        # The township's figures (or their definitions) cannot carry this allocation.
        raise AllocationRefused([Refusal("township", str(error))]) from error
    try:
        quotas = adjusted_quotas(allocation, adjust or {})
    except AllocationError as error:
        raise AllocationRefused([Refusal("adjust", str(error))]) from error
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
    refusals = check_quotas(quotas, allocation.cap)
    if not ScoringItem.objects.filter(scheme=scheme, code=item_code).exists():
        refusals.append(
            Refusal(
                "item",
                f"方案 {scheme.code} 没有考核项目 {item_code}，计划数无处写入 / scheme "
                f"{scheme.code} has no item {item_code} to take the quotas",
            )
        )
    return AllocationPlan(
        scheme=scheme,
        township=township,
        year=year,
        method=method,
        item_code=item_code,
        cap_births=cap_births,
        rate_per_mille=rate,
        allocation=allocation,
        rows=rows,
        refusals=refusals,
    )


def _check_actor(actor: Actor, township: OrgUnit | None) -> None:
    """A person may apply a plan only for a township they administer; the web and the API
    always act for a signed-in person."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied("需要登录 / not signed in")
        return
    if township is not None and not may_administer(user, township):
        raise PermissionDenied(
            f"无权分解 {township.code} 的人口计划 / not allowed to apply the birth plan of "
            f"{township.code}"
        )


def _snapshot(plan: BirthPlan) -> dict[str, Any]:
    return {
        "method": plan.method,
        "cap_births": plan.cap_births,
        "rate_per_mille": None if plan.rate_per_mille is None else str(plan.rate_per_mille),
        "quotas": dict(plan.quotas),
        "total": sum(int(v) for v in plan.quotas.values()),
        "actor": plan.actor,
    }


def _write_targets(
    plan: AllocationPlan, item: ScoringItem, units: Mapping[str, OrgUnit], actor: Actor
) -> tuple[list[UnitTarget], list[AuditEntry]]:
    """The quotas as the units' targets of ``item``: the targets created or changed, and an
    audit row for each."""
    scheme, year = plan.scheme, plan.year
    stored = {
        t.unit_id: t
        for t in UnitTarget.objects.filter(item=item, year=year, unit__in=list(units.values()))
    }
    new: list[UnitTarget] = []
    changed: list[UnitTarget] = []
    audit: list[AuditEntry] = []
    for code, quota in plan.quotas.items():
        unit = units[code]
        value = float(quota)
        key = f"{scheme.code} v{scheme.version}/{item.code}/{code}/{year}"
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
    return new + changed, audit


@transaction.atomic
def do_apply_allocation(
    scheme: Scheme,
    year: int,
    *,
    township: OrgUnit | None,
    method: AllocationMethod,
    cap_births: int | None = None,
    rate_per_mille: float | Decimal | str | None = None,
    adjust: Mapping[str, int] | None = None,
    actor: Actor,
    reason: str,
    item_code: str | None = None,
) -> AppliedAllocation:
    """Make the township's plan for ``year`` (as :func:`plan_allocation`) and store it.

    The adjusted quotas become the units' ``year`` targets of the scheme's birth-plan item, and
    the plan a :class:`BirthPlan` row (created, or updated when the township's year was
    allocated before). Refuses (:class:`AllocationRefused`, nothing written) what
    :func:`plan_allocation` refuses, quotas over the cap or negative, a scheme without the item,
    and an empty reason; raises PermissionDenied when the person behind ``actor`` does not
    administer the township. Writes an audit row per target created or changed and one for the
    plan, and recomputes the draft runs the targets touch once the transaction commits.
    """
    _check_actor(actor, township)
    plan = plan_allocation(
        scheme,
        year,
        township=township,
        method=method,
        cap_births=cap_births,
        rate_per_mille=rate_per_mille,
        adjust=adjust,
        item_code=item_code,
    )
    refusals = list(plan.refusals)
    if not reason.strip():
        refusals.append(Refusal("reason", "请说明理由 / a reason is required"))
    if refusals:
        raise AllocationRefused(refusals)
    item = ScoringItem.objects.get(scheme=scheme, code=plan.item_code)
    units = {
        u.code: u for u in assessed_units(scheme, assessment_period(scheme, year), plan.township)
    }
    touched, audit = _write_targets(plan, item, units, actor)
    stored = (
        BirthPlan.objects.select_for_update()
        .filter(scheme=scheme, township=plan.township, year=year)
        .first()
    )
    before = None if stored is None else _snapshot(stored)
    birth_plan = stored or BirthPlan(scheme=scheme, township=plan.township, year=year)
    birth_plan.method = method.value
    birth_plan.cap_births = plan.cap
    birth_plan.rate_per_mille = (
        None
        if plan.rate_per_mille is None
        else plan.rate_per_mille.quantize(Decimal(1).scaleb(-RATE_PLACES))
    )
    birth_plan.quotas = plan.quotas
    birth_plan.actor = actor.name[:150]
    birth_plan.save()
    audit.append(
        build_entry(
            actor,
            "birthplan.create" if stored is None else "birthplan.update",
            OBJECT_TYPE,
            f"{scheme.code} v{scheme.version}/{plan.township.code}/{year}",
            before=before,
            after={**_snapshot(birth_plan), "item": item.code, "reason": reason.strip()},
        )
    )
    AuditEntry.objects.bulk_create(audit)
    if touched:
        # Changed targets change scores: the draft runs they touch are recomputed on commit.
        schedule_recompute({t.unit for t in touched}, years={year})
    return AppliedAllocation(
        plan=plan, birth_plan=birth_plan, targets=touched, created=stored is None
    )
