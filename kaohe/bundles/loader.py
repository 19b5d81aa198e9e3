"""Reading and validating configuration bundles (YAML). Pure: it reads files and writes nothing.

A bundle is one or more YAML files loaded together (``kaohe load a.yaml b.yaml``). Checking
happens in three layers, and every problem of every layer is collected before anything is
reported, so that a clerk fixes a file once rather than once per error:

1. YAML itself, with a loader that refuses duplicate keys and remembers the line of every
   value (:func:`read_bundle_file`);
2. the JSON Schema ``schema/bundle.schema.json`` (shapes, types, required fields);
3. meaning (:func:`validate_bundle`): duplicate codes, references to units, elements,
   schemes and items in the bundle *or* already in the database (passed in as an
   :class:`ExistingState`), expressions, circular indicators, weights, rule parameters,
   grades, period types.

An entry with a schema error is left out of layer 3 (its other fields cannot be trusted), but
its code still counts as defined, so a reference to it does not add a misleading "unknown
code" problem. Every message a user can see is in :data:`MESSAGES`.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

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

SCHEMA_PATH = Path(__file__).with_name("schema") / "bundle.schema.json"
SECTIONS = ("units", "elements", "datasets", "officials", "indicators", "schemes", "targets")
SCHEME_PERIOD_TYPES = (PeriodType.YEARLY.value, PeriodType.FINANCIAL_OCT.value)
WEIGHT_TOLERANCE = 1e-9

PathKey = tuple[str | int, ...]

#: Every problem a user can be shown: kind → (Chinese, English) templates for ``str.format``.
MESSAGES: dict[str, tuple[str, str]] = {
    "file_missing": ("文件不存在", "file not found"),
    "file_not_utf8": ("文件不是 UTF-8 编码的文本", "the file is not UTF-8 text"),
    "file_unreadable": ("无法读取文件：{reason}", "cannot read the file: {reason}"),
    "file_empty": ("文件是空的", "the file is empty"),
    "yaml": (
        "YAML 格式错误（第{line}行第{column}列）：{problem}",
        "malformed YAML at line {line}, column {column}: {problem}",
    ),
    "duplicate_key": (
        "键 {key} 重复（第{first}行已出现）",
        "duplicate key {key} (already at line {first})",
    ),
    "required": ("缺少必填字段 {names_zh}", "missing required field(s): {names_en}"),
    "unknown_field": ("未知字段 {key}{hint_zh}", "unknown field {key}{hint_en}"),
    "type": ("应为{want_zh}，而不是{got_zh}{hint_zh}", "expected {want_en}, got {got_en}{hint_en}"),
    "enum": (
        "应为以下之一：{choices_zh}，而不是{got_zh}",
        "must be one of: {choices_en}; got {got_en}",
    ),
    "const": ("应为 {want}，而不是{got_zh}", "must be {want}, got {got_en}"),
    "minimum": ("不能小于 {want}", "must be at least {want}"),
    "maximum": ("不能大于 {want}", "must be at most {want}"),
    "exclusiveMinimum": ("应大于 {want}", "must be greater than {want}"),
    "minItems": ("至少需要 {want} 项", "needs at least {want} entries"),
    "minProperties": ("至少需要 {want} 项", "needs at least {want} entries"),
    "minLength": ("不能为空", "must not be empty"),
    "maxLength": ("不能超过 {want} 个字符", "must be at most {want} characters"),
    "uniqueItems": ("列表中有重复项", "the list has duplicate entries"),
    "date_format": (
        "日期应写成 YYYY-MM-DD，如 2026-01-31",
        "write dates as YYYY-MM-DD, e.g. 2026-01-31",
    ),
    "expr_code_format": (
        "代码只能包含字母、数字和下划线",
        "a code may contain only letters, digits and '_'",
    ),
    "code_format": (
        "代码须以字母或数字开头，只能包含字母、数字、下划线、连字符和点",
        "a code must start with a letter or digit and contain only letters, digits, '_', '-', '.'",
    ),
    "schema": ("不符合格式要求：{text}", "{text}"),
    "duplicate_code": (
        "代码 {code} 重复（已在 {at} 定义）",
        "duplicate code {code} (already defined at {at})",
    ),
    "duplicate_in_scheme": (
        "代码 {code} 重复（与第 {n} 项相同）",
        "duplicate code {code} (the same as entry {n})",
    ),
    "unknown": (
        "未知的{what_zh} {code}（配置包和数据库中都没有）",
        "unknown {what_en} {code} (neither in the bundle nor in the database)",
    ),
    "bad_date": ("日期 {value} 不存在", "{value} is not a valid date"),
    "closed_before_opened": ("撤销日期早于设立日期", "closed before it was opened"),
    "years_order": ("不能早于 {start}（{low}）", "must not be before {start} ({low})"),
    "unit_cycle": ("上级单位循环：{cycle}", "circular parent units: {cycle}"),
    "period_type": (
        "{value} 不是 DHIS2 期间类型，可用：{names_zh}",
        "{value} is not a DHIS2 period type name; use one of: {names_en}",
    ),
    "scheme_period_type": (
        "考核年度只能是 Yearly（自然年）或 FinancialOct（10月1日起的统计年度）",
        "an assessment year must be Yearly or FinancialOct (1 October to 30 September)",
    ),
    "element_twice": ("数据元素 {code} 重复", "element {code} is listed twice"),
    "expression": ("表达式有误", "invalid expression"),
    "indicator_cycle": ("指标循环引用：{cycle}", "circular indicator reference: {cycle}"),
    "rule_params": ("{zh}", "{en}"),
    "bonus_weight": (
        "加分项的分值应为 0（最多加多少分由 params.cap 规定）",
        "a bonus item's weight must be 0 (params.cap sets the most it can add)",
    ),
    "weights": (
        "考核项目分值合计 {added}，不等于方案总分 {total}（加分项不计）",
        "the items' weights add up to {added}, not the scheme's total of {total} (bonus items excluded)",
    ),
    "grade_min_total": (
        "最低总分 {value} 与第 {n} 个等次相同，各等次的最低总分必须不同",
        "min_total {value} is the same as grade {n}'s; grades need distinct min_totals",
    ),
    "veto_grade": (
        "等次 {code} 不是本方案的等次",
        "grade {code} is not one of this scheme's grades",
    ),
    "scheme_indicators": (
        "方案用到的指标有误",
        "an indicator the scheme uses is invalid",
    ),
    "scheme_used": (
        "方案已用于考核，请提高版本号（{code} v{version} 的内容与已存的不同）",
        "the scheme has been used in assessments: load it as a new version "
        "({code} v{version} differs from the stored one)",
    ),
    "target_item": (
        "方案 {scheme} v{version} 中没有考核项目 {code}",
        "the scheme {scheme} v{version} has no item {code}",
    ),
    "target_year": (
        "{year} 年不在方案的适用年度（{low}–{high}）内",
        "{year} is outside the scheme's years ({low}–{high})",
    ),
    "target_kind": (
        "单位 {code} 是 {kind}，不在方案考核的单位类型（{kinds}）中",
        "unit {code} is a {kind}, which the scheme does not assess ({kinds})",
    ),
    "target_twice": (
        "单位 {code} 的 {year} 年目标重复（已在 {at} 给出）",
        "a second {year} target for unit {code} (already given at {at})",
    ),
}

_REFERENCE_NAMES = {
    "parent": ("上级单位", "parent unit"),
    "unit": ("单位", "unit"),
    "element": ("数据元素", "data element"),
    "scheme": ("考核方案", "scheme"),
    "version": ("方案版本", "scheme version"),
}


# --- problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProblem:
    """One thing wrong with a bundle: where (file, path in the document, line) and what.

    ``path`` reads like ``schemes[0].items[3].weight``; ``line`` is 1-based, or ``None`` when
    the problem has no place in a file. ``detail`` holds extra lines (an expression with a
    caret under the mistake), shown indented. ``kind`` is the key in :data:`MESSAGES`.
    """

    file: str
    path: str
    line: int | None
    message_zh: str
    message_en: str
    detail: str = ""
    kind: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: " if self.path else f"{where}: "
        text += f"{self.message_zh} / {self.message_en}"
        if self.detail:
            text += "\n" + "\n".join("    " + line for line in self.detail.splitlines())
        return text


def make_problem(
    file: str, path: PathKey, line: int | None, kind: str, detail: str = "", /, **values: Any
) -> BundleProblem:
    """A problem of ``kind`` (a :data:`MESSAGES` key) with its templates filled in."""
    zh, en = MESSAGES[kind]
    return BundleProblem(
        file, format_path(path), line, zh.format(**values), en.format(**values), detail, kind
    )


class BundleError(Exception):
    """A bundle that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[BundleProblem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def format_path(parts: Sequence[str | int]) -> str:
    """``("schemes", 0, "items", 3, "weight")`` → ``schemes[0].items[3].weight``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- reading YAML ---------------------------------------------------------------------------


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


# --- the JSON Schema layer ------------------------------------------------------------------


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
    elif kind == "enum":
        values["choices_zh"] = "、".join(map(str, want))
        values["choices_en"] = ", ".join(map(str, want))
    elif kind == "pattern":
        kind = _PATTERN_KINDS.get(want, "schema")
    if kind not in MESSAGES:
        kind, values = "schema", {"text": error.message}
    return [(path, kind, values)]


_SCHEME_PARTS = ("items", "vetoes", "grades")


def schema_problems(source: SourceFile) -> tuple[list[BundleProblem], set[PathKey]]:
    """Every JSON Schema violation of a parsed file, translated; and the entries they spoil.

    The second value holds ``(section, index)`` of each entry with an error (for an error
    in a scheme's item, veto or grade: ``("schemes", i, "items", j)``), ``(section,)`` for a
    section that is not a list, and ``()`` when the document is not a mapping at all.
    """
    problems: list[BundleProblem] = []
    spoiled: set[PathKey] = set()
    for error in _VALIDATOR.iter_errors(source.data):
        for path, kind, values in _translate(error):
            problem = source.problem(path, kind, **values)
            if problem not in problems:  # one "required" error per missing key, same text
                problems.append(problem)
        path = tuple(error.absolute_path)
        if path[:1] == ("schemes",) and len(path) >= 4 and path[2] in _SCHEME_PARTS:
            spoiled.add(path[:4])  # one bad item: the scheme's other parts are still checked
        elif len(path) >= 2 and path[0] in SECTIONS and isinstance(path[1], int):
            spoiled.add(path[:2])
        elif len(path) == 1 and path[0] in SECTIONS:
            spoiled.add(path)
        elif not path and error.validator == "type":
            spoiled.add(())
    return problems, spoiled


# --- what is already in the database, and what comes out -----------------------------------


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
    spec_hash: str = ""  # scheme_hash() of the stored scheme, computed afresh


@dataclass(frozen=True)
class ExistingState:
    """What the database already holds that a bundle may refer to (empty: a new database)."""

    units: Mapping[str, str | None] = field(default_factory=dict)  # code → parent code
    unit_kinds: Mapping[str, str] = field(default_factory=dict)  # code → kind
    elements: frozenset[str] = frozenset()
    datasets: frozenset[str] = frozenset()
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


SCHEME_FIELDS = (
    "name",
    "name_en",
    "period_type",
    "total",
    "unit_kinds",
    "year_from",
    "year_to",
    "veto_grade",
    "description",
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
    "decimals",
    "unit",
    "description",
)
VETO_FIELDS = ("code", "name", "name_en", "condition", "sort_order")
GRADE_FIELDS = ("code", "name", "name_en", "min_total")


def scheme_document(
    fields: Mapping[str, Any],
    constants: Mapping[str, float],
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
) -> dict[str, Any]:
    """A scheme's own rows as comparable plain data; ``rows`` has items, vetoes and grades."""
    grades = [{k: row[k] for k in GRADE_FIELDS} for row in rows["grades"]]
    return {
        "scheme": {k: fields[k] for k in SCHEME_FIELDS},
        "constants": dict(sorted(constants.items())),
        "items": [{k: row[k] for k in ITEM_FIELDS} for row in rows["items"]],
        "vetoes": [{k: row[k] for k in VETO_FIELDS} for row in rows["vetoes"]],
        "grades": sorted(grades, key=lambda g: (-g["min_total"], g["code"])),
    }


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
        what_zh, what_en = _REFERENCE_NAMES[what]
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
        for cycle in _cycles(list(records), lambda code: [p] if (p := parents.get(code)) else []):
            if start := next((c for c in cycle if c in entries), None):  # else a stored cycle
                self.add(entries[start], ("parent",), "unit_cycle", cycle=" → ".join(cycle))
        return _parents_first(records)

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
        for cycle in _cycles(list(entries), self._indicator_uses):
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
            for part in _SCHEME_PARTS
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


def _cycles(starts: Iterable[str], uses: Callable[[str], list[str]]) -> list[list[str]]:
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


def _parents_first(records: Mapping[str, Record]) -> list[Record]:
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
