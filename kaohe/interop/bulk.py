"""The set-based write path of an import: checked values go into a staging table, a few
set-based statements compare them with what is stored and fold sums, and a handful more write
them.

On PostgreSQL the staging table is a temporary table filled by one ``COPY`` that a worker thread
feeds batch by batch while the next batch is read (:class:`Loader`); on SQLite one filled with
``executemany`` in chunks. Everything after that is the same SQL on both:

1. repeated keys (:meth:`Stage.repeated_groups`): one ``GROUP BY`` over the staged values; the
   sums and the repeats refused are applied with one ``UPDATE`` and one ``DELETE`` each;
2. the plan (:meth:`Stage.plan`): one comparison with the stored values (a single join) puts
   every value the write would create, update or delete, with its before and after, into a
   second temporary table. Everything after it reads the plan, never the join again: DHIS2's
   counters per unit and period (:meth:`Stage.pairs`), the values to check for locks, and:
3. the trace (:class:`~kaohe.interop.models.ValueChange`): one ``INSERT … SELECT``;
4. the write: one ``UPDATE … FROM`` (matched by the stored row's id), one plain ``INSERT …
   SELECT`` of the new values and one ``DELETE``. Should someone else store one of the new
   keys between the comparison and the write, the ``INSERT`` fails on the unique key; it is
   then undone (a savepoint) and done again as an upsert (``ON CONFLICT … DO UPDATE``): the
   imported value wins, and its trace says "created" (the other person's edit has its own).
   The plain ``INSERT`` is what it saves: an upsert first looks for a conflict, value by value.

Nothing is written to the data values before step 4, which runs only when the import goes
ahead; the caller holds the transaction.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import polars as pl
from django.db import IntegrityError, connection, transaction

from kaohe.datavalues.importing import format_value
from kaohe.datavalues.models import DataValue

from .checking import OP_DELETE, OP_SET
from .models import ChangeAction, ValueChange
from .options import Strategy

__all__ = ["Fold", "Loader", "PairCounts", "Stage", "StagedValue"]

# The staged columns, in the order they are loaded.
LOADED: Final = (
    "idx",
    "line",
    "element_id",
    "period_id",
    "unit_id",
    "op",
    "value",
    "stored_by",
    "last_updated",
    "created",
    "comment",
    "follow_up",
    "mapped",
    "source",
)
_PG_TYPES: Final = (
    "bigint",
    "bigint",
    "bigint",
    "bigint",
    "bigint",
    "smallint",
    "numeric(20, 6)",
    "text",
    "bigint",
    "bigint",
    "text",
    "boolean",
    "boolean",
    "bigint",
)
_SQLITE_TYPES: Final = (
    "integer",
    "integer",
    "integer",
    "integer",
    "integer",
    "integer",
    "decimal",
    "varchar(150)",
    "datetime",
    "datetime",
    "text",
    "bool",
    "bool",
    "integer",
)
_EXECUTEMANY_ROWS: Final = 20_000
#: Batches ready for COPY that wait for the worker sending them (each a few megabytes).
_QUEUED_BATCHES: Final = 2
WORK_MEM: Final = "256MB"
_IN_CHUNK: Final = 500
CREATE: Final = int(ChangeAction.CREATE)
UPDATE: Final = int(ChangeAction.UPDATE)
DELETE: Final = int(ChangeAction.DELETE)


@dataclass(frozen=True)
class PairCounts:
    """What the staged values of one unit and period would do."""

    unit_id: int
    period_id: int
    creates: int
    updates: int
    deletes: int

    @property
    def changes(self) -> bool:
        return bool(self.creates or self.updates or self.deletes)


@dataclass(frozen=True)
class StagedValue:
    idx: int
    row: int
    element_id: int
    period_id: int
    unit_id: int
    value: Decimal | None


@dataclass(frozen=True)
class Fold:
    """Staged value ``keep`` becomes the sum ``value`` (None: a delete) of ``weight`` values."""

    keep: int
    value: Decimal | None
    weight: int


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Stage:
    """The temporary tables of one import: the checked values, and the plan of what the
    write would change (see the module notes)."""

    def __init__(self) -> None:
        self.name = f"kaohe_stage_{uuid.uuid4().hex[:16]}"
        self.plan_name = f"{self.name}_plan"
        self.postgres = connection.vendor == "postgresql"
        self.values = DataValue._meta.db_table
        self.loaded = 0
        self._planned = False
        self._temporaries: list[str] = []

    # --- filling ---------------------------------------------------------------------------

    def _temporary(self, name: str, body: str) -> str:
        """``CREATE TEMPORARY TABLE name body``, dropped at commit on PostgreSQL and by
        :meth:`drop` on SQLite."""
        suffix = " ON COMMIT DROP" if self.postgres else ""
        if body.startswith("AS "):
            sql = f"CREATE TEMPORARY TABLE {name}{suffix} {body}"
        else:
            sql = f"CREATE TEMPORARY TABLE {name} {body}{suffix}"
        self._temporaries.append(name)
        return sql

    def create(self) -> None:
        types = _PG_TYPES if self.postgres else _SQLITE_TYPES
        columns = ", ".join(f"{name} {kind}" for name, kind in zip(LOADED, types, strict=True))
        with connection.cursor() as cursor:
            if self.postgres:
                # For this transaction only: joins and groupings over a million staged values
                # fit in memory instead of spilling to disk in batches.
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(
                self._temporary(self.name, f"({columns}, weight integer NOT NULL DEFAULT 1)")
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for name in reversed(self._temporaries):
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        self._temporaries.clear()

    @contextmanager
    def loading(self) -> Iterator[Loader]:
        """A :class:`Loader` that fills the stage; everything it was given is in the stage
        when the block ends."""
        loader = Loader(self)
        try:
            yield loader
        except BaseException as exc:
            loader.pause(exc)
            raise
        loader.pause()

    def _frame(self, clean: pl.DataFrame) -> pl.DataFrame:
        """The checked values as the stage takes them: timestamps as microseconds since 1970
        (UTC) for PostgreSQL, which :meth:`plan` turns back into moments only for the values
        that change; as Django's text for SQLite."""
        frame = clean.rename({"index": "idx", "row": "line"}).select(LOADED)
        if self.postgres:
            return frame.with_columns(
                pl.col("last_updated").dt.epoch("us"), pl.col("created").dt.epoch("us")
            )
        return frame.with_columns(
            _moment_text(pl.col("last_updated")).alias("last_updated"),
            _moment_text(pl.col("created")).alias("created"),
        )

    def _insert(self, frame: pl.DataFrame) -> None:
        """SQLite: the frame's rows by ``executemany``, in chunks."""
        columns = ", ".join(LOADED)
        marks = ", ".join(["%s"] * len(LOADED))
        sql = f"INSERT INTO {self.name} ({columns}) VALUES ({marks})"
        with connection.cursor() as cursor:
            for start in range(0, frame.height, _EXECUTEMANY_ROWS):
                cursor.executemany(sql, frame.slice(start, _EXECUTEMANY_ROWS).rows())

    def _copy_sql(self) -> str:
        columns = ", ".join(LOADED)
        return f"COPY {self.name} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"

    def analyse(self) -> None:
        """Let PostgreSQL plan the joins with the staged table's real size."""
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.name}")

    # --- repeated keys and sums ------------------------------------------------------------

    def repeated_groups(self) -> Iterator[list[tuple[Any, ...]]]:
        """The staged values sharing a key, a group at a time (rows in file order): each as
        (idx, line, element_id, period_id, unit_id, op, value, mapped, source)."""
        keys = "element_id, period_id, unit_id"
        sql = (
            f"SELECT s.idx, s.line, s.element_id, s.period_id, s.unit_id, s.op, s.value, "
            f"s.mapped, s.source FROM {self.name} s JOIN ("
            f"SELECT {keys} FROM {self.name} GROUP BY {keys} HAVING COUNT(*) > 1"
            f") g ON g.element_id = s.element_id AND g.period_id = s.period_id "
            f"AND g.unit_id = s.unit_id ORDER BY s.element_id, s.period_id, s.unit_id, s.idx"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            group: list[tuple[Any, ...]] = []
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    if group and tuple(group[0][2:5]) != tuple(row[2:5]):
                        yield group
                        group = []
                    group.append(row)
            if group:
                yield group

    def fold(self, folds: Sequence[Fold], drop: Iterable[int]) -> None:
        """Make each ``keep`` value its sum and drop the values summed into it (``drop``):
        one ``UPDATE`` and one ``DELETE`` whatever the number of sums."""
        if folds:
            pg = self.postgres
            table = self._table(
                "folds",
                "idx bigint, value numeric(20, 6), op smallint, weight integer"
                if pg
                else "idx integer, value decimal, op integer, weight integer",
                [
                    (
                        f.keep,
                        format_value(f.value) if f.value is not None else None,
                        OP_SET if f.value is not None else OP_DELETE,
                        f.weight,
                    )
                    for f in folds
                ],
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {self.name} SET value = f.value, op = f.op, weight = f.weight "
                    f"FROM {table} f WHERE {self.name}.idx = f.idx"
                )
        self.remove(drop)

    def remove(self, indexes: Iterable[int]) -> None:
        """Drop these values (by their index in the file) from the stage and the plan."""
        ordered = sorted(set(indexes))
        if not ordered:
            return
        with connection.cursor() as cursor:
            if len(ordered) <= _IN_CHUNK:
                marks = ", ".join(["%s"] * len(ordered))
                where, params = f"idx IN ({marks})", list(ordered)
            else:
                kind = "bigint" if self.postgres else "integer"
                table = self._table("dropped", f"idx {kind}", [(i,) for i in ordered])
                where, params = f"idx IN (SELECT idx FROM {table})", []
            cursor.execute(f"DELETE FROM {self.name} WHERE {where}", params)
            if self._planned:
                cursor.execute(f"DELETE FROM {self.plan_name} WHERE {where}", params)

    def _table(self, what: str, columns: str, rows: Sequence[tuple[Any, ...]]) -> str:
        """A temporary table of ``rows`` (emptied first if this import made it before):
        ``COPY`` on PostgreSQL, ``executemany`` on SQLite."""
        name = f"{self.name}_{what}"
        with connection.cursor() as cursor:
            if name in self._temporaries:
                cursor.execute(f"DELETE FROM {name}")
            else:
                cursor.execute(self._temporary(name, f"({columns})"))
            if self.postgres:
                with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            elif rows:
                marks = ", ".join(["%s"] * len(rows[0]))
                for chunk in _chunks(rows, _EXECUTEMANY_ROWS):
                    cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", list(chunk))
        return name

    # --- the plan: what the write would change -----------------------------------------------

    @staticmethod
    def _changing(strategy: Strategy) -> str:
        """What the strategy lets change, as a condition on the staged value ``s`` and the
        stored one ``d``: DHIS2's CREATE creates only, UPDATE updates and deletes only, DELETE
        deletes (every staged value is then a delete)."""
        same = (
            "d.value = s.value AND d.comment = COALESCE(s.comment, d.comment) "
            "AND d.follow_up = COALESCE(s.follow_up, d.follow_up)"
        )
        create = f"(s.op = {OP_SET} AND d.id IS NULL)"
        update = f"(s.op = {OP_SET} AND d.id IS NOT NULL AND NOT ({same}))"
        delete = f"(s.op = {OP_DELETE} AND d.id IS NOT NULL)"
        allowed = {
            Strategy.CREATE_AND_UPDATE: [create, update, delete],
            Strategy.CREATE: [create],
            Strategy.UPDATE: [update, delete],
            Strategy.DELETE: [delete],
        }[strategy]
        return "(" + " OR ".join(allowed) + ")"

    def plan(self, strategy: Strategy) -> None:
        """Compare the staged values with the stored ones, once: every value the write would
        change goes into the plan, with its action (a :class:`ChangeAction`), the stored row
        and the value, comment and follow-up flag before and after. An absent comment or
        follow-up flag keeps what is stored."""
        sql = self._temporary(
            self.plan_name,
            "AS SELECT s.idx, s.line, s.element_id, s.period_id, s.unit_id, s.weight, "
            f"CASE WHEN s.op = {OP_DELETE} THEN {DELETE} WHEN d.id IS NULL THEN {CREATE} "
            f"ELSE {UPDATE} END AS action, d.id AS stored_id, "
            "d.value AS value_before, s.value AS value_after, "
            "COALESCE(d.comment, '') AS comment_before, "
            f"CASE WHEN s.op = {OP_SET} THEN COALESCE(s.comment, d.comment, '') ELSE '' END "
            "AS comment_after, d.follow_up AS follow_up_before, "
            f"CASE WHEN s.op = {OP_SET} THEN COALESCE(s.follow_up, d.follow_up, FALSE) END "
            f"AS follow_up_after, s.stored_by, {self._moment('s.last_updated')} AS last_updated, "
            f"{self._moment('s.created')} AS created "
            f"FROM {self.name} s LEFT JOIN {self.values} d ON d.element_id = s.element_id "
            "AND d.period_id = s.period_id AND d.unit_id = s.unit_id "
            f"WHERE {self._changing(strategy)}",
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            if self.postgres:
                cursor.execute(f"ANALYZE {self.plan_name}")
        self._planned = True

    def _moment(self, column: str) -> str:
        """A staged moment as a timestamp (PostgreSQL stages microseconds since 1970, UTC;
        whole seconds and the rest apart, so that it is exact)."""
        if not self.postgres:
            return column
        return (
            f"(to_timestamp({column} / 1000000) + ({column} % 1000000) * interval '1 microsecond')"
        )

    def pairs(self) -> list[PairCounts]:
        """Per unit and period with something to change, how many values (weighted by the
        sums folded into them) the write would create, update and delete."""

        def counted(action: int) -> str:
            return f"SUM(CASE WHEN action = {action} THEN weight ELSE 0 END)"

        sql = (
            f"SELECT unit_id, period_id, {counted(CREATE)}, {counted(UPDATE)}, "
            f"{counted(DELETE)} FROM {self.plan_name} GROUP BY unit_id, period_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [
                PairCounts(unit, period, int(c or 0), int(u or 0), int(d or 0))
                for unit, period, c, u, d in cursor.fetchall()
            ]

    def changing_in(self, pairs: Sequence[tuple[int, int]]) -> list[StagedValue]:
        """The planned values of these (unit, period) pairs, in file order."""
        if not pairs:
            return []
        kind = "bigint" if self.postgres else "integer"
        table = self._table("locked", f"unit_id {kind}, period_id {kind}", sorted(set(pairs)))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.idx, p.line, p.element_id, p.period_id, p.unit_id, p.value_after "
                f"FROM {self.plan_name} p JOIN {table} l ON l.unit_id = p.unit_id "
                "AND l.period_id = p.period_id ORDER BY p.idx"
            )
            return [StagedValue(*row) for row in cursor.fetchall()]

    # --- writing ---------------------------------------------------------------------------

    def write(self, import_id: int, now: datetime) -> None:
        """Record the trace of every planned change (in file order), then make the changes."""
        stamp = connection.ops.adapt_datetimefield_value(now)
        trace = ValueChange._meta.db_table
        plan = self.plan_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {trace} (value_import_id, action, element_id, period_id, unit_id, "
                "value_before, value_after, comment_before, comment_after, follow_up_before, "
                "follow_up_after) "
                "SELECT %s, action, element_id, period_id, unit_id, value_before, value_after, "
                "comment_before, comment_after, follow_up_before, follow_up_after "
                f"FROM {plan} ORDER BY idx",
                [import_id],
            )
            cursor.execute(
                f"UPDATE {self.values} SET value = p.value_after, stored_by = p.stored_by, "
                "last_updated = p.last_updated, comment = p.comment_after, "
                f"follow_up = p.follow_up_after FROM {plan} p "
                f"WHERE {self.values}.id = p.stored_id AND p.action = {UPDATE}"
            )
            cursor.execute(
                f"DELETE FROM {self.values} WHERE id IN "
                f"(SELECT stored_id FROM {plan} WHERE action = {DELETE})"
            )
        insert = (
            f"INSERT INTO {self.values} (element_id, period_id, unit_id, value, stored_by, "
            "created, last_updated, comment, follow_up) "
            "SELECT element_id, period_id, unit_id, value_after, stored_by, "
            "COALESCE(created, %s), last_updated, comment_after, follow_up_after "
            f"FROM {plan} WHERE action = {CREATE}"
        )
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(insert, [stamp])
        except IntegrityError:
            # Someone stored one of these keys since the comparison: theirs is overwritten.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"{insert} ON CONFLICT (element_id, period_id, unit_id) DO UPDATE SET "
                    "value = excluded.value, stored_by = excluded.stored_by, "
                    "last_updated = excluded.last_updated, comment = excluded.comment, "
                    "follow_up = excluded.follow_up",
                    [stamp],
                )


class Loader:
    """Fills a :class:`Stage` a batch at a time (:meth:`load`).

    On PostgreSQL one ``COPY`` stays open across batches, and a worker thread sends each batch
    while the next one is read and checked, so that the database parses one batch while
    Python reads the next (two cores at work instead of one). At most a couple of batches wait
    for the worker, so memory stays flat. Nothing else may use the connection while a
    ``COPY`` is open: call :meth:`pause` first (the next :meth:`load` opens another).
    """

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self._copying: AbstractContextManager[Any] | None = None
        self._cursor: Any = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUED_BATCHES)
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None

    def load(self, clean: pl.DataFrame) -> None:
        """Add checked values (the frame :func:`kaohe.interop.checking.check_batch` gives)."""
        if clean.height == 0:
            return
        stage = self.stage
        frame = stage._frame(clean)
        stage.loaded += frame.height
        if not stage.postgres:
            stage._insert(frame)
            return
        data = frame.write_csv(include_header=False, null_value="\\N", quote_style="non_numeric")
        if self._copying is None:
            self._open()
        self._check()
        self._queue.put(data.encode("utf-8"))

    def _open(self) -> None:
        self._cursor = connection.cursor()
        self._copying = self._cursor.cursor.copy(self.stage._copy_sql())
        copy = self._copying.__enter__()
        self._error = None
        self._worker = threading.Thread(target=self._send, args=(copy,), daemon=True)
        self._worker.start()

    def _send(self, copy: Any) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    copy.write(data)
                except BaseException as exc:  # handed to the caller by _check
                    self._error = exc

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def pause(self, exc: BaseException | None = None) -> None:
        """Wait until every batch given is in the stage and end the ``COPY``; on ``exc`` (the
        import is failing) end it as failed."""
        if self._copying is None:
            return
        copying, self._copying = self._copying, None
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join()
            self._worker = None
        failure = exc or self._error
        try:
            if failure is None:
                copying.__exit__(None, None, None)
            else:
                copying.__exit__(type(failure), failure, failure.__traceback__)
        finally:
            self._cursor.close()
        if exc is None:
            self._check()


def _moment_text(moment: pl.Expr) -> pl.Expr:
    """A UTC moment as Django keeps it in SQLite (no fraction when there are no
    microseconds)."""
    plain = moment.dt.strftime("%Y-%m-%d %H:%M:%S")
    return (
        pl.when(moment.dt.microsecond() == 0)
        .then(plain)
        .otherwise(moment.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
    )
