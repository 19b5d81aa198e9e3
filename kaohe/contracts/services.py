"""Drawing up, signing and amending contracts. Every change runs in one transaction and writes
its audit row; refusals raise :class:`ContractError`, naming the field, Chinese first."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor, record
from kaohe.orgunits.models import Official, OfficialRole, OrgUnit
from kaohe.schemes.models import Scheme, ScoringItem, UnitTarget

from .models import Contract, ContractSignatory, ContractStatus, ContractTarget

OBJECT_TYPE = "contract"
# 第一责任人: without one of them a contract cannot be signed.
FIRST_RESPONSIBLE = (OfficialRole.PARTY_SECRETARY, OfficialRole.DIRECTOR)
SIGNING_ROLES = (*FIRST_RESPONSIBLE, OfficialRole.FP_OFFICER, OfficialRole.STATIONED_CADRE)
# The largest sensible target for a rate, by the unit it is given in.
_UPPER_BOUND = {"%": 100.0, "‰": 1000.0, "‱": 10000.0}


class ContractError(ValueError):
    """A step that cannot be taken; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class GenerateOutcome:
    created: list[Contract] = field(default_factory=list)
    skipped: list[OrgUnit] = field(default_factory=list)


def _key(contract: Contract) -> str:
    return f"{contract.scheme.code}/{contract.unit.code}/{contract.year}/v{contract.version}"


def _snapshot(contract: Contract) -> dict[str, object]:
    return {
        "status": contract.status,
        "signed_on": contract.signed_on.isoformat() if contract.signed_on else None,
        "targets": {t.item.code: t.value for t in contract.targets.select_related("item")},
        "signatories": [
            [s.official.code, s.role] for s in contract.signatories.select_related("official")
        ],
        "amendment_reason": contract.amendment_reason,
    }


def check_target(item: ScoringItem, value: float) -> None:
    """Refuse a target outside the range of its indicator (negative, or a rate over its base)."""
    upper = _UPPER_BOUND.get(item.unit.strip())
    if value < 0 or (upper is not None and value > upper):
        raise ContractError(
            "target",
            _(
                "目标值 {item}（{code}）= {value:g} 超出范围 0–{upper} / "
                "target {code} = {value:g} is out of range 0–{upper}"
            ).format(
                item=item.name,
                code=item.code,
                value=value,
                upper=f"{upper:g}{item.unit}" if upper is not None else "∞",
            ),
        )


def check_signatory(contract: Contract, official: Official, role: str) -> None:
    """Refuse an official of another unit; a stationed cadre may come from the parent township."""
    if official.unit_id == contract.unit_id:
        return
    if role == OfficialRole.STATIONED_CADRE and official.unit_id == contract.unit.parent_id:
        return
    raise ContractError(
        "signatory",
        _(
            "签订人 {name}（{code}）不属于 {unit} / signatory {code} does not belong to {unit}"
        ).format(name=official.name, code=official.code, unit=contract.unit.code),
    )


def units_of(scheme: Scheme, township: OrgUnit) -> list[OrgUnit]:
    """The units under ``township`` that ``scheme`` assesses, in tree order."""
    return list(
        OrgUnit.objects.subtree(township, include_root=False)
        .filter(kind__in=list(scheme.unit_kinds))
        .order_by("path")
    )


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().select_related("scheme", "unit").get(pk=contract.pk)


@transaction.atomic
def do_generate_contracts(
    scheme: Scheme, year: int, township: OrgUnit, actor: Actor
) -> GenerateOutcome:
    """A draft for each unit of the township that has no contract for the year yet."""
    outcome = GenerateOutcome()
    items = list(scheme.items.all())
    own = {
        (t.unit_id, t.item_id): t.value
        for t in UnitTarget.objects.filter(item__scheme=scheme, year=year)
    }
    for unit in units_of(scheme, township):
        if Contract.objects.filter(scheme=scheme, unit=unit, year=year).exists():
            outcome.skipped.append(unit)
            continue
        contract = Contract.objects.create(scheme=scheme, unit=unit, year=year)
        ContractTarget.objects.bulk_create(
            ContractTarget(contract=contract, item=item, value=v)
            for item in items
            if (v := own.get((unit.pk, item.pk), item.target)) is not None
        )
        officials = Official.objects.filter(unit=unit, active=True, role__in=SIGNING_ROLES)
        ContractSignatory.objects.bulk_create(
            ContractSignatory(contract=contract, official=o, role=o.role) for o in officials
        )
        record(actor, "contract.generate", OBJECT_TYPE, _key(contract), None, _snapshot(contract))
        outcome.created.append(contract)
    return outcome


def _require_draft(contract: Contract) -> None:
    if contract.status != ContractStatus.DRAFT:
        raise ContractError(
            "status",
            _("责任书 {key} 已签订，只能修订 / contract {key} is signed: amend it instead").format(
                key=_key(contract)
            ),
        )


def _item(contract: Contract, item_code: str) -> ScoringItem:
    try:
        return contract.scheme.items.get(code=item_code)
    except ScoringItem.DoesNotExist:
        raise ContractError(
            "item",
            _("考核方案中没有项目 {code} / the scheme has no item {code}").format(code=item_code),
        ) from None


@transaction.atomic
def do_set_target(contract: Contract, item_code: str, value: float, actor: Actor) -> Contract:
    """Set one target of a draft contract."""
    contract = _lock(contract)
    _require_draft(contract)
    item = _item(contract, item_code)
    check_target(item, value)
    before = _snapshot(contract)
    ContractTarget.objects.update_or_create(contract=contract, item=item, defaults={"value": value})
    contract.save(update_fields=["updated_at"])
    record(actor, "contract.set_target", OBJECT_TYPE, _key(contract), before, _snapshot(contract))
    return contract


@transaction.atomic
def do_add_signatory(contract: Contract, official: Official, role: str, actor: Actor) -> Contract:
    """Add a signatory to a draft contract (an official of the unit, or its stationed cadre)."""
    contract = _lock(contract)
    _require_draft(contract)
    check_signatory(contract, official, role)
    before = _snapshot(contract)
    ContractSignatory.objects.update_or_create(
        contract=contract, official=official, defaults={"role": role}
    )
    record(
        actor, "contract.add_signatory", OBJECT_TYPE, _key(contract), before, _snapshot(contract)
    )
    return contract


@transaction.atomic
def do_sign(contract: Contract, signed_on: datetime.date, actor: Actor) -> Contract:
    """Sign a draft; from now on it changes only by amendment."""
    contract = _lock(contract)
    _require_draft(contract)
    if not contract.signatories.filter(role__in=FIRST_RESPONSIBLE).exists():
        raise ContractError(
            "signatories",
            _(
                "责任书 {key} 没有第一责任人（村支书或村主任），不能签订 / "
                "contract {key} has no first responsible person (party secretary or director)"
            ).format(key=_key(contract)),
        )
    before = _snapshot(contract)
    contract.status = ContractStatus.SIGNED
    contract.signed_on = signed_on
    contract.save(update_fields=["status", "signed_on", "updated_at"])
    record(actor, "contract.sign", OBJECT_TYPE, _key(contract), before, _snapshot(contract))
    return contract


@transaction.atomic
def do_amend(
    contract: Contract,
    changes: dict[str, float],
    reason: str,
    actor: Actor,
    signed_on: datetime.date | None = None,
) -> Contract:
    """A new signed version with ``changes``; the old one is kept, marked superseded."""
    contract = _lock(contract)
    if contract.status != ContractStatus.SIGNED:
        raise ContractError(
            "status",
            _("只能修订已签订的现行责任书 / only a signed, current contract can be amended"),
        )
    reason = reason.strip()
    if not reason:
        raise ContractError("amendment_reason", _("修订必须说明原因 / an amendment needs a reason"))
    checked = {}
    for code, value in changes.items():
        item = _item(contract, code)
        check_target(item, value)
        checked[item.pk] = value
    before = _snapshot(contract)
    amended = Contract.objects.create(
        scheme=contract.scheme,
        unit=contract.unit,
        year=contract.year,
        version=contract.version + 1,
        status=ContractStatus.SIGNED,
        signed_on=signed_on or datetime.date.today(),
        amendment_reason=reason,
        previous=contract,
    )
    values = {t.item_id: t.value for t in contract.targets.all()} | checked
    ContractTarget.objects.bulk_create(
        ContractTarget(contract=amended, item_id=item_id, value=value)
        for item_id, value in values.items()
    )
    ContractSignatory.objects.bulk_create(
        ContractSignatory(contract=amended, official_id=s.official_id, role=s.role)
        for s in contract.signatories.all()
    )
    contract.status = ContractStatus.SUPERSEDED
    contract.save(update_fields=["status", "updated_at"])
    record(actor, "contract.amend", OBJECT_TYPE, _key(amended), before, _snapshot(amended))
    return amended


def unsigned(scheme: Scheme, year: int, township: OrgUnit) -> list[OrgUnit]:
    """The units of ``township`` assessed by ``scheme`` that have no signed contract for ``year``."""
    signed = Contract.objects.filter(
        scheme=scheme, year=year, unit=OuterRef("pk"), status=ContractStatus.SIGNED
    )
    ids = {u.pk for u in units_of(scheme, township)}
    return list(OrgUnit.objects.filter(pk__in=ids).exclude(Exists(signed)).order_by("path"))
