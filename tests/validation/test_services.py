"""Bulk runs for a township's year and marking results for follow-up (the figures of
conftest.py, every outcome worked out by hand there)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.audit.models import AuditEntry
from kaohe.datavalues.models import DataValue
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.models import Status, Submission
from kaohe.submissions.services import do_approve
from kaohe.validation.models import ValidationResult, ValidationRule, ValidationRun
from kaohe.validation.services import (
    ValidationRunError,
    do_mark_follow_up,
    do_run_validation,
    values_of,
)

from .conftest import CONSOLE, Township

pytestmark = pytest.mark.django_db

FAILURES = {
    ("V01", "202602", "POLICY_LE_BIRTHS", 2.0, 1.0),
    ("V01", "202603", "POLICY_LE_BIRTHS", 1.0, 0.0),
    ("V01", "2026Q1", "CONTRACEPTING_LE_MWRA", 92.0, 90.0),
    ("V02", "202601", "BOYS_GIRLS_EQ_BIRTHS", 3.0, 2.0),
}


def outcomes(run: ValidationRun, status: str) -> set[tuple[object, ...]]:
    rows = ValidationResult.objects.filter(run=run, status=status)
    return {
        (r.unit.code, r.period.code, r.rule.code, r.left_value, r.right_value)
        for r in rows.select_related("unit", "period", "rule")
    }


def test_a_run_checks_every_rule_unit_and_period_of_the_year(figures: Township) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)

    assert outcomes(run, "failed") == FAILURES
    assert outcomes(run, "passed") == {
        ("V01", "202601", "POLICY_LE_BIRTHS", 2.0, 3.0),
        ("V01", "202601", "BOYS_GIRLS_EQ_BIRTHS", 3.0, 3.0),
        ("V01", "202602", "BOYS_GIRLS_EQ_BIRTHS", 1.0, 1.0),
        ("V02", "2026", "MISSED_LE_FOUND", 1.0, 4.0),
    }
    # 2 monthly rules × (12 + 12 + 6 months: 新村 opened in July), the quarterly rule for
    # 4 + 4 + 2 quarters, the yearly rule for 3 villages; the direct unit has no rule.
    assert ValidationResult.objects.filter(run=run).count() == 60 + 10 + 3
    assert (run.passed, run.failed, run.skipped) == (4, 4, 65)
    assert run.rules_checked == 4
    assert not ValidationResult.objects.filter(run=run, unit__code__in=["D01", "V09"]).exists()
    assert not ValidationResult.objects.filter(
        run=run, unit__code="V03", period__code__in=["202606", "2026Q2"]
    ).exists()


def test_a_skipped_side_is_stored_without_value(figures: Township) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)

    missing_check = ValidationResult.objects.get(
        run=run, unit__code="V01", rule__code="MISSED_LE_FOUND"
    )
    # Nothing missed reads 0 (zeros are not stored); nothing found: that side is skipped.
    assert (missing_check.status, missing_check.left_value, missing_check.right_value) == (
        "skipped",
        0.0,
        None,
    )


def test_a_run_of_one_rule_checks_only_that_rule(figures: Township) -> None:
    rule = ValidationRule.objects.get(code="POLICY_LE_BIRTHS")

    run = do_run_validation(CONSOLE, figures.units["T01"], 2026, rule)

    assert set(ValidationResult.objects.filter(run=run).values_list("rule__code", flat=True)) == {
        "POLICY_LE_BIRTHS"
    }
    assert run.failed == 2 and run.rule == rule


def test_a_run_is_audited(figures: Township) -> None:
    run = do_run_validation(figures.actor("reviewer"), figures.units["T01"], 2026)

    entry = AuditEntry.objects.get(action="validation.run", object_key=str(run.pk))
    assert entry.after["failed"] == 4 and entry.after["township"] == "T01"
    assert entry.actor == "reviewer" and run.created_by == figures.users["reviewer"]


@pytest.mark.parametrize("who", ["reporter", "other_admin", "viewer"])
def test_only_who_reviews_the_township_may_run_it(figures: Township, who: str) -> None:
    with pytest.raises(PermissionDenied):
        do_run_validation(figures.actor(who), figures.units["T01"], 2026)

    assert not ValidationRun.objects.exists()


def test_a_year_out_of_range_is_refused_naming_the_field(township: Township) -> None:
    with pytest.raises(ValidationRunError) as caught:
        do_run_validation(CONSOLE, township.units["T01"], 3050)

    assert caught.value.field == "year"
    assert not ValidationRun.objects.exists()


def test_a_run_without_rules_is_refused(township: Township) -> None:
    ValidationRule.objects.all().delete()

    with pytest.raises(ValidationRunError) as caught:
        do_run_validation(CONSOLE, township.units["T01"], 2026)

    assert caught.value.field == "rule"


# --- follow-up -------------------------------------------------------------------------------


def failed(run: ValidationRun, unit: str, period: str) -> ValidationResult:
    return ValidationResult.objects.get(
        run=run, unit__code=unit, period__code=period, status="failed"
    )


def test_marking_a_result_flags_every_figure_it_was_computed_from(figures: Township) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)
    result = failed(run, "V01", "2026Q1")  # contracepting ≤ married women in Q1

    marked, values = do_mark_follow_up(figures.actor("reviewer"), result.pk)

    keys = {(v.element.code, v.period.code) for v in values}
    assert keys == {
        ("MWRA", "202601"),
        ("MWRA", "202603"),
        ("CONTRACEPTING", "202601"),
        ("CONTRACEPTING", "202603"),
    }
    flagged = DataValue.objects.filter(follow_up=True)
    assert {(v.element.code, v.period.code) for v in flagged} == keys
    assert marked.follow_up and ValidationResult.objects.get(pk=result.pk).follow_up
    assert AuditEntry.objects.filter(action="datavalue.follow_up").count() == 4
    assert AuditEntry.objects.filter(action="validation.follow_up").count() == 1


def test_clearing_a_result_clears_its_figures(figures: Township) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)
    result = failed(run, "V01", "202602")
    do_mark_follow_up(CONSOLE, result.pk)

    do_mark_follow_up(CONSOLE, result.pk, follow_up=False)

    assert not DataValue.objects.filter(follow_up=True).exists()
    assert not ValidationResult.objects.get(pk=result.pk).follow_up


def test_values_of_a_result_are_those_of_its_unit_and_period(figures: Township) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)

    values = values_of(failed(run, "V01", "202602"))

    assert [(v.element.code, v.value) for v in values] == [("BIRTHS", 1), ("BIRTHS_POLICY", 2)]


def test_a_locked_figure_is_marked_without_being_changed(figures: Township) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)
    result = failed(run, "V01", "202602")
    submission = Submission.objects.create(
        dataset_id=result.rule.dataset_id,
        unit=OrgUnit.objects.get(code="V01"),
        period=result.period,
        status=Status.SUBMITTED,
    )
    do_approve(CONSOLE, submission.pk)

    before = dict(DataValue.objects.values_list("pk", "value"))

    do_mark_follow_up(figures.actor("reviewer"), result.pk)  # a note, not an edit

    assert DataValue.objects.filter(follow_up=True).exists()
    assert dict(DataValue.objects.values_list("pk", "value")) == before
    assert ValidationResult.objects.get(pk=result.pk).follow_up


@pytest.mark.parametrize("who", ["reporter", "other_admin", "viewer"])
def test_only_who_reviews_the_unit_may_mark_it(figures: Township, who: str) -> None:
    run = do_run_validation(CONSOLE, figures.units["T01"], 2026)
    result = failed(run, "V01", "202602")

    with pytest.raises(PermissionDenied):
        do_mark_follow_up(figures.actor(who), result.pk)

    assert not DataValue.objects.filter(follow_up=True).exists()


def test_marking_an_unknown_result_names_the_field(township: Township) -> None:
    with pytest.raises(ValidationRunError) as caught:
        do_mark_follow_up(CONSOLE, 999)

    assert caught.value.field == "result"
