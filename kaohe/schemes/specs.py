"""Engine objects built from scheme rows: the bridge from the database to :mod:`kaohe.engine.spec`.

The engine never reads the database. Everything it is told about a scheme goes through the
functions here, which the bundle loader also uses (on rows that exist only as YAML so far), so
that a scheme loaded from a bundle and the same scheme read back from the database give the
same :class:`SchemeSpec` and the same :func:`scheme_hash`.

Rule parameters are stored as JSON (``ScoringItem.params``) and turned into the engine's
frozen dataclasses by :func:`rule_params_from_dict`, which refuses unknown, missing and
wrong-typed keys with a bilingual message naming the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

from kaohe.engine.expressions import referenced_codes
from kaohe.engine.spec import (
    RULE_PARAM_CLASSES,
    AggregationType,
    BandRule,
    BonusRule,
    CorrectionSpec,
    Direction,
    ElementSpec,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    PeriodPartSpec,
    RankPointsRule,
    RuleParams,
    RuleType,
    SchemeSpec,
    TrackSpec,
    ValueType,
    VetoSpec,
)

if TYPE_CHECKING:
    from kaohe.schemes.models import Indicator, Scheme

# Bumped whenever the canonical form below changes, so that old and new hashes never collide.
HASH_FORMAT = 1

#: An item whose actual is exactly one indicator reference, e.g. ``N{PLANNED_RATE}``.
SINGLE_INDICATOR_RE = re.compile(r"^\s*N\{([A-Za-z0-9_]+)\}\s*$")


class RuleParamsError(ValueError):
    """Rule parameters that do not fit the rule type; ``key`` names the offending parameter.

    ``key`` is a dotted path inside ``params`` (``also[1].points``), empty when the problem is
    the rule type itself. ``str()`` is the bilingual message, Chinese first.
    """

    def __init__(self, key: str, message_zh: str, message_en: str) -> None:
        self.key = key
        self.message_zh = message_zh
        self.message_en = message_en
        if key:
            text = f"规则参数 {key}：{message_zh} / rule parameter {key}: {message_en}"
        else:
            text = f"{message_zh} / {message_en}"
        super().__init__(text)


# --- rule parameters ------------------------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    # spec.py uses postponed annotations, so field.type is a string; resolve it once per class.
    return typing.get_type_hints(cls)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "mapping"
    return type(value).__name__


def _convert(value: object, hint: Any, key: str) -> Any:
    """``value`` as the Python type ``hint`` describes, or RuleParamsError naming ``key``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(value, inner, key)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RuleParamsError(
                key,
                f"应为数字，而不是 {_describe(value)}",
                f"expected a number, got {_describe(value)}",
            )
        number = float(value)
        if not math.isfinite(number):
            raise RuleParamsError(key, "应为有限的数字", "expected a finite number")
        return number
    if hint is bool:
        if not isinstance(value, bool):
            raise RuleParamsError(
                key,
                f"应为 true 或 false，而不是 {_describe(value)}",
                f"expected true or false, got {_describe(value)}",
            )
        return value
    if hint is str:
        if not isinstance(value, str):
            raise RuleParamsError(
                key,
                f"应为文本，而不是 {_describe(value)}",
                f"expected text, got {_describe(value)}",
            )
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise RuleParamsError(
                key,
                f"应为列表，而不是 {_describe(value)}",
                f"expected a list, got {_describe(value)}",
            )
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise RuleParamsError(
                key,
                f"应为 {len(args)} 个数的列表，而不是 {len(value)} 个",
                f"expected a list of {len(args)} numbers, got {len(value)}",
            )
        return tuple(
            _convert(v, a, f"{key}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise RuleParamsError(
                key,
                f"应为映射（键: 值），而不是 {_describe(value)}",
                f"expected a mapping (key: value), got {_describe(value)}",
            )
        return _build(hint, value, f"{key}.")
    raise TypeError(f"unsupported parameter type {hint!r}")  # a new spec field type: extend here


def _build(cls: type, params: Mapping[Any, Any], prefix: str = "") -> Any:
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    allowed = "、".join(fields) or "无"
    allowed_en = ", ".join(fields) or "none"
    for key in params:
        if key not in fields:
            raise RuleParamsError(
                f"{prefix}{key}",
                f"未知参数，可用参数：{allowed}",
                f"unknown parameter; allowed: {allowed_en}",
            )
    values: dict[str, Any] = {}
    for name, spec_field in fields.items():
        if name in params:
            values[name] = _convert(params[name], hints[name], f"{prefix}{name}")
        elif (
            spec_field.default is dataclasses.MISSING
            and spec_field.default_factory is dataclasses.MISSING
        ):
            raise RuleParamsError(f"{prefix}{name}", "缺少必填参数", "missing required parameter")
    return cls(**values)


def _require(condition: bool, key: str, zh: str, en: str) -> None:
    if not condition:
        raise RuleParamsError(key, zh, en)


def _check_values(rule: RuleParams) -> None:
    """Ranges the dataclasses cannot express (a zero step would divide by zero)."""
    positive = ("应大于 0", "must be greater than 0")
    non_negative = ("不能为负数", "must not be negative")
    if isinstance(rule, LinearRule):
        _require(rule.points >= 0, "points", *non_negative)
        _require(rule.step > 0, "step", *positive)
        _require(
            rule.max_deduction is None or rule.max_deduction >= 0, "max_deduction", *non_negative
        )
    elif isinstance(rule, PerCaseRule):
        _require(rule.points >= 0, "points", *non_negative)
        for i, term in enumerate(rule.also):
            _require(term.points >= 0, f"also[{i}].points", *non_negative)
            _require(
                bool(term.expression.strip()),
                f"also[{i}].expression",
                "不能为空",
                "must not be empty",
            )
    elif isinstance(rule, BandRule):
        _require(rule.low >= 0, "low", *non_negative)
        _require(rule.low <= rule.high, "high", "不能小于 low", "must not be less than low")
    elif isinstance(rule, RankPointsRule):
        _require(rule.step >= 0, "step", *non_negative)
    elif isinstance(rule, LevelProgressRule):
        for name, pair in (("above", rule.above), ("below", rule.below)):
            _require(min(pair) >= 0, name, "权重不能为负数", "weights must not be negative")
            _require(
                abs(sum(pair) - 1.0) <= 1e-9,
                name,
                f"两个权重之和应为 1（现为 {sum(pair):g}）",
                f"the two weights must add up to 1 (they add up to {sum(pair):g})",
            )
    elif isinstance(rule, BonusRule):
        _require(rule.points >= 0, "points", *non_negative)
        _require(rule.cap >= 0, "cap", *non_negative)
        _require(rule.step > 0, "step", *positive)


def rule_params_from_dict(rule_type: str, params: Mapping[str, Any] | None) -> RuleParams:
    """The engine's parameter object for ``rule_type`` built from a JSON/YAML mapping.

    Numbers become floats and lists become tuples. Unknown keys, missing required keys,
    wrong types and impossible values (a step of 0, band low above high, level/progress
    weights not adding up to 1) raise :class:`RuleParamsError`, a ``ValueError`` whose
    bilingual message names the key.
    """
    try:
        kind = RuleType(rule_type)
    except ValueError:
        names = ", ".join(r.value for r in RuleType)
        raise RuleParamsError(
            "",
            f"未知的评分规则 {rule_type!r}，可用规则：{names}",
            f"unknown rule {rule_type!r}; allowed: {names}",
        ) from None
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise RuleParamsError(
            "",
            f"规则参数应为映射（键: 值），而不是 {_describe(params)}",
            f"rule parameters must be a mapping (key: value), got {_describe(params)}",
        )
    rule: RuleParams = _build(RULE_PARAM_CLASSES[kind], params)
    _check_values(rule)
    return rule


# --- specs from rows ------------------------------------------------------------------------


def indicator_spec(indicator: Indicator) -> IndicatorSpec:
    """The engine's view of one indicator row."""
    return IndicatorSpec(
        code=indicator.code,
        name=indicator.name,
        name_en=indicator.name_en,
        numerator=indicator.numerator,
        denominator=indicator.denominator or "1",
        factor=float(indicator.factor),
        decimals=int(indicator.decimals),
        unit=indicator.unit,
    )


def spec_expressions(spec: SchemeSpec) -> list[str]:
    """Every expression a scheme evaluates directly: actuals, extra case counts, vetoes and
    the coefficient."""
    texts = [item.actual for item in spec.items]
    for item in spec.items:
        if isinstance(item.rule, PerCaseRule):
            texts.extend(term.expression for term in item.rule.also)
    texts.extend(veto.condition for veto in spec.vetoes)
    if spec.coefficient:
        texts.append(spec.coefficient)
    texts.extend(f"N{{{code}}}" for code in spec.extra_indicators)
    return texts


def indicator_closure(
    expressions: Iterable[str],
    lookup: Callable[[frozenset[str]], Mapping[str, IndicatorSpec]],
) -> tuple[IndicatorSpec, ...]:
    """The indicators the expressions use, directly or through other indicators, by code.

    ``lookup`` maps a set of codes to the specs it knows; a code it does not know raises
    ``ValueError`` (the scheme refers to an indicator that does not exist). Expressions that
    do not parse raise the expression module's ``ExpressionError``.
    """
    found: dict[str, IndicatorSpec] = {}
    wanted = _indicator_codes(expressions)
    while wanted:
        specs = lookup(frozenset(wanted))
        missing = sorted(wanted - set(specs))
        if missing:
            names = ", ".join(missing)
            raise ValueError(f"未知的指标 {names} / unknown indicator(s) {names}")
        found.update((code, specs[code]) for code in wanted)
        wanted = (
            _indicator_codes(
                t for code in wanted for t in (specs[code].numerator, specs[code].denominator)
            )
            - found.keys()
        )
    return tuple(found[code] for code in sorted(found))


def _indicator_codes(expressions: Iterable[str]) -> set[str]:
    return {code for text in expressions for code, _offset in referenced_codes(text).indicators}


def with_indicators(
    spec: SchemeSpec, lookup: Callable[[frozenset[str]], Mapping[str, IndicatorSpec]]
) -> SchemeSpec:
    """``spec`` with its ``indicators`` set to the closure of what its expressions use."""
    return dataclasses.replace(spec, indicators=indicator_closure(spec_expressions(spec), lookup))


def _lookup_indicators(codes: frozenset[str]) -> dict[str, IndicatorSpec]:
    from kaohe.schemes.models import Indicator

    return {row.code: indicator_spec(row) for row in Indicator.objects.filter(code__in=codes)}


def scheme_spec(scheme: Scheme) -> SchemeSpec:
    """The engine's view of a stored scheme, with every indicator it needs (transitively).

    Raises ``ValueError`` (:class:`RuleParamsError` for bad parameters) when the stored rows are
    inconsistent, which a scheme loaded through a bundle never is.
    """
    items = tuple(
        ItemSpec(
            code=row.code,
            name=row.name,
            name_en=row.name_en,
            weight=float(row.weight),
            rule=rule_params_from_dict(row.rule_type, row.params),
            actual=row.actual,
            target=None if row.target is None else float(row.target),
            direction=Direction(row.direction),
            decimals=int(row.decimals),
            unit=row.unit,
            section=row.section,
            track=row.track,
        )
        for row in scheme.items.order_by("sort_order", "code")
    )
    vetoes = tuple(
        VetoSpec(code=row.code, name=row.name, name_en=row.name_en, condition=row.condition)
        for row in scheme.vetoes.order_by("sort_order", "code")
    )
    grades = tuple(
        GradeSpec(code=row.code, name=row.name, name_en=row.name_en, min_total=float(row.min_total))
        for row in scheme.grades.order_by("-min_total", "code")
    )
    spec = SchemeSpec(
        code=scheme.code,
        name=scheme.name,
        version=int(scheme.version),
        total=float(scheme.total),
        items=items,
        vetoes=vetoes,
        grades=grades,
        veto_grade=scheme.veto_grade or None,
        constants={row.code: float(row.value) for row in scheme.constants.order_by("code")},
        unit_kinds=tuple(scheme.unit_kinds),
        tracks=track_specs(scheme.tracks or [], float(scheme.total)),
        coefficient=scheme.coefficient.strip() or None,
        coefficient_name=scheme.coefficient_name,
        period_parts=period_part_specs(scheme.period_parts or []),
        corrections=correction_specs(scheme.corrections or []),
        extra_indicators=tuple(scheme.extra_indicators or []),
    )
    return with_indicators(spec, _lookup_indicators)


def track_specs(rows: Iterable[Mapping[str, Any]], total: float) -> tuple[TrackSpec, ...]:
    """The engine's tracks from the stored JSON rows (a track's total defaults to ``total``)."""
    return tuple(
        TrackSpec(
            code=str(row["code"]),
            name=str(row["name"]),
            name_en=str(row.get("name_en", "")),
            weight=float(row["weight"]),
            total=float(row.get("total", total)),
        )
        for row in rows
    )


def period_part_specs(rows: Iterable[Mapping[str, Any]]) -> tuple[PeriodPartSpec, ...]:
    """The engine's period parts from the stored JSON rows."""
    return tuple(
        PeriodPartSpec(
            code=str(row["code"]),
            name=str(row["name"]),
            name_en=str(row.get("name_en", "")),
            period_type=str(row["period_type"]),
            index=int(row["index"]),
            weight=float(row["weight"]),
        )
        for row in rows
    )


def correction_specs(rows: Iterable[Mapping[str, Any]]) -> tuple[CorrectionSpec, ...]:
    """The engine's corrections from the stored JSON rows (method ``larger`` by default)."""
    return tuple(
        CorrectionSpec(element=str(row["element"]), method=str(row.get("method", "larger")))
        for row in rows
    )


def element_specs(codes: Iterable[str]) -> dict[str, ElementSpec]:
    """The engine's view of the data elements with these codes (codes not stored are absent)."""
    from kaohe.elements.models import DataElement

    return {
        row.code: ElementSpec(
            code=row.code,
            name=row.name,
            value_type=ValueType(row.value_type),
            aggregation=AggregationType(row.aggregation),
            zero_is_significant=bool(row.zero_is_significant),
        )
        for row in DataElement.objects.filter(code__in=list(codes))
    }


# --- the content hash -----------------------------------------------------------------------


def _wants_float(hint: Any) -> bool:
    if hint is float:
        return True
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return float in typing.get_args(hint)
    return False


# Fields added to the spec after HASH_FORMAT 1: left out of the canonical form while they hold
# their default, so every scheme that does not use them keeps the hash it was stored with.
_LATER_FIELDS: dict[type, frozenset[str]] = {
    ItemSpec: frozenset({"track"}),
    SchemeSpec: frozenset(
        {
            "tracks",
            "coefficient",
            "coefficient_name",
            "period_parts",
            "corrections",
            "extra_indicators",
        }
    ),
}


def _at_default(value: Any, spec_field: dataclasses.Field[Any]) -> bool:
    if spec_field.default is not dataclasses.MISSING:
        return bool(value == spec_field.default)
    if spec_field.default_factory is not dataclasses.MISSING:
        return bool(value == spec_field.default_factory())
    return False


def _canonical(value: Any, hint: Any = None) -> Any:
    """A JSON-ready form of ``value`` in which equal specs are equal, whatever built them.

    Floats are written as their ``repr`` (the shortest text that reads back as the same
    double), and an ``int`` where the spec says ``float`` counts as that float, so a weight
    of ``10`` from YAML and ``10.0`` from the database hash alike.
    """
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) or _wants_float(hint) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        hints = _hints(type(value))
        later = _LATER_FIELDS.get(type(value), frozenset())
        return {
            f.name: _canonical(getattr(value, f.name), hints.get(f.name))
            for f in dataclasses.fields(value)
            if not (f.name in later and _at_default(getattr(value, f.name), f))
        }
    args = typing.get_args(hint)
    if isinstance(value, Mapping):
        inner = args[1] if len(args) == 2 else None
        return {str(k): _canonical(v, inner) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(args) == 2 and args[1] is Ellipsis:
            return [_canonical(v, args[0]) for v in value]
        if args and len(args) == len(value):
            return [_canonical(v, a) for v, a in zip(value, args, strict=True)]
        return [_canonical(v) for v in value]
    raise TypeError(f"cannot hash {type(value).__name__} in a scheme spec")


def canonical_json(spec: SchemeSpec) -> str:
    """The canonical JSON text of a spec: sorted keys, no spaces, floats by ``repr``."""
    payload = {"format": HASH_FORMAT, "scheme": _canonical(spec)}
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scheme_hash(spec: SchemeSpec) -> str:
    """sha256 (hex) of :func:`canonical_json`: equal for equal content, deterministic."""
    return hashlib.sha256(canonical_json(spec).encode("utf-8")).hexdigest()
