"""The demo built through the real services, assessed, and its stories read back from the results."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from kaohe.accounts.models import Membership, Role
from kaohe.assessments.models import UnitResult
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue
from kaohe.demo.generator import TOWNSHIP_CODE
from kaohe.demo.management.commands.demo import sqlite_file_in
from kaohe.demo.services import (
    DemoError,
    DemoSummary,
    do_assess_demo,
    do_build_demo,
    do_ensure_demo_user,
)
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.schemes.models import GradeBand, UnitTarget


@dataclass(frozen=True)
class Row:
    rank: int
    total: float
    grade: str
    vetoed: bool
    vetoes: tuple[str, ...]


@dataclass(frozen=True)
class Built:
    summary: DemoSummary
    seconds: float
    results: dict[int, dict[str, Row]]
    grades_low_to_high: list[str]
    values: int
    value_audit_rows: int
    quota_targets: dict[int, dict[str, float]]


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Built:
    """Build and assess the demo once for the module, read what was stored, roll it back."""
    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.cli("test")
        started = time.perf_counter()
        summary = do_build_demo(actor)
        seconds = time.perf_counter() - started
        runs = do_assess_demo(actor, summary.years)
        results = {
            year: {
                r.unit.code: Row(r.rank, float(r.total), r.grade, r.vetoed, tuple(r.vetoes))
                for r in UnitResult.objects.filter(run=run, kind="village").select_related("unit")
            }
            for year, run in runs.items()
        }
        scheme = next(iter(runs.values())).scheme
        grades = list(
            GradeBand.objects.filter(scheme=scheme)
            .order_by("min_total")
            .values_list("code", flat=True)
        )
        quota_targets: dict[int, dict[str, float]] = {}
        for year, code, value in UnitTarget.objects.filter(
            item__scheme=scheme, item__code="BIRTHS_VS_PLAN"
        ).values_list("year", "unit__code", "value"):
            quota_targets.setdefault(year, {})[code] = value
        out = Built(
            summary=summary,
            seconds=seconds,
            results=results,
            grades_low_to_high=grades,
            values=DataValue.objects.filter(unit__path__contains=f"/{TOWNSHIP_CODE}/").count(),
            value_audit_rows=AuditEntry.objects.filter(action="datavalue.create").count(),
            quota_targets=quota_targets,
        )
        transaction.set_rollback(True)
    return out


def test_the_figures_and_quotas_went_through_the_importer_and_the_loader(built: Built) -> None:
    # Zeros of the spot-check counts are not stored (their zeros carry no meaning).
    assert built.summary.imported + built.summary.ignored == built.summary.values
    assert built.values == built.summary.imported
    assert built.value_audit_rows == built.summary.imported
    assert built.quota_targets == {
        year: {code: float(q) for code, q in quotas.items()}
        for year, quotas in built.summary.quotas.items()
    }


def test_twenty_villages_are_ranked_each_year(built: Built) -> None:
    for year in built.summary.years:
        rows = built.results[year]
        assert sorted(rows) == [f"V{i:02d}" for i in range(1, 21)]
        assert all(1 <= row.rank <= 20 for row in rows.values())


def test_the_over_plan_village_is_vetoed_and_ranked_last(built: Built) -> None:
    s = built.summary.stories
    rows = built.results[s.over_plan_year]
    row = rows[s.over_plan]
    assert "OVER_PLAN" in row.vetoes
    assert row.vetoed
    assert row.grade == "FAIL"
    unvetoed = [r.rank for r in rows.values() if not r.vetoed]
    assert row.rank > max(unvetoed)


def test_the_over_plan_village_is_not_vetoed_in_the_other_year(built: Built) -> None:
    s = built.summary.stories
    for year in built.summary.years:
        if year != s.over_plan_year:
            assert "OVER_PLAN" not in built.results[year][s.over_plan].vetoes


def test_the_village_that_concealed_a_birth_is_vetoed(built: Built) -> None:
    s = built.summary.stories
    row = built.results[s.concealed_year][s.concealed]
    assert row.vetoed
    assert "CONCEALED" in row.vetoes
    assert row.grade == "FAIL"


def test_only_the_story_villages_are_vetoed(built: Built) -> None:
    s = built.summary.stories
    vetoed = {
        (year, code)
        for year, rows in built.results.items()
        for code, row in rows.items()
        if row.vetoed
    }
    assert vetoed == {(s.over_plan_year, s.over_plan), (s.concealed_year, s.concealed)}


def test_the_village_weak_in_both_years_is_in_the_bottom_grades_both_years(built: Built) -> None:
    s = built.summary.stories
    bottom = set(built.grades_low_to_high[:2])
    for year in built.summary.years:
        assert built.results[year][s.weak_both].grade in bottom


def test_weak_villages_rank_below_every_ordinary_village(built: Built) -> None:
    s = built.summary.stories
    for year in built.summary.years:
        rows = built.results[year]
        story = {s.over_plan, s.concealed, s.under_reported, *s.weak[year]}
        ordinary = [row.total for code, row in rows.items() if code not in story]
        for code in s.weak[year]:
            assert rows[code].grade in set(built.grades_low_to_high[:2])
            assert rows[code].total < min(ordinary)


def test_the_under_reporting_village_loses_points_but_is_not_vetoed(built: Built) -> None:
    s = built.summary.stories
    rows = built.results[s.under_reported_year]
    row = rows[s.under_reported]
    assert not row.vetoed
    assert row.total < 100


@pytest.mark.django_db
def test_a_second_build_in_the_same_database_is_refused() -> None:
    do_build_demo(Actor.cli("test"))
    with pytest.raises(DemoError, match="already holds the demo"):
        do_build_demo(Actor.cli("test"))


@pytest.mark.django_db
def test_the_demo_user_is_created_once_and_runs_the_township(client: Client) -> None:
    township = OrgUnit.objects.create(code=TOWNSHIP_CODE, name="示范镇", kind="township")
    first = do_ensure_demo_user(Actor.cli("test"))
    second = do_ensure_demo_user(Actor.cli("test"))
    users = get_user_model().objects.filter(username="demo")
    assert users.count() == 1
    user = users.get()
    assert not user.is_superuser
    assert list(Membership.objects.filter(user=user).values_list("role", "unit")) == [
        (Role.TOWNSHIP_ADMIN, township.pk)
    ]
    assert first != second
    assert user.check_password(second)
    assert client.login(username="demo", password=second)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_command_prints_both_rankings_the_stories_and_the_login() -> None:
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out)
    text = out.getvalue()
    assert "2005" in text and "2006" in text
    assert text.count("名次 rank") >= 2
    assert "V01" in text and "V20" in text
    assert "演示情节 / the demo's stories" in text
    assert "username demo" in text
    assert OrgUnit.objects.filter(kind=UnitKind.VILLAGE).count() == 20


@pytest.mark.django_db
def test_the_command_refuses_a_database_that_holds_other_data() -> None:
    OrgUnit.objects.create(code="REAL_COUNTY", name="某县", kind=UnitKind.COUNTY)
    with pytest.raises(CommandError, match="other data"):
        call_command("demo", no_serve=True, stdout=io.StringIO())
    assert not OrgUnit.objects.filter(code=TOWNSHIP_CODE).exists()


@pytest.mark.django_db
def test_the_command_does_not_delete_a_demo_database_outside_its_folder() -> None:
    do_build_demo(Actor.cli("test"))
    with pytest.raises(CommandError, match="not deleted"):
        call_command("demo", no_serve=True, stdout=io.StringIO())


def test_only_the_sqlite_file_inside_the_demo_folder_may_be_deleted(tmp_path: Path) -> None:
    sqlite = "django.db.backends.sqlite3"
    inside = {"ENGINE": sqlite, "NAME": str(tmp_path / "kaohe.sqlite3")}
    assert sqlite_file_in(tmp_path, inside) == (tmp_path / "kaohe.sqlite3").resolve()
    elsewhere = {"ENGINE": sqlite, "NAME": str(tmp_path / "other" / "kaohe.sqlite3")}
    assert sqlite_file_in(tmp_path, elsewhere) is None
    assert sqlite_file_in(tmp_path, {"ENGINE": sqlite, "NAME": ":memory:"}) is None
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "kaohe"}
    assert sqlite_file_in(tmp_path, postgres) is None
