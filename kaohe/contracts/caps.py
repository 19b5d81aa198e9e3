"""The county's birth cap against the township's signed quotas.

When the township has a birth plan for the year (:class:`kaohe.schemes.models.BirthPlan`, made
by ``kaohe allocate``) and the scheme names its birth-plan item (``Scheme.plan_item``), the
quotas the township signs may not add up to more than the cap the county handed down. Signing
a contract or amending one counts the plan item's target of every other signed contract of the
township for the year, plus the target of the version being signed; more than the cap is
refused, naming ``target``. Without a plan, or without a plan item, nothing is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Sum
from django.utils.translation import gettext as _

from kaohe.schemes.models import BirthPlan

from .errors import ContractError
from .models import Contract, ContractStatus, ContractTarget

# Targets are floats; a sum of whole quotas may carry rounding noise.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CapUse:
    """How much of a township's cap the signed quotas take, with this contract's value."""

    township: str
    year: int
    cap: int
    total: float

    @property
    def over(self) -> bool:
        return self.total > self.cap + _TOLERANCE


def cap_use(contract: Contract, own: Mapping[str, float]) -> CapUse | None:
    """The township's signed quotas with ``own`` (item code → target) standing for this
    contract's, against its birth plan; ``None`` when there is nothing to check.

    The birth plan's row is locked (inside the caller's transaction) so two contracts of the
    same township cannot be signed past the cap at the same moment."""
    plan_item = contract.scheme.plan_item.strip()
    township = contract.unit.parent
    if not plan_item or township is None:
        return None
    plan = (
        BirthPlan.objects.select_for_update()
        .filter(scheme=contract.scheme, township=township, year=contract.year)
        .first()
    )
    if plan is None:
        return None
    others = (
        ContractTarget.objects.filter(
            contract__scheme=contract.scheme,
            contract__year=contract.year,
            contract__status=ContractStatus.SIGNED,
            contract__unit__parent=township,
            item__code=plan_item,
        )
        .exclude(contract__unit_id=contract.unit_id)
        .aggregate(total=Sum("value"))["total"]
    )
    total = float(others or 0) + float(own.get(plan_item, 0) or 0)
    return CapUse(township=township.name, year=contract.year, cap=plan.cap_births, total=total)


def check_birth_cap(contract: Contract, own: Mapping[str, float]) -> None:
    """Refuse, naming ``target``, when signing ``own`` would take the township over its cap."""
    use = cap_use(contract, own)
    if use is None or not use.over:
        return
    raise ContractError(
        "target",
        _(
            "{township} {year} 年已签订的出生计划数合计 {total:g} 人，超过县下达的控制数 "
            "{cap} 人，不能签订 / the birth quotas signed for {township} in {year} would add up "
            "to {total:g}, over the county's cap of {cap}"
        ).format(township=use.township, year=use.year, total=use.total, cap=use.cap),
    )
