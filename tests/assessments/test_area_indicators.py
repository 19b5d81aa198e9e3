"""The township's own indicators, stored with each run and shown above the ranking to those who
may see every unit the run assessed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AreaIndicatorValue, AssessmentRun, IndicatorValue
from kaohe.assessments.services import assessment_period
from kaohe.audit.services import Actor
from kaohe.checks.models import SourceValue
from kaohe.datavalues.models import DataValue
from kaohe.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

HEADING = "全镇指标"


def summed(run: AssessmentRun, element: str) -> Decimal:
    """``element``'s figures of every unit the run assessed, over its period, added up."""
    period = assessment_period(run.scheme, run.year)
    total = DataValue.objects.filter(
        element__code=element,
        unit__in=run.unit_results.values("unit"),
        period__start_date__gte=period.start,
        period__end_date__lte=period.end,
    ).aggregate(total=Sum("value"))["total"]
    assert total is not None
    return Decimal(total)


def corrected_births(run: AssessmentRun) -> Decimal:
    """Births as the scheme scores them: per unit the larger of its report and what the other
    sources (hospital, spot checks) found over the year, added up unit by unit."""
    period = assessment_period(run.scheme, run.year)
    units = list(run.unit_results.values_list("unit_id", flat=True))
    total = Decimal(0)
    for unit_id in units:
        reported = DataValue.objects.filter(
            element__code="BIRTHS",
            unit_id=unit_id,
            period__start_date__gte=period.start,
            period__end_date__lte=period.end,
        ).aggregate(total=Sum("value"))["total"] or Decimal(0)
        found = [
            row["total"]
            for row in SourceValue.objects.filter(
                element__code="BIRTHS",
                unit_id=unit_id,
                period__start_date__gte=period.start,
                period__end_date__lte=period.end,
            )
            .values("source")
            .annotate(total=Sum("value"))
        ]
        total += max([reported, *found])
    return total


def area_value(run: AssessmentRun, code: str) -> AreaIndicatorValue:
    return AreaIndicatorValue.objects.get(run=run, indicator_code=code)


def test_the_planned_birth_rate_is_summed_policy_births_over_summed_births(
    demo_runs: dict,
) -> None:
    run = demo_runs[2006]
    policy, births = summed(run, "BIRTHS_POLICY"), corrected_births(run)
    # The scheme scores births corrected by the cross-checks: more than were reported.
    assert births > summed(run, "BIRTHS")
    expected = (policy * 100 / births).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    stored = area_value(run, "PLANNED_RATE")
    assert stored.value == float(expected)
    # Not the mean of the villages' rates (which differs whenever villages differ in size).
    rates = IndicatorValue.objects.filter(run=run, indicator_code="PLANNED_RATE")
    values = [v for v in rates.values_list("value", flat=True) if v is not None]
    assert len(values) > 1
    assert stored.value != round(sum(values) / len(values), 2)


def test_each_area_indicator_sits_beside_the_target_of_the_item_scoring_it(
    demo_runs: dict,
) -> None:
    run = demo_runs[2006]
    planned, birth_rate = area_value(run, "PLANNED_RATE"), area_value(run, "BIRTH_RATE")
    assert (planned.target, planned.direction) == (95, "higher")
    assert (birth_rate.target, birth_rate.direction) == (12, "lower")
    assert birth_rate.met == (birth_rate.value is not None and birth_rate.value <= 12)
    # The bonus item also reads N{SATISFACTION_RATE} (target 95); the first item's target counts.
    assert area_value(run, "SATISFACTION_RATE").target == 90


@pytest.mark.parametrize(
    ("value", "target", "direction", "met"),
    [
        (95.0, 95.0, "higher", True),
        (94.99, 95.0, "higher", False),
        (12.0, 12.0, "lower", True),
        (12.01, 12.0, "lower", False),
        (None, 95.0, "higher", None),
        (96.0, None, "", None),
    ],
)
def test_a_target_is_met_at_or_beyond_it_in_the_items_direction(
    value: float | None, target: float | None, direction: str, met: bool | None
) -> None:
    assert AreaIndicatorValue(value=value, target=target, direction=direction).met is met


def test_every_indicator_of_the_scheme_is_stored_once_per_run(demo_runs: dict) -> None:
    for run in demo_runs.values():
        codes = list(
            AreaIndicatorValue.objects.filter(run=run)
            .order_by("sort_order")
            .values_list("indicator_code", flat=True)
        )
        unit_codes = set(
            IndicatorValue.objects.filter(run=run).values_list("indicator_code", flat=True)
        )
        assert len(codes) == len(set(codes)) and set(codes) == unit_codes
        # Listed as the scheme's items that score them, not by code.
        assert codes.index("PLANNED_RATE") < codes.index("CONTRACEPTIVE_RATE")


def client_with(role: str, unit_code: str, username: str) -> Client:
    user = User.objects.create_user(username, password="x-long-password-9")
    do_grant_role(Actor.cli("test"), user, role, OrgUnit.objects.get(code=unit_code))
    client = Client()
    client.force_login(user)
    return client


def test_a_township_admin_sees_the_townships_indicators_above_the_ranking(
    demo_runs: dict,
) -> None:
    run = demo_runs[2006]
    page = client_with(Role.TOWNSHIP_ADMIN, "DEMO_TWP", "twp").get(f"/results/{run.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert HEADING in html and 'data-indicator="PLANNED_RATE"' in html
    planned = area_value(run, "PLANNED_RATE")
    assert f"{planned.value:.2f}%" in html and "≥ 95.00%" in html and "≤ 12.00‰" in html
    assert html.index(HEADING) < html.index("kaohe-ranking")


def test_the_table_speaks_english_in_english(demo_runs: dict) -> None:
    client = client_with(Role.REVIEWER, "DEMO_TWP", "reviewer")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(f"/results/{demo_runs[2006].pk}/").content.decode()
    assert "The township's indicators" in html
    assert "Planned (policy-conforming) birth rate" in html
    assert "计划生育率" not in html


def test_a_reporter_does_not_see_the_townships_figures(demo_runs: dict) -> None:
    run = demo_runs[2006]
    page = client_with(Role.REPORTER, "V11", "reporter").get(f"/results/{run.pk}/")
    html = page.content.decode()
    # They see the run, and their own village's row in it, but no sum over the other villages.
    assert page.status_code == 200
    assert f'href="/results/{run.pk}/V11/"' in html
    assert HEADING not in html and "data-indicator=" not in html
