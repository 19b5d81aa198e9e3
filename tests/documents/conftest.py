"""The demo township, built once for every test module of tests/documents.

``demo`` builds 示范镇 through the ordinary services (:func:`kaohe.demo.services.do_build_demo`),
assesses every scheme for every demo year and takes it through its outcomes (publication,
weak units and their plans, money paid, the appeal and its corrected run), exactly as
``kaohe demo`` does. It is built once per package run (``scope="package"``: the whole of
tests/documents shares it) inside a transaction that is rolled back when the last test of the
package has run, so nothing leaks into the other test packages; each test that changes rows
does so in its own savepoint on top (the ordinary ``db`` fixture).

``demo.users`` holds a user of every role the permission matrix asks about, made inside the
same transaction (see ``PEOPLE``). ``demo_folder`` is the demo built by ``kaohe demo`` into a
folder of its own, for the browser tests that serve it.

Compare documents with the results pages and selectors, never with hard-coded figures: the
demo's data may change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.publishing import published_run
from kaohe.audit.services import Actor
from kaohe.demo.generator import SCHEME_CODE, TOWNSHIP_CODE
from kaohe.demo.outcomes import DemoOutcomes, do_demo_outcomes
from kaohe.demo.services import DemoSummary, do_assess_demo_schemes, do_build_demo
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme

ROOT = Path(__file__).resolve().parents[2]
# The people of the documents' tests: user name → (role, unit code); None: no role at all.
# "other_admin" runs another township (made for the purpose, beside 示范镇).
OTHER_TOWNSHIP = "DOC_OTHER_TWP"
PEOPLE: dict[str, tuple[str, str] | None] = {
    "township_admin": (Role.TOWNSHIP_ADMIN, TOWNSHIP_CODE),
    "reviewer": (Role.REVIEWER, TOWNSHIP_CODE),
    "reporter": (Role.REPORTER, "V02"),
    "other_admin": (Role.TOWNSHIP_ADMIN, OTHER_TOWNSHIP),
    "no_role": None,
}


@dataclass(frozen=True)
class Demo:
    """The built demo: what was made, the runs by scheme code and year (as assessed first;
    see :meth:`published` for the run now in force), and the outcomes."""

    summary: DemoSummary
    runs: dict[str, dict[int, AssessmentRun]]
    outcomes: DemoOutcomes
    township: OrgUnit
    users: dict[str, User]

    def scheme(self, code: str = SCHEME_CODE) -> Scheme:
        return next(iter(self.runs[code].values())).scheme

    def published(self, code: str = SCHEME_CODE, year: int | None = None) -> AssessmentRun:
        """The published run now in force of ``code`` for ``year`` (default: the scheme's last
        demo year) over the township."""
        if year is None:
            year = max(self.runs[code])
        run = published_run(self.scheme(code), year, self.township)
        assert run is not None, f"{code} {year} has no published run"
        return run

    @property
    def village_years(self) -> list[int]:
        """The years the 2006 village scheme was assessed, oldest first."""
        return sorted(self.runs[SCHEME_CODE])


def _people(actor: Actor, township: OrgUnit) -> dict[str, User]:
    other = OrgUnit.objects.create(
        code=OTHER_TOWNSHIP,
        name="文书测试另一镇",
        name_en="Another township",
        kind=township.kind,
        parent=township.parent,
    )
    users: dict[str, User] = {}
    for name, role in PEOPLE.items():
        user = User.objects.create_user(f"doc_{name}")
        if role is not None:
            unit = other if role[1] == OTHER_TOWNSHIP else OrgUnit.objects.get(code=role[1])
            do_grant_role(actor, user, role[0], unit)
        users[name] = user
    users["superuser"] = User.objects.create_user("doc_superuser", is_superuser=True, is_staff=True)
    return users


@pytest.fixture(scope="package")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    """The demo township, built, assessed and taken through its outcomes, once for the package."""
    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.cli("documents-tests")
        summary = do_build_demo(actor)
        runs = do_assess_demo_schemes(actor, summary.years)
        outcomes = do_demo_outcomes(actor, runs, SCHEME_CODE)
        township = OrgUnit.objects.get(code=TOWNSHIP_CODE)
        users = _people(actor, township)
        yield Demo(summary, runs, outcomes, township, users)
        transaction.set_rollback(True)


@pytest.fixture
def demo_db(demo: Demo, db: None) -> Demo:
    """The demo, for a test that reads or writes the database (in a savepoint of its own)."""
    return demo


@pytest.fixture(scope="package")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the demo built by ``kaohe demo --no-serve`` (its own SQLite file), for
    the tests that serve it to a browser; built once for the package, and only when asked for.
    Nothing of the suite's own environment (its database, Redis) is passed on."""
    from tests.browser.conftest import chromium_or_skip

    chromium_or_skip()  # no demo to build for tests that will not run
    folder = tmp_path_factory.mktemp("documents-demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAOHE_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-m", "kaohe.cli", "demo", "--no-serve", "--dir", str(folder)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"kaohe demo failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return folder


# --- the font the charts of the Word documents are drawn with --------------------------------

# Modules whose tests draw the speech's charts (directly or by building every kind). Without a
# font that has the Chinese glyphs they are skipped, as the browser tests are without Chromium;
# CI installs the font (Debian's fonts-noto-cjk) and sets KAOHE_REQUIRE_FONTS=1, so there they
# must run.
_DRAWING = {"test_word_speech.py", "test_registry.py", "test_report_command.py"}


def _cjk_font_missing() -> str:
    """Why no chart font can be used here ("" when one can)."""
    from kaohe.documents.word.charts import chart_font

    try:
        chart_font()
    except Exception as error:  # the bilingual refusal the documents would give
        return str(error)
    return ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    drawing = [item for item in items if item.path.name in _DRAWING]
    if not drawing or os.environ.get("KAOHE_REQUIRE_FONTS") == "1":
        return
    reason = _cjk_font_missing()
    if reason:
        for item in drawing:
            item.add_marker(pytest.mark.skip(reason=reason))
