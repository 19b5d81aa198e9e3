"""Writes of cross-check figures: one at a time (a page's cell, the API, the console), and
imports of whole files (all of it, or nothing).

Every figure is checked the same way, each refusal naming its field, Chinese first:

* ``source``: a known source;
* ``element``: one the source counts;
* ``period``: a DHIS2 code of the source's period type (a monthly feed takes ``200603``, a
  yearly check ``2006``), not beginning after today;
* ``unit``: one the person may see, of a kind the source is about (a village), open during
  the period, and within the person's reach (:mod:`kaohe.checks.reach`: the township's
  administrators; a department's members for their own source; system administrators);
* ``value``: a number fit for the element (a count is a whole number, not negative).

Each write runs in a transaction with one audit row per figure created, changed or deleted
(object type ``sourcevalue``, key ``SOURCE/ELEMENT/PERIOD/UNIT``), and schedules the
recomputation of the draft assessments whose figures it touches (a scheme may score on
corrected figures). Pages and the API act for a signed-in person; the console for whoever runs
it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.recompute import schedule_recompute
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor, build_entry, record
from kaohe.core.access import VIEW, scope_of
from kaohe.datavalues.importing import (
    MAX_COMMENT,
    ImportProblem,
    ValueProblem,
    format_value,
    parse_value,
    unit_closed_reason,
)
from kaohe.datavalues.models import Period as PeriodRow
from kaohe.elements.models import DataElement
from kaohe.engine.periods import Period, PeriodError, parse_period
from kaohe.orgunits.models import OrgUnit

from .errors import CheckError, Forbidden, NotFound
from .importing import RawRow, read_rows
from .models import Source, SourceValue
from .reach import EntryReach, entry_reach
from .selectors import visible_values

__all__ = [
    "ImportOutcome",
    "Saved",
    "Target",
    "do_clear_source_value",
    "do_delete_source_value",
    "do_import_source_values",
    "do_save_source_value",
    "check_period",
    "clean_comment",
    "clean_value",
    "resolve_target",
]

OBJECT_TYPE: Final = "sourcevalue"
ACTION_CREATE: Final = "sourcevalue.create"
ACTION_UPDATE: Final = "sourcevalue.update"
ACTION_DELETE: Final = "sourcevalue.delete"
_BATCH: Final = 500
_T = TypeVar("_T")
Change = Literal["created", "updated", "unchanged", "deleted"]


@dataclass(frozen=True)
class Target:
    """Where one figure goes: checked, ready to write."""

    source: Source
    element: DataElement
    period: Period
    unit: OrgUnit

    @property
    def key_text(self) -> str:
        return f"{self.source.code}/{self.element.code}/{self.period.code}/{self.unit.code}"


@dataclass(frozen=True)
class Saved:
    """What became of one figure: the row (None once deleted or if there was none) and
    whether it was created, updated, left unchanged or deleted."""

    value: SourceValue | None
    change: Change


def _person(actor: Actor) -> Any | None:
    """The signed-in user acting, or None for the console; a page or API call without one is
    refused."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is None and actor.channel in (Channel.WEB, Channel.API):
        raise PermissionDenied
    return user


def _snapshot(value: Decimal, comment: str) -> dict[str, Any]:
    return {"value": format_value(value), "comment": comment}


# --- checking ---------------------------------------------------------------------------------


class _Lookups:
    """Sources, elements and units by code, read once for a batch of rows."""

    def __init__(
        self, sources: Iterable[str], elements: Iterable[str], units: Iterable[str]
    ) -> None:
        self.sources = {
            s.code: s
            for s in Source.objects.filter(code__in=sorted(set(sources))).prefetch_related(
                "elements"
            )
        }
        self.counts = {code: {e.code for e in s.elements.all()} for code, s in self.sources.items()}
        self.elements = {
            e.code: e for e in DataElement.objects.filter(code__in=sorted(set(elements)))
        }
        self.units = {u.code: u for u in OrgUnit.objects.filter(code__in=sorted(set(units)))}


def _unknown_unit(code: str) -> NotFound:
    return NotFound(
        "unit",
        _("未知或无权查看的单位 {code} / unknown unit {code}, or not one you may see").format(
            code=code
        ),
    )


def check_period(source: Source, code: str, today: date) -> Period:
    """The period of ``code`` if ``source`` may have a figure for it (its type, begun)."""
    if not code:
        raise CheckError("period", _("请填写期间代码 / enter a period code"))
    try:
        period = parse_period(code)
    except PeriodError as error:
        raise CheckError("period", str(error)) from None
    if period.period_type.value != source.period_type:
        raise CheckError(
            "period",
            _(
                "{source} 按 {expected} 报数，期间 {period} 是 {actual} / {source} counts by "
                "{expected} periods; {period} is {actual}"
            ).format(
                source=source.code,
                expected=source.period_type,
                period=period.code,
                actual=period.period_type.value,
            ),
        )
    if period.start > today:
        raise CheckError(
            "period",
            _("期间 {period} 尚未开始 / period {period} has not begun yet").format(
                period=period.code
            ),
        )
    return period


def _check_unit(
    source: Source, unit: OrgUnit | None, code: str, period: Period, user: Any, reach: EntryReach
) -> OrgUnit:
    if unit is None:
        raise _unknown_unit(code)
    allowed = reach.allows(source, unit)
    if not allowed and user is not None and not scope_of(user).covers(VIEW, unit.path):
        raise _unknown_unit(code)
    if unit.kind not in source.unit_kinds:
        raise CheckError(
            "unit",
            _(
                "{source} 核查的是 {kinds} 类单位，{unit} 是 {kind} / {source} is about units of "
                "kind {kinds}; {unit} is a {kind}"
            ).format(
                source=source.code,
                kinds="、".join(source.unit_kinds) or "—",
                unit=unit.code,
                kind=unit.kind,
            ),
        )
    if (closed := unit_closed_reason(unit, period)) is not None:
        raise CheckError("unit", closed)
    if not allowed:
        raise Forbidden(
            "unit",
            _(
                "你不能录入 {source} 关于 {unit} 的数字 / you may not enter {source}'s figures "
                "about {unit}"
            ).format(source=source.code, unit=unit.code),
        )
    return unit


def _resolve(
    lookups: _Lookups,
    user: Any,
    reach: EntryReach,
    today: date,
    *,
    source: str,
    element: str,
    period: str,
    unit: str,
) -> Target:
    found_source = lookups.sources.get(source)
    if found_source is None:
        raise CheckError(
            "source",
            _("未知的核查来源 {code} / unknown source {code}").format(code=source or "—"),
        )
    found_element = lookups.elements.get(element)
    if found_element is None:
        raise CheckError(
            "element",
            _("未知的数据元素代码 {code} / unknown data element code {code}").format(
                code=element or "—"
            ),
        )
    if element not in lookups.counts[source]:
        raise CheckError(
            "element",
            _("{source} 不统计 {element} / {source} does not count {element}").format(
                source=source, element=element
            ),
        )
    found_period = check_period(found_source, period, today)
    found_unit = _check_unit(found_source, lookups.units.get(unit), unit, found_period, user, reach)
    return Target(found_source, found_element, found_period, found_unit)


def resolve_target(
    user: Any | None, *, source: str, element: str, period: str, unit: str
) -> Target:
    """Check where a figure would go (everything but the value), for ``user`` (None: the
    console); raises :class:`CheckError` naming the field."""
    codes = [c.strip() for c in (source, element, period, unit)]
    lookups = _Lookups([codes[0]], [codes[1]], [codes[3]])
    return _resolve(
        lookups,
        user,
        entry_reach(user),
        timezone.localdate(),
        source=codes[0],
        element=codes[1],
        period=codes[2],
        unit=codes[3],
    )


def clean_value(element: DataElement, value: Any) -> Decimal:
    """``value`` as stored, or :class:`CheckError` on ``value``."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise CheckError("value", _("值为空 / the value is empty"))
    try:
        return parse_value(text, element.value_type)
    except ValueProblem as error:
        raise CheckError("value", str(error)) from None


def clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise CheckError(
            "comment",
            _("备注超过 {n} 个字符 / the comment is longer than {n} characters").format(
                n=MAX_COMMENT
            ),
        )
    return comment


# --- one figure ---------------------------------------------------------------------------------


def _stored(target: Target, period: PeriodRow | None) -> SourceValue | None:
    if period is None:
        return None
    return (
        SourceValue.objects.select_for_update(of=("self",))
        .filter(source=target.source, element=target.element, period=period, unit=target.unit)
        .first()
    )


def do_save_source_value(
    actor: Actor,
    *,
    source: str,
    element: str,
    period: str,
    unit: str,
    value: Any,
    comment: str | None = None,
) -> Saved:
    """Store one source's figure about one unit for one period (``comment`` None keeps the
    stored comment). Raises :class:`CheckError` (naming the field) and changes nothing when
    any check fails; writes nothing when the figure and comment are as stored."""
    user = _person(actor)
    target = resolve_target(user, source=source, element=element, period=period, unit=unit)
    number = clean_value(target.element, value)
    text = clean_comment(comment)
    with transaction.atomic():
        row = PeriodRow.objects.get_or_create_code(target.period.code)
        stored = _stored(target, row)
        if stored is None:
            created = SourceValue.objects.create(
                source=target.source,
                element=target.element,
                period=row,
                unit=target.unit,
                value=number,
                stored_by=actor.name[:150],
                last_updated=timezone.now(),
                comment=text or "",
            )
            record(
                actor,
                ACTION_CREATE,
                OBJECT_TYPE,
                target.key_text,
                None,
                _snapshot(number, text or ""),
            )
            schedule_recompute([target.unit], [target.period])
            return Saved(created, "created")
        text = stored.comment if text is None else text
        if stored.value == number and stored.comment == text:
            return Saved(stored, "unchanged")
        before = _snapshot(stored.value, stored.comment)
        stored.value = number
        stored.comment = text
        stored.stored_by = actor.name[:150]
        stored.last_updated = timezone.now()
        stored.save(update_fields=["value", "comment", "stored_by", "last_updated"])
        record(actor, ACTION_UPDATE, OBJECT_TYPE, target.key_text, before, _snapshot(number, text))
        schedule_recompute([target.unit], [target.period])
        return Saved(stored, "updated")


def _delete(actor: Actor, stored: SourceValue, target: Target) -> None:
    record(
        actor,
        ACTION_DELETE,
        OBJECT_TYPE,
        target.key_text,
        _snapshot(stored.value, stored.comment),
    )
    stored.delete()
    schedule_recompute([target.unit], [target.period])


def do_clear_source_value(
    actor: Actor, *, source: str, element: str, period: str, unit: str
) -> Saved:
    """Delete the figure stored at this place, if any (a cell emptied on the entry grid): the
    same checks as saving one, but for the value."""
    user = _person(actor)
    target = resolve_target(user, source=source, element=element, period=period, unit=unit)
    with transaction.atomic():
        stored = _stored(target, PeriodRow.objects.filter(code=target.period.code).first())
        if stored is None:
            return Saved(None, "unchanged")
        _delete(actor, stored, target)
        return Saved(None, "deleted")


def do_delete_source_value(actor: Actor, value_id: int) -> None:
    """Delete one stored figure by its id. One the person may not see is :class:`NotFound`;
    one they see but may not change is :class:`Forbidden`."""
    user = _person(actor)
    with transaction.atomic():
        stored = (
            visible_values(user)
            .select_related("source", "element", "period", "unit")
            .select_for_update(of=("self",))
            .filter(pk=value_id)
            .first()
        )
        if stored is None:
            raise NotFound("value", _("没有这个核查数据 / no such cross-check figure"))
        if not entry_reach(user).allows(stored.source, stored.unit):
            raise Forbidden(
                "unit",
                _(
                    "你不能删除 {source} 关于 {unit} 的数字 / you may not delete {source}'s "
                    "figures about {unit}"
                ).format(source=stored.source.code, unit=stored.unit.code),
            )
        target = Target(
            stored.source, stored.element, parse_period(stored.period.code), stored.unit
        )
        _delete(actor, stored, target)


# --- importing a file ---------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    """What an import did (or, in a dry run, would do). When ``problems`` is not empty
    nothing was written and the counters are 0."""

    fmt: str = ""
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The summary for people, one bilingual line each."""
        lines = []
        if self.encoding == "gbk":
            lines.append(
                _(
                    "文件不是 UTF-8，已按 GBK（GB18030）读取 / the file is not UTF-8; it was read "
                    "as GBK (GB18030)"
                )
            )
        if self.problems:
            lines.append(
                _(
                    "发现 {n} 个问题，未写入任何数据 / {n} problem(s) found; nothing was written"
                ).format(n=len(self.problems))
            )
            return lines
        lines.append(
            _(
                "核查数据 {rows} 条：新增 {created}，更新 {updated}，未变 {unchanged} / {rows} "
                "figure(s): created {created}, updated {updated}, unchanged {unchanged}"
            ).format(
                rows=self.rows,
                created=self.created,
                updated=self.updated,
                unchanged=self.unchanged,
            )
        )
        if self.dry_run:
            lines.append(_("试运行：未写入任何数据 / dry run: nothing was written"))
        return lines


@dataclass(frozen=True)
class _Clean:
    row: int
    target: Target
    value: Decimal
    comment: str | None


def _chunks(items: Sequence[_T], size: int = _BATCH) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_rows(rows: list[RawRow], user: Any) -> tuple[list[_Clean], list[ImportProblem]]:
    lookups = _Lookups((r.source for r in rows), (r.element for r in rows), (r.unit for r in rows))
    reach = entry_reach(user)
    today = timezone.localdate()
    clean: list[_Clean] = []
    problems: list[ImportProblem] = []
    first_row: dict[tuple[str, str, str, str], int] = {}
    for raw in rows:
        try:
            target = _resolve(
                lookups,
                user,
                reach,
                today,
                source=raw.source,
                element=raw.element,
                period=raw.period,
                unit=raw.unit,
            )
            value = clean_value(target.element, raw.value)
            comment = clean_comment(raw.comment)
        except CheckError as error:
            shown = getattr(raw, error.field, "") if error.field != "comment" else raw.comment
            problems.append(ImportProblem(raw.row, error.field, shown or "", str(error)))
            continue
        key = (target.source.code, target.element.code, target.period.code, target.unit.code)
        if key in first_row:
            problems.append(
                ImportProblem(
                    raw.row,
                    "unit",
                    raw.unit,
                    _(
                        "与第 {first} 行是同一来源、元素、期间和单位 / the same source, element, "
                        "period and unit as row {first}"
                    ).format(first=first_row[key]),
                )
            )
            continue
        first_row[key] = raw.row
        clean.append(_Clean(raw.row, target, value, comment))
    return clean, problems


def _period_rows(codes: Iterable[str]) -> dict[str, PeriodRow]:
    return {code: PeriodRow.objects.get_or_create_code(code) for code in sorted(set(codes))}


def _existing(
    clean: list[_Clean], periods: dict[str, PeriodRow]
) -> dict[tuple[int, int, int, int], SourceValue]:
    keys = {
        (
            c.target.source.pk,
            c.target.element.pk,
            periods[c.target.period.code].pk,
            c.target.unit.pk,
        )
        for c in clean
    }
    found: dict[tuple[int, int, int, int], SourceValue] = {}
    ordered = sorted(keys, key=lambda k: (k[2], k[3], k[0], k[1]))
    for chunk in _chunks(ordered):
        rows = SourceValue.objects.select_for_update().filter(
            source_id__in={k[0] for k in chunk},
            element_id__in={k[1] for k in chunk},
            period_id__in={k[2] for k in chunk},
            unit_id__in={k[3] for k in chunk},
        )
        for stored in rows:
            key = (stored.source_id, stored.element_id, stored.period_id, stored.unit_id)
            if key in keys:
                found[key] = stored
    return found


def _apply(clean: list[_Clean], actor: Actor, outcome: ImportOutcome) -> None:
    periods = _period_rows(c.target.period.code for c in clean)
    existing = _existing(clean, periods)
    now = timezone.now()
    creates: list[SourceValue] = []
    updates: list[SourceValue] = []
    audit: list[AuditEntry] = []
    for c in clean:
        t = c.target
        period = periods[t.period.code]
        stored = existing.get((t.source.pk, t.element.pk, period.pk, t.unit.pk))
        if stored is None:
            outcome.created += 1
            comment = c.comment or ""
            creates.append(
                SourceValue(
                    source=t.source,
                    element=t.element,
                    period=period,
                    unit=t.unit,
                    value=c.value,
                    stored_by=actor.name[:150],
                    last_updated=now,
                    comment=comment,
                )
            )
            audit.append(
                build_entry(
                    actor, ACTION_CREATE, OBJECT_TYPE, t.key_text, None, _snapshot(c.value, comment)
                )
            )
            continue
        comment = stored.comment if c.comment is None else c.comment
        if stored.value == c.value and stored.comment == comment:
            outcome.unchanged += 1
            continue
        outcome.updated += 1
        before = _snapshot(stored.value, stored.comment)
        stored.value = c.value
        stored.comment = comment
        stored.stored_by = actor.name[:150]
        stored.last_updated = now
        updates.append(stored)
        audit.append(
            build_entry(
                actor, ACTION_UPDATE, OBJECT_TYPE, t.key_text, before, _snapshot(c.value, comment)
            )
        )
    if outcome.dry_run:
        transaction.set_rollback(True)  # the periods created on first use go too
        return
    SourceValue.objects.bulk_create(creates, batch_size=_BATCH)
    SourceValue.objects.bulk_update(
        updates, ["value", "comment", "stored_by", "last_updated"], batch_size=_BATCH
    )
    AuditEntry.objects.bulk_create(audit, batch_size=_BATCH)
    if creates or updates:
        changed = [*creates, *updates]
        schedule_recompute(
            {v.unit for v in changed},
            {parse_period(v.period.code) for v in changed},
        )


def do_import_source_values(
    data: bytes, *, actor: Actor, filename: str = "", dry_run: bool = False
) -> ImportOutcome:
    """Import a CSV or .xlsx file of figures (:mod:`kaohe.checks.importing`): all of it, or
    nothing. Every row is checked first and every problem collected (row number, column,
    value, bilingual reason); if there is any, nothing is written. A dry run checks and
    counts but writes nothing."""
    user = _person(actor)
    parsed = read_rows(data, filename=filename)
    outcome = ImportOutcome(
        fmt=parsed.fmt, encoding=parsed.encoding, rows=len(parsed.rows), dry_run=dry_run
    )
    if parsed.problems:
        outcome.problems = parsed.problems
        return outcome
    clean, problems = _check_rows(parsed.rows, user)
    if problems:
        outcome.problems = sorted(problems, key=lambda p: p.row or 0)
        return outcome
    with transaction.atomic():
        _apply(clean, actor, outcome)
    return outcome
