"""Reading and validating configuration bundles (YAML). Pure: it reads files and writes nothing.

A bundle is one or more YAML files loaded together (``kaohe load a.yaml b.yaml``). Checking
happens in three layers, and every problem of every layer is collected before anything is
reported, so that a clerk fixes a file once rather than once per error:

1. YAML itself, with a loader that refuses duplicate keys and remembers the line of every
   value (:func:`~kaohe.bundles.reading.read_bundle_file`);
2. the JSON Schema ``schema/bundle.schema.json`` (shapes, types, required fields), its errors
   translated by :mod:`kaohe.bundles.schema_errors`;
3. meaning (:func:`validate_bundle`, this module, on :mod:`kaohe.bundles.checking`; schemes
   in :mod:`kaohe.bundles.scheme_checks`): duplicate codes, references to units, elements,
   schemes and items in the bundle *or* already in the database (passed in as an
   :class:`~kaohe.bundles.records.ExistingState`), expressions, circular indicators, weights,
   rule parameters, grades, period types, tracks and period parts, and scheme versions that
   may no longer change.

An entry with a schema error is left out of layer 3 (its other fields cannot be trusted), but
its code still counts as defined, so a reference to it does not add a misleading "unknown
code" problem. Every message a user can see is in :data:`~kaohe.bundles.messages.MESSAGES`;
the data going in and out is in :mod:`kaohe.bundles.records`.

This module is the package's entry point: it also re-exports the names of those modules that
callers have always imported from here (see ``__all__``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from kaohe.bundles.checking import Entry, codes_of
from kaohe.bundles.graphs import find_cycles, parents_first
from kaohe.bundles.messages import (
    MESSAGES,
    BundleError,
    BundleProblem,
    PathKey,
    format_path,
    make_problem,
)
from kaohe.bundles.reading import BundleYamlLoader, SourceFile, parse_bundle_text, read_bundle_file
from kaohe.bundles.records import (
    CONTRACT_FIELDS,
    GRADE_FIELDS,
    ITEM_FIELDS,
    OUTCOME_FIELDS,
    SCHEME_FIELDS,
    UNSCORED_KEYS,
    VETO_CONSEQUENCES,
    VETO_FIELDS,
    Bundle,
    ExistingScheme,
    ExistingState,
    Record,
    SchemeRecord,
    TargetRecord,
    Where,
    document_changes,
    scheme_document,
)
from kaohe.bundles.schema_errors import (
    SCHEMA_PATH,
    SECTIONS,
    bundle_schema,
    schema_problems,
)
from kaohe.bundles.scheme_checks import SCHEME_PERIOD_TYPES, SchemeChecker
from kaohe.bundles.scheme_options import WEIGHT_TOLERANCE
from kaohe.bundles.sources import source_records
from kaohe.bundles.validation_rules import validation_rule_records
from kaohe.engine.expressions import CompileContext, ExpressionError, ExprType, referenced_codes
from kaohe.engine.spec import IndicatorSpec

__all__ = [
    # defined here
    "load_bundle_files",
    "validate_bundle",
    # kaohe.bundles.scheme_checks, kaohe.bundles.scheme_options
    "SCHEME_PERIOD_TYPES",
    "WEIGHT_TOLERANCE",
    # kaohe.bundles.messages
    "MESSAGES",
    "BundleError",
    "BundleProblem",
    "PathKey",
    "format_path",
    "make_problem",
    # kaohe.bundles.reading
    "BundleYamlLoader",
    "SourceFile",
    "parse_bundle_text",
    "read_bundle_file",
    # kaohe.bundles.schema_errors
    "SCHEMA_PATH",
    "SECTIONS",
    "bundle_schema",
    "schema_problems",
    # kaohe.bundles.records
    "CONTRACT_FIELDS",
    "GRADE_FIELDS",
    "ITEM_FIELDS",
    "OUTCOME_FIELDS",
    "SCHEME_FIELDS",
    "UNSCORED_KEYS",
    "VETO_CONSEQUENCES",
    "VETO_FIELDS",
    "Bundle",
    "ExistingScheme",
    "ExistingState",
    "Record",
    "SchemeRecord",
    "TargetRecord",
    "Where",
    "document_changes",
    "scheme_document",
]


class _Checker(SchemeChecker):
    """Layer 3. One instance per load; ``problems`` collects everything found."""

    def units(self) -> list[Record]:
        records: dict[str, Record] = {}
        for entry in self.unique("units"):
            data = entry.data
            if (parent := data.get("parent")) is not None:
                self.known(entry, ("parent",), "parent", parent, self.unit_codes)
            dates: dict[str, date | None] = {"opening_date": None, "closed_date": None}
            for name in dates:
                if data.get(name) is not None:
                    try:
                        dates[name] = date.fromisoformat(data[name])
                    except ValueError:
                        self.add(entry, (name,), "bad_date", value=data[name])
            opened, closed = dates["opening_date"], dates["closed_date"]
            if opened and closed and closed < opened:
                self.add(entry, ("closed_date",), "closed_before_opened")
            fields = {
                "name": data["name"],
                "name_en": data.get("name_en", ""),
                "kind": data["kind"],
                "sort_order": data.get("sort_order", 0),
                **dates,
            }
            records[entry.code] = Record(entry.code, fields, entry.where(), parent=parent)
        parents = {**self.state.units} | {code: r.parent for code, r in records.items()}
        entries = {e.code: e for e in self.entries["units"]}
        for cycle in find_cycles(
            list(records), lambda code: [p] if (p := parents.get(code)) else []
        ):
            if start := next((c for c in cycle if c in entries), None):  # else a stored cycle
                self.add(entries[start], ("parent",), "unit_cycle", cycle=" → ".join(cycle))
        return parents_first(records)

    def elements(self) -> list[Record]:
        records = []
        for entry in self.unique("elements"):
            data = entry.data
            fields = {
                "name": data["name"],
                "name_en": data.get("name_en", ""),
                "value_type": data["value_type"],
                "aggregation": data["aggregation"],
                "zero_is_significant": data.get("zero_is_significant", True),
                "description": data.get("description", ""),
            }
            records.append(Record(entry.code, fields, entry.where()))
        return records

    def datasets(self) -> list[Record]:
        records = []
        for entry in self.unique("datasets"):
            data = entry.data
            self.period_type(entry)
            for index, code in enumerate(data["elements"]):
                if code in data["elements"][:index]:
                    self.add(entry, ("elements", index), "element_twice", code=code)
                else:
                    self.known(entry, ("elements", index), "element", code, self.element_codes)
            fields = {
                "name": data["name"],
                "name_en": data.get("name_en", ""),
                "period_type": data["period_type"],
                "unit_kinds": list(data["unit_kinds"]),
                "due_day": data.get("due_day", 3),
                "lock_after_days": data.get("lock_after_days", 30),
                "validation_required": data.get("validation_required", False),
            }
            elements = tuple(dict.fromkeys(data["elements"]))
            records.append(Record(entry.code, fields, entry.where(), elements=elements))
        return records

    def officials(self) -> list[Record]:
        records = []
        for entry in self.unique("officials"):
            data = entry.data
            self.known(entry, ("unit",), "unit", data["unit"], self.unit_codes)
            fields = {
                "name": data["name"],
                "role": data["role"],
                "active": data.get("active", True),
            }
            records.append(Record(entry.code, fields, entry.where(), unit=data["unit"]))
        return records

    def indicators(self) -> list[Record]:
        context = CompileContext(
            elements=self.element_codes,
            indicators=self.indicator_codes,
            datasets=self.dataset_codes,
        )
        records = []
        entries = {e.code: e for e in self.unique("indicators")}
        for entry in entries.values():
            data = entry.data
            for name in ("numerator", "denominator"):
                if name in data:
                    self.compiles(entry, (name,), data[name], context, ExprType.NUMBER)
            self.years(entry, "valid_from", "valid_to")
            fields = {
                "name": data["name"],
                "name_en": data["name_en"],
                "numerator": data["numerator"],
                "denominator": data.get("denominator", "1"),
                "factor": data.get("factor", 1.0),
                "decimals": data.get("decimals", 2),
                "unit": data.get("unit", ""),
                "valid_from": data.get("valid_from"),
                "valid_to": data.get("valid_to"),
                "validity_note": data.get("validity_note", ""),
                "description": data.get("description", ""),
            }
            records.append(Record(entry.code, fields, entry.where()))
            spec_fields = {k: fields[k] for k in ("name", "name_en", "numerator", "denominator")}
            self.indicator_specs[entry.code] = IndicatorSpec(
                code=entry.code,
                factor=float(fields["factor"]),
                decimals=int(fields["decimals"]),
                unit=fields["unit"],
                **spec_fields,
            )
        for cycle in find_cycles(list(entries), self._indicator_uses):
            if start := next((c for c in cycle if c in entries), None):  # else a stored cycle
                self.add(entries[start], (), "indicator_cycle", cycle=" → ".join(cycle))
        return records

    def _indicator_uses(self, code: str) -> list[str]:
        spec = self.indicator_specs.get(code)
        found: set[str] = set()
        for text in (spec.numerator, spec.denominator) if spec else ():
            try:
                found.update(c for c, _offset in referenced_codes(text).indicators)
            except ExpressionError:
                pass  # reported by the compile check
        return sorted(found)

    def targets(self) -> list[TargetRecord]:
        records: list[TargetRecord] = []
        first: dict[tuple[str, int, str, int, str], Entry] = {}
        for entry in self.entries["targets"]:
            data = entry.data
            code, item, year = data["scheme"], data["item"], data["year"]
            stored_versions = {v for c, v in self.state.schemes if c == code}
            versions = self.versions.get(code, set()) | stored_versions
            known = self.defined["schemes"] | {c for c, _v in self.state.schemes}
            if not self.known(entry, ("scheme",), "scheme", code, known) or not versions:
                continue  # no versions: the scheme's entry has errors, reported already
            version = data.get("version", max(versions))
            shown = f"{code} v{version}"
            if not self.known(entry, ("version",), "version", version, versions, shown):
                continue
            if (code, version) in self.scheme_rows:
                row = self.scheme_rows[(code, version)]
                items = set(codes_of(row["items"]))
                kinds, low, high = row["unit_kinds"], row.get("year_from"), row.get("year_to")
            elif (stored := self.state.schemes.get((code, version))) is not None:
                items, kinds = set(stored.items), list(stored.unit_kinds)
                low, high = stored.year_from, stored.year_to
            else:
                continue  # the scheme entry has schema errors, reported already
            if item not in items:
                self.add(entry, ("item",), "target_item", scheme=code, version=version, code=item)
                continue
            if (low is not None and year < low) or (high is not None and year > high):
                self.add(
                    entry, ("year",), "target_year", year=year, low=low or "…", high=high or "…"
                )
            for unit, value in data["values"].items():
                at = ("values", unit)
                if not self.known(entry, at, "unit", unit, self.unit_codes):
                    continue
                kind = self.unit_kinds.get(unit)
                if kinds and kind is not None and kind not in kinds:
                    self.add(entry, at, "target_kind", code=unit, kind=kind, kinds=", ".join(kinds))
                key = (code, version, item, year, unit)
                if key in first:
                    self.add(entry, at, "target_twice", code=unit, year=year, at=first[key].at(*at))
                    continue
                first[key] = entry
                records.append(
                    TargetRecord(code, version, item, unit, year, float(value), entry.where(*at))
                )
        return records


def validate_bundle(sources: Sequence[SourceFile], state: ExistingState | None = None) -> Bundle:
    """Check parsed files against the schema and each other; raise BundleError listing all.

    ``state`` describes what the database already holds (default: nothing).
    """
    problems: list[BundleProblem] = []
    spoiled: set[tuple[str, PathKey]] = set()
    for source in sources:
        found, bad = schema_problems(source)
        problems.extend(found)
        spoiled.update((source.name, path) for path in bad)
    checker = _Checker(sources, spoiled, state or ExistingState())
    bundle = Bundle(files=[s.name for s in sources])
    bundle.units = checker.units()
    bundle.elements = checker.elements()
    bundle.datasets = checker.datasets()
    bundle.officials = checker.officials()
    bundle.indicators = checker.indicators()
    bundle.schemes = checker.schemes()
    bundle.targets = checker.targets()
    bundle.validation_rules = validation_rule_records(checker)
    bundle.sources = source_records(checker)
    problems.extend(checker.problems)
    if problems:
        order = {s.name: i for i, s in enumerate(sources)}
        problems.sort(key=lambda p: (order.get(p.file, len(order)), p.line or 0))
        raise BundleError(problems)
    return bundle


def load_bundle_files(paths: Iterable[str | Path], state: ExistingState | None = None) -> Bundle:
    """Read and validate bundle files together; raise BundleError listing every problem."""
    sources: list[SourceFile] = []
    problems: list[BundleProblem] = []
    for path in dict.fromkeys(str(p) for p in paths):  # a file named twice is read once
        source, found = read_bundle_file(path)
        problems.extend(found)
        if source.data is not None:
            sources.append(source)
    try:
        bundle = validate_bundle(sources, state)
    except BundleError as exc:
        problems.extend(exc.problems)
    if problems:
        raise BundleError(problems)
    return bundle
