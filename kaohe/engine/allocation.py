"""Allocating the county's birth cap among villages (人口计划分解).

The county hands the township a cap: a number of births, or a birth rate in ‰ that becomes a
number through the average population. The township splits it among its villages by one of
three methods (:class:`AllocationMethod`) into whole births, then may adjust by hand; an
adjusted plan whose quotas sum over the cap is refused (:func:`check_adjusted`).

* ``population`` and ``mwra``: each unit's exact share is ``cap × weight / Σ weight`` (the
  weight is its average population, or its married women of childbearing age). Quotas are the
  whole parts, and the births left over go one each to the largest remainders (Hamilton's
  largest-remainder method; ties to the larger weight, then to the earlier unit), so the quotas
  sum to the cap exactly and each is within one birth of its exact share.
* ``equal_rate``: every unit gets the same birth rate, ``floor(rate × its average population /
  1000)`` births. Its weights are those of ``population``; the difference is that the remainder
  is *not* redistributed: the quotas sum to at most the cap and the births left over stay with
  the township (a reserve for the villages that need them during the year).

Arithmetic is exact (:class:`fractions.Fraction` over the weights' binary values, and the rate
through its decimal text), so ties are real ties and a share of 3.0 never floors to 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from fractions import Fraction

__all__ = [
    "Allocation",
    "AllocationError",
    "AllocationMethod",
    "Share",
    "adjusted_quotas",
    "allocate",
    "allocate_by_method",
    "allocate_equal_rate",
    "cap_from_rate",
    "check_adjusted",
]


class AllocationError(ValueError):
    """An allocation that cannot be made (bilingual message)."""


class AllocationMethod(str, Enum):
    """How the cap is split among the units."""

    POPULATION = "population"  # in proportion to the average population, largest remainder
    MWRA = "mwra"  # in proportion to married women of childbearing age, largest remainder
    EQUAL_RATE = "equal_rate"  # the same rate everywhere, rounded down, remainder kept back


@dataclass(frozen=True)
class Share:
    """One unit's part: its weight (``None`` when missing), exact share and whole quota."""

    unit: str
    weight: float | None
    exact: float
    quota: int


@dataclass(frozen=True)
class Allocation:
    """The quotas of all units under one cap, with notes for the clerk (bilingual)."""

    cap: int
    shares: tuple[Share, ...]
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """The quotas' sum (the cap, or less for ``equal_rate``)."""
        return sum(s.quota for s in self.shares)

    @property
    def unallocated(self) -> int:
        """Births of the cap no unit received."""
        return self.cap - self.total

    def quotas(self) -> dict[str, int]:
        """``{unit: quota}`` in unit order."""
        return {s.unit: s.quota for s in self.shares}


def _exact(value: float | Decimal | Fraction) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        return Fraction(value)
    # A rate typed as 11.5 means the decimal 11.5, not the binary float nearest to it.
    return Fraction(Decimal(repr(float(value))))


def _usable(weight: float | None) -> bool:
    return weight is not None and math.isfinite(weight) and weight > 0


def _weight(weight: float | None) -> Fraction:
    """The exact weight, 0 when missing (None or NaN) or not positive."""
    if weight is None or not _usable(weight):
        return Fraction(0)
    return Fraction(weight)


def _check_inputs(weights: Sequence[float | None], units: Sequence[str]) -> None:
    if len(weights) != len(units):
        raise AllocationError(
            f"权数 {len(weights)} 个，单位 {len(units)} 个 / "
            f"{len(weights)} weights for {len(units)} units"
        )
    if len(set(units)) != len(units):
        raise AllocationError("单位代码重复 / a unit appears twice")
    negative = [u for u, w in zip(units, weights, strict=True) if w is not None and w < 0]
    if negative:
        names = ", ".join(negative)
        raise AllocationError(f"权数为负：{names} / negative weight: {names}")


def _unweighted_note(weights: Sequence[float | None], units: Sequence[str]) -> list[str]:
    missing = [u for u, w in zip(units, weights, strict=True) if not _usable(w)]
    if not missing:
        return []
    names = ", ".join(missing)
    return [f"以下单位权数缺失或为零，计划为 0：{names} / no or zero weight, quota 0: {names}"]


def _exact_shares(
    total: Fraction, weights: Sequence[float | None], units: Sequence[str]
) -> list[Fraction]:
    """``total × weight / Σ weight`` for each unit (0 for a missing or zero weight)."""
    exact_weights = [_weight(w) for w in weights]
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        if total == 0:
            return [Fraction(0)] * len(units)
        raise AllocationError(
            "没有任何单位有权数，无法分配 / no unit has a weight: nothing to allocate by"
        )
    return [total * w / weight_sum for w in exact_weights]


def _check_cap(cap_births: int) -> None:
    if cap_births < 0:
        raise AllocationError(f"上限 {cap_births} 为负数 / the cap {cap_births} is negative")


def allocate(cap_births: int, weights: Sequence[float | None], units: Sequence[str]) -> Allocation:
    """Split ``cap_births`` whole births in proportion to ``weights`` (largest remainder).

    The quotas sum to the cap exactly, and each differs from its exact share by less than one.
    Births left over after the whole parts go to the largest remainders; equal remainders go to
    the larger weight, then to the unit listed first. Units whose weight is missing (``None``
    or NaN) or zero get 0 and are named in a note. Raises :class:`AllocationError` for a
    negative cap or weight, or a positive cap with no unit to give it to.
    """
    _check_cap(cap_births)
    _check_inputs(weights, units)
    exact = _exact_shares(Fraction(cap_births), weights, units)
    quotas = [math.floor(share) for share in exact]
    left = cap_births - sum(quotas)
    order = sorted(
        range(len(units)),
        key=lambda i: (-(exact[i] - quotas[i]), -(weights[i] or 0.0), i),
    )
    for i in order[:left]:
        quotas[i] += 1
    return Allocation(
        cap=cap_births,
        shares=_shares(units, weights, exact, quotas),
        notes=tuple(_unweighted_note(weights, units)),
    )


def _shares(
    units: Sequence[str],
    weights: Sequence[float | None],
    exact: Sequence[Fraction],
    quotas: Sequence[int],
) -> tuple[Share, ...]:
    return tuple(
        Share(
            unit=u,
            weight=w if w is not None and math.isfinite(w) else None,
            exact=float(e),
            quota=q,
        )
        for u, w, e, q in zip(units, weights, exact, quotas, strict=True)
    )


def cap_from_rate(rate_per_mille: float | Decimal, average_population: float) -> int:
    """Births allowed by a rate in ‰ over an average population, rounded down.

    A cap never exceeds the rate: 11.5 ‰ of 2,030 people is 23.345 births, so the cap is 23.
    """
    rate = _exact(rate_per_mille)
    if rate < 0:
        raise AllocationError(
            f"出生率 {rate_per_mille} 为负数 / the rate {rate_per_mille} is negative"
        )
    if not math.isfinite(average_population) or average_population < 0:
        raise AllocationError(
            f"平均人口 {average_population} 无效 / invalid average population {average_population}"
        )
    return math.floor(rate * Fraction(average_population) / 1000)


def allocate_equal_rate(
    rate_per_mille: float | Decimal | Fraction,
    populations: Sequence[float | None],
    units: Sequence[str],
) -> Allocation:
    """Give every unit ``floor(rate × its average population / 1000)`` births.

    The cap is the rate over the units' summed average population, rounded down
    (:func:`cap_from_rate`); the quotas sum to at most the cap and what is left is not
    redistributed (a note says how many births).
    """
    _check_inputs(populations, units)
    rate = _exact(rate_per_mille)
    if rate < 0:
        raise AllocationError(
            f"出生率 {rate_per_mille} 为负数 / the rate {rate_per_mille} is negative"
        )
    exact = [rate * _weight(p) / 1000 for p in populations]
    cap = math.floor(sum(exact, Fraction(0)))
    return _floored(cap, populations, units, exact)


def _floored(
    cap: int, populations: Sequence[float | None], units: Sequence[str], exact: list[Fraction]
) -> Allocation:
    quotas = [math.floor(share) for share in exact]
    notes = _unweighted_note(populations, units)
    left = cap - sum(quotas)
    if left:
        notes.append(
            f"按同一出生率分配，余 {left} 人未分配（由镇统筹）/ equal rate: {left} births of the "
            "cap are left unallocated (kept by the township)"
        )
    return Allocation(
        cap=cap, shares=_shares(units, populations, exact, quotas), notes=tuple(notes)
    )


def allocate_by_method(
    method: AllocationMethod,
    *,
    units: Sequence[str],
    populations: Sequence[float | None],
    mwra: Sequence[float | None],
    cap_births: int | None = None,
    rate_per_mille: float | Decimal | None = None,
) -> Allocation:
    """Allocate by ``method`` from a cap in births or a rate in ‰ (exactly one of the two).

    A rate becomes a cap over the units' summed average population, whatever the method.
    ``equal_rate`` from a cap in births uses the rate ``cap × 1000 / Σ population``, so each
    unit's quota is the floor of its population share of the cap.
    """
    if (cap_births is None) == (rate_per_mille is None):
        raise AllocationError(
            "请给出上限人数或出生率（二者之一）/ give either a cap in births or a rate in ‰"
        )
    _check_inputs(populations, units)
    _check_inputs(mwra, units)
    if method is AllocationMethod.EQUAL_RATE:
        if rate_per_mille is not None:
            return allocate_equal_rate(rate_per_mille, populations, units)
        assert cap_births is not None
        _check_cap(cap_births)
        exact = _exact_shares(Fraction(cap_births), populations, units)
        return _floored(cap_births, populations, units, exact)
    if cap_births is None:
        assert rate_per_mille is not None
        total = sum((_weight(p) for p in populations), Fraction(0))
        cap_births = cap_from_rate(rate_per_mille, float(total))
    weights = populations if method is AllocationMethod.POPULATION else mwra
    return allocate(cap_births, weights, units)


def adjusted_quotas(allocation: Allocation, changes: Mapping[str, int]) -> dict[str, int]:
    """The allocation's quotas with ``changes`` made by hand; an unknown unit is an error."""
    quotas = allocation.quotas()
    unknown = sorted(set(changes) - set(quotas))
    if unknown:
        names = ", ".join(unknown)
        raise AllocationError(f"分配中没有这些单位：{names} / not in the allocation: {names}")
    quotas.update(changes)
    return quotas


def check_adjusted(quotas: Mapping[str, int], cap: int) -> list[str]:
    """Problems with quotas adjusted by hand (bilingual); empty when they may be applied.

    A quota may not be negative, and the quotas together may not exceed the cap (a sum below
    the cap is allowed: the township keeps the rest).
    """
    problems = [
        f"{unit} 的计划 {quota} 为负数 / {unit}: the quota {quota} is negative"
        for unit, quota in quotas.items()
        if quota < 0
    ]
    total = sum(quotas.values())
    if total > cap:
        problems.append(
            f"各单位计划合计 {total} 人，超过上限 {cap} 人 / the quotas sum to {total}, "
            f"over the cap of {cap}"
        )
    return problems
