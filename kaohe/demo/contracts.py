"""The demo township's birth plans and contracts, made through the same services a clerk uses.

For each year the county's cap is recorded as the township's birth plan (the villages' quotas
the generator allocated, entered as the hand-adjusted quotas of a population allocation), then
every unit's contract is generated from the published schemes and signed at the start of the
assessment period. One village's contract of the last year is amended (its meetings target
lowered, with the reason), and one village of the last year is left unsigned, so the contract
pages show each state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kaohe.assessments.services import assessment_period
from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.services import do_amend, do_generate_contracts, do_sign
from kaohe.engine.allocation import AllocationMethod
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.allocation import do_apply_allocation
from kaohe.schemes.models import Scheme

# The village whose last-year contract is amended, the item and its new target.
AMENDED_VILLAGE = "V01"
AMENDED_ITEM = "MEETINGS"
AMENDED_TARGET = 3.0
# The village that has not signed its last-year contract yet.
UNSIGNED_VILLAGE = "V20"


@dataclass(frozen=True)
class DemoContracts:
    """What the demo's contract step made."""

    plans: int
    signed: int
    amended: list[str]
    unsigned: list[str]


def do_demo_contracts(
    actor: Actor,
    township: OrgUnit,
    schemes: Sequence[Scheme],
    years: Sequence[int],
    caps: Mapping[int, int],
    quotas: Mapping[int, Mapping[str, int]],
) -> DemoContracts:
    """Birth plans for the schemes that have a plan item, then every contract, signed."""
    plans = 0
    for scheme in schemes:
        if not scheme.plan_item:
            continue
        for year in years:
            do_apply_allocation(
                scheme,
                year,
                township=township,
                method=AllocationMethod.POPULATION,
                cap_births=caps[year],
                adjust=dict(quotas[year]),
                actor=actor,
                reason="示范镇：县下达的人口计划 / the demo: the plan the county handed down",
            )
            plans += 1
    last = max(years)
    signed = 0
    amended: list[str] = []
    unsigned: list[str] = []
    for scheme in schemes:
        for year in years:
            outcome = do_generate_contracts(scheme, year, township, actor)
            signed_on = assessment_period(scheme, year).start
            for contract in outcome.created:
                if year == last and contract.unit.code == UNSIGNED_VILLAGE:
                    unsigned.append(f"{contract.unit.code}/{year}")
                    continue
                do_sign(contract, signed_on, actor)
                signed += 1
    for scheme in schemes:
        contract = (
            Contract.objects.filter(
                scheme=scheme,
                year=last,
                unit__code=AMENDED_VILLAGE,
                status=ContractStatus.SIGNED,
            )
            .select_related("unit")
            .first()
        )
        if contract is None or not scheme.items.filter(code=AMENDED_ITEM).exists():
            continue
        do_amend(
            contract,
            {AMENDED_ITEM: AMENDED_TARGET},
            # Stored as the amendment's reason: data, in both languages, not translated.
            "村两委换届，专题会议次数经镇政府研究调整为每年3次 / the village committee was "
            "re-elected: the township lowered the meetings target to 3 a year",
            actor,
            signed_on=assessment_period(scheme, last).start.replace(month=7),
        )
        amended.append(f"{AMENDED_VILLAGE}/{last}")
    return DemoContracts(plans=plans, signed=signed, amended=amended, unsigned=unsigned)
