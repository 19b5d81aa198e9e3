"""Results downloads, live recomputation, the data values API, tokens and deployment checks.

Two worlds, each built once per module and rolled back afterwards: the small county of
tests/access (a user for every role) for who may see what, and the demo township of
tests/assessments (vetoes, many items) for what the files hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO

from django.test import Client
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.access.conftest import World, world  # noqa: F401  (a fixture, used by name)
from tests.assessments.conftest import demo_runs  # noqa: F401  (a fixture, used by name)


def client_for(world: World, role: str) -> Client:  # noqa: F811
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def content_of(response: object) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def sheet_of(response: object) -> Worksheet:
    workbook = load_workbook(BytesIO(content_of(response)))
    return workbook.worksheets[0]


def rows_of(sheet: Worksheet) -> Iterator[tuple[object, ...]]:
    yield from sheet.iter_rows(values_only=True)
