"""Runs of schemes with tracks, a coefficient and period parts, through the database: what a run
stores (parts, total explanations, each item's part, the signed contract version it scored),
how each part's figures are read, the years a scheme is valid for, and what the API and the
unit's page show.

The county of these tests: 两村 V1 and V2 of township T; monthly meetings, births and policy
births of 2005 and 2006 (the figures of tests/engine/test_period_parts.py).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kaohe.assessments.models import AssessmentRun, ItemResult, RunStatus, UnitResult
from kaohe.assessments.recompute import RunKey, do_recompute
from kaohe.assessments.services import do_run_assessment, find_scheme, prepare_assessment
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.datavalues.services import do_import_values, do_set_value
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Indicator, Scheme, ScoringItem
from kaohe.schemes.validity import ValidityError

pytestmark = pytest.mark.django_db

ACTOR = Actor.cli("pytest")
BUNDLE = """
kaohe_bundle: 1
units:
  - {code: C, name: 分期县, kind: county}
  - {code: T, name: 分期镇, kind: township, parent: C}
  - {code: V1, name: 一村, kind: village, parent: T, sort_order: 1}
  - {code: V2, name: 二村, kind: village, parent: T, sort_order: 2}
elements:
  - {code: MEETINGS, name: 例会次数, value_type: integer, aggregation: sum}
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
  - {code: POLICY, name: 政策内出生, value_type: integer, aggregation: sum}
datasets:
  - code: MONTHLY
    name: 月报
    period_type: Monthly
    unit_kinds: [village]
    due_day: 3
    elements: [MEETINGS, BIRTHS, POLICY]
indicators:
  - {code: RATE, name: 政策符合率, name_en: Policy rate, numerator: "#{POLICY}",
     denominator: "#{BIRTHS}", factor: 100, decimals: 2, unit: "%", valid_from: 2000}
schemes:
  - code: PARTS
    name: 分期考核
    name_en: Scored by quarter
    period_type: Yearly
    unit_kinds: [village]
    year_from: 2000
    year_to: 2030
    constants: {CAP: 30}
    items:
      - {code: MEET, name: 例会, name_en: Meetings, weight: 60, rule: threshold,
         actual: "#{MEETINGS}", target: 3, decimals: 0}
      - {code: RATE, name: 政策符合率, name_en: Policy rate, weight: 40, rule: linear,
         params: {points: 2}, actual: "N{RATE}", target: 90}
    vetoes:
      - {code: OVER, name: 超计划生育, name_en: Over the plan, condition: "#{BIRTHS} > C{CAP}"}
    grades:
      - {code: A, name: 优秀, name_en: Excellent, min_total: 90}
      - {code: C, name: 合格, name_en: Pass, min_total: 0}
"""
QUARTERS = [
    {"code": "Q1", "name": "第一季度", "name_en": "Q1", "period_type": "Quarterly", "index": 1,
     "weight": 4},
    {"code": "Q2", "name": "第二季度", "name_en": "Q2", "period_type": "Quarterly", "index": 2,
     "weight": 3},
    {"code": "Q3", "name": "第三季度", "name_en": "Q3", "period_type": "Quarterly", "index": 3,
     "weight": 3},
]  # fmt: skip
# Per month January … December, for V1 and V2 (the same every year).
MONTHLY = {
    "MEETINGS": ([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1], [1] * 12),
    "BIRTHS": ([4, 3, 3, 3, 3, 4, 2, 2, 1, 5, 5, 5], [1] * 12),
    "POLICY": ([4, 2, 3, 3, 2, 3, 2, 2, 1, 5, 5, 5], [1] * 12),
}


@pytest.fixture
def county(tmp_path: Path) -> Scheme:
    path = tmp_path / "county.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    do_load_bundles([str(path)], ACTOR)
    lines = ["dataelement,period,orgunit,catoptcombo,attroptcombo,value"]
    for year in (2005, 2006):
        for element, series in MONTHLY.items():
            for unit, values in zip(("V1", "V2"), series, strict=True):
                for month, value in enumerate(values, start=1):
                    lines.append(f"{element},{year}{month:02d},{unit},,,{value}")
    source = io.BytesIO("\n".join(lines).encode())
    source.name = "figures.csv"
    imported = do_import_values(source, actor=ACTOR, fmt="csv")
    assert not imported.problems
    return find_scheme("PARTS")


def by_quarter(scheme: Scheme, parts: list[dict[str, Any]] = QUARTERS) -> Scheme:
    scheme.period_parts = parts
    scheme.save(update_fields=["period_parts"])
    return scheme


def in_tracks(scheme: Scheme, coefficient: str = "") -> Scheme:
    scheme.tracks = [
        {"code": "W", "name": "工作线", "name_en": "Work line", "weight": 6, "total": 60},
        {"code": "P", "name": "政策线", "name_en": "Policy line", "weight": 4, "total": 40},
    ]
    scheme.coefficient = coefficient
    scheme.coefficient_name = "难度系数" if coefficient else ""
    scheme.save(update_fields=["tracks", "coefficient", "coefficient_name"])
    ScoringItem.objects.filter(scheme=scheme, code="MEET").update(track="W")
    ScoringItem.objects.filter(scheme=scheme, code="RATE").update(track="P")
    return scheme


def result_of(run: AssessmentRun, unit: str) -> UnitResult:
    return run.unit_results.select_related("contract").get(unit__code=unit)


# --- what a run stores ----------------------------------------------------------------------


def test_a_run_by_quarter_stores_each_quarter_and_the_year_combined(county: Scheme) -> None:
    run = do_run_assessment(by_quarter(county), 2006, actor=ACTOR)

    v1, v2 = result_of(run, "V1"), result_of(run, "V2")
    assert v1.parts == {"periods": {"Q1": 100.0, "Q2": 80.0, "Q3": 40.0}}
    assert str(v1.total) == "76.00"
    # Vetoed on the year's 40 births, though no quarter had more than 10.
    assert (v1.vetoed, v1.vetoes, v1.rank) == (True, ["OVER"], 2)
    assert (str(v2.total), v2.vetoed, v2.rank) == ("100.00", False, 1)
    assert v1.total_explanation_zh == (
        "第一季度 100.00 分 × 40% + 第二季度 80.00 分 × 30% + 第三季度 40.00 分 × 30% = 76.00 分"
    )
    assert v1.total_explanation_en.startswith("Q1 100.00 × 40% + Q2 80.00 × 30%")
    rows = list(
        ItemResult.objects.filter(unit_result=v1)
        .order_by("part", "sort_order")
        .values_list("part", "item_code", "score")
    )
    assert [(part, code, str(score)) for part, code, score in rows] == [
        ("Q1", "MEET", "60.00"),
        ("Q1", "RATE", "40.00"),
        ("Q2", "MEET", "60.00"),
        ("Q2", "RATE", "20.00"),
        ("Q3", "MEET", "0.00"),
        ("Q3", "RATE", "40.00"),
    ]


def test_a_run_in_tracks_stores_the_lines_the_coefficient_and_the_contract_scored(
    county: Scheme,
) -> None:
    scheme = in_tracks(county, coefficient="#{MEETINGS} / 12")
    v1 = OrgUnit.objects.get(code="V1")
    first = Contract.objects.create(
        scheme=scheme, unit=v1, year=2006, version=1, status=ContractStatus.SUPERSEDED
    )
    amended = Contract.objects.create(
        scheme=scheme, unit=v1, year=2006, version=2, status=ContractStatus.SIGNED, previous=first
    )
    Contract.objects.create(scheme=scheme, unit=OrgUnit.objects.get(code="V2"), year=2006)

    run = do_run_assessment(scheme, 2006, actor=ACTOR)

    # V1's year: 11 meetings → 60; 37 of 40 births in policy, 92.50% → 40. W 60, P 40 at 6:4 →
    # 52.00; 11 / 12 = 0.9167 → 47.67. V2: 12 meetings, all in policy → 52.00 × 1 = 52.00.
    first_result, second_result = result_of(run, "V1"), result_of(run, "V2")
    assert first_result.parts == {"tracks": {"W": 60.0, "P": 40.0}, "coefficient": 0.9167}
    assert str(first_result.total) == "47.67"
    assert first_result.total_explanation_zh == (
        "工作线 60.00 分 × 60% + 政策线 40.00 分 × 40% = 52.00 分；难度系数 0.9167，总分 47.67 分"
    )
    assert (first_result.contract_id, first_result.contract.version) == (amended.pk, 2)
    assert second_result.contract is None  # its contract is a draft, not signed
    assert second_result.parts["coefficient"] == 1.0
    assert set(ItemResult.objects.filter(unit_result__run=run).values_list("part", flat=True)) == {
        ""
    }


def test_a_plain_scheme_stores_no_parts_and_a_short_explanation(county: Scheme) -> None:
    run = do_run_assessment(county, 2006, actor=ACTOR)

    v2 = result_of(run, "V2")
    assert v2.parts == {}
    assert v2.total_explanation_zh == "各项得分合计 100.00 分"
    assert v2.total_explanation_en == "Item scores add up to 100.00"


# --- each part's figures -------------------------------------------------------------------


def test_each_part_reads_its_own_months_and_the_period_before_it(county: Scheme) -> None:
    scheme = by_quarter(county)
    ScoringItem.objects.filter(scheme=scheme, code="MEET").update(
        actual="#{MEETINGS} + #{MEETINGS}.periodOffset(-1)"
    )

    parts = prepare_assessment(scheme, 2006).inputs.parts

    assert parts["Q1"][0].periods == ("200601", "200602", "200603")
    assert parts["Q1"][-1].periods == ("200510", "200511", "200512")  # the quarter before
    assert parts["Q2"][-1].periods == ("200601", "200602", "200603")
    assert parts["Q3"][0].periods == ("200607", "200608", "200609")


def test_a_statistical_year_from_october_starts_with_the_last_quarter(county: Scheme) -> None:
    county.period_type = "FinancialOct"
    county.save(update_fields=["period_type"])
    scheme = by_quarter(county)

    prepared = prepare_assessment(scheme, 2005)

    assert prepared.period.code == "2005Oct"
    assert prepared.inputs.parts["Q1"][0].periods == ("200510", "200511", "200512")
    assert prepared.inputs.parts["Q3"][0].periods == ("200604", "200605", "200606")


def test_parts_are_cut_from_the_years_figures_without_more_queries(county: Scheme) -> None:
    prepare_assessment(county, 2006)  # warm the compiled-scheme cache
    with CaptureQueriesContext(connection) as plain:
        prepare_assessment(county, 2006)
    scheme = by_quarter(county)
    prepare_assessment(scheme, 2006)
    with CaptureQueriesContext(connection) as quarters:
        prepare_assessment(scheme, 2006)
    assert len(quarters.captured_queries) == len(plain.captured_queries)


# --- the years a scheme is valid for ---------------------------------------------------------


def test_a_year_outside_the_schemes_years_is_refused_without_a_reason(county: Scheme) -> None:
    county.year_to = 2005
    county.validity_note = "2006 年起改用新方案"
    county.save(update_fields=["year_to", "validity_note"])
    runs = AssessmentRun.objects.count()

    with pytest.raises(ValidityError) as refused:
        do_run_assessment(county, 2006, actor=ACTOR)

    assert "PARTS" in str(refused.value) and "2006 年起改用新方案" in str(refused.value)
    assert AssessmentRun.objects.count() == runs


def test_with_a_reason_the_run_keeps_it_and_a_warning_per_rule_stretched(county: Scheme) -> None:
    county.year_to = 2005
    county.save(update_fields=["year_to"])
    Indicator.objects.filter(code="RATE").update(valid_to=2005, validity_note="口径已变")

    run = do_run_assessment(
        county, 2006, actor=ACTOR, override_validity="  县里要求按旧方案再算一年 "
    )

    run.refresh_from_db()
    assert run.validity_override == "县里要求按旧方案再算一年"
    assert len(run.warnings) == 2
    assert (
        "PARTS" in run.warnings[0] and "RATE" in run.warnings[1] and "口径已变" in run.warnings[1]
    )
    entry = AuditEntry.objects.get(action="assessment.run", object_key=str(run.pk))
    assert entry.after["validity_override"] == "县里要求按旧方案再算一年"


def test_a_recomputation_reuses_the_reason_the_draft_gave(county: Scheme) -> None:
    county.year_to = 2005
    county.save(update_fields=["year_to"])
    draft = do_run_assessment(county, 2006, actor=ACTOR, override_validity="沿用旧方案")
    do_set_value(actor=ACTOR, element_code="BIRTHS", period_code="200601", unit_code="V2", value=2)

    fresh = do_recompute(RunKey(county.pk, 2006, None))

    assert fresh is not None and fresh.validity_override == "沿用旧方案"
    draft.refresh_from_db()
    assert draft.status == RunStatus.SUPERSEDED


def test_a_recomputation_without_a_reason_is_skipped_and_logged(
    county: Scheme, caplog: pytest.LogCaptureFixture
) -> None:
    draft = do_run_assessment(county, 2006, actor=ACTOR)
    county.year_to = 2005  # the years changed after the draft was made
    county.save(update_fields=["year_to"])
    do_set_value(actor=ACTOR, element_code="BIRTHS", period_code="200601", unit_code="V2", value=2)

    with caplog.at_level(logging.WARNING, logger="kaohe.assessments.recompute"):
        fresh = do_recompute(RunKey(county.pk, 2006, None))

    assert fresh is None
    assert "not recomputing" in caplog.text and "PARTS" in caplog.text
    draft.refresh_from_db()
    assert draft.status == RunStatus.DRAFT
    assert AssessmentRun.objects.filter(scheme=county).count() == 1


# --- what the API, the page and the command show ------------------------------------------


@pytest.fixture
def admin() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("parts", password="a-long-password-1"))
    return client


def test_the_api_gives_parts_contract_explanations_and_item_parts(
    county: Scheme, admin: Client
) -> None:
    scheme = by_quarter(in_tracks(county))
    signed = Contract.objects.create(
        scheme=scheme,
        unit=OrgUnit.objects.get(code="V2"),
        year=2006,
        version=1,
        status=ContractStatus.SIGNED,
    )
    run = do_run_assessment(scheme, 2006, actor=ACTOR, override_validity="")

    listed = admin.get(f"/api/runs/{run.pk}/").json()
    results = {row["unit"]: row for row in admin.get(f"/api/runs/{run.pk}/results/").json()}

    assert (listed["validity_override"], listed["warnings"]) == ("", [])
    v1, v2 = results["V1"], results["V2"]
    assert v1["contract"] is None
    assert v2["contract"] == {"id": signed.pk, "version": 1}
    # Q1 (6 × 60 + 4 × 40) / 10 = 52.00; Q2 (360 + 80) / 10 = 44.00; Q3 (0 + 160) / 10 = 16.00.
    assert v1["parts"]["periods"] == {"Q1": 52.0, "Q2": 44.0, "Q3": 16.0}
    assert v1["total"] == "38.80"  # (4 × 52 + 3 × 44 + 3 × 16) / 10
    assert v1["parts"]["period_tracks"]["Q2"] == {"W": 60.0, "P": 20.0}
    assert v1["parts"]["tracks"] == {"W": 42.0, "P": 34.0}
    assert v1["total_explanation_zh"].splitlines()[1].startswith("第二季度：工作线 60.00 分 × 60%")
    assert v1["total_explanation_en"]
    assert [item["part"] for item in v1["items"]] == ["Q1", "Q1", "Q2", "Q2", "Q3", "Q3"]


def test_the_unit_page_shows_the_lines_the_quarters_and_items_by_quarter(
    county: Scheme, admin: Client
) -> None:
    run = do_run_assessment(by_quarter(in_tracks(county)), 2006, actor=ACTOR)

    html = admin.get(f"/results/{run.pk}/V1/").content.decode()

    assert 'id="total-explanation"' in html
    assert 'data-track="W"' in html and 'data-period="Q3"' in html
    assert html.count('scope="rowgroup"') == 3
    assert html.index('data-part="第一季度"') < html.index('data-part="第三季度"')
    assert "data-item=" not in html  # no chart of items repeated in every quarter


def test_the_unit_page_of_a_scheme_in_tracks_groups_the_items_under_each_line(
    county: Scheme, admin: Client
) -> None:
    run = do_run_assessment(in_tracks(county), 2006, actor=ACTOR)
    tracks = result_of(run, "V1").parts["tracks"]

    html = admin.get(f"/results/{run.pk}/V1/").content.decode()

    headers = [
        f"{track['name']} · {tracks[track['code']]:.2f} / {track['total']:g}"
        for track in run.scheme.tracks
    ]
    assert all(header in html for header in headers), headers
    assert html.index(headers[0]) < html.index(headers[1])
    assert html.count('scope="rowgroup"') == len(headers)
    assert "data-item=" in html  # each item once: the chart is drawn


def test_explain_prints_the_total_explanation_and_the_items_by_quarter(county: Scheme) -> None:
    from django.core.management import call_command

    by_quarter(county)
    out = io.StringIO()
    call_command(
        "explain", "--scheme", "PARTS", "--year", "2006", "--unit", "V1", "--lang", "zh", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[3].startswith("第一季度 100.00 分 × 40%")
    assert "【第一季度】 Q1" in lines and "【第三季度】 Q3" in lines
    assert sum(1 for line in lines if line.startswith("· ")) == 6
