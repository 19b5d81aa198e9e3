"""The forecast of a small township worked out by hand (conftest.py): the forecast, the backtest,
the early-warning list, the subsidy budget, the service needs, and the assumptions' writes."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract
from kaohe.contracts.services import do_generate_contracts, do_set_target
from kaohe.forecasts.config import forecast_config
from kaohe.forecasts.errors import ForecastError
from kaohe.forecasts.models import TownshipAssumptions
from kaohe.forecasts.selectors import parse_year, township_forecast, township_forecast_chart
from kaohe.forecasts.services import (
    OBJECT_TYPE,
    do_clear_assumptions,
    do_save_assumptions,
)
from kaohe.schemes.models import BirthPlan, Scheme, UnitTarget
from kaohe.schemes.versions import do_publish_scheme

from .conftest import CONSOLE, World, import_csv

pytestmark = pytest.mark.django_db


def forecast_t01(world: World, year: int = 2024, **kwargs: object):  # type: ignore[no-untyped-def]
    return township_forecast(world.unit("T01"), year, **kwargs)  # type: ignore[arg-type]


# --- the forecast -----------------------------------------------------------------------------


def test_a_stationary_township_keeps_its_births_in_every_variant(world: World) -> None:
    report = forecast_t01(world)

    assert report.history_years == (2020, 2021, 2022, 2023, 2024)
    assert report.years == (2025, 2026, 2027, 2028, 2029)
    by_code = {u.code: u for u in report.units}
    for h in range(5):
        assert by_code["VA"].births[h] == pytest.approx((30.6, 36.0, 41.4))
        assert by_code["VB"].births[h] == pytest.approx((10.2, 12.0, 13.8))
        assert report.total.births[h] == pytest.approx((40.8, 48.0, 55.2))
    # Rates 0.05, 0.1, 0.1, 0.05 per woman-year: 5 × 0.3 = 1.5 children per woman.
    assert by_code["VA"].tfr == pytest.approx(1.5)
    assert report.total.tfr == pytest.approx(1.5)
    assert report.total.history == (48.0,) * 5


def test_the_interval_holds_the_medium_variant_and_widens_with_the_horizon(world: World) -> None:
    total = forecast_t01(world).total

    for h in range(5):
        assert total.lower[h] <= total.medium[h] <= total.upper[h]
    widths = [u - lo for lo, u in zip(total.lower, total.upper, strict=True)]
    assert widths == sorted(widths) and widths[-1] > widths[0]


def test_a_small_villages_rates_lean_more_on_the_townships(world: World) -> None:
    by_code = {u.code: u for u in forecast_t01(world).units}

    # 120 women a group over three years against 40: the large village's own rates weigh more.
    assert by_code["VA"].exposure == pytest.approx(3 * 7 * 120)
    assert by_code["VB"].exposure == pytest.approx(3 * 7 * 40)
    assert by_code["VA"].own_weight > by_code["VB"].own_weight > 0


def test_a_village_without_figures_is_listed_but_not_forecast(world: World) -> None:
    report = forecast_t01(world)
    village = next(u for u in report.units if u.code == "VC")

    assert not village.projectable
    assert village.history == (None,) * 5
    assert report.total.missing_units == 1
    assert report.total.medium[0] == pytest.approx(48.0)


def test_the_backtest_of_a_stationary_township_has_no_error(world: World) -> None:
    tested = forecast_t01(world).backtest

    assert [y.year for y in tested.years] == [2023, 2024]
    assert [y.predicted for y in tested.years] == pytest.approx([48.0, 48.0])
    assert [y.actual for y in tested.years] == [48.0, 48.0]
    assert tested.mape == pytest.approx(0.0)
    assert tested.coverage == 1.0


def test_the_backtest_needs_more_years_than_the_minimum(world: World) -> None:
    # 丙镇 has one year: forecast from it, but nothing to backtest.
    report = township_forecast(world.unit("T02"), 2024)

    assert report.backtest.years == ()
    assert "3" in report.backtest.reason
    assert report.total.medium[0] > 0


def test_figures_after_the_base_year_are_shown_beside_the_forecast(world: World) -> None:
    report = forecast_t01(world, 2022)

    assert report.history_years == (2020, 2021, 2022)
    assert report.years[:2] == (2023, 2024)
    assert report.total.actual[:2] == (48.0, 48.0)
    assert report.total.actual[2:] == (None, None, None)


def test_a_horizon_asked_for_replaces_the_default(world: World) -> None:
    report = forecast_t01(world, horizon=2)

    assert report.years == (2025, 2026)
    assert len(report.services) == 2


def test_a_base_year_without_figures_is_refused_naming_the_years_that_have_them(
    world: World,
) -> None:
    with pytest.raises(ForecastError) as refused:
        forecast_t01(world, 2019)

    assert refused.value.field == "year"
    assert "2020、2021、2022、2023、2024" in str(refused.value)
    assert " / " in str(refused.value)


def test_the_default_base_year_is_the_latest_with_figures(world: World) -> None:
    assert parse_year("", world.unit("T01")) == 2024
    assert parse_year(" 2022 ", world.unit("T01")) == 2022
    with pytest.raises(ForecastError):
        parse_year("20x4", world.unit("T01"))


def test_births_by_age_that_disagree_with_the_monthly_births_are_listed(world: World) -> None:
    assert forecast_t01(world).mismatches == ()
    import_csv("dataelement,period,orgunit,catoptcombo,attroptcombo,value\n"
               "BIRTHS_MOTHER_15_19,2023,VA,,,7\n")  # fmt: skip

    (mismatch,) = forecast_t01(world).mismatches

    assert (mismatch.code, mismatch.year, mismatch.by_age, mismatch.reported) == (
        "VA",
        2023,
        37.0,
        36.0,
    )


# --- the early-warning list -----------------------------------------------------------------


def test_the_village_over_its_quota_is_ranked_first_and_flagged(world: World) -> None:
    report = forecast_t01(world)
    first, second = report.warnings

    assert report.warning_year == 2025
    assert (first.code, first.quota.value, first.quota.source) == ("VA", 30.0, "target")
    assert first.flagged and first.probability > 0.7
    assert (second.code, second.quota.value) == ("VB", 20.0)
    assert not second.flagged and second.probability < 0.05
    assert report.flagged == (first,)


def test_a_contract_target_comes_before_the_unit_target(world: World) -> None:
    scheme = do_publish_scheme(Scheme.objects.get(code="PLAN_TEST"), CONSOLE, note="test")
    do_generate_contracts(scheme, 2025, world.unit("T01"), CONSOLE)
    contract = Contract.objects.get(unit__code="VB", year=2025)
    do_set_target(contract, "BIRTHS_VS_PLAN", 10, CONSOLE)

    rows = {w.code: w for w in forecast_t01(world).warnings}

    assert (rows["VB"].quota.value, rows["VB"].quota.source) == (10.0, "contract")
    assert rows["VB"].flagged
    assert rows["VA"].quota.source == "contract"  # the draft took the unit's own target


def test_the_birth_plan_counts_where_no_target_is_set(world: World) -> None:
    UnitTarget.objects.filter(year=2025).delete()
    BirthPlan.objects.create(
        scheme=Scheme.objects.get(code="PLAN_TEST"),
        township=world.unit("T01"),
        year=2025,
        method="population",
        cap_births=60,
        quotas={"VA": 40, "VB": 20},
    )

    rows = {w.code: w for w in forecast_t01(world).warnings}

    assert (rows["VA"].quota.value, rows["VA"].quota.source) == (40.0, "plan")
    assert not rows["VA"].flagged


def test_no_quota_means_no_early_warning(world: World) -> None:
    assert forecast_t01(world, 2023).warnings == ()  # quotas exist for 2025 only


# --- the budget and the needs ---------------------------------------------------------------


def test_the_subsidy_budget_counts_children_under_three_by_quarter(world: World) -> None:
    budget = forecast_t01(world).budget.budget

    assert budget is not None
    assert budget.quarters == tuple((y, q) for y in (2025, 2026) for q in (1, 2, 3, 4))
    # 4 births a month × 36 months = 144 children, 432 child-months, × ¥3,600 / 12.
    assert list(budget.total_children) == pytest.approx([144.0] * 8)
    assert budget.total_money == (Decimal("129600.00"),) * 8
    by_unit = dict(zip(budget.units, budget.money, strict=True))
    assert by_unit["VA"][0] == Decimal("97200.00")
    assert by_unit["VB"][0] == Decimal("32400.00")
    assert by_unit["VC"][0] == Decimal("0.00")
    assert all(budget.complete)


def test_there_is_no_budget_before_the_subsidy_starts(world: World) -> None:
    config = forecast_config()
    later = dataclasses.replace(
        config, subsidy=dataclasses.replace(config.subsidy, first_month=(2031, 1))
    )

    report = forecast_t01(world, config=later)

    assert report.budget.budget is None
    assert "2031" in report.budget.reason


def test_the_budget_starts_with_the_subsidy(world: World) -> None:
    config = forecast_config()
    later = dataclasses.replace(
        config, subsidy=dataclasses.replace(config.subsidy, first_month=(2026, 4))
    )

    budget = forecast_t01(world, config=later).budget.budget

    assert budget is not None and budget.quarters[0] == (2026, 2)
    assert len(budget.quarters) == 3  # the eight quarters after 2024 that are not before it


def test_service_needs_follow_the_configured_ratios(world: World) -> None:
    first = forecast_t01(world).services[0]

    assert first.year == 2025
    assert first.births == pytest.approx(48.0)
    assert first.newborn_screening == pytest.approx(48 * 0.98)
    assert first.prepregnancy_target == pytest.approx(60.0)
    assert first.prepregnancy_screening == pytest.approx(48.0)
    # 1,300 residents, unchanged over the history: 1.3 thousand × 4.5 places.
    assert first.population == pytest.approx(1300.0)
    assert first.childcare_places == pytest.approx(5.85)


# --- the assumptions ------------------------------------------------------------------------


def test_saving_assumptions_is_audited_and_changes_the_forecast(world: World) -> None:
    before = forecast_t01(world).total.medium[4]
    township = world.unit("T01")

    do_save_assumptions(CONSOLE, township, {"survival": "1", "net_migration": "-0.1"}, "外出")

    after = forecast_t01(world)
    assert after.assumptions.net_migration == -0.1
    assert after.total.medium[4] < before
    entry = AuditEntry.objects.filter(object_type=OBJECT_TYPE, object_key="T01").latest("id")
    assert entry.action == "forecast.assumptions_save"
    assert entry.before["net_migration"] == 0.0
    assert entry.after["net_migration"] == -0.1 and entry.after["note"] == "外出"


def test_saving_the_same_assumptions_again_writes_no_audit_row(world: World) -> None:
    row = TownshipAssumptions.objects.get(township__code="T01")
    count = AuditEntry.objects.filter(object_type=OBJECT_TYPE).count()

    do_save_assumptions(
        CONSOLE, world.unit("T01"), {"survival": "1", "net_migration": "0"}, row.note
    )

    assert AuditEntry.objects.filter(object_type=OBJECT_TYPE).count() == count


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"survival": "2"}, "survival"),
        ({"net_migration": "abc"}, "net_migration"),
        ({"low_factor": "0.9", "high_factor": "1.0"}, None),  # allowed: the control
        ({"low_factor": "1.0", "high_factor": "1.2", "entrants": "-1"}, "entrants"),
    ],
)
def test_a_refused_assumption_changes_nothing(
    world: World, data: dict[str, str], field: str | None
) -> None:
    row = TownshipAssumptions.objects.get(township__code="T01")
    count = AuditEntry.objects.count()
    if field is None:
        do_save_assumptions(CONSOLE, world.unit("T01"), data)
        return
    with pytest.raises(ForecastError) as refused:
        do_save_assumptions(CONSOLE, world.unit("T01"), data)

    assert refused.value.field == field
    assert " / " in str(refused.value)
    row.refresh_from_db()
    assert (row.survival, row.net_migration, row.entrants) == (1.0, 0.0, None)
    assert AuditEntry.objects.count() == count


def test_only_the_townships_administrators_may_save_its_assumptions(world: World) -> None:
    for name in ("other_admin", "reviewer", "county_viewer"):
        actor = Actor(name=name, channel="web", user=world.users[name])
        with pytest.raises(PermissionDenied):
            do_save_assumptions(actor, world.unit("T01"), {"survival": "0.99"})
    admin = Actor(name="township_admin", channel="web", user=world.users["township_admin"])
    do_save_assumptions(admin, world.unit("T01"), {"survival": "0.99"})
    assert TownshipAssumptions.objects.get(township__code="T01").survival == 0.99


def test_clearing_goes_back_to_the_configured_defaults(world: World) -> None:
    assert do_clear_assumptions(CONSOLE, world.unit("T01"))

    report = forecast_t01(world)

    assert report.saved is None
    assert report.assumptions == forecast_config().assumptions
    assert report.total.medium[0] < 48.0  # survival 0.9995 now
    entry = AuditEntry.objects.filter(object_type=OBJECT_TYPE).latest("id")
    assert (entry.action, entry.after) == ("forecast.assumptions_clear", None)
    assert not do_clear_assumptions(CONSOLE, world.unit("T01"))


# --- the dashboard's chart ------------------------------------------------------------------


def test_the_dashboard_chart_uses_the_latest_year_with_figures(world: World) -> None:
    chart = township_forecast_chart(world.unit("T01"), 2026)

    assert chart.base_year == 2024 and chart.report is not None
    data = chart.chart
    assert data["history_years"] == [2020, 2021, 2022, 2023, 2024]
    assert data["medium"] == pytest.approx([48.0] * 5)
    assert chart.data_id == "forecast-data-T01-2024"


def test_the_dashboard_chart_says_why_there_is_none(world: World) -> None:
    chart = township_forecast_chart(world.unit("T01"), 2019)

    assert chart.report is None and "2019" in chart.message


def test_the_dashboard_chart_refuses_a_township_the_user_may_not_see(world: World) -> None:
    chart = township_forecast_chart(world.unit("T01"), 2024, world.users["other_admin"])

    assert chart.report is None and chart.message
