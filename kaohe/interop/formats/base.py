"""What every data-value-set reader and writer shares: the columns of a batch, conflicts, and
reading bytes as text one chunk at a time.

A reader turns a file into :class:`ReadChunk` batches of at most a few tens of thousands of
values, so that memory stays flat however large the file is. A batch is a Polars frame of text
columns named by :data:`COLUMNS`; a column is ``null`` where the file leaves the field out
(absent) and ``""`` where it gives it empty, because the two mean different things for the
comment and the follow-up flag (absent: keep what is stored; empty: clear it).

Where a value is (``row``): the physical line of a CSV file (header included), the 1-based
position of a value in a JSON ``dataValues`` array or among an ADX file's ``dataValue``
elements. ``index`` is the 0-based position of the value among all values of the file, which
is what DHIS2 reports as a conflict's ``indexes``.
"""

from __future__ import annotations

import codecs
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Final

import polars as pl
from django.utils.translation import gettext as _

__all__ = [
    "COLUMNS",
    "FORMATS",
    "Conflict",
    "Digest",
    "ExportValue",
    "ReadChunk",
    "RowBuffer",
    "UnreadableFile",
    "decoded_chunks",
    "detect_encoding",
    "seekable",
    "shown",
    "sniff_format",
]

#: The file formats a data value set comes in.
FORMATS: Final = ("csv", "json", "adx")

#: Text columns of a batch, in DHIS2's CSV order, then what other formats add.
COLUMNS: Final = (
    "element",
    "period",
    "unit",
    "coc",
    "aoc",
    "value",
    "stored_by",
    "last_updated",
    "comment",
    "follow_up",
    "deleted",
    "created",
)
#: Integer columns of a batch: where each value is (see the module notes).
POSITION: Final = ("row", "index")
SCHEMA: Final[dict[str, pl.DataType]] = {
    **{name: pl.Int64() for name in POSITION},
    **{name: pl.String() for name in COLUMNS},
}

CHUNK_BYTES: Final = 1 << 20
_SNIFF_BYTES: Final = 512
_SHOWN: Final = 200
_UTF8_BOM: Final = codecs.BOM_UTF8
CODECS: Final = {"utf-8": "utf-8", "gbk": "gb18030"}


@dataclass(frozen=True)
class Conflict:
    """One value that cannot be imported (or the file as a whole, ``row`` None), and why.

    ``column`` is the field as the file names it, ``obj`` the offending text (DHIS2's
    ``object``), ``reason`` bilingual, Chinese first.
    """

    row: int | None
    index: int | None
    column: str
    obj: str
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return _("文件 / file：{reason}").format(reason=self.reason)
        where = _("第 {row} 行 / row {row}").format(row=self.row)
        if self.column:
            where += f', {self.column}="{self.obj}"'
        return f"{where}：{self.reason}"


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message is bilingual."""


@dataclass
class ReadChunk:
    """A batch of values (see the module notes) and the problems the reader met in it."""

    frame: pl.DataFrame
    conflicts: list[Conflict] = field(default_factory=list)


def shown(text: str) -> str:
    """``text`` cut to a length that fits a message."""
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


class RowBuffer:
    """Values collected one by one (JSON, ADX) until there are enough for a batch."""

    def __init__(self) -> None:
        self._columns: dict[str, list[object]] = {name: [] for name in SCHEMA}
        self.conflicts: list[Conflict] = []

    def __len__(self) -> int:
        return len(self._columns["row"])

    def add(self, row: int, index: int, values: dict[str, str | None]) -> None:
        columns = self._columns
        columns["row"].append(row)
        columns["index"].append(index)
        for name in COLUMNS:
            columns[name].append(values.get(name))

    def take(self) -> ReadChunk:
        """The values collected so far as a batch; the buffer starts again empty."""
        frame = pl.DataFrame(self._columns, schema=SCHEMA)
        chunk = ReadChunk(frame, self.conflicts)
        self._columns = {name: [] for name in SCHEMA}
        self.conflicts = []
        return chunk


def empty_frame() -> pl.DataFrame:
    """A batch without values."""
    return pl.DataFrame(schema=SCHEMA)


# --- bytes ---------------------------------------------------------------------------------


class Digest:
    """The SHA-256 and size of the bytes given to :meth:`update`."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)

    @property
    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def seekable(stream: IO[bytes]) -> IO[bytes]:
    """``stream`` itself if it can be read twice, else a spooled copy (on disk beyond 8 MB)."""
    if stream.seekable():
        return stream
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def sniff_format(stream: IO[bytes], name: str = "", content_type: str = "") -> str:
    """``csv``, ``json`` or ``adx``: by the content type, the file name, else the first
    character (``{`` JSON, ``<`` ADX, anything else CSV)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("json"):
        return "json"
    if kind.endswith("csv"):
        return "csv"
    if kind.endswith("xml"):
        return "adx"
    lowered = name.lower()
    for suffix, fmt in ((".json", "json"), (".csv", "csv"), (".xml", "adx"), (".adx", "adx")):
        if lowered.endswith(suffix):
            return fmt
    start = stream.tell()
    head = stream.read(_SNIFF_BYTES)
    stream.seek(start)
    first = head.removeprefix(_UTF8_BOM).lstrip()[:1]
    if first in (b"{", b"["):
        return "json"
    if first == b"<":
        return "adx"
    return "csv"


def _first_bad_byte(stream: IO[bytes], codec: str, digest: Digest | None) -> int | None:
    """The offset of the first byte ``codec`` cannot decode (None: all good); the whole
    stream goes through ``digest`` when one is given."""
    decoder = codecs.getincrementaldecoder(codec)()
    start = stream.tell()
    offset = 0
    bad: int | None = None
    try:
        while chunk := stream.read(CHUNK_BYTES):
            if digest is not None:
                digest.update(chunk)
            if bad is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad = offset - pending + exc.start
                    if digest is None:
                        return bad
            offset += len(chunk)
        if bad is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                bad = offset - len(decoder.getstate()[0])
    finally:
        stream.seek(start)
    return bad


def detect_encoding(stream: IO[bytes], encoding: str, digest: Digest) -> str:
    """``utf-8`` or ``gbk`` (read as GB18030, the superset of what Excel and WPS write on
    Chinese Windows), reading the whole stream once (through ``digest``) and rewinding it.

    ``auto`` takes UTF-8 (with or without a byte order mark) and, when that fails, GBK. Raises
    :class:`UnreadableFile` naming the first bad byte when the file is neither.
    """
    utf8_error = _first_bad_byte(stream, "utf-8", digest)
    if encoding == "utf-8" or (encoding == "auto" and utf8_error is None):
        if utf8_error is not None:
            raise UnreadableFile(_undecodable(utf8_error, "utf-8"))
        return "utf-8"
    gbk_error = _first_bad_byte(stream, CODECS["gbk"], None)
    if gbk_error is None:
        return "gbk"
    if encoding == "gbk":
        raise UnreadableFile(_undecodable(gbk_error, "gbk"))
    raise UnreadableFile(
        _(
            "无法识别文件编码：按 UTF-8 第 {utf8} 字节出错，按 GBK/GB18030 第 {gbk} 字节出错（从 0 "
            "起算） / cannot decode the file: not UTF-8 (invalid byte at offset {utf8}) nor "
            "GBK/GB18030 (invalid byte at offset {gbk}), counting from 0"
        ).format(utf8=utf8_error, gbk=gbk_error)
    )


def _undecodable(offset: int, encoding: str) -> str:
    return _(
        "无法按 {encoding} 解码：第 {offset} 字节（从 0 起算）处有无效字节 / cannot decode as "
        "{encoding}: invalid byte at offset {offset} (counting from 0)"
    ).format(encoding=encoding.upper(), offset=offset)


def raw_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's bytes, a megabyte at a time, without a leading UTF-8 byte order mark."""
    first = True
    while chunk := stream.read(CHUNK_BYTES):
        if first:
            first = False
            if chunk.startswith(_UTF8_BOM):
                chunk = chunk[len(_UTF8_BOM) :]
        yield chunk


def decoded_chunks(stream: IO[bytes], encoding: str) -> Iterator[str]:
    """The stream as text, a megabyte at a time (the encoding was checked beforehand)."""
    decoder = codecs.getincrementaldecoder(CODECS[encoding])()
    for chunk in raw_chunks(stream):
        if text := decoder.decode(chunk):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


# --- what an export writes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportValue:
    """One value as it goes out, every identifier already in the scheme asked for."""

    dataset: str
    element: str
    period: str
    unit: str
    coc: str
    aoc: str
    value: str
    stored_by: str
    created: str
    last_updated: str
    comment: str
    follow_up: bool
    #: The options of the value's category attributes in ADX (``(("SEX", "MALE"),)``).
    adx_categories: tuple[tuple[str, str], ...] = ()
