"""The JSON Schema layer: the bundle schema, and its errors as plain bilingual problems.

jsonschema's own messages ("'x' is not of type 'string'") are translated into
:data:`~kaohe.bundles.messages.MESSAGES` kinds, each pointing at the offending value (or key)
with its line, and with a hint where YAML's reading is the likely cause (``001`` read as a
number). :func:`schema_problems` also says which entries an error spoils, so that the meaning
checks in :mod:`kaohe.bundles.loader` leave them out.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from kaohe.bundles.messages import MESSAGES, BundleProblem, PathKey
from kaohe.bundles.reading import SourceFile

SCHEMA_PATH = Path(__file__).with_name("schema") / "bundle.schema.json"
SECTIONS = (
    "units",
    "elements",
    "datasets",
    "officials",
    "indicators",
    "schemes",
    "targets",
    "validation_rules",
    "sources",
)
#: The lists inside a scheme whose entries are checked (and spoiled) one by one.
SCHEME_PARTS = (
    "items",
    "vetoes",
    "grades",
    "tracks",
    "period_parts",
    "signatory_roles",
    "designation_rules",
    "money_rules",
)


def bundle_schema() -> dict[str, Any]:
    """The JSON Schema of the bundle format (a fresh copy)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


_SCHEMA = bundle_schema()
_VALIDATOR = Draft202012Validator(_SCHEMA)
_PATTERN_KINDS = {
    _SCHEMA["$defs"][name]["pattern"]: kind
    for name, kind in (("date", "date_format"), ("exprCode", "expr_code_format"))
} | {_SCHEMA["$defs"]["code"]["pattern"]: "code_format"}
_PATTERN_KINDS |= {
    _SCHEMA["$defs"][name]["pattern"]: "decimal_format"
    for name in ("decimal", "signedDecimal", "ratio")
}
_TYPE_NAMES = {
    "string": ("文本", "text"),
    "number": ("数字", "a number"),
    "integer": ("整数", "a whole number"),
    "boolean": ("true 或 false", "true or false"),
    "array": ("列表", "a list"),
    "object": ("映射（键: 值）", "a mapping (key: value)"),
    "null": ("空", "empty"),
}


def _got(value: object) -> dict[str, str]:
    """How a message names an offending value."""
    if value is None:
        return {"got_zh": "空值", "got_en": "nothing"}
    if isinstance(value, bool):
        return {"got_zh": f" {str(value).lower()}", "got_en": str(value).lower()}
    if isinstance(value, (int, float)):
        return {"got_zh": f"数字 {value}", "got_en": f"the number {value}"}
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return {"got_zh": f"文本“{shown}”", "got_en": f'the text "{shown}"'}
    return {"got_zh": "列表" if isinstance(value, list) else "映射", "got_en": "a list or mapping"}


def _translate(error: ValidationError) -> list[tuple[PathKey, str, dict[str, Any]]]:
    """A jsonschema error as (path, message kind, template values), one per problem."""
    path: PathKey = tuple(error.absolute_path)
    kind, value = str(error.validator), error.instance
    want: Any = error.validator_value
    if "propertyNames" in error.schema_path:  # the error is about a key: point at the key
        path = (*path, str(value))
    values: dict[str, Any] = {"want": want, **_got(value)}
    if kind == "required" and isinstance(value, dict):
        missing = [k for k in want if k not in value]
        return [(path, kind, {"names_zh": "、".join(missing), "names_en": ", ".join(missing)})]
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(error.schema.get("properties", {}) if isinstance(error.schema, dict) else [])
        found = []
        for key in (k for k in value if k not in allowed):
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hints = (
                {"hint_zh": f"（是否想写 {close[0]}？）", "hint_en": f" (did you mean {close[0]}?)"}
                if close
                else {
                    "hint_zh": f"，可用：{'、'.join(allowed)}",
                    "hint_en": f"; allowed: {', '.join(allowed)}",
                }
            )
            found.append(((*path, key), "unknown_field", {"key": key, **hints}))
        return found
    if kind == "type":
        types = [want] if isinstance(want, str) else list(want)
        values["want_zh"] = " 或 ".join(_TYPE_NAMES[t][0] for t in types)
        values["want_en"] = " or ".join(_TYPE_NAMES[t][1] for t in types)
        quote = "string" in types and isinstance(value, (int, float, bool))
        values["hint_zh"] = (
            '（YAML 把 001、yes、no 等读成数字或真假值，请加引号，如 "001"）' if quote else ""
        )
        values["hint_en"] = (
            ' (YAML reads 001, yes, no… as numbers or true/false: quote them, e.g. "001")'
            if quote
            else ""
        )
    elif kind == "const" and not isinstance(want, str):
        values["want"] = json.dumps(want)  # true, not Python's True
    elif kind == "enum":
        values["choices_zh"] = "、".join(map(str, want))
        values["choices_en"] = ", ".join(map(str, want))
    elif kind == "pattern":
        kind = _PATTERN_KINDS.get(want, "schema")
    if kind not in MESSAGES:
        kind, values = "schema", {"text": error.message}
    return [(path, kind, values)]


def schema_problems(source: SourceFile) -> tuple[list[BundleProblem], set[PathKey]]:
    """Every JSON Schema violation of a parsed file, translated; and the entries they spoil.

    The second value holds ``(section, index)`` of each entry with an error (for an error
    in a row of one of a scheme's :data:`SCHEME_PARTS`: ``("schemes", i, "items", j)``),
    ``(section,)`` for a section that is not a list, and ``()`` when the document is not a
    mapping at all.
    """
    problems: list[BundleProblem] = []
    spoiled: set[PathKey] = set()
    for error in _VALIDATOR.iter_errors(source.data):
        for path, kind, values in _translate(error):
            problem = source.problem(path, kind, **values)
            if problem not in problems:  # one "required" error per missing key, same text
                problems.append(problem)
        path = tuple(error.absolute_path)
        if path[:1] == ("schemes",) and len(path) >= 4 and path[2] in SCHEME_PARTS:
            spoiled.add(path[:4])  # one bad item: the scheme's other parts are still checked
        elif len(path) >= 2 and path[0] in SECTIONS and isinstance(path[1], int):
            spoiled.add(path[:2])
        elif len(path) == 1 and path[0] in SECTIONS:
            spoiled.add(path)
        elif not path and error.validator == "type":
            spoiled.add(())
    return problems, spoiled
