"""The early-warning list: villages whose forecast births next year may exceed their plan or quota.

Each village's quota for the year is read where the assessment reads it, in this order:

1. the birth-plan item's target in the village's responsibility contract for the year (the
   latest version not superseded, signed or not): what the village signed up to;
2. the village's own target for the plan item (``UnitTarget``);
3. the township's stored birth plan for the year (``BirthPlan.quotas``).

The plan item is the scheme's ``plan_item`` (``BIRTHS_VS_PLAN`` when it names none). A village
with no quota in any of them is left off the list. The probability of exceeding is P(births >
quota) under the forecast's count distribution (Poisson, widened where the rates are uncertain:
:func:`kaohe.engine.forecast.exceed_probability`); the list is ranked by it, most at risk first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import F, Q

from kaohe.contracts.models import ContractStatus, ContractTarget
from kaohe.engine.forecast import FloatArray, exceed_probability
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.allocation import DEFAULT_ITEM
from kaohe.schemes.models import BirthPlan, UnitTarget

CONTRACT, TARGET, PLAN = "contract", "target", "plan"
SOURCE_LABELS = {
    CONTRACT: ("责任书", "responsibility contract"),
    TARGET: ("单位目标", "unit target"),
    PLAN: ("人口计划", "birth plan"),
}


@dataclass(frozen=True)
class Quota:
    value: float
    source: str
    scheme: str

    @property
    def source_zh(self) -> str:
        return SOURCE_LABELS[self.source][0]

    @property
    def source_en(self) -> str:
        return SOURCE_LABELS[self.source][1]


@dataclass(frozen=True)
class WarningRow:
    """One village of the list: its quota, the forecast births and the chance of exceeding."""

    code: str
    name: str
    quota: Quota
    expected: float
    lower: float
    upper: float
    probability: float
    flagged: bool

    @property
    def excess(self) -> float:
        """Forecast births above the quota (negative: below it)."""
        return self.expected - self.quota.value


def _plan_item(prefix: str = "") -> Q:
    """Rows whose item is its scheme's birth-plan item."""
    scheme = f"{prefix}item__scheme__plan_item"
    return Q(**{f"{prefix}item__code": F(scheme)}) | Q(
        **{scheme: "", f"{prefix}item__code": DEFAULT_ITEM}
    )


def quotas_for(township: OrgUnit, units: Sequence[OrgUnit], year: int) -> dict[str, Quota]:
    """{unit code: its quota for ``year``} (see the module notes); three queries."""
    ids = [u.pk for u in units]
    by_pk = {u.pk: u.code for u in units}
    found: dict[str, Quota] = {}
    for plan in (
        BirthPlan.objects.filter(township=township, year=year)
        .select_related("scheme")
        .order_by("scheme__version", "applied_at")
    ):
        for code, value in plan.quotas.items():
            if str(code) in by_pk.values():
                found[str(code)] = Quota(float(value), PLAN, plan.scheme.code)
    for unit_id, value, scheme in (
        UnitTarget.objects.filter(_plan_item(), unit_id__in=ids, year=year)
        .order_by("item__scheme__version")
        .values_list("unit_id", "value", "item__scheme__code")
    ):
        found[by_pk[unit_id]] = Quota(float(value), TARGET, scheme)
    for unit_id, value, scheme in (
        ContractTarget.objects.filter(_plan_item(), contract__unit_id__in=ids, contract__year=year)
        .exclude(contract__status=ContractStatus.SUPERSEDED)
        .order_by("contract__scheme__version", "contract__version")
        .values_list("contract__unit_id", "value", "contract__scheme__code")
    ):
        found[by_pk[unit_id]] = Quota(float(value), CONTRACT, scheme)
    return found


def warning_rows(
    codes: Sequence[str],
    names: Mapping[str, str],
    quotas: Mapping[str, Quota],
    expected: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    dispersion: FloatArray,
    flag_probability: float,
) -> list[WarningRow]:
    """The villages with a quota and a forecast, most at risk first (then by the excess)."""
    quota = np.array([quotas[c].value if c in quotas else math.nan for c in codes])
    mean = np.where(np.isfinite(expected), expected, math.nan)
    probability = exceed_probability(mean, quota, np.nan_to_num(dispersion, nan=0.0))
    rows = [
        WarningRow(
            code=code,
            name=names[code],
            quota=quotas[code],
            expected=float(expected[i]),
            lower=float(lower[i]),
            upper=float(upper[i]),
            probability=float(probability[i]),
            flagged=float(probability[i]) >= flag_probability,
        )
        for i, code in enumerate(codes)
        if code in quotas and math.isfinite(float(probability[i]))
    ]
    rows.sort(key=lambda r: (-r.probability, -r.excess, r.code))
    return rows
