"""Reading and checking incoming data values: DHIS2 data value sets as CSV or JSON.

Nothing in this module writes to the database. :func:`read_values` decodes and parses a file
into :class:`RawValue` rows; :func:`validate_values` looks the codes up (one query per table)
and turns each row into a :class:`CleanValue` or into :class:`ImportProblem` entries.
``kaohe.datavalues.services.do_import_values`` does the writing, and only when there is no
problem at all.

Where a problem is (``ImportProblem.row``):

* CSV: the physical line number in the file on which the record starts, counting the header
  and blank lines, so that it is the line number a text editor shows;
* JSON: the 1-based position of the value in ``dataValues``;
* ``None``: the file as a whole (it cannot be decoded, is not valid JSON…).

Fields that are *absent* (a CSV row that stops before the ``comment`` column, a JSON value
without a ``comment`` key) leave the stored comment and follow-up flag as they are; fields that
are *present* are authoritative, so an empty ``comment`` clears the stored one.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any, Final, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.elements.models import DataElement
from kaohe.engine.periods import Period, PeriodError, parse_period
from kaohe.engine.spec import ValueType
from kaohe.orgunits.models import OrgUnit

__all__ = [
    "CSV_COLUMNS",
    "ENCODINGS",
    "FORMATS",
    "JSON_COLUMNS",
    "CleanValue",
    "ImportProblem",
    "ParsedFile",
    "RawValue",
    "ValueProblem",
    "format_value",
    "parse_follow_up",
    "parse_timestamp",
    "parse_value",
    "read_values",
    "unit_closed_reason",
    "validate_values",
]

FORMATS: Final = ("auto", "csv", "json")
ENCODINGS: Final = ("auto", "utf-8", "gbk")

# Each field: its name here, its DHIS2 CSV column (in CSV column order) and its JSON key.
_NAMES: Final = (
    ("element", "dataelement", "dataElement"),
    ("period", "period", "period"),
    ("unit", "orgunit", "orgUnit"),
    ("catoptcombo", "catoptcombo", "categoryOptionCombo"),
    ("attroptcombo", "attroptcombo", "attributeOptionCombo"),
    ("value", "value", "value"),
    ("stored_by", "storedby", "storedBy"),
    ("last_updated", "lastupdated", "lastUpdated"),
    ("comment", "comment", "comment"),
    ("follow_up", "followup", "followup"),
)
FIELDS: Final = tuple(name for name, _csv, _json in _NAMES)
#: What each field is called in a DHIS2 CSV file (in column order).
CSV_COLUMNS: Final[Mapping[str, str]] = {name: column for name, column, _json in _NAMES}
#: What each field is called in a DHIS2 JSON data value.
JSON_COLUMNS: Final[Mapping[str, str]] = {name: key for name, _csv, key in _NAMES}

MIN_CSV_COLUMNS: Final = 6
# DHIS2's default category option combo, by name and by its fixed UID.
DEFAULT_COMBO_NAME: Final = "default"
DEFAULT_COMBO_UID: Final = "HllvX50cXC0"

# Limits of the DataValue columns (max_digits 20, decimal_places 6, CharField lengths).
DECIMAL_PLACES: Final = 6
MAX_INTEGER_DIGITS: Final = 20 - DECIMAL_PLACES
QUANTUM: Final = Decimal(1).scaleb(-DECIMAL_PLACES)
VALUE_LIMIT: Final = Decimal(10) ** MAX_INTEGER_DIGITS
MAX_STORED_BY: Final = 150
MAX_COMMENT: Final = 500

_CHUNK_BYTES: Final = 1 << 16
_SNIFF_BYTES: Final = 512
_UTF8_BOM: Final = codecs.BOM_UTF8
_CODECS: Final[Mapping[str, str]] = {"utf-8": "utf-8", "gbk": "gb18030"}
# Only plain decimal notation: no thousands separators, underscores, NaN or Infinity, which
# Decimal() would otherwise accept.
_NUMBER_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_YES: Final = frozenset({"1", "true", "是"})
_NO: Final = frozenset({"0", "false", "否"})
_LOOKUP_CHUNK: Final = 500
_SHOWN_VALUE: Final = 200

_T = TypeVar("_T")


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an incoming file: where, which column, what value, and why."""

    row: int | None
    column: str
    value: str
    reason: str  # bilingual, Chinese first

    def __str__(self) -> str:
        if self.row is None:
            return _("文件 / file：{reason}").format(reason=self.reason)
        where = _("第 {row} 行 / row {row}").format(row=self.row)
        if self.column:
            where += f', {self.column}="{self.value}"'
        return f"{where}：{self.reason}"


@dataclass(slots=True)
class RawValue:
    """One data value as it stands in the file: stripped text, ``None`` where absent."""

    row: int
    element: str
    period: str
    unit: str
    value: str | None
    catoptcombo: str = ""
    attroptcombo: str = ""
    stored_by: str | None = None
    last_updated: str | None = None
    comment: str | None = None
    follow_up: str | None = None


@dataclass(slots=True)
class CleanValue:
    """A checked data value, ready to be written. ``value`` ``None`` means: delete it."""

    row: int
    element: DataElement
    period: Period
    unit: OrgUnit
    value: Decimal | None
    stored_by: str
    last_updated: datetime
    comment: str | None  # None: keep the stored comment
    follow_up: bool | None  # None: keep the stored flag

    @property
    def key_text(self) -> str:
        """``ELEMENT/PERIOD/UNIT``, the value's stable name in audit rows and messages."""
        return f"{self.element.code}/{self.period.code}/{self.unit.code}"


@dataclass
class ParsedFile:
    """What :func:`read_values` made of a file."""

    fmt: str
    encoding_used: str
    columns: Mapping[str, str]
    rows: list[RawValue] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        """Whether the file as a whole could not be read (its rows are then meaningless)."""
        return any(p.row is None for p in self.problems)


class ValueProblem(ValueError):
    """A value that does not suit its element; the message is bilingual."""


class _DecodeError(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


# --- single values (shared with do_set_value) ---------------------------------------------


def parse_value(text: str, value_type: str) -> Decimal:
    """The stored form of ``text`` for an element of ``value_type``, or :class:`ValueProblem`.

    Numbers are rounded half-up to 6 decimal places, the precision of the stored column.
    """
    text = text.strip()
    if value_type == ValueType.YES_NO.value:
        lowered = text.lower()
        if lowered in _YES:
            return Decimal(1).quantize(QUANTUM)
        if lowered in _NO:
            return Decimal(0).quantize(QUANTUM)
        raise ValueProblem(
            _(
                "是/否型数据须为 1、0、true、false、是 或 否 / a yes/no value must be 1, 0, true, false, 是 or 否"
            )
        )
    if not _NUMBER_RE.fullmatch(text):
        raise ValueProblem(_("不是数值 / not a number"))
    number = Decimal(text)
    if value_type == ValueType.INTEGER.value:
        if number != number.to_integral_value():
            raise ValueProblem(_("计数须为整数 / a count must be a whole number"))
        if number < 0:
            raise ValueProblem(_("计数不能为负数 / a count cannot be negative"))
    elif value_type == ValueType.PERCENTAGE.value and not 0 <= number <= 100:
        raise ValueProblem(_("百分比须在 0–100 之间 / a percentage must be between 0 and 100"))
    # Checked before quantize(), which would fail on huge exponents rather than say why.
    stored = None
    if number.adjusted() < MAX_INTEGER_DIGITS:
        stored = number.quantize(QUANTUM, rounding=ROUND_HALF_UP)
    if stored is None or abs(stored) >= VALUE_LIMIT:
        raise ValueProblem(
            _(
                "数值过大：整数部分最多 {digits} 位 / too large: at most {digits} digits before "
                "the decimal point"
            ).format(digits=MAX_INTEGER_DIGITS)
        )
    if stored == 0:
        stored = Decimal(0).quantize(QUANTUM)  # no "-0"
    return stored


def format_value(value: Decimal) -> str:
    """A stored value as people write it: ``3``, ``98.5``, never ``3.000000`` or ``1E+2``."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def parse_follow_up(text: str) -> bool:
    """DHIS2's ``followup`` flag: true/false in any case, empty meaning false."""
    lowered = text.strip().lower()
    if lowered in ("", "false"):
        return False
    if lowered == "true":
        return True
    raise ValueProblem(_("须为 true 或 false / must be true or false"))


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 date or date-time; without a zone it is read in the server's time zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueProblem(
            _(
                "不是 ISO 8601 日期时间，例如 2026-02-03T10:00:00 / not an ISO 8601 date-time such as 2026-02-03T10:00:00"
            )
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def unit_closed_reason(unit: OrgUnit, period: Period) -> str | None:
    """Why ``unit`` cannot report for ``period`` (closed before it, opened after it), or None."""
    if unit.closed_date is not None and unit.closed_date < period.start:
        return _(
            "单位已于 {closed} 撤销，早于期间 {period} 开始 / the unit was closed on {closed}, "
            "before period {period} began"
        ).format(closed=unit.closed_date.isoformat(), period=period.code)
    if unit.opening_date is not None and unit.opening_date > period.end:
        return _(
            "单位于 {opened} 设立，晚于期间 {period} 结束 / the unit was opened on {opened}, "
            "after period {period} ended"
        ).format(opened=unit.opening_date.isoformat(), period=period.code)
    return None


# --- decoding ------------------------------------------------------------------------------


def _decoded(stream: IO[bytes], codec: str) -> Iterator[str]:
    """Decode ``stream`` chunk by chunk; :class:`_DecodeError` names the bad byte's offset."""
    decoder = codecs.getincrementaldecoder(codec)()
    fed = 0  # bytes handed to the decoder so far
    first = True
    while True:
        chunk = stream.read(_CHUNK_BYTES)
        if first:
            first = False
            if codec == "utf-8" and chunk.startswith(_UTF8_BOM):
                chunk = chunk[len(_UTF8_BOM) :]
                fed = len(_UTF8_BOM)
        # A multi-byte character split between chunks waits in the decoder; the error offset
        # is relative to those pending bytes plus the new chunk.
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise _DecodeError(fed - pending + exc.start) from None
        fed += len(chunk)
        if text:
            yield text
        if not chunk:
            return


def _first_bad_byte(stream: IO[bytes], codec: str) -> int | None:
    start = stream.tell()
    try:
        for _text in _decoded(stream, codec):
            pass
    except _DecodeError as exc:
        return exc.offset
    finally:
        stream.seek(start)
    return None


def _undecodable(offset: int, encoding: str) -> ImportProblem:
    return ImportProblem(
        None,
        "",
        "",
        _(
            "无法按 {encoding} 解码：第 {offset} 字节（从 0 起算）处有无效字节 / cannot decode "
            "as {encoding}: invalid byte at offset {offset} (counting from 0)"
        ).format(encoding=encoding.upper(), offset=offset),
    )


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """Physical lines, each with its line ending, for csv.reader (which counts them)."""
    pending = ""
    for text in chunks:
        pending += text
        if "\n" not in pending:
            continue
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


# --- parsing -------------------------------------------------------------------------------


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_VALUE else text[:_SHOWN_VALUE] + "…"


def _parse_csv(lines: Iterator[str], parsed: ParsedFile) -> None:
    reader = csv.reader(lines)
    line_end = 0
    header_checked = False
    try:
        for cells in reader:
            row = line_end + 1  # the line the record starts on (a quoted field may span lines)
            line_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if not header_checked:
                header_checked = True
                if cells[0].strip().lower() == CSV_COLUMNS["element"]:
                    continue
            if not MIN_CSV_COLUMNS <= len(cells) <= len(FIELDS):
                parsed.problems.append(
                    ImportProblem(
                        row,
                        "",
                        _shown(",".join(cells)),
                        _(
                            "该行有 {n} 列，应为 6–10 列（dataelement 至 followup；含逗号的备注须加引号）"
                            " / the row has {n} columns, 6–10 expected (dataelement to followup; "
                            "quote a comment that contains commas)"
                        ).format(n=len(cells)),
                    )
                )
                continue
            text = [cell.strip() for cell in cells[:5]]
            optional: list[str | None] = [*cells[6:], *([None] * (len(FIELDS) - len(cells)))]
            parsed.rows.append(
                RawValue(
                    row=row,
                    element=text[0],
                    period=text[1],
                    unit=text[2],
                    catoptcombo=text[3],
                    attroptcombo=text[4],
                    value=cells[5].strip(),
                    stored_by=None if optional[0] is None else optional[0].strip(),
                    last_updated=optional[1],
                    comment=None if optional[2] is None else optional[2].strip(),
                    follow_up=optional[3],
                )
            )
    except csv.Error as exc:
        parsed.problems.append(
            ImportProblem(
                None,
                "",
                "",
                _("第 {line} 行无法按 CSV 读取 / line {line} is not valid CSV: {error}").format(
                    line=reader.line_num, error=exc
                ),
            )
        )


class _BadType(Exception):
    pass


def _json_text(raw: Any) -> str | None:
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


def _parse_json(text: str, parsed: ParsedFile) -> None:
    try:
        # Decimal keeps 0.1 as 0.1; NaN/Infinity come through as text and are refused later.
        document = json.loads(text, parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as exc:
        parsed.problems.append(
            ImportProblem(
                None,
                "",
                "",
                _(
                    "JSON 格式错误（第 {line} 行第 {col} 列） / invalid JSON at line {line} column "
                    "{col}: {error}"
                ).format(line=exc.lineno, col=exc.colno, error=exc.msg),
            )
        )
        return
    entries = document.get("dataValues") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        parsed.problems.append(
            ImportProblem(
                None,
                "dataValues",
                "",
                _(
                    "不是 DHIS2 数据值集：须为含 dataValues 数组的 JSON 对象 / not a DHIS2 data "
                    "value set: expected a JSON object with a dataValues array"
                ),
            )
        )
        return
    # The one-form shape gives period, orgUnit (and attributeOptionCombo) once for all values.
    defaults: dict[str, str] = {}
    for key in ("period", "orgUnit", "attributeOptionCombo"):
        try:
            value = _json_text(document.get(key))
        except _BadType:
            parsed.problems.append(ImportProblem(None, key, "", _("须为文本 / must be text")))
            return
        if value:
            defaults[key] = value
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            parsed.problems.append(
                ImportProblem(
                    index,
                    "",
                    _shown(json.dumps(entry, ensure_ascii=False, default=str)),
                    _("数据值须为 JSON 对象 / a data value must be a JSON object"),
                )
            )
            continue
        values: dict[str, str | None] = {}
        bad = False
        for name, key in JSON_COLUMNS.items():
            raw = entry.get(key)
            if name == "follow_up" and raw is None:
                raw = entry.get("followUp")
            try:
                values[name] = _json_text(raw)
            except _BadType:
                bad = True
                parsed.problems.append(
                    ImportProblem(
                        index,
                        key,
                        _shown(json.dumps(raw, ensure_ascii=False, default=str)),
                        _("须为文本或数字 / must be text or a number"),
                    )
                )
        if bad:
            continue
        parsed.rows.append(
            RawValue(
                row=index,
                element=values["element"] or "",
                period=values["period"] or defaults.get("period", ""),
                unit=values["unit"] or defaults.get("orgUnit", ""),
                catoptcombo=values["catoptcombo"] or "",
                attroptcombo=values["attroptcombo"] or defaults.get("attributeOptionCombo", ""),
                value=values["value"],
                stored_by=values["stored_by"],
                last_updated=values["last_updated"],
                comment=values["comment"],
                follow_up=values["follow_up"],
            )
        )


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    if stream.seekable():
        return stream
    # Standard input or a socket: spool it (to disk beyond a few megabytes) so that it can
    # be read twice, once to detect the encoding and once to parse.
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool


def _sniff_format(stream: IO[bytes], name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".csv"):
        return "csv"
    start = stream.tell()
    head = stream.read(_SNIFF_BYTES)
    stream.seek(start)
    head = head.removeprefix(_UTF8_BOM).lstrip()
    return "json" if head[:1] in (b"{", b"[") else "csv"


def read_values(
    stream: IO[bytes], *, fmt: str = "auto", encoding: str = "auto", name: str = ""
) -> ParsedFile:
    """Decode and parse a DHIS2 data value set (CSV or JSON) into raw rows and problems.

    ``fmt`` ``auto`` goes by the file name's extension, else by the first character (``{``
    means JSON). ``encoding`` ``auto`` reads UTF-8 (with or without a BOM) and, when that
    fails, GB18030, the superset of the GBK that Excel and WPS write on Chinese Windows;
    ``gbk`` forces the latter. A CSV file is streamed line by line; a JSON document is
    parsed whole.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; expected one of {ENCODINGS}")
    stream = _seekable(stream)
    if fmt == "auto":
        fmt = _sniff_format(stream, name)
    columns = CSV_COLUMNS if fmt == "csv" else JSON_COLUMNS
    if encoding == "auto":
        utf8_error = _first_bad_byte(stream, "utf-8")
        encoding = "utf-8"
        if utf8_error is not None:
            gbk_error = _first_bad_byte(stream, _CODECS["gbk"])
            encoding = "gbk"
            if gbk_error is not None:
                problem = ImportProblem(
                    None,
                    "",
                    "",
                    _(
                        "无法识别文件编码：按 UTF-8 第 {utf8} 字节出错，按 GBK/GB18030 第 {gbk} "
                        "字节出错（从 0 起算） / cannot decode the file: not UTF-8 (invalid byte at "
                        "offset {utf8}) nor GBK/GB18030 (invalid byte at offset {gbk}), counting "
                        "from 0"
                    ).format(utf8=utf8_error, gbk=gbk_error),
                )
                return ParsedFile(fmt, "", columns, problems=[problem])
    parsed = ParsedFile(fmt, encoding, columns)
    chunks = _decoded(stream, _CODECS[encoding])
    try:
        if fmt == "csv":
            _parse_csv(_lines(chunks), parsed)
        else:
            _parse_json("".join(chunks), parsed)
    except _DecodeError as exc:
        return ParsedFile(fmt, encoding, columns, problems=[_undecodable(exc.offset, encoding)])
    return parsed


# --- validation ----------------------------------------------------------------------------


def _chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_M = TypeVar("_M", bound=models.Model)


def _by_code(queryset: models.QuerySet[_M], codes: set[str]) -> dict[str, _M]:
    """Rows by code; one query unless there are more than 500 distinct codes."""
    found: dict[str, _M] = {}
    for chunk in _chunks(sorted(codes), _LOOKUP_CHUNK):
        for obj in queryset.filter(code__in=chunk):
            found[obj.code] = obj  # type: ignore[attr-defined]
    return found


class _RowProblems:
    """The problems of one row, named by the file's own column names."""

    def __init__(self, row: int, columns: Mapping[str, str]) -> None:
        self.row = row
        self.columns = columns
        self.problems: list[ImportProblem] = []

    def add(self, name: str, value: str | None, reason: str) -> None:
        self.problems.append(
            ImportProblem(self.row, self.columns[name], _shown(value or ""), reason)
        )


def _is_default_combo(text: str) -> bool:
    return text == "" or text == DEFAULT_COMBO_UID or text.lower() == DEFAULT_COMBO_NAME


def validate_values(
    rows: Sequence[RawValue],
    columns: Mapping[str, str],
    *,
    delete_empty: bool = False,
    default_stored_by: str = "",
    now: datetime | None = None,
) -> tuple[list[CleanValue], list[ImportProblem]]:
    """Check every row; return the clean values and every problem found (in row order).

    Element and unit codes are looked up in bulk. An empty value is a problem unless
    ``delete_empty``, when it asks for the stored value to be deleted (DHIS2's meaning).
    ``default_stored_by`` and ``now`` fill ``storedby`` and ``lastupdated`` where absent.
    """
    now = now or timezone.now()
    elements = _by_code(
        DataElement.objects.only("id", "code", "value_type", "zero_is_significant"),
        {r.element for r in rows if r.element},
    )
    units = _by_code(
        OrgUnit.objects.only("id", "code", "opening_date", "closed_date"),
        {r.unit for r in rows if r.unit},
    )
    periods: dict[str, Period | PeriodError] = {}
    seen: dict[tuple[str, str, str], int] = {}
    clean: list[CleanValue] = []
    problems: list[ImportProblem] = []

    for raw in rows:
        found = _RowProblems(raw.row, columns)
        problem = found.add
        element = elements.get(raw.element)
        if not raw.element:
            problem("element", "", _("缺少数据元素代码 / the data element code is missing"))
        elif element is None:
            problem("element", raw.element, _("未知的数据元素代码 / unknown data element code"))

        period: Period | None = None
        if not raw.period:
            problem("period", "", _("缺少期间代码 / the period code is missing"))
        else:
            if raw.period not in periods:
                try:
                    periods[raw.period] = parse_period(raw.period)
                except PeriodError as exc:
                    periods[raw.period] = exc
            outcome = periods[raw.period]
            if isinstance(outcome, PeriodError):
                problem("period", raw.period, str(outcome))
            else:
                period = outcome

        unit = units.get(raw.unit)
        if not raw.unit:
            problem("unit", "", _("缺少单位代码 / the organisation unit code is missing"))
        elif unit is None:
            problem("unit", raw.unit, _("未知的单位代码 / unknown organisation unit code"))
        elif period is not None and (closed := unit_closed_reason(unit, period)) is not None:
            problem("unit", raw.unit, closed)

        for name in ("catoptcombo", "attroptcombo"):
            combo = getattr(raw, name)
            if not _is_default_combo(combo):
                problem(
                    name,
                    combo,
                    _(
                        "不支持分类组合（分解） / category option combos (disaggregations) are not supported"
                    ),
                )

        value: Decimal | None = None
        if not raw.value:
            if not delete_empty:
                problem(
                    "value",
                    "",
                    _(
                        "值为空（若要删除已存的值，请使用 --delete-empty） / the value is empty (use "
                        "--delete-empty to delete stored values)"
                    ),
                )
        elif element is not None:
            try:
                value = parse_value(raw.value, element.value_type)
            except ValueProblem as exc:
                problem("value", raw.value, str(exc))

        stored_by = raw.stored_by or default_stored_by
        if len(stored_by) > MAX_STORED_BY:
            problem(
                "stored_by",
                stored_by,
                _("超过 {n} 个字符 / longer than {n} characters").format(n=MAX_STORED_BY),
            )
        last_updated = now
        if raw.last_updated and raw.last_updated.strip():
            try:
                last_updated = parse_timestamp(raw.last_updated)
            except ValueProblem as exc:
                problem("last_updated", raw.last_updated, str(exc))
        if raw.comment is not None and len(raw.comment) > MAX_COMMENT:
            problem(
                "comment",
                raw.comment,
                _("超过 {n} 个字符 / longer than {n} characters").format(n=MAX_COMMENT),
            )
        follow_up: bool | None = None
        if raw.follow_up is not None:
            try:
                follow_up = parse_follow_up(raw.follow_up)
            except ValueProblem as exc:
                problem("follow_up", raw.follow_up, str(exc))

        key = (raw.element, period.code if period else raw.period, raw.unit)
        if key in seen:
            found.problems.append(
                ImportProblem(
                    raw.row,
                    "/".join(columns[name] for name in ("element", "period", "unit")),
                    "/".join(key),
                    _(
                        "与第 {first} 行重复（同一数据元素、期间和单位） / duplicates row {first} "
                        "(same data element, period and unit)"
                    ).format(first=seen[key]),
                )
            )
        else:
            seen[key] = raw.row

        if found.problems:
            problems.extend(found.problems)
            continue
        assert element is not None and period is not None and unit is not None
        clean.append(
            CleanValue(
                row=raw.row,
                element=element,
                period=period,
                unit=unit,
                value=value,
                stored_by=stored_by,
                last_updated=last_updated,
                comment=raw.comment,
                follow_up=follow_up,
            )
        )
    return clean, problems
