"""Names of elements, units and data sets in a file, both ways, and how disaggregations fold.

:func:`import_lookups` reads, in a handful of queries, everything an import needs to turn the
texts of a file into ids: elements and units by the scheme asked for (``code``, ``name`` or
``uid``), the combination mappings, and which units the actor may enter figures for.
:func:`export_names` does the reverse for an export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import polars as pl
from django.db.models import QuerySet

from kaohe.core.access import CHANGE, restrict
from kaohe.datavalues.importing import DEFAULT_COMBO_NAME, DEFAULT_COMBO_UID
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.orgunits.models import OrgUnit

from .formats import combo_text
from .models import CategoryComboMapping, ExternalId, ExternalKind
from .options import IdScheme

__all__ = [
    "AMBIGUOUS",
    "ElementInfo",
    "ExportNames",
    "Lookups",
    "UnitInfo",
    "default_combo",
    "export_names",
    "import_lookups",
    "is_default_combo",
]

#: The id given to a name several rows share (an ambiguous name is a conflict).
AMBIGUOUS: Final = -1


def is_default_combo(text: str | None) -> bool:
    """Whether a category (or attribute) option combination is DHIS2's default one."""
    return (
        text is None
        or text == ""
        or text == DEFAULT_COMBO_UID
        or text.lower() == DEFAULT_COMBO_NAME
    )


def default_combo(scheme: IdScheme) -> str:
    """How the default combination is written under ``scheme``."""
    return DEFAULT_COMBO_UID if scheme is IdScheme.UID else DEFAULT_COMBO_NAME


def normal_adx_options(text: str) -> str:
    """``SEX = MALE; AGE=0-4`` as a combination mapping keeps it: ``AGE=0-4;SEX=MALE``."""
    pairs = []
    for part in text.split(";"):
        if part.strip():
            category, _sep, option = part.partition("=")
            pairs.append((category.strip(), option.strip()))
    return combo_text(pairs)


@dataclass(frozen=True, slots=True)
class ElementInfo:
    id: int
    code: str
    name: str
    value_type: str
    zero_is_significant: bool


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    opening_date: date | None
    closed_date: date | None


def _named(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Ids by name; a name two rows share maps to :data:`AMBIGUOUS`."""
    found: dict[str, int] = {}
    for name, pk in rows:
        found[name] = AMBIGUOUS if name in found and found[name] != pk else pk
    return found


def _by_scheme(queryset: QuerySet[Any], kind: str, scheme: IdScheme) -> dict[str, int]:
    if scheme is IdScheme.CODE:
        return dict(queryset.values_list("code", "pk"))
    if scheme is IdScheme.NAME:
        return _named(queryset.values_list("name", "pk"))
    return dict(
        ExternalId.objects.filter(kind=kind).values_list("uid", f"{kind}_id")  # type: ignore[misc]
    )


@dataclass
class Lookups:
    """What an import needs to know about Kaohe's rows, read once."""

    elements: dict[int, ElementInfo]
    units: dict[int, UnitInfo]
    element_ids: dict[str, int]
    unit_ids: dict[str, int]
    #: Units the actor may enter figures for (None: every unit, the console).
    allowed_units: set[int] | None
    #: (source element text, combination) → (mapping id, target element id or None: the same).
    combos: dict[tuple[str, str], tuple[int, int | None]] = field(default_factory=dict)
    adx_combos: dict[tuple[str, str], tuple[int, int | None]] = field(default_factory=dict)

    def combo_frame(self, adx: bool) -> pl.DataFrame:
        """The combination mappings as a frame to join a batch with."""
        mapping = self.adx_combos if adx else self.combos
        return pl.DataFrame(
            {
                "map_element": [k[0] for k in mapping],
                "map_combo": [k[1] for k in mapping],
                "map_id": [v[0] for v in mapping.values()],
                "map_target": [v[1] for v in mapping.values()],
            },
            schema={
                "map_element": pl.String(),
                "map_combo": pl.String(),
                "map_id": pl.Int64(),
                "map_target": pl.Int64(),
            },
        )


def import_lookups(*, elements_by: IdScheme, units_by: IdScheme, user: Any | None) -> Lookups:
    """Everything an import looks up, for an actor who is ``user`` (None: the console)."""
    elements = {
        pk: ElementInfo(pk, code, name, value_type, zero)
        for pk, code, name, value_type, zero in DataElement.objects.values_list(
            "pk", "code", "name", "value_type", "zero_is_significant"
        )
    }
    units = {
        pk: UnitInfo(pk, code, name, opening, closed)
        for pk, code, name, opening, closed in OrgUnit.objects.values_list(
            "pk", "code", "name", "opening_date", "closed_date"
        )
    }
    allowed: set[int] | None = None
    if user is not None:
        allowed = set(restrict(OrgUnit.objects.all(), user, CHANGE).values_list("pk", flat=True))
    lookups = Lookups(
        elements=elements,
        units=units,
        element_ids=_by_scheme(DataElement.objects.all(), ExternalKind.ELEMENT, elements_by),
        unit_ids=_by_scheme(OrgUnit.objects.all(), ExternalKind.UNIT, units_by),
        allowed_units=allowed,
    )
    for mapping in CategoryComboMapping.objects.all():
        target = (mapping.pk, mapping.element_id)
        if mapping.combo:
            lookups.combos[(mapping.source_element, mapping.combo)] = target
        if mapping.adx_options:
            key = (mapping.source_element, normal_adx_options(mapping.adx_options))
            lookups.adx_combos[key] = target
    return lookups


# --- exports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disaggregation:
    """How an element goes out when a mapping folds a combination into it."""

    element: str
    combo: str
    adx_categories: tuple[tuple[str, str], ...]


@dataclass
class ExportNames:
    """How each element, unit and data set is written by an export, and which are missing."""

    elements: dict[int, str]
    units: dict[int, str]
    datasets: dict[int, str]
    default: str
    #: Element id → the data set it goes out with in ADX (the first, by code, holding it).
    dataset_of: dict[int, int]
    disaggregations: dict[int, Disaggregation]
    missing: dict[str, list[str]] = field(default_factory=dict)


def _names_of(
    queryset: QuerySet[Any], kind: str, scheme: IdScheme, missing: dict[str, list[str]]
) -> dict[int, str]:
    rows = list(queryset.values_list("pk", "code", "name"))
    if scheme is IdScheme.CODE:
        return {pk: code for pk, code, _name in rows}
    if scheme is IdScheme.NAME:
        return {pk: name for pk, _code, name in rows}
    uids: Mapping[int, str] = dict(
        ExternalId.objects.filter(kind=kind, **{f"{kind}__in": [r[0] for r in rows]}).values_list(
            f"{kind}_id", "uid"
        )  # type: ignore[arg-type]
    )
    lacking = [code for pk, code, _name in rows if pk not in uids]
    if lacking:
        missing[kind] = sorted(lacking)
    return dict(uids)


def export_names(
    *,
    element_ids: Iterable[int],
    units: QuerySet[OrgUnit],
    elements_by: IdScheme,
    units_by: IdScheme,
    preferred_datasets: Sequence[int] = (),
    adx: bool = False,
) -> ExportNames:
    """How an export over these elements and units names them (``missing``: the codes of
    those that have no external identifier under the ``uid`` scheme). An element goes out
    with the first of ``preferred_datasets`` holding it, else the first data set by code; an
    element a mapping disaggregates (in the way the format writes: ``adx``) goes out as the
    mapping's source element and needs no name of its own."""
    wanted = sorted(set(element_ids))
    missing: dict[str, list[str]] = {}
    disaggregations = {
        element_id: split
        for element_id, split in _disaggregations(wanted).items()
        if (split.adx_categories if adx else split.combo)
    }
    elements = _names_of(
        DataElement.objects.filter(pk__in=[e for e in wanted if e not in disaggregations]),
        ExternalKind.ELEMENT,
        elements_by,
        missing,
    )
    unit_names = _names_of(units, ExternalKind.UNIT, units_by, missing)
    rank = {pk: i for i, pk in enumerate(preferred_datasets)}
    holding: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for element_id, dataset_id, code in DataSetElement.objects.filter(
        element_id__in=wanted
    ).values_list("element_id", "dataset_id", "dataset__code"):
        holding[element_id].append((rank.get(dataset_id, len(rank)), code, dataset_id))
    dataset_of = {element_id: min(found)[2] for element_id, found in holding.items()}
    # Only ADX names data sets.
    datasets = (
        _names_of(
            DataSet.objects.filter(pk__in=set(dataset_of.values())),
            ExternalKind.DATASET,
            elements_by,
            missing,
        )
        if adx
        else {}
    )
    return ExportNames(
        elements=elements,
        units=unit_names,
        datasets=datasets,
        default=default_combo(elements_by),
        dataset_of=dataset_of,
        disaggregations=disaggregations,
        missing=missing,
    )


def _disaggregations(element_ids: list[int]) -> dict[int, Disaggregation]:
    """Elements that one mapping (with a source element) alone leads to, and how it names
    them; an element several mappings sum into goes out as itself."""
    leading: dict[int, list[CategoryComboMapping]] = defaultdict(list)
    for mapping in CategoryComboMapping.objects.filter(element_id__in=element_ids):
        leading[mapping.element_id].append(mapping)  # type: ignore[index]
    found: dict[int, Disaggregation] = {}
    for element_id, mappings in leading.items():
        if len(mappings) != 1 or not mappings[0].source_element:
            continue
        mapping = mappings[0]
        categories: list[tuple[str, str]] = []
        for part in normal_adx_options(mapping.adx_options).split(";"):
            if part:
                category, _sep, option = part.partition("=")
                categories.append((category, option))
        found[element_id] = Disaggregation(mapping.source_element, mapping.combo, tuple(categories))
    return found
