"""DHIS2's data value set formats: CSV, JSON (one-form and bulk) and ADX XML.

:func:`read_values` turns a file into batches of text columns (:mod:`.base`), whatever its
format; the writers (:func:`write_csv`, :func:`write_json`, :func:`write_adx`) turn values
into text, piece by piece, for a streamed response or file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from .adx import ADX_NAMESPACE, combo_text, read_adx, write_adx
from .base import (
    COLUMNS,
    FORMATS,
    Conflict,
    Digest,
    ExportValue,
    ReadChunk,
    UnreadableFile,
    decoded_chunks,
    detect_encoding,
    raw_chunks,
    seekable,
    sniff_format,
)
from .dvs_csv import EXPORT_HEADER, read_csv, write_csv
from .dvs_json import FormHeader, read_json, write_json

__all__ = [
    "ADX_NAMESPACE",
    "COLUMNS",
    "EXPORT_HEADER",
    "FORMATS",
    "Conflict",
    "Digest",
    "ExportValue",
    "FormHeader",
    "ReadChunk",
    "UnreadableFile",
    "combo_text",
    "detect_encoding",
    "read_values",
    "seekable",
    "sniff_format",
    "write_adx",
    "write_csv",
    "write_json",
]


def read_values(stream: IO[bytes], fmt: str, encoding: str) -> Iterator[ReadChunk]:
    """The values of ``stream`` (``fmt``: csv, json or adx; ``encoding`` as found by
    :func:`~.base.detect_encoding`), a batch at a time. Raises :class:`UnreadableFile` when
    the file as a whole cannot be read, possibly after some batches were given."""
    if fmt == "csv":
        return read_csv(stream, encoding)
    if fmt == "json":
        return read_json(decoded_chunks(stream, encoding))
    if fmt == "adx":
        # XML says its own encoding (UTF-8 unless declared otherwise).
        return read_adx(raw_chunks(stream))
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
