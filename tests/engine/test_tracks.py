"""Tracks (分线考核) and the coefficient (难度系数): totals and their explanations, by hand.

Two lines of 100 points each, combined 6:4: 领导班子线 L (班子建设 50 + 民主评议 50) and 基础工作线
B (基础台账 100, plus a flat bonus of 3 that counts in B).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import AssessmentInputs, SchemeError, assess, compile_scheme
from kaohe.engine.combining import combine_weighted
from kaohe.engine.explain import VECTORISE_FROM
from kaohe.engine.spec import (
    BonusRule,
    CaseTerm,
    Direction,
    ElementSpec,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    LinearRule,
    PerCaseRule,
    RatioRule,
    SchemeSpec,
    ThresholdRule,
    TrackSpec,
    VetoSpec,
)
from kaohe.schemes.specs import canonical_json, scheme_hash

NAN = math.nan
ELEMENTS = tuple(
    ElementSpec(code, code) for code in ("MEETINGS", "SATISFIED", "RECORDS", "CASES", "K")
)
CODES = frozenset(e.code for e in ELEMENTS)
ITEMS = (
    ItemSpec("L1", "班子建设", "Leadership", 50, ThresholdRule(), "#{MEETINGS}", 4, decimals=0),
    ItemSpec("L2", "民主评议", "Review", 50, LinearRule(points=2), "#{SATISFIED}", 95, decimals=0),
    ItemSpec("B1", "基础台账", "Records", 100, RatioRule(), "#{RECORDS}", 40, decimals=0),
    ItemSpec(
        "BX",
        "查处案件",
        "Cases",
        0,
        BonusRule(points=3, cap=3, flat=True),
        "#{CASES}",
        1,
        decimals=0,
    ),
)
TRACKS = (
    TrackSpec("L", "领导班子线", "Leadership line", 6, 100),
    TrackSpec("B", "基础工作线", "Basic work line", 4, 100),
)
TRACKED = SchemeSpec(
    "LINES",
    "分线考核",
    1,
    100.0,
    items=tuple(
        dataclasses.replace(item, track="L" if item.code.startswith("L") else "B") for item in ITEMS
    ),
    grades=(GradeSpec("A", "优秀", "Excellent", 90), GradeSpec("C", "合格", "Pass", 0)),
    tracks=TRACKS,
)


def inputs(figures: dict[str, list[float]]) -> AssessmentInputs:
    """One period's figures of as many units as each list holds."""
    size = len(next(iter(figures.values())))
    data = np.full((len(ELEMENTS), 1, size), NAN)
    for index, element in enumerate(ELEMENTS):
        data[index, 0, :] = figures.get(element.code, [NAN] * size)
    units = tuple(f"V{k + 1}" for k in range(size))
    cube = ValueCube(units, ELEMENTS, ("2006",), data)
    return AssessmentInputs(units, ("village",) * size, {0: cube})


# V1: L1 4 ≥ 4 → 50; L2 91, 4 below 95 → 50 − 8 = 42; L = 92.00.
#     B1 50 × 35 / 40 → 100 × 35 / 40 = 87.50; BX 2 cases ≥ 1 → +3; B = 90.50.
#     6:4 → (6 × 92 + 4 × 90.5) / 10 = 91.40.
# V2: L1 3 < 4 → 0; L2 95 → 50; L = 50.00. B1 40 → 100; BX 0 → 0; B = 100.00.
#     (6 × 50 + 4 × 100) / 10 = 70.00.
FIGURES = {
    "MEETINGS": [4, 3],
    "SATISFIED": [91, 95],
    "RECORDS": [35, 40],
    "CASES": [2, 0],
}


def test_tracks_combine_six_to_four_with_the_bonus_counted_in_its_track() -> None:
    result = assess(compile_scheme(TRACKED, CODES), inputs(FIGURES))

    units = result.units.to_dicts()
    assert [(u["track:L"], u["track:B"], u["total"]) for u in units] == [
        (92.0, 90.5, 91.4),
        (50.0, 100.0, 70.0),
    ]
    assert [u["grade"] for u in units] == ["A", "C"]
    assert "coefficient" not in result.units.columns
    assert units[0]["explanation_zh"] == (
        "领导班子线 92.00 分 × 60% + 基础工作线 90.50 分 × 40% = 91.40 分"
    )
    assert units[0]["explanation_en"] == (
        "Leadership line 92.00 × 60% + Basic work line 90.50 × 40% = 91.40"
    )
    # The items are still scored and explained one by one, for the year.
    assert result.items.get_column("part").unique().to_list() == [""]
    assert result.items.filter(unit="V1").get_column("score").to_list() == [50, 42, 87.5, 3]


def test_weights_need_not_add_up_to_one() -> None:
    tenths = dataclasses.replace(
        TRACKED, tracks=tuple(dataclasses.replace(t, weight=t.weight / 10) for t in TRACKS)
    )
    result = assess(compile_scheme(tenths, CODES), inputs(FIGURES))
    assert result.units.get_column("total").to_list() == [91.4, 70.0]


def test_combining_rounds_half_up_to_the_fen() -> None:
    # 99.99 and 100.00 at 1:1 are 99.995, which is 100.00 half-up (a float rounds it to 99.99).
    combined = combine_weighted([np.array([99.99]), np.array([100.0])], [1.0, 1.0])
    assert combined.tolist() == [100.0]
    assert combine_weighted([np.array([92.0]), np.array([88.0])], [6, 4]).tolist() == [90.4]


def test_a_coefficient_multiplies_the_combined_score_and_decides_the_rank() -> None:
    spec = dataclasses.replace(TRACKED, coefficient="#{K}", coefficient_name="难度系数")
    figures = {**FIGURES, "K": [0.9, 1.2]}

    result = assess(compile_scheme(spec, CODES), inputs(figures))

    units = result.units.to_dicts()
    # V1 91.40 × 0.9 = 82.26; V2 70.00 × 1.2 = 84.00: V2 now ranks first.
    assert [(u["coefficient"], u["total"], u["rank"]) for u in units] == [
        (0.9, 82.26, 2),
        (1.2, 84.0, 1),
    ]
    assert [u["grade"] for u in units] == ["C", "C"]
    assert units[1]["explanation_zh"] == (
        "领导班子线 50.00 分 × 60% + 基础工作线 100.00 分 × 40% = 70.00 分；"
        "难度系数 1.2，总分 84.00 分"
    )
    assert units[1]["explanation_en"] == (
        "Leadership line 50.00 × 60% + Basic work line 100.00 × 40% = 70.00; "
        "coefficient 1.2, total 84.00"
    )


def test_the_example_of_the_rules_reads_as_printed() -> None:
    # 92.00 × 60% + 88.00 × 40% = 90.40; × 1.05 = 94.92.
    spec = dataclasses.replace(TRACKED, coefficient="C{DIFFICULTY}", constants={"DIFFICULTY": 1.05})
    spec = dataclasses.replace(spec, coefficient_name="难度系数")
    figures = {"MEETINGS": [4], "SATISFIED": [91], "RECORDS": [34], "CASES": [1]}

    (unit,) = assess(compile_scheme(spec, CODES), inputs(figures)).units.to_dicts()

    assert unit["explanation_zh"] == (
        "领导班子线 92.00 分 × 60% + 基础工作线 88.00 分 × 40% = 90.40 分；"
        "难度系数 1.05，总分 94.92 分"
    )
    assert unit["total"] == 94.92


def test_a_missing_coefficient_counts_as_one_and_flags_the_unit() -> None:
    spec = dataclasses.replace(TRACKED, coefficient="#{K}", coefficient_name="人口系数")
    figures = {**FIGURES, "K": [NAN, 1.1]}

    result = assess(compile_scheme(spec, CODES), inputs(figures))

    first, second = result.units.to_dicts()
    assert (first["coefficient"], first["total"]) == (None, 91.4)
    assert first["flags"] == ["coefficient_missing"]
    assert second["flags"] == [] and second["total"] == 77.0
    assert first["explanation_zh"].endswith("；人口系数缺少数据，按 1 计，总分 91.40 分（待核实）")
    assert first["explanation_en"].endswith(
        "; coefficient missing, counted as 1, total 91.40 (to be checked)"
    )


def test_a_coefficient_without_tracks_multiplies_the_plain_sum() -> None:
    plain = SchemeSpec("PLAIN", "不分线", 1, 100.0, items=ITEMS, coefficient="#{K}")
    figures = {**FIGURES, "K": [1.05, 1.0]}

    first, second = assess(compile_scheme(plain, CODES), inputs(figures)).units.to_dicts()

    # V1: 50 + 42 + 87.5 + 3 = 182.50; × 1.05 = 191.625 → 191.63 half-up.
    assert (first["total"], first["coefficient"]) == (191.63, 1.05)
    assert first["explanation_zh"] == "各项得分合计 182.50 分；系数 1.05，总分 191.63 分"
    assert second["total"] == 150.0


def test_without_tracks_or_coefficient_the_total_is_the_plain_sum() -> None:
    plain = SchemeSpec("PLAIN", "不分线", 1, 100.0, items=ITEMS)

    result = assess(compile_scheme(plain, CODES), inputs(FIGURES))

    units = result.units.to_dicts()
    assert [u["total"] for u in units] == [182.5, 150.0]
    assert [u["explanation_zh"] for u in units] == [
        "各项得分合计 182.50 分",
        "各项得分合计 150.00 分",
    ]
    assert units[0]["explanation_en"] == "Item scores add up to 182.50"
    assert not any(c.startswith(("track:", "period:", "coefficient")) for c in result.units.columns)


@pytest.mark.parametrize("scheme", [TRACKED, dataclasses.replace(TRACKED, coefficient="#{K}")])
def test_a_province_gets_the_same_totals_and_texts_as_a_township(scheme: SchemeSpec) -> None:
    few = {**FIGURES, "K": [1.05, NAN]}
    times = VECTORISE_FROM // 2 + 1
    many = {code: values * times for code, values in few.items()}

    small = assess(compile_scheme(scheme, CODES), inputs(few)).units
    large = assess(compile_scheme(scheme, CODES), inputs(many)).units

    assert large.height >= VECTORISE_FROM
    columns = [c for c in small.columns if c not in ("unit", "rank")]
    assert large.select(columns).head(2).to_dicts() == small.select(columns).to_dicts()
    assert large.get_column("explanation_zh").to_list() == (
        small.get_column("explanation_zh").to_list() * times
    )


def test_every_item_without_a_valid_track_is_reported_at_once() -> None:
    broken = dataclasses.replace(
        TRACKED,
        items=(
            dataclasses.replace(ITEMS[0], track="L"),
            dataclasses.replace(ITEMS[1], track=""),
            dataclasses.replace(ITEMS[2], track="X"),
            dataclasses.replace(ITEMS[3], track=""),
        ),
        tracks=(TRACKS[0], dataclasses.replace(TRACKS[1], weight=0)),
    )

    with pytest.raises(SchemeError) as caught:
        compile_scheme(broken, CODES)

    problems = caught.value.problems
    stray = next(p for p in problems if "没有所属分线" in p)
    assert "items without a valid track" in stray
    for code in ("L2", "X", "BX"):
        assert code in stray
    assert "L1" not in stray
    assert any("track B" in p and "greater than 0" in p for p in problems)


def test_an_item_may_not_name_a_track_when_the_scheme_has_none() -> None:
    stray = SchemeSpec(
        "PLAIN", "不分线", 1, 100.0, items=(dataclasses.replace(ITEMS[0], track="L"),)
    )
    with pytest.raises(SchemeError, match="the scheme has no tracks"):
        compile_scheme(stray, CODES)


def test_a_coefficient_that_does_not_compile_is_a_scheme_error() -> None:
    with pytest.raises(SchemeError, match="coefficient"):
        compile_scheme(dataclasses.replace(TRACKED, coefficient="#{NOPE} * 2"), CODES)


# --- the content hash ------------------------------------------------------------------------

# Built before tracks, coefficients and period parts existed; its hash was computed then.
FIXED = SchemeSpec(
    code="FIXED",
    name="固定方案",
    version=3,
    total=100,
    items=(
        ItemSpec(
            "RATE",
            "计划生育率",
            "Planned rate",
            60,
            LinearRule(points=2.0, whole_steps=True),
            "N{PLANNED}",
            target=95,
            decimals=2,
            unit="%",
            section="A",
        ),
        ItemSpec(
            "CASES",
            "漏报",
            "Missed",
            40,
            PerCaseRule(points=2, also=(CaseTerm("瞒报", "concealed", "#{HID}", 5),)),
            "#{MISSED}",
            direction=Direction.LOWER,
            decimals=0,
        ),
        ItemSpec("EXTRA", "加分", "Bonus", 0, BonusRule(points=1, cap=5), "N{PLANNED}", target=95),
    ),
    indicators=(
        IndicatorSpec(
            "PLANNED", "计划生育率", "Planned rate", "#{POLICY}", "#{BIRTHS}", 100.0, 2, "%"
        ),
    ),
    vetoes=(VetoSpec("OVER", "超计划", "Over plan", "#{BIRTHS} > T{RATE}"),),
    grades=(GradeSpec("A", "一等", "First", 95), GradeSpec("B", "合格", "Pass", 70)),
    veto_grade="F",
    constants={"K": 1.5},
    unit_kinds=("village",),
)
FIXED_HASH = "53ad37400a8ae7a40d5f6ccc5ca03bf842711c8b544efac4772970342671edf3"


def test_a_scheme_without_the_new_features_hashes_as_before() -> None:
    assert scheme_hash(FIXED) == FIXED_HASH
    for name in ("tracks", "coefficient", "period_parts", '"track"'):
        assert name not in canonical_json(FIXED)


def test_tracks_and_a_coefficient_change_the_hash() -> None:
    tracked = dataclasses.replace(
        FIXED,
        items=tuple(dataclasses.replace(i, track="L") for i in FIXED.items),
        tracks=(TrackSpec("L", "线", "Line", 1, 100),),
    )
    weighted = dataclasses.replace(FIXED, coefficient="C{K}")
    hashes = {scheme_hash(FIXED), scheme_hash(tracked), scheme_hash(weighted)}
    assert len(hashes) == 3
