"""The demo's women and births by age (kaohe.demo.forecast_figures), and the demo township's
forecast built through the real services: its dashboard chart, the command line, the backtest."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue
from kaohe.demo.forecast_figures import (
    BIRTHS_ELEMENTS,
    WOMEN_ELEMENTS,
    era_years,
    forecast_values,
    generate_forecast_figures,
)
from kaohe.demo.generator import DEFAULT_SEED, TOWNSHIP_CODE, generate_township
from kaohe.demo.services import DemoSummary, do_build_demo
from kaohe.forecasts.selectors import township_forecast, township_forecast_chart
from kaohe.orgunits.models import OrgUnit
from kaohe.validation.models import ValidationRule
from kaohe.validation.services import do_run_validation

# --- the figures, without a database --------------------------------------------------------


@pytest.fixture(scope="module")
def township() -> Any:
    return generate_township()


def _sum_by(values: Any, elements: tuple[str, ...]) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = {}
    for v in values:
        if v.element in elements:
            key = (v.unit, v.period[:4])
            totals[key] = totals.get(key, 0) + v.value
    return totals


def test_the_demo_covers_two_runs_of_years_long_enough_for_a_backtest() -> None:
    assert era_years((2005, 2006), (2026,)) == (tuple(range(2001, 2007)), tuple(range(2019, 2027)))
    assert era_years((2005, 2006), ()) == (tuple(range(2001, 2007)), ())
    # The 2026 run never reaches back into the first one.
    assert era_years((2020, 2021), (2026,))[1] == tuple(range(2022, 2027))


def test_births_by_age_add_up_to_the_births_each_village_reported(township: Any) -> None:
    by_age = _sum_by(forecast_values(township), BIRTHS_ELEMENTS)
    reported = _sum_by(township.values, ("BIRTHS",)) | _sum_by(
        township.values, ("NEWBORN_LIVE_BIRTHS",)
    )

    for code in township.village_codes:
        for year in ("2005", "2006", "2026"):
            assert by_age[(code, year)] == reported[(code, year)], (code, year)
    # The concealed birth stays concealed: the reported figure, not the true one.
    s = township.stories
    assert (
        by_age[(s.concealed, str(s.concealed_year))]
        == township.true_births[s.concealed_year][s.concealed] - 1
    )


def test_every_village_has_women_and_births_by_age_in_every_year(township: Any) -> None:
    values = forecast_values(township)
    keys = {(v.element, v.period, v.unit) for v in values}
    years = [*range(2001, 2007), *range(2019, 2027)]

    for code in township.village_codes:
        for year in years:
            for element in (*WOMEN_ELEMENTS, *BIRTHS_ELEMENTS):
                assert (element, str(year), code) in keys
    assert all(v.value >= 0 for v in values)
    assert len(values) == 20 * len(years) * 14


def test_villages_vary_in_size_and_a_small_one_has_a_handful_of_births(township: Any) -> None:
    births = _sum_by(forecast_values(township), BIRTHS_ELEMENTS)
    women = _sum_by(forecast_values(township), WOMEN_ELEMENTS)
    in_2026 = sorted(births[(c, "2026")] for c in township.village_codes)
    sizes = sorted(women[(c, "2026")] for c in township.village_codes)

    assert in_2026[0] <= 6 < 12 <= in_2026[-1]
    assert sizes[-1] > 2 * sizes[0]


def test_the_figures_are_the_same_for_the_same_seed_and_differ_for_another() -> None:
    one, two = generate_township(DEFAULT_SEED), generate_township(DEFAULT_SEED)
    assert forecast_values(one) == forecast_values(two)
    other = generate_township(7)
    assert generate_forecast_figures(
        7, other.village_codes, other.years_2006, other.years_2026, other.values
    ).values != forecast_values(one)


def test_women_age_year_by_year_as_the_forecast_assumes(township: Any) -> None:
    values = {(v.element, v.period, v.unit): v.value for v in forecast_values(township)}
    code = township.village_codes[0]
    # A fifth of 20–24 moves up each year: 25–29 gains about that many, loses a fifth of itself.
    for year in range(2020, 2027):
        before = [values[(e, str(year - 1), code)] for e in WOMEN_ELEMENTS]
        after = [values[(e, str(year), code)] for e in WOMEN_ELEMENTS]
        expected = before[2] * 0.8 + before[1] * 0.2
        assert abs(after[2] - expected) <= 0.05 * expected + 2, year


# --- the built demo -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield do_build_demo(Actor.cli("test"))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_forecast_from_2026_covers_five_years_and_prices_the_subsidy(
    demo: DemoSummary,
) -> None:
    report = township_forecast(OrgUnit.objects.get(code=TOWNSHIP_CODE), 2026)

    assert report.history_years == tuple(range(2019, 2027))
    assert report.years == tuple(range(2027, 2032))
    assert len(report.units) == 20 and all(u.projectable for u in report.units)
    low, medium, high = report.total.births[0]
    assert 0 < low < medium < high
    assert report.total.lower[0] <= medium <= report.total.upper[0]
    # Falling births: the history's last years and the forecast are below 2019's.
    assert medium < report.total.history[0]
    budget = report.budget.budget
    assert budget is not None and len(budget.quarters) == 8 and all(budget.complete)
    assert report.budget.total > 0
    assert [y.year for y in report.backtest.years] == [2022, 2023, 2024, 2025, 2026]
    assert report.backtest.mape is not None and report.backtest.mape < 0.3
    assert report.warnings == ()  # no birth quotas after 2021
    assert report.mismatches == ()


@pytest.mark.django_db
def test_the_demo_forecast_of_the_fourth_birth_peak_warns_before_the_plan_is_set(
    demo: DemoSummary,
) -> None:
    report = township_forecast(OrgUnit.objects.get(code=TOWNSHIP_CODE), 2005)

    assert report.years[0] == 2006
    # What happened in 2006 beside the forecast: the births the villages reported.
    reported = DataValue.objects.filter(
        element__code="BIRTHS", period__code__startswith="2006", unit__kind="village"
    ).aggregate(total=Sum("value"))["total"]
    assert report.total.actual[0] == float(reported)
    assert len(report.warnings) == 20
    assert {w.quota.source for w in report.warnings} == {"contract"}
    probabilities = [w.probability for w in report.warnings]
    assert probabilities == sorted(probabilities, reverse=True)
    assert report.budget.budget is None  # the subsidy came in 2025
    assert report.mismatches == ()  # births by age agree with the monthly BIRTHS


@pytest.mark.django_db
def test_the_demo_figures_pass_the_forecast_validation_rules(demo: DemoSummary) -> None:
    township = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    for code in ("VRF_BIRTHS_BY_AGE_EQ_LIVE_BIRTHS", "VRF_BIRTHS_BY_AGE_LE_WOMEN"):
        run = do_run_validation(
            Actor.cli("test"), township, 2026, ValidationRule.objects.get(code=code)
        )
        assert (run.passed, run.failed) == (20, 0), code


@pytest.mark.django_db
def test_the_demo_dashboard_chart_and_the_command_line(demo: DemoSummary) -> None:
    chart = township_forecast_chart(OrgUnit.objects.get(code=TOWNSHIP_CODE), 2026)
    assert chart.base_year == 2026 and len(chart.chart["medium"]) == 5

    out = io.StringIO()
    call_command("forecast", "--township", TOWNSHIP_CODE, "--backtest", stdout=out)
    text = out.getvalue()
    assert "2031" in text and "MAPE" in text and "V20" in text
