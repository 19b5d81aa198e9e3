"""A unit's forecast in words a township clerk understands, Chinese first, English too.

Example (a village of about 30 women in each age group)::

    2027 年预计出生 4.2 人（低方案 3.6 人，高方案 4.8 人），有 80% 的把握在 2 到 7 人之间。
    依据：近 3 年本单位 15–49 岁妇女共 630 人年，生育 14 人，总和生育率 1.11；全乡镇总和
    生育率 1.32。本单位自身数据占 28% 的权重，其余按全乡镇的生育率，采用的总和生育率为 1.26。

Every figure in it is a field of :class:`~kaohe.engine.forecast_model.Forecast`; the weight of
the unit's own figures is the share of the township's total fertility that the unit's weights
carry, Σ wₐ·rₐ(township) / Σ rₐ(township).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .forecast_model import GROUP_WIDTH, Forecast
from .rounding import format_fixed


@dataclass(frozen=True)
class Explanation:
    zh: str
    en: str


def own_weight(result: Forecast, unit: int) -> float:
    """The share (0–1) of the unit's own figures in its rates, weighted by the township's
    fertility at each age."""
    township = result.group_rates[result.groups[unit]]
    total = float(township.sum())
    if total <= 0:
        return float(np.mean(result.weight[unit]))
    return float((result.weight[unit] * township).sum() / total)


def explain_unit(result: Forecast, unit: int, step: int = 0) -> Explanation:
    """The forecast of ``unit`` (row index) for the year ``step`` (0 = next year), in words."""
    year = result.years[step]
    if not bool(result.projectable[unit]):
        return Explanation(
            zh=f"{year} 年无法预测：缺少各年龄组妇女人数和总人口。",
            en=f"{year} cannot be forecast: women by age group and population are both missing.",
        )
    low, medium, high = (format_fixed(float(x), 1) for x in result.births[unit, step])
    lower, upper = (
        format_fixed(float(x), 0) for x in (result.lower[unit, step], result.upper[unit, step])
    )
    share = format_fixed(result.interval * 100, 0)
    head_zh = (
        f"{year} 年预计出生 {medium} 人（低方案 {low} 人，高方案 {high} 人），"
        f"有 {share}% 的把握在 {lower} 到 {upper} 人之间。"
    )
    head_en = (
        f"Expected births in {year}: {medium} (low {low}, high {high}); "
        f"{share} % likely between {lower} and {upper}."
    )
    years = result.estimation_years
    township_tfr = format_fixed(
        GROUP_WIDTH * float(result.group_rates[result.groups[unit]].sum()), 2
    )
    used_tfr = format_fixed(float(result.tfr[unit]), 2)
    exposure = result.exposure[unit]
    if float(exposure.sum()) <= 0:
        return Explanation(
            zh=head_zh + f"依据：本单位近 {years} 年没有可用的妇女和出生数据，按全乡镇的生育率计算"
            f"（总和生育率 {township_tfr}）。",
            en=head_en
            + f" Basis: the unit has no usable women and births in the last {years} years, so "
            f"the township's rates are used (total fertility rate {township_tfr}).",
        )
    woman_years = format_fixed(float(exposure.sum()), 0)
    births = format_fixed(float(np.nansum(result.own_rates[unit] * exposure)), 0)
    own = result.own_rates[unit]
    own_tfr = (
        format_fixed(GROUP_WIDTH * float(own.sum()), 2) if bool(np.isfinite(own).all()) else ""
    )
    weight = format_fixed(own_weight(result, unit) * 100, 0)
    tfr_zh = f"，总和生育率 {own_tfr}" if own_tfr else ""
    tfr_en = f", a total fertility rate of {own_tfr}" if own_tfr else ""
    return Explanation(
        zh=head_zh
        + f"依据：近 {years} 年本单位 15–49 岁妇女共 {woman_years} 人年，生育 {births} 人{tfr_zh}；"
        f"全乡镇总和生育率 {township_tfr}。本单位自身数据占 {weight}% 的权重，其余按全乡镇的"
        f"生育率，采用的总和生育率为 {used_tfr}。",
        en=head_en
        + f" Basis: in the last {years} years the unit's women aged 15–49 lived {woman_years} "
        f"woman-years and had {births} births{tfr_en}; the township's total fertility rate is "
        f"{township_tfr}. The unit's own figures carry {weight} % of the weight and the "
        f"township's rates the rest, giving a total fertility rate of {used_tfr}.",
    )
