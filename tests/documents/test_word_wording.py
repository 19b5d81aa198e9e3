"""The sentences of the Word documents, worded from constructed figures (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.documents.word.wording import (
    EN,
    ZH,
    IndicatorFigure,
    Measure,
    change,
    indicator_sentence,
    join_en,
    join_zh,
    lang_of,
    money,
    ordinal_zh,
    sentence,
    target_clause,
)

PERCENT = Measure("%", 2)
PER_MILLE = Measure("‰", 2)
PEOPLE = Measure("人", 0)


def figure(
    value: float | None,
    target: float | None = None,
    direction: str = "higher",
    previous: float | None = None,
    measure: Measure = PERCENT,
    name: str = "计划生育率",
) -> IndicatorFigure:
    return IndicatorFigure("X", name, measure, value, target, direction, previous)


@pytest.mark.parametrize(
    ("value", "previous", "measure", "zh", "en"),
    [
        (97.21, 97.91, PERCENT, "比上年下降0.70个百分点", "down 0.70 percentage points on the year before"),
        (96.87, 96.19, PERCENT, "比上年上升0.68个百分点", "up 0.68 percentage points on the year before"),
        (91.75, 91.75, PERCENT, "与上年持平", "unchanged from the year before"),
        (10.79, 10.84, PER_MILLE, "比上年下降0.05个千分点", "down 0.05 per-mille points on the year before"),
        (3.76, 3.5, Measure("个", 2), "比上年上升0.26个", "up 0.26 个 on the year before"),
    ],
)  # fmt: skip
def test_a_change_on_last_year_says_up_down_or_unchanged_by_the_points_shown(
    value: float, previous: float, measure: Measure, zh: str, en: str
) -> None:
    assert change(value, previous, measure, ZH) == zh
    assert change(value, previous, measure, EN) == en


def test_a_change_is_worked_out_on_the_figures_as_shown_not_on_the_raw_floats() -> None:
    # 97.205 shows as 97.21 (half-up) and 97.214 as 97.21: the reader sees no change.
    assert change(97.214, 97.205, PERCENT, ZH) == "与上年持平"
    # 0.1 + 0.2 is 0.30000000000000004 as a float; shown, it is 0.30.
    assert change(0.1 + 0.2, 0.3, PERCENT, ZH) == "与上年持平"


def test_births_are_counted_as_more_or_fewer_people_not_points() -> None:
    assert change(430, 418, PEOPLE, ZH, count=True) == "比上年增加12人"
    assert change(418, 430, PEOPLE, ZH, count=True) == "比上年减少12人"
    assert change(418, 430, Measure("", 0), EN, count=True) == "12 fewer than the year before"
    assert change(430, 430, PEOPLE, ZH, count=True) == "与上年持平"


def test_a_table_column_takes_the_short_change() -> None:
    assert change(97.21, 97.91, PERCENT, ZH, short=True) == "下降0.70个百分点"
    assert change(5, 5, PERCENT, ZH, short=True) == "持平"
    assert change(5.5, 5, PERCENT, EN, short=True) == "up 0.50 percentage points"


def test_without_last_years_figure_nothing_is_said_of_a_change() -> None:
    assert change(97.21, None, PERCENT, ZH) == ""
    assert change(None, 97.21, PERCENT, EN) == ""


@pytest.mark.parametrize(
    ("value", "target", "direction", "met", "zh"),
    [
        (97.21, 95, "higher", True, "达到95%的目标"),
        (93.98, 95, "higher", False, "低于95%的目标1.02个百分点"),
        (95.0, 95, "higher", True, "达到95%的目标"),
        (10.79, 12, "lower", True, "控制在12%以内"),
        (12.5, 12, "lower", False, "超过12%的控制指标0.50个百分点"),
    ],
)
def test_a_target_is_met_or_missed_in_its_direction(
    value: float, target: float, direction: str, met: bool, zh: str
) -> None:
    f = figure(value, target, direction)
    assert f.met is met
    assert f.status(ZH) == ("完成" if met else "未完成")
    assert f.status(EN) == ("met" if met else "missed")
    assert target_clause(f, ZH) == zh


def test_the_english_target_clause_says_within_over_reaching_or_short() -> None:
    assert target_clause(figure(10.79, 12, "lower", measure=PER_MILLE), EN) == (
        "within the limit of 12‰"
    )
    assert target_clause(figure(93.98, 95), EN) == (
        "1.02 percentage points short of the target of 95%"
    )


def test_an_indicator_sentence_gives_value_target_and_change_in_that_order() -> None:
    f = figure(10.79, 12, "lower", 10.84, PER_MILLE, "人口出生率")
    assert indicator_sentence(f, ZH) == "人口出生率为10.79‰，控制在12‰以内，比上年下降0.05个千分点"
    f = IndicatorFigure("X", "Birth rate", PER_MILLE, 10.79, 12, "lower", 10.84)
    assert indicator_sentence(f, EN) == (
        "the birth rate was 10.79‰, within the limit of 12‰, down 0.05 per-mille points on the "
        "year before"
    )


def test_a_missing_value_is_said_to_be_missing_never_shown_as_a_blank_or_crosses() -> None:
    text = indicator_sentence(figure(None, 95), ZH)
    assert text == "计划生育率因缺少数据无法计算"
    assert "×" not in text
    assert figure(None, 95).met is None
    assert figure(None, 95).status(ZH) == ""
    assert figure(None).shown() == "—"


def test_an_indicator_without_a_target_has_no_status_and_no_target_clause() -> None:
    f = figure(0.51, None, "", 0.0)
    assert f.status(ZH) == ""
    assert f.shown_target() == ""
    assert indicator_sentence(f, ZH) == "计划生育率为0.51%，比上年上升0.51个百分点"


def test_lists_numbers_and_money_read_as_a_document_writes_them() -> None:
    assert join_zh(["甲村"]) == "甲村"
    assert join_zh(["甲村", "乙村", "丙村"]) == "甲村、乙村和丙村"
    assert join_en(["A", "B"]) == "A and B"
    assert [ordinal_zh(i) for i in (1, 4, 10, 11, 20, 23)] == [
        "一",
        "四",
        "十",
        "十一",
        "二十",
        "二十三",
    ]
    assert money(Decimal("109408"), ZH) == "109,408元"
    assert money(Decimal("1200.50"), EN) == "¥1,200.50"
    assert sentence(["a", "", "b"], EN) == "A; b."
    assert sentence(["甲", "乙"], ZH) == "甲；乙。"
    assert lang_of("en") == EN and lang_of("zh-hans") == ZH
