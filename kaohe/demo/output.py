"""The demo's figures and configuration in the formats the ordinary write paths read.

:func:`dhis2_csv` writes the figures as a DHIS2 data value set (CSV) for the data value
importer; :func:`bundle_document` writes the units, officials and birth quotas as a bundle for
the bundle loader.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .generator import QUOTA_ITEM, SCHEME_CODE, DemoTownship
from .records import DemoSourceValue, DemoValue

DHIS2_CSV_HEADER = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)


def _last_updated(period: str) -> str:
    """When a figure of ``period`` was reported: the 3rd of the month after the period ends."""
    year = int(period[:4])
    if len(period) == 6 and period[4:].isdigit():
        month = int(period[4:])
    elif "Q" in period:
        month = int(period[-1]) * 3
    else:
        month = 12
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-03"


def dhis2_csv(values: Iterable[DemoValue], stored_by: str = "demo") -> str:
    """The figures as a DHIS2 data value set in CSV (default category combinations)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DHIS2_CSV_HEADER)
    for v in values:
        when = _last_updated(v.period)
        writer.writerow([v.element, v.period, v.unit, "", "", v.value, stored_by, when, "", ""])
    return out.getvalue()


def source_csv(values: Iterable[DemoSourceValue]) -> str:
    """What other sources found (hospital feed, spot checks), as the cross-check import reads
    it: source, element, period, unit, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["source", "element", "period", "unit", "value"])
    for v in values:
        writer.writerow([v.source, v.element, v.period, v.unit, v.value])
    return out.getvalue()


def bundle_document(township: DemoTownship) -> dict[str, object]:
    """A configuration bundle (units, officials, birth-quota targets) for the bundle loader.

    Only the 2006 village scheme has per-village targets (the birth quotas); VILLAGE_2026 scores
    every village against the scheme's own targets."""
    units = [
        {
            "code": u.code,
            "name": u.name,
            "name_en": u.name_en,
            "kind": u.kind,
            "parent": u.parent,
            "sort_order": u.sort_order,
        }
        for u in township.units
    ]
    officials = [
        {"code": o.code, "name": o.name, "role": o.role, "unit": o.unit} for o in township.officials
    ]
    targets = [
        {
            "scheme": SCHEME_CODE,
            "item": QUOTA_ITEM,
            "year": year,
            "values": dict(sorted(township.quotas[year].items())),
        }
        for year in township.years_2006
    ]
    return {"kaohe_bundle": 1, "units": units, "officials": officials, "targets": targets}
