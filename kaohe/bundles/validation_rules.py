"""Layer 3 of checking for the ``validation_rules:`` section (see :mod:`kaohe.bundles.loader`).

A rule's two sides are compiled as number expressions over the data elements in the bundle or
the database (each mistake shown with a caret under it), then checked by the engine for what
a rule may not read (``.periodOffset``, indicators, constants, targets); its data set, when it
names one, must exist and be reported in the rule's period type.
"""

from __future__ import annotations

from typing import Any

from kaohe.bundles.checking import Checker, Entry
from kaohe.bundles.records import Record
from kaohe.engine.expressions import CompileContext, ExprType
from kaohe.engine.validation import (
    Importance,
    MissingValueStrategy,
    Operator,
    RuleError,
    RuleSpec,
    compile_rule,
)

DEFAULT_MISSING = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING.value
DEFAULT_IMPORTANCE = Importance.MEDIUM.value


def _dataset_period_types(checker: Checker) -> dict[str, str]:
    types = dict(checker.state.dataset_period_types)
    for entry in checker.entries["datasets"]:
        value = entry.data.get("period_type")
        if isinstance(value, str):
            types[entry.code] = value
    return types


def validation_rule_records(checker: Checker) -> list[Record]:
    """The ``validation_rules:`` entries as records to upsert; problems go to ``checker``."""
    context = CompileContext(elements=checker.element_codes)
    period_types = _dataset_period_types(checker)
    records = []
    for entry in checker.unique("validation_rules"):
        data = entry.data
        checker.period_type(entry)
        sides_compile = all(
            checker.compiles(entry, (side,), data[side], context, ExprType.NUMBER)
            for side in ("left", "right")
        )
        if sides_compile:
            _check_rule(checker, entry)
        dataset = data.get("dataset")
        if dataset is not None and checker.known(
            entry, ("dataset",), "dataset", dataset, checker.dataset_codes
        ):
            wanted = period_types.get(dataset)
            if wanted is not None and wanted != data["period_type"]:
                checker.add(
                    entry,
                    ("period_type",),
                    "validation_period_type",
                    value=data["period_type"],
                    dataset=dataset,
                    wanted=wanted,
                )
        fields: dict[str, Any] = {
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "left": data["left"],
            "operator": data["operator"],
            "right": data["right"],
            "importance": data.get("importance", DEFAULT_IMPORTANCE),
            "left_missing": data.get("left_missing", DEFAULT_MISSING),
            "right_missing": data.get("right_missing", DEFAULT_MISSING),
            "period_type": data["period_type"],
            "unit_kinds": list(data.get("unit_kinds", [])),
            "message_zh": data["message_zh"],
            "message_en": data.get("message_en", ""),
            "description": data.get("description", ""),
        }
        records.append(Record(entry.code, fields, entry.where(), dataset=dataset))
    return records


def _check_rule(checker: Checker, entry: Entry) -> None:
    """What only a validation rule forbids (the sides compiled already)."""
    data = entry.data
    spec = RuleSpec(
        code=entry.code,
        left=data["left"],
        operator=Operator(data["operator"]),
        right=data["right"],
    )
    try:
        compile_rule(spec, checker.element_codes)
    except RuleError as error:
        zh, _sep, en = str(error).partition(" / ")
        checker.add(entry, (error.side,), "validation_side", zh=zh, en=en or zh)
