"""Scoring rules that compare a unit with its target: threshold, linear, per_case, band, ratio,
bonus. Cases are hand-computed from published county rules (评分标准).

Rules that compare units within their kind are in ``test_rules_within_kind.py``. Every case is
scored with :func:`~kaohe.engine.rules.score_item` and explained by both renderers, which must
agree (:func:`outcome_frame`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.engine.explain import render_rows, render_series
from kaohe.engine.rules import ItemInputs, score_item
from kaohe.engine.spec import (
    BandRule,
    BonusRule,
    CaseTerm,
    Direction,
    ItemSpec,
    LinearRule,
    PerCaseRule,
    RatioRule,
    RuleParams,
    ThresholdRule,
)
from kaohe.engine.templates import item_templates, unit_words

Value = float | None


def floats(values: Sequence[Value]) -> np.ndarray:
    """A float64 array with NaN for None (missing)."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def outcome_frame(
    item: ItemSpec,
    actual: Sequence[Value],
    target: Value | Sequence[Value] = None,
    *,
    kind: Sequence[str] | None = None,
    previous: Sequence[Value] | None = None,
    cases: Sequence[Sequence[Value]] = (),
) -> pl.DataFrame:
    """Score ``item`` over hand-built units (one per actual) and explain it with both renderers.

    Returns one row per unit: ``score``, ``flag`` (None or its name), ``zh`` and ``en``.
    Asserts that :func:`render_rows` and :func:`render_series` give the same strings.
    """
    size = len(actual)
    targets = list(target) if isinstance(target, Sequence) else [target] * size
    kinds = list(kind or ["village"] * size)
    codes = {name: code for code, name in enumerate(dict.fromkeys(kinds))}
    inputs = ItemInputs(
        actual=floats(actual),
        target=floats(targets),
        group=np.array([codes[name] for name in kinds], dtype=np.int64),
        previous=None if previous is None else floats(previous),
        cases=tuple(floats(counts) for counts in cases),
    )
    outcome = score_item(item, inputs)
    templates = item_templates(item)
    texts = {}
    for lang in ("zh", "en"):
        rows = render_rows(templates, outcome, lang)
        series = render_series(templates, outcome, lang)
        assert series.dtype == pl.String
        assert series.to_list() == rows
        texts[lang] = rows
    assert not np.isnan(outcome.score).any()
    return pl.DataFrame(
        {
            "score": outcome.score,
            "flag": outcome.flag_names(),
            "zh": texts["zh"],
            "en": texts["en"],
        },
        schema={"score": pl.Float64, "flag": pl.String, "zh": pl.String, "en": pl.String},
    )


def run(
    item: ItemSpec,
    actual: list[Value],
    target: Value | list[Value] = None,
    cases: list[list[Value]] | None = None,
) -> pl.DataFrame:
    """Score ``item`` over hand-built units, one per actual; returns score/flag/zh/en."""
    return outcome_frame(item, actual, target, cases=cases or ())


def one(item: ItemSpec, actual: Value, target: Value = None) -> dict[str, object]:
    """The single row of :func:`run` for one unit."""
    return run(item, [actual], target).row(0, named=True)


def birth_rate(rule: RuleParams, weight: float = 20.0) -> ItemSpec:
    """计划生育率: percent with two decimals, target 95, higher is better."""
    return ItemSpec(
        "JHSY", "计划生育率", "Planned birth rate", weight, rule, "N{JHSY}", target=95.0, unit="%"
    )


def out_of_policy_rate(rule: RuleParams, weight: float = 20.0) -> ItemSpec:
    """政策外生育率: per mille, two decimals, lower is better."""
    return ItemSpec(
        "ZCW",
        "政策外生育率",
        "Out-of-policy birth rate",
        weight,
        rule,
        "N{ZCW}",
        direction=Direction.LOWER,
        unit="‰",
    )


# --- threshold ------------------------------------------------------------------------------

SCREENING = ItemSpec(
    "YJ", "孕检率", "Screening rate", 5.0, ThresholdRule(), "N{YJ}", decimals=1, unit="%"
)


@pytest.mark.parametrize(
    ("item", "actual", "target", "score", "flag"),
    [
        pytest.param(SCREENING, 95.0, 95.0, 5.0, None, id="met_exactly_scores_full"),
        pytest.param(SCREENING, 99.9, 95.0, 5.0, None, id="met_above_scores_full"),
        pytest.param(SCREENING, 94.9, 95.0, 0.0, None, id="missed_by_a_tenth_scores_nothing"),
        pytest.param(out_of_policy_rate(ThresholdRule(), 5.0), 2.0, 2.0, 5.0, None, id="lower_met"),
        pytest.param(
            out_of_policy_rate(ThresholdRule(), 5.0), 2.01, 2.0, 0.0, None, id="lower_not_met"
        ),
        pytest.param(SCREENING, None, 95.0, 0.0, "missing_actual", id="missing_actual"),
        pytest.param(SCREENING, 96.0, None, 0.0, "missing_target", id="missing_target"),
    ],
)
def test_threshold_scores_full_weight_only_when_the_target_is_met(
    item: ItemSpec, actual: Value, target: Value, score: float, flag: str | None
) -> None:
    row = one(item, actual, target)
    assert (row["score"], row["flag"]) == (score, flag)


def test_threshold_explains_met_and_missed_targets() -> None:
    frame = run(SCREENING, [95.0, 94.9], 95.0)
    assert frame["zh"].to_list() == [
        "孕检率 95.0%，目标≥95%，已达标，得5.00/5分",
        "孕检率 94.9%，目标≥95%，未达标，得0.00/5分",
    ]
    assert frame["en"].to_list() == [
        "Screening rate 95.0%, target ≥ 95%, target met, score 5.00/5",
        "Screening rate 94.9%, target ≥ 95%, target not met, score 0.00/5",
    ]


def test_threshold_meets_a_target_equal_to_a_noisily_rounded_actual() -> None:
    noisy = 1940 * 0.01  # how round_half_up_expr returns 19.40
    assert noisy != 19.4
    assert one(out_of_policy_rate(ThresholdRule(), 5.0), noisy, 19.4)["score"] == 5.0


# --- linear ---------------------------------------------------------------------------------

LINEAR = LinearRule(points=2)


def test_linear_reproduces_the_canonical_explanation() -> None:
    row = one(birth_rate(LINEAR), 93.5, 95.0)
    assert row["score"] == 17.0
    assert row["flag"] is None
    assert row["zh"] == (
        "计划生育率 93.50%，目标≥95%，低1.50个百分点，每1个百分点扣2分，扣3.00分，得17.00/20分"
    )
    assert row["en"] == (
        "Planned birth rate 93.50%, target ≥ 95%, 1.50 percentage points below, "
        "2 points off per 1 percentage point: −3.00, score 17.00/20"
    )


@pytest.mark.parametrize(
    ("rule", "actual", "score"),
    [
        pytest.param(LINEAR, 96.0, 20.0, id="met_scores_full"),
        pytest.param(LINEAR, 95.0, 20.0, id="exactly_on_target_scores_full"),
        pytest.param(LINEAR, 94.25, 18.5, id="proportional_part_step"),
        pytest.param(
            LinearRule(points=2, whole_steps=True),
            93.5,
            16.0,
            id="whole_steps_round_a_part_step_up",
        ),
        pytest.param(
            LinearRule(points=2, whole_steps=True), 93.0, 16.0, id="whole_steps_exact_multiple"
        ),
        # 95 − 92.9 = 2.1 and 2.1 / 0.3 = 7.000000000000001: without snapping, 8 steps.
        pytest.param(
            LinearRule(points=1, step=0.3, whole_steps=True),
            92.9,
            13.0,
            id="whole_steps_snap_float_noise",
        ),
        pytest.param(LinearRule(points=1, step=0.5), 94.0, 18.0, id="step_of_half_a_point"),
        pytest.param(LINEAR, 50.0, 0.0, id="floored_at_zero"),
        pytest.param(LinearRule(points=2, allow_negative=True), 50.0, -70.0, id="allow_negative"),
        pytest.param(LinearRule(points=2, max_deduction=10), 80.0, 10.0, id="cap_on_the_deduction"),
        pytest.param(LinearRule(points=2, max_deduction=10), 94.0, 18.0, id="cap_not_reached"),
        # gap 4.25 × 2.5 = 10.625 exactly; round(10.625, 2) is 10.62 in floats, 10.63 half-up.
        pytest.param(LinearRule(points=2.5), 90.75, 9.37, id="deduction_rounds_half_up"),
    ],
)
def test_linear_deducts_points_per_step_below_the_target(
    rule: LinearRule, actual: float, score: float
) -> None:
    assert one(birth_rate(rule), actual, 95.0)["score"] == score


def test_linear_rounding_case_is_one_where_naive_float_rounding_differs() -> None:
    assert round(2.5 * 4.25, 2) == 10.62  # the float trap the engine must avoid
    row = one(birth_rate(LinearRule(points=2.5)), 90.75, 95.0)
    assert row["zh"].endswith("低4.25个百分点，每1个百分点扣2.5分，扣10.63分，得9.37/20分")


def test_linear_whole_steps_say_how_part_steps_count() -> None:
    row = one(birth_rate(LinearRule(points=2, whole_steps=True)), 93.5, 95.0)
    assert row["zh"] == (
        "计划生育率 93.50%，目标≥95%，低1.50个百分点，每1个百分点扣2分，"
        "不足1个百分点按1个百分点计，计2步，扣4.00分，得16.00/20分"
    )
    assert row["en"] == (
        "Planned birth rate 93.50%, target ≥ 95%, 1.50 percentage points below, "
        "2 points off per 1 percentage point, part steps count in full (2 steps): "
        "−4.00, score 16.00/20"
    )


@pytest.mark.parametrize(
    ("rule", "actual", "text"),
    [
        pytest.param(
            LINEAR,
            96.0,
            "计划生育率 96.00%，目标≥95%，已达标，得20.00/20分",
            id="met",
        ),
        pytest.param(
            LINEAR,
            50.0,
            "计划生育率 50.00%，目标≥95%，低45.00个百分点，每1个百分点扣2分，扣90.00分，"
            "扣完为止，得0.00/20分",
            id="floored",
        ),
        pytest.param(
            LinearRule(points=2, allow_negative=True),
            50.0,
            "计划生育率 50.00%，目标≥95%，低45.00个百分点，每1个百分点扣2分，扣90.00分，"
            "得-70.00/20分",
            id="negative",
        ),
        pytest.param(
            LinearRule(points=2, max_deduction=10),
            80.0,
            "计划生育率 80.00%，目标≥95%，低15.00个百分点，每1个百分点扣2分，最多扣10分，"
            "扣10.00分，得10.00/20分",
            id="capped",
        ),
        pytest.param(
            LINEAR,
            None,
            "计划生育率 缺少数据，得0.00/20分（待核实）",
            id="missing_actual",
        ),
    ],
)
def test_linear_explains_each_branch(rule: LinearRule, actual: Value, text: str) -> None:
    assert one(birth_rate(rule), actual, 95.0)["zh"] == text


def test_linear_lower_is_better_deducts_above_the_target() -> None:
    row = one(out_of_policy_rate(LinearRule(points=3)), 6.2, 5.0)
    assert row["score"] == 16.4
    assert row["zh"] == (
        "政策外生育率 6.20‰，目标≤5‰，高1.20个千分点，每1个千分点扣3分，扣3.60分，得16.40/20分"
    )
    assert row["en"] == (
        "Out-of-policy birth rate 6.20‰, target ≤ 5‰, 1.20 per-mille points above, "
        "3 points off per 1 per-mille point: −3.60, score 16.40/20"
    )
    assert one(out_of_policy_rate(LinearRule(points=3)), 4.5, 5.0)["score"] == 20.0


def test_linear_missing_actual_scores_zero_and_is_flagged() -> None:
    row = one(birth_rate(LINEAR), None, 95.0)
    assert (row["score"], row["flag"]) == (0.0, "missing_actual")
    assert row["en"] == "Planned birth rate missing data: 0.00/20 (to be checked)"


def test_linear_missing_target_scores_zero_and_is_flagged() -> None:
    row = one(birth_rate(LINEAR), 93.5, None)
    assert (row["score"], row["flag"]) == (0.0, "missing_target")
    assert row["zh"] == "计划生育率 93.50%，缺少目标，得0.00/20分（待核实）"
    assert row["en"] == "Planned birth rate 93.50%, missing target: 0.00/20 (to be checked)"


def test_linear_compares_the_target_as_printed() -> None:
    # A contract target of 95.004 is shown, and used, as 95 at the actual's two decimals.
    row = one(birth_rate(LINEAR), 95.0, 95.004)
    assert row["score"] == 20.0
    assert "目标≥95%，已达标" in row["zh"]


def test_linear_units_of_count_read_as_the_label() -> None:
    item = ItemSpec("SF", "随访人数", "Follow-ups", 10.0, LINEAR, "N{SF}", decimals=0, unit="人")
    row = one(item, 47.0, 50.0)
    assert row["zh"] == "随访人数 47人，目标≥50人，低3人，每1人扣2分，扣6.00分，得4.00/10分"
    assert row["en"] == (
        "Follow-ups 47 persons, target ≥ 50 persons, 3 persons below, "
        "2 points off per 1 person: −6.00, score 4.00/10"
    )


# --- the explanation's arithmetic, for any linear item ---------------------------------------

_DEDUCTION = re.compile(
    r"低(\d+\.\d+)个百分点.*扣(\d+\.\d\d)分，(扣完为止，)?得(-?\d+\.\d\d)/([\d.]+)分$"
)
_MET = re.compile(r"已达标，得(\d+\.\d\d)/([\d.]+)分$")


def _cents(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=60, deadline=None)
@given(
    actuals=st.lists(st.integers(0, 10_000).map(lambda n: n / 100), min_size=1, max_size=8),
    target=st.integers(500, 1000).map(lambda n: n / 10),
    points=st.sampled_from([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 0.25]),
    step=st.sampled_from([0.1, 0.3, 0.5, 0.7, 1.0, 2.0]),
    weight=st.sampled_from([5.0, 10.0, 12.5, 20.0]),
    whole_steps=st.booleans(),
    allow_negative=st.booleans(),
)
def test_linear_printed_deduction_and_score_add_up(
    actuals: list[float],
    target: float,
    points: float,
    step: float,
    weight: float,
    whole_steps: bool,
    allow_negative: bool,
) -> None:
    rule = LinearRule(
        points=points, step=step, whole_steps=whole_steps, allow_negative=allow_negative
    )
    frame = run(birth_rate(rule, weight=weight), actuals, target)
    for score, text in zip(frame["score"], frame["zh"], strict=True):
        met = _MET.search(text)
        if met:
            assert Decimal(met.group(1)) == _cents(weight) == _cents(score)
            continue
        found = _DEDUCTION.search(text)
        assert found, text
        gap, deduction, floored, shown = found.group(1, 2, 3, 4)
        # The deduction recomputes from the printed gap …
        steps = Decimal(gap) / Decimal(repr(step))
        if whole_steps:
            steps = steps.to_integral_value(rounding=ROUND_CEILING)
        assert Decimal(deduction) == _cents(float(steps * Decimal(repr(points))))
        # … and the score from the printed deduction.
        if floored:
            assert not allow_negative
            assert Decimal(deduction) > _cents(weight)
            assert Decimal(shown) == 0
        else:
            assert Decimal(shown) == _cents(weight) - Decimal(deduction)
        assert Decimal(shown) == _cents(score)


# --- per_case -------------------------------------------------------------------------------


def unreported(allow_negative: bool = False) -> ItemSpec:
    """漏报1例扣2分，瞒报1例扣5分 (weight 20, counts with no decimals)."""
    concealed = CaseTerm("瞒报", "concealed births", "#{CONCEALED}", 5.0)
    rule = PerCaseRule(points=2.0, also=(concealed,), allow_negative=allow_negative)
    return ItemSpec("LB", "漏报", "Unreported births", 20.0, rule, "#{UNREPORTED}", decimals=0)


@pytest.mark.parametrize(
    ("allow_negative", "unreported_count", "concealed", "score", "flag"),
    [
        pytest.param(False, 0.0, 0.0, 20.0, None, id="no_cases_scores_full"),
        pytest.param(False, 3.0, 1.0, 9.0, None, id="each_kind_deducts_its_points"),
        pytest.param(False, 10.0, 2.0, 0.0, None, id="floored_at_zero"),
        pytest.param(True, 10.0, 2.0, -10.0, None, id="allow_negative"),
        pytest.param(False, None, 1.0, 0.0, "missing_actual", id="missing_own_count"),
        pytest.param(False, 3.0, None, 0.0, "missing_actual", id="missing_extra_count"),
    ],
)
def test_per_case_deducts_points_for_every_case(
    allow_negative: bool, unreported_count: Value, concealed: Value, score: float, flag: str | None
) -> None:
    row = run(unreported(allow_negative), [unreported_count], cases=[[concealed]]).row(
        0, named=True
    )
    assert (row["score"], row["flag"]) == (score, flag)


def test_per_case_lists_each_kind_of_case() -> None:
    frame = run(unreported(), [3.0, 10.0, None], cases=[[1.0, 2.0, 1.0]])
    assert frame["zh"].to_list() == [
        "漏报3例，每例扣2分；瞒报1例，每例扣5分，扣11.00分，得9.00/20分",
        "漏报10例，每例扣2分；瞒报2例，每例扣5分，扣30.00分，扣完为止，得0.00/20分",
        "漏报 缺少数据，得0.00/20分（待核实）",
    ]
    assert frame["en"][0] == (
        "Unreported births 3, 2 points off per case; concealed births 1, "
        "5 points off per case: −11.00, score 9.00/20"
    )


# --- band -----------------------------------------------------------------------------------

BIRTHS = ItemSpec("CS", "出生人数", "Births", 20.0, BandRule(), "#{BIRTHS}", decimals=0, unit="人")


@pytest.mark.parametrize(
    ("actual", "quota", "score", "flag"),
    [
        pytest.param(38.0, 40.0, 20.0, None, id="inside_scores_full"),
        pytest.param(34.0, 40.0, 20.0, None, id="low_edge_is_inside"),
        pytest.param(40.0, 40.0, 20.0, None, id="high_edge_is_inside"),
        pytest.param(33.0, 40.0, 0.0, None, id="below_hints_at_under_reporting"),
        pytest.param(41.0, 40.0, 0.0, None, id="over_the_quota"),
        pytest.param(35.0, 41.0, 20.0, None, id="low_bound_85_percent_of_41_is_34_85"),
        pytest.param(34.0, 41.0, 0.0, None, id="just_below_34_85"),
        pytest.param(None, 40.0, 0.0, "missing_actual", id="missing_actual"),
        pytest.param(38.0, None, 0.0, "missing_target", id="missing_target"),
    ],
)
def test_band_scores_full_between_85_and_100_percent_of_the_quota(
    actual: Value, quota: Value, score: float, flag: str | None
) -> None:
    row = one(BIRTHS, actual, quota)
    assert (row["score"], row["flag"]) == (score, flag)


def test_band_ignores_the_direction() -> None:
    lower = ItemSpec(
        "CS", "出生人数", "Births", 20.0, BandRule(), "#{B}", direction=Direction.LOWER, decimals=0
    )
    assert run(lower, [33.0, 38.0, 41.0], 40.0)["score"].to_list() == [0.0, 20.0, 0.0]


def test_band_shows_the_range() -> None:
    frame = run(BIRTHS, [38.0, 34.0], [40.0, 41.0])
    assert frame["zh"].to_list() == [
        "出生人数 38人，应在34–40人之间（目标40人的85%–100%），符合，得20.00/20分",
        "出生人数 34人，应在34.85–41人之间（目标41人的85%–100%），不符合，得0.00/20分",
    ]
    assert frame["en"][0] == (
        "Births 38 persons, should be 34–40 persons (85%–100% of target 40 persons), "
        "within range, score 20.00/20"
    )


# --- ratio ----------------------------------------------------------------------------------

REGISTERED = ItemSpec(
    "DJ", "出生登记数", "Registered births", 20.0, RatioRule(), "#{REG}", decimals=0, unit="人"
)
INCIDENCE = ItemSpec(
    "FS", "发生率", "Incidence", 10.0, RatioRule(), "N{FS}", direction=Direction.LOWER, unit="‰"
)


@pytest.mark.parametrize(
    ("item", "actual", "target", "score", "flag"),
    [
        pytest.param(REGISTERED, 38.0, 40.0, 19.0, None, id="proportional"),
        pytest.param(REGISTERED, 37.0, 39.0, 18.97, None, id="proportional_rounded"),
        pytest.param(REGISTERED, 41.0, 40.0, 20.0, None, id="capped_at_the_weight"),
        pytest.param(REGISTERED, 0.0, 40.0, 0.0, None, id="nothing_done"),
        pytest.param(REGISTERED, 38.0, 0.0, 0.0, "missing_target", id="zero_target_is_unusable"),
        pytest.param(REGISTERED, 38.0, None, 0.0, "missing_target", id="missing_target"),
        pytest.param(REGISTERED, None, 40.0, 0.0, "missing_actual", id="missing_actual"),
        pytest.param(INCIDENCE, 4.0, 3.0, 7.5, None, id="lower_is_target_over_actual"),
        pytest.param(INCIDENCE, 2.0, 3.0, 10.0, None, id="lower_met_is_capped"),
        pytest.param(INCIDENCE, 0.0, 3.0, 10.0, None, id="lower_zero_scores_full"),
        pytest.param(INCIDENCE, 0.0, 0.0, 10.0, None, id="lower_zero_target_met_by_zero"),
        pytest.param(INCIDENCE, 2.0, -1.0, 0.0, "missing_target", id="lower_negative_target"),
    ],
)
def test_ratio_scores_in_proportion_to_the_target(
    item: ItemSpec, actual: Value, target: Value, score: float, flag: str | None
) -> None:
    row = one(item, actual, target)
    assert (row["score"], row["flag"]) == (score, flag)


def test_ratio_shows_the_proportion() -> None:
    frame = run(REGISTERED, [38.0, 41.0, 38.0, 38.0], [40.0, 40.0, 0.0, None])
    assert frame["zh"].to_list() == [
        "出生登记数 38人，目标≥40人，按比例20×38/40，得19.00/20分",
        "出生登记数 41人，目标≥40人，已达标，得20.00/20分",
        "出生登记数 38人，目标0人无效，得0.00/20分（待核实）",
        "出生登记数 38人，缺少目标，得0.00/20分（待核实）",
    ]
    assert one(INCIDENCE, 4.0, 3.0)["zh"] == "发生率 4.00‰，目标≤3‰，按比例10×3/4.00，得7.50/10分"


# --- bonus ----------------------------------------------------------------------------------

PER_STEP = BonusRule(points=1.0, cap=5.0)
CASES_SOLVED = ItemSpec(
    "CC",
    "查处案件",
    "Cases solved",
    0.0,
    BonusRule(points=10.0, cap=10.0, flat=True),
    "#{SOLVED}",
    decimals=0,
    unit="个",
)


@pytest.mark.parametrize(
    ("item", "actual", "target", "bonus", "flag"),
    [
        pytest.param(birth_rate(PER_STEP, weight=0.0), 95.8, 95.0, 0.8, None, id="per_step"),
        pytest.param(birth_rate(PER_STEP, weight=0.0), 94.0, 95.0, 0.0, None, id="not_exceeded"),
        pytest.param(birth_rate(PER_STEP, weight=0.0), 95.0, 95.0, 0.0, None, id="only_met"),
        pytest.param(birth_rate(PER_STEP, weight=0.0), 97.5, 90.0, 5.0, None, id="capped"),
        pytest.param(
            birth_rate(BonusRule(points=1.0, cap=5.0, whole_steps=True), weight=0.0),
            95.3,
            95.0,
            1.0,
            None,
            id="whole_steps_round_a_part_step_up",
        ),
        pytest.param(out_of_policy_rate(PER_STEP, 0.0), 3.5, 5.0, 1.5, None, id="lower_is_better"),
        pytest.param(CASES_SOLVED, 3.0, 1.0, 10.0, None, id="flat_when_met"),
        pytest.param(CASES_SOLVED, 0.0, 1.0, 0.0, None, id="flat_not_met"),
        pytest.param(
            replace(CASES_SOLVED, rule=BonusRule(points=10.0, cap=8.0, flat=True)),
            3.0,
            1.0,
            8.0,
            None,
            id="flat_capped",
        ),
        pytest.param(CASES_SOLVED, None, 1.0, 0.0, "missing_actual", id="missing_actual"),
        pytest.param(CASES_SOLVED, 3.0, None, 0.0, "missing_target", id="missing_target"),
    ],
)
def test_bonus_adds_points_beyond_the_target(
    item: ItemSpec, actual: Value, target: Value, bonus: float, flag: str | None
) -> None:
    row = one(item, actual, target)
    assert (row["score"], row["flag"]) == (bonus, flag)


def test_bonus_shows_the_excess_and_the_cap() -> None:
    frame = run(birth_rate(PER_STEP, weight=0.0), [95.8, 94.0, None], 95.0)
    assert frame["zh"].to_list() == [
        "计划生育率 95.80%，目标≥95%，超0.80个百分点，每1个百分点加1分，最多加5分，加0.80分",
        "计划生育率 94.00%，目标≥95%，未超过目标，加0.00分",
        "计划生育率 缺少数据，加0.00分（待核实）",
    ]
    assert frame["en"][0] == (
        "Planned birth rate 95.80%, target ≥ 95%, 0.80 percentage points above, "
        "1 point added per 1 percentage point, at most 5: +0.80"
    )
    assert run(CASES_SOLVED, [3.0], 1.0)["zh"][0] == "查处案件 3个，目标≥1个，已达标，加10.00分"


# --- unit wording ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "gap_zh", "gap_en", "figure_en"),
    [
        ("%", "个百分点", " percentage points", "%"),
        ("‰", "个千分点", " per-mille points", "‰"),
        ("‱", "个万分点", " per-ten-thousand points", "‱"),
        ("人", "人", " persons", " persons"),
        ("例", "例", " cases", " cases"),
        ("次", "次", " times", " times"),
        ("个", "个", "", ""),
        ("户", "户", " 户", " 户"),
    ],
)
def test_unit_words_name_the_gap_by_the_unit(
    unit: str, gap_zh: str, gap_en: str, figure_en: str
) -> None:
    words = unit_words(unit)
    assert (words.gap_zh, words.gap_en_many, words.en_many) == (gap_zh, gap_en, figure_en)
