"""``kaohe audit``: the audit log on the command line, through the page's filter form."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor, record

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def entries() -> dict[str, AuditEntry]:
    alice = Actor(name="alice", channel=Channel.WEB)
    bob = Actor(name="bob", channel=Channel.API)
    made = {
        "old": record(alice, "user.create", "user", "carol", None, {"name": "carol"}),
        "value": record(bob, "datavalue.set", "datavalue", "E1/2026/V01", {"v": 1}, {"v": 2}),
        "formula": record(
            Actor.cli("ops"), "element.rename", "element", "=1+2", None, {"name": "x"}
        ),
        "system": record(Actor.system(), "run.create", "run", "7"),
    }
    AuditEntry.objects.filter(pk=made["old"].pk).update(
        at=timezone.make_aware(datetime(2025, 1, 15, 10, 0))
    )
    return made


def _actions(text: str) -> list[str]:
    return [
        a for a in ("user.create", "datavalue.set", "element.rename", "run.create") if a in text
    ]


def test_lists_every_entry_newest_first_as_a_table(entries: dict[str, AuditEntry]) -> None:
    text = run()
    assert "→" in text and "alice" in text and "ops" in text
    positions = [text.index(a) for a in ("run.create", "element.rename", "user.create")]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--actor", "ALI"], ["user.create"]),
        (["--action", "datavalue."], ["datavalue.set"]),
        (["--channel", "api"], ["datavalue.set"]),
        (["--channel", "system"], ["run.create"]),
        (["--object-type", "element"], ["element.rename"]),
        (["--object", "2026/V01"], ["datavalue.set"]),
        (["--until", "2025-01-15"], ["user.create"]),
        (["--since", "2025-01-16"], ["datavalue.set", "element.rename", "run.create"]),
    ],
)
def test_filters_narrow(
    entries: dict[str, AuditEntry], args: list[str], expected: list[str]
) -> None:
    assert _actions(run(*args)) == expected


def test_limit_keeps_the_newest(entries: dict[str, AuditEntry]) -> None:
    assert _actions(run("--limit", "1")) == ["run.create"]


def test_bad_dates_are_refused(entries: dict[str, AuditEntry]) -> None:
    with pytest.raises(CommandError):
        run("--since", "2026-02-01", "--until", "2026-01-01")
    with pytest.raises(CommandError):
        run("--since", "yesterday")


def test_csv_neutralises_formula_cells(entries: dict[str, AuditEntry]) -> None:
    text = run("--format", "csv", "--action", "element.")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][3] == "element.rename"
    assert rows[1][5] == "'=1+2"


def test_output_writes_a_file(entries: dict[str, AuditEntry], tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    assert run("--format", "csv", "--output", str(target)) == ""
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline="")))
    assert len(rows) == 5
