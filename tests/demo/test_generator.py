"""The demo generator alone: no Django, no database (runs with ``-p no:django``)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest

from kaohe.demo.generator import (
    CHECK_SOURCE,
    HOSPITAL_SOURCE,
    MONTHLY_ELEMENTS,
    QUARTERLY_ELEMENTS,
    YEARLY_ELEMENTS,
    DemoTownship,
    allocate_quotas,
    generate_township,
)
from kaohe.demo.output import DHIS2_CSV_HEADER, bundle_document, dhis2_csv
from kaohe.demo.units import generate_units


@pytest.fixture(scope="module")
def township() -> DemoTownship:
    return generate_township()


def months(year: int) -> list[str]:
    return [f"{year}{m:02d}" for m in range(1, 13)]


def yearly_sum(values: dict, element: str, unit: str, year: int) -> int:
    return sum(values[(element, p, unit)] for p in months(year))


def test_the_same_seed_gives_identical_figures(township: DemoTownship) -> None:
    again = generate_township()
    assert again.values == township.values
    assert again.units == township.units
    assert again.officials == township.officials
    assert again.quotas == township.quotas
    assert again.stories == township.stories


def test_another_seed_gives_other_figures(township: DemoTownship) -> None:
    other = generate_township(seed=7)
    assert other.values != township.values


def test_it_builds_the_township_tree(township: DemoTownship) -> None:
    kinds = defaultdict(list)
    for unit in township.units:
        kinds[unit.kind].append(unit)
    assert [u.code for u in kinds["county"]] == ["DEMO_COUNTY"]
    assert [(u.code, u.name, u.parent) for u in kinds["township"]] == [
        ("DEMO_TWP", "示范镇", "DEMO_COUNTY")
    ]
    assert [u.code for u in kinds["village"]] == [f"V{i:02d}" for i in range(1, 21)]
    assert [u.name for u in kinds["direct_unit"]] == [
        "镇直机关",
        "教委（中心学校）",
        "企业（镇纺织厂）",
        "卫生院",
    ]
    assert [u.name for u in kinds["department"]] == ["派出所", "工商所", "卫生院（妇产科）"]
    assert all(
        u.parent == "DEMO_TWP"
        for u in kinds["village"] + kinds["direct_unit"] + kinds["department"]
    )
    names = [u.name for u in kinds["village"]]
    assert len(set(names)) == 20
    assert all(name.endswith("村") and 3 <= len(name) <= 6 for name in names)


def test_every_village_has_its_four_signatories(township: DemoTownship) -> None:
    roles = defaultdict(set)
    for official in township.officials:
        roles[official.unit].add(official.role)
    for code in township.village_codes:
        assert roles[code] == {"party_secretary", "director", "fp_officer", "stationed_cadre"}
    # A direct unit's head signs with its family-planning officer, a department's head with
    # its liaison officer.
    for code in township.codes_of("direct_unit"):
        assert roles[code] == {"department_head", "fp_officer"}
    for code in township.codes_of("department"):
        assert roles[code] == {"department_head", "other"}
    assert len({o.name for o in township.officials}) == len(township.officials)
    assert len({o.code for o in township.officials}) == len(township.officials)
    assert all(2 <= len(o.name) <= 3 for o in township.officials)


def test_every_village_reports_every_element_of_every_period(township: DemoTownship) -> None:
    values = township.value_map()
    for code in township.village_codes:
        assert ("POPULATION", "200412", code) in values
        for year in township.years_2006:
            for element in MONTHLY_ELEMENTS:
                assert all((element, p, code) in values for p in months(year))
            for element in QUARTERLY_ELEMENTS:
                assert all((element, f"{year}Q{q}", code) in values for q in range(1, 5))
            for element in YEARLY_ELEMENTS:
                assert (element, str(year), code) in values
    keys = [(v.element, v.period, v.unit) for v in township.values]
    assert len(keys) == len(set(keys))
    assert all(isinstance(v.value, int) and v.value >= 0 for v in township.values)


def test_sizes_are_in_range(township: DemoTownship) -> None:
    values = township.value_map()
    for code in township.village_codes:
        for year in township.years_2006:
            for period in months(year):
                population = values[("POPULATION", period, code)]
                assert 800 <= population <= 3500
                assert 0.14 <= values[("MWRA", period, code)] / population <= 0.19
                assert 0.005 <= values[("MIGRANT_WOMEN", period, code)] / population <= 0.045
                assert 1 <= values[("MEASURES_DUE", period, code)] <= 4
            births = yearly_sum(values, "BIRTHS", code, year)
            population = values[("POPULATION", f"{year - 1}12", code)]
            assert 5 <= births * 1000 / population <= 16
            respondents = values[("SURVEY_RESPONDENTS", str(year), code)]
            assert 40 <= respondents <= 60
            held = [values[("MEETINGS_HELD", f"{year}Q{q}", code)] for q in range(1, 5)]
            assert set(held) <= {0, 1}


def test_figures_are_internally_consistent(township: DemoTownship) -> None:
    values = township.value_map()

    def v(element: str, period: str, code: str) -> int:
        return values[(element, period, code)]

    for code in township.village_codes:
        for year in township.years_2006:
            for p in months(year):
                births = v("BIRTHS", p, code)
                sexes = v("BIRTHS_BOYS", p, code) + v("BIRTHS_GIRLS", p, code)
                if code == township.stories.inconsistent and sexes != births:
                    # The story: one month's total left births out, its boys and girls did not.
                    assert year == township.stories.under_reported_year
                    assert sexes - births == township.stories.inconsistent_missing
                else:
                    assert sexes == births
                assert v("BIRTHS_POLICY", p, code) <= births
                assert v("BIRTHS_FIRST", p, code) <= births
                assert v("BIRTHS_FIRST_LATE", p, code) <= v("BIRTHS_FIRST", p, code)
                assert v("MARRIAGES_LATE", p, code) <= v("MARRIAGES_FIRST", p, code)
                assert v("MWRA_CONTRACEPTING", p, code) <= v("MWRA", p, code)
                assert v("MEASURES_DONE", p, code) <= v("MEASURES_DUE", p, code)
                for done in ("MIGRANT_CERT", "MIGRANT_FILED", "MIGRANT_VERIFIED"):
                    assert v(done, p, code) <= v("MIGRANT_WOMEN", p, code)
                assert v("REWARD_PAID", p, code) <= v("REWARD_DUE", p, code)
            survey = str(year)
            assert v("SURVEY_SATISFIED", survey, code) <= v("SURVEY_RESPONDENTS", survey, code)


def test_population_moves_a_little_each_month(township: DemoTownship) -> None:
    values = township.value_map()
    for code in township.village_codes:
        previous = values[("POPULATION", "200412", code)]
        for year in township.years_2006:
            for p in months(year):
                current = values[("POPULATION", p, code)]
                assert abs(current - previous) <= 12
                previous = current


def test_quotas_share_out_the_cap_by_population(township: DemoTownship) -> None:
    for year in township.years_2006:
        quotas = township.quotas[year]
        cap = township.caps[year]
        planned = township.planned_population[year]
        assert set(quotas) == set(township.village_codes)
        assert sum(quotas.values()) <= cap
        assert cap == int(11.5 * sum(planned.values()) / 1000)
        for code, quota in quotas.items():
            assert abs(quota - cap * planned[code] / sum(planned.values())) < 1


@pytest.mark.parametrize(
    ("populations", "cap", "quotas"),
    [
        # 11.5‰ of 3000 = 34.5 → cap 34; shares 11.33, 11.33, 11.33 → 12, 11, 11 (ties by code)
        ({"A": 1000, "B": 1000, "C": 1000}, 34, {"A": 12, "B": 11, "C": 11}),
        # 11.5‰ of 4000 = 46; shares 34.5 and 11.5 → tie on the remainder, A first
        ({"A": 3000, "B": 1000}, 46, {"A": 35, "B": 11}),
        ({"A": 0}, 0, {"A": 0}),
    ],
)
def test_allocate_quotas_by_largest_remainder(
    populations: dict[str, float], cap: int, quotas: dict[str, int]
) -> None:
    assert allocate_quotas(populations) == (cap, quotas)


def test_the_over_plan_village_exceeds_its_quota_only_in_its_year(township: DemoTownship) -> None:
    s = township.stories
    values = township.value_map()
    for year in township.years_2006:
        for code in township.village_codes:
            births = yearly_sum(values, "BIRTHS", code, year)
            if code == s.over_plan and year == s.over_plan_year:
                assert births > township.quotas[year][code]
            else:
                # Even the births found by a spot check stay within the quota.
                assert township.true_births[year][code] <= township.quotas[year][code]


def test_the_spot_check_finds_the_hidden_births(township: DemoTownship) -> None:
    s = township.stories
    values = township.value_map()
    found = {(v.source, v.element, v.period, v.unit): v.value for v in township.source_values}
    for year in township.years_2006:
        checked = township.spot_checks[year]
        assert len(checked) == 8
        for code in township.village_codes:
            key = (CHECK_SOURCE, "BIRTHS", str(year), code)
            if code not in checked:
                assert key not in found
                continue
            assert found[key] == township.true_births[year][code]
            concealed = values.get(("CHECK_BIRTHS_CONCEALED", str(year), code), 0)
            assert concealed <= found[key] - yearly_sum(values, "BIRTHS", code, year)
    assert s.concealed in township.spot_checks[s.concealed_year]
    assert values[("CHECK_BIRTHS_CONCEALED", str(s.concealed_year), s.concealed)] == 1
    assert s.under_reported in township.spot_checks[s.under_reported_year]
    year = s.under_reported_year
    reported = yearly_sum(values, "BIRTHS", s.under_reported, year)
    assert found[(CHECK_SOURCE, "BIRTHS", str(year), s.under_reported)] - reported == (
        s.under_reported_missed
    )
    assert ("CHECK_BIRTHS_CONCEALED", str(year), s.under_reported) not in values


def hospital_births(township: DemoTownship, code: str, year: int) -> int:
    return sum(
        v.value
        for v in township.source_values
        if v.source == HOSPITAL_SOURCE and v.unit == code and v.period.startswith(str(year))
    )


def test_the_hospital_feed_shows_the_births_left_out_but_not_the_concealed_one(
    township: DemoTownship,
) -> None:
    s = township.stories
    values = township.value_map()
    year = s.under_reported_year
    for code in (s.under_reported, s.inconsistent):
        reported = yearly_sum(values, "BIRTHS", code, year)
        assert hospital_births(township, code, year) == township.true_births[year][code]
        assert township.true_births[year][code] > reported
    # The concealed birth was at home: the hospital's feed does not exceed the report.
    concealed = s.concealed
    assert hospital_births(township, concealed, s.concealed_year) <= yearly_sum(
        values, "BIRTHS", concealed, s.concealed_year
    )
    # The hospital never counts more births than happened.
    for year in township.years_2006:
        for code in township.village_codes:
            assert hospital_births(township, code, year) <= township.true_births[year][code]


def test_the_over_reporting_village_claimed_more_users_than_the_check_found(
    township: DemoTownship,
) -> None:
    s = township.stories
    year = s.under_reported_year
    values = township.value_map()
    claimed = values[("MWRA_CONTRACEPTING", f"{year}12", s.over_reported)]
    checked = {
        v.unit: v.value
        for v in township.source_values
        if v.source == CHECK_SOURCE and v.element == "MWRA_CONTRACEPTING" and v.period == str(year)
    }
    assert s.over_reported in checked
    assert checked[s.over_reported] < claimed
    assert all(
        checked[c] == values[("MWRA_CONTRACEPTING", f"{year}12", c)]
        for c in checked
        if c != s.over_reported
    )


def test_the_story_villages_are_distinct_and_one_is_weak_every_year(
    township: DemoTownship,
) -> None:
    s = township.stories
    weak = s.weak_villages()
    assert 2 <= len(weak) <= 3
    assert all(s.weak_both in codes for codes in s.weak.values())
    story = [s.over_plan, s.concealed, s.under_reported, *weak]
    assert len(set(story)) == len(story)


def test_weak_villages_manage_worse_than_the_others(township: DemoTownship) -> None:
    values = township.value_map()
    year = township.years_2006[-1]
    december = f"{year}12"

    def contraception(code: str) -> float:
        return values[("MWRA_CONTRACEPTING", december, code)] / values[("MWRA", december, code)]

    weak = township.stories.weak[year]
    others = [c for c in township.village_codes if c not in weak]
    assert max(contraception(c) for c in weak) < min(contraception(c) for c in others)


def test_the_csv_is_a_dhis2_data_value_set(township: DemoTownship) -> None:
    text = dhis2_csv(township.values[:3])
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == DHIS2_CSV_HEADER
    first = township.values[0]
    assert rows[1][:3] == [first.element, first.period, first.unit]
    assert rows[1][5] == str(first.value)
    assert rows[1][6] == "demo"
    # A December 2004 figure was reported on 3 January 2005.
    assert rows[1][7] == "2005-01-03"


def test_the_bundle_holds_units_officials_and_quotas(township: DemoTownship) -> None:
    document = bundle_document(township)
    assert document["kaohe_bundle"] == 1
    assert len(document["units"]) == len(township.units)
    assert len(document["officials"]) == len(township.officials)
    targets = document["targets"]
    assert [(t["scheme"], t["item"], t["year"]) for t in targets] == [
        ("VILLAGE_2006", "BIRTHS_VS_PLAN", 2005),
        ("VILLAGE_2006", "BIRTHS_VS_PLAN", 2006),
    ]
    assert targets[1]["values"] == township.quotas[2006]


def test_it_refuses_years_that_are_not_consecutive() -> None:
    with pytest.raises(ValueError, match="consecutive"):
        generate_township(years=(2004, 2006))


# --- direct units and departments ---------------------------------------------------------

DIRECT_MONTHLY = ("STAFF_BIRTHS", "STAFF_BIRTHS_POLICY", "STAFF_MWRA", "STAFF_MWRA_CONTRACEPTING")
DIRECT_YEARLY = (
    "DU_FP_STAFFED",
    "STAFF_AGREEMENTS",
    "STAFF_REWARD_DUE",
    "STAFF_REWARD_PAID",
    "DU_REPORTS_DUE",
    "DU_REPORTS_ON_TIME",
)
REGISTER = ("DEPT_JOINT_ACTIONS", "DEPT_REPORTS_DUE", "DEPT_REPORTS_ON_TIME")


def quarters(year: int) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def test_direct_units_report_their_staff_figures_every_period(township: DemoTownship) -> None:
    values = township.value_map()
    for code in township.codes_of("direct_unit"):
        for year in township.years_2006:
            for p in months(year):
                assert all((e, p, code) in values for e in DIRECT_MONTHLY)
                v = {e: values[(e, p, code)] for e in DIRECT_MONTHLY}
                assert v["STAFF_BIRTHS_POLICY"] <= v["STAFF_BIRTHS"]
                assert v["STAFF_MWRA_CONTRACEPTING"] <= v["STAFF_MWRA"]
            assert all(("DU_MEETINGS_HELD", q, code) in values for q in quarters(year))
            yearly = {e: values[(e, str(year), code)] for e in DIRECT_YEARLY}
            assert yearly["STAFF_REWARD_PAID"] <= yearly["STAFF_REWARD_DUE"]
            assert yearly["DU_REPORTS_ON_TIME"] <= yearly["DU_REPORTS_DUE"] == 16
            assert yearly["STAFF_AGREEMENTS"] <= values[("STAFF_MWRA", f"{year}12", code)]
    # Only the enterprise employs migrant workers.
    migrants = {unit for (element, _p, unit) in values if element == "DU_MIGRANT_WOMEN"}
    assert migrants == {"DU_ENTERPRISES"}


def test_only_the_story_unit_has_a_birth_outside_policy(township: DemoTownship) -> None:
    values = township.value_map()
    u = township.unit_stories
    for code in township.codes_of("direct_unit"):
        for year in township.years_2006:
            outside = yearly_sum(values, "STAFF_BIRTHS", code, year) - yearly_sum(
                values, "STAFF_BIRTHS_POLICY", code, year
            )
            expected = int(code == u.out_of_policy and year == u.out_of_policy_year)
            assert outside == expected, (code, year)
    late = (
        values[("DU_REPORTS_DUE", str(u.late_reports_year), u.late_reports)]
        - values[("DU_REPORTS_ON_TIME", str(u.late_reports_year), u.late_reports)]
    )
    assert late == u.late_report_count == 3


def test_departments_report_their_own_duties(township: DemoTownship) -> None:
    values = township.value_map()
    own = {
        "DP_HEALTH": {"HOSP_BIRTHS_DELIVERED", "HOSP_BIRTHS_NOTIFIED", "HOSP_SURGERIES",
                      "HOSP_SURGERIES_NOTIFIED"},
        "DP_POLICE": {"POLICE_MIGRANT_REGS", "POLICE_MIGRANT_SHARED", "DEPT_CASES_SOLVED"},
        "DP_COMMERCE": {"COMMERCE_LICENCES", "COMMERCE_CERT_CHECKED"},
    }  # fmt: skip
    for code, elements in own.items():
        reported = {e for (e, _p, unit) in values if unit == code} - set(REGISTER)
        assert reported == elements, code
        for year in township.years_2006:
            due = 3 if code == "DP_HEALTH" else 1
            for q in quarters(year):
                assert values[("DEPT_REPORTS_DUE", q, code)] == due
                assert values[("DEPT_REPORTS_ON_TIME", q, code)] <= due
    for year in township.years_2006:
        for p in months(year):
            delivered = values[("HOSP_BIRTHS_DELIVERED", p, "DP_HEALTH")]
            births = sum(values[("BIRTHS", p, v)] for v in township.village_codes)
            assert values[("HOSP_BIRTHS_NOTIFIED", p, "DP_HEALTH")] <= delivered <= births
        for q in quarters(year):
            assert (
                values[("POLICE_MIGRANT_SHARED", q, "DP_POLICE")]
                <= values[("POLICE_MIGRANT_REGS", q, "DP_POLICE")]
            )
            licences = values[("COMMERCE_LICENCES", q, "DP_COMMERCE")]
            unchecked = licences - values[("COMMERCE_CERT_CHECKED", q, "DP_COMMERCE")]
            u = township.unit_stories
            assert unchecked == int(year == u.unchecked_licence_year and q.endswith("Q4"))
    u = township.unit_stories
    solved = {(p, unit) for (e, p, unit) in values if e == "DEPT_CASES_SOLVED"}
    assert solved == {(f"{u.case_solved_year}Q3", u.case_solved)}


def test_the_units_draw_from_a_generator_of_their_own(township: DemoTownship) -> None:
    # Drawn apart from the villages' generator, the units' figures are the same whether or not
    # the villages were generated first, so adding units leaves every village figure as it was.
    villages = set(township.village_codes)
    births: dict[str, int] = {}
    for v in township.values:
        if v.element == "BIRTHS":
            births[v.period] = births.get(v.period, 0) + v.value
    alone = generate_units(township.seed, township.years_2006, births)

    assert alone.values == tuple(v for v in township.values if v.unit not in villages)
    assert alone.stories == township.unit_stories
    assert [o.code for o in alone.officials] == [
        o.code
        for o in township.officials
        if o.role in ("fp_officer", "other") and o.unit not in villages
    ]
