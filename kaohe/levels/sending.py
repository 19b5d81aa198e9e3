"""POSTing one batch, with retries and exponential backoff.

A reply in the 5xx range, a refused or broken connection and a timeout are retried after 1, 2,
4, 8 … seconds (``backoff`` × 2ⁿ, or the server's ``Retry-After`` when it names a number of
seconds, at most :data:`MAX_WAIT`); a 4xx reply — a refusal (401, 403), a bad request, a
conflict (409) — is final: sending the same bytes again would get the same answer.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["Credentials", "Reply", "Sender", "credentials_from"]

ENV_TOKEN: Final = "KAOHE_PUSH_TOKEN"
ENV_USER: Final = "KAOHE_PUSH_USER"
ENV_PASSWORD: Final = "KAOHE_PUSH_PASSWORD"
MAX_WAIT: Final = 60.0


@dataclass(frozen=True)
class Credentials:
    """How to sign in: ``kind`` is ``token`` or ``basic``; ``header`` is never stored."""

    kind: str
    header: str

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(kind={self.kind!r})"


def credentials_from(environ: Mapping[str, str]) -> Credentials | None:
    """A DHIS2 personal access token from ``KAOHE_PUSH_TOKEN`` (``Authorization: ApiToken …``),
    else a user name and password from ``KAOHE_PUSH_USER`` and ``KAOHE_PUSH_PASSWORD`` (basic
    authentication); None when neither is set."""
    token = environ.get(ENV_TOKEN, "").strip()
    if token:
        return Credentials("token", f"ApiToken {token}")
    user, password = environ.get(ENV_USER, ""), environ.get(ENV_PASSWORD, "")
    if user:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return Credentials("basic", f"Basic {pair}")
    return None


@dataclass(frozen=True)
class Reply:
    """What came back for one batch after all attempts: the last HTTP status (None when no
    reply came), its JSON body, how many attempts were made, and why it failed if it did."""

    status: int | None
    body: Any
    attempts: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return min(float(value), MAX_WAIT) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to the backoff


class Sender:
    """Sends batches to one endpoint; ``sleep`` waits between attempts."""

    def __init__(
        self,
        *,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep

    def post(self, url: str, body: bytes, credentials: Credentials) -> Reply:
        """POST ``body`` (JSON) to ``url``, retrying what may pass on a second try."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": credentials.header,
        }
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return Reply(response.status, _json(response.read()), attempt)
            except urllib.error.HTTPError as error:
                reply = Reply(error.code, _json(error.read()), attempt, f"HTTP {error.code}")
                if error.code < 500:
                    return reply
                wait = _retry_after(error.headers)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                reason = getattr(error, "reason", error)
                reply = Reply(None, None, attempt, str(reason))
            if attempt > self.retries:
                return reply
            self.sleep(wait if wait is not None else self.backoff * 2 ** (attempt - 1))
