"""Per-person money: withheld performance pay (绩效工资) and risk deposits (风险抵押金).

Both are fixed amounts per person of a role, decided by the unit's grade: a veto always counts
as failure, and a unit without a grade (its total is missing) releases and returns nothing.
"""

from __future__ import annotations

from decimal import Decimal

from kaohe.engine.money.draft import Draft
from kaohe.engine.money.model import (
    LineKind,
    MoneyPerson,
    MoneyRule,
    MoneyUnit,
    RiskDepositTerms,
    WithheldPayTerms,
)
from kaohe.engine.money.wording import Names, amount_text, fen, percent, plain, yuan

__all__ = ["person_lines"]


def _who(names: Names, person: MoneyPerson) -> tuple[str, str]:
    role_zh, role_en = names.role(person.role)
    return (f"{role_zh} {person.name}", f"{role_en} {person.name}")


def _withheld(
    rule: MoneyRule, index: int, unit: MoneyUnit, names: Names, position: int, person: MoneyPerson
) -> list[Draft]:
    terms = rule.terms
    assert isinstance(terms, WithheldPayTerms)
    withheld = fen(terms.per_role[person.role])
    who_zh, who_en = _who(names, person)
    grade_zh, grade_en = names.grade_phrase()
    if unit.vetoed:
        ratio = Decimal(0)
        why_zh, why_en = f"{grade_zh}，不予发放", f"{grade_en}: nothing released"
    elif unit.grade is None:
        ratio = Decimal(0)
        why_zh, why_en = (
            "没有等级（总分缺失），不予发放",
            "no grade (the total is missing): nothing released",
        )
    elif unit.grade not in terms.release:
        ratio = Decimal(0)
        why_zh, why_en = f"{grade_zh}不在发放等次中，不予发放", f"{grade_en} releases nothing"
    else:
        ratio = terms.release[unit.grade]
        why_zh = f"{grade_zh}发放 {percent(ratio)}"
        why_en = f"{grade_en} releases {percent(ratio)}"
    released = fen(withheld * ratio)
    forfeited = withheld - released
    figures = {
        "role": person.role,
        "withheld": amount_text(withheld),
        "grade": unit.grade or "",
        "release_ratio": plain(ratio),
        "released": amount_text(released),
        "forfeited": amount_text(forfeited),
    }
    lead_zh = f"{rule.name}：{who_zh} 预留绩效工资 {yuan(withheld)} 元，{why_zh}"
    lead_en = f"{rule.name_en}: {who_en}, {yuan(withheld)} yuan withheld; {why_en}"
    lines = [
        Draft(
            rule_index=index,
            unit=unit.unit,
            rule=rule.code,
            kind=LineKind.WITHHELD_RELEASE,
            amount=released,
            zh=[f"{lead_zh}，实发 {yuan(released)} 元"],
            en=[f"{lead_en}, {yuan(released)} yuan released"],
            figures=figures,
            person=person.official,
            person_index=position,
            role=person.role,
        )
    ]
    if forfeited:
        lines.append(
            Draft(
                rule_index=index,
                unit=unit.unit,
                rule=rule.code,
                kind=LineKind.WITHHELD_FORFEIT,
                amount=-forfeited,
                zh=[f"{lead_zh}，扣发 {yuan(forfeited)} 元"],
                en=[f"{lead_en}, {yuan(forfeited)} yuan forfeited"],
                figures=dict(figures),
                person=person.official,
                person_index=position,
                role=person.role,
            )
        )
    return lines


def _deposit(
    rule: MoneyRule, index: int, unit: MoneyUnit, names: Names, position: int, person: MoneyPerson
) -> list[Draft]:
    terms = rule.terms
    assert isinstance(terms, RiskDepositTerms)
    deposit = fen(terms.per_role[person.role])
    who_zh, who_en = _who(names, person)
    grade_zh, grade_en = names.grade_phrase()
    success = not unit.vetoed and unit.grade in terms.success_grades
    figures = {
        "role": person.role,
        "deposit": amount_text(deposit),
        "grade": unit.grade or "",
        "success_grades": ",".join(terms.success_grades),
        "multiple": plain(terms.multiple),
    }

    def line(kind: LineKind, amount: Decimal, zh: str, en: str) -> Draft:
        return Draft(
            rule_index=index,
            unit=unit.unit,
            rule=rule.code,
            kind=kind,
            amount=amount,
            zh=[f"{rule.name}：{who_zh}，{zh}"],
            en=[f"{rule.name_en}: {who_en}, {en}"],
            figures=figures | {"amount": amount_text(amount)},
            person=person.official,
            person_index=position,
            role=person.role,
        )

    lines = [
        line(
            LineKind.DEPOSIT,
            -deposit,
            f"年初缴纳风险抵押金 {yuan(deposit)} 元",
            f"risk deposit of {yuan(deposit)} yuan paid at the start of the year",
        )
    ]
    if success:
        returned = fen(deposit * terms.multiple)
        lines.append(
            line(
                LineKind.DEPOSIT_RETURN,
                returned,
                f"{grade_zh}，达到返还等次，抵押金 {yuan(deposit)} 元按 {plain(terms.multiple)} "
                f"倍返还 {yuan(returned)} 元",
                f"{grade_en} is a success grade: the deposit of {yuan(deposit)} yuan is returned "
                f"× {plain(terms.multiple)}, {yuan(returned)} yuan",
            )
        )
        return lines
    if unit.vetoed:
        why_zh, why_en = grade_zh, grade_en
    elif unit.grade is None:
        why_zh, why_en = "没有等级（总分缺失）", "no grade (the total is missing)"
    else:
        why_zh, why_en = f"{grade_zh}，未达到返还等次", f"{grade_en} is not a success grade"
    lines.append(
        line(
            LineKind.DEPOSIT_FORFEIT,
            fen(Decimal(0)),
            f"{why_zh}，抵押金 {yuan(deposit)} 元不予返还",
            f"{why_en}: the deposit of {yuan(deposit)} yuan is forfeited",
        )
    )
    return lines


def person_lines(rule: MoneyRule, index: int, unit: MoneyUnit, names: Names) -> list[Draft]:
    """The lines of a ``withheld_pay`` or ``risk_deposit`` rule for each person it names."""
    terms = rule.terms
    assert isinstance(terms, WithheldPayTerms | RiskDepositTerms)
    build = _withheld if isinstance(terms, WithheldPayTerms) else _deposit
    lines: list[Draft] = []
    for position, person in enumerate(unit.persons):
        if person.role in terms.per_role:
            lines += build(rule, index, unit, names, position, person)
    return lines
