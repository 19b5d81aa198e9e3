"""Talking to a DHIS2-compatible endpoint: the data value set sent, the import summary read.

What is sent is the bulk DHIS2 data value set in JSON that the data value exports write
(:mod:`kaohe.interop.formats`): ``{"dataValues": [{"dataElement", "period", "orgUnit",
"categoryOptionCombo", "attributeOptionCombo", "value", "storedBy", "created", "lastUpdated",
"comment", "followup"}]}``, identifiers by code (or by name, or by the uids registered on the
mappings page), values as text. It is POSTed to ``{URL}/api/dataValueSets`` with the same
identifier scheme, ``importStrategy=CREATE_AND_UPDATE`` (and ``dryRun``), so sending the same
values again changes nothing there: the receiver counts them as ignored.

What comes back is an import summary (``importCount``: imported, updated, ignored, deleted;
``conflicts``), either alone (older DHIS2) or as the ``response`` of a web message (2.36 and
later); :func:`read_import_summary` reads both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

from kaohe.interop.formats import ExportValue, write_json

__all__ = [
    "ImportSummary",
    "endpoint",
    "read_import_summary",
    "set_body",
]

API_PATH: Final = "/api/dataValueSets"
COUNTS: Final = ("imported", "updated", "ignored", "deleted")


def set_body(values: Iterable[ExportValue]) -> bytes:
    """The exact bytes sent for ``values``: the bulk JSON data value set the data value
    exports write (:func:`kaohe.interop.formats.write_json`), the same bytes every time."""
    return "".join(write_json(values)).encode("utf-8")


def endpoint(url: str, *, dry_run: bool, id_scheme: str = "code") -> str:
    """Where to POST: ``{url}/api/dataValueSets`` (unless ``url`` already ends so) with the
    import options in the query: identifiers by ``id_scheme`` (``code``, ``name`` or ``uid``),
    create and update, ``dryRun``. Raises ValueError for a URL that is not http(s), or that
    carries a user name or password (credentials come from the environment only)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http or https URL")
    if parts.username or parts.password:
        raise ValueError("the URL carries credentials")
    path = parts.path.rstrip("/")
    if not path.endswith(API_PATH):
        path += API_PATH
    scheme = id_scheme.upper()
    query = urlencode(
        {
            "idScheme": scheme,
            "dataElementIdScheme": scheme,
            "orgUnitIdScheme": scheme,
            "importStrategy": "CREATE_AND_UPDATE",
            "dryRun": "true" if dry_run else "false",
        }
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


@dataclass(frozen=True)
class ImportSummary:
    """The counters and conflicts of a DHIS2 import summary."""

    status: str
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    raw: Mapping[str, Any] = field(default_factory=dict)


def _count(counts: Mapping[str, Any], name: str) -> int:
    value = counts.get(name, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def read_import_summary(document: Any) -> ImportSummary | None:
    """The import summary in a reply: the document itself, or its ``response`` (a web
    message); None when neither carries ``importCount``."""
    if not isinstance(document, dict):
        return None
    summary = document
    if "importCount" not in summary and isinstance(document.get("response"), dict):
        summary = document["response"]
    counts = summary.get("importCount")
    if not isinstance(counts, dict):
        return None
    conflicts = []
    for conflict in summary.get("conflicts") or []:
        if isinstance(conflict, dict):
            conflicts.append(
                {"object": str(conflict.get("object", "")), "value": str(conflict.get("value", ""))}
            )
    return ImportSummary(
        status=str(summary.get("status", "")),
        conflicts=conflicts,
        raw=summary,
        **{name: _count(counts, name) for name in COUNTS},
    )
