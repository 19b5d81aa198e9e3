"""The one exception the expression language raises, with a bilingual, caret-pointed message."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


class ExpressionError(ValueError):
    """An expression could not be parsed, checked or compiled.

    ``line`` and ``column`` are 1-based and count characters (not bytes). ``code`` is a short
    machine-readable kind (``"syntax"``, ``"unknown_element"``, ``"type"`` …) for callers that
    want to branch on the kind of mistake without parsing the text.
    """

    def __init__(
        self,
        text: str,
        line: int,
        column: int,
        message_zh: str,
        message_en: str,
        code: str = "error",
    ) -> None:
        super().__init__(message_en)
        self.text = text
        self.line = line
        self.column = column
        self.message_zh = message_zh
        self.message_en = message_en
        self.code = code

    @property
    def message(self) -> str:
        """The bilingual one-line message with its position, without the source excerpt."""
        return (
            f"第{self.line}行第{self.column}列：{self.message_zh} / "
            f"line {self.line}, column {self.column}: {self.message_en}"
        )

    def __str__(self) -> str:
        return f"{self.message}\n{source_excerpt(self.text, self.line, self.column)}"

    def __repr__(self) -> str:
        return (
            f"ExpressionError(code={self.code!r}, line={self.line}, column={self.column}, "
            f"message_en={self.message_en!r})"
        )

    def __reduce__(self) -> tuple[type[ExpressionError], tuple[str, int, int, str, str, str]]:
        # ValueError pickles only its args; errors cross process boundaries in worker pools.
        return (
            ExpressionError,
            (self.text, self.line, self.column, self.message_zh, self.message_en, self.code),
        )


def source_excerpt(text: str, line: int, column: int, indent: str = "  ") -> str:
    """The source line ``line`` of ``text`` and a caret under ``column`` (both 1-based).

    The caret lines up in a terminal even when the line holds tabs or full-width (Chinese)
    characters, which take two cells: the padding copies tabs and doubles wide characters.
    """
    # Split on "\n" only, as the lexer counts lines; str.splitlines would also split on
    # form feeds and Unicode separators and disagree with the reported line number.
    lines = text.split("\n")
    source_line = lines[line - 1].rstrip("\r") if 1 <= line <= len(lines) else ""
    padding = []
    for char in source_line[: max(column - 1, 0)]:
        if char == "\t":
            padding.append("\t")
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            padding.append("  ")
        else:
            padding.append(" ")
    # A caret just past the end of the line (an unexpected end of input) still needs room.
    padding.extend(" " * max(column - 1 - len(source_line), 0))
    return f"{indent}{source_line}\n{indent}{''.join(padding)}^"


def position_of(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of the 0-based character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def suggestion(name: str, candidates: Iterable[str]) -> tuple[str, str]:
    """A "did you mean" hint for a misspelt ``name``, in Chinese and English (``""`` if none)."""
    names = sorted(candidates)
    # Case-insensitive matches first: IF( and births for BIRTHS are the commonest slips.
    folded = [candidate for candidate in names if candidate.lower() == name.lower()]
    matches = folded or difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    if not matches:
        return "", ""
    return f'（是否应为 "{matches[0]}"？）', f' (did you mean "{matches[0]}"?)'
