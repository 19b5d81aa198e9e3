"""Reading bundle YAML: a loader that refuses duplicate keys and remembers every value's line.

This is the first layer of checking (see :mod:`kaohe.bundles.loader`): unreadable files,
malformed YAML and duplicate keys. Keys and dates are kept as the text the author wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kaohe.bundles.messages import BundleProblem, PathKey, make_problem


class BundleYamlLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys and keeps dates and keys as written.

    PyYAML silently keeps the last of two equal keys; here the second is reported (with its
    line). Mapping keys are always the text the author wrote (a unit code ``001`` stays
    ``"001"``) and dates stay text, so the JSON Schema sees what was typed. Merge keys
    (``<<``) are not supported: they read as an ordinary, unknown key.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []  # (key, line, line of the first)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text", key_node.start_mark
                )
            key = key_node.value
            if key in mapping:
                self.duplicates.append((key, key_node.start_mark.line + 1, first_line[key]))
                continue
            first_line[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _timestamp_as_text(loader: BundleYamlLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


BundleYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


@dataclass
class SourceFile:
    """One parsed bundle file: its data and the line of every value, by path."""

    name: str
    data: Any = None
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            if (line := self.lines.get(path[:end])) is not None:
                return line
        return None

    def problem(
        self, path: PathKey, kind: str, detail: str = "", /, **values: Any
    ) -> BundleProblem:
        """A problem at ``path`` of this file."""
        return make_problem(self.name, path, self.line_of(path), kind, detail, **values)


def _record_lines(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], depth: int) -> None:
    if depth > 50:
        raise RecursionError("YAML nested too deeply (or an alias refers to itself)")
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, key_node.value)
            if isinstance(key_node, yaml.ScalarNode) and key_path not in lines:
                lines[key_path] = key_node.start_mark.line + 1  # the key's line: first wins
                _record_lines(value_node, key_path, lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _record_lines(item, (*path, index), lines, depth + 1)


def read_bundle_file(path: str | Path) -> tuple[SourceFile, list[BundleProblem]]:
    """Parse one YAML file; problems are unreadable files, malformed YAML and duplicate keys."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return SourceFile(name), [make_problem(name, (), None, "file_missing")]
    except UnicodeDecodeError:
        return SourceFile(name), [make_problem(name, (), None, "file_not_utf8")]
    except OSError as exc:
        return SourceFile(name), [
            make_problem(name, (), None, "file_unreadable", reason=exc.strerror)
        ]
    return parse_bundle_text(text, name)


def parse_bundle_text(text: str, name: str = "<bundle>") -> tuple[SourceFile, list[BundleProblem]]:
    """Parse bundle YAML held in memory (``name`` is used in problems)."""
    source = SourceFile(name)
    loader = BundleYamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return source, [make_problem(name, (), None, "file_empty")]
        _record_lines(node, (), source.lines, 0)
        source.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        snippet = (mark.get_snippet() or "") if mark else ""
        problem = exc.problem or exc.context or "?"
        return source, [
            make_problem(name, (), line, "yaml", snippet, line=line, column=column, problem=problem)
        ]
    except (yaml.YAMLError, RecursionError) as exc:
        return source, [make_problem(name, (), None, "yaml", line="?", column="?", problem=exc)]
    finally:
        loader.dispose()
    return source, [
        make_problem(name, (), line, "duplicate_key", key=key, first=first)
        for key, line, first in loader.duplicates
    ]
