"""Period parts (分期考核): three quarters scored on their own figures and combined 4:3:3.

Items: 例会 (meetings ≥ 3 in the part: 60) and 政策符合率 (policy / births × 100, target 90, 2 points
off per point below: 40). Veto: more than 30 births in the year, decided on the whole year.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import AssessmentInputs, SchemeError, assess, compile_scheme
from kaohe.engine.combining import part_period, period_part_problems
from kaohe.engine.periods import (
    Period,
    PeriodError,
    PeriodType,
    make_period,
    parse_period,
    periods_within,
)
from kaohe.engine.spec import (
    ElementSpec,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    LinearRule,
    PeriodPartSpec,
    SchemeSpec,
    ThresholdRule,
    TrackSpec,
    VetoSpec,
)

NAN = math.nan
ELEMENTS = (
    ElementSpec("MEETINGS", "例会"),
    ElementSpec("BIRTHS", "出生"),
    ElementSpec("POLICY", "政策内"),
)
CODES = frozenset(e.code for e in ELEMENTS)
QUARTERS = (
    PeriodPartSpec("Q1", "第一季度", "Q1", "Quarterly", 1, 4),
    PeriodPartSpec("Q2", "第二季度", "Q2", "Quarterly", 2, 3),
    PeriodPartSpec("Q3", "第三季度", "Q3", "Quarterly", 3, 3),
)
SCHEME = SchemeSpec(
    "PARTS",
    "分期考核",
    1,
    100.0,
    items=(
        ItemSpec("MEET", "例会", "Meetings", 60, ThresholdRule(), "#{MEETINGS}", 3, decimals=0),
        ItemSpec(
            "RATE", "政策符合率", "Policy rate", 40, LinearRule(points=2), "N{RATE}", 90, unit="%"
        ),
    ),
    indicators=(IndicatorSpec("RATE", "政策符合率", "Policy rate", "#{POLICY}", "#{BIRTHS}", 100),),
    vetoes=(VetoSpec("OVER", "超计划生育", "Over the plan", "#{BIRTHS} > C{CAP}"),),
    grades=(GradeSpec("A", "优秀", "Excellent", 90), GradeSpec("C", "合格", "Pass", 0)),
    constants={"CAP": 30},
    period_parts=QUARTERS,
)
YEAR = make_period(PeriodType.YEARLY, 2006)
MONTHS = tuple(p.code for p in periods_within(YEAR, PeriodType.MONTHLY))

# Per month Jan … Dec, per unit (V1, V2).
# V1: Q1 births 10, policy 9 (90% → 40), meetings 3 → 100.00
#     Q2 births 10, policy 8 (80%: 10 below → −20 → 20), meetings 3 → 80.00
#     Q3 births 5, policy 5 (100% → 40), meetings 2 (< 3 → 0) → 40.00
#     (4 × 100 + 3 × 80 + 3 × 40) / 10 = 76.00. Q4 adds 15 births: 40 in the year > 30 → veto,
#     though no quarter alone has more than 10.
# V2: one birth, in policy, and one meeting a month: every quarter 100.00, the year 100.00.
Figures = dict[str, tuple[list[float], list[float]]]
MONTHLY: Figures = {
    "MEETINGS": ([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1], [1] * 12),
    "BIRTHS": ([4, 3, 3, 3, 3, 4, 2, 2, 1, 5, 5, 5], [1] * 12),
    "POLICY": ([4, 2, 3, 3, 2, 3, 2, 2, 1, 5, 5, 5], [1] * 12),
}


def cube(months: tuple[str, ...], figures: Figures) -> ValueCube:
    """The monthly figures of these months (a subset of MONTHS) of both units."""
    data = np.full((len(ELEMENTS), len(months), 2), NAN)
    for e, element in enumerate(ELEMENTS):
        for m, month in enumerate(months):
            for unit in range(2):
                data[e, m, unit] = figures[element.code][unit][MONTHS.index(month)]
    return ValueCube(("V1", "V2"), ELEMENTS, months, data)


def within(period: Period) -> tuple[str, ...]:
    return tuple(m for m in MONTHS if period.contains(parse_period(m)))


def quarter_inputs(scheme: SchemeSpec = SCHEME, figures: Figures = MONTHLY) -> AssessmentInputs:
    """The year's figures, and each part's cut from them as the service cuts them."""
    parts = {
        part.code: {0: cube(within(part_period(YEAR, part)), figures)}
        for part in scheme.period_parts
    }
    year = {0: cube(MONTHS, figures)}
    return AssessmentInputs(("V1", "V2"), ("village", "village"), year, parts=parts)


def changed(element: str, unit: int, months: dict[int, float]) -> Figures:
    """MONTHLY with some months (1 = January) of one unit's element changed."""
    series = list(MONTHLY[element][unit])
    for month, value in months.items():
        series[month - 1] = value
    pair = (series, MONTHLY[element][1]) if unit == 0 else (MONTHLY[element][0], series)
    return {**MONTHLY, element: pair}


def test_three_quarters_combine_four_three_three() -> None:
    result = assess(compile_scheme(SCHEME, CODES, period_type="Yearly"), quarter_inputs())

    v1, v2 = result.units.to_dicts()
    assert (v1["period:Q1"], v1["period:Q2"], v1["period:Q3"], v1["total"]) == (
        100.0,
        80.0,
        40.0,
        76.0,
    )
    assert (v2["total"], v2["period:Q2"]) == (100.0, 100.0)
    assert v1["explanation_zh"] == (
        "第一季度 100.00 分 × 40% + 第二季度 80.00 分 × 30% + 第三季度 40.00 分 × 30% = 76.00 分"
    )
    assert v1["explanation_en"] == "Q1 100.00 × 40% + Q2 80.00 × 30% + Q3 40.00 × 30% = 76.00"


def test_the_veto_is_decided_on_the_whole_year() -> None:
    result = assess(compile_scheme(SCHEME, CODES), quarter_inputs())

    v1, v2 = result.units.to_dicts()
    assert (v1["vetoed"], v1["vetoes"], v1["rank"]) == (True, ["OVER"], 2)
    assert (v2["vetoed"], v2["rank"]) == (False, 1)
    # The indicators stored with the run are the year's: 37 policy births of 40.
    assert result.indicators.filter(unit="V1").get_column("n:RATE").to_list() == [92.5]


def test_each_part_has_its_own_item_rows_in_order() -> None:
    result = assess(compile_scheme(SCHEME, CODES), quarter_inputs())

    v1 = result.items.filter(unit="V1")
    assert v1.select("part", "item", "score").rows() == [
        ("Q1", "MEET", 60.0),
        ("Q1", "RATE", 40.0),
        ("Q2", "MEET", 60.0),
        ("Q2", "RATE", 20.0),
        ("Q3", "MEET", 0.0),
        ("Q3", "RATE", 40.0),
    ]
    assert v1.row(3, named=True)["explanation_zh"] == (
        "政策符合率 80.00%，目标≥90%，低10.00个百分点，每1个百分点扣2分，扣20.00分，得20.00/40分"
    )


def test_part_flags_name_their_part() -> None:
    no_births_in_q2 = changed("BIRTHS", 0, {4: 0, 5: 0, 6: 0})  # the rate is missing there
    result = assess(compile_scheme(SCHEME, CODES), quarter_inputs(figures=no_births_in_q2))
    (v1,) = result.units.filter(unit="V1").to_dicts()
    assert v1["flags"] == ["missing_actual:RATE@Q2"]


def test_tracks_and_a_coefficient_apply_inside_each_part() -> None:
    scheme = dataclasses.replace(
        SCHEME,
        items=(
            dataclasses.replace(SCHEME.items[0], track="W"),
            dataclasses.replace(SCHEME.items[1], track="P"),
        ),
        tracks=(
            TrackSpec("W", "工作线", "Work line", 1, 60),
            TrackSpec("P", "政策线", "Policy line", 1, 40),
        ),
        coefficient="#{MEETINGS} / 3",
        coefficient_name="系数",
    )

    v1 = assess(compile_scheme(scheme, CODES), quarter_inputs(scheme)).units.to_dicts()[0]

    # Q3: W 0, P 40 → 20.00 at 1:1; 2 meetings / 3 = 0.6667 → 13.33.
    assert (v1["track:W@Q3"], v1["track:P@Q3"], v1["coefficient@Q3"]) == (0.0, 40.0, 0.6667)
    assert v1["period:Q3"] == 13.33
    # Q1: (60 + 40) / 2 = 50 × 1 = 50; Q2: (60 + 20) / 2 = 40 → (200 + 120 + 39.99) / 10.
    assert (v1["period:Q1"], v1["period:Q2"], v1["total"]) == (50.0, 40.0, 36.0)
    # The year's lines: the parts' lines combined 4:3:3.
    assert (v1["track:W"], v1["track:P"]) == (42.0, 34.0)
    lines = v1["explanation_zh"].split("\n")
    assert lines[2] == (
        "第三季度：工作线 0.00 分 × 50% + 政策线 40.00 分 × 50% = 20.00 分；系数 0.6667，总分 13.33 分"
    )
    assert lines[3].endswith("第三季度 13.33 分 × 30% = 36.00 分")


def test_inputs_without_a_part_are_refused() -> None:
    lacking = dataclasses.replace(quarter_inputs(), parts={})
    with pytest.raises(ValueError, match="period part Q1"):
        assess(compile_scheme(SCHEME, CODES), lacking)


def test_moving_a_figure_between_parts_changes_the_inputs_hash() -> None:
    before = assess(compile_scheme(SCHEME, CODES), quarter_inputs())
    moved = changed("MEETINGS", 0, {3: 0, 4: 2})  # March's meeting held in April instead
    after = assess(compile_scheme(SCHEME, CODES), quarter_inputs(figures=moved))
    # The year's figures are the same; the parts' are not, and so are the scores.
    assert after.indicators.equals(before.indicators)
    assert after.units.get_column("period:Q1").to_list() == [40.0, 100.0]
    assert after.inputs_hash != before.inputs_hash


# --- which period a part is ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assessed", "period_type", "index", "expected"),
    [
        ("2006", "Quarterly", 1, "2006Q1"),
        ("2006", "Quarterly", 4, "2006Q4"),
        ("2006", "Monthly", 12, "200612"),
        ("2006", "Yearly", 1, "2006"),
        # The statistical year from 1 October: 2005Oct runs October 2005 – September 2006.
        ("2005Oct", "Quarterly", 1, "2005Q4"),
        ("2005Oct", "Quarterly", 4, "2006Q3"),
        ("2006Oct", "Quarterly", 1, "2006Q4"),
        ("2005Oct", "Monthly", 1, "200510"),
        ("2005Oct", "SixMonthly", 1, "2006S1"),
        ("2005Oct", "FinancialOct", 1, "2005Oct"),
    ],
)
def test_a_part_is_the_index_th_period_of_its_type_inside_the_assessment_period(
    assessed: str, period_type: str, index: int, expected: str
) -> None:
    part = PeriodPartSpec("P", "期", "Part", period_type, index, 1)
    assert part_period(parse_period(assessed), part).code == expected


def test_a_part_outside_the_assessment_period_is_an_error() -> None:
    part = PeriodPartSpec("P5", "第五季度", "Q5", "Quarterly", 5, 1)
    with pytest.raises(PeriodError, match="P5"):
        part_period(YEAR, part)


@pytest.mark.parametrize(
    ("part", "scheme_type", "message"),
    [
        (PeriodPartSpec("Q", "季", "Q", "Quarterly", 1, 0), "Yearly", "greater than 0"),
        (PeriodPartSpec("Q", "季", "Q", "Quarterly", 0, 1), "Yearly", "counts from 1"),
        (PeriodPartSpec("Q", "季", "Q", "Quarterly", 5, 1), "Yearly", "out of range"),
        (PeriodPartSpec("W", "周", "W", "Weekly", 53, 1), "Yearly", "out of range"),
        (PeriodPartSpec("Y", "年", "Y", "Yearly", 1, 1), "FinancialOct", "not finer"),
        (PeriodPartSpec("Y", "年", "Y", "FinancialOct", 2, 1), "FinancialOct", "must be 1"),
        (PeriodPartSpec("X", "？", "X", "Fortnightly", 1, 1), "Yearly", "unknown period type"),
    ],
)
def test_bad_parts_are_refused_with_a_reason(
    part: PeriodPartSpec, scheme_type: str, message: str
) -> None:
    problems = period_part_problems([part], scheme_type)
    assert len(problems) == 1 and message in problems[0]
    assert "分期" in problems[0]


def test_good_parts_pass_and_a_repeated_code_does_not() -> None:
    assert period_part_problems(QUARTERS, "Yearly") == []
    assert period_part_problems(QUARTERS, "FinancialOct") == []
    assert period_part_problems((*QUARTERS, QUARTERS[0]), "Yearly") == [
        "分期 Q1：代码重复 / period part Q1: the code is repeated"
    ]


def test_compiling_with_the_schemes_period_type_checks_the_parts() -> None:
    coarse = dataclasses.replace(
        SCHEME, period_parts=(PeriodPartSpec("H", "上半年", "H1", "Quarterly", 7, 1),)
    )
    compile_scheme(coarse, CODES)  # without the period type only the plain checks run
    with pytest.raises(SchemeError, match="index 7 is out of range"):
        compile_scheme(coarse, CODES, period_type="Yearly")
