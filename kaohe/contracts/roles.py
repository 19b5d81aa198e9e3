"""Who signs a contract: the roles the scheme lists, or the defaults.

A scheme lists its signatories in ``Scheme.signatory_roles`` as ``[{role, name, first}]``:
``role`` is an official's role code (``party_secretary``) or a label of the county's own
(``院长``), ``name`` the label printed on the contract (``村支书``), ``first`` marks the first
responsible persons (第一责任人), one of whom must sign. A scheme that lists none is signed as
before roles were configurable: the party secretary or the director first, with the family
planning officer and the stationed cadre (:data:`FIRST_RESPONSIBLE`, :data:`SIGNING_ROLES`).

A signatory's role on the contract is the printed label, free text; it matches a configured
role when the official's role code, or the label itself, is the configured code or label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kaohe.orgunits.models import Official, OfficialRole
from kaohe.schemes.models import Scheme

from .errors import ContractError
from .models import Contract

# The fallback when a scheme lists no roles. 第一责任人: without one of them no contract is signed.
FIRST_RESPONSIBLE = (OfficialRole.PARTY_SECRETARY, OfficialRole.DIRECTOR)
SIGNING_ROLES = (*FIRST_RESPONSIBLE, OfficialRole.FP_OFFICER, OfficialRole.STATIONED_CADRE)
MAX_LABEL = 30


@dataclass(frozen=True)
class SigningRole:
    """One configured role: the code or label it matches, the printed label, first or not."""

    role: str
    name: str
    first: bool

    def matches(self, official_role: str, label: str) -> bool:
        return official_role == self.role or label.strip() in (self.role, self.name)


def source_label(role: str) -> str:
    """The Chinese label of an official role code (the contract is printed in Chinese, whatever
    the language of the page that drew it up); an unknown code is its own label."""
    if role not in OfficialRole.values:
        return role
    with translation.override(settings.LANGUAGE_CODE):
        return str(OfficialRole(role).label)


def _default_roles() -> tuple[SigningRole, ...]:
    return tuple(
        SigningRole(role=code, name=source_label(code), first=code in FIRST_RESPONSIBLE)
        for code in SIGNING_ROLES
    )


def signing_roles(scheme: Scheme) -> tuple[SigningRole, ...]:
    """The scheme's configured roles, in its order, or the defaults when it lists none."""
    roles = []
    for entry in scheme.signatory_roles or []:
        if not isinstance(entry, dict):
            continue
        code = str(entry.get("role") or "").strip()
        name = str(entry.get("name") or "").strip()
        if not code and not name:
            continue
        roles.append(
            SigningRole(
                role=code or name,
                name=(name or source_label(code))[:MAX_LABEL],
                first=bool(entry.get("first")),
            )
        )
    return tuple(roles) or _default_roles()


def role_for(
    roles: Iterable[SigningRole], official_role: str, label: str = ""
) -> SigningRole | None:
    """The first configured role that an official's role code (or a label) matches."""
    return next((r for r in roles if r.matches(official_role, label)), None)


def label_for(scheme: Scheme, official: Official) -> str:
    """The label an official signs with when none is given: the configured one, else the
    Chinese name of their role."""
    found = role_for(signing_roles(scheme), official.role)
    return found.name if found else source_label(official.role)


def first_names(roles: Iterable[SigningRole]) -> str:
    """The labels of the first responsible persons, for messages (``村支书、村主任``)."""
    return "、".join(dict.fromkeys(r.name for r in roles if r.first))


def has_first_responsible(contract: Contract) -> bool:
    """Whether one of the contract's signatories is a first responsible person of its scheme."""
    firsts = [r for r in signing_roles(contract.scheme) if r.first]
    return any(
        any(r.matches(s.official.role, s.role) for r in firsts)
        for s in contract.signatories.select_related("official")
    )


def proposed_signatories(scheme: Scheme, unit_id: int) -> list[tuple[Official, str]]:
    """The unit's serving officials whose role the scheme lists, in the scheme's order, each
    with the label they sign with."""
    roles = signing_roles(scheme)
    officials = Official.objects.filter(unit_id=unit_id, active=True).order_by("name", "code")
    found: list[tuple[int, Official, str]] = []
    for official in officials:
        for index, role in enumerate(roles):
            if role.matches(official.role, ""):
                found.append((index, official, role.name))
                break
    found.sort(key=lambda row: row[0])
    return [(official, label) for _index, official, label in found]


def check_label(label: str) -> str:
    """The label cleaned, or a refusal naming ``role``."""
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL:
        raise ContractError(
            "role",
            _(
                "签订身份必填，最多 {n} 个字 / the signing role is required, at most {n} characters"
            ).format(n=MAX_LABEL),
        )
    return label


def check_signatory(contract: Contract, official: Official) -> None:
    """Refuse an official who has left, or who belongs to another unit; the township's
    stationed cadre (包村干部) of the unit's own township may sign."""
    if not official.active:
        raise ContractError(
            "signatory",
            _("{name}（{code}）已不在任 / {code} no longer serves").format(
                name=official.name, code=official.code
            ),
        )
    if official.unit_id == contract.unit_id:
        return
    if (
        official.role == OfficialRole.STATIONED_CADRE
        and official.unit_id == contract.unit.parent_id
    ):
        return
    raise ContractError(
        "signatory",
        _(
            "签订人 {name}（{code}）不属于 {unit} / signatory {code} does not belong to {unit}"
        ).format(name=official.name, code=official.code, unit=contract.unit.code),
    )


def candidates(contract: Contract) -> list[Official]:
    """Who may be added: the unit's serving officials and its township's stationed cadres,
    less those already signing."""
    present = set(contract.signatories.values_list("official_id", flat=True))
    own = Official.objects.filter(unit_id=contract.unit_id, active=True)
    cadres = Official.objects.filter(
        unit_id=contract.unit.parent_id, active=True, role=OfficialRole.STATIONED_CADRE
    )
    return [o for o in (own | cadres).select_related("unit") if o.pk not in present]
