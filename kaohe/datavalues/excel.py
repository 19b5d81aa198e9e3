"""The Excel round trip: download a template, fill it in with Excel or WPS, upload it.

:func:`build_template` writes the .xlsx (see :mod:`kaohe.datavalues.excel_format` for its
layout and :mod:`kaohe.datavalues.excel_template` for how it is protected);
:func:`read_upload` reads an uploaded file back (:mod:`kaohe.datavalues.excel_reading`); and
:func:`do_import_upload` checks every value with the import's own rules and writes them all,
or nothing, through the import's write path with its audit rows.

What an upload may be:

* a workbook made from a template (.xlsx, or .xlsm whose macros are ignored);
* a DHIS2 CSV (UTF-8 or GBK, as Excel and WPS save it on Chinese Windows) or JSON data value
  set: handed to :func:`~kaohe.datavalues.services.do_import_values` as it is;
* refused with a reason: a legacy .xls (or WPS .et, .xlsb, .ods: save as .xlsx), an
  encrypted (password-to-open) workbook, a damaged file, a workbook not made from a template.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final

from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor

from .excel_format import CellProblem, TemplateError
from .excel_reading import ParsedUpload, UploadCell, read_workbook
from .excel_template import build_template
from .importing import CSV_COLUMNS, ImportProblem, read_values, validate_values
from .services import ImportSummary, apply_clean_values, do_import_values

__all__ = [
    "WORKBOOK_SUFFIXES",
    "CellProblem",
    "ParsedUpload",
    "TemplateError",
    "UploadCell",
    "UploadSummary",
    "build_template",
    "do_import_upload",
    "read_upload",
]

#: File name endings that are read as workbooks (or refused as the wrong kind of workbook),
#: never as text. ``kaohe import`` dispatches these here.
WORKBOOK_SUFFIXES: Final = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".et", ".ett")
_TEXT_SUFFIXES: Final = {".csv": "csv", ".json": "json", ".txt": "auto", "": "auto"}
_LEGACY_SUFFIXES: Final = (".xls", ".xlt", ".et", ".ett", ".xlsb", ".ods")
_ZIP: Final = b"PK\x03\x04"
# Microsoft's compound file (OLE2): legacy .xls and WPS .et, and also every encrypted OOXML
# workbook, which is a compound file holding the streams EncryptionInfo and EncryptedPackage.
_COMPOUND_FILE: Final = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED_STREAM: Final = "EncryptedPackage".encode("utf-16-le")
_STRICT_OOXML: Final = b"purl.oclc.org/ooxml/spreadsheetml/main"
# A template of hundreds of units unzips to a few megabytes; far more is a zip bomb.
MAX_UNZIPPED_BYTES: Final = 200 << 20


@dataclass
class UploadSummary(ImportSummary):
    """What an upload did, with notes on what was read in a particular way or ignored."""

    notes: list[str] = field(default_factory=list)
    dataset_code: str = ""
    period_code: str = ""

    def lines(self) -> list[str]:
        """The summary for people, one bilingual line each."""
        # The base class's first line names a text encoding, which a workbook does not have.
        head = _("格式 / format: {fmt}").format(fmt=self.fmt.upper())
        if self.dataset_code:
            head += _("，数据集 / data set: {dataset}，期间 / period: {period}").format(
                dataset=self.dataset_code, period=self.period_code
            )
        return [head, *self.notes, *super().lines()[1:]]


class _Refusal(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _save_as_xlsx(suffix: str) -> str:
    return _(
        "不支持 {suffix} 格式，请在 Excel 或 WPS 中“另存为” .xlsx（Excel 工作簿）后再上传 / "
        "{suffix} files are not supported: save as .xlsx (Excel workbook) in Excel or WPS and "
        "upload again"
    ).format(suffix=suffix or _("旧版 Excel"))


def _zip_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        names = {info.filename for info in infos}
        workbook_xml = archive.read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise _Refusal(_damaged()) from None
    if "xl/workbook.bin" in names:
        raise _Refusal(_save_as_xlsx(".xlsb"))
    if "content.xml" in names or "mimetype" in names:
        raise _Refusal(_save_as_xlsx(".ods"))
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _Refusal(_not_a_workbook())
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise _Refusal(
            _(
                "工作簿解压后超过 {mb} MB，过大，无法读取 / the workbook unpacks to more than "
                "{mb} MB, too large to read"
            ).format(mb=MAX_UNZIPPED_BYTES >> 20)
        )
    if _STRICT_OOXML in workbook_xml:
        raise _Refusal(
            _(
                "文件为“Strict Open XML 电子表格”格式，请另存为普通的 Excel 工作簿 (.xlsx) / the "
                'file is a "Strict Open XML Spreadsheet": save it as an ordinary Excel workbook '
                "(.xlsx)"
            )
        )
    return "xlsm" if "xl/vbaProject.bin" in names else "xlsx"


def _damaged() -> str:
    return _(
        "文件已损坏，无法作为 Excel 工作簿读取；请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传 / "
        "the file is damaged and cannot be read as an Excel workbook: open it in Excel or WPS, "
        "save it as .xlsx and upload again"
    )


def _not_a_workbook() -> str:
    return _("文件不是 Excel 工作簿 (.xlsx) / the file is not an Excel workbook (.xlsx)")


def _kind(data: bytes, filename: str) -> str:
    """``xlsx``, ``xlsm``, or a text format for the CSV/JSON import; :class:`_Refusal` else."""
    suffix = PurePath(filename).suffix.lower()
    if not data:
        raise _Refusal(_("文件为空 / the file is empty"))
    if data.startswith(_COMPOUND_FILE):
        if _ENCRYPTED_STREAM in data:
            raise _Refusal(
                _(
                    "文件设置了打开密码（已加密），无法读取；请在 Excel 或 WPS 中取消密码"
                    "（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后保存再上传 / the file "
                    "is password-protected (encrypted) and cannot be read: remove the password "
                    "to open in Excel or WPS, save and upload again"
                )
            )
        raise _Refusal(_save_as_xlsx(suffix if suffix in _LEGACY_SUFFIXES else ".xls"))
    if data.startswith(_ZIP):
        return _zip_kind(data)
    if suffix in _LEGACY_SUFFIXES:
        # Some systems save HTML or XML tables under .xls; Excel opens them, so can the clerk.
        raise _Refusal(_save_as_xlsx(suffix))
    if suffix in WORKBOOK_SUFFIXES:
        raise _Refusal(_damaged())
    if suffix not in _TEXT_SUFFIXES:
        raise _Refusal(
            _(
                "不支持 {suffix} 文件，请上传由模板填写的 .xlsx 或 DHIS2 CSV / {suffix} files are "
                "not supported: upload an .xlsx filled in from a template, or a DHIS2 CSV"
            ).format(suffix=suffix)
        )
    return _TEXT_SUFFIXES[suffix]


def read_upload(data: bytes, *, filename: str) -> ParsedUpload:
    """Read an uploaded file: a workbook made from a template, or a DHIS2 CSV/JSON file.

    Writes nothing and checks only what the file itself shows (structure, hidden codes, cells
    that cannot be values); :func:`do_import_upload` adds the import's checks of each value.
    A CSV or JSON file is read by the import's own reader (``cells`` stays empty).
    """
    try:
        kind = _kind(data, filename)
    except _Refusal as refusal:
        return ParsedUpload(fmt="").refuse(refusal.reason)
    return _read(data, kind)


def _read(data: bytes, kind: str) -> ParsedUpload:
    if kind in ("xlsx", "xlsm"):
        parsed = read_workbook(data, fmt=kind)
        if kind == "xlsm" and not parsed.refused:
            parsed.notes.insert(0, _("已忽略文件中的宏 / the file's macros were ignored"))
        return parsed
    text = read_values(io.BytesIO(data), fmt=kind)
    return ParsedUpload(
        fmt=text.fmt,
        encoding_used=text.encoding_used,
        rows=text.rows,
        problems=text.problems,
        refused=text.unreadable,
    )


def _outside(parsed: ParsedUpload, units: Collection[str]) -> list[ImportProblem]:
    return [
        CellProblem(
            None,
            "",
            unit,
            _("无权填报单位 {unit} 的数据 / you may not enter data for unit {unit}").format(
                unit=unit
            ),
            sheet=title,
        )
        for unit, title in parsed.unit_sheets.items()
        if unit not in units
    ]


def do_import_upload(
    data: bytes,
    *,
    filename: str,
    actor: Actor,
    dry_run: bool = False,
    units: Collection[str] | None = None,
) -> ImportSummary:
    """Import an uploaded workbook (or CSV/JSON file): every value, or nothing.

    A CSV or JSON file goes to :func:`~kaohe.datavalues.services.do_import_values` unchanged.
    A workbook is read (:func:`read_upload`), every value checked by the import's own
    :func:`~kaohe.datavalues.importing.validate_values`, and only if there is no problem at
    all are the values written, in one transaction with one audit row per change (channel
    from ``actor``). Problems name the sheet, the cell, its value and a bilingual reason.
    ``units``, when given, are the unit codes the actor may write; a sheet of any other unit
    is a problem. A dry run checks and counts, and writes nothing.
    """
    try:
        kind = _kind(data, filename)
    except _Refusal as refusal:
        suffix = PurePath(filename).suffix.lstrip(".").lower()
        summary = UploadSummary(fmt=suffix or "?", dry_run=dry_run)
        summary.problems = [ImportProblem(None, "", "", refusal.reason)]
        return summary
    if kind not in ("xlsx", "xlsm"):
        return do_import_values(io.BytesIO(data), actor=actor, fmt=kind, dry_run=dry_run)

    parsed = _read(data, kind)
    summary = UploadSummary(
        fmt=parsed.fmt,
        dry_run=dry_run,
        rows=len(parsed.rows),
        notes=parsed.notes,
        dataset_code=parsed.dataset_code,
        period_code=parsed.period_code,
    )
    if parsed.refused:
        summary.problems = parsed.problems
        return summary
    problems = list(parsed.problems)
    if units is not None:
        problems += _outside(parsed, set(units))
    values, invalid = validate_values(parsed.rows, CSV_COLUMNS, default_stored_by=actor.name)
    problems += [parsed.locate(problem) for problem in invalid]
    if problems:
        summary.problems = sorted(problems, key=parsed.problem_order)
        return summary
    with transaction.atomic():
        # The import's own write path: bulk writes and one audit row per change.
        apply_clean_values(values, actor=actor, dry_run=dry_run, summary=summary)
    return summary
