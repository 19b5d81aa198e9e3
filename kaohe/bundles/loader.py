"""Reading and validating configuration bundles (YAML). Pure: it reads files and writes nothing.

A bundle is one or more YAML files loaded together (``kaohe load a.yaml b.yaml``). Checking
happens in three layers, and every problem of every layer is collected before anything is
reported, so that a clerk fixes a file once rather than once per error:

1. YAML itself, with a loader that refuses duplicate keys and remembers the line of every
   value (:func:`~kaohe.bundles.reading.read_bundle_file`);
2. the JSON Schema ``schema/bundle.schema.json`` (shapes, types, required fields), its errors
   translated by :mod:`kaohe.bundles.schema_errors`;
3. meaning (:func:`validate_bundle`, this module): duplicate codes, references to units,
   elements, schemes and items in the bundle *or* already in the database (passed in as an
   :class:`~kaohe.bundles.records.ExistingState`), expressions, circular indicators, weights,
   rule parameters, grades, period types.

An entry with a schema error is left out of layer 3 (its other fields cannot be trusted), but
its code still counts as defined, so a reference to it does not add a misleading "unknown
code" problem. Every message a user can see is in :data:`~kaohe.bundles.messages.MESSAGES`;
the data going in and out is in :mod:`kaohe.bundles.records`.

This module is the package's entry point: it also re-exports the names of those modules that
callers have always imported from here (see ``__all__``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kaohe.bundles.graphs import find_cycles, parents_first
from kaohe.bundles.messages import (
    MESSAGES,
    REFERENCE_NAMES,
    BundleError,
    BundleProblem,
    PathKey,
    format_path,
    make_problem,
)
from kaohe.bundles.reading import BundleYamlLoader, SourceFile, parse_bundle_text, read_bundle_file
from kaohe.bundles.records import (
    GRADE_FIELDS,
    ITEM_FIELDS,
    SCHEME_FIELDS,
    VETO_FIELDS,
    Bundle,
    ExistingScheme,
    ExistingState,
    Record,
    SchemeRecord,
    TargetRecord,
    Where,
    scheme_document,
)
from kaohe.bundles.schema_errors import (
    SCHEMA_PATH,
    SCHEME_PARTS,
    SECTIONS,
    bundle_schema,
    schema_problems,
)
from kaohe.engine.expressions import (
    CompileContext,
    ExpressionError,
    ExprType,
    compile_expression,
    referenced_codes,
)
from kaohe.engine.periods import PeriodType
from kaohe.engine.spec import (
    Direction,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    PerCaseRule,
    RuleType,
    SchemeSpec,
    VetoSpec,
)
from kaohe.schemes.specs import (
    SINGLE_INDICATOR_RE,
    RuleParamsError,
    rule_params_from_dict,
    scheme_hash,
    with_indicators,
)

__all__ = [
    # defined here
    "SCHEME_PERIOD_TYPES",
    "WEIGHT_TOLERANCE",
    "load_bundle_files",
    "validate_bundle",
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
    "GRADE_FIELDS",
    "ITEM_FIELDS",
    "SCHEME_FIELDS",
    "VETO_FIELDS",
    "Bundle",
    "ExistingScheme",
    "ExistingState",
    "Record",
    "SchemeRecord",
    "TargetRecord",
    "Where",
    "scheme_document",
]

SCHEME_PERIOD_TYPES = (PeriodType.YEARLY.value, PeriodType.FINANCIAL_OCT.value)
WEIGHT_TOLERANCE = 1e-9


# --- meaning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    source: SourceFile
    section: str
    index: int
    data: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.data.get("code", ""))

    def path(self, *rest: str | int) -> PathKey:
        return (self.section, self.index, *rest)

    def where(self, *rest: str | int) -> Where:
        path = self.path(*rest)
        return Where(self.source.name, format_path(path), self.source.line_of(path))

    def at(self, *rest: str | int) -> str:
        """``file:line`` of a value, for "already defined at …"."""
        line = self.source.line_of(self.path(*rest))
        return f"{self.source.name}:{line}" if line else self.source.name


class _Checker:
    """Layer 3. One instance per load; ``problems`` collects everything found."""

    def __init__(
        self, sources: Sequence[SourceFile], spoiled: set[tuple[str, PathKey]], state: ExistingState
    ) -> None:
        self.state = state
        self.spoiled = spoiled
        self.problems: list[BundleProblem] = []
        self.entries: dict[str, list[_Entry]] = {s: [] for s in SECTIONS}
        self.defined: dict[str, set[str]] = {s: set() for s in SECTIONS}  # spoiled ones too
        self.versions: dict[str, set[int]] = {}  # scheme code → versions, spoiled ones too
        for source in sources:
            if not isinstance(source.data, dict) or (source.name, ()) in spoiled:
                continue
            for section in SECTIONS:
                rows = source.data.get(section)
                if not isinstance(rows, list) or (source.name, (section,)) in spoiled:
                    continue
                for index, row in enumerate(rows):
                    if not isinstance(row, dict):
                        continue
                    if isinstance(code := row.get("code"), str):
                        self.defined[section].add(code)
                        version = row.get("version", 1)
                        if section == "schemes" and isinstance(version, int):
                            self.versions.setdefault(code, set()).add(version)
                    if (source.name, (section, index)) not in spoiled:
                        self.entries[section].append(_Entry(source, section, index, row))
        self.element_codes = frozenset(self.defined["elements"] | state.elements)
        self.indicator_codes = frozenset(self.defined["indicators"] | set(state.indicators))
        self.dataset_codes = frozenset(self.defined["datasets"] | state.datasets)
        self.unit_codes = frozenset(self.defined["units"] | set(state.units))
        self.unit_kinds = {**state.unit_kinds} | {
            e.code: e.data["kind"] for e in self.entries["units"]
        }
        self.indicator_specs: dict[str, IndicatorSpec] = dict(state.indicators)
        self.scheme_rows: dict[tuple[str, int], dict[str, Any]] = {}

    def add(
        self, entry: _Entry, rest: PathKey, kind: str, detail: str = "", /, **values: Any
    ) -> None:
        self.problems.append(entry.source.problem(entry.path(*rest), kind, detail, **values))

    def bad(self, entry: _Entry, *rest: str | int) -> bool:
        """Whether the schema found an error in this part of the entry."""
        return (entry.source.name, entry.path(*rest)) in self.spoiled

    # -- shared checks --

    def unique(self, section: str, key: Callable[[_Entry], Any] = lambda e: e.code) -> list[_Entry]:
        """The section's entries, reporting every code used twice; the first one is kept."""
        first: dict[Any, _Entry] = {}
        for entry in self.entries[section]:
            value = key(entry)
            if value in first:
                shown = f"{value[0]} v{value[1]}" if isinstance(value, tuple) else value
                self.add(entry, ("code",), "duplicate_code", code=shown, at=first[value].at("code"))
            else:
                first[value] = entry
        return list(first.values())

    def once(self, entry: _Entry, path: PathKey, code: str, seen: dict[str, int]) -> None:
        """Within one scheme: a code used by two items, vetoes or grades."""
        if code in seen:
            self.add(entry, path, "duplicate_in_scheme", code=code, n=seen[code] + 1)
        else:
            seen[code] = int(path[1])

    def known(
        self,
        entry: _Entry,
        rest: PathKey,
        what: str,
        code: Any,
        codes: Iterable[Any],
        shown: Any = None,
    ) -> bool:
        if code in codes:
            return True
        what_zh, what_en = REFERENCE_NAMES[what]
        shown = code if shown is None else shown
        self.add(entry, rest, "unknown", code=shown, what_zh=what_zh, what_en=what_en)
        return False

    def compiles(
        self, entry: _Entry, rest: PathKey, text: str, context: CompileContext, expected: ExprType
    ) -> bool:
        try:
            compile_expression(text, context, expected)
        except ExpressionError as exc:
            self.add(entry, rest, "expression", str(exc))
            return False
        return True

    def years(self, entry: _Entry, start: str, end: str) -> None:
        low, high = entry.data.get(start), entry.data.get(end)
        if low is not None and high is not None and low > high:
            self.add(entry, (end,), "years_order", start=start, low=low)

    def period_type(self, entry: _Entry, allowed: Sequence[str] | None = None) -> None:
        value = entry.data.get("period_type")
        names = [p.value for p in PeriodType]
        if value is not None and value not in names:
            joined = {"names_zh": "、".join(names), "names_en": ", ".join(names)}
            self.add(entry, ("period_type",), "period_type", value=value, **joined)
        elif value is not None and allowed is not None and value not in allowed:
            self.add(entry, ("period_type",), "scheme_period_type")

    # -- sections --

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

    def schemes(self) -> list[SchemeRecord]:
        records = []
        for entry in self.unique("schemes", key=lambda e: (e.code, e.data.get("version", 1))):
            before = len(self.problems)
            record = self._scheme(entry)
            if record is not None and len(self.problems) == before:
                records.append(record)
                stored = self.state.schemes.get((record.code, record.version))
                changed = stored is not None and (
                    stored.document != record.document or stored.spec_hash != record.spec_hash
                )
                if stored is not None and stored.used and changed:
                    at = ("version",) if "version" in entry.data else ("code",)
                    self.add(entry, at, "scheme_used", code=record.code, version=record.version)
        return records

    def _scheme(self, entry: _Entry) -> SchemeRecord | None:
        data = entry.data
        before = len(self.problems)
        version = data.get("version", 1)
        self.scheme_rows[(entry.code, version)] = data
        self.period_type(entry, SCHEME_PERIOD_TYPES)
        self.years(entry, "year_from", "year_to")
        constants = {k: float(v) for k, v in data.get("constants", {}).items()}
        context = CompileContext(
            elements=self.element_codes,
            indicators=self.indicator_codes,
            constants=constants,
            items=_codes(data["items"]),
            datasets=self.dataset_codes,
        )
        spoiled = any(
            self.bad(entry, part, i)
            for part in SCHEME_PARTS
            for i, _ in enumerate(data.get(part, []))
        )
        items, item_specs = self._items(entry, context)
        weights = [i["weight"] for i in items if i["rule_type"] != RuleType.BONUS.value]
        total = data.get("total", 100)
        if len(items) == len(data["items"]) and abs(math.fsum(weights) - total) > WEIGHT_TOLERANCE:
            self.add(
                entry, ("items",), "weights", added=f"{math.fsum(weights):g}", total=f"{total:g}"
            )
        vetoes: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for index, row in enumerate(data.get("vetoes", [])):
            if self.bad(entry, "vetoes", index):
                continue
            self.once(entry, ("vetoes", index, "code"), row["code"], seen)
            at = ("vetoes", index, "condition")
            self.compiles(entry, at, row["condition"], context, ExprType.BOOLEAN)
            vetoes.append({**{k: row[k] for k in VETO_FIELDS[:4]}, "sort_order": index})
        grades = self._grades(entry)
        if (veto_grade := data.get("veto_grade")) is not None:
            if veto_grade not in _codes(data.get("grades", [])):
                self.add(entry, ("veto_grade",), "veto_grade", code=veto_grade)
        fields = {
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "period_type": data.get("period_type", PeriodType.YEARLY.value),
            "total": total,
            "unit_kinds": list(data["unit_kinds"]),
            "year_from": data.get("year_from"),
            "year_to": data.get("year_to"),
            "veto_grade": veto_grade or "",
            "description": data.get("description", ""),
        }
        if len(self.problems) > before or spoiled:
            return None
        spec = SchemeSpec(
            code=entry.code,
            name=fields["name"],
            version=version,
            total=float(total),
            items=tuple(item_specs),
            vetoes=tuple(
                VetoSpec(v["code"], v["name"], v["name_en"], v["condition"]) for v in vetoes
            ),
            grades=tuple(
                GradeSpec(g["code"], g["name"], g["name_en"], float(g["min_total"]))
                for g in sorted(grades, key=lambda g: (-g["min_total"], g["code"]))
            ),
            veto_grade=veto_grade or None,
            constants=dict(sorted(constants.items())),
            unit_kinds=tuple(fields["unit_kinds"]),
        )
        try:
            spec = with_indicators(spec, self._lookup_indicators)
        except (ValueError, ExpressionError) as exc:
            self.add(entry, (), "scheme_indicators", str(exc))
            return None
        return SchemeRecord(
            entry.code,
            version,
            fields,
            constants,
            items,
            vetoes,
            grades,
            spec,
            scheme_hash(spec),
            entry.where(),
        )

    def _lookup_indicators(self, codes: frozenset[str]) -> dict[str, IndicatorSpec]:
        return {code: self.indicator_specs[code] for code in codes if code in self.indicator_specs}

    def _items(
        self, entry: _Entry, context: CompileContext
    ) -> tuple[list[dict[str, Any]], list[ItemSpec]]:
        items: list[dict[str, Any]] = []
        specs: list[ItemSpec] = []
        seen: dict[str, int] = {}
        for index, row in enumerate(entry.data["items"]):
            if self.bad(entry, "items", index):
                continue
            at: PathKey = ("items", index)
            self.once(entry, (*at, "code"), row["code"], seen)
            ok = self.compiles(entry, (*at, "actual"), row["actual"], context, ExprType.NUMBER)
            try:
                rule = rule_params_from_dict(row["rule"], row.get("params", {}))
            except RuleParamsError as exc:
                keys = exc.key.replace("[", ".").replace("]", "").split(".") if exc.key else []
                key_path = tuple(int(k) if k.isdigit() else k for k in keys if k)
                zh, en = exc.message_zh, exc.message_en
                self.add(entry, (*at, "params", *key_path), "rule_params", zh=zh, en=en)
                ok = False
            else:
                for k, term in enumerate(rule.also if isinstance(rule, PerCaseRule) else ()):
                    term_at = (*at, "params", "also", k, "expression")
                    ok = (
                        self.compiles(entry, term_at, term.expression, context, ExprType.NUMBER)
                        and ok
                    )
            if row["rule"] == RuleType.BONUS.value and row["weight"] != 0:
                self.add(entry, (*at, "weight"), "bonus_weight")
            decimals, unit = self._display(row)
            fields = {
                "code": row["code"],
                "name": row["name"],
                "name_en": row["name_en"],
                "section": row.get("section", ""),
                "sort_order": index,
                "weight": row["weight"],
                "rule_type": row["rule"],
                "params": row.get("params", {}),
                "actual": row["actual"],
                "target": row.get("target"),
                "direction": row.get("direction", Direction.HIGHER.value),
                "decimals": decimals,
                "unit": unit,
                "description": row.get("description", ""),
            }
            items.append(fields)
            if ok:
                target = None if fields["target"] is None else float(fields["target"])
                specs.append(
                    ItemSpec(
                        code=row["code"],
                        name=row["name"],
                        name_en=row["name_en"],
                        weight=float(row["weight"]),
                        rule=rule,
                        actual=row["actual"],
                        target=target,
                        direction=Direction(fields["direction"]),
                        decimals=decimals,
                        unit=unit,
                        section=fields["section"],
                    )
                )
        return items, specs

    def _display(self, row: Mapping[str, Any]) -> tuple[int, str]:
        """An item's decimals and unit label, taken from its indicator when left out."""
        decimals, unit = row.get("decimals"), row.get("unit")
        match = SINGLE_INDICATOR_RE.match(row["actual"])
        indicator = self.indicator_specs.get(match[1]) if match else None
        if indicator is not None:
            decimals = indicator.decimals if decimals is None else decimals
            unit = indicator.unit if unit is None else unit
        return (2 if decimals is None else decimals), (unit or "")

    def _grades(self, entry: _Entry) -> list[dict[str, Any]]:
        grades = []
        seen: dict[str, int] = {}
        totals: dict[float, int] = {}
        for index, row in enumerate(entry.data.get("grades", [])):
            if self.bad(entry, "grades", index):
                continue
            self.once(entry, ("grades", index, "code"), row["code"], seen)
            if (other := totals.setdefault(row["min_total"], index)) != index:
                at = ("grades", index, "min_total")
                self.add(entry, at, "grade_min_total", value=f"{row['min_total']:g}", n=other + 1)
            grades.append({k: row[k] for k in GRADE_FIELDS})
        return grades

    def targets(self) -> list[TargetRecord]:
        records: list[TargetRecord] = []
        first: dict[tuple[str, int, str, int, str], _Entry] = {}
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
                items = set(_codes(row["items"]))
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


def _codes(rows: Iterable[Any]) -> frozenset[str]:
    """The codes of the rows that have one (rows with schema errors may not)."""
    return frozenset(
        r["code"] for r in rows if isinstance(r, dict) and isinstance(r.get("code"), str)
    )


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
