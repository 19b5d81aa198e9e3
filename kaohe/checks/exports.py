"""The reconciliation as a table: for the page's CSV and .xlsx downloads and the console.

One row per unit, then the township's totals; the columns are the report, each source's
figure, what was found, the difference, under- and over-reporting, accuracy, the figure a
``larger`` correction scores on and which figure that is, and the flags. The files are written
by :mod:`kaohe.assessments.exports` (CSV with a byte-order mark; a workbook with a title row and
the header frozen under it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.assessments.exports import Cell, Column, Table
from kaohe.engine.rounding import round_half_up

from .selectors import FLAG_NOT_CHECKED, FLAG_OVER, FLAG_UNDER, ReconciledRow, Reconciliation

WHOLE = "0"
RATE = "0.00"


def accuracy_shown(value: float | None) -> Decimal | None:
    """Accuracy as shown: half-up to two decimals."""
    return None if value is None else round_half_up(value, 2)


def flag_text(flags: Sequence[str]) -> str:
    names = {
        FLAG_UNDER: _("漏报"),
        FLAG_OVER: _("多报"),
        FLAG_NOT_CHECKED: _("无核查数"),
    }
    return "、".join(str(names[f]) for f in flags)


def used_text(used: str) -> str:
    return str(_("村报数") if used == "reported" else _("核查数"))


def _number(value: float | None) -> Cell:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def columns(found: Reconciliation) -> list[Column]:
    kinds = {"feed": gettext_lazy("部门数据"), "check": gettext_lazy("抽查核实")}
    return [
        Column(gettext_lazy("单位代码"), 12),
        Column(gettext_lazy("单位"), 18),
        Column(gettext_lazy("村报数"), 10, WHOLE),
        *(Column(f"{c.name}（{kinds.get(c.kind, c.kind)}）", 16, WHOLE) for c in found.sources),
        Column(gettext_lazy("核查发现数"), 11, WHOLE),
        Column(gettext_lazy("差数（发现−村报）"), 12, WHOLE),
        Column(gettext_lazy("漏报数"), 9, WHOLE),
        Column(gettext_lazy("多报数"), 9, WHOLE),
        Column(gettext_lazy("统计求实率（%）"), 12, RATE),
        Column(gettext_lazy("更正后（取大）"), 12, WHOLE),
        Column(gettext_lazy("计分所用数字"), 12),
        Column(gettext_lazy("标记"), 16),
    ]


def _row(row: ReconciledRow) -> list[Cell]:
    return [
        row.unit.code,
        row.unit.name,
        _number(row.reported),
        *(_number(v) for v in row.sources),
        _number(row.found),
        _number(row.difference),
        _number(row.under_reported),
        _number(row.over_reported),
        accuracy_shown(row.accuracy),
        _number(row.corrected),
        used_text(row.used),
        flag_text(row.flags),
    ]


def rows(found: Reconciliation) -> Iterator[list[Cell]]:
    for row in found.rows:
        yield _row(row)
    t = found.totals
    yield [
        "",
        _("合计（{n} 个单位）").format(n=t.units),
        _number(t.reported),
        *(_number(v) for v in t.sources),
        _number(t.found),
        _number(t.difference),
        _number(t.under_reported),
        _number(t.over_reported),
        accuracy_shown(t.accuracy),
        _number(t.corrected),
        "",
        _("漏报 {under} 个，多报 {over} 个").format(under=t.under_count, over=t.over_count),
    ]


def title(found: Reconciliation) -> str:
    return _("{element} 核查对照 · {root} · {period}").format(
        element=found.element.name, root=found.root.name, period=found.period.code
    )


def reconciliation_table(found: Reconciliation) -> Table:
    return Table(
        title=title(found),
        sheet=_("核查对照"),
        filename=f"reconciliation-{found.element.code}-{found.root.code}-{found.period.code}",
        columns=columns(found),
        rows=rows(found),
    )
