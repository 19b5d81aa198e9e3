"""The outlier list as CSV (UTF-8 with a BOM, so spreadsheets read the Chinese), for the page's
export and the console's ``--csv``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from kaohe.engine.rounding import format_trimmed

from .outliers import FlaggedValue, OutlierReport

HEADER = (
    "unit",
    "unit_name",
    "element",
    "element_name",
    "period",
    "value",
    "method",
    "values_in_series",
    "centre",
    "spread",
    "q1",
    "q3",
    "lower",
    "upper",
    "score",
    "follow_up",
    "stored",
    "reason_zh",
    "reason_en",
)


def _n(value: float | None, decimals: int = 4) -> str:
    return "" if value is None else format_trimmed(value, decimals)


def _row(report: OutlierReport, f: FlaggedValue) -> list[str]:
    return [
        f.unit.code,
        f.unit.name,
        f.element.code,
        f.element.name,
        f.period,
        _n(f.value, 6),
        report.query.method.value,
        str(f.count),
        _n(f.centre),
        _n(f.spread),
        _n(f.q1),
        _n(f.q3),
        _n(f.lower),
        _n(f.upper),
        _n(f.score),
        "true" if f.follow_up else "false",
        "true" if f.value_id is not None else "false",
        f.reason_zh,
        f.reason_en,
    ]


def outlier_csv_lines(report: OutlierReport) -> Iterator[str]:
    """The header, then one line per flagged value, most significant first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield "\ufeff" + flush()
    for flagged in report.flagged:
        writer.writerow(_row(report, flagged))
        yield flush()


def outlier_csv(report: OutlierReport) -> str:
    return "".join(outlier_csv_lines(report))


def export_name(report: OutlierReport) -> str:
    q = report.query
    return f"outliers-{q.root.code}-{q.start}-{q.end}-{q.method.value}.csv"
