"""Drawing up, signing and amending contracts. Every change runs in one transaction and writes
its audit row; refusals raise :class:`ContractError`, naming the field, Chinese first.

Pages and the API act for a signed-in person, who must administer the contract's unit (its
township); the console acts for whoever runs it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_administer
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus, ScoringItem, UnitTarget

from .caps import check_birth_cap
from .errors import ContractError, TargetErrors
from .models import Contract, ContractSignatory, ContractStatus, ContractTarget
from .roles import (
    FIRST_RESPONSIBLE,
    SIGNING_ROLES,
    check_label,
    check_signatory,
    first_names,
    has_first_responsible,
    proposed_signatories,
    signing_roles,
)
from .selectors import units_of, unsigned

__all__ = [
    "FIRST_RESPONSIBLE",
    "SIGNING_ROLES",
    "ContractError",
    "GenerateOutcome",
    "TargetErrors",
    "check_target",
    "do_add_signatory",
    "do_amend",
    "do_generate_contracts",
    "do_remove_signatory",
    "do_set_target",
    "do_set_targets",
    "do_sign",
    "unsigned",
    "units_of",
]

OBJECT_TYPE = "contract"
# The largest sensible target for a rate, by the unit it is given in.
_UPPER_BOUND = {"%": 100.0, "‰": 1000.0, "‱": 10000.0}


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


def _person(actor: Actor) -> Any | None:
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def _check_actor(actor: Actor, unit: OrgUnit) -> None:
    """Refuse a person who does not administer ``unit``; a page or API call without a signed-in
    person is refused too (the console, which has none, acts for whoever runs it)."""
    refusal = _(
        "你不能起草、修改或签订 {unit} 的责任书 / you may not draw up, change or sign the "
        "contracts of {unit}"
    ).format(unit=unit.code)
    user = _person(actor)
    if user is None:
        if actor.channel in (Channel.WEB, Channel.API):
            raise PermissionDenied(refusal)
        return
    if not may_administer(user, unit):
        raise PermissionDenied(refusal)


def check_target(item: ScoringItem, value: float) -> None:
    """Refuse a target outside the range of its indicator (negative, or a rate over its base)."""
    upper = _UPPER_BOUND.get(item.unit.strip())
    if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
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


def _checked_targets(contract: Contract, values: Mapping[str, float]) -> dict[ScoringItem, float]:
    """Every value checked against its item; all the problems at once, by item code."""
    items = {item.code: item for item in contract.scheme.items.all()}
    checked: dict[ScoringItem, float] = {}
    problems: dict[str, str] = {}
    for code, value in values.items():
        item = items.get(code)
        if item is None:
            problems[code] = _("考核方案中没有项目 {code} / the scheme has no item {code}").format(
                code=code
            )
            continue
        try:
            check_target(item, float(value))
        except (ContractError, TypeError, ValueError) as error:
            problems[code] = str(error)
            continue
        checked[item] = float(value)
    if problems:
        error = TargetErrors(problems)
        if not any(code in items for code in problems):
            error.field = "item"
        raise error
    return checked


def _lock(contract: Contract) -> Contract:
    return (
        # Only the contract's row is locked: PostgreSQL cannot lock the nullable side of the
        # outer join to the unit's parent.
        Contract.objects.select_for_update(of=("self",))
        .select_related("scheme", "unit", "unit__parent")
        .get(pk=contract.pk)
    )


@transaction.atomic
def do_generate_contracts(
    scheme: Scheme, year: int, township: OrgUnit, actor: Actor
) -> GenerateOutcome:
    """A draft for each unit of the township that has no contract for the year yet: the
    scheme's items with the unit's own targets (else the defaults), and its serving officials
    of the roles the scheme lists as the proposed signatories."""
    _check_actor(actor, township)
    if scheme.status != SchemeStatus.PUBLISHED:
        raise ContractError(
            "scheme",
            _(
                "考核方案 {code} 第 {version} 版尚未发布，不能据以起草责任书 / scheme {code} "
                "version {version} is not published: contracts are drawn up from a published "
                "scheme only"
            ).format(code=scheme.code, version=scheme.version),
        )
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
        ContractSignatory.objects.bulk_create(
            ContractSignatory(contract=contract, official=official, role=label)
            for official, label in proposed_signatories(scheme, unit.pk)
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


@transaction.atomic
def do_set_target(contract: Contract, item_code: str, value: float, actor: Actor) -> Contract:
    """Set one target of a draft contract."""
    return do_set_targets(contract, {item_code: value}, actor)


@transaction.atomic
def do_set_targets(contract: Contract, values: Mapping[str, float], actor: Actor) -> Contract:
    """Set several targets of a draft at once: every value lands, or none does and
    :class:`TargetErrors` names each bad one. One audit row; none when nothing changed."""
    contract = _lock(contract)
    _check_actor(actor, contract.unit)
    _require_draft(contract)
    if not values:
        return contract
    checked = _checked_targets(contract, values)
    stored = {t.item_id: t.value for t in contract.targets.all()}
    changed = {item: v for item, v in checked.items() if stored.get(item.pk) != v}
    if not changed:
        return contract
    before = _snapshot(contract)
    for item, value in changed.items():
        ContractTarget.objects.update_or_create(
            contract=contract, item=item, defaults={"value": value}
        )
    contract.save(update_fields=["updated_at"])
    action = "contract.set_target" if len(values) == 1 else "contract.set_targets"
    record(actor, action, OBJECT_TYPE, _key(contract), before, _snapshot(contract))
    return contract


@transaction.atomic
def do_add_signatory(contract: Contract, official: Official, role: str, actor: Actor) -> Contract:
    """Add a signatory to a draft contract (an official of the unit, or its township's
    stationed cadre) with the label printed beside their name (村支书, 院长 …)."""
    contract = _lock(contract)
    _check_actor(actor, contract.unit)
    _require_draft(contract)
    label = check_label(role)
    check_signatory(contract, official)
    before = _snapshot(contract)
    ContractSignatory.objects.update_or_create(
        contract=contract, official=official, defaults={"role": label}
    )
    contract.save(update_fields=["updated_at"])
    record(
        actor, "contract.add_signatory", OBJECT_TYPE, _key(contract), before, _snapshot(contract)
    )
    return contract


@transaction.atomic
def do_remove_signatory(contract: Contract, official: Official, actor: Actor) -> Contract:
    """Take a signatory off a draft contract."""
    contract = _lock(contract)
    _check_actor(actor, contract.unit)
    _require_draft(contract)
    signatory = contract.signatories.filter(official=official).first()
    if signatory is None:
        raise ContractError(
            "signatory",
            _("{code} 不是此责任书的签订人 / {code} does not sign this contract").format(
                code=official.code
            ),
        )
    before = _snapshot(contract)
    signatory.delete()
    contract.save(update_fields=["updated_at"])
    record(
        actor, "contract.remove_signatory", OBJECT_TYPE, _key(contract), before, _snapshot(contract)
    )
    return contract


def _require_first_responsible(contract: Contract) -> None:
    if has_first_responsible(contract):
        return
    names = first_names(signing_roles(contract.scheme))
    raise ContractError(
        "signatories",
        _(
            "责任书 {key} 没有第一责任人（{names}），不能签订 / contract {key} has no first "
            "responsible person ({names})"
        ).format(key=_key(contract), names=names),
    )


@transaction.atomic
def do_sign(contract: Contract, signed_on: datetime.date, actor: Actor) -> Contract:
    """Sign a draft; from now on it changes only by amendment. Needs a first responsible
    person among the signatories, and the township's quotas within the county's cap."""
    contract = _lock(contract)
    _check_actor(actor, contract.unit)
    _require_draft(contract)
    _require_first_responsible(contract)
    check_birth_cap(
        contract, {t.item.code: t.value for t in contract.targets.select_related("item")}
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
    changes: Mapping[str, float],
    reason: str,
    actor: Actor,
    signed_on: datetime.date | None = None,
) -> Contract:
    """A new signed version with ``changes``; the old one is kept, marked superseded."""
    contract = _lock(contract)
    _check_actor(actor, contract.unit)
    if contract.status != ContractStatus.SIGNED:
        raise ContractError(
            "status",
            _("只能修订已签订的现行责任书 / only a signed, current contract can be amended"),
        )
    reason = (reason or "").strip()
    if not reason:
        raise ContractError("amendment_reason", _("修订必须说明原因 / an amendment needs a reason"))
    signed_on = signed_on or datetime.date.today()
    if contract.signed_on and signed_on < contract.signed_on:
        raise ContractError(
            "signed_on",
            _(
                "修订日期 {date} 早于上一版的签订日期 {previous} / the amendment is dated "
                "{date}, before the version it amends ({previous})"
            ).format(date=signed_on.isoformat(), previous=contract.signed_on.isoformat()),
        )
    checked = _checked_targets(contract, changes)
    current = {t.item.code: t.value for t in contract.targets.select_related("item")}
    if all(current.get(item.code) == value for item, value in checked.items()):
        raise ContractError(
            "target",
            _("修订没有改动任何目标 / the amendment changes no target"),
        )
    check_birth_cap(contract, current | {item.code: v for item, v in checked.items()})
    before = _snapshot(contract)
    amended = Contract.objects.create(
        scheme=contract.scheme,
        unit=contract.unit,
        year=contract.year,
        version=contract.version + 1,
        status=ContractStatus.SIGNED,
        signed_on=signed_on,
        amendment_reason=reason,
        previous=contract,
    )
    values = {t.item_id: t.value for t in contract.targets.all()} | {
        item.pk: v for item, v in checked.items()
    }
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
