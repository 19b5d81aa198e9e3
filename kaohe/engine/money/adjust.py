"""What happens to a unit's base amounts: a veto, the verification haircut, the split.

They run in this order on the unit's own lines (``person`` None): a veto first (rewards
become 0 and/or a fine is added), then the haircut cuts what is left of the rewards, and the
split divides the final amounts among the unit and its persons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kaohe.engine.money.draft import Draft
from kaohe.engine.money.model import (
    UNIT_ROLE,
    HaircutTerms,
    LineKind,
    MoneyPerson,
    MoneyRule,
    MoneyUnit,
    SplitTerms,
    VetoTerms,
)
from kaohe.engine.money.wording import FEN, Names, amount_text, fen, percent, plain, yuan

__all__ = ["apply_haircut", "apply_split", "apply_veto"]

ZERO = Decimal(0)


def apply_veto(
    rule: MoneyRule, index: int, unit: MoneyUnit, names: Names, base: Sequence[Draft]
) -> list[Draft]:
    """Zero the positive base amounts of a vetoed unit; give the veto's fine as a new line."""
    terms = rule.terms
    assert isinstance(terms, VetoTerms)
    if not unit.vetoed:
        return []
    veto_zh, veto_en = names.vetoes()
    if terms.zero_rewards:
        for draft in base:
            if draft.amount <= 0:
                continue
            before = draft.amount
            draft.amount = fen(ZERO)
            draft.figures |= {"veto_rule": rule.code, "amount_before_veto": amount_text(before)}
            draft.explain(
                f"{veto_zh}，按{rule.name}取消奖励 {yuan(before)} 元，实得 0.00 元",
                f"{veto_en}: under {rule.name_en} the reward of {yuan(before)} yuan is "
                "cancelled, 0.00 yuan paid",
            )
    if terms.fine is None:
        return []
    fine = fen(terms.fine)
    return [
        Draft(
            rule_index=index,
            unit=unit.unit,
            rule=rule.code,
            kind=LineKind.FINE,
            amount=-fine,
            zh=[f"{veto_zh}，按{rule.name}罚款 {yuan(fine)} 元"],
            en=[f"{veto_en}: a fine of {yuan(fine)} yuan under {rule.name_en}"],
            figures={"vetoes": "、".join(unit.vetoes), "amount": amount_text(-fine)},
        )
    ]


def _covered(applies_to: tuple[str, ...] | None, draft: Draft) -> bool:
    return draft.person is None and (applies_to is None or draft.rule in applies_to)


def apply_haircut(rule: MoneyRule, unit: MoneyUnit, lines: Sequence[Draft]) -> None:
    """Cut the positive amounts the rule covers by the unit's over-reporting ratio, half-up.

    A unit without a ratio (not checked) keeps its amounts, and the line says so.
    """
    terms = rule.terms
    assert isinstance(terms, HaircutTerms)
    ratio = unit.over_report_ratio
    for draft in lines:
        if not _covered(terms.applies_to, draft) or draft.amount <= 0:
            continue
        before = draft.amount
        draft.figures |= {
            "haircut": rule.code,
            "over_report_ratio": "" if ratio is None else plain(ratio),
            "amount_before_haircut": amount_text(before),
        }
        if ratio is None:
            draft.explain(
                "没有核查多报比例，不扣减", "no over-reporting ratio from checks: nothing cut"
            )
            continue
        if ratio == 0:
            draft.explain("核查多报比例 0%，不扣减", "checks found 0% over-reported: nothing cut")
            continue
        kept = fen(before * (1 - ratio))
        draft.amount = kept
        draft.explain(
            f"核查多报比例 {percent(ratio)}，奖励 {yuan(before)} 元扣减 {yuan(before - kept)} 元，"
            f"实得 {yuan(kept)} 元",
            f"checks found {percent(ratio)} over-reported: the reward of {yuan(before)} yuan "
            f"is cut by {yuan(before - kept)} yuan to {yuan(kept)} yuan",
        )


@dataclass
class _Part:
    """One person's part of a split line while it is being worked out."""

    position: int
    person: MoneyPerson
    share: Decimal
    holders: int
    exact: Decimal
    amount: Decimal
    trimmed: bool = False


def _plan_parts(terms: SplitTerms, unit: MoneyUnit, amount: Decimal) -> list[_Part]:
    """Each person's part: the exact quotient ``amount × share / persons of the role``
    rounded half-up. Rounding up may make the parts exceed the amount when the unit's own
    share is tiny; then a fen is taken back from parts that were rounded up (the last
    first), so the unit is never left with an amount of the other sign."""
    parts: list[_Part] = []
    for role, share in terms.shares.items():
        if role == UNIT_ROLE or share == 0:
            continue
        holders = [(i, person) for i, person in enumerate(unit.persons) if person.role == role]
        for position, person in holders:
            exact = amount * share / len(holders)
            parts.append(_Part(position, person, share, len(holders), exact, fen(exact)))
    sign = 1 if amount > 0 else -1
    excess = (sum((part.amount for part in parts), ZERO) - amount) * sign
    for part in reversed(parts):
        if excess <= 0:
            break
        if abs(part.amount) > abs(part.exact):
            part.amount -= FEN * sign
            part.trimmed = True
            excess -= FEN
    return parts


def _person_line(rule: MoneyRule, names: Names, draft: Draft, part: _Part) -> Draft:
    """One person's line of a split line."""
    person, share, holders = part.person, part.share, part.holders
    role_zh, role_en = names.role(person.role)
    verb_zh, verb_en = ("分得", "gets") if part.amount >= 0 else ("分担", "bears")
    shown = yuan(abs(part.amount))
    if holders == 1:
        zh = f"{rule.name}：{role_zh} {person.name} {verb_zh} {percent(share)}，{shown} 元"
        en = f"{rule.name_en}: {role_en} {person.name} {verb_en} {percent(share)}, {shown} yuan"
    else:
        zh = (
            f"{rule.name}：{role_zh} {holders} 人共{verb_zh[-1]} {percent(share)}，"
            f"{person.name} {verb_zh} {shown} 元"
        )
        en = (
            f"{rule.name_en}: {holders} {role_en}s share {percent(share)}, "
            f"{person.name} {verb_en} {shown} yuan"
        )
    if part.trimmed:
        zh += "（分配尾差少计 0.01 元）"
        en += " (0.01 yuan less for rounding)"
    return Draft(
        rule_index=draft.rule_index,
        unit=draft.unit,
        rule=draft.rule,
        kind=draft.kind,
        amount=part.amount,
        zh=[*draft.zh, zh],
        en=[*draft.en, en],
        figures=draft.figures
        | {
            "split": rule.code,
            "amount_before_split": amount_text(draft.amount),
            "share": plain(share),
            "persons_in_role": str(holders),
        },
        person=person.official,
        person_index=part.position,
        role=person.role,
    )


def _split_line(rule: MoneyRule, unit: MoneyUnit, names: Names, draft: Draft) -> list[Draft]:
    """A unit line divided by the split's shares; the unit takes what is left over."""
    terms = rule.terms
    assert isinstance(terms, SplitTerms)
    amount = draft.amount
    planned = _plan_parts(terms, unit, amount)
    parts = [_person_line(rule, names, draft, part) for part in planned]
    filled = {part.person.role for part in planned}
    vacant = [
        (role, share)
        for role, share in terms.shares.items()
        if role != UNIT_ROLE and share != 0 and role not in filled
    ]
    unit_share = terms.shares.get(UNIT_ROLE, ZERO)
    kept = amount - sum((part.amount for part in parts), ZERO)
    expected = fen(amount * (unit_share + sum((share for _, share in vacant), ZERO)))
    if kept == 0 and unit_share == 0 and not vacant:
        return parts
    verb_zh, verb_en = ("留存", "keeps") if amount >= 0 else ("承担", "bears")
    zh = f"{rule.name}：单位{verb_zh} {percent(unit_share)}"
    en = f"{rule.name_en}: the unit {verb_en} {percent(unit_share)}"
    for role, share in vacant:
        role_zh, role_en = names.role(role)
        zh += f"，{role_zh}无人，其 {percent(share)} 归单位"
        en += f"; no {role_en}, so their {percent(share)} stays with the unit"
    if kept != expected:
        zh += f"，含分配尾差 {yuan(kept - expected)} 元"
        en += f"; {yuan(kept - expected)} yuan of rounding"
    zh += f"，{yuan(abs(kept))} 元"
    en += f", {yuan(abs(kept))} yuan"
    draft.figures |= {
        "split": rule.code,
        "amount_before_split": amount_text(amount),
        "share": plain(unit_share),
        "vacant_roles": ",".join(role for role, _ in vacant),
    }
    draft.amount = kept
    draft.explain(zh, en)
    return [draft, *parts]


def apply_split(
    rule: MoneyRule, unit: MoneyUnit, names: Names, lines: Sequence[Draft]
) -> list[Draft]:
    """The lines with every covered, non-zero unit line divided among the unit and persons."""
    terms = rule.terms
    assert isinstance(terms, SplitTerms)
    result: list[Draft] = []
    for draft in lines:
        if _covered(terms.applies_to, draft) and draft.amount != 0:
            result += _split_line(rule, unit, names, draft)
        else:
            result.append(draft)
    return result
