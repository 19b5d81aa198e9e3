"""The demo built through the real services, assessed, and its stories read back from the results."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from kaohe.accounts.models import Membership, Role
from kaohe.assessments.models import AssessmentRun, ItemResult, UnitResult
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract
from kaohe.datavalues.models import DataValue
from kaohe.demo.contracts import AMENDED_VILLAGE, UNSIGNED_VILLAGE
from kaohe.demo.figures_2026 import FIRST_2026_YEAR, SCHEME_2026
from kaohe.demo.generator import TOWNSHIP_CODE
from kaohe.demo.management.commands.demo import sqlite_file_in
from kaohe.demo.services import (
    DEMO_SCHEMES,
    DemoError,
    DemoSummary,
    do_assess_demo,
    do_assess_demo_schemes,
    do_build_demo,
    do_ensure_demo_user,
)
from kaohe.demo.years import LAST_2006_YEAR
from kaohe.elements.models import DataElement, DataSet
from kaohe.orgunits.models import OrgUnit, UnitKind
from kaohe.schemes.models import BirthPlan, GradeBand, Scheme, SchemeStatus, UnitTarget

LIBRARY_2026 = Path(__file__).resolve().parents[2] / "kaohe" / "library" / "2026"


@dataclass(frozen=True)
class Row:
    rank: int
    total: float
    grade: str
    vetoed: bool
    vetoes: tuple[str, ...]
    parts: dict[str, Any]


@dataclass(frozen=True)
class Built:
    summary: DemoSummary
    seconds: float
    results: dict[int, dict[str, Row]]
    grades_low_to_high: list[str]
    values: int
    value_audit_rows: int
    quota_targets: dict[int, dict[str, float]]
    # {scheme code: {year: {unit code: Row}}} for the direct-unit and department schemes
    others: dict[str, dict[int, dict[str, Row]]]
    statuses: dict[str, str]
    publish_audit_rows: int
    # {(scheme code, year, unit code): [(version, status), …]} oldest version first
    contracts: dict[tuple[str, int, str], list[tuple[int, str]]]
    # {(scheme code, year): (cap, quotas)}
    plans: dict[tuple[str, int], tuple[int, dict[str, int]]]
    # {(scheme code, year, unit code): the version of the contract the result scored, or None}
    scored_versions: dict[tuple[str, int, str], int | None]
    # The 2026 village run: {unit code: Row}, and {(unit code, item code): (score, actual)}
    results_2026: dict[str, Row]
    items_2026: dict[tuple[str, str], tuple[float, float | None]]
    # {(scheme code, year): (validity override, warnings)} of every run
    runs: dict[tuple[str, int], tuple[str, list[str]]]
    # {scheme code: (year_from, year_to)}
    valid_years: dict[str, tuple[int | None, int | None]]
    datasets: set[str]
    elements: set[str]


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Built:
    """Build and assess the demo once for the module, read what was stored, roll it back."""
    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.cli("test")
        started = time.perf_counter()
        summary = do_build_demo(actor)
        seconds = time.perf_counter() - started
        every = do_assess_demo_schemes(actor, summary.years)
        runs = every["VILLAGE_2006"]

        def rows(run: Any, kind: str) -> dict[str, Row]:
            return {
                r.unit.code: Row(
                    r.rank, float(r.total), r.grade, r.vetoed, tuple(r.vetoes), dict(r.parts)
                )
                for r in UnitResult.objects.filter(run=run, kind=kind).select_related("unit")
            }

        results = {year: rows(run, "village") for year, run in runs.items()}
        run_2026 = every[SCHEME_2026][2026]
        kinds = {"DIRECT_UNITS_2006": "direct_unit", "DEPARTMENTS_2006": "department"}
        others = {
            code: {year: rows(run, kinds[code]) for year, run in every[code].items()}
            for code in kinds
        }
        scheme = next(iter(runs.values())).scheme
        grades = list(
            GradeBand.objects.filter(scheme=scheme)
            .order_by("min_total")
            .values_list("code", flat=True)
        )
        quota_targets: dict[int, dict[str, float]] = {}
        for year, code, value in UnitTarget.objects.filter(
            item__scheme=scheme, item__code="BIRTHS_VS_PLAN"
        ).values_list("year", "unit__code", "value"):
            quota_targets.setdefault(year, {})[code] = value
        out = Built(
            summary=summary,
            seconds=seconds,
            results=results,
            grades_low_to_high=grades,
            values=DataValue.objects.filter(unit__path__contains=f"/{TOWNSHIP_CODE}/").count(),
            value_audit_rows=AuditEntry.objects.filter(action="datavalue.create").count(),
            quota_targets=quota_targets,
            others=others,
            statuses=dict(Scheme.objects.values_list("code", "status")),
            publish_audit_rows=AuditEntry.objects.filter(action="scheme.publish").count(),
            contracts=_contract_states(),
            plans={
                (p.scheme.code, p.year): (p.cap_births, dict(p.quotas))
                for p in BirthPlan.objects.select_related("scheme")
            },
            scored_versions={
                (r.run.scheme.code, r.run.year, r.unit.code): (
                    r.contract.version if r.contract is not None else None
                )
                for code_runs in every.values()
                for r in UnitResult.objects.filter(run__in=list(code_runs.values())).select_related(
                    "run__scheme", "unit", "contract"
                )
            },
            results_2026=rows(run_2026, "village"),
            items_2026={
                (unit, item): (float(score), None if actual is None else float(actual))
                for unit, item, score, actual in ItemResult.objects.filter(
                    unit_result__run=run_2026
                ).values_list("unit_result__unit__code", "item_code", "score", "actual")
            },
            runs={
                (r.scheme.code, r.year): (r.validity_override, list(r.warnings))
                for r in AssessmentRun.objects.select_related("scheme")
            },
            valid_years={
                code: (low, high)
                for code, low, high in Scheme.objects.values_list("code", "year_from", "year_to")
            },
            datasets=set(DataSet.objects.values_list("code", flat=True)),
            elements=set(DataElement.objects.values_list("code", flat=True)),
        )
        transaction.set_rollback(True)
    return out


def _contract_states() -> dict[tuple[str, int, str], list[tuple[int, str]]]:
    states: dict[tuple[str, int, str], list[tuple[int, str]]] = {}
    for c in Contract.objects.select_related("scheme", "unit").order_by("version"):
        states.setdefault((c.scheme.code, c.year, c.unit.code), []).append((c.version, c.status))
    return states


def test_the_county_caps_are_recorded_as_birth_plans_with_the_villages_quotas(
    built: Built,
) -> None:
    # VILLAGE_2026 has no plan item: no birth plan in 2026.
    assert built.plans == {
        ("VILLAGE_2006", year): (built.summary.caps[year], built.summary.quotas[year])
        for year in built.summary.years_2006
    }


def test_every_unit_signs_a_contract_each_year_except_the_one_left_unsigned(built: Built) -> None:
    made = built.summary.contracts
    assert made is not None
    last = max(built.summary.years_2006)
    assert made.unsigned == [f"{UNSIGNED_VILLAGE}/{last}"]
    assert built.contracts[("VILLAGE_2006", last, UNSIGNED_VILLAGE)] == [(1, "draft")]
    villages = len(built.summary.villages)
    units = villages + len(built.summary.direct_units) + len(built.summary.departments)
    assert len(built.contracts) == units * len(built.summary.years_2006) + villages * len(
        built.summary.years_2026
    )
    # In 2026 every village signs VILLAGE_2026's contract, and the 2026 results score it.
    for code in built.summary.villages:
        assert built.contracts[(SCHEME_2026, 2026, code)] == [(1, "signed")]
        assert built.scored_versions[(SCHEME_2026, 2026, code)] == 1
    unsigned = [key for key, versions in built.contracts.items() if versions[-1][1] == "draft"]
    assert unsigned == [("VILLAGE_2006", last, UNSIGNED_VILLAGE)]


def test_the_amended_contract_keeps_its_first_version_and_the_results_score_the_second(
    built: Built,
) -> None:
    last = max(built.summary.years_2006)
    key = ("VILLAGE_2006", last, AMENDED_VILLAGE)
    assert built.contracts[key] == [(1, "superseded"), (2, "signed")]
    assert built.scored_versions[key] == 2
    assert built.scored_versions[("VILLAGE_2006", last, UNSIGNED_VILLAGE)] is None
    first = min(built.summary.years_2006)
    assert built.scored_versions[("DIRECT_UNITS_2006", first, built.summary.direct_units[0])] == 1


def test_the_figures_and_quotas_went_through_the_importer_and_the_loader(built: Built) -> None:
    # Zeros of the spot-check counts are not stored (their zeros carry no meaning).
    assert built.summary.imported + built.summary.ignored == built.summary.values
    assert built.values == built.summary.imported
    assert built.value_audit_rows == built.summary.imported
    assert built.quota_targets == {
        year: {code: float(q) for code, q in quotas.items()}
        for year, quotas in built.summary.quotas.items()
    }


def test_twenty_villages_are_ranked_each_year(built: Built) -> None:
    for year in built.summary.years_2006:
        rows = built.results[year]
        assert sorted(rows) == [f"V{i:02d}" for i in range(1, 21)]
        assert all(1 <= row.rank <= 20 for row in rows.values())


def test_the_over_plan_village_is_vetoed_and_ranked_last(built: Built) -> None:
    s = built.summary.stories
    rows = built.results[s.over_plan_year]
    row = rows[s.over_plan]
    assert "OVER_PLAN" in row.vetoes
    assert row.vetoed
    assert row.grade == "FAIL"
    unvetoed = [r.rank for r in rows.values() if not r.vetoed]
    assert row.rank > max(unvetoed)


def test_the_over_plan_village_is_not_vetoed_in_the_other_year(built: Built) -> None:
    s = built.summary.stories
    for year in built.summary.years_2006:
        if year != s.over_plan_year:
            assert "OVER_PLAN" not in built.results[year][s.over_plan].vetoes


def test_the_village_that_concealed_a_birth_is_vetoed(built: Built) -> None:
    s = built.summary.stories
    row = built.results[s.concealed_year][s.concealed]
    assert row.vetoed
    assert "CONCEALED" in row.vetoes
    assert row.grade == "FAIL"


def test_only_the_story_villages_are_vetoed(built: Built) -> None:
    s = built.summary.stories
    vetoed = {
        (year, code)
        for year, rows in built.results.items()
        for code, row in rows.items()
        if row.vetoed
    }
    assert vetoed == {(s.over_plan_year, s.over_plan), (s.concealed_year, s.concealed)}


def test_the_village_weak_in_both_years_is_in_the_bottom_grades_both_years(built: Built) -> None:
    s = built.summary.stories
    bottom = set(built.grades_low_to_high[:2])
    for year in built.summary.years_2006:
        assert built.results[year][s.weak_both].grade in bottom


def test_weak_villages_rank_below_every_ordinary_village(built: Built) -> None:
    s = built.summary.stories
    for year in built.summary.years_2006:
        rows = built.results[year]
        story = {s.over_plan, s.concealed, s.under_reported, *s.weak[year]}
        ordinary = [row.total for code, row in rows.items() if code not in story]
        for code in s.weak[year]:
            assert rows[code].grade in set(built.grades_low_to_high[:2])
            assert rows[code].total < min(ordinary)


def test_the_under_reporting_village_loses_points_but_is_not_vetoed(built: Built) -> None:
    s = built.summary.stories
    rows = built.results[s.under_reported_year]
    row = rows[s.under_reported]
    assert not row.vetoed
    assert row.total < 100


def test_the_demo_publishes_the_four_schemes_it_loads(built: Built) -> None:
    assert built.statuses == dict.fromkeys(DEMO_SCHEMES, SchemeStatus.PUBLISHED)
    assert set(DEMO_SCHEMES) == {
        "VILLAGE_2006",
        "DIRECT_UNITS_2006",
        "DEPARTMENTS_2006",
        SCHEME_2026,
    }
    assert built.publish_audit_rows == 4
    assert built.summary.published == DEMO_SCHEMES


def test_every_direct_unit_and_department_has_a_result_each_year(built: Built) -> None:
    direct = built.others["DIRECT_UNITS_2006"]
    departments = built.others["DEPARTMENTS_2006"]
    for year in built.summary.years_2006:
        assert sorted(direct[year]) == sorted(built.summary.direct_units)
        assert sorted(departments[year]) == sorted(built.summary.departments)
        for row in direct[year].values():
            assert set(row.parts["tracks"]) == {"LEAD", "BASE"}
            assert row.grade
        for row in departments[year].values():
            assert set(row.parts["periods"]) == {"H1", "Q3", "Q4"}
            assert row.grade
    assert len(built.summary.direct_units) == 4 and len(built.summary.departments) == 3


def test_the_unit_with_a_birth_outside_policy_is_vetoed_in_its_year_only(built: Built) -> None:
    u = built.summary.unit_stories
    for year, rows in built.others["DIRECT_UNITS_2006"].items():
        vetoed = {code for code, row in rows.items() if row.vetoed}
        if year == u.out_of_policy_year:
            assert vetoed == {u.out_of_policy}
            row = rows[u.out_of_policy]
            assert row.vetoes == ("STAFF_OUT_OF_POLICY",) and row.grade == "FAIL"
            assert row.rank == len(rows)
        else:
            assert vetoed == set()


def test_late_reports_cost_the_groundwork_line(built: Built) -> None:
    u = built.summary.unit_stories
    row = built.others["DIRECT_UNITS_2006"][u.late_reports_year][u.late_reports]
    # Three late reports at 5 points each: at most 85 on the groundwork line.
    assert row.parts["tracks"]["BASE"] <= 85
    assert not row.vetoed


def test_the_unchecked_licence_lowers_the_fourth_quarter_check(built: Built) -> None:
    u = built.summary.unit_stories
    year = u.unchecked_licence_year
    periods = built.others["DEPARTMENTS_2006"][year][u.unchecked_licence].parts["periods"]
    # One licence of a handful unchecked: the completeness item loses well over ten points.
    assert periods["Q4"] < 90


def test_the_case_solved_earns_the_police_a_bonus_in_the_third_quarter(built: Built) -> None:
    u = built.summary.unit_stories
    periods = built.others["DEPARTMENTS_2006"][u.case_solved_year][u.case_solved].parts["periods"]
    assert periods["Q3"] > 0
    departments = built.others["DEPARTMENTS_2006"]
    assert not any(row.vetoed for rows in departments.values() for row in rows.values())


# --- 2026 --------------------------------------------------------------------------------


def test_both_libraries_load_into_the_one_database(built: Built) -> None:
    assert {"VILLAGE_MONTHLY", "VILLAGE_QUARTERLY", "VILLAGE_YEARLY"} <= built.datasets
    assert {
        "VILLAGE_MONTHLY_2026",
        "VILLAGE_QUARTERLY_2026",
        "VILLAGE_YEARLY_2026",
        "TOWNSHIP_CHECK_2026",
    } <= built.datasets
    library = yaml.safe_load((LIBRARY_2026 / "elements.yaml").read_text(encoding="utf-8"))
    elements_2026 = {element["code"] for element in library["elements"]}
    assert len(elements_2026) == 21
    assert elements_2026 <= built.elements
    assert {"BIRTHS", "POPULATION", "CHECK_BIRTHS_CONCEALED"} <= built.elements


def test_each_scheme_is_assessed_only_for_the_demo_years_it_is_valid_for(built: Built) -> None:
    assert set(built.runs) == {
        *((code, year) for code in DEMO_SCHEMES[:3] for year in (2005, 2006)),
        (SCHEME_2026, 2026),
    }
    # Never stretched: no run needed a reason or carries a warning.
    assert all(runs == ("", []) for runs in built.runs.values())
    # The demo splits its years where the libraries' schemes end and start.
    for code in DEMO_SCHEMES[:3]:
        assert built.valid_years[code][1] == LAST_2006_YEAR
    assert built.valid_years[SCHEME_2026] == (FIRST_2026_YEAR, None)


def test_every_village_is_ranked_in_2026(built: Built) -> None:
    rows = built.results_2026
    assert sorted(rows) == list(built.summary.villages)
    assert all(1 <= row.rank < 20 for row in rows.values() if not row.vetoed)
    assert all(row.grade for row in rows.values())


def test_the_late_payer_loses_the_subsidy_payment_item_but_is_not_vetoed(built: Built) -> None:
    s = built.summary.stories_2026
    assert s is not None
    score, actual = built.items_2026[(s.late_payer, "SUBSIDY_PAID")]
    assert actual is not None and actual < 85
    assert actual == pytest.approx(round(s.late_paid * 100 / s.late_due, 2))
    # Fifteen points or more short at 3 points a point: nothing left of the 15.
    assert score == 0
    assert not built.results_2026[s.late_payer].vetoed
    kept = [
        built.items_2026[(code, "SUBSIDY_PAID")][0]
        for code in built.summary.villages
        if code != s.late_payer
    ]
    assert min(kept) > 0


def test_the_falsifier_is_vetoed_and_ranked_last_in_2026(built: Built) -> None:
    s = built.summary.stories_2026
    assert s is not None
    rows = built.results_2026
    row = rows[s.falsified]
    assert row.vetoes == ("FALSIFIED",)
    assert row.grade == "FAIL"
    assert row.rank == len(rows)
    # Its reports looked good: without the veto it would have ranked among the best.
    assert row.total >= 90
    assert [code for code, r in rows.items() if r.vetoed] == [s.falsified]


def test_the_excellent_village_is_first_in_2026_with_the_bonus(built: Built) -> None:
    s = built.summary.stories_2026
    assert s is not None
    row = built.results_2026[s.excellent]
    assert row.rank == 1 and row.grade == "EXCELLENT"
    assert built.items_2026[(s.excellent, "CHILDCARE_BONUS")][0] == 2
    assert row.total == 102
    others = [r.total for code, r in built.results_2026.items() if code != s.excellent]
    assert max(others) < row.total


@pytest.mark.django_db
def test_without_2026_the_demo_assesses_the_same_2005_and_2006_results(built: Built) -> None:
    # Given the demo of 2005 and 2006 only
    summary = do_build_demo(Actor.cli("test"), years=(2005, 2006))

    # when it is assessed (the village runs come back)
    every = do_assess_demo_schemes(Actor.cli("test"), summary.years)
    runs = do_assess_demo(Actor.cli("test"), summary.years)

    # then nothing is assessed for 2026 and every 2005 and 2006 result is the one of the
    # default demo, which has 2026 as well.
    assert summary.years == (2005, 2006) and summary.stories_2026 is None
    assert sorted(runs) == [2005, 2006]
    assert {run.scheme.code for run in runs.values()} == {"VILLAGE_2006"}
    assert set(every) == set(DEMO_SCHEMES[:3])
    assert not AssessmentRun.objects.filter(scheme__code=SCHEME_2026).exists()
    assert not DataValue.objects.filter(period__code__startswith="2026").exists()
    for code, by_year in every.items():
        for year, run in by_year.items():
            alone = {
                r.unit.code: (r.rank, float(r.total), r.grade, tuple(r.vetoes))
                for r in UnitResult.objects.filter(run=run).select_related("unit")
            }
            default = built.results[year] if code == "VILLAGE_2006" else built.others[code][year]
            assert alone == {
                unit: (row.rank, row.total, row.grade, row.vetoes) for unit, row in default.items()
            }, (code, year)


@pytest.mark.django_db
def test_a_second_build_in_the_same_database_is_refused() -> None:
    do_build_demo(Actor.cli("test"))
    with pytest.raises(DemoError, match="already holds the demo"):
        do_build_demo(Actor.cli("test"))


@pytest.mark.django_db
def test_the_demo_user_is_created_once_and_runs_the_township(client: Client) -> None:
    township = OrgUnit.objects.create(code=TOWNSHIP_CODE, name="示范镇", kind="township")
    first = do_ensure_demo_user(Actor.cli("test"))
    second = do_ensure_demo_user(Actor.cli("test"))
    users = get_user_model().objects.filter(username="demo")
    assert users.count() == 1
    user = users.get()
    assert not user.is_superuser
    assert list(Membership.objects.filter(user=user).values_list("role", "unit")) == [
        (Role.TOWNSHIP_ADMIN, township.pk)
    ]
    assert first != second
    assert user.check_password(second)
    assert client.login(username="demo", password=second)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_command_prints_both_rankings_the_stories_and_the_login() -> None:
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out)
    text = out.getvalue()
    assert "2005" in text and "2006" in text
    assert text.count("名次 rank") >= 2
    assert "V01" in text and "V20" in text
    assert text.count("镇直单位人口与计划生育目标管理责任制考核") >= 2
    assert text.count("协作部门计划生育职责考核") >= 2
    assert "DU_ENTERPRISES" in text and "DP_POLICE" in text
    assert "演示情节 / the demo's stories" in text
    assert "职工政策外生育" in text
    assert "username demo" in text
    assert OrgUnit.objects.filter(kind=UnitKind.VILLAGE).count() == 20
    # 2026: the VILLAGE_2026 ranking and its three stories.
    assert "村级人口服务与家庭发展目标管理责任制考核（2026年版） · 2026" in text
    assert "育儿补贴应发" in text
    assert "一票否决：统计数据弄虚作假" in text
    assert "各项服务全部到位" in text
    assert text.count("名次 rank") == 3 * 2 + 1


@pytest.mark.django_db
def test_the_command_refuses_years_that_no_library_can_assess() -> None:
    with pytest.raises(CommandError, match="2023"):
        call_command("demo", no_serve=True, years=[2005, 2006, 2023], stdout=io.StringIO())
    assert not OrgUnit.objects.filter(code=TOWNSHIP_CODE).exists()


@pytest.mark.django_db
def test_the_command_refuses_a_database_that_holds_other_data() -> None:
    OrgUnit.objects.create(code="REAL_COUNTY", name="某县", kind=UnitKind.COUNTY)
    with pytest.raises(CommandError, match="other data"):
        call_command("demo", no_serve=True, stdout=io.StringIO())
    assert not OrgUnit.objects.filter(code=TOWNSHIP_CODE).exists()


@pytest.mark.django_db
def test_the_command_does_not_delete_a_demo_database_outside_its_folder() -> None:
    do_build_demo(Actor.cli("test"))
    with pytest.raises(CommandError, match="not deleted"):
        call_command("demo", no_serve=True, stdout=io.StringIO())


def test_only_the_sqlite_file_inside_the_demo_folder_may_be_deleted(tmp_path: Path) -> None:
    sqlite = "django.db.backends.sqlite3"
    inside = {"ENGINE": sqlite, "NAME": str(tmp_path / "kaohe.sqlite3")}
    assert sqlite_file_in(tmp_path, inside) == (tmp_path / "kaohe.sqlite3").resolve()
    elsewhere = {"ENGINE": sqlite, "NAME": str(tmp_path / "other" / "kaohe.sqlite3")}
    assert sqlite_file_in(tmp_path, elsewhere) is None
    assert sqlite_file_in(tmp_path, {"ENGINE": sqlite, "NAME": ":memory:"}) is None
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "kaohe"}
    assert sqlite_file_in(tmp_path, postgres) is None
