"""Scoring on corrected figures, S{ELEMENT.MEASURE}, and the notes that say which figure was used.

Scheme (hand-worked): births within the quota of 10 score 20 points (threshold, lower is
better); 统计求实 deducts 2 points per birth found by the checks but not reported (per case,
from 10 points); a concealed birth (more than 2 under-reported) is vetoed. Births are scored on
the larger of the report and the sources.

=====  ========  ========  =====  =============================================
unit   reported  hospital  check  scored births / under-reported / veto
=====  ========  ========  =====  =============================================
V1     8         —         —      8 / 0 / no  → 20 + 10 = 30
V2     8         11        —      11 / 3 / yes → 0 + 4 = 4, vetoed
V3     9         —         10     10 / 1 / no → 20 + 8 = 28
=====  ========  ========  =====  =============================================
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
from kaohe.engine.corrections import CrossCheckInputs
from kaohe.engine.crosscheck import SourceKind
from kaohe.engine.expressions import ExpressionError
from kaohe.engine.spec import (
    CorrectionSpec,
    Direction,
    ElementSpec,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    PerCaseRule,
    SchemeSpec,
    ThresholdRule,
    VetoSpec,
)

NAN = math.nan
UNITS = ("V1", "V2", "V3")
ELEMENTS = (ElementSpec("BIRTHS", "出生人数"), ElementSpec("POP", "人口"))
CODES = frozenset({"BIRTHS", "POP"})
ITEMS = (
    ItemSpec(
        "BIRTHS_IN_PLAN",
        "出生控制",
        "Births within the quota",
        20,
        ThresholdRule(),
        "#{BIRTHS}",
        10,
        direction=Direction.LOWER,
        decimals=0,
    ),
    ItemSpec(
        "ACCURACY",
        "统计求实",
        "Statistical accuracy",
        10,
        PerCaseRule(points=2),
        "S{BIRTHS.UNDER_REPORTED}",
        decimals=0,
    ),
)
SCHEME = SchemeSpec(
    "V",
    "村考核",
    1,
    30.0,
    items=ITEMS,
    vetoes=(VetoSpec("CONCEALED", "瞒报", "Concealed births", "S{BIRTHS.UNDER_REPORTED} > 2"),),
    grades=(GradeSpec("A", "优秀", "Excellent", 25), GradeSpec("C", "合格", "Pass", 0)),
    corrections=(CorrectionSpec("BIRTHS", "larger"),),
)
CROSS = CrossCheckInputs(
    values={
        "BIRTHS": {
            "HOSPITAL": np.array([NAN, 11.0, NAN]),
            "TOWNSHIP_CHECK": np.array([NAN, NAN, 10.0]),
        }
    },
    kinds={"HOSPITAL": SourceKind.FEED, "TOWNSHIP_CHECK": SourceKind.CHECK},
    labels={"HOSPITAL": ("医院", "hospital"), "TOWNSHIP_CHECK": ("镇抽查", "township check")},
    element_labels={"BIRTHS": ("出生人数", "Births")},
)


def inputs(
    cross: CrossCheckInputs = CROSS, births: tuple[float, ...] = (8, 8, 9)
) -> AssessmentInputs:
    data = np.array([[list(births)], [[1000.0, 800.0, 900.0]]])
    cube = ValueCube(UNITS, ELEMENTS, ("2006",), data)
    return AssessmentInputs(units=UNITS, kinds=("village",) * 3, cubes={0: cube}, cross=cross)


def by_unit(result: object, column: str) -> dict[str, object]:
    frame = result.units  # type: ignore[attr-defined]
    return dict(zip(frame["unit"].to_list(), frame[column].to_list(), strict=True))


def items_of(result: object, item: str) -> dict[str, dict[str, object]]:
    frame = result.items.filter(item=item)  # type: ignore[attr-defined]
    return {row["unit"]: row for row in frame.iter_rows(named=True)}


def test_births_are_scored_on_the_larger_of_report_and_sources() -> None:
    result = assess(compile_scheme(SCHEME, CODES), inputs())
    births = items_of(result, "BIRTHS_IN_PLAN")
    assert {u: r["actual"] for u, r in births.items()} == {"V1": 8, "V2": 11, "V3": 10}
    assert {u: r["score"] for u, r in births.items()} == {"V1": 20, "V2": 0, "V3": 20}


def test_under_reported_births_are_deducted_per_case_and_veto_concealment() -> None:
    result = assess(compile_scheme(SCHEME, CODES), inputs())
    accuracy = items_of(result, "ACCURACY")
    assert {u: r["actual"] for u, r in accuracy.items()} == {"V1": 0, "V2": 3, "V3": 1}
    assert {u: r["score"] for u, r in accuracy.items()} == {"V1": 10, "V2": 4, "V3": 8}
    assert by_unit(result, "total") == {"V1": 30, "V2": 4, "V3": 28}
    assert by_unit(result, "vetoed") == {"V1": False, "V2": True, "V3": False}


def test_the_explanation_names_the_figure_used_and_why() -> None:
    result = assess(compile_scheme(SCHEME, CODES), inputs())
    births = items_of(result, "BIRTHS_IN_PLAN")
    assert "〔核查〕" not in births["V1"]["explanation_zh"]  # no source: nothing to say
    note_zh = births["V2"]["explanation_zh"]
    assert "出生人数按 11 计分" in note_zh
    assert "村报 8" in note_zh and "医院 11" in note_zh and "少报 3" in note_zh
    assert "取较大者" in note_zh
    note_en = births["V3"]["explanation_en"]
    assert "Births scored as 10" in note_en and "township check 10" in note_en
    # An item that does not read the corrected element keeps its explanation as it was.
    assert "〔核查〕" not in items_of(result, "ACCURACY")["V2"]["explanation_zh"]


def test_a_report_not_below_the_checks_is_used_and_the_note_says_so() -> None:
    result = assess(compile_scheme(SCHEME, CODES), inputs(births=(8, 12, 10)))
    births = items_of(result, "BIRTHS_IN_PLAN")
    assert births["V2"]["actual"] == 12
    assert "村报数不低于核查数" in births["V2"]["explanation_zh"]
    assert "the report is used" in births["V2"]["explanation_en"]


def test_the_check_method_takes_a_spot_check_below_the_report() -> None:
    scheme = SchemeSpec(**{**SCHEME.__dict__, "corrections": (CorrectionSpec("BIRTHS", "check"),)})
    result = assess(compile_scheme(scheme, CODES), inputs(births=(8, 8, 12)))
    births = items_of(result, "BIRTHS_IN_PLAN")
    assert births["V3"]["actual"] == 10  # the check found 10 of the 12 reported
    assert "有抽查的以抽查核实数为准" in births["V3"]["explanation_zh"]


def test_a_scheme_without_corrections_scores_the_report() -> None:
    scheme = SchemeSpec(**{**SCHEME.__dict__, "corrections": ()})
    result = assess(compile_scheme(scheme, CODES), inputs())
    births = items_of(result, "BIRTHS_IN_PLAN")
    assert {u: r["actual"] for u, r in births.items()} == {"V1": 8, "V2": 8, "V3": 9}
    # S{} still reads the checks.
    assert items_of(result, "ACCURACY")["V2"]["actual"] == 3


def test_source_figures_change_the_inputs_hash() -> None:
    compiled = compile_scheme(SCHEME, CODES)
    without = CrossCheckInputs({}, {}, {}, {})
    assert assess(compiled, inputs()).inputs_hash != assess(compiled, inputs(without)).inputs_hash


def test_the_area_sums_corrected_figures_unit_by_unit() -> None:
    scheme = SchemeSpec(
        **{
            **SCHEME.__dict__,
            "indicators": (
                IndicatorSpec("BR", "出生率", "Birth rate", "#{BIRTHS}", "#{POP}", 1000, 2),
                IndicatorSpec("ACC", "统计求实率", "Accuracy", "S{BIRTHS.ACCURACY}", "1", 1, 2),
            ),
            "items": (
                *ITEMS,
                ItemSpec(
                    "RATE", "出生率", "Birth rate", 0, ThresholdRule(), "N{BR} + N{ACC} * 0", 20
                ),
            ),
        }
    )
    area = area_indicators(compile_scheme(scheme, CODES), inputs())
    # 8 + 11 + 10 = 29 births over 2,700 people (not max(25, 21) of the sums).
    assert area["BR"] == pytest.approx(round(29 / 2700 * 1000, 2))
    # Found 21 births in the checked units, 4 of them unreported: 100 − 4/21 × 100.
    assert area["ACC"] == pytest.approx(round(100 - 4 / 21 * 100, 2))


def test_an_unknown_measure_is_refused_with_the_measures_listed() -> None:
    scheme = SchemeSpec(
        **{
            **SCHEME.__dict__,
            "items": (ItemSpec("X", "x", "x", 30, PerCaseRule(points=1), "S{BIRTHS.MISSED}"),),
        }
    )
    with pytest.raises(SchemeError) as caught:
        compile_scheme(scheme, CODES)
    assert "UNDER_REPORTED" in str(caught.value)


def test_a_correction_of_an_unknown_element_is_refused() -> None:
    scheme = SchemeSpec(**{**SCHEME.__dict__, "corrections": (CorrectionSpec("DEATHS"),)})
    with pytest.raises(SchemeError, match="DEATHS"):
        compile_scheme(scheme, CODES)


def test_s_operand_needs_a_measure() -> None:
    from kaohe.engine.expressions import parse

    with pytest.raises(ExpressionError):
        parse("S{BIRTHS}")
