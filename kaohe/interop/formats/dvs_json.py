"""DHIS2 data value sets as JSON, read as a stream and written as one.

Two shapes, both DHIS2's:

* the one-form shape gives ``dataSet``, ``completeDate``, ``period``, ``orgUnit`` and
  ``attributeOptionCombo`` once at the top, and each value in ``dataValues`` only its
  ``dataElement``, ``categoryOptionCombo``, ``value``, ``comment``, ``followup`` …;
* the bulk shape has only ``dataValues``, each value carrying its own ``period`` and
  ``orgUnit``.

A value's own key wins over the top-level one. The reader walks the top-level object itself
and decodes one value of ``dataValues`` at a time with the standard decoder, so memory stays
flat; only when a value lacks its period or unit and the top-level key comes *after*
``dataValues`` (DHIS2 writes it before) are the values held until the end of the document.
Numbers keep their decimal digits (``0.1`` stays ``0.1``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Final

import polars as pl
from django.utils.translation import gettext as _

from .base import Conflict, ExportValue, ReadChunk, RowBuffer, UnreadableFile, shown

__all__ = ["BATCH_ROWS", "FormHeader", "read_json", "write_json"]

BATCH_ROWS: Final = 50_000
# A single JSON value larger than this is refused rather than read into memory.
_MAX_VALUE_CHARS: Final = 16 << 20
_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_DECODER: Final = json.JSONDecoder(parse_float=Decimal, parse_constant=str)

# Each batch column and its key in a DHIS2 JSON data value.
KEYS: Final = (
    ("element", "dataElement"),
    ("period", "period"),
    ("unit", "orgUnit"),
    ("coc", "categoryOptionCombo"),
    ("aoc", "attributeOptionCombo"),
    ("value", "value"),
    ("stored_by", "storedBy"),
    ("created", "created"),
    ("last_updated", "lastUpdated"),
    ("comment", "comment"),
    ("follow_up", "followup"),
    ("deleted", "deleted"),
)
_FORM_KEYS: Final = (("period", "period"), ("unit", "orgUnit"), ("aoc", "attributeOptionCombo"))


class _Text:
    """Decoded text, held a piece at a time, with the position of the reader in it."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # line of buf[0]
        self._line_start = 0  # absolute offset where that line starts
        self._dropped = 0  # characters dropped before buf[0]

    def fill(self) -> bool:
        """Read one more piece; False at the end of the text."""
        if self.eof:
            return False
        piece = next(self._chunks, None)
        if piece is None:
            self.eof = True
            return False
        done = self.buf[: self.pos]
        newlines = done.count("\n")
        if newlines:
            self._line += newlines
            self._line_start = self._dropped + done.rindex("\n") + 1
        self._dropped += self.pos
        self.buf = self.buf[self.pos :] + piece
        self.pos = 0
        return True

    def where(self, pos: int | None = None) -> tuple[int, int]:
        """Line and column (1-based) of ``pos`` in the buffer (default: the reader's)."""
        pos = self.pos if pos is None else pos
        before = self.buf[:pos]
        newlines = before.count("\n")
        if newlines:
            return self._line + newlines, pos - before.rindex("\n")
        return self._line, self._dropped + pos - self._line_start + 1

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, allowed: str) -> str:
        found = self.peek()
        if not found or found not in allowed:
            raise self.error(
                _("此处应为 {expected} / expected {expected}").format(expected=" ".join(allowed))
            )
        self.pos += 1
        return found

    def value(self) -> Any:
        """Decode the JSON value that starts here, reading more text as it needs."""
        self.peek()
        while True:
            try:
                decoded, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos < _MAX_VALUE_CHARS and self.fill():
                    continue
                raise self.error(exc.msg, exc.pos) from None
            # A number or literal that ends where the text read so far ends may go on.
            if end == len(self.buf) and self.fill():
                continue
            self.pos = end
            return decoded

    def error(self, message: str, pos: int | None = None) -> UnreadableFile:
        line, column = self.where(pos)
        return UnreadableFile(
            _(
                "JSON 格式错误（第 {line} 行第 {col} 列） / invalid JSON at line {line} column "
                "{col}: {error}"
            ).format(line=line, col=column, error=message)
        )


class _BadType(Exception):
    pass


def _text(raw: Any) -> str | None:
    """A JSON scalar as text (None when absent or null); _BadType for objects and arrays."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | Decimal):
        return str(raw)
    raise _BadType


def _not_a_set() -> UnreadableFile:
    return UnreadableFile(
        _(
            "不是 DHIS2 数据值集：须为含 dataValues 数组的 JSON 对象 / not a DHIS2 data value set: "
            "expected a JSON object with a dataValues array"
        )
    )


class _Reader:
    def __init__(self, text: _Text) -> None:
        self.text = text
        self.defaults: dict[str, str] = {}
        self.buffer = RowBuffer()
        self.waiting = False  # values lacking a key the top level may still give
        self.done = False
        self.index = 0

    def chunks(self) -> Iterator[ReadChunk]:
        text = self.text
        if text.peek() != "{":
            raise _not_a_set()
        text.expect("{")
        seen_values = False
        while text.peek() != "}":
            key = text.value()
            if not isinstance(key, str):
                raise text.error(_("键须为文本 / a key must be a string"))
            text.expect(":")
            if key == "dataValues":
                if text.peek() != "[":
                    raise _not_a_set()
                seen_values = True
                yield from self._values()
            else:
                self._top_level(key, text.value())
            if text.expect(",}") == "}":
                break
        else:
            text.expect("}")
        if text.peek():
            raise text.error(_("JSON 对象之后还有内容 / extra data after the JSON object"))
        if not seen_values:
            raise _not_a_set()
        self.done = True
        if len(self.buffer) or self.buffer.conflicts:
            yield self._take()

    def _top_level(self, key: str, raw: Any) -> None:
        for name, json_key in _FORM_KEYS:
            if key == json_key:
                try:
                    value = _text(raw)
                except _BadType:
                    raise UnreadableFile(
                        _("{key} 须为文本 / {key} must be text").format(key=key)
                    ) from None
                if value:
                    self.defaults[name] = value

    def _values(self) -> Iterator[ReadChunk]:
        text = self.text
        text.expect("[")
        if text.peek() == "]":
            text.expect("]")
            return
        while True:
            self._add(text.value())
            if len(self.buffer) >= BATCH_ROWS and not self.waiting:
                yield self._take()
            if text.expect(",]") == "]":
                return

    def _add(self, entry: Any) -> None:
        self.index += 1
        row, index = self.index, self.index - 1
        if not isinstance(entry, dict):
            self.buffer.conflicts.append(
                Conflict(
                    row,
                    index,
                    "",
                    shown(json.dumps(entry, ensure_ascii=False, default=str)),
                    _("数据值须为 JSON 对象 / a data value must be a JSON object"),
                )
            )
            return
        values: dict[str, str | None] = {}
        bad = False
        for name, key in KEYS:
            raw = entry.get(key)
            if name == "follow_up" and raw is None:
                raw = entry.get("followUp")
            try:
                values[name] = _text(raw)
            except _BadType:
                bad = True
                self.buffer.conflicts.append(
                    Conflict(
                        row,
                        index,
                        key,
                        shown(json.dumps(raw, ensure_ascii=False, default=str)),
                        _("须为文本或数字 / must be text or a number"),
                    )
                )
        if bad:
            return
        for name, _key in _FORM_KEYS:
            if not values[name] and name not in self.defaults and name != "aoc":
                self.waiting = True
        self.buffer.add(row, index, values)

    def _take(self) -> ReadChunk:
        chunk = self.buffer.take()
        self.waiting = False
        if self.defaults and chunk.frame.height:
            frame = chunk.frame
            chunk.frame = frame.with_columns(
                pl.when(pl.col(name).is_null() | (pl.col(name) == ""))
                .then(pl.lit(self.defaults[name]))
                .otherwise(pl.col(name))
                .alias(name)
                for name, _key in _FORM_KEYS
                if name in self.defaults
            )
        return chunk


def read_json(chunks: Iterator[str]) -> Iterator[ReadChunk]:
    """The values of a DHIS2 JSON data value set (either shape), a batch at a time."""
    return _Reader(_Text(chunks)).chunks()


# --- writing -------------------------------------------------------------------------------

#: The top of a one-form data value set: data set, period, unit, attribute option combo.
FormHeader = tuple[str, str, str, str]


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_json(values: Iterable[ExportValue], form: FormHeader | None = None) -> Iterator[str]:
    """A DHIS2 JSON data value set, one value per line: the one-form shape when ``form`` is
    given (every value is then of that data set, period and unit), else the bulk shape."""
    if form is None:
        yield '{"dataValues":['
    else:
        dataset, period, unit, aoc = form
        top = {"dataSet": dataset, "period": period, "orgUnit": unit}
        if aoc:
            top["attributeOptionCombo"] = aoc
        yield _dumps(top)[:-1] + ',"dataValues":['
    separator = "\n"
    pieces: list[str] = []
    for v in values:
        entry: dict[str, object] = {"dataElement": v.element}
        if form is None:
            entry["period"] = v.period
            entry["orgUnit"] = v.unit
        entry["categoryOptionCombo"] = v.coc
        if form is None:
            entry["attributeOptionCombo"] = v.aoc
        entry["value"] = v.value
        entry["storedBy"] = v.stored_by
        entry["created"] = v.created
        entry["lastUpdated"] = v.last_updated
        if v.comment:
            entry["comment"] = v.comment
        entry["followup"] = v.follow_up
        pieces.append(separator + _dumps(entry))
        separator = ",\n"
        if len(pieces) >= 1000:
            yield "".join(pieces)
            pieces = []
    pieces.append("\n]}\n")
    yield "".join(pieces)
