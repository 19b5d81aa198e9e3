"""Helpers for bundle tests: writing YAML files, loading them, counting rows."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.bundles.loader import BundleError, BundleProblem
from kaohe.bundles.services import LoadReport, do_load_bundles
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import (
    Constant,
    GradeBand,
    Indicator,
    Scheme,
    ScoringItem,
    UnitTarget,
    Veto,
)

FIXTURES = Path(__file__).with_name("fixtures")
LIBRARY = Path(__file__).resolve().parents[2] / "kaohe" / "library" / "2006"
LIBRARY_FILES = sorted(LIBRARY.glob("*.yaml"))

COUNTED = (
    OrgUnit,
    Official,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    Scheme,
    Constant,
    ScoringItem,
    Veto,
    GradeBand,
    UnitTarget,
    AuditEntry,
)


def row_counts() -> dict[str, int]:
    """How many rows every table a bundle can write holds."""
    return {model.__name__: model.objects.count() for model in COUNTED}


def load(*paths: Path | str, dry_run: bool = False) -> LoadReport:
    """Load bundle files as a command-line user would."""
    return do_load_bundles([str(p) for p in paths], Actor.cli("pytest"), dry_run=dry_run)


def load_problems(*paths: Path | str) -> list[BundleProblem]:
    """Load files that must be refused; check nothing was written; return the problems."""
    before = row_counts()
    with pytest.raises(BundleError) as caught:
        load(*paths)
    assert row_counts() == before, "a refused bundle must write nothing"
    return caught.value.problems


def only(problems: list[BundleProblem], kind: str) -> BundleProblem:
    """The one problem of ``kind`` (fails listing all problems otherwise)."""
    found = [p for p in problems if p.kind == kind]
    assert len(found) == 1, "\n".join(str(p) for p in problems)
    return found[0]


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented YAML text to a file in a temporary folder and return its path."""

    def _write(text: str, name: str = "bundle.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write
