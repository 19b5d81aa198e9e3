"""Filing, accepting, rejecting and resolving appeals, through the service functions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from kaohe.appeals.errors import AlreadyDecided, AppealError
from kaohe.appeals.models import Appeal, AppealEvent, AppealStatus, AppealStep
from kaohe.appeals.selectors import last_day
from kaohe.appeals.services import (
    do_accept_appeal,
    do_file_appeal,
    do_reject_appeal,
    resolve_appeals_for,
)
from kaohe.assessments.models import AssessmentRun, ItemResult, RunStatus
from kaohe.audit.models import AuditEntry
from kaohe.core.access import restrict
from kaohe.datavalues.models import DataValue
from kaohe.schemes.models import Scheme

from .conftest import APPEAL_DAYS, CONSOLE, County, World, set_births

pytestmark = pytest.mark.django_db

REASONS = "三月份出生人数多录了一人"


def nothing_written() -> bool:
    return (
        not Appeal.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="appeal.").exists()
    )


# --- filing --------------------------------------------------------------------------------


def test_a_reporter_files_an_appeal_of_an_item_of_their_units_result(county: County) -> None:
    appeal = do_file_appeal(
        county.actor("reporter_a"), county.run, county.units["VA01"], "PLAN", REASONS
    )

    assert appeal.status == AppealStatus.FILED
    assert (appeal.item_code, appeal.item_name) == ("PLAN", "人口计划")
    assert appeal.filed_by == county.users["reporter_a"]
    assert appeal.filed_by_name == "reporter_a"
    assert appeal.filed_at is not None
    assert [(e.step, e.actor, e.text) for e in appeal.events.all()] == [
        (AppealStep.FILE, "reporter_a", REASONS)
    ]
    entry = AuditEntry.objects.get(action="appeal.file")
    assert entry.object_key == f"{county.run.pk}/VA01/PLAN"
    assert entry.after["status"] == "filed" and entry.after["reasons"] == REASONS


def test_an_appeal_without_an_item_disputes_the_whole_result(county: County) -> None:
    appeal = do_file_appeal(
        county.actor("reporter_a"), county.run, county.units["VA01"], "", REASONS
    )

    assert (appeal.item_code, appeal.item_name) == ("", "")
    assert AuditEntry.objects.get(action="appeal.file").object_key.endswith("/VA01/*")


def test_a_township_administrator_files_for_a_village_of_the_township(county: County) -> None:
    appeal = county.filed("VB01", "POLICY", by="township_admin")

    assert appeal.unit.code == "VB01" and appeal.filed_by_name == "township_admin"


def test_the_console_files_for_any_unit(county: County) -> None:
    appeal = do_file_appeal(CONSOLE, county.run, county.units["VZ01"], "PLAN", REASONS)

    assert appeal.filed_by is None and appeal.filed_by_name == "pytest"


def test_a_reporter_cannot_file_for_another_unit(county: County) -> None:
    with pytest.raises(PermissionDenied, match="unit"):
        do_file_appeal(
            county.actor("reporter_b"), county.run, county.units["VA01"], "PLAN", REASONS
        )

    assert nothing_written()


def test_a_reviewer_or_a_viewer_cannot_file(county: County) -> None:
    for name in ("reviewer", "county_viewer"):
        with pytest.raises(PermissionDenied):
            do_file_appeal(county.actor(name), county.run, county.units["VA01"], "", REASONS)

    assert nothing_written()


def test_a_draft_run_cannot_be_appealed(world: World, db: None) -> None:
    with pytest.raises(AppealError, match="draft") as refused:
        do_file_appeal(world.actor("reporter_a"), world.draft, world.units["VA01"], "", REASONS)

    assert refused.value.field == "run"
    assert nothing_written()


def test_a_superseded_run_cannot_be_appealed(county: County) -> None:
    county.world.publish(county.world.reassess())

    with pytest.raises(AppealError, match="superseded") as refused:
        county.filed()

    assert refused.value.field == "run"
    assert nothing_written()


def test_a_scheme_without_appeal_days_takes_no_appeals(county: County) -> None:
    Scheme.objects.filter(pk=county.run.scheme_id).update(appeal_days=None)

    with pytest.raises(AppealError, match="appeal_days") as refused:
        county.filed()

    assert refused.value.field == "appeal_days"
    assert nothing_written()


def test_the_last_day_of_the_window_is_accepted(county: County) -> None:
    county.published_days_ago(APPEAL_DAYS)

    appeal = county.filed()

    assert appeal.status == AppealStatus.FILED


def test_the_day_after_the_window_is_refused(county: County) -> None:
    county.published_days_ago(APPEAL_DAYS + 1)
    run = AssessmentRun.objects.get(pk=county.run.pk)

    with pytest.raises(AppealError, match="appeal window has closed") as refused:
        county.filed()

    assert refused.value.field == "appeal_days"
    assert last_day(run).isoformat() in str(refused.value)  # type: ignore[union-attr]
    assert nothing_written()


@pytest.mark.parametrize("reasons", ["", "   \n "])
def test_empty_reasons_are_refused(county: County, reasons: str) -> None:
    with pytest.raises(AppealError, match="reasons") as refused:
        do_file_appeal(county.actor("reporter_a"), county.run, county.units["VA01"], "", reasons)

    assert refused.value.field == "reasons"
    assert nothing_written()


def test_an_item_the_unit_was_not_scored_on_is_refused(county: County) -> None:
    with pytest.raises(AppealError, match="NO_SUCH") as refused:
        county.filed(item="NO_SUCH")

    assert refused.value.field == "item_code"
    assert nothing_written()


def test_a_unit_without_a_result_in_the_run_is_refused(county: County) -> None:
    with pytest.raises(AppealError, match="T01") as refused:
        county.filed("T01", item="", by="township_admin")

    assert refused.value.field == "unit"
    assert nothing_written()


def test_one_open_appeal_per_run_unit_and_item(county: County) -> None:
    first = county.filed()

    with pytest.raises(AppealError, match=f"appeal {first.pk}") as refused:
        county.filed(by="township_admin")
    other_item = county.filed(item="POLICY")
    whole = county.filed(item="")

    assert refused.value.field == "item_code"
    assert Appeal.objects.count() == 3
    assert {other_item.item_code, whole.item_code} == {"POLICY", ""}


def test_an_item_may_be_appealed_again_once_its_appeal_was_rejected(county: County) -> None:
    first = county.filed()
    do_reject_appeal(county.actor("reviewer"), first.pk, "数据与原始台账一致")

    again = county.filed()

    assert again.pk != first.pk and again.status == AppealStatus.FILED


def test_an_accepted_appeal_is_still_open(county: County) -> None:
    county.accepted()

    with pytest.raises(AppealError, match="still open"):
        county.filed()


# --- deciding ------------------------------------------------------------------------------


def test_a_reviewer_accepts_with_reasons_and_no_figure_changes(county: County) -> None:
    appeal = county.filed()
    scores_before = list(
        ItemResult.objects.filter(unit_result__run=county.run).values_list("pk", "score")
    )
    values_before = list(DataValue.objects.values_list("pk", "value"))

    accepted = do_accept_appeal(county.actor("reviewer"), appeal.pk, "经核实确属多计")

    assert accepted.status == AppealStatus.ACCEPTED
    assert accepted.decided_by == county.users["reviewer"]
    assert accepted.decided_by_name == "reviewer" and accepted.decided_at is not None
    assert accepted.decision_reason == "经核实确属多计"
    assert [e.step for e in accepted.events.all()] == [AppealStep.FILE, AppealStep.ACCEPT]
    entry = AuditEntry.objects.get(action="appeal.accept")
    assert entry.before == {"status": "filed"}
    assert entry.after["status"] == "accepted" and entry.after["reason"] == "经核实确属多计"
    assert AssessmentRun.objects.get(pk=county.run.pk).status == RunStatus.PUBLISHED
    assert (
        list(ItemResult.objects.filter(unit_result__run=county.run).values_list("pk", "score"))
        == scores_before
    )
    assert list(DataValue.objects.values_list("pk", "value")) == values_before


def test_a_reviewer_rejects_with_reasons(county: County) -> None:
    appeal = county.filed()

    rejected = do_reject_appeal(county.actor("township_admin"), appeal.pk, "与台账一致")

    assert rejected.status == AppealStatus.REJECTED
    assert rejected.decision_reason == "与台账一致"
    assert [(e.step, e.text) for e in rejected.events.all()][-1] == (
        AppealStep.REJECT,
        "与台账一致",
    )
    assert AuditEntry.objects.filter(action="appeal.reject").count() == 1


@pytest.mark.parametrize("decide", [do_accept_appeal, do_reject_appeal])
def test_deciding_without_reasons_is_refused(county: County, decide: object) -> None:
    appeal = county.filed()

    with pytest.raises(AppealError, match="decision_reason") as refused:
        decide(county.actor("reviewer"), appeal.pk, "  ")  # type: ignore[operator]

    assert refused.value.field == "decision_reason"
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FILED and appeal.events.count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (do_accept_appeal, do_accept_appeal),
        (do_accept_appeal, do_reject_appeal),
        (do_reject_appeal, do_accept_appeal),
    ],
)
def test_deciding_twice_is_refused(county: County, first: object, second: object) -> None:
    appeal = county.filed()
    first(county.actor("reviewer"), appeal.pk, "第一次处理")  # type: ignore[operator]
    status = Appeal.objects.get(pk=appeal.pk).status

    with pytest.raises(AlreadyDecided, match="already decided") as refused:
        second(county.actor("township_admin"), appeal.pk, "第二次处理")  # type: ignore[operator]

    assert refused.value.field == "status"
    appeal.refresh_from_db()
    assert appeal.status == status and appeal.decided_by_name == "reviewer"
    assert appeal.events.count() == 2


def test_only_reviewers_over_the_unit_decide(county: County) -> None:
    appeal = county.filed()

    for name in ("reporter_a", "other_reviewer", "county_viewer"):
        with pytest.raises(PermissionDenied):
            do_accept_appeal(county.actor(name), appeal.pk, "理由")

    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.FILED


def test_the_person_who_filed_cannot_decide_the_appeal(county: County) -> None:
    appeal = county.filed(by="township_admin")

    with pytest.raises(AppealError, match="cannot decide") as refused:
        do_accept_appeal(county.actor("township_admin"), appeal.pk, "理由")

    assert refused.value.field == "decided_by"


def test_the_unit_sees_every_step_and_another_unit_none(county: County) -> None:
    appeal = county.filed()
    do_reject_appeal(county.actor("reviewer"), appeal.pk, "与台账一致")

    own = restrict(AppealEvent.objects.all(), county.users["reporter_a"])
    other = restrict(AppealEvent.objects.all(), county.users["reporter_b"])

    assert [e.step for e in own] == [AppealStep.FILE, AppealStep.REJECT]
    assert not other.exists()


# --- resolving -----------------------------------------------------------------------------


def corrected_and_published(county: County) -> AssessmentRun:
    """VA01's figures corrected from the console, the run computed again and published in
    place of the appealed one."""
    set_births("VA01", 2, 2)
    return county.world.publish(county.world.reassess(), replaces=county.run)


def test_publishing_the_corrected_run_resolves_the_accepted_appeals(county: County) -> None:
    accepted = county.accepted()
    rejected = county.filed(item="POLICY")
    do_reject_appeal(county.actor("reviewer"), rejected.pk, "与台账一致")
    waiting = county.filed("VB01", item="", by="reporter_b")

    new_run = corrected_and_published(county)  # the publication resolves them

    assert resolve_appeals_for(new_run) == []  # resolved once: calling again changes nothing
    accepted.refresh_from_db()
    assert accepted.status == AppealStatus.RESOLVED
    assert accepted.resolution_run == new_run and accepted.resolved_at is not None
    last = accepted.events.last()
    assert last is not None and last.step == AppealStep.RESOLVE
    assert f"run {new_run.pk}" in last.text
    entry = AuditEntry.objects.get(action="appeal.resolve")
    assert entry.after == {
        "appeal": accepted.pk,
        "status": "resolved",
        "resolution_run": new_run.pk,
    }
    assert Appeal.objects.get(pk=rejected.pk).status == AppealStatus.REJECTED
    assert Appeal.objects.get(pk=waiting.pk).status == AppealStatus.FILED
    assert new_run.replaces_id == county.run.pk


def test_resolving_again_changes_nothing(county: County) -> None:
    county.accepted()
    new_run = corrected_and_published(county)
    resolve_appeals_for(new_run)

    assert resolve_appeals_for(new_run) == []
    assert AuditEntry.objects.filter(action="appeal.resolve").count() == 1


def test_a_draft_resolves_nothing(county: County) -> None:
    county.accepted()

    with pytest.raises(AppealError, match="not published") as refused:
        resolve_appeals_for(county.world.reassess())

    assert refused.value.field == "run"
    assert Appeal.objects.get().status == AppealStatus.ACCEPTED


def test_an_appeal_accepted_after_its_run_was_replaced_is_resolved_by_the_next_publication(
    county: County,
) -> None:
    appeal = county.filed()
    second = county.world.publish(county.world.reassess())
    resolve_appeals_for(second)  # nothing accepted yet
    do_accept_appeal(county.actor("reviewer"), appeal.pk, "经核实确属多计")

    set_births("VA01", 2, 2)
    third = county.world.publish(county.world.reassess())  # the publication resolves it

    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.RESOLVED
    assert Appeal.objects.get(pk=appeal.pk).resolution_run == third


def test_the_database_keeps_one_open_appeal_per_item_even_past_the_checks(county: County) -> None:
    first = county.filed()

    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(
            run=county.run,
            unit=first.unit,
            item_code=first.item_code,
            reasons="同一项目再次申诉",
            filed_by_name="another",
            filed_at=first.filed_at,
        )
    do_reject_appeal(county.actor("reviewer"), first.pk, "与台账一致")
    Appeal.objects.create(
        run=county.run,
        unit=first.unit,
        item_code=first.item_code,
        reasons="驳回后再次申诉",
        filed_by_name="another",
        filed_at=first.filed_at,
    )

    assert Appeal.objects.count() == 2
