"""The demo township's birth plans and contracts, made through the same services a clerk uses.

For each year of a scheme with a plan item (the 2006 village scheme) the county's cap is
recorded as the township's birth plan (the villages' quotas the generator allocated, entered as
the hand-adjusted quotas of a population allocation), then every unit's contract is generated
from each published scheme for each of its years and signed at the start of the assessment
period; VILLAGE_2026 has no plan item, so its years have contracts and no birth plan. One
village's contract of the story year (the 2006 library's last) is amended (its meetings target
lowered, with the reason), and one village's of that year is left unsigned, so the contract
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

# The village whose story-year contract is amended, the item and its new target.
AMENDED_VILLAGE = "V01"
AMENDED_ITEM = "MEETINGS"
AMENDED_TARGET = 3.0
# The village that has not signed its story-year contract yet.
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
    schemes: Sequence[tuple[Scheme, Sequence[int]]],
    caps: Mapping[int, int],
    quotas: Mapping[int, Mapping[str, int]],
    story_year: int,
) -> DemoContracts:
    """Birth plans for the schemes that have a plan item, then every contract, signed.

    ``schemes`` pairs each scheme with the demo's years it is valid for; ``story_year`` is the
    year whose contracts show an amendment and an unsigned one."""
    plans = 0
    for scheme, years in schemes:
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
    last = story_year
    signed = 0
    amended: list[str] = []
    unsigned: list[str] = []
    for scheme, years in schemes:
        for year in years:
            outcome = do_generate_contracts(scheme, year, township, actor)
            signed_on = assessment_period(scheme, year).start
            for contract in outcome.created:
                if year == last and contract.unit.code == UNSIGNED_VILLAGE:
                    unsigned.append(f"{contract.unit.code}/{year}")
                    continue
                do_sign(contract, signed_on, actor)
                signed += 1
    for scheme, years in schemes:
        if last not in years:
            continue
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
