"""Explanations: the templates, and the two renderers that must agree on every string.

The wording itself is checked rule by rule in ``test_rules.py`` and
``test_rules_within_kind.py`` (through both renderers); here are the properties of templates
and renderers over random items and random outcomes.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe.engine.explain import (
    render,
    render_all,
    render_many,
    render_many_langs,
    render_rows,
    render_rows_langs,
    render_series,
)
from kaohe.engine.rounding import round_half_up_array
from kaohe.engine.rules import (
    BRANCH_MISSING_ACTUAL,
    FLAG_NAMES,
    ItemInputs,
    ItemOutcome,
    branch_count,
    score_item,
)
from kaohe.engine.spec import (
    BandRule,
    BonusRule,
    CaseTerm,
    Direction,
    ItemSpec,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
    RatioRule,
    RelativeToBestRule,
    RuleParams,
    ThresholdRule,
)
from kaohe.engine.templates import Figure, ItemTemplates, Plural, item_templates

# --- random items ---------------------------------------------------------------------------

POINTS = st.sampled_from([0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0])
STEPS = st.sampled_from([0.1, 0.3, 0.5, 1.0, 2.0])


def _case_terms() -> st.SearchStrategy[tuple[CaseTerm, ...]]:
    term = st.builds(
        CaseTerm,
        label=st.sampled_from(["瞒报", "错报", "{迟报}"]),
        label_en=st.sampled_from(["concealed births", "wrong", "{late}"]),
        expression=st.just("#{X}"),
        points=POINTS,
    )
    return st.lists(term, max_size=2).map(tuple)


RULES: st.SearchStrategy[RuleParams] = st.one_of(
    st.just(ThresholdRule()),
    st.builds(
        LinearRule,
        points=POINTS,
        step=STEPS,
        whole_steps=st.booleans(),
        allow_negative=st.booleans(),
        max_deduction=st.sampled_from([None, 5.0, 10.0, 30.0]),
    ),
    st.builds(
        PerCaseRule,
        points=POINTS,
        case_label=st.sampled_from(["例", "次"]),
        case_label_en=st.sampled_from(["case", "time"]),
        also=_case_terms(),
        allow_negative=st.booleans(),
    ),
    st.builds(BandRule, low=st.sampled_from([0.8, 0.85, 0.9]), high=st.sampled_from([1.0, 1.1])),
    st.just(RatioRule()),
    st.just(RelativeToBestRule()),
    st.builds(
        RankPointsRule,
        first=st.sampled_from([5.0, 6.0, 10.0]),
        step=st.sampled_from([0.5, 1.0, 2.0]),
        minimum=st.sampled_from([0.0, 2.0]),
    ),
    st.builds(
        LevelProgressRule,
        above=st.sampled_from([(0.7, 0.3), (0.6, 0.4)]),
        below=st.sampled_from([(0.3, 0.7), (0.5, 0.5)]),
    ),
    st.builds(
        BonusRule,
        points=POINTS,
        cap=st.sampled_from([5.0, 8.0, 10.0]),
        step=STEPS,
        flat=st.booleans(),
        whole_steps=st.booleans(),
    ),
)

ITEMS = st.builds(
    ItemSpec,
    code=st.just("X"),
    name=st.sampled_from(["计划生育率", "出生人数", "{名}"]),
    name_en=st.sampled_from(["Planned birth rate", "Births", "{name}"]),
    weight=st.sampled_from([0.0, 5.0, 6.0, 12.5, 20.0]),
    rule=RULES,
    actual=st.just("#{X}"),
    direction=st.sampled_from(list(Direction)),
    decimals=st.integers(0, 3),
    unit=st.sampled_from(["%", "‰", "‱", "人", "例", "次", "个", "户", ""]),
)


def _figure_values(size: int, figure: Figure) -> st.SearchStrategy[list[float]]:
    """Values of a figure: on its grid (small, around 1, negative, large), off it, NaN, inf."""
    scale = 10.0**figure.decimals
    on_grid = st.integers(-(10**12), 10**12).map(lambda k: k / scale)
    small = st.integers(-3 * int(scale), 3 * int(scale)).map(lambda k: k / scale)
    value = st.one_of(
        small,
        st.sampled_from([0.0, -0.0, 1.0, 2.0, -1.0]),
        on_grid,
        st.floats(-1e9, 1e9, allow_nan=False),
        st.sampled_from([np.nan, np.inf, -np.inf]),
    )
    # Sometimes one value for every unit, so that constant figures are printed as literals.
    return st.one_of(st.lists(value, min_size=size, max_size=size), value.map(lambda v: [v] * size))


@st.composite
def outcomes(draw: st.DrawFn, item: ItemSpec, size: int) -> ItemOutcome:
    """A random outcome for ``item``: any branch per unit, any figure values."""
    templates = item_templates(item)
    codes = st.integers(0, branch_count(item) - 1)
    branch = draw(
        st.one_of(st.lists(codes, min_size=size, max_size=size), codes.map(lambda c: [c] * size))
    )
    figures = {
        figure.name: np.array(draw(_figure_values(size, figure)), dtype=np.float64)
        for figure in templates.figures()
    }
    score = figures.get("score", np.zeros(size))
    return ItemOutcome(
        score=score,
        flag=np.zeros(size, dtype=np.int8),
        branch=np.array(branch, dtype=np.int8),
        figures=figures,
    )


def both_renderers(templates: ItemTemplates, outcome: ItemOutcome) -> dict[str, list[str]]:
    """The texts of both renderers in both languages, asserted equal."""
    rows = render_rows_langs(templates, outcome)
    vectorised = render_many_langs([templates], [outcome])
    for lang in ("zh", "en"):
        assert vectorised[lang][0].to_list() == rows[lang]
        assert render_rows(templates, outcome, lang) == rows[lang]
        assert render_series(templates, outcome, lang).to_list() == rows[lang]
    return rows


# --- the two renderers agree ----------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), item=ITEMS, size=st.integers(1, 40))
def test_renderers_agree_on_random_outcomes_of_every_rule(
    data: st.DataObject, item: ItemSpec, size: int
) -> None:
    outcome = data.draw(outcomes(item, size))
    texts = both_renderers(item_templates(item), outcome)
    for lang in ("zh", "en"):
        assert all(isinstance(text, str) for text in texts[lang])
        missing = item_templates(item).branches(lang)[BRANCH_MISSING_ACTUAL][0]
        for code, text in zip(outcome.branch.tolist(), texts[lang], strict=True):
            if code == BRANCH_MISSING_ACTUAL:
                assert text == missing


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), items=st.lists(ITEMS, min_size=2, max_size=4), size=st.integers(1, 30))
def test_many_items_render_in_one_query_as_one_by_one(
    data: st.DataObject, items: list[ItemSpec], size: int
) -> None:
    templates = [item_templates(item) for item in items]
    outs = [data.draw(outcomes(item, size)) for item in items]
    for lang in ("zh", "en"):
        together = render_many(templates, outs, lang)
        assert [series.to_list() for series in together] == [
            render_rows(t, o, lang) for t, o in zip(templates, outs, strict=True)
        ]


def test_renderers_print_figures_as_format_fixed_and_format_trimmed() -> None:
    item = ItemSpec("X", "项目", "Item", 20.0, BandRule(), "#{X}", decimals=2, unit="%")
    # actual 12.5 → 12.50; bounds trimmed at 4 decimals; −0.0 prints as 0; NaN as nothing.
    outcome = ItemOutcome(
        score=np.array([20.0, 0.0, 0.0]),
        flag=np.zeros(3, dtype=np.int8),
        branch=np.array([3, 4, 4], dtype=np.int8),
        figures={
            "actual": np.array([12.5, -0.0, 1e9]),
            "target": np.array([40.0, 40.0, np.nan]),
            "low": np.array([34.85, 34.0, 0.1234]),
            "high": np.array([40.0, 40.0, 1.5]),
            "score": np.array([20.0, 0.0, 0.0]),
        },
    )
    texts = both_renderers(item_templates(item), outcome)
    assert texts["zh"] == [
        "项目 12.50%，应在34.85–40%之间（目标40%的85%–100%），符合，得20.00/20分",
        "项目 0.00%，应在34–40%之间（目标40%的85%–100%），不符合，得0.00/20分",
        "项目 1000000000.00%，应在0.1234–1.5%之间（目标%的85%–100%），不符合，得0.00/20分",
    ]


def test_english_counts_read_one_person_and_two_persons() -> None:
    item = ItemSpec(
        "X", "出生登记数", "Registered births", 20.0, RatioRule(), "#{X}", decimals=0, unit="人"
    )
    inputs = ItemInputs(
        actual=np.array([1.0, 2.0, 1.0]),
        target=np.array([2.0, 1.0, 1.0]),
        group=np.zeros(3, dtype=np.int64),
    )
    texts = both_renderers(item_templates(item), score_item(item, inputs))
    assert texts["en"] == [
        "Registered births 1 person, target ≥ 2 persons, proportional 20×1/2, score 10.00/20",
        "Registered births 2 persons, target ≥ 1 person, target met, score 20.00/20",
        "Registered births 1 person, target ≥ 1 person, target met, score 20.00/20",
    ]


def test_braces_in_names_print_as_they_are() -> None:
    item = ItemSpec("X", "{名}", "{name} {}", 5.0, ThresholdRule(), "#{X}", decimals=0, unit="{}")
    inputs = ItemInputs(
        actual=np.array([3.0, 1.0, np.nan]),
        target=np.array([2.0, 2.0, 2.0]),
        group=np.zeros(3, dtype=np.int64),
    )
    texts = both_renderers(item_templates(item), score_item(item, inputs))
    assert texts["zh"] == [
        "{名} 3{}，目标≥2{}，已达标，得5.00/5分",
        "{名} 1{}，目标≥2{}，未达标，得0.00/5分",
        "{名} 缺少数据，得0.00/5分（待核实）",
    ]
    assert texts["en"][0] == "{name} {} 3 {}, target ≥ 2 {}, target met, score 5.00/5"


# --- render picks a renderer by size; many units ------------------------------------------


LINEAR = ItemSpec(
    "JHSY", "计划生育率", "Planned birth rate", 20.0, LinearRule(points=2), "N{JHSY}", unit="%"
)


def _linear_outcome(size: int) -> ItemOutcome:
    actual = np.resize(np.array([93.5, 96.0, np.nan, 50.0, 94.25]), size)
    target = np.resize(np.array([95.0, 95.0, 95.0, np.nan, 95.0]), size)
    return score_item(LINEAR, ItemInputs(actual, target, np.zeros(size, dtype=np.int64)))


@pytest.mark.parametrize("size", [1, 5, 599, 600, 2500])
def test_render_gives_the_same_strings_either_side_of_the_switch(size: int) -> None:
    outcome = _linear_outcome(size)
    templates = item_templates(LINEAR)
    for lang in ("zh", "en"):
        rows = render_rows(templates, outcome, lang)
        for vectorise_from in (1, 600, 10**9):
            series = render(templates, outcome, lang, vectorise_from=vectorise_from)
            assert series.dtype == pl.String
            assert series.to_list() == rows
    assert (
        render_rows(templates, outcome, "zh")[:4]
        == [
            "计划生育率 93.50%，目标≥95%，低1.50个百分点，每1个百分点扣2分，扣3.00分，得17.00/20分",
            "计划生育率 96.00%，目标≥95%，已达标，得20.00/20分",
            "计划生育率 缺少数据，得0.00/20分（待核实）",
            "计划生育率 50.00%，缺少目标，得0.00/20分（待核实）",
        ][:size]
    )


def test_render_all_names_each_series_by_language_and_item() -> None:
    outcome = _linear_outcome(3)
    for vectorise_from in (1, 600):
        texts = render_all([item_templates(LINEAR)], [outcome], vectorise_from=vectorise_from)
        assert [s.name for s in texts["zh"]] == ["zh:JHSY"]
        assert [s.name for s in texts["en"]] == ["en:JHSY"]
        assert (
            texts["en"][0][1]
            == "Planned birth rate 96.00%, target ≥ 95%, target met, score 20.00/20"
        )


def test_no_units_and_no_items() -> None:
    outcome = _linear_outcome(0)
    templates = item_templates(LINEAR)
    assert render_rows(templates, outcome, "zh") == []
    assert render_series(templates, outcome, "en").to_list() == []
    assert render(templates, outcome, "zh").to_list() == []
    assert render_many([], [], "zh") == []
    assert render_all([], []) == {"zh": [], "en": []}


def test_an_unknown_language_is_an_error() -> None:
    outcome = _linear_outcome(2)
    with pytest.raises(ValueError, match="language"):
        render_rows(item_templates(LINEAR), outcome, "fr")
    with pytest.raises(ValueError, match="language"):
        render_series(item_templates(LINEAR), outcome, "fr")


def test_an_outcome_without_a_printed_figure_is_an_error() -> None:
    outcome = _linear_outcome(2)
    figures = {name: values for name, values in outcome.figures.items() if name != "gap"}
    broken = ItemOutcome(outcome.score, outcome.flag, outcome.branch, figures)
    with pytest.raises(KeyError, match="gap"):
        render_rows(item_templates(LINEAR), broken, "zh")
    with pytest.raises(KeyError, match="gap"):
        render_series(item_templates(LINEAR), broken, "zh")


# --- templates ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(item=ITEMS)
def test_templates_merge_literals_and_cover_every_branch(item: ItemSpec) -> None:
    templates = item_templates(item)
    assert templates is item_templates(item)  # cached
    assert len(templates.zh) == len(templates.en) == branch_count(item)
    for template in templates.zh + templates.en:
        for first, second in zip(template, template[1:], strict=False):
            assert not (isinstance(first, str) and isinstance(second, str))
        assert "" not in template
        for piece in template:
            assert isinstance(piece, str | Figure | Plural)
    assert templates.zh[BRANCH_MISSING_ACTUAL] and templates.en[BRANCH_MISSING_ACTUAL]


@settings(max_examples=200, deadline=None)
@given(
    item=ITEMS,
    values=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 12_000).map(lambda n: n / 100)),
            st.one_of(st.none(), st.integers(-100, 12_000).map(lambda n: n / 1000)),
            st.one_of(st.none(), st.integers(0, 12_000).map(lambda n: n / 100)),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_every_printed_figure_is_the_number_scored(
    item: ItemSpec, values: list[tuple[float | None, float | None, float | None, int]]
) -> None:
    """Scoring leaves each figure rounded to the decimals it is printed with, so printing it
    rounds nothing: the explanation shows the very numbers the score came from."""

    def floats(column: list[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in column], dtype=np.float64)

    actual, target, previous, group = (list(column) for column in zip(*values, strict=True))
    rule = item.rule
    also = rule.also if isinstance(rule, PerCaseRule) else ()
    inputs = ItemInputs(
        actual=round_half_up_array(floats(actual), item.decimals),
        target=floats(target),
        group=np.array(group, dtype=np.int64),
        previous=floats(previous),
        cases=tuple(floats(actual[::-1]) for _ in also),
    )
    outcome = score_item(item, inputs)
    assert not np.isnan(outcome.score).any()
    assert set(outcome.flag.tolist()) <= set(range(len(FLAG_NAMES)))
    for figure in item_templates(item).figures():
        shown = outcome.figures[figure.name]
        assert np.array_equal(shown, round_half_up_array(shown, figure.decimals), equal_nan=True)
        assert not np.isinf(shown).any()
    both_renderers(item_templates(item), outcome)
