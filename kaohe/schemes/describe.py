"""A scoring rule in words, as a county's rules print it (评分标准), in Chinese and English.

The scheme pages and ``kaohe scheme show`` describe each item with this; the wording of units
and constants is the explanations' (:mod:`kaohe.engine.templates`), so ``每1个百分点扣2分``
reads the same here as under a unit's score.
"""

from __future__ import annotations

import json

from kaohe.engine.spec import (
    BandRule,
    BonusRule,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
    RatioRule,
    RelativeToBestRule,
    ThresholdRule,
)
from kaohe.engine.templates import const, unit_words

from .models import ScoringItem
from .specs import RuleParamsError, rule_params_from_dict


def _percent(ratio: float) -> str:
    return const(ratio * 100) + "%"


def rule_text(item: ScoringItem) -> tuple[str, str]:
    """The item's rule in words: ``(Chinese, English)``.

    Parameters that do not fit the rule (a draft being edited) are shown as they are stored.
    """
    try:
        rule = rule_params_from_dict(item.rule_type, item.params)
    except RuleParamsError:
        raw = json.dumps(item.params, ensure_ascii=False, sort_keys=True)
        return f"{item.rule_type} {raw}", f"{item.rule_type} {raw}"
    words = unit_words(item.unit)
    higher = item.direction == "higher"
    weight = const(item.weight)
    below_zh, below_en = ("低于", "below") if higher else ("高于", "above")
    above_zh, above_en = ("超过", "above") if higher else ("低于", "below")

    def step_words(step: float) -> tuple[str, str]:
        gap_en = words.gap_en_one if step == 1 else words.gap_en_many
        return f"{const(step)}{words.gap_zh}", f"{const(step)}{gap_en}"

    if isinstance(rule, ThresholdRule):
        return (
            f"达标得满分（{weight}分），未达标不得分",
            f"full marks ({weight}) when the target is met, none otherwise",
        )
    if isinstance(rule, LinearRule):
        step_zh, step_en = step_words(rule.step)
        zh = f"每{below_zh}目标{step_zh}扣{const(rule.points)}分"
        en = f"{const(rule.points)} off per {step_en} {below_en} the target"
        if rule.whole_steps:
            zh += f"，不足{step_zh}按{step_zh}计"
            en += ", a part step counting as a whole one"
        if rule.max_deduction is not None:
            zh += f"，最多扣{const(rule.max_deduction)}分"
            en += f", at most {const(rule.max_deduction)} off"
        zh += "，该项可负分" if rule.allow_negative else "，扣完为止"
        en += ", may go below zero" if rule.allow_negative else ", down to zero"
        return zh, en
    if isinstance(rule, PerCaseRule):
        parts_zh = [f"每{rule.case_label}扣{const(rule.points)}分"]
        parts_en = [f"{const(rule.points)} off per {rule.case_label_en}"]
        for term in rule.also:
            parts_zh.append(f"{term.label}每例扣{const(term.points)}分")
            parts_en.append(f"{const(term.points)} off per {term.label_en}")
        zh, en = "；".join(parts_zh), "; ".join(parts_en)
        zh += "，该项可负分" if rule.allow_negative else "，扣完为止"
        en += ", may go below zero" if rule.allow_negative else ", down to zero"
        return zh, en
    if isinstance(rule, BandRule):
        low, high = _percent(rule.low), _percent(rule.high)
        return (
            f"实际值在目标的{low}至{high}之间得满分（{weight}分），超出不得分",
            f"full marks ({weight}) between {low} and {high} of the target, none outside",
        )
    if isinstance(rule, RatioRule):
        ratio_zh = "实际值÷目标" if higher else "目标÷实际值"
        ratio_en = "actual / target" if higher else "target / actual"
        return (
            f"按{ratio_zh}得分，最多{weight}分",
            f"{weight} × {ratio_en}, at most {weight}",
        )
    if isinstance(rule, RelativeToBestRule):
        return (
            f"按与同类最优单位之比得分，最多{weight}分",
            f"{weight} × the ratio to the best unit of the same kind",
        )
    if isinstance(rule, RankPointsRule):
        return (
            f"同类第1名{const(rule.first)}分，每低一名少{const(rule.step)}分，"
            f"最低{const(rule.minimum)}分",
            f"{const(rule.first)} for the first of its kind, {const(rule.step)} less per rank, "
            f"at least {const(rule.minimum)}",
        )
    if isinstance(rule, LevelProgressRule):
        above = ":".join(const(w * 10) for w in rule.above)
        below = ":".join(const(w * 10) for w in rule.below)
        return (
            f"水平与进步：不低于同类平均时按{above}，低于时按{below}加权，满分{weight}分",
            f"level and progress weighted {above} at or above the mean of the kind, "
            f"{below} below it; {weight} at most",
        )
    assert isinstance(rule, BonusRule)
    if rule.flat:
        return (
            f"达到目标加{const(rule.points)}分",
            f"+{const(rule.points)} when the target is met",
        )
    step_zh, step_en = step_words(rule.step)
    return (
        f"每{above_zh}目标{step_zh}加{const(rule.points)}分，最多加{const(rule.cap)}分",
        f"+{const(rule.points)} per {step_en} {above_en} the target, at most +{const(rule.cap)}",
    )
