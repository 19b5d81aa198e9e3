"""A township's metadata as one bundle (元数据交换): what a county needs to take it in.

:func:`township_document` lays out, in Kaohe's bundle format (``docs/formats.md``), the
township's units (its ancestors first, so the tree hangs where it did), the officials of those
units (the only persons Kaohe knows: the contracts' signatories), the configuration its rules
are made of — data elements, data sets, indicators, validation rules, cross-check sources and
every scheme version with its status — the units' own targets, and the responsibility contracts
of the township's units with their targets and signatories. Everything is laid out in a fixed
order, so exporting the same rows twice gives the same bytes.

The sections ``kaohe load`` knows are exactly the bundle format; the contracts are in a section
of their own (``contracts:``), which ``kaohe metadata import`` (:mod:`kaohe.levels.metadata_import`)
reads beside them. :func:`rules_document` is the county's side: only the rules (no units,
officials, targets or contracts), which ``kaohe load`` reads as it is in every township.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any, Final

import yaml
from django.db.models import QuerySet

from kaohe.bundles.records import VETO_CONSEQUENCES
from kaohe.bundles.services import stored_scheme_document
from kaohe.checks.models import Source
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Indicator, Scheme, UnitTarget
from kaohe.validation.models import ValidationRule

from .metadata_contracts import contract_entries

__all__ = [
    "FORMATS",
    "SECTIONS",
    "render_document",
    "rules_document",
    "township_document",
]

FORMATS: Final = ("yaml", "json")
#: The sections of an export, in the order they are written.
SECTIONS: Final = (
    "units",
    "elements",
    "datasets",
    "officials",
    "indicators",
    "schemes",
    "targets",
    "validation_rules",
    "sources",
    "contracts",
)
_EMPTY: Final = (None, "", [], {})


def _entry(values: Mapping[str, Any], required: Collection[str] = ()) -> dict[str, Any]:
    """``values`` without the optional keys left at their empty default (the loader's default
    for each of them), so an export reads like a bundle written by hand."""
    return {k: v for k, v in values.items() if k in required or not _is_empty(v)}


def _is_empty(value: Any) -> bool:
    return any(value is e or (type(value) is type(e) and value == e) for e in _EMPTY)


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- sections --------------------------------------------------------------------------------


def _units(township: OrgUnit) -> list[dict[str, Any]]:
    """The ancestors of ``township`` (top first), then its subtree in path order."""
    codes = township.path.strip("/").split("/")[:-1]
    ancestors = sorted(OrgUnit.objects.filter(code__in=codes), key=lambda u: codes.index(u.code))
    subtree = list(OrgUnit.objects.subtree(township).order_by("path"))
    parents = {u.pk: u.code for u in [*ancestors, *subtree]}
    return [
        _entry(
            {
                "code": u.code,
                "name": u.name,
                "name_en": u.name_en,
                "kind": u.kind,
                "parent": parents.get(u.parent_id) if u.parent_id else None,
                "sort_order": u.sort_order or None,
                "opening_date": _date(u.opening_date),
                "closed_date": _date(u.closed_date),
            },
            required=("code", "name", "kind"),
        )
        for u in [*ancestors, *subtree]
    ]


def _elements() -> list[dict[str, Any]]:
    entries = []
    for e in DataElement.objects.order_by("code"):
        entry = _entry(
            {
                "code": e.code,
                "name": e.name,
                "name_en": e.name_en,
                "value_type": e.value_type,
                "aggregation": e.aggregation,
                "zero_is_significant": e.zero_is_significant,
                "description": e.description,
            },
            required=("code", "name", "value_type", "aggregation"),
        )
        if e.zero_is_significant:  # the default: written only when it is false
            del entry["zero_is_significant"]
        entries.append(entry)
    return entries


def _datasets() -> list[dict[str, Any]]:
    members: dict[int, list[str]] = {}
    links = DataSetElement.objects.order_by("dataset_id", "sort_order", "pk")
    for dataset_id, code in links.values_list("dataset_id", "element__code"):
        members.setdefault(dataset_id, []).append(code)
    return [
        _entry(
            {
                "code": d.code,
                "name": d.name,
                "name_en": d.name_en,
                "period_type": d.period_type,
                "unit_kinds": list(d.unit_kinds),
                "due_day": d.due_day,
                "lock_after_days": d.lock_after_days,
                "validation_required": d.validation_required,
                "elements": members.get(d.pk, []),
            },
            required=("code", "name", "period_type", "unit_kinds", "elements"),
        )
        for d in DataSet.objects.order_by("code")
    ]


def _officials(units: QuerySet[OrgUnit]) -> list[dict[str, Any]]:
    rows = Official.objects.filter(unit__in=units).select_related("unit")
    return [
        _entry(
            {
                "code": o.code,
                "name": o.name,
                "role": o.role,
                "unit": o.unit.code,
                # The default (in office) is left out: only those who left say so.
                "active": None if o.active else False,
            },
            required=("code", "name", "role", "unit"),
        )
        for o in rows.order_by("unit__path", "code")
    ]


def _indicators() -> list[dict[str, Any]]:
    return [
        _entry(
            {
                "code": i.code,
                "name": i.name,
                "name_en": i.name_en,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "factor": i.factor,
                "decimals": i.decimals,
                "unit": i.unit,
                "valid_from": i.valid_from,
                "valid_to": i.valid_to,
                "validity_note": i.validity_note,
                "description": i.description,
            },
            required=("code", "name", "name_en", "numerator"),
        )
        for i in Indicator.objects.order_by("code")
    ]


def _scheme(scheme: Scheme) -> dict[str, Any]:
    """One scheme version as its bundle entry, built from the same comparable layout the loader
    checks a loaded scheme against (so a scheme taken in by another database compares equal)."""
    document = stored_scheme_document(scheme)
    contract = {k: v for k, v in document["contract"].items() if k != VETO_CONSEQUENCES}
    consequences: Mapping[str, list[str]] = document["contract"][VETO_CONSEQUENCES]
    head = {"code": scheme.code, "version": scheme.version, "status": scheme.status}
    fields = {**document["scheme"], **contract}
    items = [
        _entry(
            {
                **{k: v for k, v in row.items() if k not in ("rule_type", "sort_order")},
                "rule": row["rule_type"],
            },
            required=("code", "name", "name_en", "weight", "rule", "actual"),
        )
        for row in document["items"]
    ]
    vetoes = [
        _entry(
            {
                **{k: v for k, v in row.items() if k != "sort_order"},
                VETO_CONSEQUENCES: consequences.get(row["code"], []),
            },
            required=("code", "name", "name_en", "condition"),
        )
        for row in document["vetoes"]
    ]
    return _entry(
        {
            **head,
            **fields,
            "constants": document["constants"],
            "items": items,
            "vetoes": vetoes,
            "grades": document["grades"],
        },
        required=("code", "version", "name", "unit_kinds", "items", "total"),
    )


def _schemes() -> list[dict[str, Any]]:
    rows = Scheme.objects.prefetch_related("items", "vetoes", "grades", "constants")
    return [_scheme(s) for s in rows.order_by("code", "version")]


def _targets(units: QuerySet[OrgUnit]) -> list[dict[str, Any]]:
    rows = UnitTarget.objects.filter(unit__in=units).values_list(
        "item__scheme__code", "item__scheme__version", "item__code", "year", "unit__code", "value"
    )
    grouped: dict[tuple[str, int, str, int], dict[str, float]] = {}
    for scheme, version, item, year, unit, value in rows:
        grouped.setdefault((scheme, version, item, year), {})[unit] = value
    return [
        {
            "scheme": scheme,
            "version": version,
            "item": item,
            "year": year,
            "values": dict(sorted(values.items())),
        }
        for (scheme, version, item, year), values in sorted(grouped.items())
    ]


def _validation_rules() -> list[dict[str, Any]]:
    rows = ValidationRule.objects.select_related("dataset").order_by("code")
    return [
        _entry(
            {
                "code": r.code,
                "name": r.name,
                "name_en": r.name_en,
                "left": r.left,
                "operator": r.operator,
                "right": r.right,
                "importance": r.importance,
                "left_missing": r.left_missing,
                "right_missing": r.right_missing,
                "period_type": r.period_type,
                "unit_kinds": list(r.unit_kinds),
                "dataset": r.dataset.code if r.dataset else None,
                "message_zh": r.message_zh,
                "message_en": r.message_en,
                "description": r.description,
            },
            required=("code", "name", "left", "operator", "right", "period_type", "message_zh"),
        )
        for r in rows
    ]


def _sources() -> list[dict[str, Any]]:
    rows = Source.objects.prefetch_related("elements").order_by("sort_order", "code")
    return [
        _entry(
            {
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "kind": s.kind,
                "elements": sorted(e.code for e in s.elements.all()),
                "unit_kinds": list(s.unit_kinds),
                "department_kind": s.department_kind,
                "period_type": s.period_type,
                "sort_order": s.sort_order or None,
                "description": s.description,
            },
            required=("code", "name", "kind", "elements"),
        )
        for s in rows
    ]


# --- documents -------------------------------------------------------------------------------


def _document(sections: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """``kaohe_bundle: 1`` and the sections that have entries, in :data:`SECTIONS` order."""
    document: dict[str, Any] = {"kaohe_bundle": 1}
    for name in SECTIONS:
        if sections.get(name):
            document[name] = sections[name]
    return document


def rules_document() -> dict[str, Any]:
    """The rules alone: elements, data sets, indicators, schemes, validation rules, sources.

    What a county hands to each of its townships; ``kaohe load`` reads it as it is."""
    return _document(
        {
            "elements": _elements(),
            "datasets": _datasets(),
            "indicators": _indicators(),
            "schemes": _schemes(),
            "validation_rules": _validation_rules(),
            "sources": _sources(),
        }
    )


def township_document(township: OrgUnit) -> dict[str, Any]:
    """Everything a county needs of ``township``: its units, officials, rules, targets and
    contracts (see the module's description)."""
    subtree = OrgUnit.objects.subtree(township)
    return _document(
        {
            "units": _units(township),
            "elements": _elements(),
            "datasets": _datasets(),
            "officials": _officials(subtree),
            "indicators": _indicators(),
            "schemes": _schemes(),
            "targets": _targets(subtree),
            "validation_rules": _validation_rules(),
            "sources": _sources(),
            "contracts": contract_entries(subtree),
        }
    )


def render_document(document: Mapping[str, Any], fmt: str = "yaml", title: str = "") -> str:
    """The document as YAML (with ``title`` as a comment on the first line) or JSON."""
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    head = f"# {title}\n" if title else ""
    body = yaml.safe_dump(
        dict(document), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )
    return head + body
