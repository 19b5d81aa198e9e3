"""Min–max ranges per unit and element: generated from history, or set by hand.

A generated range is ``median ± k × MAD`` of the unit's values of the element over the chosen
periods (:func:`kaohe.engine.outliers.generate_ranges`), the lower end no less than 0 and a
percentage's upper end no more than 100, widened outward to whole numbers for integer
elements and to 0.01 for others. A series with too few values, or whose MAD is 0 (more than
half of its values equal, as in a village with few births), gets no range: a person sets one
by hand. Generating again replaces generated ranges and never touches one set by hand.

Every write runs in one transaction with its audit rows (object type ``minmaxrange``, key
``ELEMENT/UNIT``). Pages and the API act for a signed-in person, who must administer the units
(a township administrator); the console acts for whoever runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor, build_entry, record
from kaohe.core.access import ADMIN, VIEW, may_administer, restrict
from kaohe.datavalues.importing import format_value
from kaohe.elements.models import DataElement
from kaohe.engine.outliers import (
    DEFAULT_RANGE_K,
    OutlierMethod,
    SeriesStatus,
    describe_status,
    generate_ranges,
)
from kaohe.engine.periods import Period
from kaohe.engine.rounding import format_trimmed
from kaohe.engine.spec import ValueType
from kaohe.orgunits.models import OrgUnit

from .errors import NotFound, QualityError
from .models import MinMaxRange
from .series import NUMERIC_TYPES, parse_number, read_series

OBJECT_TYPE: Final = "minmaxrange"
ACTION_GENERATE: Final = "minmaxrange.generate"
ACTION_SET: Final = "minmaxrange.set"
ACTION_DELETE: Final = "minmaxrange.delete"
_SIX: Final = Decimal("0.000001")
_CENT: Final = Decimal("0.01")
_LIMIT: Final = Decimal("1e13")


def range_key(unit: OrgUnit, element: DataElement) -> str:
    return f"{element.code}/{unit.code}"


def snapshot(row: MinMaxRange) -> dict[str, Any]:
    return {
        "min": format_value(Decimal(row.min_value)),
        "max": format_value(Decimal(row.max_value)),
        "generated": row.generated,
        "basis": row.basis,
    }


@dataclass(frozen=True)
class SkippedSeries:
    unit: OrgUnit
    element: DataElement
    status: SeriesStatus
    count: int
    reason_zh: str
    reason_en: str


@dataclass
class GenerateOutcome:
    """What generating did: ranges created, changed, left as they were, set by hand and kept,
    and the series that got none (with why)."""

    created: list[MinMaxRange] = field(default_factory=list)
    updated: list[MinMaxRange] = field(default_factory=list)
    unchanged: list[MinMaxRange] = field(default_factory=list)
    kept: list[MinMaxRange] = field(default_factory=list)
    skipped: list[SkippedSeries] = field(default_factory=list)

    def summary(self) -> str:
        return _(
            "新生成 {created}，更新 {updated}，未变 {unchanged}，保留人工设定 {kept}，无法生成 "
            "{skipped} / created {created}, updated {updated}, unchanged {unchanged}, kept as "
            "set by hand {kept}, not generated {skipped}"
        ).format(
            created=len(self.created),
            updated=len(self.updated),
            unchanged=len(self.unchanged),
            kept=len(self.kept),
            skipped=len(self.skipped),
        )


def _person(actor: Actor) -> Any | None:
    """The signed-in user acting, or None for the console; a page or API call without one is
    refused."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is None and actor.channel in (Channel.WEB, Channel.API):
        raise PermissionDenied
    return user


def _refuse() -> PermissionDenied:
    return PermissionDenied(
        _("你不能设定该单位的最小–最大值范围 / you may not set this unit's min–max ranges")
    )


def _outward(lower: float, upper: float, element: DataElement) -> tuple[Decimal, Decimal]:
    """The range widened outward to the element's resolution (rounding noise first removed)."""
    low = Decimal(repr(lower)).quantize(_SIX, ROUND_HALF_UP)
    high = Decimal(repr(upper)).quantize(_SIX, ROUND_HALF_UP)
    step = Decimal(1) if element.value_type == ValueType.INTEGER.value else _CENT
    low, high = low.quantize(step, ROUND_FLOOR), high.quantize(step, ROUND_CEILING)
    if element.value_type == ValueType.PERCENTAGE.value:
        high = min(high, Decimal(100))
    return max(low, Decimal(0)), max(high, Decimal(0))


def _basis(periods: Sequence[Period], count: int, median: float, mad: float, k: float) -> str:
    numbers = {
        "start": periods[0].code,
        "end": periods[-1].code,
        "n": count,
        "median": format_trimmed(median, 2),
        "mad": format_trimmed(mad, 2),
        "k": f"{k:g}",
    }
    return (
        "{start}–{end}：{n} 个值，中位数 {median}，中位绝对偏差 {mad}，k = {k} / {start}–{end}: "
        "{n} values, median {median}, MAD {mad}, k = {k}"
    ).format(**numbers)


@transaction.atomic
def do_generate_ranges(
    actor: Actor,
    root: OrgUnit,
    elements: Sequence[DataElement],
    periods: Sequence[Period],
    *,
    k: float,
    min_values: int,
) -> GenerateOutcome:
    """Generate the range of every unit under ``root`` (itself included) and element that has
    values in ``periods``; see the module notes."""
    user = _person(actor)
    if user is not None and not may_administer(user, root):
        raise _refuse()
    series = read_series(root, elements, periods, user)
    proposal = generate_ranges(series.values, k=k, min_values=min_values)
    existing = {
        (r.unit_id, r.element_id): r
        for r in MinMaxRange.objects.select_for_update().filter(
            unit_id__in={u.pk for u, _e in series.keys},
            element_id__in={e.pk for _u, e in series.keys},
        )
    }
    outcome = GenerateOutcome()
    audit: list[AuditEntry] = []
    for i, (unit, element) in enumerate(series.keys):
        status = SeriesStatus(int(proposal.status[i]))
        if status is not SeriesStatus.JUDGED:
            zh, en = describe_status(status, OutlierMethod.MODIFIED_Z)
            outcome.skipped.append(
                SkippedSeries(unit, element, status, int(proposal.count[i]), zh, en)
            )
            continue
        row = existing.get((unit.pk, element.pk))
        if row is not None and not row.generated:
            outcome.kept.append(row)
            continue
        low, high = _outward(float(proposal.lower[i]), float(proposal.upper[i]), element)
        basis = _basis(
            periods, int(proposal.count[i]), float(proposal.median[i]), float(proposal.mad[i]), k
        )
        if row is None:
            row = MinMaxRange.objects.create(
                unit=unit,
                element=element,
                min_value=low,
                max_value=high,
                generated=True,
                basis=basis,
                updated_by=actor.name[:150],
            )
            outcome.created.append(row)
            audit.append(
                build_entry(
                    actor,
                    ACTION_GENERATE,
                    OBJECT_TYPE,
                    range_key(unit, element),
                    None,
                    snapshot(row),
                )
            )
            continue
        if (Decimal(row.min_value), Decimal(row.max_value)) == (low, high):
            outcome.unchanged.append(row)
            continue
        before = snapshot(row)
        row.min_value, row.max_value, row.basis = low, high, basis
        row.updated_by = actor.name[:150]
        row.save(update_fields=["min_value", "max_value", "basis", "updated_by", "updated_at"])
        outcome.updated.append(row)
        audit.append(
            build_entry(
                actor, ACTION_GENERATE, OBJECT_TYPE, range_key(unit, element), before, snapshot(row)
            )
        )
    AuditEntry.objects.bulk_create(audit)
    return outcome


def _decimal(text: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) >= _LIMIT:
        raise QualityError(name, _("须为数字：{text} / must be a number: {text}").format(text=text))
    return number.quantize(_SIX, ROUND_HALF_UP)


@transaction.atomic
def do_save_range(
    actor: Actor,
    unit: OrgUnit,
    element: DataElement,
    min_value: Any,
    max_value: Any,
) -> MinMaxRange:
    """Set ``unit``'s range of ``element`` by hand (kept when ranges are generated again)."""
    user = _person(actor)
    if user is not None and not may_administer(user, unit):
        raise _refuse()
    if element.value_type not in NUMERIC_TYPES:
        raise QualityError(
            "element",
            _("是/否 类数据元素不设范围 / yes/no elements take no range: {code}").format(
                code=element.code
            ),
        )
    low, high = _decimal(min_value, "min"), _decimal(max_value, "max")
    if low > high:
        raise QualityError(
            "max",
            _(
                "最大值 {high} 小于最小值 {low} / the maximum {high} is below the minimum {low}"
            ).format(low=format_value(low), high=format_value(high)),
        )
    row = MinMaxRange.objects.select_for_update().filter(unit=unit, element=element).first()
    before = snapshot(row) if row is not None else None
    if row is None:
        row = MinMaxRange(unit=unit, element=element)
    row.min_value, row.max_value = low, high
    row.generated, row.basis, row.updated_by = False, "", actor.name[:150]
    row.save()
    after = snapshot(row)
    if before != after:
        record(actor, ACTION_SET, OBJECT_TYPE, range_key(unit, element), before, after)
    return row


@transaction.atomic
def do_delete_range(actor: Actor, range_id: int) -> None:
    """Remove a range (set by hand or generated)."""
    user = _person(actor)
    rows = MinMaxRange.objects.select_related("unit", "element")
    if user is not None:
        rows = restrict(rows, user, VIEW)
    row = rows.select_for_update(of=("self",)).filter(pk=range_id).first()
    if row is None:
        raise NotFound("range", _("没有这个范围 / no such range"))
    if (
        user is not None
        and not restrict(MinMaxRange.objects.filter(pk=row.pk), user, ADMIN).exists()
    ):
        raise _refuse()
    record(actor, ACTION_DELETE, OBJECT_TYPE, range_key(row.unit, row.element), snapshot(row))
    row.delete()


def target_of(unit_code: str, element_code: str, user: Any | None) -> tuple[OrgUnit, DataElement]:
    """The unit (one ``user`` may see) and element of these codes, or a refusal naming which."""
    units = OrgUnit.objects.filter(code=(unit_code or "").strip())
    if user is not None:
        units = restrict(units, user, VIEW)
    unit = units.first()
    if unit is None:
        raise QualityError(
            "unit",
            _("未知或无权查看的单位 {code} / unknown unit {code}, or not one you may see").format(
                code=unit_code
            ),
        )
    element = DataElement.objects.filter(code=(element_code or "").strip()).first()
    if element is None:
        raise QualityError(
            "element",
            _("未知的数据元素代码 {code} / unknown data element code {code}").format(
                code=element_code
            ),
        )
    return unit, element


def parse_k(text: Any) -> float:
    """The multiple of the MAD a generated range reaches (default 5)."""
    return parse_number(text, "k", 0.5, 100, DEFAULT_RANGE_K)
