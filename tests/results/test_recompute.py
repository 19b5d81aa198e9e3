"""Live results: a committed change of figures re-runs the draft runs that read them, inline.

The world (tests/access) has two draft runs of the ACCESS scheme for 2006: one of the whole
county (root: none) and one of 丙镇 T02 alone. In each of three months of 2006 甲家村 VA01
reported 3 births, 乙家村 VB01 4 and 丁家村 VZ01 2; the PLAN item reads their sum.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from kaohe.assessments.models import AssessmentRun, ItemResult, RunStatus
from kaohe.assessments.recompute import (
    RunKey,
    affected_runs,
    do_recompute,
    schedule_recompute,
)
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_import_values, do_set_value
from kaohe.engine.periods import parse_period
from kaohe.orgunits.models import OrgUnit
from tests.access.conftest import World

pytestmark = pytest.mark.django_db

ACTOR = Actor.cli("pytest")
HEADER = "dataelement,period,orgunit,catoptcombo,attroptcombo,value\n"


def key_all(world: World) -> RunKey:
    return RunKey(world.run_all.scheme_id, 2006, None)


def key_t02(world: World) -> RunKey:
    return RunKey(world.run_t02.scheme_id, 2006, world.run_t02.root_id)


def runs_of(key: RunKey) -> list[AssessmentRun]:
    """The key's runs, newest first."""
    return list(
        AssessmentRun.objects.filter(
            scheme_id=key.scheme_id, year=key.year, root_id=key.root_id
        ).order_by("-created_at", "-id")
    )


def births(unit: str, value: int, month: str = "200603", **extra: Any) -> None:
    do_set_value(
        actor=ACTOR,
        element_code="BIRTHS",
        period_code=month,
        unit_code=unit,
        value=value,
        **extra,
    )


def plan_actual(run: AssessmentRun, unit: str) -> float | None:
    return ItemResult.objects.get(
        unit_result__run=run, unit_result__unit__code=unit, item_code="PLAN"
    ).actual


def recomputations() -> int:
    return AuditEntry.objects.filter(action="assessment.run").count()


# --- a change, committed -------------------------------------------------------------------


def test_a_committed_change_replaces_the_draft_with_a_fresh_run(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 9)

    fresh, previous = runs_of(key_all(world))[:2]
    assert previous.pk == world.run_all.pk
    assert (fresh.status, previous.status) == (RunStatus.DRAFT, RunStatus.SUPERSEDED)
    assert plan_actual(fresh, "VA01") == 15 and plan_actual(previous, "VA01") == 9
    assert fresh.inputs_hash != previous.inputs_hash
    entry = AuditEntry.objects.get(action="assessment.supersede", object_key=str(previous.pk))
    assert entry.after == {"status": "superseded", "superseded_by": fresh.pk}
    assert entry.channel == Channel.SYSTEM


def test_a_village_of_one_township_leaves_the_other_townships_run_alone(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 9)

    assert [r.pk for r in runs_of(key_t02(world))] == [world.run_t02.pk]
    assert AssessmentRun.objects.get(pk=world.run_t02.pk).status == RunStatus.DRAFT


def test_a_village_under_both_scopes_refreshes_both_runs(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        births("VZ01", 1)

    for key in (key_all(world), key_t02(world)):
        fresh = runs_of(key)[0]
        assert plan_actual(fresh, "VZ01") == 5, key  # 1 + 2 + 2


def test_a_published_run_never_changes_a_draft_is_made_beside_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    AssessmentRun.objects.filter(pk=world.run_all.pk).update(status=RunStatus.PUBLISHED)
    before = recomputations()

    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 9)

    fresh, published = runs_of(key_all(world))
    assert published.pk == world.run_all.pk
    assert (fresh.status, published.status) == (RunStatus.DRAFT, RunStatus.PUBLISHED)
    assert plan_actual(published, "VA01") == 9 and plan_actual(fresh, "VA01") == 15
    assert recomputations() == before + 1
    assert not AuditEntry.objects.filter(
        action="assessment.supersede", object_key=str(published.pk)
    ).exists()


def test_nothing_is_recomputed_before_the_commit_or_after_a_rollback(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = recomputations()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            births("VA01", 9)
            transaction.set_rollback(True)

    assert callbacks == []
    births("VB01", 9)  # not committed: the test's transaction is still open
    assert recomputations() == before
    assert len(runs_of(key_all(world))) == 1


# --- debouncing ----------------------------------------------------------------------------


def test_an_import_of_ten_thousand_values_recomputes_each_affected_run_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    days = [date(2004, 1, 1) + timedelta(days=n) for n in range(1680)]
    rows = [
        f"{element},{day:%Y%m%d},{unit},,,1"
        for day in days
        for unit in ("VA01", "VB01", "VZ01")
        for element in ("BIRTHS", "BIRTHS_POLICY")
    ]
    before = recomputations()

    with django_capture_on_commit_callbacks(execute=True):
        summary = do_import_values(
            io.BytesIO((HEADER + "\n".join(rows) + "\n").encode()),
            actor=Actor(name="importer", channel=Channel.IMPORT),
        )

    assert summary.problems == [] and summary.imported == len(rows) == 10_080
    assert recomputations() - before == 2
    assert plan_actual(runs_of(key_all(world))[0], "VA01") == 9 + 365  # a birth every day


def test_many_edits_in_one_transaction_recompute_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = recomputations()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for month in range(1, 13):
            births("VA01", 1, month=f"2006{month:02d}")
            births("VB01", 2, month=f"2006{month:02d}")

    assert recomputations() - before == 1
    fresh = runs_of(key_all(world))[0]
    assert (plan_actual(fresh, "VA01"), plan_actual(fresh, "VB01")) == (12, 24)


def test_a_second_batch_in_the_same_commit_does_not_recompute_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = recomputations()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        births("VA01", 9)
        with transaction.atomic(), transaction.atomic():  # deeper: a batch of its own
            schedule_recompute([OrgUnit.objects.get(code="VA01")], [parse_period("200607")])

    assert len(callbacks) == 2
    assert recomputations() - before == 1


# --- what a change touches -----------------------------------------------------------------


def test_a_change_the_runs_do_not_read_stores_no_new_run(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = recomputations()

    with django_capture_on_commit_callbacks(execute=True):
        births("VA01", 3, comment="核实无误")  # the same figure, a new comment

    assert [r.pk for r in runs_of(key_all(world))] == [world.run_all.pk]
    assert AssessmentRun.objects.get(pk=world.run_all.pk).status == RunStatus.DRAFT
    assert recomputations() == before  # the identical run was rolled back


@pytest.mark.parametrize(
    ("unit", "period", "expected"),
    [
        ("VA01", "200603", {"all"}),
        ("VZ01", "200603", {"all", "t02"}),
        ("VZ01", "2006Q2", {"all", "t02"}),
        ("VZ01", "2006", {"all", "t02"}),
        ("VA01", "200703", set()),  # another year
        ("VA01", "200512", set()),
        ("T01", "200603", {"all"}),  # under the county's root, though not assessed
    ],
)
def test_which_runs_a_figure_affects(world: World, unit: str, period: str, expected: set) -> None:
    names = {key_all(world): "all", key_t02(world): "t02"}
    parsed = parse_period(period)
    keys = affected_runs([OrgUnit.objects.get(code=unit).pk], [(parsed.start, parsed.end)])

    assert {names[k] for k in keys} == expected


def test_a_changed_target_recomputes_the_run_of_its_year(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from kaohe.schemes.models import UnitTarget

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        target = UnitTarget.objects.get(unit__code="VA01", year=2006, item__code="PLAN")
        target.value = 5
        target.save()
        schedule_recompute([target.unit], years=[2006])

    fresh = runs_of(key_all(world))[0]
    assert fresh.pk != world.run_all.pk
    stored = ItemResult.objects.get(
        unit_result__run=fresh, unit_result__unit__code="VA01", item_code="PLAN"
    )
    assert stored.target == 5
    assert affected_runs([target.unit_id], years=[2007]) == []


def test_recomputing_a_key_whose_published_run_is_current_does_nothing(world: World) -> None:
    AssessmentRun.objects.filter(pk=world.run_t02.pk).update(status=RunStatus.PUBLISHED)

    assert do_recompute(key_t02(world)) is None
    assert len(runs_of(key_t02(world))) == 1


def test_recomputing_a_key_without_a_draft_or_a_published_run_does_nothing(world: World) -> None:
    AssessmentRun.objects.filter(pk=world.run_t02.pk).update(status=RunStatus.SUPERSEDED)

    assert do_recompute(key_t02(world)) is None
    assert len(runs_of(key_t02(world))) == 1
