"""Writing data values: bulk imports of DHIS2 data value sets, and single edits.

Both go through the same checks (``kaohe.datavalues.importing``) and write one audit row per
value created, changed or deleted, in the same transaction as the change.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, Final, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.recompute import schedule_recompute
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor, build_entry, record
from kaohe.elements.models import DataElement
from kaohe.engine.periods import Period as ParsedPeriod
from kaohe.engine.periods import PeriodError, parse_period
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.services import is_locked, locked_values

from .importing import (
    MAX_COMMENT,
    CleanValue,
    ImportProblem,
    ValueProblem,
    format_value,
    parse_value,
    read_values,
    unit_closed_reason,
    validate_values,
)
from .models import DataValue, Period

__all__ = [
    "DataValueConflict",
    "DataValueError",
    "ImportSummary",
    "do_import_values",
    "do_set_value",
]

OBJECT_TYPE: Final = "datavalue"
ACTION_CREATE: Final = "datavalue.create"
ACTION_UPDATE: Final = "datavalue.update"
ACTION_DELETE: Final = "datavalue.delete"
UPDATED_FIELDS: Final = ("value", "stored_by", "last_updated", "comment", "follow_up")
_BATCH: Final = 500

_T = TypeVar("_T")
Key = tuple[int, int, int]  # element id, period id, unit id


class DataValueError(ValueError):
    """A single value that cannot be stored; the message is bilingual."""


class DataValueConflict(DataValueError):
    """The stored value changed since the editor loaded it (optimistic concurrency).

    ``stored`` is the value as it is now (``None`` if it has since been deleted);
    ``attempted_*`` is what the editor tried to save. Nothing was changed.
    """

    def __init__(
        self,
        *,
        stored: DataValue | None,
        attempted_value: Decimal,
        attempted_comment: str,
        attempted_follow_up: bool,
    ) -> None:
        self.stored = stored
        self.attempted_value = attempted_value
        self.attempted_comment = attempted_comment
        self.attempted_follow_up = attempted_follow_up
        shown = format_value(stored.value) if stored is not None else _("（已删除） / (deleted)")
        super().__init__(
            _(
                "此值已被他人修改，现为 {stored}，未保存您的 {attempted} / the value was changed by "
                "someone else and is now {stored}; your {attempted} was not saved"
            ).format(stored=shown, attempted=format_value(attempted_value))
        )


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do), with DHIS2's counters.

    ``imported`` values were created, ``updated`` changed, ``deleted`` removed; ``ignored``
    were unchanged, empty with nothing to delete, or zeros of an element whose zeros are not
    stored. When ``problems`` is not empty nothing was written and the counters are all 0.
    """

    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    encoding_used: str = ""
    dry_run: bool = False
    fmt: str = ""
    rows: int = 0

    @property
    def ok(self) -> bool:
        """Whether the file had no problem (and so was imported, unless a dry run)."""
        return not self.problems

    def lines(self) -> list[str]:
        """The summary for people, one bilingual line each."""
        lines: list[str] = []
        if self.fmt:
            lines.append(
                _("格式 / format: {fmt}，编码 / encoding: {encoding}").format(
                    fmt=self.fmt.upper(), encoding=(self.encoding_used or "?").upper()
                )
            )
        if self.encoding_used == "gbk":
            lines.append(
                _(
                    "文件不是 UTF-8，已按 GBK（GB18030）编码读取 / the file is not UTF-8; it was "
                    "read as GBK (GB18030)"
                )
            )
        if self.problems:
            lines.append(
                _(
                    "发现 {n} 个问题，未写入任何数据 / {n} problem(s) found; nothing was written"
                ).format(n=len(self.problems))
            )
            if self.fmt == "csv" and any(p.row is not None for p in self.problems):
                lines.append(
                    _(
                        "行号为文件中的物理行号（表头为第 1 行） / row numbers are line numbers in "
                        "the file (the header is line 1)"
                    )
                )
            return lines
        lines.append(
            _(
                "数据值 {rows} 条：新增 {imported}，更新 {updated}，未变或忽略 {ignored}，删除 "
                "{deleted} / {rows} data value(s): imported {imported}, updated {updated}, "
                "ignored {ignored}, deleted {deleted}"
            ).format(
                rows=self.rows,
                imported=self.imported,
                updated=self.updated,
                ignored=self.ignored,
                deleted=self.deleted,
            )
        )
        if self.dry_run:
            lines.append(_("试运行：未写入任何数据 / dry run: nothing was written"))
        return lines


# --- import --------------------------------------------------------------------------------


@contextmanager
def _opened(source: IO[bytes] | str | os.PathLike[str]) -> Iterator[tuple[IO[bytes], str]]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield stream, os.fspath(source)
    else:
        yield source, str(getattr(source, "name", "") or "")


def _chunks(items: Sequence[_T], size: int = _BATCH) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _snapshot(value: Decimal, comment: str, follow_up: bool) -> dict[str, Any]:
    return {"value": format_value(value), "comment": comment, "follow_up": follow_up}


def _stored_snapshot(stored: DataValue) -> dict[str, Any]:
    return _snapshot(stored.value, stored.comment, stored.follow_up)


def _period_rows(parsed: dict[str, ParsedPeriod], *, create: bool) -> dict[str, Period]:
    """The Period rows of these codes, creating the missing ones in bulk when ``create``."""
    codes = sorted(parsed)
    rows: dict[str, Period] = {}
    for chunk in _chunks(codes):
        rows.update((p.code, p) for p in Period.objects.filter(code__in=chunk))
    missing = [parsed[code] for code in codes if code not in rows]
    if missing and create:
        # ignore_conflicts: another import may create the same period at the same moment.
        Period.objects.bulk_create(
            [
                Period(
                    code=p.code,
                    period_type=p.period_type.value,
                    start_date=p.start,
                    end_date=p.end,
                )
                for p in missing
            ],
            ignore_conflicts=True,
            batch_size=_BATCH,
        )
        for chunk in _chunks([p.code for p in missing]):
            rows.update((p.code, p) for p in Period.objects.filter(code__in=chunk))
    return rows


def _existing_values(keys: set[Key], *, lock: bool) -> dict[Key, DataValue]:
    """The stored values of these keys, a few hundred keys per query."""
    found: dict[Key, DataValue] = {}
    # Sorted by period and unit so that each chunk covers few periods and nearby units, which
    # keeps the superset the three IN lists select close to the keys asked for.
    ordered = sorted(keys, key=lambda k: (k[1], k[2], k[0]))
    for chunk in _chunks(ordered):
        queryset = DataValue.objects.filter(
            element_id__in={k[0] for k in chunk},
            period_id__in={k[1] for k in chunk},
            unit_id__in={k[2] for k in chunk},
        )
        if lock:
            queryset = queryset.select_for_update()
        for stored in queryset:
            key = (stored.element_id, stored.period_id, stored.unit_id)
            if key in keys:
                found[key] = stored
    return found


def apply_clean_values(
    values: list[CleanValue], *, actor: Actor, dry_run: bool, summary: ImportSummary
) -> None:
    """Work out what each clean value does to the stored data and, unless dry, do it."""
    periods = _period_rows({v.period.code: v.period for v in values}, create=not dry_run)
    keys = {
        (v.element.pk, periods[v.period.code].pk, v.unit.pk)
        for v in values
        if v.period.code in periods
    }
    existing = _existing_values(keys, lock=not dry_run)
    creates: list[DataValue] = []
    updates: list[DataValue] = []
    deletes: list[int] = []
    audit: list[AuditEntry] = []
    changing: list[CleanValue] = []  # locked figures refuse these; unchanged ones pass

    for v in values:
        period = periods.get(v.period.code)
        stored = existing.get((v.element.pk, period.pk, v.unit.pk)) if period else None
        # DHIS2 does not store zeros of elements whose zeros carry no meaning; a stored
        # non-zero is deleted so that the data reads 0 again.
        if v.value is None or (v.value == 0 and not v.element.zero_is_significant):
            if stored is None:
                summary.ignored += 1
            else:
                summary.deleted += 1
                deletes.append(stored.pk)
                changing.append(v)
                audit.append(
                    build_entry(
                        actor, ACTION_DELETE, OBJECT_TYPE, v.key_text, _stored_snapshot(stored)
                    )
                )
            continue
        comment = v.comment if v.comment is not None else (stored.comment if stored else "")
        follow_up = (
            v.follow_up if v.follow_up is not None else (stored.follow_up if stored else False)
        )
        after = _snapshot(v.value, comment, follow_up)
        if stored is None:
            summary.imported += 1
            changing.append(v)
            creates.append(
                DataValue(
                    element=v.element,
                    period=period,
                    unit=v.unit,
                    value=v.value,
                    stored_by=v.stored_by,
                    last_updated=v.last_updated,
                    comment=comment,
                    follow_up=follow_up,
                )
            )
            audit.append(build_entry(actor, ACTION_CREATE, OBJECT_TYPE, v.key_text, None, after))
        elif (stored.value, stored.comment, stored.follow_up) == (v.value, comment, follow_up):
            summary.ignored += 1
        else:
            summary.updated += 1
            changing.append(v)
            before = _stored_snapshot(stored)
            stored.value = v.value
            stored.stored_by = v.stored_by
            stored.last_updated = v.last_updated
            stored.comment = comment
            stored.follow_up = follow_up
            updates.append(stored)
            audit.append(build_entry(actor, ACTION_UPDATE, OBJECT_TYPE, v.key_text, before, after))

    if problems := _lock_problems(changing, actor=actor, for_update=not dry_run):
        summary.problems = problems
        summary.imported = summary.updated = summary.ignored = summary.deleted = 0
        return
    if dry_run:
        return
    DataValue.objects.bulk_create(creates, batch_size=_BATCH)
    DataValue.objects.bulk_update(updates, UPDATED_FIELDS, batch_size=_BATCH)
    for chunk in _chunks(deletes):
        DataValue.objects.filter(pk__in=chunk).delete()
    AuditEntry.objects.bulk_create(audit, batch_size=_BATCH)
    if creates or updates or deletes:
        schedule_recompute({v.unit for v in values}, {v.period for v in values})


def _lock_problems(
    values: list[CleanValue], *, actor: Actor, for_update: bool
) -> list[ImportProblem]:
    """One problem per value that would change a locked figure (approved, or past its lock
    day; see :func:`kaohe.submissions.services.is_locked`)."""
    locked = locked_values(
        ((v.unit, v.period, v.element) for v in values), actor=actor, for_update=for_update
    )
    return [
        ImportProblem(
            v.row, "value", format_value(v.value) if v.value is not None else "", lock.reason
        )
        for v in values
        if (lock := locked.get((v.unit.pk, v.period.code, v.element.pk)))
    ]


def do_import_values(
    source: IO[bytes] | str | os.PathLike[str],
    *,
    actor: Actor,
    fmt: str = "auto",
    encoding: str = "auto",
    dry_run: bool = False,
    stored_by: str | None = None,
    delete_empty: bool = False,
) -> ImportSummary:
    """Import a DHIS2 data value set (CSV or JSON): all of it, or nothing.

    Every row is checked first and every problem collected; if there is any, nothing is
    written and ``summary.problems`` lists them. Otherwise, in one transaction, periods are
    created on first use, values created, updated or deleted in bulk, and one audit row
    written per changed value. ``stored_by`` fills ``storedby`` where the file leaves it
    empty (default: the actor's name). ``delete_empty`` makes an empty value delete the stored
    one instead of being a problem. A dry run checks and counts but writes nothing.
    """
    with _opened(source) as (stream, name):
        parsed = read_values(stream, fmt=fmt, encoding=encoding, name=name)
    rejected_rows = {p.row for p in parsed.problems if p.row is not None}
    summary = ImportSummary(
        encoding_used=parsed.encoding_used,
        dry_run=dry_run,
        fmt=parsed.fmt,
        rows=len(parsed.rows) + len(rejected_rows),
    )
    if parsed.unreadable:
        summary.problems = parsed.problems
        return summary
    values, problems = validate_values(
        parsed.rows,
        parsed.columns,
        delete_empty=delete_empty,
        default_stored_by=stored_by or actor.name,
    )
    if parsed.problems or problems:
        summary.problems = sorted([*parsed.problems, *problems], key=lambda p: p.row or 0)
        return summary
    with transaction.atomic():
        apply_clean_values(values, actor=actor, dry_run=dry_run, summary=summary)
    return summary


# --- single edits --------------------------------------------------------------------------


def _value_text(value: str | int | Decimal | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


class Unchecked(enum.Enum):
    """The type of :data:`UNCHECKED`: no optimistic-concurrency check is wanted."""

    TOKEN = "unchecked"


UNCHECKED = Unchecked.TOKEN


def do_set_value(
    *,
    actor: Actor,
    element_code: str,
    period_code: str,
    unit_code: str,
    value: str | int | Decimal | bool,
    comment: str | None = None,
    follow_up: bool | None = None,
    expected_last_updated: datetime | None | Unchecked = UNCHECKED,
) -> DataValue | None:
    """Store one data value (a web or API edit), with the same checks as an import.

    Raises :class:`DataValueError` (bilingual message) for an unknown code, a bad period, a
    closed unit or an unfit value. ``comment`` and ``follow_up`` left as ``None`` keep what is
    stored. With ``expected_last_updated`` (the ``last_updated`` the editor saw, ``None``
    meaning the editor saw no value) it is optimistic: if the stored value has changed since
    (or appeared meanwhile), :class:`DataValueConflict` is raised and nothing is changed; left
    out, no such check is made (a command-line or import edit). Returns
    the stored value, or ``None`` when a zero of an element whose zeros are not stored removed
    the value (or there was none). A locked figure (approved, or past its data set's lock day:
    :func:`kaohe.submissions.services.is_locked`) raises DataValueError, naming the lock.
    """
    element = DataElement.objects.filter(code=element_code.strip()).first()
    if element is None:
        raise DataValueError(
            _("未知的数据元素代码 {code} / unknown data element code {code}").format(
                code=element_code
            )
        )
    try:
        parsed = parse_period(period_code)
    except PeriodError as exc:
        raise DataValueError(str(exc)) from None
    unit = OrgUnit.objects.filter(code=unit_code.strip()).first()
    if unit is None:
        raise DataValueError(
            _("未知的单位代码 {code} / unknown organisation unit code {code}").format(
                code=unit_code
            )
        )
    if (closed := unit_closed_reason(unit, parsed)) is not None:
        raise DataValueError(closed)
    text = _value_text(value)
    if not text:
        raise DataValueError(_("值为空 / the value is empty"))
    try:
        number = parse_value(text, element.value_type)
    except ValueProblem as exc:
        raise DataValueError(str(exc)) from None
    comment = comment.strip() if comment is not None else None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise DataValueError(
            _("备注超过 {n} 个字符 / the comment is longer than {n} characters").format(
                n=MAX_COMMENT
            )
        )
    if isinstance(expected_last_updated, datetime) and timezone.is_naive(expected_last_updated):
        expected_last_updated = timezone.make_aware(expected_last_updated)

    key_text = f"{element.code}/{parsed.code}/{unit.code}"
    with transaction.atomic():
        if lock := is_locked(unit, parsed, element, actor=actor, for_update=True):
            raise DataValueError(lock.reason)
        period = Period.objects.filter(code=parsed.code).first()
        stored = (
            DataValue.objects.select_for_update()
            .filter(element=element, period=period, unit=unit)
            .first()
            if period is not None
            else None
        )
        stored_at = stored.last_updated if stored is not None else None
        if comment is None:
            comment = stored.comment if stored is not None else ""
        if follow_up is None:
            follow_up = stored.follow_up if stored is not None else False
        after = _snapshot(number, comment, follow_up)
        if expected_last_updated is not UNCHECKED and stored_at != expected_last_updated:
            raise DataValueConflict(
                stored=stored,
                attempted_value=number,
                attempted_comment=comment,
                attempted_follow_up=follow_up,
            )
        if number == 0 and not element.zero_is_significant:
            if stored is not None:
                record(actor, ACTION_DELETE, OBJECT_TYPE, key_text, _stored_snapshot(stored))
                stored.delete()
                schedule_recompute([unit], [parsed])
            return None
        if stored is None:
            stored = DataValue.objects.create(
                element=element,
                period=period or Period.objects.get_or_create_code(parsed.code),
                unit=unit,
                value=number,
                stored_by=actor.name[:150],
                last_updated=timezone.now(),
                comment=comment,
                follow_up=follow_up,
            )
            record(actor, ACTION_CREATE, OBJECT_TYPE, key_text, None, after)
            schedule_recompute([unit], [parsed])
            return stored
        if (stored.value, stored.comment, stored.follow_up) == (number, comment, follow_up):
            return stored
        before = _stored_snapshot(stored)
        stored.value = number
        stored.stored_by = actor.name[:150]
        stored.last_updated = timezone.now()
        stored.comment = comment
        stored.follow_up = follow_up
        stored.save(update_fields=UPDATED_FIELDS)
        record(actor, ACTION_UPDATE, OBJECT_TYPE, key_text, before, after)
        schedule_recompute([unit], [parsed])
        return stored


ACTION_FOLLOW_UP: Final = "datavalue.follow_up"


@transaction.atomic
def do_set_follow_up(actor: Actor, value: DataValue, follow_up: bool) -> DataValue:
    """Mark (or clear) a stored value for follow-up (DHIS2's ``followup``), changing nothing
    else: not the figure, its comment, who stored it or when. Marking is a reviewer's note on
    a figure, not a change of it, so a locked (approved, or past its lock day) period does not
    refuse it. The caller checks who may mark; one audit row when the flag changes."""
    stored = (
        DataValue.objects.select_for_update(of=("self",))
        .select_related("element", "period", "unit")
        .get(pk=value.pk)
    )
    if stored.follow_up == follow_up:
        return stored
    key_text = f"{stored.element.code}/{stored.period.code}/{stored.unit.code}"
    stored.follow_up = follow_up
    stored.save(update_fields=["follow_up"])
    record(
        actor,
        ACTION_FOLLOW_UP,
        OBJECT_TYPE,
        key_text,
        {"follow_up": not follow_up},
        {"follow_up": follow_up},
    )
    return stored
