"""Reading a generated .docx back as a person sees it: paragraphs, tables, pictures."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from docx import Document

from kaohe.documents.base import DocumentRequest
from kaohe.documents.word import build_commendation, build_criticism, build_speech

from .conftest import Demo

BUILDERS = {
    "speech": build_speech,
    "commendation": build_commendation,
    "criticism": build_criticism,
}
# What must never be left in a finished document: the seed's blanks, unfilled placeholders.
LEFTOVERS = re.compile(r"×|\*\*|\{\{|\}\}|\{%|%\}")


@dataclass(frozen=True)
class Read:
    filename: str
    paragraphs: tuple[str, ...]
    tables: tuple[tuple[tuple[str, ...], ...], ...]
    pictures: int

    @property
    def text(self) -> str:
        cells = ["\t".join(row) for table in self.tables for row in table]
        return "\n".join([*self.paragraphs, *cells])

    def paragraph_with(self, start: str) -> str:
        """The first paragraph starting with ``start``."""
        return next(p for p in self.paragraphs if p.startswith(start))

    def after(self, heading: str) -> str:
        """The paragraph that follows the one reading ``heading``."""
        return self.paragraphs[self.paragraphs.index(heading) + 1]

    def table_rows(self, index: int = 0) -> list[tuple[str, ...]]:
        """A table's rows below its header."""
        return list(self.tables[index][1:])


def read(content: bytes, filename: str = "") -> Read:
    document = Document(io.BytesIO(content))
    return Read(
        filename=filename,
        paragraphs=tuple(p.text for p in document.paragraphs if p.text.strip()),
        tables=tuple(
            tuple(tuple(cell.text for cell in row.cells) for row in table.rows)
            for table in document.tables
        ),
        pictures=len(document.inline_shapes),
    )


def build(demo: Demo, kind: str, code: str, year: int, language: str = "zh-hans") -> Read:
    request = DocumentRequest(
        scheme=demo.scheme(code),
        year=year,
        root=demo.township,
        user=demo.users["township_admin"],
        language=language,
    )
    document = BUILDERS[kind](request)
    return read(document.content, document.filename)
