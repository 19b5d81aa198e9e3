"""One report checked: which rules apply to it, and submission refused while a high rule
fails (the data set of world.yaml requires its rules to pass)."""

from __future__ import annotations

import pytest

from kaohe.elements.models import DataSet
from kaohe.engine.periods import parse_period
from kaohe.engine.validation import Status
from kaohe.submissions.models import Submission
from kaohe.submissions.services import ValidationFailed, do_submit
from kaohe.validation.evaluation import check_report, rules_for_report
from kaohe.validation.models import ValidationRule

from .conftest import Township, store

pytestmark = pytest.mark.django_db


def codes(rules: list[ValidationRule]) -> set[str]:
    return {r.code for r in rules}


def test_a_report_is_checked_by_its_own_rules_and_the_loose_ones_reading_it(
    township: Township,
) -> None:
    monthly = DataSet.objects.get(code="MONTHLY")
    check = DataSet.objects.get(code="CHECK")
    village = township.units["V01"]

    # The quarterly rule reads monthly elements but is checked per quarter, not per report.
    assert codes(rules_for_report(monthly, village)) == {
        "POLICY_LE_BIRTHS",
        "BOYS_GIRLS_EQ_BIRTHS",
    }
    assert codes(rules_for_report(check, village)) == {"MISSED_LE_FOUND"}
    assert rules_for_report(monthly, township.units["D01"]) == []


def test_a_loose_rule_applies_only_to_reports_holding_an_element_it_reads(
    township: Township,
) -> None:
    ValidationRule.objects.filter(code="MISSED_LE_FOUND").update(dataset=None)
    yearly = DataSet.objects.create(
        code="OTHER_YEARLY", name="另一年报", period_type="Yearly", unit_kinds=["village"]
    )

    assert rules_for_report(yearly, township.units["V01"]) == []
    assert codes(rules_for_report(DataSet.objects.get(code="CHECK"), township.units["V01"])) == {
        "MISSED_LE_FOUND"
    }


def test_check_report_gives_each_rule_for_each_period(figures: Township) -> None:
    monthly = DataSet.objects.get(code="MONTHLY")
    periods = [parse_period("202601"), parse_period("202602"), parse_period("202604")]

    checks = check_report(monthly, figures.units["V01"], periods)

    found = {(c.rule.code, c.period.code): (c.status, c.left, c.right) for c in checks}
    assert found == {
        ("POLICY_LE_BIRTHS", "202601"): (Status.PASSED, 2.0, 3.0),
        ("POLICY_LE_BIRTHS", "202602"): (Status.FAILED, 2.0, 1.0),
        ("POLICY_LE_BIRTHS", "202604"): (Status.SKIPPED, None, 0.0),
        ("BOYS_GIRLS_EQ_BIRTHS", "202601"): (Status.PASSED, 3.0, 3.0),
        ("BOYS_GIRLS_EQ_BIRTHS", "202602"): (Status.PASSED, 1.0, 1.0),
        ("BOYS_GIRLS_EQ_BIRTHS", "202604"): (Status.SKIPPED, None, None),
    }
    failed = next(c for c in checks if c.failed)
    assert failed.elements == ("BIRTHS_POLICY", "BIRTHS")
    assert failed.sides == "2 ≤ 1"
    assert "符合政策生育数不能大于出生人数" in failed.bilingual
    assert "Policy births cannot exceed births" in failed.bilingual


# --- submission -------------------------------------------------------------------------------


def test_a_high_failure_refuses_submission_listing_it(figures: Township) -> None:
    monthly = DataSet.objects.get(code="MONTHLY")

    with pytest.raises(ValidationFailed) as caught:
        do_submit(figures.actor("reporter"), monthly, figures.units["V01"], "202602")

    assert caught.value.field == "validation"
    assert [c.rule.code for c in caught.value.failures] == ["POLICY_LE_BIRTHS"]
    assert "符合政策生育数不能大于出生人数" in str(caught.value)
    assert "2 ≤ 1" in str(caught.value)
    assert not Submission.objects.exists()


def test_a_medium_failure_does_not_refuse_submission(figures: Township) -> None:
    # 西村 January: boys + girls ≠ births is a medium rule.
    monthly = DataSet.objects.get(code="MONTHLY")

    submission = do_submit(figures.actor("west_reporter"), monthly, figures.units["V02"], "202601")

    assert submission.status == "submitted"


def test_a_data_set_that_does_not_require_validation_submits_anyway(figures: Township) -> None:
    monthly = DataSet.objects.get(code="MONTHLY")
    monthly.validation_required = False
    monthly.save()

    submission = do_submit(figures.actor("reporter"), monthly, figures.units["V01"], "202602")

    assert submission.status == "submitted"


def test_correcting_the_figures_lets_the_report_be_submitted(figures: Township) -> None:
    monthly = DataSet.objects.get(code="MONTHLY")
    with pytest.raises(ValidationFailed):
        do_submit(figures.actor("reporter"), monthly, figures.units["V01"], "202602")

    store("V01", "202602", {"BIRTHS_POLICY": 1})

    assert do_submit(figures.actor("reporter"), monthly, figures.units["V01"], "202602").pk


def test_the_api_answers_a_refused_submission_with_the_failures(figures: Township) -> None:
    client = figures.client("reporter")

    response = client.post(
        "/api/submissions/submit/",
        {"dataset": "MONTHLY", "unit": "V01", "period": "202603"},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "validation"
    assert body["failures"] == [
        {
            "rule": "POLICY_LE_BIRTHS",
            "importance": "high",
            "period": "202603",
            "left": 1.0,
            "right": 0.0,
            "message_zh": "符合政策生育数不能大于出生人数",
            "message_en": "Policy births cannot exceed births",
        }
    ]


def test_the_page_sends_a_refused_submission_back_to_the_form(figures: Township) -> None:
    client = figures.client("reporter")

    response = client.post(
        "/submissions/submit/", {"dataset": "MONTHLY", "unit": "V01", "period": "202602"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/entry/MONTHLY/V01/2026/"
    page = client.get(response["Location"]).content.decode()
    assert "须改正后才能报送" in page
