"""A small DHIS2-compatible receiver of data value sets, run in a thread for the push tests.

It answers ``POST /api/dataValueSets`` as DHIS2 (2.38 and later) does: a web message whose
``response`` is an import summary, with the import strategy CREATE_AND_UPDATE — a new value is
imported, a changed one updated, an unchanged one ignored. Before storing anything it checks
the request against the published structure of a data value set (required keys and their
types, DHIS2 period codes, the import options in the query) and the credentials; what it finds
wrong is answered as DHIS2 would (401, 409 with conflicts) and kept in ``problems`` so that a
test can say exactly what was wrong. ``canned`` replies (e.g. a 503) are given first, in order.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# DHIS2 period codes (the period types of its documentation).
PERIOD = re.compile(
    r"^(\d{4}"  # yearly
    r"|\d{4}(0[1-9]|1[0-2])"  # monthly
    r"|\d{4}(0[1-9]|1[0-2])([0-2]\d|3[01])"  # daily
    r"|\d{4}Q[1-4]"  # quarterly
    r"|\d{4}S[12]|\d{4}AprilS[12]|\d{4}NovS[12]"  # six-monthly
    r"|\d{4}(0[1-9]|1[0-2])B"  # bi-monthly
    r"|\d{4}(Bi)?W([1-9]|[1-4]\d|5[0-3])"  # weekly, bi-weekly
    r"|\d{4}(April|July|Oct|Nov))$"  # financial years
)
REQUIRED = {"dataElement": str, "period": str, "orgUnit": str, "value": str}
OPTIONAL = {
    "categoryOptionCombo": str,
    "attributeOptionCombo": str,
    "storedBy": str,
    "created": str,
    "lastUpdated": str,
    "comment": str,
    "followup": bool,
}
ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?)?$"
)


@dataclass
class Canned:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Receiver:
    """What the server expects, holds and has seen."""

    authorization: str  # the exact Authorization header it accepts
    canned: list[Canned] = field(default_factory=list)
    # (element, period, unit, category option combo, attribute option combo) → value
    stored: dict[tuple[str, str, str, str, str], str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    url: str = ""

    def check(self, document: Any) -> list[dict[str, str]]:
        """Conflicts with the published structure, one per bad value (object, value)."""
        if not isinstance(document, dict) or not isinstance(document.get("dataValues"), list):
            return [{"object": "dataValues", "value": "expected an object with dataValues"}]
        conflicts = []
        for index, row in enumerate(document["dataValues"]):
            where = f"dataValues[{index}]"
            if not isinstance(row, dict):
                conflicts.append({"object": where, "value": "not an object"})
                continue
            for key, kind in REQUIRED.items():
                if not isinstance(row.get(key), kind) or not row[key]:
                    conflicts.append({"object": f"{where}.{key}", "value": "missing or not text"})
            for key, value in row.items():
                if key in REQUIRED:
                    continue
                kind = OPTIONAL.get(key)
                if kind is None:
                    conflicts.append({"object": f"{where}.{key}", "value": "unknown property"})
                elif not isinstance(value, kind):
                    conflicts.append({"object": f"{where}.{key}", "value": "wrong type"})
            if isinstance(row.get("period"), str) and not PERIOD.match(row["period"]):
                conflicts.append({"object": row["period"], "value": "not a DHIS2 period"})
            moment = row.get("lastUpdated")
            if isinstance(moment, str) and not ISO_MOMENT.match(moment):
                conflicts.append({"object": moment, "value": "not an ISO 8601 date-time"})
        return conflicts

    def answer(self, query: dict[str, list[str]], document: Any) -> tuple[int, dict[str, Any]]:
        options = {key: values[0] for key, values in query.items()}
        if options.get("importStrategy") != "CREATE_AND_UPDATE":
            self.problems.append(f"query importStrategy={options.get('importStrategy')!r}")
        schemes = {options.get(k) for k in ("idScheme", "dataElementIdScheme", "orgUnitIdScheme")}
        if len(schemes) != 1 or not schemes <= {"CODE", "NAME", "UID"}:
            self.problems.append(f"query id schemes {sorted(map(str, schemes))}")
        conflicts = self.check(document)
        if conflicts:
            self.problems += [f"{c['object']}: {c['value']}" for c in conflicts]
            return 409, _message("ERROR", 409, {"imported": 0}, conflicts)
        dry = options.get("dryRun") == "true"
        counts = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0}
        for row in document["dataValues"]:
            key = (
                row["dataElement"],
                row["period"],
                row["orgUnit"],
                row.get("categoryOptionCombo") or "default",
                row.get("attributeOptionCombo") or "default",
            )
            before = self.stored.get(key)
            if before is None:
                counts["imported"] += 1
            elif before == row["value"]:
                counts["ignored"] += 1
            else:
                counts["updated"] += 1
            if not dry:
                self.stored[key] = row["value"]
        return 200, _message("SUCCESS", 200, counts, [])


def _message(
    status: str, code: int, counts: dict[str, int], conflicts: list[dict[str, str]]
) -> dict[str, Any]:
    full = {"imported": 0, "updated": 0, "ignored": 0, "deleted": 0, **counts}
    return {
        "httpStatus": "OK" if code == 200 else "Conflict",
        "httpStatusCode": code,
        "status": "OK" if code == 200 else "ERROR",
        "message": "Import was successful." if code == 200 else "An error occurred.",
        "response": {
            "responseType": "ImportSummary",
            "status": status,
            "importOptions": {"importStrategy": "CREATE_AND_UPDATE"},
            "description": "Import process completed successfully",
            "importCount": full,
            "conflicts": conflicts,
            "dataSetComplete": "false",
        },
    }


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode() if body is not None else b""
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen = {
                "path": parts.path,
                "query": parse_qs(parts.query),
                "headers": dict(self.headers.items()),
                "body": raw,
            }
            receiver.requests.append(seen)
            if receiver.canned:
                canned = receiver.canned.pop(0)
                self._send(canned.status, canned.body, canned.headers)
                return
            if parts.path != "/api/dataValueSets":
                self._send(404, {"httpStatusCode": 404, "message": "not found"})
                return
            if self.headers.get("Authorization") != receiver.authorization:
                receiver.problems.append("authorization")
                self._send(401, {"httpStatusCode": 401, "message": "Unauthorized"})
                return
            if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                receiver.problems.append("content type")
            try:
                document = json.loads(raw.decode("utf-8"))
            except ValueError:
                receiver.problems.append("not JSON")
                self._send(400, {"httpStatusCode": 400, "message": "bad JSON"})
                return
            code, body = receiver.answer(seen["query"], document)
            self._send(code, body)

    return Handler


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    """Serve ``receiver`` on a free local port for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
