"""A unit's base amounts: by grade, by population tier, per point, per case and by band.

Each function gives at most one line. No line means the rule gives nothing by its terms (a
grade it does not list, a total below the base, no cases); a line of 0.00 means an input the
rule needs is missing, and says which, so the clerk can see why nothing was paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kaohe.engine.money.draft import Draft
from kaohe.engine.money.model import (
    FineBandTerms,
    GradeAmountTerms,
    LineKind,
    MoneyRule,
    MoneyUnit,
    PerCaseTerms,
    PerPointTerms,
    PopulationTierTerms,
)
from kaohe.engine.money.wording import Names, amount_text, count, fen, plain, rate, yuan

__all__ = ["base_line"]

ZERO = Decimal(0)


def _missing(
    rule: MoneyRule,
    index: int,
    unit: MoneyUnit,
    kind: LineKind,
    what: tuple[str, str],
    figures: dict[str, str],
) -> Draft:
    """A 0.00 line saying which input is missing."""
    return Draft(
        rule_index=index,
        unit=unit.unit,
        rule=rule.code,
        kind=kind,
        amount=fen(ZERO),
        zh=[f"{what[0]}，不计{rule.name}"],
        en=[f"{what[1]}: nothing under {rule.name_en}"],
        figures=figures,
    )


_NO_GRADE = ("没有等级（总分缺失）", "no grade (the total is missing)")


def _by_grade(
    rule: MoneyRule,
    index: int,
    unit: MoneyUnit,
    names: Names,
    amounts: Mapping[str, Decimal],
    lead: tuple[str, str],
    figures: dict[str, str],
) -> Draft | None:
    """The amount a grade table gives the unit's grade (a reward, or a penalty if negative)."""
    if unit.grade is None:
        return _missing(rule, index, unit, LineKind.REWARD, _NO_GRADE, figures)
    if unit.grade not in amounts:
        return None
    amount = fen(amounts[unit.grade])
    grade_zh, grade_en = names.grade_phrase()
    figures |= {"grade": unit.grade, "amount": amount_text(amount)}
    if amount < 0:
        zh = f"{grade_zh}，按{rule.name}扣罚 {yuan(-amount)} 元"
        en = f"{grade_en}: a penalty of {yuan(-amount)} yuan under {rule.name_en}"
    else:
        zh = f"{grade_zh}，按{rule.name} {yuan(amount)} 元"
        en = f"{grade_en}: {yuan(amount)} yuan under {rule.name_en}"
    return Draft(
        rule_index=index,
        unit=unit.unit,
        rule=rule.code,
        kind=LineKind.PENALTY if amount < 0 else LineKind.REWARD,
        amount=amount,
        zh=[lead[0] + zh],
        en=[lead[1] + en],
        figures=figures,
    )


def _grade_amount(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> Draft | None:
    assert isinstance(rule.terms, GradeAmountTerms)
    return _by_grade(rule, index, unit, names, rule.terms.amounts, ("", ""), {})


def _population_tier(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> Draft | None:
    assert isinstance(rule.terms, PopulationTierTerms)
    if unit.population is None:
        missing = ("缺少人口数，无法确定档次", "the population is missing, so no tier applies")
        return _missing(rule, index, unit, LineKind.REWARD, missing, {"population": ""})
    reached = [tier for tier in rule.terms.tiers if tier.min_population <= unit.population]
    if not reached:
        return None
    tier = reached[-1]
    lead = (
        f"人口 {count(unit.population)} 人，属 {count(tier.min_population)} 人以上档；",
        f"population {count(unit.population)}, tier from {count(tier.min_population)}; ",
    )
    figures = {
        "population": plain(unit.population),
        "tier_min_population": plain(tier.min_population),
    }
    return _by_grade(rule, index, unit, names, tier.amounts, lead, figures)


def _per_point(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> Draft | None:
    terms = rule.terms
    assert isinstance(terms, PerPointTerms)
    above = terms.direction == "above"
    kind = LineKind.REWARD if above else LineKind.PENALTY
    if unit.total is None:
        return _missing(
            rule, index, unit, kind, ("缺少总分", "the total is missing"), {"total": ""}
        )
    points = unit.total - terms.base if above else terms.base - unit.total
    if points <= 0:
        return None
    raw = points * terms.per_point
    capped = terms.cap is not None and raw > terms.cap
    magnitude = fen(terms.cap if capped and terms.cap is not None else raw)
    figures = {
        "total": plain(unit.total),
        "base": plain(terms.base),
        "points": plain(points),
        "per_point": plain(terms.per_point),
        "cap": "" if terms.cap is None else amount_text(terms.cap),
        "amount": amount_text(magnitude if above else -magnitude),
    }
    where_zh = "超出" if above else "低于"
    where_en = "above" if above else "below"
    zh = (
        f"总分 {count(unit.total)} 分，{where_zh}基准 {count(terms.base)} 分 {count(points)} 分，"
        f"按{rule.name}每分 {rate(terms.per_point)} 元，{'奖励' if above else '扣罚'} "
        f"{yuan(raw)} 元"
    )
    en = (
        f"total {count(unit.total)}, {count(points)} points {where_en} the base of "
        f"{count(terms.base)}, at {rate(terms.per_point)} yuan a point under {rule.name_en}: "
        f"{'a reward' if above else 'a penalty'} of {yuan(raw)} yuan"
    )
    if capped and terms.cap is not None:
        zh += f"，封顶 {yuan(terms.cap)} 元"
        en += f", capped at {yuan(terms.cap)} yuan"
    return Draft(
        rule_index=index,
        unit=unit.unit,
        rule=rule.code,
        kind=kind,
        amount=magnitude if above else -magnitude,
        zh=[zh],
        en=[en],
        figures=figures,
    )


def _cases(rule: MoneyRule, index: int, unit: MoneyUnit, case: str) -> Decimal | Draft:
    """The unit's count of ``case``, or a 0.00 line saying it is missing."""
    if case not in unit.cases:
        missing = (f"缺少案件数（{case}）", f"the count of cases ({case}) is missing")
        return _missing(rule, index, unit, LineKind.FINE, missing, {"case": case, "cases": ""})
    return unit.cases[case]


def _per_case(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> Draft | None:
    terms = rule.terms
    assert isinstance(terms, PerCaseTerms)
    cases = _cases(rule, index, unit, terms.case)
    if isinstance(cases, Draft) or cases == 0:
        return cases if isinstance(cases, Draft) else None
    amount = fen(cases * terms.per_case)
    return Draft(
        rule_index=index,
        unit=unit.unit,
        rule=rule.code,
        kind=LineKind.FINE,
        amount=-amount,
        zh=[
            f"{rule.name}：{count(cases)} 例，每例 {rate(terms.per_case)} 元，罚款 {yuan(amount)} 元"
        ],
        en=[
            f"{rule.name_en}: {count(cases)} case(s) at {rate(terms.per_case)} yuan each, "
            f"a fine of {yuan(amount)} yuan"
        ],
        figures={
            "case": terms.case,
            "cases": plain(cases),
            "per_case": plain(terms.per_case),
            "amount": amount_text(-amount),
        },
    )


def _fine_band(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> Draft | None:
    terms = rule.terms
    assert isinstance(terms, FineBandTerms)
    cases = _cases(rule, index, unit, terms.case)
    if isinstance(cases, Draft):
        return cases
    reached = [band for band in terms.bands if band.min <= cases]
    if cases == 0 or not reached:
        return None
    band = reached[-1]
    amount = fen(band.amount)
    return Draft(
        rule_index=index,
        unit=unit.unit,
        rule=rule.code,
        kind=LineKind.FINE,
        amount=-amount,
        zh=[
            f"{rule.name}：{count(cases)} 例，属 {count(band.min)} 例以上档，罚款 {yuan(amount)} 元"
        ],
        en=[
            f"{rule.name_en}: {count(cases)} case(s), the band from {count(band.min)}, "
            f"a fine of {yuan(amount)} yuan"
        ],
        figures={
            "case": terms.case,
            "cases": plain(cases),
            "band_min": plain(band.min),
            "amount": amount_text(-amount),
        },
    )


_BASE = {
    GradeAmountTerms: _grade_amount,
    PopulationTierTerms: _population_tier,
    PerPointTerms: _per_point,
    PerCaseTerms: _per_case,
    FineBandTerms: _fine_band,
}


def base_line(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> Draft | None:
    """The line a base rule (``grade_amount`` … ``fine_band``) gives ``unit``, if any."""
    return _BASE[type(rule.terms)](rule, index, unit, names)
