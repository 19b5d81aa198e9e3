"""R{DATASET.METRIC}: reporting figures as inputs, DHIS2's rates, and scoring on them by hand.

Item 报表及时率 (10 points): the on-time rate against 100 %, 0.2 points off per point below.
Item 报表完整率 (5 points): the reporting rate must reach 100 %.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import (
    AssessmentInputs,
    SchemeError,
    area_indicators,
    assess,
    compile_scheme,
)
from kaohe.engine.expressions import REPORTING_RATE_METRICS
from kaohe.engine.reporting import METRICS, ReportCounts, metric_values, reporting_columns
from kaohe.engine.spec import (
    ElementSpec,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    LinearRule,
    PeriodPartSpec,
    SchemeSpec,
    ThresholdRule,
    VetoSpec,
)

NAN = math.nan
ELEMENTS = (ElementSpec("BIRTHS", "出生"),)
CODES = frozenset({"BIRTHS"})
DATASETS = frozenset({"MONTHLY", "YEARLY"})
ITEMS = (
    ItemSpec(
        "TIMELY",
        "报表及时率",
        "On-time reporting",
        10,
        LinearRule(points=0.2),
        "R{MONTHLY.REPORTING_RATE_ON_TIME}",
        100,
        decimals=1,
        unit="%",
    ),
    ItemSpec(
        "COMPLETE",
        "报表完整率",
        "Complete reporting",
        5,
        ThresholdRule(),
        "R{MONTHLY.REPORTING_RATE}",
        100,
        decimals=1,
        unit="%",
    ),
)
SCHEME = SchemeSpec(
    "REPORTS",
    "报表考核",
    1,
    15.0,
    items=ITEMS,
    vetoes=(
        VetoSpec(
            "SILENT",
            "全年未报",
            "Nothing reported",
            "R{MONTHLY.EXPECTED_REPORTS} > 0 && R{MONTHLY.ACTUAL_REPORTS} == 0",
        ),
    ),
    grades=(GradeSpec("A", "优秀", "Excellent", 12), GradeSpec("C", "合格", "Pass", 0)),
)
UNITS = ("V1", "V2", "V3", "V4", "D1")
KINDS = ("village", "village", "village", "village", "direct_unit")
# V1 reported all 12 months on time; V2 sent 11, 9 of them on time; V3 opened in July: 6
# expected, all sent, 5 on time; V4 sent nothing; D1 (a direct unit) does not report the set.
MONTHLY = ReportCounts.of([12, 12, 6, 12, 0], [12, 11, 6, 0, 0], [12, 9, 5, 0, 0])


def inputs(reports: dict[str, ReportCounts] | None = None) -> AssessmentInputs:
    size = len(UNITS)
    cube = ValueCube(UNITS, ELEMENTS, ("2006",), np.full((1, 1, size), NAN))
    return AssessmentInputs(
        UNITS, KINDS, {0: cube}, reports={"MONTHLY": MONTHLY} if reports is None else reports
    )


def values(array: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else round(float(v), 4) for v in array]


# --- the metrics -----------------------------------------------------------------------------


def test_the_engine_knows_every_metric_the_parser_accepts() -> None:
    assert set(METRICS) == set(REPORTING_RATE_METRICS)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("EXPECTED_REPORTS", [12, 12, 6, 12, 0]),
        ("ACTUAL_REPORTS", [12, 11, 6, 0, 0]),
        ("ACTUAL_REPORTS_ON_TIME", [12, 9, 5, 0, 0]),
        # received / expected × 100: 11/12 = 91.6667 %; nothing expected → no rate
        ("REPORTING_RATE", [100.0, 91.6667, 100.0, 0.0, None]),
        # on time / expected × 100: 9/12 = 75 %, 5/6 = 83.3333 %
        ("REPORTING_RATE_ON_TIME", [100.0, 75.0, 83.3333, 0.0, None]),
    ],
)
def test_each_metric_follows_dhis2s_definition(metric: str, expected: list[float | None]) -> None:
    assert values(metric_values(MONTHLY, metric)) == expected


def test_an_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="COMPLETENESS"):
        metric_values(MONTHLY, "COMPLETENESS")


def test_counts_that_do_not_fit_the_units_or_each_other_are_refused() -> None:
    with pytest.raises(ValueError, match="5 values for 4 units"):
        reporting_columns(frozenset({("MONTHLY", "REPORTING_RATE")}), {"MONTHLY": MONTHLY}, 4)
    more_on_time = ReportCounts.of([2], [1], [2])
    with pytest.raises(ValueError, match="on time ≤ received ≤ expected"):
        reporting_columns(frozenset({("X", "ACTUAL_REPORTS")}), {"X": more_on_time}, 1)
    with pytest.raises(ValueError, match="no reporting figures of data set Y"):
        reporting_columns(frozenset({("Y", "ACTUAL_REPORTS")}), {"X": more_on_time}, 1)


# --- compiling ---------------------------------------------------------------------------------


def test_the_compiled_scheme_lists_the_data_sets_and_metrics_it_reads() -> None:
    compiled = compile_scheme(SCHEME, CODES, DATASETS)
    assert compiled.dataset_refs == frozenset(
        {
            ("MONTHLY", "REPORTING_RATE_ON_TIME"),
            ("MONTHLY", "REPORTING_RATE"),
            ("MONTHLY", "EXPECTED_REPORTS"),
            ("MONTHLY", "ACTUAL_REPORTS"),
        }
    )
    assert compiled.dataset_codes == {"MONTHLY"}


def test_unknown_data_sets_and_metrics_are_compile_errors_with_their_position() -> None:
    broken = SchemeSpec(
        "BROKEN",
        "错误",
        1,
        10.0,
        items=(
            ItemSpec("A", "甲", "A", 5, ThresholdRule(), "R{MONTHLX.REPORTING_RATE}", 90),
            ItemSpec("B", "乙", "B", 5, ThresholdRule(), "1 + R{MONTHLY.ON_TIME}", 90),
        ),
    )
    with pytest.raises(SchemeError) as caught:
        compile_scheme(broken, CODES, DATASETS)
    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith('item A actual: 第1行第1列：未知的数据集代码 "MONTHLX"')
    assert (
        'line 1, column 1: unknown data set code "MONTHLX" (did you mean "MONTHLY"?)'
        in (problems[0])
    )
    assert "item B actual: 第1行第15列：不支持的报告率指标" in problems[1]
    assert 'unsupported reporting rate metric ("ON_TIME")' in problems[1]


# --- scoring by hand -------------------------------------------------------------------------


def test_a_scheme_scores_on_time_reporting_by_hand() -> None:
    result = assess(compile_scheme(SCHEME, CODES, DATASETS), inputs())
    items = {(r["unit"], r["item"]): r for r in result.items.to_dicts()}

    # V1: 100 % on time → 10; 100 % received → 5; total 15.
    # V2: 75.0 % on time: 25 points below × 0.2 = 5 off → 5.00; 91.7 % received < 100 → 0.
    # V3: 83.3 % on time (5/6, shown to one decimal): 16.7 × 0.2 = 3.34 off → 6.66; 100 % → 5.
    # V4: nothing received: 0 % → 25 × 0.2 … floored at 0; 0 → 0; vetoed (nothing reported).
    # D1: nothing expected → no rate: both items missing their actual.
    assert [items[(u, "TIMELY")]["actual"] for u in UNITS] == [100.0, 75.0, 83.3, 0.0, None]
    assert [items[(u, "TIMELY")]["score"] for u in UNITS] == [10.0, 5.0, 6.66, 0.0, 0.0]
    assert [items[(u, "COMPLETE")]["actual"] for u in UNITS] == [100.0, 91.7, 100.0, 0.0, None]
    assert [items[(u, "COMPLETE")]["score"] for u in UNITS] == [5.0, 0.0, 5.0, 0.0, 0.0]
    units = result.units.to_dicts()
    assert [u["total"] for u in units] == [15.0, 5.0, 11.66, 0.0, 0.0]
    assert [u["vetoed"] for u in units] == [False, False, False, True, False]
    assert "missing_actual:TIMELY" in units[4]["flags"]
    assert "83.3" in items[("V3", "TIMELY")]["explanation_zh"]


def test_inputs_without_the_reports_the_scheme_reads_are_refused() -> None:
    with pytest.raises(ValueError, match="no reporting figures of data set MONTHLY"):
        assess(compile_scheme(SCHEME, CODES, DATASETS), inputs(reports={}))


def test_the_reports_count_in_the_inputs_hash_only_for_a_scheme_that_reads_them() -> None:
    compiled = compile_scheme(SCHEME, CODES, DATASETS)
    fewer = ReportCounts.of([12, 12, 6, 12, 0], [12, 11, 6, 0, 0], [12, 8, 5, 0, 0])
    assert (
        assess(compiled, inputs()).inputs_hash
        != assess(compiled, inputs({"MONTHLY": fewer})).inputs_hash
    )
    plain = SchemeSpec(
        "PLAIN",
        "无报表",
        1,
        10.0,
        items=(ItemSpec("B", "出生", "Births", 10, ThresholdRule(), "#{BIRTHS}", 1),),
    )
    without = compile_scheme(plain, CODES, DATASETS)
    assert (
        assess(without, inputs()).inputs_hash
        == assess(without, inputs({"MONTHLY": fewer})).inputs_hash
        == assess(without, inputs({})).inputs_hash
    )


def test_the_areas_rates_come_from_the_summed_counts() -> None:
    indicators = (
        IndicatorSpec("ON_TIME", "及时率", "On time", "R{MONTHLY.REPORTING_RATE_ON_TIME}"),
        IndicatorSpec("EXPECTED", "应报", "Expected", "R{MONTHLY.EXPECTED_REPORTS}", decimals=0),
    )
    scheme = SchemeSpec("AREA", "全镇", 1, 0.0, items=(), indicators=indicators)
    area = area_indicators(compile_scheme(scheme, CODES, DATASETS), inputs())
    # (12 + 9 + 5) / (12 + 12 + 6 + 12) = 26 / 42 = 61.90 %, not the mean of the units' rates.
    assert area == {"ON_TIME": 61.9, "EXPECTED": 42.0}


def test_r_in_an_indicator_read_a_period_earlier_is_missing() -> None:
    indicators = (IndicatorSpec("RATE", "报告率", "Rate", "R{MONTHLY.REPORTING_RATE}"),)
    item = ItemSpec("R", "报告率", "Rate", 10, ThresholdRule(), "N{RATE}.periodOffset(-1)", 90)
    scheme = SchemeSpec("PREV", "上年", 1, 10.0, items=(item,), indicators=indicators)
    result = assess(compile_scheme(scheme, CODES, DATASETS), inputs())
    assert result.items["actual"].to_list() == [None] * len(UNITS)
    assert result.indicators["n:RATE"].to_list()[:2] == [100.0, 91.67]


def test_each_period_part_scores_the_reports_of_its_own_period() -> None:
    parts = (
        PeriodPartSpec("H1", "上半年", "H1", "SixMonthly", 1, 1),
        PeriodPartSpec("H2", "下半年", "H2", "SixMonthly", 2, 1),
    )
    timely = ItemSpec(
        "TIMELY", "及时率", "On time", 10, ThresholdRule(), "R{MONTHLY.REPORTING_RATE_ON_TIME}", 90
    )
    scheme = SchemeSpec("HALVES", "分期", 1, 10.0, items=(timely,), period_parts=parts)
    base = inputs()
    # V1 on time in the first half, late all the second half: 10 and 0, (10 + 0) / 2 = 5.
    first = ReportCounts.of([6, 0, 0, 6, 0], [6, 0, 0, 0, 0], [6, 0, 0, 0, 0])
    second = ReportCounts.of([6, 0, 0, 6, 0], [6, 0, 0, 0, 0], [0, 0, 0, 0, 0])
    halves = AssessmentInputs(
        base.units,
        base.kinds,
        base.cubes,
        parts={"H1": base.cubes, "H2": base.cubes},
        reports={"MONTHLY": MONTHLY},
        part_reports={"H1": {"MONTHLY": first}, "H2": {"MONTHLY": second}},
    )
    result = assess(compile_scheme(scheme, CODES, DATASETS, "Yearly"), halves)
    v1 = result.units.to_dicts()[0]
    assert (v1["period:H1"], v1["period:H2"], v1["total"]) == (10.0, 0.0, 5.0)
    missing = AssessmentInputs(
        base.units, base.kinds, base.cubes, parts={"H1": base.cubes, "H2": base.cubes}
    )
    with pytest.raises(ValueError, match="no reporting figures of data set MONTHLY"):
        assess(compile_scheme(scheme, CODES, DATASETS, "Yearly"), missing)
