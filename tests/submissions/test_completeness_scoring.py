"""R{MONTHLY.…} end to end: a scheme scoring on-time reporting, run on the township of
completeness_world.py, computed by hand.

报表及时率 (10): 100 − on-time rate, 0.2 points a point. 报表完整率 (5): reporting rate ≥ 100.
* VA: on time 9/12 = 75.0 % → 25 × 0.2 = 5 off → 5.00; received 10/12 = 83.3 % → 0. Total 5.00.
* VB: on time 5/6 = 83.3 % → 16.7 × 0.2 = 3.34 off → 6.66; received 6/6 = 100 % → 5. Total 11.66.
* VC: on time 2/3 = 66.7 % → 33.3 × 0.2 = 6.66 off → 3.34; received 66.7 % → 0. Total 3.34.
VD (opened 2026) is not assessed; VZ is another township's. The township's on-time rate (an
indicator) is 16 / 21 = 76.2 %, from the summed counts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import do_run_assessment, find_scheme, prepare_assessment
from kaohe.audit.services import Actor
from kaohe.bundles.messages import BundleError
from kaohe.bundles.services import do_load_bundles
from kaohe.submissions.models import Status, Submission

from .completeness_world import YEAR, Township, build

pytestmark = pytest.mark.django_db

CONSOLE = Actor.cli("pytest")


@pytest.fixture
def town(tmp_path: Path) -> Township:
    return build(tmp_path)


def run_of(town: Township) -> AssessmentRun:
    return do_run_assessment(find_scheme("ONTIME"), YEAR, actor=CONSOLE, root=town.units["T9"])


def scores(run: AssessmentRun) -> dict[str, tuple[Decimal, list[tuple[str, float, Decimal]]]]:
    found = {}
    for result in run.unit_results.select_related("unit").order_by("unit__path"):
        items = [
            (i.item_code, i.actual, i.score) for i in result.items.order_by("sort_order", "pk")
        ]
        found[result.unit.code] = (result.total, items)
    return found


def test_a_scheme_scores_on_time_reporting_by_hand(town: Township) -> None:
    run = run_of(town)

    assert scores(run) == {
        "VA": (Decimal("5.00"), [("TIMELY", 75.0, Decimal("5.00")), ("COMPLETE", 83.3, 0)]),
        "VB": (Decimal("11.66"), [("TIMELY", 83.3, Decimal("6.66")), ("COMPLETE", 100.0, 5)]),
        "VC": (Decimal("3.34"), [("TIMELY", 66.7, Decimal("3.34")), ("COMPLETE", 66.7, 0)]),
    }
    area = {a.indicator_code: a.value for a in run.area_indicator_values.all()}
    assert area == {"ONTIME_RATE": 76.2}
    unit_rates = {
        v.unit.code: v.value
        for v in run.indicator_values.select_related("unit").filter(indicator_code="ONTIME_RATE")
    }
    assert unit_rates == {"VA": 75.0, "VB": 83.3, "VC": 66.7}
    explained = run.unit_results.get(unit__code="VB").items.get(item_code="TIMELY")
    assert "83.3" in explained.explanation_zh and "83.3" in explained.explanation_en
    assert not run.unit_results.filter(vetoed=True).exists()


def test_a_unit_that_sent_nothing_on_time_is_vetoed_through_the_indicator(
    town: Township,
) -> None:
    Submission.objects.filter(unit=town.units["VB"]).delete()
    run = run_of(town)
    vb = run.unit_results.get(unit__code="VB")
    # nothing received of 6 expected: 0 % on time < 50 % → vetoed; 0 points on both items
    assert (vb.vetoed, vb.vetoes, vb.total) == (True, ["LATE"], Decimal("0.00"))
    assert run.unit_results.filter(vetoed=True).count() == 1


def test_the_assessment_reads_the_counts_per_unit_in_the_order_of_its_units(
    town: Township,
) -> None:
    prepared = prepare_assessment(find_scheme("ONTIME"), YEAR, town.units["T9"])
    assert prepared.inputs.units == ("VA", "VB", "VC")
    counts = prepared.inputs.reports["MONTHLY"]
    assert (counts.expected.tolist(), counts.actual.tolist(), counts.on_time.tolist()) == (
        [12, 6, 3],
        [10, 6, 2],
        [9, 5, 2],
    )


def test_a_late_report_arriving_changes_the_score_and_the_inputs_hash(town: Township) -> None:
    before = run_of(town)
    # VC's March report finally comes in, months late: received but not on time.
    missing = town.submissions[("MONTHLY", "VC", "202503")]
    missing.status = Status.SUBMITTED
    missing.submitted_at = timezone.now()
    missing.save()
    after = run_of(town)

    assert after.inputs_hash != before.inputs_hash
    vc = scores(after)["VC"]
    # received 3/3 = 100 % → 5; on time still 2/3 → 3.34
    assert vc == (Decimal("8.34"), [("TIMELY", 66.7, Decimal("3.34")), ("COMPLETE", 100.0, 5)])


def test_a_scheme_naming_an_unknown_data_set_or_metric_is_refused_where_it_is_written(
    town: Township, tmp_path: Path
) -> None:
    bundle = tmp_path / "broken.yaml"
    bundle.write_text(
        """
kaohe_bundle: 1
schemes:
  - code: BROKEN
    name: 错误方案
    unit_kinds: [village]
    total: 10
    items:
      - {code: A, name: 甲, name_en: A, weight: 5, rule: threshold, target: 90,
         actual: "R{MONTHLX.REPORTING_RATE}"}
      - {code: B, name: 乙, name_en: B, weight: 5, rule: threshold, target: 90,
         actual: "R{MONTHLY.ON_TIME_RATE}"}
""",
        encoding="utf-8",
    )
    with pytest.raises(BundleError) as caught:
        do_load_bundles([str(bundle)], CONSOLE)
    text = str(caught.value)
    assert '未知的数据集代码 "MONTHLX"' in text and 'did you mean "MONTHLY"?' in text
    assert 'unsupported reporting rate metric ("ON_TIME_RATE")' in text
    assert "第1行第11列" in text  # the metric, right after "R{MONTHLY."


def test_a_first_submission_recomputes_the_draft_that_reads_reporting_rates(
    town: Township, django_capture_on_commit_callbacks: Any
) -> None:
    from kaohe.assessments.models import RunStatus
    from kaohe.submissions.services import do_submit

    before = run_of(town)
    submission = Submission.objects.select_related("dataset", "unit", "period").get(
        unit=town.units["VC"], period__code="202503", dataset__code="MONTHLY"
    )
    assert submission.submitted_at is None

    with django_capture_on_commit_callbacks(execute=True):
        do_submit(CONSOLE, submission.dataset, submission.unit, submission.period)

    latest = (
        AssessmentRun.objects.filter(scheme=before.scheme, year=YEAR, status=RunStatus.DRAFT)
        .order_by("-pk")
        .first()
    )
    assert latest is not None and latest.pk != before.pk
    assert latest.inputs_hash != before.inputs_hash
    complete = latest.unit_results.get(unit__code="VC").items.get(item_code="COMPLETE")
    assert complete.actual == pytest.approx(100.0)  # 3 of 3 received now, was 2 of 3
