"""Publishing a run: the unapproved data it read, confirmation, superseding, immutability.

The world of tests/access: the ACCESS scheme assessed for 2006 over the whole county
(run_all) and over 丙镇 T02 alone (run_t02, one village: 丁家村 VZ01). Every village reported
BIRTHS and BIRTHS_POLICY in the monthly report (MONTHLY) of March, July and November; nothing
was submitted for approval.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.assessments.models import AssessmentRun, ItemResult, RunStatus, UnitResult
from kaohe.assessments.publishing import (
    ACTION_PUBLISH,
    ACTION_SUPERSEDE_PUBLISHED,
    PublicationError,
    do_publish_run,
    newest_published,
    published_run,
    unapproved_inputs,
)
from kaohe.assessments.recompute import RunKey, do_recompute
from kaohe.assessments.services import do_run_assessment
from kaohe.assessments.signals import run_published
from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.versions import do_new_version
from kaohe.submissions.services import do_approve, do_return, do_submit
from tests.access.conftest import World, world  # noqa: F401  (a fixture, used by name)

pytestmark = pytest.mark.django_db

ACTOR = Actor.cli("pytest")
REASON = "县里要求年底前通报 / the county wants the results announced before the year ends"
MONTHS = ("200603", "200607", "200611")


def fresh(run: AssessmentRun) -> AssessmentRun:
    return AssessmentRun.objects.get(pk=run.pk)


def submit(unit: str, month: str) -> int:
    dataset = DataSet.objects.get(code="MONTHLY")
    return do_submit(ACTOR, dataset, OrgUnit.objects.get(code=unit), month).pk


def approve(unit: str, month: str) -> None:
    do_approve(ACTOR, submit(unit, month))


def person(world: World, role: str) -> Actor:  # noqa: F811
    return Actor(name=role, channel=Channel.WEB, user=world.users[role])


def t02_run(world: World) -> AssessmentRun:  # noqa: F811
    """A new draft of 丙镇's results (the world's own stays as it is)."""
    return do_run_assessment(
        world.run_t02.scheme, 2006, actor=ACTOR, root=OrgUnit.objects.get(code="T02")
    )


def results_of(run: AssessmentRun) -> list[tuple[Any, ...]]:
    units = list(
        UnitResult.objects.filter(run=run)
        .order_by("unit__code")
        .values_list("unit__code", "total", "grade", "rank", "vetoes", "flags", "contract_id")
    )
    items = list(
        ItemResult.objects.filter(unit_result__run=run)
        .order_by("unit_result__unit__code", "part", "sort_order")
        .values_list("unit_result__unit__code", "item_code", "actual", "target", "score")
    )
    return units + items


# --- the data a run read -----------------------------------------------------------------


def test_every_report_the_run_read_is_listed_until_approved(world: World) -> None:  # noqa: F811
    assert unapproved_inputs(world.run_t02) == [
        {"dataset": "MONTHLY", "unit": "VZ01", "period": month, "status": "draft"}
        for month in MONTHS
    ]


def test_each_report_shows_its_status_and_approved_ones_drop_out(world: World) -> None:  # noqa: F811
    approve("VZ01", "200603")
    submit("VZ01", "200607")
    do_return(ACTOR, submit("VZ01", "200611"), "出生数与户籍不符")

    assert unapproved_inputs(world.run_t02) == [
        {"dataset": "MONTHLY", "unit": "VZ01", "period": "200607", "status": "submitted"},
        {"dataset": "MONTHLY", "unit": "VZ01", "period": "200611", "status": "returned"},
    ]


def test_the_county_run_reads_every_villages_reports_in_order(world: World) -> None:  # noqa: F811
    listed = unapproved_inputs(world.run_all)

    assert [(r["period"], r["unit"]) for r in listed] == [
        (month, unit) for month in MONTHS for unit in ("VA01", "VB01", "VZ01")
    ]


def test_reports_outside_the_years_the_run_reads_are_not_its_inputs(world: World) -> None:  # noqa: F811
    do_set_value(
        actor=ACTOR, element_code="BIRTHS", period_code="200703", unit_code="VZ01", value=5
    )

    assert {r["period"] for r in unapproved_inputs(world.run_t02)} == set(MONTHS)


# --- publishing ----------------------------------------------------------------------------


def test_a_draft_whose_data_is_approved_is_published_without_confirmation(
    world: World,  # noqa: F811
) -> None:
    for month in MONTHS:
        approve("VZ01", month)

    published = do_publish_run(world.run_t02, person(world, "other_township_admin"))

    stored = fresh(world.run_t02)
    assert published.pk == stored.pk
    assert stored.status == RunStatus.PUBLISHED
    assert stored.published_by == "other_township_admin" and stored.published_at is not None
    assert (stored.unapproved_at_publication, stored.publication_exception) == ([], "")
    assert stored.replaces is None
    entry = AuditEntry.objects.get(action=ACTION_PUBLISH, object_key=str(stored.pk))
    assert entry.after["inputs_hash"] == stored.inputs_hash
    assert entry.after["scheme_hash"] == stored.scheme_hash
    assert published_run(stored.scheme, 2006, stored.root) == stored


def test_unapproved_data_is_refused_without_confirmation_and_nothing_changes(
    world: World,  # noqa: F811
) -> None:
    with pytest.raises(PublicationError) as refused:
        do_publish_run(world.run_t02, ACTOR, exception_reason=REASON)

    assert refused.value.field == "confirm_unapproved"
    assert "3" in str(refused.value) and "/" in str(refused.value)  # bilingual, with the count
    assert [r["period"] for r in refused.value.unapproved] == list(MONTHS)
    assert fresh(world.run_t02).status == RunStatus.DRAFT
    assert not AuditEntry.objects.filter(action=ACTION_PUBLISH).exists()


def test_a_confirmation_without_a_reason_is_refused(world: World) -> None:  # noqa: F811
    with pytest.raises(PublicationError) as refused:
        do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason="  ")

    assert refused.value.field == "exception_reason"
    assert fresh(world.run_t02).status == RunStatus.DRAFT


def test_a_confirmation_with_a_reason_keeps_the_list_and_the_reason(world: World) -> None:  # noqa: F811
    approve("VZ01", "200603")

    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    stored = fresh(world.run_t02)
    assert stored.status == RunStatus.PUBLISHED
    assert stored.publication_exception == REASON
    assert stored.unapproved_at_publication == [
        {"dataset": "MONTHLY", "unit": "VZ01", "period": month, "status": "draft"}
        for month in ("200607", "200611")
    ]
    entry = AuditEntry.objects.get(action=ACTION_PUBLISH, object_key=str(stored.pk))
    assert (entry.after["unapproved"], entry.after["exception_reason"]) == (2, REASON)


@pytest.mark.parametrize("status", [RunStatus.PUBLISHED, RunStatus.SUPERSEDED])
def test_only_a_draft_can_be_published(world: World, status: str) -> None:  # noqa: F811
    AssessmentRun.objects.filter(pk=world.run_t02.pk).update(status=status)

    with pytest.raises(PublicationError) as refused:
        do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    assert refused.value.field == "status"
    assert fresh(world.run_t02).published_at is None


def test_a_second_publication_supersedes_the_first_and_links_it(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    second = t02_run(world)

    do_publish_run(second, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    first, second = fresh(world.run_t02), fresh(second)
    assert (first.status, second.status) == (RunStatus.SUPERSEDED, RunStatus.PUBLISHED)
    assert second.replaces == first
    assert list(first.replaced_by.all()) == [second]
    assert first.published_at is not None  # it keeps when it was published
    assert published_run(first.scheme, 2006, first.root) == second
    assert newest_published(first) == second
    entry = AuditEntry.objects.get(action=ACTION_SUPERSEDE_PUBLISHED, object_key=str(first.pk))
    assert entry.after == {"status": "superseded", "superseded_by": second.pk}


def test_the_county_publication_leaves_a_townships_publication_alone(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    do_publish_run(world.run_all, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    assert fresh(world.run_t02).status == RunStatus.PUBLISHED
    assert fresh(world.run_all).replaces is None


def test_a_new_scheme_version_replaces_the_old_versions_publication(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    version_2 = do_new_version(world.run_t02.scheme, ACTOR)
    run = do_run_assessment(version_2, 2006, actor=ACTOR, root=OrgUnit.objects.get(code="T02"))

    do_publish_run(run, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    assert fresh(world.run_t02).status == RunStatus.SUPERSEDED
    assert fresh(run).replaces_id == world.run_t02.pk
    assert published_run(world.run_t02.scheme, 2006, OrgUnit.objects.get(code="T02")) == run


def test_replacing_a_run_of_another_scope_is_refused(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_all, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    with pytest.raises(PublicationError) as refused:
        do_publish_run(
            world.run_t02,
            ACTOR,
            confirm_unapproved=True,
            exception_reason=REASON,
            replaces=world.run_all,
        )

    assert refused.value.field == "replaces"
    assert fresh(world.run_t02).status == RunStatus.DRAFT
    assert fresh(world.run_all).status == RunStatus.PUBLISHED


def test_the_replaced_run_given_is_the_one_linked(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    second = t02_run(world)
    do_publish_run(second, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    third = t02_run(world)

    do_publish_run(
        third, ACTOR, confirm_unapproved=True, exception_reason=REASON, replaces=world.run_t02
    )

    assert fresh(third).replaces_id == world.run_t02.pk
    assert fresh(second).status == RunStatus.SUPERSEDED  # the one published until now


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("other_township_admin", True),  # 丙镇's administrator
        ("system_admin", True),
        ("township_admin", False),  # 甲乙镇's
        ("reviewer", False),
        ("county_viewer", False),
    ],
)
def test_who_may_publish_a_townships_run(world: World, role: str, allowed: bool) -> None:  # noqa: F811
    def publish() -> None:
        do_publish_run(
            world.run_t02, person(world, role), confirm_unapproved=True, exception_reason=REASON
        )

    if allowed:
        publish()
        assert fresh(world.run_t02).status == RunStatus.PUBLISHED
    else:
        with pytest.raises(PermissionDenied):
            publish()
        assert fresh(world.run_t02).status == RunStatus.DRAFT


def test_a_township_administrator_may_not_publish_the_county_run(world: World) -> None:  # noqa: F811
    with pytest.raises(PermissionDenied):
        do_publish_run(
            world.run_all,
            person(world, "township_admin"),
            confirm_unapproved=True,
            exception_reason=REASON,
        )


# --- a published run never changes ---------------------------------------------------------


def test_a_change_of_figures_makes_a_draft_beside_the_published_run(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    before = results_of(world.run_t02)

    with django_capture_on_commit_callbacks(execute=True):
        do_set_value(
            actor=ACTOR, element_code="BIRTHS", period_code="200603", unit_code="VZ01", value=7
        )

    published = fresh(world.run_t02)
    assert published.status == RunStatus.PUBLISHED
    assert results_of(published) == before
    drafts = AssessmentRun.objects.filter(
        root__code="T02", year=2006, status=RunStatus.DRAFT
    ).exclude(pk=published.pk)
    assert drafts.count() == 1
    draft = drafts.get()
    assert draft.inputs_hash != published.inputs_hash
    actual = ItemResult.objects.get(unit_result__run=draft, item_code="PLAN").actual
    assert actual == 11  # 7 + 2 + 2; the published run still says 6


def test_recomputing_again_refreshes_the_draft_and_leaves_the_published_run(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    before = results_of(world.run_t02)
    for value in (7, 8):
        with django_capture_on_commit_callbacks(execute=True):
            do_set_value(
                actor=ACTOR,
                element_code="BIRTHS",
                period_code="200603",
                unit_code="VZ01",
                value=value,
            )

    runs = list(
        AssessmentRun.objects.filter(root__code="T02", year=2006).order_by("created_at", "id")
    )
    assert [r.status for r in runs] == [
        RunStatus.PUBLISHED,
        RunStatus.SUPERSEDED,  # the first draft, replaced by the second
        RunStatus.DRAFT,
    ]
    assert results_of(runs[0]) == before


def test_recomputing_unchanged_figures_makes_no_draft_beside_the_published_run(
    world: World,  # noqa: F811
) -> None:
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    key = RunKey(world.run_t02.scheme_id, 2006, world.run_t02.root_id)

    assert do_recompute(key) is None
    assert AssessmentRun.objects.filter(root__code="T02", year=2006).count() == 1


def test_a_draft_made_beside_a_published_run_can_be_published_in_its_place(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    with django_capture_on_commit_callbacks(execute=True):
        do_set_value(
            actor=ACTOR, element_code="BIRTHS", period_code="200603", unit_code="VZ01", value=7
        )
    draft = AssessmentRun.objects.get(root__code="T02", year=2006, status=RunStatus.DRAFT)

    do_publish_run(draft, ACTOR, confirm_unapproved=True, exception_reason=REASON)

    assert fresh(draft).replaces_id == world.run_t02.pk
    assert fresh(world.run_t02).status == RunStatus.SUPERSEDED


# --- the signal ----------------------------------------------------------------------------


def test_the_publication_is_announced_inside_its_transaction(world: World) -> None:  # noqa: F811
    heard: list[tuple[int, list[int], str]] = []

    def receiver(sender: Any, run: AssessmentRun, superseded: list[Any], actor: Actor, **kw: Any):
        heard.append((run.pk, [r.pk for r in superseded], actor.name))

    run_published.connect(receiver)
    try:
        do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
        second = t02_run(world)
        do_publish_run(second, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    finally:
        run_published.disconnect(receiver)

    assert heard == [(world.run_t02.pk, [], "pytest"), (second.pk, [world.run_t02.pk], "pytest")]


def test_a_receiver_that_fails_undoes_the_publication(world: World) -> None:  # noqa: F811
    def receiver(**kw: Any) -> None:
        raise RuntimeError("the ledger could not follow")

    run_published.connect(receiver)
    try:
        with pytest.raises(RuntimeError):
            do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    finally:
        run_published.disconnect(receiver)

    assert fresh(world.run_t02).status == RunStatus.DRAFT
    assert not AuditEntry.objects.filter(action=ACTION_PUBLISH).exists()
