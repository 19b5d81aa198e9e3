"""The changes a draft's editor asks for, each value checked on its own.

:func:`cleaned_changes` turns the mapping the web form, the API and the command line send into
the scheme fields and item fields to write, dropping values that do not change anything, and
raises :class:`SchemeVersionError` naming the first bad field. Whether the edited scheme as a
whole still holds together is checked afterwards (:func:`kaohe.schemes.versions.scheme_problems`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from kaohe.engine.spec import RuleType

from .models import Scheme, ScoringItem

#: The scheme fields a draft's editor may change.
EDITABLE_SCHEME_FIELDS = (
    "name",
    "name_en",
    "year_from",
    "year_to",
    "total",
    "terms",
    "signatory_roles",
    "plan_item",
    "validity_note",
    "veto_grade",
)
#: The item fields a draft's editor may change.
EDITABLE_ITEM_FIELDS = ("weight", "target", "description", "params", "rule_type", "track")
YEAR_RANGE = (1900, 2999)


class SchemeVersionError(ValueError):
    """A refused publication, edit or copy; ``field`` names what is wrong (dotted for items:
    ``items.PLAN.weight``), ``problems`` lists every problem when there are several."""

    def __init__(self, field: str, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or [message]


def _number(field: str, value: Any, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SchemeVersionError(
            field, _("{field}：应为数字 / {field}: expected a number").format(field=field)
        )
    if minimum is not None and value < minimum:
        raise SchemeVersionError(
            field,
            _("{field}：不能小于 {minimum:g} / {field}: must not be less than {minimum:g}").format(
                field=field, minimum=minimum
            ),
        )
    return float(value)


def _plain(text: str) -> str:
    """Text as stored: line ends of any system as ``\n``, no blank lines around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _same(new: Any, stored: Any) -> bool:
    """Whether a checked value leaves the stored one as it is (text that differs only in its
    line ends or the space around it is the same: a form sends text back that way)."""
    if isinstance(new, str) and isinstance(stored, str):
        return new == _plain(stored)
    return bool(new == stored)


def _text(field: str, value: Any, *, required: bool = False, max_length: int = 0) -> str:
    if not isinstance(value, str):
        raise SchemeVersionError(
            field, _("{field}：应为文本 / {field}: expected text").format(field=field)
        )
    value = _plain(value)
    if required and not value:
        raise SchemeVersionError(
            field, _("{field}：不能为空 / {field}: must not be empty").format(field=field)
        )
    if max_length and len(value) > max_length:
        raise SchemeVersionError(
            field,
            _("{field}：最多 {n} 个字 / {field}: at most {n} characters").format(
                field=field, n=max_length
            ),
        )
    return value


def _year(field: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    low, high = YEAR_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SchemeVersionError(
            field,
            _(
                "{field}：应为 {low}–{high} 之间的年份 / {field}: expected a year {low}–{high}"
            ).format(field=field, low=low, high=high),
        )
    return value


def _signatory_roles(field: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise SchemeVersionError(
            field, _("{field}：应为列表 / {field}: expected a list").format(field=field)
        )
    cleaned = []
    for index, row in enumerate(value):
        at = f"{field}[{index}]"
        if not isinstance(row, Mapping) or set(row) - {"role", "name", "first"}:
            raise SchemeVersionError(
                at,
                _(
                    "{field}：应为 {{role, name, first}} / {field}: expected {{role, name, first}}"
                ).format(field=at),
            )
        first = row.get("first", False)
        if not isinstance(first, bool):
            raise SchemeVersionError(
                f"{at}.first",
                _("{field}：应为 true 或 false / {field}: expected true or false").format(
                    field=f"{at}.first"
                ),
            )
        cleaned.append(
            {
                "role": _text(f"{at}.role", row.get("role"), required=True, max_length=50),
                "name": _text(f"{at}.name", row.get("name", ""), max_length=100),
                "first": first,
            }
        )
    return cleaned


def _terms(field: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise SchemeVersionError(
            field, _("{field}：应为列表 / {field}: expected a list").format(field=field)
        )
    terms = [_text(f"{field}[{i}]", term) for i, term in enumerate(value)]
    return [term for term in terms if term]


def _clean_scheme_field(name: str, value: Any) -> Any:
    if name in ("name",):
        return _text(name, value, required=True, max_length=200)
    if name == "name_en":
        return _text(name, value, max_length=200)
    if name in ("year_from", "year_to"):
        return _year(name, value)
    if name == "total":
        total = _number(name, value, minimum=0)
        if total <= 0:
            raise SchemeVersionError(name, _("total：应大于 0 / total: must be greater than 0"))
        return total
    if name == "terms":
        return _terms(name, value)
    if name == "signatory_roles":
        return _signatory_roles(name, value)
    if name in ("plan_item", "veto_grade"):
        return _text(name, value, max_length=50)
    return _text(name, value)  # validity_note


def _clean_item_field(item: ScoringItem, name: str, value: Any) -> Any:
    at = f"items.{item.code}.{name}"
    if name == "weight":
        return _number(at, value, minimum=0)
    if name == "target":
        return None if value is None or value == "" else _number(at, value)
    if name == "description":
        return _text(at, value)
    if name == "track":
        return _text(at, value, max_length=50)
    if name == "rule_type":
        if value not in {r.value for r in RuleType}:
            names = ", ".join(r.value for r in RuleType)
            raise SchemeVersionError(
                at,
                _(
                    "{field}：未知的评分规则，可用：{names} / {field}: unknown rule; allowed: {names}"
                ).format(field=at, names=names),
            )
        return value
    if not isinstance(value, Mapping):  # params
        raise SchemeVersionError(
            at,
            _("{field}：应为映射（键: 值）/ {field}: expected a mapping (key: value)").format(
                field=at
            ),
        )
    return dict(value)


def cleaned_changes(
    scheme: Scheme, changes: Any
) -> tuple[dict[str, Any], dict[ScoringItem, dict[str, Any]]]:
    """The changes with every value checked on its own, unchanged values dropped."""
    if not isinstance(changes, Mapping):
        raise SchemeVersionError(
            "changes", _("修改内容应为映射 / the changes must be a mapping (field: value)")
        )
    fields: dict[str, Any] = {}
    items: dict[ScoringItem, dict[str, Any]] = {}
    for name, value in changes.items():
        if name == "items":
            items = _cleaned_items(scheme, value)
        elif name in EDITABLE_SCHEME_FIELDS:
            cleaned = _clean_scheme_field(name, value)
            if not _same(cleaned, getattr(scheme, name)):
                fields[name] = cleaned
        else:
            allowed = ", ".join([*EDITABLE_SCHEME_FIELDS, "items"])
            raise SchemeVersionError(
                str(name),
                _(
                    "{field}：不能修改此项，可修改：{allowed} / {field}: cannot be edited; allowed: {allowed}"
                ).format(field=name, allowed=allowed),
            )
    return fields, items


def _cleaned_items(scheme: Scheme, value: Any) -> dict[ScoringItem, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise SchemeVersionError(
            "items",
            _("items：应为 {项目代码: {字段: 值}} / items: expected {item code: {field: value}}"),
        )
    stored = {item.code: item for item in scheme.items.all()}
    items: dict[ScoringItem, dict[str, Any]] = {}
    for code, row in value.items():
        item = stored.get(code)
        if item is None:
            raise SchemeVersionError(
                f"items.{code}",
                _("没有考核项目 {code} / no item {code} in this scheme").format(code=code),
            )
        if not isinstance(row, Mapping):
            raise SchemeVersionError(
                f"items.{code}",
                _(
                    "items.{code}：应为 {{字段: 值}} / items.{code}: expected {{field: value}}"
                ).format(code=code),
            )
        changed: dict[str, Any] = {}
        for name, new in row.items():
            if name not in EDITABLE_ITEM_FIELDS:
                allowed = ", ".join(EDITABLE_ITEM_FIELDS)
                at = f"items.{code}.{name}"
                raise SchemeVersionError(
                    at,
                    _(
                        "{field}：不能修改此项，可修改：{allowed} / {field}: cannot be edited; allowed: {allowed}"
                    ).format(field=at, allowed=allowed),
                )
            cleaned = _clean_item_field(item, name, new)
            if not _same(cleaned, getattr(item, name)):
                changed[name] = cleaned
        if changed:
            items[item] = changed
    return items
