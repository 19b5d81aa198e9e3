"""Scoring rules (评分标准), computed with NumPy for every unit of an item at once.

:func:`score_item` takes one :class:`~kaohe.engine.spec.ItemSpec` and the item's inputs for all
units (:class:`ItemInputs`: float64 arrays, NaN = missing) and returns an :class:`ItemOutcome`:
the score and flag of each unit, which explanation branch it gets, and every figure that
explanation prints. :mod:`kaohe.engine.templates` words each branch and
:mod:`kaohe.engine.explain` renders the texts.

Every score is computed from the figures its explanation prints: the gap is rounded to the
actual's decimals, the deduction (or bonus) half-up to 0.01, and the score is the weight minus
that shown deduction, so a clerk redoing the arithmetic from the explanation gets the score to
the fen. Targets are rounded to the actual's decimals too, so a target is compared as printed.
Every figure is rounded half-up (:func:`~kaohe.engine.rounding.round_half_up_array`) to the
decimals it is shown with, so it is the float nearest that decimal and never ``-0.0``.

Actuals are expected to be non-negative (rates and counts); where a rule divides by a figure
that is zero or negative the quotient scores 0 instead of producing an infinity. Figures are
finite or NaN; a figure a unit's branch does not print may be NaN.

Branches (``ItemOutcome.branch``), shared by :mod:`kaohe.engine.templates`:

====================  ==============================================================
code                  meaning
====================  ==============================================================
0 missing actual      every rule (per_case: any count missing)
1 missing target      rules reading a target
2 invalid target      ratio: a target it cannot divide by (≤ 0; lower-is-better: < 0)
3 met                 threshold / ratio / bonus: target met (per-step bonus: exceeded);
                      band: within range; relative_to_best: the best; rank_points: ranked
4 not met             threshold / band / ratio / relative_to_best (proportional) / bonus
4–7 deducted          linear (missed) and per_case: 4, + 1 capped, + 2 floored at 0
3–8 level_progress    3 + 2 × progress case (0 no previous, 1 no gain, 2 gained) + 1 if
                      worse than the group mean
====================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from kaohe.engine.rounding import round_half_up_array
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

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]
Int64Array = npt.NDArray[np.int64]

# Scores, deductions and bonuses are shown (and summed) with two decimals.
SCORE_DECIMALS = 2
# Level and progress of level_progress items are shown, and scored, with four decimals.
RATIO_DECIMALS = 4
# Whole steps take the ceiling of gap / step; a quotient such as 2.1 / 0.3 lands on
# 7.000000000000001, so it is snapped to this many decimals first.
_SNAP_DECIMALS = 6

FLAG_NONE = 0
FLAG_MISSING_ACTUAL = 1
FLAG_MISSING_TARGET = 2
FLAG_MISSING_PREVIOUS = 3
FLAG_NAMES: tuple[str, ...] = ("", "missing_actual", "missing_target", "missing_previous")

BRANCH_MISSING_ACTUAL = 0
BRANCH_MISSING_TARGET = 1
BRANCH_INVALID_TARGET = 2
BRANCH_MET = 3
BRANCH_NOT_MET = 4
BRANCH_DEDUCTED = 4
BRANCH_CAPPED = 1  # added to BRANCH_DEDUCTED
BRANCH_FLOORED = 2  # added to BRANCH_DEDUCTED
BRANCH_LEVEL_PROGRESS = 3
PROGRESS_NO_PREVIOUS = 0
PROGRESS_NO_GAIN = 1
PROGRESS_GAINED = 2


def branch_count(item: ItemSpec) -> int:
    """How many branch codes ``item``'s rule uses (codes run from 0 to this − 1)."""
    rule = item.rule
    if isinstance(rule, LinearRule | PerCaseRule):
        return BRANCH_DEDUCTED + BRANCH_CAPPED + BRANCH_FLOORED + 1
    if isinstance(rule, RankPointsRule):
        return BRANCH_MET + 1
    if isinstance(rule, LevelProgressRule):
        return BRANCH_LEVEL_PROGRESS + 2 * PROGRESS_GAINED + 2
    return BRANCH_NOT_MET + 1


@dataclass(frozen=True)
class ItemInputs:
    """One item's inputs for every unit, as float64 arrays of equal length (NaN = missing).

    ``actual`` is the actual as shown (rounded half-up to the item's decimals), ``target`` the
    unit's target (contract override or default; ignored by rules reading none), ``group`` the
    unit's group code (its kind: relative_to_best, rank_points and level_progress compare
    units within it), ``previous`` the previous period's actual (level_progress only) and
    ``cases`` the counts of a per_case rule's ``also`` terms, in order.
    """

    actual: FloatArray
    target: FloatArray
    group: Int64Array
    previous: FloatArray | None = None
    cases: tuple[FloatArray, ...] = ()


@dataclass(frozen=True)
class ItemOutcome:
    """One item's result for every unit.

    ``score`` is rounded half-up to 0.01 and never NaN (a missing input scores 0); ``flag``
    holds a ``FLAG_*`` code (names in :data:`FLAG_NAMES`), ``branch`` the explanation branch
    and ``figures`` every number the explanation prints, rounded as printed.
    """

    score: FloatArray
    flag: Int8Array
    branch: Int8Array
    figures: Mapping[str, FloatArray]

    def flag_names(self) -> list[str | None]:
        """The flags as names (``None`` for no flag), one per unit."""
        names: list[str | None] = [name or None for name in FLAG_NAMES]
        return [names[code] for code in self.flag.tolist()]


def score_item(item: ItemSpec, inputs: ItemInputs) -> ItemOutcome:
    """Score ``item`` for every unit of ``inputs`` (see :class:`ItemOutcome`).

    A missing actual scores 0 and is flagged ``missing_actual``; a missing (or, for
    ``ratio``, unusable) target scores 0 and is flagged ``missing_target``; a missing previous
    value is flagged ``missing_previous`` and counts as no progress.
    """
    actual = np.asarray(inputs.actual, dtype=np.float64)
    size = actual.shape[0]
    for name, values in (("target", inputs.target), ("group", inputs.group)):
        if np.shape(values) != (size,):
            raise ValueError(f"{item.code}: {name} has shape {np.shape(values)}, not ({size},)")
    scored = _RULES[type(item.rule)](item, _Inputs(item, inputs, _round(actual, item.decimals)))
    zeroed = scored.missing_actual
    flag = np.zeros(size, dtype=np.int8)
    branch = scored.branch.astype(np.int8)
    if scored.missing_previous is not None:
        flag[scored.missing_previous] = FLAG_MISSING_PREVIOUS
    if scored.missing_target is not None:
        zeroed = zeroed | scored.missing_target
        flag[scored.missing_target] = FLAG_MISSING_TARGET
        branch[scored.missing_target] = BRANCH_MISSING_TARGET
        if scored.invalid_target is not None:
            branch[scored.invalid_target] = BRANCH_INVALID_TARGET
    flag[scored.missing_actual] = FLAG_MISSING_ACTUAL
    branch[scored.missing_actual] = BRANCH_MISSING_ACTUAL
    # Every rule hands back its score already rounded to 0.01.
    score = np.where(zeroed, 0.0, scored.score)
    figures = dict(scored.figures)
    figures["score"] = score
    return ItemOutcome(score=score, flag=flag, branch=branch, figures=figures)


# --- shared pieces --------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _points(value: float) -> float:
    """A constant score (a weight, a flat bonus) rounded half-up to 0.01."""
    return float(round_half_up_array(np.array([value]), SCORE_DECIMALS)[0]) + 0.0


def _round(values: FloatArray, decimals: int) -> FloatArray:
    """Half-up to ``decimals`` places (NaN stays NaN); ``+ 0.0`` turns ``-0.0`` into ``0.0``."""
    result: FloatArray = round_half_up_array(values, decimals) + 0.0
    return result


class _Inputs:
    """An item's inputs, with the shown actual and lazily the target and the groups."""

    def __init__(self, item: ItemSpec, inputs: ItemInputs, actual: FloatArray) -> None:
        self.item = item
        self.raw = inputs
        self.actual = actual
        self.higher = item.direction is Direction.HIGHER
        self._groups: Groups | None = None

    @property
    def size(self) -> int:
        return int(self.actual.shape[0])

    def target(self) -> FloatArray:
        # Compared at the actual's precision, so "目标≥95.13%" is the figure actually used.
        return _round(np.asarray(self.raw.target, dtype=np.float64), self.item.decimals)

    def groups(self) -> Groups:
        if self._groups is None:
            self._groups = Groups(np.asarray(self.raw.group))
        return self._groups

    def meets(self, actual: FloatArray, target: FloatArray) -> BoolArray:
        """``actual`` is at least as good as ``target`` in the item's direction."""
        met: BoolArray = actual >= target if self.higher else actual <= target
        return met

    def beyond(self, target: FloatArray, *, passing: bool) -> FloatArray:
        """How far the actual falls short of ``target`` (``passing``: how far it passes it).

        Rounded to the actual's decimals: that is how it is printed, and it strips the float
        noise of 95 − 93.45.
        """
        a = self.actual
        short = target - a if self.higher != passing else a - target
        return _round(np.maximum(short, 0.0), self.item.decimals)

    def level(self, best: FloatArray) -> FloatArray:
        """a / best (lower: best / a); exactly 1 for the best, which also covers 0 / 0."""
        a = self.actual
        quotient = _quotient(a, best) if self.higher else _quotient(best, a)
        level: FloatArray = np.where(a == best, 1.0, quotient)
        return level


@dataclass(frozen=True)
class _Scored:
    """What a rule hands back: raw score, branch, figures and what is missing."""

    score: FloatArray
    branch: npt.NDArray[np.integer]
    figures: dict[str, FloatArray]
    missing_actual: BoolArray
    missing_target: BoolArray | None = None  # None: the rule reads no target
    invalid_target: BoolArray | None = None  # within missing_target
    missing_previous: BoolArray | None = None


def _quotient(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator for a positive denominator, else 0 (never an infinity)."""
    result: FloatArray = np.divide(
        numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0
    )
    return result


def _steps(gap: FloatArray, step: float, whole_steps: bool) -> FloatArray:
    """gap / step; with whole steps a part step counts in full (不足1个百分点按1个百分点计)."""
    steps: FloatArray = gap / step
    if whole_steps:
        steps = np.ceil(round_half_up_array(steps, _SNAP_DECIMALS))
    return steps


def _net(
    weight: float, deduction: FloatArray, allow_negative: bool
) -> tuple[FloatArray, BoolArray]:
    """weight − the shown deduction, floored at 0 (``floored``) unless allowed below."""
    net = _round(weight - deduction, SCORE_DECIMALS)
    if allow_negative:
        return net, np.zeros(net.shape, dtype=np.bool_)
    floored = deduction > weight
    return np.where(floored, 0.0, net), floored


def _met_branch(met: BoolArray) -> Int8Array:
    branch: Int8Array = np.where(met, np.int8(BRANCH_MET), np.int8(BRANCH_NOT_MET))
    return branch


# --- groups ---------------------------------------------------------------------------------

_SMALL_CODES = 1 << 15


class Groups:
    """Units' group codes as bins 0 … count − 1, for per-group statistics without loops.

    Small non-negative codes are their own bins; others are numbered by :func:`numpy.unique`.
    ``single`` says every unit is in one group.
    """

    def __init__(self, group: npt.NDArray[np.integer]) -> None:
        codes = group.astype(np.int64, copy=False)
        low = int(codes.min()) if codes.size else 0
        high = int(codes.max()) if codes.size else 0
        if 0 <= low and high < _SMALL_CODES:
            self.bins = codes
            self.count = high + 1
        else:
            _, inverse = np.unique(codes, return_inverse=True)
            self.bins = inverse.astype(np.int64).reshape(-1)
            self.count = int(self.bins.max()) + 1 if codes.size else 0
        self.single = self.count <= 1 or bool((codes == codes[0]).all())

    def best(self, values: FloatArray, *, higher: bool) -> FloatArray:
        """The largest (``higher``) or smallest value of each unit's group, NaN ignored."""
        out = np.full(self.count, np.nan)
        (np.fmax if higher else np.fmin).at(out, self.bins, values)
        result: FloatArray = out[self.bins]
        return result

    def mean(self, values: FloatArray) -> FloatArray:
        """The mean of each unit's group, NaN ignored (NaN for a group with no value)."""
        present = ~np.isnan(values)
        sums = np.bincount(self.bins, weights=np.where(present, values, 0.0), minlength=self.count)
        counts = np.bincount(self.bins, weights=present, minlength=self.count)
        means = np.divide(sums, counts, out=np.full(self.count, np.nan), where=counts > 0)
        result: FloatArray = means[self.bins]
        return result


def rank_within(
    bins: Int64Array,
    values: FloatArray,
    *,
    descending: bool,
    tier: npt.NDArray[np.integer] | None = None,
    single: bool = False,
) -> Int64Array:
    """Each unit's rank within its bin (group), ties sharing the lowest rank (1, 2, 2, 4).

    Units rank by ``values`` (``descending``: largest first); a unit of a higher ``tier`` comes
    after every unit of a lower tier of its bin. NaN values rank last in their bin and get 0
    (no rank). ``single`` says every unit is in one bin. Vectorised: two stable radix sorts on
    small codes after one sort of an order-preserving integer key.
    """
    size = values.shape[0]
    ranks = np.zeros(size, dtype=np.int64)
    if size == 0:
        return ranks
    missing = np.isnan(values)
    if tier is not None and missing.any():
        # Missing values come after every tier, so that they are never counted.
        tier = np.where(missing, int(tier.max()) + 1, tier)
    # IEEE-754 bits as int64 sort like the floats once the negatives' magnitude bits are
    # flipped; ``~`` reverses the order without overflow. Argsort is much faster on int64.
    bits = (values + 0.0).view(np.int64)
    key = bits ^ ((bits >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))
    if descending:
        key = ~key
    key[missing] = np.iinfo(np.int64).max
    order = np.argsort(key)
    if tier is not None:
        order = order[np.argsort(_small(tier[order]), kind="stable")]
    if not single:
        order = order[np.argsort(_small(bins[order]), kind="stable")]
    new_block = _changes(key[order])
    if tier is not None:
        new_block |= _changes(tier[order])
    positions = np.arange(size, dtype=np.int64)
    group_start: Int64Array | int = 0
    if not single:
        new_group = _changes(bins[order])
        new_block |= new_group
        group_start = np.maximum.accumulate(np.where(new_group, positions, 0))
    block_start = np.maximum.accumulate(np.where(new_block, positions, 0))
    ranks[order] = block_start - group_start + 1
    ranks[missing] = 0
    return ranks


def _changes(values: npt.NDArray[np.generic]) -> BoolArray:
    """True where a sorted array starts a new run of equal values (always at 0)."""
    changes = np.empty(values.shape[0], dtype=np.bool_)
    changes[0] = True
    np.not_equal(values[1:], values[:-1], out=changes[1:])
    return changes


def _small(codes: npt.NDArray[np.integer]) -> npt.NDArray[np.integer]:
    """``codes`` as int16 when they fit, so a stable argsort is a radix sort."""
    if codes.size and int(codes.max()) < _SMALL_CODES and int(codes.min()) >= 0:
        return codes.astype(np.int16)
    return codes


# --- one function per rule type -------------------------------------------------------------


def _target_rule(
    inputs: _Inputs, score: FloatArray, branch: npt.NDArray[np.integer], **figures: FloatArray
) -> _Scored:
    """A :class:`_Scored` for a rule reading the actual and the target (already in figures)."""
    return _Scored(
        score=score,
        branch=branch,
        figures={"actual": inputs.actual, **figures},
        missing_actual=np.isnan(inputs.actual),
        missing_target=np.isnan(figures["target"]),
    )


def _threshold(item: ItemSpec, inputs: _Inputs) -> _Scored:
    target = inputs.target()
    met = inputs.meets(inputs.actual, target)
    score = np.where(met, _points(item.weight), 0.0)
    return _target_rule(inputs, score, _met_branch(met), target=target)


def _linear(item: ItemSpec, inputs: _Inputs) -> _Scored:
    rule = item.rule
    assert isinstance(rule, LinearRule)
    target = inputs.target()
    gap = inputs.beyond(target, passing=False)
    steps = _steps(gap, rule.step, rule.whole_steps)
    raw = steps * rule.points
    branch = np.full(inputs.size, BRANCH_DEDUCTED, dtype=np.int8)
    if rule.max_deduction is not None:
        capped = raw > rule.max_deduction
        raw = np.minimum(raw, rule.max_deduction)
        branch += capped.astype(np.int8) * BRANCH_CAPPED
    deduction = _round(raw, SCORE_DECIMALS)
    score, floored = _net(item.weight, deduction, rule.allow_negative)
    branch += floored.astype(np.int8) * BRANCH_FLOORED
    branch[gap == 0] = BRANCH_MET
    return _target_rule(
        inputs, score, branch, target=target, gap=gap, steps=steps, deduction=deduction
    )


def _per_case(item: ItemSpec, inputs: _Inputs) -> _Scored:
    rule = item.rule
    assert isinstance(rule, PerCaseRule)
    if len(inputs.raw.cases) != len(rule.also):
        raise ValueError(
            f"{item.code}: {len(rule.also)} extra case counts expected, "
            f"{len(inputs.raw.cases)} given"
        )
    # count0 is the item's own count (the actual), count1… the extra terms' counts.
    counts = [inputs.actual]
    counts += [_round(np.asarray(c, dtype=np.float64), item.decimals) for c in inputs.raw.cases]
    raw = counts[0] * rule.points
    missing = np.isnan(counts[0])
    for count, term in zip(counts[1:], rule.also, strict=True):
        raw = raw + count * term.points
        missing = missing | np.isnan(count)
    deduction = _round(raw, SCORE_DECIMALS)
    score, floored = _net(item.weight, deduction, rule.allow_negative)
    branch = BRANCH_DEDUCTED + floored.astype(np.int8) * BRANCH_FLOORED
    figures = {f"count{k}": count for k, count in enumerate(counts)}
    figures["deduction"] = deduction
    # Any count missing leaves the deduction unknown: the item waits for data as a whole.
    return _Scored(score, branch, figures, missing_actual=missing)


def _band(item: ItemSpec, inputs: _Inputs) -> _Scored:
    rule = item.rule
    assert isinstance(rule, BandRule)
    target = inputs.target()
    # Two decimals past the actual keep 85% of 41 (34.85) exact while snapping float noise.
    low = _round(target * rule.low, item.decimals + 2)
    high = _round(target * rule.high, item.decimals + 2)
    a = inputs.actual
    within = (a >= low) & (a <= high)
    score = np.where(within, _points(item.weight), 0.0)
    return _target_rule(inputs, score, _met_branch(within), target=target, low=low, high=high)


def _ratio(item: ItemSpec, inputs: _Inputs) -> _Scored:
    a, target = inputs.actual, inputs.target()
    if inputs.higher:
        share = _quotient(a, target)
        # The rule divides by the target: a zero or negative one is as good as none.
        invalid = target <= 0
    else:
        # target / actual; an actual of 0 meets any target of 0 or more and scores full.
        share = _quotient(target, a)
        invalid = target < 0
    met = inputs.meets(a, target)
    score = np.where(met, _points(item.weight), _round(item.weight * share, SCORE_DECIMALS))
    return _Scored(
        score=score,
        branch=_met_branch(met),
        figures={"actual": a, "target": target},
        missing_actual=np.isnan(a),
        missing_target=np.isnan(target) | invalid,
        invalid_target=invalid,
    )


def _relative_to_best(item: ItemSpec, inputs: _Inputs) -> _Scored:
    a = inputs.actual
    best = inputs.groups().best(a, higher=inputs.higher)
    score = _round(item.weight * inputs.level(best), SCORE_DECIMALS)
    figures = {"actual": a, "best": best}
    return _Scored(score, _met_branch(a == best), figures, missing_actual=np.isnan(a))


def _rank_points(item: ItemSpec, inputs: _Inputs) -> _Scored:
    rule = item.rule
    assert isinstance(rule, RankPointsRule)
    a = inputs.actual
    groups = inputs.groups()
    # Ties share the lowest rank number (1, 2, 2, 4); missing actuals stay unranked.
    ranks = rank_within(groups.bins, a, descending=inputs.higher, single=groups.single)
    missing = np.isnan(a)
    rank = np.where(missing, np.nan, ranks.astype(np.float64))
    points = np.maximum(rule.first - (rank - 1) * rule.step, rule.minimum)
    score = _round(points, SCORE_DECIMALS)
    branch = np.full(inputs.size, BRANCH_MET, dtype=np.int8)
    return _Scored(score, branch, {"actual": a, "rank": rank}, missing_actual=missing)


def _level_progress(item: ItemSpec, inputs: _Inputs) -> _Scored:
    rule = item.rule
    assert isinstance(rule, LevelProgressRule)
    if inputs.raw.previous is None:
        raise ValueError(f"{item.code}: level_progress needs the previous period's actuals")
    a = inputs.actual
    previous = _round(np.asarray(inputs.raw.previous, dtype=np.float64), item.decimals)
    groups = inputs.groups()
    improvement = _round(a - previous if inputs.higher else previous - a, item.decimals)
    best = groups.best(a, higher=inputs.higher)
    best_improvement = groups.best(improvement, higher=True)
    # Two decimals more than the actual, as printed, so the side of the mean is decided on
    # the figure the clerk sees.
    mean = _round(groups.mean(a), item.decimals + 2)
    # No progress without a previous value (NaN improvement) or without any improvement.
    gained = (improvement > 0) & (best_improvement > 0)
    share = np.divide(improvement, best_improvement, out=np.zeros_like(a), where=gained)
    level = _round(inputs.level(best), RATIO_DECIMALS)
    progress = _round(share, RATIO_DECIMALS)
    above = inputs.meets(a, mean)
    level_weight = np.where(above, rule.above[0], rule.below[0])
    progress_weight = np.where(above, rule.above[1], rule.below[1])
    blend = level_weight * level + progress_weight * progress
    score = _round(item.weight * blend, SCORE_DECIMALS)
    missing_previous = np.isnan(previous)
    case = np.where(
        missing_previous,
        PROGRESS_NO_PREVIOUS,
        np.where(improvement <= 0, PROGRESS_NO_GAIN, PROGRESS_GAINED),
    )
    branch = BRANCH_LEVEL_PROGRESS + 2 * case + ~above
    figures = {
        "actual": a,
        "previous": previous,
        "best": best,
        "improvement": improvement,
        "best_improvement": best_improvement,
        "mean": mean,
        "level": level,
        "progress": progress,
    }
    return _Scored(
        score,
        branch,
        figures,
        missing_actual=np.isnan(a),
        missing_previous=missing_previous,
    )


def _bonus(item: ItemSpec, inputs: _Inputs) -> _Scored:
    rule = item.rule
    assert isinstance(rule, BonusRule)
    target = inputs.target()
    if rule.flat:
        met = inputs.meets(inputs.actual, target)
        score = np.where(met, _points(min(rule.cap, rule.points)), 0.0)
        return _target_rule(inputs, score, _met_branch(met), target=target)
    excess = inputs.beyond(target, passing=True)
    steps = _steps(excess, rule.step, rule.whole_steps)
    score = _round(np.minimum(steps * rule.points, rule.cap), SCORE_DECIMALS)
    return _target_rule(
        inputs, score, _met_branch(excess > 0), target=target, excess=excess, steps=steps
    )


_RULES: dict[type, Callable[[ItemSpec, _Inputs], _Scored]] = {
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
