"""Writing the exchange's configuration: external identifiers and combination mappings.

Each ``do_*`` runs in one transaction and writes an audit row per row it creates, changes or
deletes. Who may call them is the caller's check (system administrators: these are
configuration, like elements and data sets). :func:`do_load_mappings` loads a YAML file of
both, all or nothing; :func:`dump_mappings` writes the same YAML back::

    kaohe_mappings: 1
    external_ids:
      element: {BIRTHS: DUSpd8Jq3M7}
      unit: {V01: gP6hn503KUX}
      dataset: {FP_MONTHLY: pBOMPrpg1QX}
    combos:
      - {source_element: BIRTHS, combo: male, element: BIRTHS_BOYS, note: 男孩}
      - {source_element: BIRTHS, adx: SEX=MALE, element: BIRTHS_BOYS}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

import yaml
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor, record
from kaohe.elements.models import DataElement, DataSet
from kaohe.orgunits.models import OrgUnit

from .identifiers import normal_adx_options
from .models import UID_PATTERN, CategoryComboMapping, ExternalId, ExternalKind

__all__ = [
    "MappingError",
    "do_delete_combo_mapping",
    "do_delete_external_id",
    "do_load_mappings",
    "do_save_combo_mapping",
    "do_set_external_id",
    "dump_mappings",
]

OBJECT_EXTERNAL: Final = "externalid"
OBJECT_COMBO: Final = "combomapping"
_UID: Final = re.compile(UID_PATTERN)
_MODELS: Final = {
    ExternalKind.ELEMENT: DataElement,
    ExternalKind.UNIT: OrgUnit,
    ExternalKind.DATASET: DataSet,
}


class MappingError(ValueError):
    """A mapping that cannot be saved; ``field`` names the field, the message is bilingual."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _external_snapshot(row: ExternalId) -> dict[str, str]:
    return {"kind": row.kind, "code": row.target_code, "uid": row.uid}


def _combo_snapshot(row: CategoryComboMapping) -> dict[str, str]:
    return {
        "source_element": row.source_element,
        "combo": row.combo,
        "adx": row.adx_options,
        "element": row.element.code if row.element is not None else "",
        "note": row.note,
    }


def _target(kind: str, code: str) -> Any:
    if kind not in _MODELS:
        raise MappingError(
            "kind",
            _("类型须为 element、unit 或 dataset / the kind must be element, unit or dataset"),
        )
    found = _MODELS[ExternalKind(kind)].objects.filter(code=code.strip()).first()
    if found is None:
        raise MappingError(
            "code", _("未知的代码 {code} / unknown code {code}").format(code=code.strip())
        )
    return found


@transaction.atomic
def do_set_external_id(actor: Actor, kind: str, code: str, uid: str) -> ExternalId:
    """Give the element, unit or data set ``code`` the external identifier ``uid`` (replacing
    the one it had)."""
    uid = uid.strip()
    if not _UID.fullmatch(uid):
        raise MappingError(
            "uid",
            _(
                "外部标识须为 11 位：字母开头，其后为字母或数字 / a uid has 11 characters: a letter, "
                "then letters or digits"
            ),
        )
    target = _target(kind, code)
    taken = ExternalId.objects.filter(kind=kind, uid=uid).exclude(**{kind: target}).first()
    if taken is not None:
        raise MappingError(
            "uid",
            _("{uid} 已用于 {code} / {uid} is already given to {code}").format(
                uid=uid, code=taken.target_code
            ),
        )
    row = ExternalId.objects.select_for_update().filter(**{kind: target}).first()
    before = _external_snapshot(row) if row is not None else None
    if row is None:
        row = ExternalId(kind=kind, **{kind: target})
    elif row.uid == uid:
        return row
    row.uid = uid
    row.save()
    record(
        actor,
        "interop.external_id.set",
        OBJECT_EXTERNAL,
        f"{kind}:{target.code}",
        before,
        _external_snapshot(row),
    )
    return row


@transaction.atomic
def do_delete_external_id(actor: Actor, row: ExternalId) -> None:
    """Forget an external identifier."""
    before = _external_snapshot(row)
    row.delete()
    record(
        actor,
        "interop.external_id.delete",
        OBJECT_EXTERNAL,
        f"{before['kind']}:{before['code']}",
        before,
    )


@dataclass(frozen=True)
class ComboInput:
    """A combination mapping as a person gives it (texts)."""

    source_element: str = ""
    combo: str = ""
    adx: str = ""
    element: str = ""
    note: str = ""


def _checked_combo(given: ComboInput) -> dict[str, Any]:
    combo = given.combo.strip()
    adx = normal_adx_options(given.adx) if given.adx.strip() else ""
    if given.adx.strip() and any("=" not in p for p in given.adx.split(";") if p.strip()):
        raise MappingError(
            "adx",
            _(
                "ADX 分类属性须写成 类别=选项，如 SEX=MALE / ADX options are CATEGORY=OPTION, such as SEX=MALE"
            ),
        )
    if not combo and not adx:
        raise MappingError(
            "combo",
            _("请给出分类选项组合或 ADX 分类属性 / give a category option combo or ADX options"),
        )
    if combo and (combo.lower() == "default" or combo == "HllvX50cXC0"):
        raise MappingError(
            "combo", _("默认组合无需映射 / the default combination needs no mapping")
        )
    element = None
    if given.element.strip():
        element = DataElement.objects.filter(code=given.element.strip()).first()
        if element is None:
            raise MappingError(
                "element",
                _("未知的数据元素代码 {code} / unknown data element code {code}").format(
                    code=given.element.strip()
                ),
            )
    if element is None and not given.source_element.strip():
        raise MappingError(
            "element",
            _(
                "来源数据元素留空时须指定考核数据元素 / name the Kaohe element when the source element "
                "is left empty"
            ),
        )
    return {
        "source_element": given.source_element.strip(),
        "combo": combo,
        "adx_options": adx,
        "element": element,
        "note": given.note.strip()[:200],
    }


@transaction.atomic
def do_save_combo_mapping(
    actor: Actor, given: ComboInput, mapping: CategoryComboMapping | None = None
) -> CategoryComboMapping:
    """Create a combination mapping, or change ``mapping``."""
    fields = _checked_combo(given)
    before = _combo_snapshot(mapping) if mapping is not None else None
    row = mapping or CategoryComboMapping()
    for name, value in fields.items():
        setattr(row, name, value)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise MappingError(
            "combo",
            _(
                "同一来源数据元素的这一组合已有映射 / this combination of this source element is "
                "mapped already"
            ),
        ) from None
    after = _combo_snapshot(row)
    if before != after:
        record(actor, "interop.combo.save", OBJECT_COMBO, str(row), before, after)
    return row


@transaction.atomic
def do_delete_combo_mapping(actor: Actor, mapping: CategoryComboMapping) -> None:
    """Remove a combination mapping."""
    before = _combo_snapshot(mapping)
    key = str(mapping)
    mapping.delete()
    record(actor, "interop.combo.delete", OBJECT_COMBO, key, before)


@dataclass
class LoadOutcome:
    """What loading a mappings file did."""

    external_ids: int = 0
    combos: int = 0
    problems: list[str] = field(default_factory=list)


def _combo_matching(fields: dict[str, Any]) -> CategoryComboMapping | None:
    rows = CategoryComboMapping.objects.filter(source_element=fields["source_element"])
    if fields["combo"]:
        return rows.filter(combo=fields["combo"]).first()
    return rows.filter(adx_options=fields["adx_options"]).first()


def do_load_mappings(actor: Actor, text: str) -> LoadOutcome:
    """Load a YAML file of mappings (module notes): every entry, or none. An entry for an
    object or combination mapped already replaces it. ``problems`` lists every entry that
    cannot be loaded (then nothing is)."""
    outcome = LoadOutcome()
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        outcome.problems.append(_("不是有效的 YAML / not valid YAML: {error}").format(error=exc))
        return outcome
    if not isinstance(document, dict) or document.get("kaohe_mappings") != 1:
        outcome.problems.append(
            _(
                "须为含 kaohe_mappings: 1 的 YAML 对象 / expected a YAML mapping with kaohe_mappings: 1"
            )
        )
        return outcome
    with transaction.atomic():
        for kind, entries in (document.get("external_ids") or {}).items():
            if not isinstance(entries, dict):
                outcome.problems.append(
                    f"external_ids.{kind}: " + _("须为 代码: 标识 / must be code: uid")
                )
                continue
            for code, uid in entries.items():
                try:
                    do_set_external_id(actor, str(kind), str(code), str(uid))
                    outcome.external_ids += 1
                except MappingError as exc:
                    outcome.problems.append(f"external_ids.{kind}.{code}: {exc}")
        for position, entry in enumerate(document.get("combos") or [], start=1):
            if not isinstance(entry, dict):
                outcome.problems.append(f"combos[{position}]: " + _("须为对象 / must be a mapping"))
                continue
            given = ComboInput(
                **{
                    k: str(entry.get(k) or "")
                    for k in ("source_element", "combo", "adx", "element", "note")
                }
            )
            try:
                fields = _checked_combo(given)
                do_save_combo_mapping(actor, given, _combo_matching(fields))
                outcome.combos += 1
            except MappingError as exc:
                outcome.problems.append(f"combos[{position}]: {exc}")
        if outcome.problems:
            transaction.set_rollback(True)
            outcome.external_ids = outcome.combos = 0
    return outcome


def dump_mappings() -> str:
    """Every mapping as the YAML :func:`do_load_mappings` reads."""
    external: dict[str, dict[str, str]] = {}
    for row in ExternalId.objects.select_related("element", "unit", "dataset"):
        external.setdefault(row.kind, {})[row.target_code] = row.uid
    combos = []
    for row in CategoryComboMapping.objects.select_related("element"):
        entry = {k: v for k, v in _combo_snapshot(row).items() if v}
        combos.append(entry)
    document = {"kaohe_mappings": 1, "external_ids": external, "combos": combos}
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
