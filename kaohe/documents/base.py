"""What every generated document takes and gives: one request, one file.

Each kind of document (a workbook, a notice, the speech draft) is a function
``build(request: DocumentRequest) -> Document``, registered under its kind name in
:mod:`kaohe.documents.registry`; the pages, ``kaohe report KIND`` and the API all go through
that registry, so each kind is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme


class DocumentError(Exception):
    """A document cannot be made (no published run, nothing to report…); the message is
    bilingual ("中文 / English") and ``field`` names the request field at fault, if any."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DocumentRequest:
    """A document for one township (``root``), one scheme and one year, made for ``user`` (who
    must be allowed to see the township: checked before the request is built) in ``language``
    ("zh-hans" or "en"; Chinese documents are the offices' own, English ones a translation)."""

    scheme: Scheme
    year: int
    root: OrgUnit
    user: Any
    language: str = "zh-hans"


@dataclass(frozen=True)
class Document:
    """A finished file: its download name, MIME type and bytes."""

    filename: str
    content_type: str
    content: bytes


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
