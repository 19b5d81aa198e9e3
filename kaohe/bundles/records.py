"""The plain data that validation takes in and gives back.

In: :class:`ExistingState`, what the database already holds that a bundle may refer to.
Out: a :class:`Bundle` of :class:`Record`, :class:`SchemeRecord` and :class:`TargetRecord`
entries, ready for :mod:`kaohe.bundles.services` to write. :func:`scheme_document` lays a
scheme's rows out the same way for a stored scheme and a loaded one, so the two compare.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kaohe.engine.spec import IndicatorSpec, SchemeSpec


@dataclass(frozen=True)
class ExistingScheme:
    """A scheme version already stored, as far as validation needs to know it."""

    code: str
    version: int
    items: frozenset[str]
    unit_kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    used: bool = False  # an AssessmentRun refers to it
    document: Mapping[str, Any] | None = None  # scheme_document() of the stored rows
    # The definitions of the indicators it uses, as stored; None when they cannot be read.
    indicators: tuple[IndicatorSpec, ...] | None = None
    published: bool = False  # frozen: any change needs a new version


@dataclass(frozen=True)
class ExistingState:
    """What the database already holds that a bundle may refer to (empty: a new database)."""

    units: Mapping[str, str | None] = field(default_factory=dict)  # code → parent code
    unit_kinds: Mapping[str, str] = field(default_factory=dict)  # code → kind
    elements: frozenset[str] = frozenset()
    datasets: frozenset[str] = frozenset()
    dataset_period_types: Mapping[str, str] = field(default_factory=dict)  # code → period type
    indicators: Mapping[str, IndicatorSpec] = field(default_factory=dict)
    schemes: Mapping[tuple[str, int], ExistingScheme] = field(default_factory=dict)


@dataclass(frozen=True)
class Where:
    """Where an entry came from."""

    file: str
    path: str
    line: int | None


@dataclass(frozen=True)
class Record:
    """One entry to upsert by code: model field values (without code and relations)."""

    code: str
    fields: dict[str, Any]
    where: Where
    parent: str | None = None  # units: the parent unit's code
    unit: str | None = None  # officials: their unit's code
    elements: tuple[str, ...] = ()  # datasets: element codes in order
    dataset: str | None = None  # validation rules: the data set's code, if tied to one


SCHEME_FIELDS = (
    "name",
    "name_en",
    "period_type",
    "total",
    "unit_kinds",
    "aggregate_from",
    "year_from",
    "year_to",
    "veto_grade",
    "description",
    "tracks",
    "coefficient",
    "coefficient_name",
    "period_parts",
    "corrections",
    "extra_indicators",
)
#: Scheme fields that configure what follows from the results — appeals, weak units and money
#: (:mod:`kaohe.bundles.outcome_options`) — rather than the scores themselves.
OUTCOME_FIELDS = (
    "appeal_days",
    "designation_rules",
    "money_rules",
)
#: Scheme fields printed in the contract, shown as warnings or applied to the results, not used
#: in scoring: a change to them is a change of the scheme row but not of its content hash.
CONTRACT_FIELDS = (
    "signatory_roles",
    "terms",
    "plan_item",
    "validity_note",
    *OUTCOME_FIELDS,
)
ITEM_FIELDS = (
    "code",
    "name",
    "name_en",
    "section",
    "sort_order",
    "weight",
    "rule_type",
    "params",
    "actual",
    "target",
    "direction",
    "track",
    "decimals",
    "unit",
    "description",
)
VETO_FIELDS = ("code", "name", "name_en", "condition", "sort_order")
#: What a veto means for the officials answerable (no honours, no promotion for a year): kept
#: with the contract part of a scheme's document, since it does not change a score.
VETO_CONSEQUENCES = "consequences"
#: Every key of a scheme's document that is not scoring content: a draft an assessment has
#: used may still change them (a published one never changes).
UNSCORED_KEYS = (*CONTRACT_FIELDS, VETO_CONSEQUENCES)
GRADE_FIELDS = ("code", "name", "name_en", "min_total")


def scheme_document(
    fields: Mapping[str, Any],
    constants: Mapping[str, float],
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
) -> dict[str, Any]:
    """A scheme's own rows as comparable plain data; ``rows`` has items, vetoes and grades.

    ``"contract"`` holds the :data:`CONTRACT_FIELDS` and each veto's consequences (by veto
    code); everything else is scoring content.
    """
    grades = [{k: row[k] for k in GRADE_FIELDS} for row in rows["grades"]]
    consequences = {row["code"]: list(row.get(VETO_CONSEQUENCES) or []) for row in rows["vetoes"]}
    return {
        "scheme": {k: fields[k] for k in SCHEME_FIELDS},
        "constants": dict(sorted(constants.items())),
        "items": [{k: row[k] for k in ITEM_FIELDS} for row in rows["items"]],
        "vetoes": [{k: row[k] for k in VETO_FIELDS} for row in rows["vetoes"]],
        "grades": sorted(grades, key=lambda g: (-g["min_total"], g["code"])),
        "contract": {
            **{k: fields[k] for k in CONTRACT_FIELDS},
            VETO_CONSEQUENCES: consequences,
        },
    }


def document_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """The bundle keys in which two :func:`scheme_document` layouts differ, in key order.

    Scheme and contract fields are named one by one (``terms``, ``tracks``, ``money_rules``);
    the rows are named by their list (``items``, ``vetoes``, ``grades``, ``constants``), and
    the vetoes' consequences as ``consequences``.
    """
    old = old or {}
    changed = [
        name for name in SCHEME_FIELDS if old.get("scheme", {}).get(name) != new["scheme"][name]
    ]
    changed += [
        part for part in ("constants", "items", "vetoes", "grades") if old.get(part) != new[part]
    ]
    changed += [
        name for name in UNSCORED_KEYS if old.get("contract", {}).get(name) != new["contract"][name]
    ]
    return changed


@dataclass(frozen=True)
class SchemeRecord:
    """A scheme version with all its rows, its engine spec and content hash."""

    code: str
    version: int
    fields: dict[str, Any]
    constants: dict[str, float]
    items: list[dict[str, Any]]
    vetoes: list[dict[str, Any]]
    grades: list[dict[str, Any]]
    spec: SchemeSpec
    spec_hash: str
    where: Where
    status: str | None = None  # the bundle's ``status:``; None when it says nothing

    @property
    def document(self) -> dict[str, Any]:
        """The rows as :func:`scheme_document` lays them out."""
        rows = {"items": self.items, "vetoes": self.vetoes, "grades": self.grades}
        return scheme_document(self.fields, self.constants, rows)


@dataclass(frozen=True)
class TargetRecord:
    """One unit's target for one item of one scheme version in one year."""

    scheme: str
    version: int
    item: str
    unit: str
    year: int
    value: float
    where: Where


@dataclass
class Bundle:
    """A validated bundle, ready to write; units are ordered parents first."""

    files: list[str]
    units: list[Record] = field(default_factory=list)
    elements: list[Record] = field(default_factory=list)
    datasets: list[Record] = field(default_factory=list)
    officials: list[Record] = field(default_factory=list)
    indicators: list[Record] = field(default_factory=list)
    schemes: list[SchemeRecord] = field(default_factory=list)
    targets: list[TargetRecord] = field(default_factory=list)
    validation_rules: list[Record] = field(default_factory=list)
    sources: list[Record] = field(default_factory=list)
