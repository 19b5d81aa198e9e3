"""Walking the graphs that codes form: parent units, and indicators that use indicators.

Used by the meaning checks in :mod:`kaohe.bundles.loader` to name circular references and
to write units parents first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from kaohe.bundles.records import Record


def find_cycles(starts: Iterable[str], uses: Callable[[str], list[str]]) -> list[list[str]]:
    """Each distinct cycle reachable from ``starts``, as a closed path (A → B → A)."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    finished: set[str] = set()
    for start in starts:
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                if node in path:
                    cycle = [*path[path.index(node) :], node]
                    if frozenset(cycle) not in seen:
                        seen.add(frozenset(cycle))
                        found.append(cycle)
                    continue
                if node in finished:
                    continue
                path.append(node)
            children = uses(node)
            if index < len(children):
                stack.append((node, index + 1))
                stack.append((children[index], 0))
            else:
                path.pop()
                finished.add(node)
    return found


def parents_first(records: Mapping[str, Record]) -> list[Record]:
    """The units of ``records`` (by code), each after its parent when that is among them."""
    ordered: dict[str, Record] = {}

    def place(code: str, visiting: frozenset[str]) -> None:
        parent = records[code].parent
        waiting = parent is not None and parent in records and parent not in ordered
        if parent is not None and waiting and parent not in visiting:
            place(parent, visiting | {code})  # a cycle has been reported; stop at it
        ordered.setdefault(code, records[code])

    for code in records:
        place(code, frozenset())
    return list(ordered.values())
