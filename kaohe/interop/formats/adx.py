"""ADX (IHE QRPH, namespace ``urn:ihe:qrph:adx:2015``): read as a stream, written as one.

An ADX document is ``<adx>`` holding ``<group>`` elements, one per data set, unit and period::

    <adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-02-05T08:00:00+08:00">
      <group dataSet="FP_MONTHLY" orgUnit="V01" period="2026-01-01/P1M">
        <dataValue dataElement="BIRTHS" value="3"/>
        <dataValue dataElement="BIRTHS" SEX="MALE" value="2"><annotation>…</annotation></dataValue>
      </group>
    </adx>

The period is an ISO 8601 start date and duration, turned into a DHIS2 period code on import
(``2026-10-01/P1Y`` is ``2026Oct``). Any other attribute of a ``dataValue`` names a category
and its option (a disaggregation); any other attribute of a ``group`` an attribute category
and its option. A batch carries them as ``CATEGORY=OPTION`` pairs sorted by category and joined
with ``;`` in the ``coc`` and ``aoc`` columns (``SEX=MALE``), which is how a combination
mapping names them. An ``annotation`` is the value's comment. A document with a DOCTYPE is
refused, so no entity can be declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final
from xml.etree.ElementTree import Element, ParseError, XMLPullParser
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from kaohe.engine.periods import parse_period, to_iso_interval

from .base import Conflict, ExportValue, ReadChunk, RowBuffer, UnreadableFile

__all__ = ["ADX_NAMESPACE", "combo_text", "read_adx", "write_adx"]

ADX_NAMESPACE: Final = "urn:ihe:qrph:adx:2015"
BATCH_ROWS: Final = 50_000
_GROUP_KEYS: Final = frozenset({"orgUnit", "period", "dataSet", "completeDate"})
_VALUE_KEYS: Final = frozenset({"dataElement", "value"})


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an element's or attribute's tag."""
    if tag.startswith("{"):
        namespace, _sep, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def combo_text(pairs: Iterable[tuple[str, str]]) -> str:
    """Category options as one text: ``CATEGORY=OPTION`` pairs sorted and joined with ``;``."""
    return ";".join(f"{category}={option}" for category, option in sorted(pairs))


def _extras(element: Element, known: frozenset[str]) -> str:
    pairs = []
    for key, value in element.attrib.items():
        namespace, name = _local(key)
        if namespace or name in known:
            continue  # xsi:schemaLocation and the like
        pairs.append((name, value.strip()))
    return combo_text(pairs)


class _Reader:
    def __init__(self) -> None:
        self.parser = XMLPullParser(events=("start", "end"))
        self.buffer = RowBuffer()
        self.root: Element | None = None
        self.group: dict[str, str | None] | None = None
        self.group_element: Element | None = None
        self.index = 0
        self.depth = 0

    def feed(self, data: bytes) -> Iterator[ReadChunk]:
        try:
            self.parser.feed(data)
            yield from self._events()
        except ParseError as exc:
            line, column = exc.position
            raise UnreadableFile(
                _(
                    "XML 格式错误（第 {line} 行第 {col} 列） / invalid XML at line {line} column "
                    "{col}: {error}"
                ).format(line=line, col=column + 1, error=exc)
            ) from None

    def close(self) -> Iterator[ReadChunk]:
        try:
            self.parser.close()
        except ParseError as exc:
            raise UnreadableFile(
                _("XML 文档不完整 / the XML document is incomplete: {error}").format(error=exc)
            ) from None
        yield from self._events()
        if self.root is None:
            raise UnreadableFile(_("文件为空 / the file is empty"))
        if len(self.buffer) or self.buffer.conflicts:
            yield self.buffer.take()

    def _events(self) -> Iterator[ReadChunk]:
        for event, element in self.parser.read_events():
            namespace, name = _local(element.tag)  # type: ignore[union-attr]
            if event == "start":
                self._start(element, namespace, name)  # type: ignore[arg-type]
                continue
            self.depth -= 1
            if name == "dataValue" and self.depth in (1, 2):
                # depth 2: inside a group; 1: straight under adx, which is a conflict
                self._value(element)  # type: ignore[arg-type]
                if len(self.buffer) >= BATCH_ROWS:
                    yield self.buffer.take()
            elif name == "group" and self.depth == 1:
                self.group = None
                self.group_element = None
                assert self.root is not None
                self.root.clear()  # let the finished group go

    def _start(self, element: Element, namespace: str, name: str) -> None:
        self.depth += 1
        if self.depth == 1:
            if name != "adx" or namespace not in ("", ADX_NAMESPACE):
                raise UnreadableFile(
                    _(
                        "不是 ADX 文档：根元素须为 urn:ihe:qrph:adx:2015 命名空间的 adx / not an "
                        "ADX document: the root must be adx in the urn:ihe:qrph:adx:2015 namespace"
                    )
                )
            self.root = element
        elif self.depth == 2 and name == "group":
            attrib = element.attrib
            self.group_element = element
            self.group = {
                "unit": (attrib.get("orgUnit") or "").strip(),
                "period": (attrib.get("period") or "").strip(),
                "aoc": _extras(element, _GROUP_KEYS),
            }

    def _value(self, element: Element) -> None:
        self.index += 1
        row, index = self.index, self.index - 1
        group = self.group
        if group is None:
            self.buffer.conflicts.append(
                Conflict(
                    row,
                    index,
                    "dataValue",
                    "",
                    _("数据值须在 group 之内 / a dataValue must be inside a group"),
                )
            )
            element.clear()
            return
        annotation = None
        for child in element:
            if _local(child.tag)[1] == "annotation":
                annotation = "".join(child.itertext()).strip()
        attrib = element.attrib
        value = attrib.get("value")
        self.buffer.add(
            row,
            index,
            {
                **group,
                "element": (attrib.get("dataElement") or "").strip(),
                "coc": _extras(element, _VALUE_KEYS),
                "value": value.strip() if value is not None else "",
                "comment": annotation,
            },
        )
        element.clear()
        if self.group_element is not None:
            # Each finished value goes, so a group of any size holds one at a time.
            self.group_element.remove(element)


def read_adx(chunks: Iterator[bytes]) -> Iterator[ReadChunk]:
    """The values of an ADX document, a batch at a time (see the module notes)."""
    reader = _Reader()
    first = True
    for data in chunks:
        if first and data.strip():
            first = False
            if b"<!DOCTYPE" in data:
                raise UnreadableFile(
                    _("不接受含 DOCTYPE 的 XML / XML with a DOCTYPE is not accepted")
                )
        yield from reader.feed(data)
    if first:
        raise UnreadableFile(_("文件为空 / the file is empty"))
    yield from reader.close()


# --- writing -------------------------------------------------------------------------------


def _attributes(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f" {name}={quoteattr(value)}" for name, value in pairs)


def write_adx(values: Iterable[ExportValue], exported: str) -> Iterator[str]:
    """An ADX document, a group per run of values of one data set, unit and period (the
    caller orders them so), attribute categories on the group, categories on the value."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<adx xmlns={quoteattr(ADX_NAMESPACE)} exported={quoteattr(exported)}>\n"
    )
    current: tuple[str, str, str] | None = None
    pieces: list[str] = []
    intervals: dict[str, str] = {}
    for v in values:
        key = (v.dataset, v.unit, v.period)
        if key != current:
            if current is not None:
                pieces.append("  </group>\n")
            current = key
            if v.period not in intervals:
                intervals[v.period] = to_iso_interval(parse_period(v.period))
            group = [("dataSet", v.dataset), ("orgUnit", v.unit), ("period", intervals[v.period])]
            pieces.append(f"  <group{_attributes(group)}>\n")
        attributes = _attributes(
            [("dataElement", v.element), *v.adx_categories, ("value", v.value)]
        )
        if v.comment:
            pieces.append(
                f"    <dataValue{attributes}><annotation>{escape(v.comment)}</annotation>"
                "</dataValue>\n"
            )
        else:
            pieces.append(f"    <dataValue{attributes}/>\n")
        if len(pieces) >= 1000:
            yield "".join(pieces)
            pieces = []
    if current is not None:
        pieces.append("  </group>\n")
    pieces.append("</adx>\n")
    yield "".join(pieces)
