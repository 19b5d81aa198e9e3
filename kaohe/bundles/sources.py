"""Layer 3 of checking for the ``sources:`` section (see :mod:`kaohe.bundles.loader`).

A cross-check source (:class:`kaohe.checks.models.Source`) names the data elements it counts,
each of which must be in the bundle or the database; its period type must be one Kaohe knows.
"""

from __future__ import annotations

from typing import Any

from kaohe.bundles.checking import Checker
from kaohe.bundles.records import Record


def source_records(checker: Checker) -> list[Record]:
    """The ``sources:`` entries as records to upsert; problems go to ``checker``."""
    records = []
    for entry in checker.unique("sources"):
        data = entry.data
        checker.period_type(entry)
        for index, code in enumerate(data["elements"]):
            checker.known(entry, ("elements", index), "element", code, checker.element_codes)
        fields: dict[str, Any] = {
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "kind": data["kind"],
            "unit_kinds": list(data.get("unit_kinds", [])),
            "department_kind": data.get("department_kind", ""),
            "period_type": data.get("period_type", "Yearly"),
            "sort_order": data.get("sort_order", 0),
            "description": data.get("description", ""),
        }
        elements = tuple(dict.fromkeys(data["elements"]))
        records.append(Record(entry.code, fields, entry.where(), elements=elements))
    return records
