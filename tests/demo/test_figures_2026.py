"""The demo township's 2026 figures alone: no Django, no database (runs with ``-p no:django``)."""

from __future__ import annotations

import pytest

from kaohe.demo.figures_2026 import (
    CHECK_2026,
    MONTHLY_2026,
    QUARTERLY_2026,
    YEARLY_2026,
    generate_2026,
)
from kaohe.demo.generator import DemoTownship, generate_township
from kaohe.demo.years import split_years

Values = dict[tuple[str, str, str], int]


@pytest.fixture(scope="module")
def township() -> DemoTownship:
    return generate_township()


def months(year: int) -> list[str]:
    return [f"{year}{m:02d}" for m in range(1, 13)]


def quarters(year: int) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def year_sum(values: Values, element: str, periods: list[str], unit: str) -> int:
    return sum(values[(element, p, unit)] for p in periods)


def test_the_default_demo_has_two_2006_years_and_2026(township: DemoTownship) -> None:
    assert township.years == (2005, 2006, 2026)
    assert township.years_2006 == (2005, 2006)
    assert township.years_2026 == (2026,)


def test_adding_2026_leaves_every_earlier_figure_as_it_was(township: DemoTownship) -> None:
    # Given the same seed without 2026
    alone = generate_township(years=(2005, 2006))

    # then every figure, quota, official and story of 2005 and 2006 is the same, and 2026 only adds
    later = set(MONTHLY_2026 + QUARTERLY_2026 + YEARLY_2026) | {CHECK_2026}
    assert alone.values == tuple(v for v in township.values if v.element not in later)
    assert alone.officials == township.officials
    assert (alone.quotas, alone.caps, alone.true_births) == (
        township.quotas,
        township.caps,
        township.true_births,
    )
    assert alone.stories == township.stories
    assert alone.unit_stories == township.unit_stories
    assert alone.stories_2026 is None and alone.years_2026 == ()
    assert all(v.period.startswith("2026") for v in township.values if v.element in later)


def test_every_village_reports_every_2026_element_of_every_period(township: DemoTownship) -> None:
    values = township.value_map()
    for code in township.village_codes:
        for element in MONTHLY_2026:
            assert all((element, p, code) in values for p in months(2026))
        for element in QUARTERLY_2026:
            assert all((element, q, code) in values for q in quarters(2026))
        for element in YEARLY_2026:
            assert (element, "2026", code) in values
    # Only the villages report 2026 figures.
    later = set(MONTHLY_2026 + QUARTERLY_2026 + YEARLY_2026)
    assert {v.unit for v in township.values if v.element in later} == set(township.village_codes)


def test_the_2026_figures_are_internally_consistent(township: DemoTownship) -> None:
    values = township.value_map()

    def v(element: str, code: str, period: str = "2026") -> int:
        return values[(element, period, code)]

    for code in township.village_codes:
        for p in months(2026):
            assert v("BIRTH_REG_ON_TIME", code, p) <= v("BIRTH_REG_DUE", code, p)
            assert v("NEWBORN_SCREENED", code, p) <= v("NEWBORN_LIVE_BIRTHS", code, p)
            assert v("BIRTH_REG_DUE", code, p) == v("NEWBORN_LIVE_BIRTHS", code, p)
        for q in quarters(2026):
            assert v("SUBSIDY_ACCEPTED", code, q) <= v("SUBSIDY_APPLIED", code, q)
            assert v("SUBSIDY_PAID_IN_QUARTER", code, q) <= v("SUBSIDY_DUE", code, q)
        assert v("SUPPORT_PAID_FULL", code) <= v("SUPPORT_DUE", code)
        families = v("SPECIAL_FAMILIES", code)
        assert families >= 1
        for covered in ("SPECIAL_CONTACT", "SPECIAL_DOCTOR", "SPECIAL_PRIORITY"):
            assert 0 <= v(covered, code) <= families
        assert v("PREPREG_CHECKED", code) <= v("PREPREG_TARGET", code)
        assert v("SATISF_SATISFIED", code) <= v("SATISF_RESPONDENTS", code)
        assert 40 <= v("SATISF_RESPONDENTS", code) <= 60


def test_the_2026_figures_are_those_of_small_villages_twenty_years_on(
    township: DemoTownship,
) -> None:
    values = township.value_map()
    villages = township.village_codes
    population = {c: values[("POP_RESIDENT", "2026", c)] for c in villages}
    births = {c: year_sum(values, "BIRTH_REG_DUE", months(2026), c) for c in villages}
    due = {c: year_sum(values, "SUBSIDY_DUE", quarters(2026), c) for c in villages}
    for code in villages:
        # Fewer people than in 2006, and still a small village.
        assert 500 <= population[code] < values[("POPULATION", "200612", code)]
        assert 2 <= births[code] <= 25
        places = values[("CHILDCARE_PLACES", "2026", code)]
        assert 1.5 <= places * 1000 / population[code] <= 8
    # The township's birth rate is a 2026 one, about half of 2006's.
    rate = sum(births.values()) * 1000 / sum(population.values())
    assert 4.5 <= rate <= 7.5
    # Every child under three is paid once a quarter: about three years of births.
    under_three = sum(due.values()) / 4
    assert 2.5 <= under_three / sum(births.values()) <= 4


def test_the_late_payer_pays_a_fifth_late_and_the_others_nearly_all_in_time(
    township: DemoTownship,
) -> None:
    s = township.stories_2026
    assert s is not None and s.year == 2026
    values = township.value_map()
    for code in township.village_codes:
        paid = year_sum(values, "SUBSIDY_PAID_IN_QUARTER", quarters(2026), code)
        due = year_sum(values, "SUBSIDY_DUE", quarters(2026), code)
        if code == s.late_payer:
            assert (paid, due) == (s.late_paid, s.late_due)
            assert 0.7 <= paid / due < 0.85
        else:
            assert paid / due >= 0.98


def test_only_the_falsifier_is_found_out_by_the_township_check(township: DemoTownship) -> None:
    s = township.stories_2026
    assert s is not None
    found = {v.unit: v.value for v in township.values if v.element == CHECK_2026}
    assert set(found) == set(township.checks_2026)
    assert len(found) == 8
    assert {code for code, n in found.items() if n} == {s.falsified}
    assert found[s.falsified] == 1


def test_the_excellent_village_does_everything_and_has_places_above_the_bonus_cap(
    township: DemoTownship,
) -> None:
    s = township.stories_2026
    assert s is not None
    values = township.value_map()
    code = s.excellent
    assert len({s.late_payer, s.falsified, s.excellent}) == 3
    for done, due in (
        ("BIRTH_REG_ON_TIME", "BIRTH_REG_DUE"),
        ("NEWBORN_SCREENED", "NEWBORN_LIVE_BIRTHS"),
    ):
        assert year_sum(values, done, months(2026), code) == year_sum(
            values, due, months(2026), code
        )
    for done, due in (
        ("SUBSIDY_ACCEPTED", "SUBSIDY_APPLIED"),
        ("SUBSIDY_PAID_IN_QUARTER", "SUBSIDY_DUE"),
    ):
        assert year_sum(values, done, quarters(2026), code) == year_sum(
            values, due, quarters(2026), code
        )
    yearly = {e: values[(e, "2026", code)] for e in YEARLY_2026}
    assert yearly["SUPPORT_PAID_FULL"] == yearly["SUPPORT_DUE"]
    assert (
        yearly["SPECIAL_CONTACT"]
        == yearly["SPECIAL_DOCTOR"]
        == yearly["SPECIAL_PRIORITY"]
        == yearly["SPECIAL_FAMILIES"]
    )
    # 6.5 places per 1,000 people earn the whole bonus (+0.5 for each 0.5 above 4.5, at most 2).
    assert yearly["CHILDCARE_PLACES"] * 1000 / yearly["POP_RESIDENT"] >= 6.5
    assert yearly["SATISF_SATISFIED"] / yearly["SATISF_RESPONDENTS"] >= 0.9
    assert yearly["PREPREG_CHECKED"] / yearly["PREPREG_TARGET"] >= 0.8


@pytest.mark.parametrize(
    ("years", "split"),
    [
        ((2005, 2006, 2026), ((2005, 2006), (2026,))),
        ((2026, 2006, 2005), ((2005, 2006), (2026,))),
        ((2005, 2006), ((2005, 2006), ())),
        ((2019, 2020, 2021, 2026, 2027), ((2019, 2020, 2021), (2026, 2027))),
    ],
)
def test_the_years_split_between_the_two_libraries(
    years: tuple[int, ...], split: tuple[tuple[int, ...], tuple[int, ...]]
) -> None:
    assert split_years(years) == split


@pytest.mark.parametrize(
    ("years", "message"),
    [
        ((2005, 2006, 2023), "no scheme of the demo is valid for \\[2023\\]"),
        ((2026,), "two or more consecutive years up to 2021"),
        ((2005, 2006, 2026, 2028), "consecutive, from 2026"),
    ],
)
def test_it_refuses_years_no_library_can_assess(years: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_township(years=years)


def test_with_two_2026_years_the_stories_happen_in_the_last(township: DemoTownship) -> None:
    longer = generate_township(years=(2005, 2006, 2026, 2027))
    s = longer.stories_2026
    assert s is not None and s.year == 2027
    values = longer.value_map()
    for code in longer.village_codes:
        assert ("POP_RESIDENT", "2027", code) in values
    # The township checks in the stories' year only.
    assert {v.period for v in longer.values if v.element == CHECK_2026} == {"2027"}
    paid = year_sum(values, "SUBSIDY_PAID_IN_QUARTER", quarters(2026), s.late_payer)
    assert paid / year_sum(values, "SUBSIDY_DUE", quarters(2026), s.late_payer) >= 0.98
    # The earlier years are the same whatever the later ones.
    assert tuple(v for v in longer.values if v.period < "2026") == tuple(
        v for v in township.values if v.period < "2026"
    )


def test_no_2026_years_give_no_2026_figures() -> None:
    figures = generate_2026(2006, (), ["V01"], {"V01": 1000})
    assert figures.values == () and figures.stories is None and figures.checked == ()
