"""Importing DHIS2 data value sets (CSV, JSON, ADX) in bulk: :func:`do_import_data_values`.

The file is read a batch at a time (:mod:`kaohe.interop.formats`), each batch checked at once
(:mod:`kaohe.interop.checking`) and staged (:mod:`kaohe.interop.bulk`); then, in the same
transaction, repeated keys are folded or refused, locked figures refused, DHIS2's counters
worked out by one comparison, and — unless it is a dry run or a conflict refuses the import
(``atomicMode=ALL``) — everything is written with a few set-based statements.

What is written: the values, one :class:`~kaohe.interop.models.ValueImport` (who, how, the
file's SHA-256, the counters and the summary), one
:class:`~kaohe.interop.models.ValueChange` per value created, changed or deleted (before and
after), and one audit row naming the import. A dry run and a refused import write nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.recompute import schedule_recompute
from kaohe.audit.services import Actor, record
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.services import locked_values

from .bulk import Fold, PairCounts, Stage
from .checking import CheckContext, check_batch, field_names
from .formats import (
    Conflict,
    Digest,
    UnreadableFile,
    detect_encoding,
    read_values,
    seekable,
    sniff_format,
)
from .identifiers import import_lookups
from .models import ValueImport
from .options import AtomicMode, ImportOptions

__all__ = [
    "ACTION_IMPORT",
    "MAX_CONFLICTS",
    "ExchangeSummary",
    "do_import_data_values",
]

ACTION_IMPORT: Final = "interop.import"
OBJECT_TYPE: Final = "valueimport"
#: Conflicts kept in a summary (all are counted); an import record keeps the first 100.
MAX_CONFLICTS: Final = 10_000
KEPT_CONFLICTS: Final = 100
ENCODINGS: Final = ("auto", "utf-8", "gbk")


@dataclass
class ExchangeSummary:
    """What an import did (a dry run: would do), with DHIS2's counters and conflicts."""

    options: ImportOptions
    fmt: str = ""
    encoding: str = ""
    file_name: str = ""
    digest: str = ""
    size: int = 0
    total: int = 0
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    conflict_count: int = 0
    unreadable: bool = False
    refused: bool = False
    import_id: int | None = None

    def add(self, conflicts: list[Conflict]) -> None:
        self.conflict_count += len(conflicts)
        room = MAX_CONFLICTS - len(self.conflicts)
        if room > 0:
            self.conflicts.extend(conflicts[:room])

    @property
    def status(self) -> str:
        """DHIS2's ``status``: SUCCESS, WARNING (written, some values skipped) or ERROR."""
        if self.unreadable or self.refused:
            return "ERROR"
        return "WARNING" if self.conflict_count else "SUCCESS"

    def lines(self) -> list[str]:
        """The summary for people, one bilingual line each."""
        lines = []
        if self.fmt:
            lines.append(
                _("格式 / format: {fmt}，编码 / encoding: {encoding}").format(
                    fmt=self.fmt.upper(), encoding=(self.encoding or "?").upper()
                )
            )
        if self.encoding == "gbk":
            lines.append(
                _(
                    "文件不是 UTF-8，已按 GBK（GB18030）编码读取 / the file is not UTF-8; it was read "
                    "as GBK (GB18030)"
                )
            )
        if self.unreadable:
            lines.append(
                _("文件无法读取，未写入任何数据 / the file cannot be read; nothing was written")
            )
            return lines
        if self.refused:
            lines.append(
                _(
                    "发现 {n} 个冲突，未写入任何数据（atomicMode=ALL；选择 NONE 可只导入没有冲突的数据值） "
                    "/ {n} conflict(s) found; nothing was written (atomicMode=ALL; choose NONE to "
                    "import the values without conflicts)"
                ).format(n=self.conflict_count)
            )
        lines.append(
            _(
                "数据值 {total} 条：新增 {imported}，更新 {updated}，未变或忽略 {ignored}，删除 "
                "{deleted} / {total} data value(s): imported {imported}, updated {updated}, "
                "ignored {ignored}, deleted {deleted}"
            ).format(
                total=self.total,
                imported=self.imported,
                updated=self.updated,
                ignored=self.ignored,
                deleted=self.deleted,
            )
        )
        if self.conflict_count and not self.refused:
            lines.append(
                _(
                    "{n} 个冲突的数据值已跳过（atomicMode=NONE） / {n} conflict(s): those values "
                    "were skipped (atomicMode=NONE)"
                ).format(n=self.conflict_count)
            )
        if len(self.conflicts) < self.conflict_count:
            lines.append(
                _("只列出前 {shown} 个冲突 / only the first {shown} conflicts are listed").format(
                    shown=len(self.conflicts)
                )
            )
        if self.options.dry_run and not self.refused:
            lines.append(_("试运行：未写入任何数据 / dry run: nothing was written"))
        return lines

    def as_dhis2(self, keep: int | None = None) -> dict[str, Any]:
        """The summary as DHIS2 answers an import. Each conflict has DHIS2's ``object`` (the
        offending text) and ``value`` (the message), and Kaohe's ``reason`` (the same message,
        by its own name), ``property`` (the field), ``row`` and ``indexes``."""
        conflicts = []
        for c in self.conflicts[:keep]:
            entry: dict[str, Any] = {
                "object": c.obj,
                "value": c.reason,
                "reason": c.reason,
                "property": c.column,
            }
            if c.row is not None:
                entry["row"] = c.row
            if c.index is not None:
                entry["indexes"] = [c.index]
            conflicts.append(entry)
        return {
            "responseType": "ImportSummary",
            "status": self.status,
            "description": "\n".join(self.lines()),
            "importOptions": {**self.options.as_dict(), "format": self.fmt},
            "importCount": {
                "imported": self.imported,
                "updated": self.updated,
                "ignored": self.ignored,
                "deleted": self.deleted,
            },
            "conflicts": conflicts,
            "conflictCount": self.conflict_count,
            "dryRun": self.options.dry_run,
        }


@contextmanager
def _opened(source: IO[bytes] | str | os.PathLike[str]) -> Iterator[tuple[IO[bytes], str]]:
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield stream, os.path.basename(os.fspath(source))
    else:
        yield source, os.path.basename(str(getattr(source, "name", "") or ""))


def do_import_data_values(
    source: IO[bytes] | str | os.PathLike[str],
    *,
    actor: Actor,
    options: ImportOptions,
    name: str = "",
    content_type: str = "",
) -> ExchangeSummary:
    """Import a DHIS2 data value set (see the module notes) for ``actor``.

    A person (``actor.user``) may only import values of units they may enter figures for; a
    value of any other unit is a conflict, worded as for a unit that does not exist. ``name``
    and ``content_type`` help tell the format when ``options.fmt`` is ``auto``.
    """
    if options.encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {options.encoding!r}; expected one of {ENCODINGS}")
    summary = ExchangeSummary(options=options)
    with _opened(source) as (raw, opened_name):
        stream = seekable(raw)
        summary.file_name = (name or opened_name)[:255]
        fmt = options.fmt if options.fmt != "auto" else sniff_format(stream, name, content_type)
        summary.fmt = fmt
        digest = Digest()
        try:
            summary.encoding = detect_encoding(
                stream, "utf-8" if fmt == "adx" else options.encoding, digest
            )
        except UnreadableFile as exc:
            return _unreadable(summary, exc)
        summary.digest, summary.size = digest.hexdigest, digest.size
        with transaction.atomic():
            _run(stream, summary, actor)
            if summary.unreadable or summary.refused or options.dry_run:
                transaction.set_rollback(True)
    return summary


def _unreadable(summary: ExchangeSummary, exc: UnreadableFile) -> ExchangeSummary:
    summary.unreadable = True
    summary.imported = summary.updated = summary.deleted = 0
    summary.ignored = summary.total
    summary.conflicts = [Conflict(None, None, "", "", str(exc))]
    summary.conflict_count = 1
    return summary


def _run(stream: IO[bytes], summary: ExchangeSummary, actor: Actor) -> None:
    options = summary.options
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    lookups = import_lookups(elements_by=options.elements_by, units_by=options.units_by, user=user)
    now = timezone.now()
    ctx = CheckContext(
        lookups=lookups,
        options=options,
        fmt=summary.fmt,
        stored_by=(options.stored_by or actor.name)[:150],
        now=now,
    )
    stage = Stage()
    stage.create()
    try:
        with stage.loading() as loader:
            for chunk in read_values(stream, summary.fmt, summary.encoding):
                summary.total += chunk.frame.height + len({c.index for c in chunk.conflicts})
                summary.add(chunk.conflicts)
                periods = chunk.frame.get_column("period").fill_null("").unique().to_list()
                if ctx.periods.unknown(periods):
                    loader.pause()  # periods named for the first time are looked up, or made
                    ctx.periods.resolve(periods)
                clean, conflicts = check_batch(chunk.frame, ctx)
                summary.add(conflicts)
                loader.load(clean)
    except UnreadableFile as exc:
        _unreadable(summary, exc)
        return
    stage.analyse()
    summary.add(_fold_repeats(stage, ctx))
    stage.plan(options.strategy)
    pairs = stage.pairs()
    locked = _lock_conflicts(stage, pairs, ctx, actor)
    if locked:
        summary.add(locked)
        stage.remove(c.index for c in locked if c.index is not None)
        pairs = stage.pairs()
    summary.conflicts.sort(key=lambda c: (c.index is None, c.index or 0))
    if summary.conflict_count and options.atomic_mode is AtomicMode.ALL:
        summary.refused = True
        summary.ignored = summary.total
        return
    summary.imported = sum(p.creates for p in pairs)
    summary.updated = sum(p.updates for p in pairs)
    summary.deleted = sum(p.deletes for p in pairs)
    summary.ignored = summary.total - summary.imported - summary.updated - summary.deleted
    if options.dry_run:
        return
    if pairs:
        _write(stage, summary, actor, pairs, ctx)
    stage.drop()


def _fold_repeats(stage: Stage, ctx: CheckContext) -> list[Conflict]:
    """Sum the values that mappings fold into one key (each from another combination), and
    refuse any other repeated key: the later values are conflicts naming the first."""
    conflicts: list[Conflict] = []
    lookups = ctx.lookups
    names = field_names(ctx.fmt)
    column = "/".join(names[c] for c in ("element", "period", "unit"))
    drop: list[int] = []
    folds: list[Fold] = []
    summed: list[int] = []
    for group in stage.repeated_groups():
        summable = all(bool(r[7]) for r in group) and len({r[8] for r in group}) == len(group)
        if summable and all(r[5] == 0 for r in group):
            total = sum((Decimal(str(r[6])) for r in group), Decimal(0))
            element = lookups.elements[group[0][2]]
            value: Decimal | None = total
            if total == 0 and not element.zero_is_significant:
                value = None
            folds.append(Fold(group[0][0], value, len(group)))
            summed.extend(r[0] for r in group[1:])
            continue
        first = group[0]
        key = "/".join(
            (
                lookups.elements[first[2]].code,
                ctx.periods.parsed[first[3]].code,
                lookups.units[first[4]].code,
            )
        )
        for r in group[1:]:
            drop.append(r[0])
            conflicts.append(
                Conflict(
                    r[1],
                    r[0],
                    column,
                    key,
                    _(
                        "与第 {first} 行重复（同一数据元素、期间和单位） / duplicates row {first} "
                        "(same data element, period and unit)"
                    ).format(first=first[1]),
                )
            )
    if drop and ctx.options.atomic_mode is AtomicMode.NONE:
        summed.extend(drop)  # the first of each key is kept
    stage.fold(folds, summed)
    return conflicts


def _lock_conflicts(
    stage: Stage, pairs: list[PairCounts], ctx: CheckContext, actor: Actor
) -> list[Conflict]:
    """A conflict per value that would change a locked figure (approved, or past its data
    set's lock day: :func:`kaohe.submissions.services.locked_values`). Unchanged values
    pass. The units and periods are asked about first, the single values only where one is
    locked."""
    changing = [p for p in pairs if p.changes]
    if not changing:
        return []
    for_update = not ctx.options.dry_run
    units = OrgUnit.objects.in_bulk({p.unit_id for p in changing})
    periods = ctx.periods.parsed
    coarse = locked_values(
        ((units[p.unit_id], periods[p.period_id], None) for p in changing),
        actor=actor,
        for_update=for_update,
    )
    if not coarse:
        return []
    locked_pairs = [p for p in changing if (p.unit_id, periods[p.period_id].code, None) in coarse]
    staged = stage.changing_in([(p.unit_id, p.period_id) for p in locked_pairs])
    elements = DataElement.objects.in_bulk({v.element_id for v in staged})
    exact = locked_values(
        ((units[v.unit_id], periods[v.period_id], elements[v.element_id]) for v in staged),
        actor=actor,
        for_update=for_update,
    )
    value_name = field_names(ctx.fmt)["value"]
    found = []
    for v in staged:
        lock = exact.get((v.unit_id, periods[v.period_id].code, v.element_id))
        if lock:
            shown = "" if v.value is None else str(v.value)
            found.append(Conflict(v.row, v.idx, value_name, shown, lock.reason))
    return found


def _write(
    stage: Stage,
    summary: ExchangeSummary,
    actor: Actor,
    changed: list[PairCounts],
    ctx: CheckContext,
) -> None:
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    options = summary.options
    value_import = ValueImport.objects.create(
        user=user,
        actor=actor.name[:150],
        channel=actor.channel,
        file_name=summary.file_name,
        file_size=summary.size,
        digest=summary.digest,
        fmt=summary.fmt,
        options=options.as_dict(),
        total=summary.total,
        imported=summary.imported,
        updated=summary.updated,
        ignored=summary.ignored,
        deleted=summary.deleted,
        conflicts=summary.conflict_count,
    )
    summary.import_id = value_import.pk
    value_import.summary = summary.as_dhis2(keep=KEPT_CONFLICTS)
    value_import.save(update_fields=["summary"])
    stage.write(value_import.pk, ctx.now)
    record(
        actor,
        ACTION_IMPORT,
        OBJECT_TYPE,
        str(value_import.pk),
        None,
        {
            "file": summary.file_name,
            "sha256": summary.digest,
            "bytes": summary.size,
            "format": summary.fmt,
            "options": options.as_dict(),
            "values": summary.total,
            "imported": summary.imported,
            "updated": summary.updated,
            "ignored": summary.ignored,
            "deleted": summary.deleted,
            "conflicts": summary.conflict_count,
        },
    )
    units = OrgUnit.objects.in_bulk({p.unit_id for p in changed})
    schedule_recompute(
        [units[p.unit_id] for p in changed], [ctx.periods.parsed[p.period_id] for p in changed]
    )
