"""Layer 3 of checking, the part every section shares: entries, problems, common checks.

A :class:`Checker` holds what one load knows (the entries of every file by section, the codes
they define, what the database holds) and collects problems; the checks of the sections are
methods of its subclasses (:mod:`kaohe.bundles.scheme_checks`, :mod:`kaohe.bundles.loader`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kaohe.bundles import scheme_options
from kaohe.bundles.messages import REFERENCE_NAMES, BundleProblem, PathKey, format_path
from kaohe.bundles.reading import SourceFile
from kaohe.bundles.records import ExistingState, Where
from kaohe.bundles.schema_errors import SECTIONS
from kaohe.engine.expressions import (
    CompileContext,
    ExpressionError,
    ExprType,
    compile_expression,
)
from kaohe.engine.periods import PeriodType
from kaohe.engine.spec import IndicatorSpec


@dataclass(frozen=True)
class Entry:
    """One entry of a section of one file, as the JSON Schema let it through."""

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


class Checker:
    """Layer 3's shared state and checks; ``problems`` collects everything found.

    The checks of the sections are in subclasses: schemes in
    :class:`~kaohe.bundles.scheme_checks.SchemeChecker`, the others in the loader.
    """

    def __init__(
        self, sources: Sequence[SourceFile], spoiled: set[tuple[str, PathKey]], state: ExistingState
    ) -> None:
        self.state = state
        self.spoiled = spoiled
        self.problems: list[BundleProblem] = []
        self.entries: dict[str, list[Entry]] = {s: [] for s in SECTIONS}
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
                        self.entries[section].append(Entry(source, section, index, row))
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
        self, entry: Entry, rest: PathKey, kind: str, detail: str = "", /, **values: Any
    ) -> None:
        self.problems.append(entry.source.problem(entry.path(*rest), kind, detail, **values))

    def bad(self, entry: Entry, *rest: str | int) -> bool:
        """Whether the schema found an error in this part of the entry."""
        return (entry.source.name, entry.path(*rest)) in self.spoiled

    def bad_row(self, entry: Entry, part: str) -> scheme_options.BadRow:
        """``bad`` for the rows of one list of a scheme."""
        return lambda index: self.bad(entry, part, index)

    def report(self, entry: Entry, issues: Iterable[scheme_options.Issue]) -> None:
        for rest, kind, values in issues:
            self.add(entry, rest, kind, **values)

    # -- shared checks --

    def unique(self, section: str, key: Callable[[Entry], Any] = lambda e: e.code) -> list[Entry]:
        """The section's entries, reporting every code used twice; the first one is kept."""
        first: dict[Any, Entry] = {}
        for entry in self.entries[section]:
            value = key(entry)
            if value in first:
                shown = f"{value[0]} v{value[1]}" if isinstance(value, tuple) else value
                self.add(entry, ("code",), "duplicate_code", code=shown, at=first[value].at("code"))
            else:
                first[value] = entry
        return list(first.values())

    def once(self, entry: Entry, path: PathKey, code: str, seen: dict[str, int]) -> None:
        """Within one scheme: a code used by two items, vetoes or grades."""
        if code in seen:
            self.add(entry, path, "duplicate_in_scheme", code=code, n=seen[code] + 1)
        else:
            seen[code] = int(path[1])

    def known(
        self,
        entry: Entry,
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
        self, entry: Entry, rest: PathKey, text: str, context: CompileContext, expected: ExprType
    ) -> bool:
        try:
            compile_expression(text, context, expected)
        except ExpressionError as exc:
            self.add(entry, rest, "expression", str(exc))
            return False
        return True

    def years(self, entry: Entry, start: str, end: str) -> None:
        low, high = entry.data.get(start), entry.data.get(end)
        if low is not None and high is not None and low > high:
            self.add(entry, (end,), "years_order", start=start, low=low)

    def period_type(self, entry: Entry, allowed: Sequence[str] | None = None) -> None:
        value = entry.data.get("period_type")
        names = [p.value for p in PeriodType]
        if value is not None and value not in names:
            joined = {"names_zh": "、".join(names), "names_en": ", ".join(names)}
            self.add(entry, ("period_type",), "period_type", value=value, **joined)
        elif value is not None and allowed is not None and value not in allowed:
            self.add(entry, ("period_type",), "scheme_period_type")


def codes_of(rows: Iterable[Any]) -> frozenset[str]:
    """The codes of the rows that have one (rows with schema errors may not)."""
    return frozenset(
        r["code"] for r in rows if isinstance(r, dict) and isinstance(r.get("code"), str)
    )
