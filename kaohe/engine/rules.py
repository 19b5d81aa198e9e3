"""Scoring rules (评分标准) as vectorised Polars expressions over the wide frame.

:func:`item_columns` turns one :class:`~kaohe.engine.spec.ItemSpec` into the expressions for
its score ``s:ITEM``, flag ``f:ITEM`` and explanations ``xz:ITEM`` / ``xe:ITEM`` (see the
column convention in :mod:`kaohe.engine.spec`), to be evaluated in one ``with_columns``.

Every score is computed from the figures its explanation prints: the gap is rounded to the
actual's decimals, the deduction (or bonus) half-up to 0.01, and the score is the weight minus
that shown deduction, so a clerk redoing the arithmetic from the explanation gets the score to
the fen. Targets are rounded to the actual's decimals too, so a target is compared as printed.

Each item's figures are built as a struct, stage by stage (``struct.with_fields`` reading
earlier fields with ``pl.field``). Eager ``with_columns`` shares no sub-expressions, and
nesting half-up roundings (each reads its input twice) would double the expression tree at
every level; staging computes each figure once and keeps the tree linear.

Actuals are expected to be non-negative (rates and counts); where a rule divides by a figure
that is zero or negative the quotient scores 0 instead of producing an infinity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from kaohe.engine import explain
from kaohe.engine.explain import SCORE_DECIMALS, F, Template
from kaohe.engine.rounding import round_half_up_expr
from kaohe.engine.spec import (
    BandRule,
    BonusRule,
    Direction,
    ItemSpec,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
    RatioRule,
    RelativeToBestRule,
    ThresholdRule,
)

MISSING_ACTUAL = "missing_actual"
MISSING_TARGET = "missing_target"
MISSING_PREVIOUS = "missing_previous"

# Whole steps take the ceiling of gap / step; a quotient such as 2.1 / 0.3 lands on
# 7.000000000000001, so it is snapped to this many decimals first (as rounding.py does).
_SNAP_DECIMALS = 6


@dataclass(frozen=True)
class _Plan:
    """What a rule builder hands back: the item's figures, how they read, what is missing.

    ``figures`` is a struct with at least a ``score`` field. Every field must stay finite
    (or null) on every row, flagged rows included: Polars evaluates every branch of a
    ``when``, and formatting an infinity fails the whole frame. The missing conditions read
    frame columns, so the flag column needs none of the figures.
    """

    figures: pl.Expr
    template: Template
    missing_actual: pl.Expr
    missing_target: pl.Expr | None = None  # None: the rule reads no target
    missing_previous: pl.Expr | None = None
    target_may_be_invalid: bool = False


def round_shown(expr: pl.Expr, decimals: int) -> pl.Expr:
    """Round half-up to ``decimals`` places, landing on the float nearest the decimal.

    :func:`~kaohe.engine.rounding.round_half_up_expr` decides the rounding; its last step
    multiplies by the reciprocal of the scale, so 19.40 comes out as 19.400000000000002. Polars'
    own ``round`` then moves that to the float nearest 19.40 (it is no tie), so shown figures
    compare equal to typed ones and sum without drift.
    """
    return round_half_up_expr(expr, decimals).round(decimals)


def item_columns(item: ItemSpec, group: str = "kind") -> list[pl.Expr]:
    """Expressions for ``s:``, ``f:``, ``xz:`` and ``xe:`` of ``item``, one ``with_columns``.

    The frame needs ``group`` (the unit kind: relative rules compare units within it),
    ``a:ITEM`` (the actual, already rounded to ``item.decimals``), ``t:ITEM`` for the rules
    that read a target, ``p:ITEM`` for ``level_progress`` and ``c:ITEM:K`` for each extra term
    of a ``per_case`` item. A missing actual scores 0 and is flagged ``missing_actual``; a
    missing (or, for ``ratio``, unusable) target scores 0 and is flagged ``missing_target``; a
    missing previous value is flagged ``missing_previous`` and counts as no progress.
    """
    plan = _BUILDERS[type(item.rule)](item, group)
    template = plan.template
    flags = [(plan.missing_actual, pl.lit(MISSING_ACTUAL))]
    zeroed = plan.missing_actual
    body_zh, body_en = template.zh, template.en
    if plan.missing_target is not None:
        flags.append((plan.missing_target, pl.lit(MISSING_TARGET)))
        zeroed = zeroed | plan.missing_target
        # Without a target the head (name and actual) stays and the body says what is wrong.
        tail_zh, tail_en = explain.missing_target_text(
            item, may_be_invalid=plan.target_may_be_invalid
        )
        body_zh = explain.choose(plan.missing_target, tail_zh, body_zh)
        body_en = explain.choose(plan.missing_target, tail_en, body_en)
    if plan.missing_previous is not None:
        flags.append((plan.missing_previous, pl.lit(MISSING_PREVIOUS)))
    missing_zh, missing_en = explain.missing_actual_text(item)
    text_zh = explain.choose(
        plan.missing_actual, missing_zh, explain.concat([*template.head_zh, body_zh])
    )
    text_en = explain.choose(
        plan.missing_actual, missing_en, explain.concat([*template.head_en, body_en])
    )

    # Both texts read the same formatted figures; each output evaluates its own copy, as
    # eager with_columns cannot share one between columns.
    texts = plan.figures.struct.with_fields(**template.formats)
    score = pl.when(zeroed).then(pl.lit(0.0)).otherwise(F("score"))
    code = item.code
    return [
        _read(plan.figures, score).alias(f"s:{code}"),
        _first(flags, pl.lit(None, dtype=pl.String)).alias(f"f:{code}"),
        _read(texts, text_zh).alias(f"xz:{code}"),
        _read(texts, text_en).alias(f"xe:{code}"),
    ]


# --- shared pieces --------------------------------------------------------------------------


def _read(figures: pl.Expr, value: pl.Expr) -> pl.Expr:
    """Evaluate ``value`` (written with ``pl.field``) over the struct ``figures``."""
    return figures.struct.with_fields(_value=value).struct.field("_value")


def _first(cases: Sequence[tuple[pl.Expr, pl.Expr]], default: pl.Expr) -> pl.Expr:
    """The value of the first case whose condition holds, else ``default``."""
    result = default
    for condition, value in reversed(cases):
        result = pl.when(condition).then(value).otherwise(result)
    return result


def _struct(fields: dict[str, pl.Expr], **more: pl.Expr) -> pl.Expr:
    """A struct of the named expressions (the first stage of an item's figures)."""
    return pl.struct([expr.alias(name) for name, expr in (fields | more).items()])


def _missing(item: ItemSpec, prefix: str) -> pl.Expr:
    return pl.col(f"{prefix}:{item.code}").is_null()


def _target_missing(item: ItemSpec) -> tuple[pl.Expr, pl.Expr]:
    """The plan's missing conditions (actual, target) for a rule that reads a target."""
    return _missing(item, "a"), _missing(item, "t")


def _target(item: ItemSpec) -> pl.Expr:
    # Compared at the actual's precision, so "目标≥95.13%" is the figure actually used.
    return round_shown(pl.col(f"t:{item.code}"), item.decimals)


def _actual(item: ItemSpec) -> pl.Expr:
    # The caller rounds the actual with round_half_up_expr; snap it to the nearest float of
    # its decimal too, or 19.400000000000002 ≤ 19.4 would miss a target it meets.
    return pl.col(f"a:{item.code}").round(item.decimals)


def _columns(item: ItemSpec, *, target: bool) -> dict[str, pl.Expr]:
    """The first fields of an item's struct: ``a`` and, when the rule reads one, ``t``."""
    fields = {"a": _actual(item)}
    if target:
        fields["t"] = _target(item)
    return fields


def _higher(item: ItemSpec) -> bool:
    return item.direction is Direction.HIGHER


def _meets(item: ItemSpec, actual: pl.Expr, target: pl.Expr) -> pl.Expr:
    """``actual`` is at least as good as ``target`` in the item's direction."""
    return actual >= target if _higher(item) else actual <= target


def _to_score(value: pl.Expr) -> pl.Expr:
    return round_shown(value, SCORE_DECIMALS)


def _steps(gap: pl.Expr, step: float, whole_steps: bool) -> pl.Expr:
    """gap / step; with whole steps a part step counts in full (不足1个百分点按1个百分点计)."""
    steps = gap / step
    return steps.round(_SNAP_DECIMALS).ceil() if whole_steps else steps


def _quotient(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator for a positive denominator, else 0 (never an infinity)."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(pl.lit(0.0))


def _best(item: ItemSpec, group: str) -> pl.Expr:
    """The best actual of the unit's kind, nulls ignored."""
    actual = _actual(item)
    return (actual.max() if _higher(item) else actual.min()).over(group)


def _level(item: ItemSpec) -> pl.Expr:
    """a / best (lower: best / a); exactly 1 for the best, which also covers 0 / 0."""
    a, best = F("a"), F("best")
    quotient = _quotient(a, best) if _higher(item) else _quotient(best, a)
    return pl.when(a == best).then(pl.lit(1.0)).otherwise(quotient)


def _shortfall(item: ItemSpec, *, beyond: bool) -> pl.Expr:
    """How far ``a`` falls short of ``t`` (``beyond``: how far it passes it).

    Rounded to the actual's decimals: that is how it is printed, and it strips the float noise
    of 95 − 93.45.
    """
    a, t = F("a"), F("t")
    short = t - a if _higher(item) != beyond else a - t
    return round_shown(short.clip(lower_bound=0.0), item.decimals)


def _net(weight: float, allow_negative: bool) -> dict[str, pl.Expr]:
    """``score``: weight − ``deduction``, floored at 0 (``floored``) unless allowed below."""
    net = _to_score(weight - F("deduction"))
    if allow_negative:
        return {"score": net}
    floored = F("deduction") > weight
    return {"floored": floored, "score": pl.when(floored).then(pl.lit(0.0)).otherwise(net)}


# --- one builder per rule type --------------------------------------------------------------


def _threshold(item: ItemSpec, group: str) -> _Plan:
    met = _meets(item, F("a"), F("t"))
    figures = _struct(_columns(item, target=True)).struct.with_fields(met=met)
    figures = figures.struct.with_fields(
        score=pl.when(F("met")).then(pl.lit(item.weight)).otherwise(pl.lit(0.0))
    )
    return _Plan(figures, explain.threshold_text(item), *_target_missing(item))


def _linear(item: ItemSpec, group: str) -> _Plan:
    rule = item.rule
    assert isinstance(rule, LinearRule)
    figures = _struct(_columns(item, target=True))
    figures = figures.struct.with_fields(gap=_shortfall(item, beyond=False))
    figures = figures.struct.with_fields(steps=_steps(F("gap"), rule.step, rule.whole_steps))
    raw = F("steps") * rule.points
    if rule.max_deduction is None:
        figures = figures.struct.with_fields(deduction=_to_score(raw))
    else:
        figures = figures.struct.with_fields(
            capped=raw > rule.max_deduction,
            deduction=_to_score(raw.clip(upper_bound=rule.max_deduction)),
        )
    figures = figures.struct.with_fields(**_net(item.weight, rule.allow_negative))
    return _Plan(figures, explain.linear_text(item, rule), *_target_missing(item))


def _per_case(item: ItemSpec, group: str) -> _Plan:
    rule = item.rule
    assert isinstance(rule, PerCaseRule)
    # c0 is the item's own count (the actual), c1… the extra terms' counts.
    counts = {"c0": _actual(item)}
    for k in range(len(rule.also)):
        counts[f"c{k + 1}"] = round_shown(pl.col(f"c:{item.code}:{k}"), item.decimals)
    figures = _struct(counts)
    points = [rule.points, *(term.points for term in rule.also)]
    raw = pl.sum_horizontal([F(f"c{k}") * p for k, p in enumerate(points)])
    figures = figures.struct.with_fields(deduction=_to_score(raw))
    figures = figures.struct.with_fields(**_net(item.weight, rule.allow_negative))
    # Any count missing leaves the deduction unknown: the item waits for data as a whole.
    columns = [f"a:{item.code}", *(f"c:{item.code}:{k}" for k in range(len(rule.also)))]
    missing = pl.any_horizontal([pl.col(name).is_null() for name in columns])
    return _Plan(figures, explain.per_case_text(item, rule), missing_actual=missing)


def _band(item: ItemSpec, group: str) -> _Plan:
    rule = item.rule
    assert isinstance(rule, BandRule)
    # Two decimals past the actual keep 85% of 41 (34.85) exact while snapping float noise.
    bound_decimals = item.decimals + 2
    figures = _struct(_columns(item, target=True)).struct.with_fields(
        low=round_shown(F("t") * rule.low, bound_decimals),
        high=round_shown(F("t") * rule.high, bound_decimals),
    )
    figures = figures.struct.with_fields(within=(F("a") >= F("low")) & (F("a") <= F("high")))
    figures = figures.struct.with_fields(
        score=pl.when(F("within")).then(pl.lit(item.weight)).otherwise(pl.lit(0.0))
    )
    return _Plan(figures, explain.band_text(item, rule), *_target_missing(item))


def _ratio(item: ItemSpec, group: str) -> _Plan:
    a, t = F("a"), F("t")
    if _higher(item):
        share = _quotient(a, t)
        # The rule divides by the target: a zero or negative one is as good as none.
        unusable = _target(item) <= 0
    else:
        # target / actual; an actual of 0 meets any target of 0 or more and scores full.
        share = _quotient(t, a)
        unusable = _target(item) < 0
    figures = _struct(_columns(item, target=True)).struct.with_fields(met=_meets(item, a, t))
    figures = figures.struct.with_fields(
        score=pl.when(F("met")).then(pl.lit(item.weight)).otherwise(_to_score(item.weight * share))
    )
    return _Plan(
        figures,
        explain.ratio_text(item),
        missing_actual=_missing(item, "a"),
        missing_target=_missing(item, "t") | unusable,
        target_may_be_invalid=True,
    )


def _relative_to_best(item: ItemSpec, group: str) -> _Plan:
    figures = _struct(_columns(item, target=False), best=_best(item, group))
    figures = figures.struct.with_fields(score=_to_score(item.weight * _level(item)))
    return _Plan(figures, explain.relative_to_best_text(item), _missing(item, "a"))


def _rank_points(item: ItemSpec, group: str) -> _Plan:
    rule = item.rule
    assert isinstance(rule, RankPointsRule)
    actual = _actual(item)
    # "min" gives tied units the lowest rank number (1, 2, 2, 4); nulls stay unranked.
    rank = actual.rank("min", descending=_higher(item)).over(group).cast(pl.Int64)
    figures = _struct(_columns(item, target=False), rank=rank)
    points = (rule.first - (F("rank") - 1) * rule.step).clip(lower_bound=rule.minimum)
    figures = figures.struct.with_fields(score=_to_score(points))
    return _Plan(figures, explain.rank_points_text(item, rule), _missing(item, "a"))


def _level_progress(item: ItemSpec, group: str) -> _Plan:
    rule = item.rule
    assert isinstance(rule, LevelProgressRule)
    actual = _actual(item)
    previous = round_shown(pl.col(f"p:{item.code}"), item.decimals)
    change = actual - previous if _higher(item) else previous - actual
    # Window functions need frame columns, so the improvement is built here and not from
    # fields; it is small (two roundings).
    improvement = round_shown(change, item.decimals)
    figures = _struct(
        _columns(item, target=False),
        p=previous,
        best=_best(item, group),
        improvement=improvement,
        best_improvement=improvement.max().over(group),
        # Two decimals more than the actual, as printed, so the side of the mean is decided
        # on the figure the clerk sees.
        mean=round_shown(actual.mean().over(group), item.decimals + 2),
    )
    # No progress without a previous value (null improvement) or without any improvement.
    gained = (F("improvement") > 0) & (F("best_improvement") > 0)
    progress = pl.when(gained).then(F("improvement") / F("best_improvement"))
    figures = figures.struct.with_fields(
        level=round_shown(_level(item), explain.RATIO_DECIMALS),
        progress=round_shown(progress.otherwise(pl.lit(0.0)), explain.RATIO_DECIMALS),
        above=_meets(item, F("a"), F("mean")),
    )
    above = F("above")
    level_weight = pl.when(above).then(pl.lit(rule.above[0])).otherwise(pl.lit(rule.below[0]))
    progress_weight = pl.when(above).then(pl.lit(rule.above[1])).otherwise(pl.lit(rule.below[1]))
    blend = level_weight * F("level") + progress_weight * F("progress")
    figures = figures.struct.with_fields(score=_to_score(item.weight * blend))
    return _Plan(
        figures,
        explain.level_progress_text(item, rule),
        missing_actual=_missing(item, "a"),
        missing_previous=_missing(item, "p"),
    )


def _bonus(item: ItemSpec, group: str) -> _Plan:
    rule = item.rule
    assert isinstance(rule, BonusRule)
    figures = _struct(_columns(item, target=True))
    if rule.flat:
        figures = figures.struct.with_fields(met=_meets(item, F("a"), F("t")))
        flat = min(rule.cap, rule.points)
        score = pl.when(F("met")).then(pl.lit(flat)).otherwise(pl.lit(0.0))
    else:
        figures = figures.struct.with_fields(excess=_shortfall(item, beyond=True))
        figures = figures.struct.with_fields(
            met=F("excess") > 0, steps=_steps(F("excess"), rule.step, rule.whole_steps)
        )
        score = _to_score((F("steps") * rule.points).clip(upper_bound=rule.cap))
    figures = figures.struct.with_fields(score=score)
    return _Plan(figures, explain.bonus_text(item, rule), *_target_missing(item))


_BUILDERS: dict[type, Callable[[ItemSpec, str], _Plan]] = {
    ThresholdRule: _threshold,
    LinearRule: _linear,
    PerCaseRule: _per_case,
    BandRule: _band,
    RatioRule: _ratio,
    RelativeToBestRule: _relative_to_best,
    RankPointsRule: _rank_points,
    LevelProgressRule: _level_progress,
    BonusRule: _bonus,
}
