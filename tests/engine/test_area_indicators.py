"""A township's indicators: summed numerators over summed denominators, never averaged rates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import AssessmentInputs, area_indicators, assess, compile_scheme
from kaohe.engine.spec import AggregationType, ElementSpec, IndicatorSpec, SchemeSpec

NAN = math.nan

ELEMENTS = (
    ElementSpec("BIRTHS", "出生人数"),
    ElementSpec("BIRTHS_POLICY", "符合政策生育数"),
    ElementSpec("POPULATION", "年末人口", aggregation=AggregationType.LAST),
    ElementSpec("MEETINGS", "例会次数", zero_is_significant=False),
)
INDICATORS = (
    IndicatorSpec(
        "BIRTH_RATE",
        "人口出生率",
        "Birth rate",
        numerator="#{BIRTHS}",
        denominator="(#{POPULATION}.periodOffset(-1) + #{POPULATION}) / 2",
        factor=1000,
        unit="‰",
    ),
    IndicatorSpec(
        "PLANNED_RATE",
        "计划生育率",
        "Planned birth rate",
        numerator="#{BIRTHS_POLICY}",
        denominator="#{BIRTHS}",
        factor=100,
        unit="%",
    ),
    IndicatorSpec("MEETINGS", "例会次数", "Meetings", numerator="#{MEETINGS}", decimals=0),
    IndicatorSpec("POPULATION", "年末人口", "Population", numerator="#{POPULATION}", decimals=0),
)
SCHEME = SchemeSpec("AREA", "全镇", 1, 100.0, items=(), indicators=INDICATORS)
COMPILED = compile_scheme(SCHEME, frozenset(e.code for e in ELEMENTS))
MONTHS = ("2006-11", "2006-12")


def cube(figures: dict[str, list[list[float]]], periods: tuple[str, ...]) -> ValueCube:
    """A cube of two units from ``{element: [unit A's series, unit B's series]}``."""
    data = np.full((len(ELEMENTS), len(periods), 2), NAN)
    for index, element in enumerate(ELEMENTS):
        for unit, series in enumerate(figures.get(element.code, [[NAN] * len(periods)] * 2)):
            data[index, :, unit] = series
    return ValueCube(("A", "B"), ELEMENTS, periods, data)


def inputs(
    current: dict[str, list[list[float]]], previous: dict[str, list[list[float]]]
) -> AssessmentInputs:
    return AssessmentInputs(
        units=("A", "B"),
        kinds=("village", "village"),
        cubes={0: cube(current, MONTHS), -1: cube(previous, ("2005-12",))},
    )


# Unit A: 1 + 2 = 3 births, population 1000 at the end of 2005 and 1200 at the end of 2006.
# Unit B: 5 births, population 3000 at the end of 2005, last reported 2600 in November 2006.
TWO_VILLAGES = inputs(
    {
        "BIRTHS": [[1, 2], [NAN, 5]],
        "BIRTHS_POLICY": [[3, NAN], [4, NAN]],
        "POPULATION": [[1150, 1200], [2600, NAN]],
        "MEETINGS": [[1, 1], [NAN, NAN]],
    },
    {"POPULATION": [[1000], [3000]]},
)


def test_the_birth_rate_comes_from_summed_births_over_summed_average_populations() -> None:
    # Given A at 3 / ((1000 + 1200) / 2) × 1000 = 2.73‰ and B at 5 / ((3000 + 2600) / 2) × 1000
    # = 1.79‰, whose mean would be 2.26‰,
    by_unit = assess(COMPILED, TWO_VILLAGES).indicators
    assert by_unit.get_column("n:BIRTH_RATE").to_list() == [2.73, 1.79]
    # when the township is computed,
    area = area_indicators(COMPILED, TWO_VILLAGES)
    # then it is 8 births / ((4000 + 3800) / 2) × 1000 = 2.0513 → 2.05‰, not the mean.
    assert area["BIRTH_RATE"] == 2.05


def test_a_stock_is_each_units_last_figure_summed_even_when_one_reported_earlier() -> None:
    # B's 2600 was last reported in November: summing the months first and then taking the
    # last would give December's 1200 (and a birth rate of 3.08‰), not 1200 + 2600.
    assert area_indicators(COMPILED, TWO_VILLAGES)["POPULATION"] == 3800


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        # Every unit has its figures: (3 + 4) / (3 + 5) × 100 = 87.5%.
        ({"BIRTHS": [[1, 2], [NAN, 5]], "BIRTHS_POLICY": [[3, NAN], [4, NAN]]}, 87.5),
        # B reported no policy births: the sum is A's alone, 3 / 8 × 100 = 37.5%.
        ({"BIRTHS": [[1, 2], [NAN, 5]], "BIRTHS_POLICY": [[3, NAN], [NAN, NAN]]}, 37.5),
        # Nobody reported policy births: missing, not 0.
        ({"BIRTHS": [[1, 2], [NAN, 5]]}, None),
        # No births anywhere: a zero denominator makes the rate missing, never infinite.
        ({"BIRTHS": [[0, 0], [0, NAN]], "BIRTHS_POLICY": [[0, NAN], [0, NAN]]}, None),
    ],
)
def test_the_planned_birth_rate_sums_the_units_that_have_a_value(
    current: dict[str, list[list[float]]], expected: float | None
) -> None:
    area = area_indicators(COMPILED, inputs(current, {}))
    assert area["PLANNED_RATE"] == expected


def test_an_element_whose_zeros_are_not_stored_sums_absence_as_zero() -> None:
    area = area_indicators(COMPILED, TWO_VILLAGES)
    assert area["MEETINGS"] == 2


def test_the_birth_rate_is_missing_without_last_years_population() -> None:
    area = area_indicators(COMPILED, inputs({"BIRTHS": [[1, 2], [NAN, 5]]}, {}))
    assert area["BIRTH_RATE"] is None


def test_every_indicator_of_the_scheme_is_given_in_scheme_order() -> None:
    assert list(area_indicators(COMPILED, TWO_VILLAGES)) == [i.code for i in INDICATORS]
