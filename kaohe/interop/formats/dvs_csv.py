"""DHIS2 data value sets as CSV: read in blocks of whole records, written line by line.

The columns are DHIS2's, by position: ``dataelement, period, orgunit, categoryoptioncombo,
attributeoptioncombo, value, storedby, lastupdated, comment, followup, deleted``. DHIS2 writes
that header (older versions wrote ``catoptcombo, attroptcombo`` and stopped at ``followup``);
a first row whose first cell is ``dataelement`` is a header and skipped. A row needs the first
six columns; the rest may be left off (absent: see :mod:`.base`).

Reading is done by Polars on blocks of about four megabytes cut at record boundaries (a
newline outside quotes), twice per block: once as CSV, once as plain lines to count each row's
columns (which CSV parsing pads away). A block where the two disagree holds a quoted field that
spans lines and is read with Python's csv module instead, which counts lines exactly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, Final

import polars as pl
from django.utils.translation import gettext as _

from .base import (
    COLUMNS,
    SCHEMA,
    Conflict,
    ExportValue,
    ReadChunk,
    RowBuffer,
    UnreadableFile,
    decoded_chunks,
    raw_chunks,
    shown,
)

__all__ = ["EXPORT_HEADER", "read_csv", "write_csv"]

#: DHIS2's CSV export header (2.38 and later), which is also what Kaohe writes.
EXPORT_HEADER: Final = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
# The batch column of each CSV column, by position.
_BY_POSITION: Final = COLUMNS[:11]
MIN_COLUMNS: Final = 6
MAX_COLUMNS: Final = len(EXPORT_HEADER)
_BLOCK_BYTES: Final = 4 << 20
_MAX_RECORD_BYTES: Final = 64 << 20
_CELLS: Final = [f"c{i}" for i in range(MAX_COLUMNS)]
_CELL_SCHEMA: Final = {name: pl.String() for name in _CELLS}
# Quoted fields, whose commas do not separate columns.
_QUOTED: Final = r'"(?:[^"]|"")*"'
_WRITE_BATCH: Final = 2000


def _utf8_chunks(stream: IO[bytes], encoding: str) -> Iterator[bytes]:
    if encoding == "utf-8":
        yield from raw_chunks(stream)
        return
    for text in decoded_chunks(stream, encoding):
        yield text.encode("utf-8")


def _blocks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Blocks of whole records: each ends with a newline that is outside quotes."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        while len(pending) >= _BLOCK_BYTES:
            cut = _record_end(pending, _BLOCK_BYTES)
            if cut is None:
                if len(pending) > _MAX_RECORD_BYTES:
                    raise UnreadableFile(
                        _(
                            "引号不成对：一个字段超过 64 MB / unbalanced quotes: a field runs on "
                            "for more than 64 MB"
                        )
                    )
                break
            yield pending[:cut]
            pending = pending[cut:]
    if pending:
        yield pending


def _record_end(data: bytes, limit: int) -> int | None:
    """The end (after the newline) of the last record that ends before ``limit``."""
    cut = data.rfind(b"\n", 0, limit)
    while cut >= 0:
        if data.count(b'"', 0, cut) % 2 == 0:
            return cut + 1
        cut = data.rfind(b"\n", 0, cut)
    return None


def _column_problem(row: int, index: int, text: str, count: int) -> Conflict:
    return Conflict(
        row,
        index,
        "",
        shown(text),
        _(
            "该行有 {n} 列，应为 6–11 列（dataelement 至 deleted；含逗号的备注须加引号） / the row has "
            "{n} columns, 6–11 expected (dataelement to deleted; quote a comment that contains "
            "commas)"
        ).format(n=count),
    )


class _Cursor:
    """Where the reader is: the next physical line, the next value's index, the header."""

    def __init__(self) -> None:
        self.line = 1
        self.index = 0
        self.header_checked = False


def _fast_block(block: bytes, cursor: _Cursor) -> ReadChunk | None:
    """A block read by Polars, or None when a quoted field spans lines in it."""
    try:
        cells = pl.read_csv(
            block,
            has_header=False,
            schema=_CELL_SCHEMA,
            truncate_ragged_lines=True,
            empty_string_is_null=False,
            missing_columns="insert",
        )
        lines = pl.read_csv(
            block,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            schema={"line": pl.String()},
            truncate_ragged_lines=True,
            empty_string_is_null=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if cells.height != lines.height:
        return None
    line = pl.col("line")
    counted = lines.select(
        line,
        pl.when(line.str.contains('"', literal=True))
        .then(line.str.replace_all(_QUOTED, ""))
        .otherwise(line)
        .str.count_matches(",", literal=True)
        .add(1)
        .alias("n"),
        (line.str.strip_chars() == "").alias("blank"),
    )
    frame = pl.concat([cells, counted], how="horizontal").with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + cursor.line).alias("row")
    )
    cursor.line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    # A row of nothing but separators is as blank as an empty line.
    stripped = [pl.col(c).str.strip_chars() == "" for c in _CELLS]
    frame = frame.filter(~(pl.col("blank") | pl.all_horizontal(stripped)))
    if not cursor.header_checked and frame.height:
        cursor.header_checked = True
        if (frame.item(0, "c0") or "").strip().lower() == EXPORT_HEADER[0]:
            frame = frame.slice(1)
    frame = frame.with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + cursor.index).alias("index")
    )
    cursor.index += frame.height
    n = pl.col("n")
    bad = frame.filter((n < MIN_COLUMNS) | (n > MAX_COLUMNS))
    conflicts = [
        _column_problem(row, index, text, count)
        for row, index, text, count in bad.select("row", "index", "line", "n").iter_rows()
    ]
    good = frame.filter((n >= MIN_COLUMNS) & (n <= MAX_COLUMNS))
    columns: list[pl.Expr] = [pl.col("row"), pl.col("index")]
    for position, name in enumerate(_BY_POSITION):
        cell = pl.col(f"c{position}").str.strip_chars()
        if position < MIN_COLUMNS:
            columns.append(cell.alias(name))
        else:
            columns.append(pl.when(n > position).then(cell).otherwise(None).alias(name))
    columns.append(pl.lit(None, dtype=pl.String).alias("created"))
    return ReadChunk(good.select(columns).cast(SCHEMA), conflicts)  # type: ignore[arg-type]


def _slow_block(block: bytes, cursor: _Cursor) -> ReadChunk:
    """A block read record by record (a quoted field spans lines in it)."""
    buffer = RowBuffer()
    text = block.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    line_end = cursor.line - 1
    start_line = cursor.line
    try:
        for cells in reader:
            row = line_end + 1
            line_end = start_line - 1 + reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not cursor.header_checked:
                cursor.header_checked = True
                if cells[0].strip().lower() == EXPORT_HEADER[0]:
                    continue
            index = cursor.index
            cursor.index += 1
            if not MIN_COLUMNS <= len(cells) <= MAX_COLUMNS:
                buffer.conflicts.append(_column_problem(row, index, ",".join(cells), len(cells)))
                continue
            values: dict[str, str | None] = {
                name: cells[position].strip() if position < len(cells) else None
                for position, name in enumerate(_BY_POSITION)
            }
            buffer.add(row, index, values)
    except csv.Error as exc:
        raise UnreadableFile(
            _("第 {line} 行无法按 CSV 读取 / line {line} is not valid CSV: {error}").format(
                line=start_line - 1 + reader.line_num, error=exc
            )
        ) from None
    cursor.line = start_line + text.count("\n") + (0 if text.endswith("\n") else 1)
    return buffer.take()


def read_csv(stream: IO[bytes], encoding: str) -> Iterator[ReadChunk]:
    """The values of a DHIS2 CSV data value set, a block at a time (see the module notes)."""
    cursor = _Cursor()
    for block in _blocks(_utf8_chunks(stream, encoding)):
        chunk = _fast_block(block, cursor)
        yield chunk if chunk is not None else _slow_block(block, cursor)


# --- writing -------------------------------------------------------------------------------


def write_csv(values: Iterable[ExportValue]) -> Iterator[str]:
    """A DHIS2 CSV data value set, header first, a couple of thousand lines per piece."""
    yield ",".join(EXPORT_HEADER) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    pending = 0
    for v in values:
        writer.writerow(
            [
                v.element,
                v.period,
                v.unit,
                v.coc,
                v.aoc,
                v.value,
                v.stored_by,
                v.last_updated,
                v.comment,
                "true" if v.follow_up else "false",
                "false",
            ]
        )
        pending += 1
        if pending >= _WRITE_BATCH:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            pending = 0
    if pending:
        yield out.getvalue()
