"""What the birth-plan page and API read, through the access check: the schemes a plan can be
made for, the townships a user may see, the stored plans, and a stored plan beside the targets
it wrote and the contracts' current targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaohe.contracts.models import ContractStatus, ContractTarget
from kaohe.core.access import VIEW, restrict
from kaohe.engine.allocation import AllocationMethod
from kaohe.orgunits.models import OrgUnit, UnitKind

from .allocation import DEFAULT_ITEM, plan_item_code
from .models import BirthPlan, Scheme, UnitTarget

# The methods in the words a township clerk uses.
METHOD_LABELS: dict[str, Promise] = {
    AllocationMethod.POPULATION.value: _("按平均人口比例"),
    AllocationMethod.MWRA.value: _("按育龄已婚妇女比例"),
    AllocationMethod.EQUAL_RATE.value: _("统一出生率"),
}


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method))


def plan_schemes(user: Any) -> QuerySet[Scheme]:
    """Scheme versions a birth plan can be made for (a plan item, or the default item)."""
    schemes = Scheme.objects.filter(~Q(plan_item="") | Q(items__code=DEFAULT_ITEM)).distinct()
    return restrict(schemes, user).order_by("code", "-version")


def visible_townships(user: Any) -> QuerySet[OrgUnit]:
    """The townships the user may see (and so whose plans they may read)."""
    return restrict(OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP), user, VIEW).order_by("path")


def visible_plans(user: Any) -> QuerySet[BirthPlan]:
    """The stored plans of the townships the user may see, newest year first."""
    return restrict(BirthPlan.objects.select_related("scheme", "township"), user)


@dataclass(frozen=True)
class StoredRow:
    """One unit of a stored plan: its quota, its target now, and its contract's target."""

    unit: str
    name: str
    quota: int | None
    target: float | None
    contract_target: float | None
    contract_version: int | None
    contract_status: str

    @property
    def target_differs(self) -> bool:
        return self.quota is not None and self.target is not None and self.target != self.quota

    @property
    def contract_differs(self) -> bool:
        return (
            self.quota is not None
            and self.contract_target is not None
            and self.contract_target != self.quota
        )


@dataclass(frozen=True)
class StoredPlan:
    plan: BirthPlan
    item_code: str
    rows: list[StoredRow]
    has_contracts: bool

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.plan.quotas.values())

    @property
    def contract_total(self) -> float:
        return sum(r.contract_target or 0 for r in self.rows)

    @property
    def method_label(self) -> str:
        return method_label(self.plan.method)


def stored_plan(plan: BirthPlan, user: Any) -> StoredPlan:
    """The stored plan beside the plan item's current targets and the contracts in force (the
    latest version of each unit's contract that has not been superseded), as ``user`` may see
    them."""
    scheme, year = plan.scheme, plan.year
    item_code = plan_item_code(scheme)
    quotas = {str(code): int(value) for code, value in plan.quotas.items()}
    units = {
        u.code: u
        for u in restrict(OrgUnit.objects.subtree(plan.township), user).filter(
            code__in=list(quotas)
        )
    }
    targets = dict(
        restrict(UnitTarget.objects.all(), user)
        .filter(item__scheme=scheme, item__code=item_code, year=year, unit__in=list(units.values()))
        .values_list("unit__code", "value")
    )
    contracts: dict[str, tuple[float, int, str]] = {}
    for code, value, version, status in (
        restrict(ContractTarget.objects.all(), user)
        .filter(
            contract__scheme=scheme,
            contract__year=year,
            contract__unit__in=list(units.values()),
            item__code=item_code,
        )
        .exclude(contract__status=ContractStatus.SUPERSEDED)
        .order_by("contract__version")
        .values_list("contract__unit__code", "value", "contract__version", "contract__status")
    ):
        contracts[code] = (value, version, status)  # the latest version wins
    order = {u.code: u.path for u in units.values()}
    rows = []
    for code in sorted(quotas, key=lambda c: (order.get(c, "~"), c)):
        contract = contracts.get(code)
        unit = units.get(code)
        rows.append(
            StoredRow(
                unit=code,
                name=unit.name if unit else "",
                quota=quotas.get(code),
                target=targets.get(code),
                contract_target=contract[0] if contract else None,
                contract_version=contract[1] if contract else None,
                contract_status=str(ContractStatus(contract[2]).label) if contract else "",
            )
        )
    return StoredPlan(plan=plan, item_code=item_code, rows=rows, has_contracts=bool(contracts))
