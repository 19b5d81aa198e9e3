"""表彰通报 and 批评通报: who is commended at which grade, who is criticised and why, from the
published run.

The commended are the units at a grade the scheme's money rules reward (without such rules, the
best grade), never a vetoed one. The criticised are the vetoed units (with the vetoes and what
they cost the officials), the weak and strict units of the year (with the reason recorded when
they were designated and their remediation plan), and the units at the lowest grade. Amounts
come from the run's ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..base import DOCX, Document, DocumentRequest
from . import reading
from .naming import document_name, published_on, units_word
from .reading import DesignationLine, RunFacts, UnitLine
from .templates import find_template, render
from .wording import EN, join, lang_of, money, ordinal_zh

ZERO = reading.ZERO


def _en(lang: str) -> bool:
    return lang == EN


def _points(total: object, lang: str) -> str:
    return f"{total} points" if _en(lang) else f"{total}分"


# --- 表彰通报 ----------------------------------------------------------------------------------


def commendation_context(request: DocumentRequest) -> dict[str, Any]:
    """Every placeholder of the commendation template (documented in docs/word-documents.md)."""
    lang = lang_of(request.language)
    facts = reading.read_run(request, lang)
    commended = facts.commended()
    word = units_word(facts, lang, len(facts.units))
    date = published_on(facts, lang)
    groups = []
    for grade in facts.grades:
        members = [u for u in commended if u.grade == grade.code]
        if not members:
            continue
        names = [
            f"{u.name}（{_points(u.total, lang)}）"
            if not _en(lang)
            else f"{u.name} ({_points(u.total, lang)})"
            for u in members
        ]
        heading = (
            f"{grade.name} ({len(members)} {units_word(facts, lang, len(members))}):"
            if _en(lang)
            else f"{grade.name}（{len(members)}个）："
        )
        groups.append({"heading": heading, "names": ("; " if _en(lang) else "、").join(names)})
    rewards = facts.money.rewards
    rows = [
        {
            "grade": u.grade_name,
            "name": u.name,
            "total": str(u.total),
            "rank": str(u.rank),
            "reward": money(rewards[u.code], lang) if rewards.get(u.code) else "—",
        }
        for u in commended
    ]
    total_reward = sum((rewards.get(u.code, ZERO) for u in commended), ZERO)
    return {
        "township": facts.township,
        "year": facts.year,
        "scheme_name": facts.scheme_name,
        "published_on": date,
        "count": len(commended),
        "intro": _commendation_intro(facts, commended, word, date, lang),
        "groups": groups,
        "rows": rows,
        "money_sentence": _commendation_money(total_reward, lang),
    }


def _commendation_intro(
    facts: RunFacts, commended: list[UnitLine], word: str, date: str, lang: str
) -> str:
    count = len(facts.units)
    many = units_word(facts, lang, len(commended))
    if _en(lang):
        text = (
            f"Under the {facts.scheme_name}, the township's assessment group assessed how "
            f"{count} {word} met their targets in {facts.year}"
            + (f"; the results were published on {date}" if date else "")
            + ". "
        )
        if not commended:
            return text + "No unit reached a commended grade this year."
        return text + (
            f"To commend the best, the Party committee and the government of the township have "
            f"decided to commend the following {len(commended)} {many}:"
        )
    text = (
        f"{facts.year}年，按照《{facts.scheme_name}》，镇考核领导小组对全镇{count}个{word}的目标"
        f"完成情况进行了年终考核{f'，考核结果已于{date}公布' if date else ''}。"
    )
    if not commended:
        return text + "本年度没有达到表彰等次的单位。"
    return (
        text
        + f"为表彰先进，经镇党委、政府研究，决定对以下{len(commended)}个成绩突出的{many}予以表彰："
    )


def _commendation_money(total: Any, lang: str) -> str:
    if not total:
        return ""
    if _en(lang):
        return (
            f"The rewards come to {money(total, lang)} in all, shared between the units and "
            "their responsible officials as the contracts lay down."
        )
    return f"以上奖励共计{money(total, lang)}，按责任书的规定由单位和责任人分配。"


def build_commendation(request: DocumentRequest, template: Path | None = None) -> Document:
    """The commendation notice of the request's published run (表彰通报)."""
    lang = lang_of(request.language)
    context = commendation_context(request)
    path = find_template(
        "commendation", lang, request.root.code, request.scheme.code, request.year, template
    )
    return Document(document_name("表彰通报", "commendation", request), DOCX, render(path, context))


# --- 批评通报 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A criticised unit and everything said of it."""

    unit: UnitLine
    designation: DesignationLine | None
    fine: Any  # Decimal, negative: what the unit and its officials were fined

    @property
    def order(self) -> tuple[int, int, str]:
        if self.unit.vetoed:
            first = 0
        elif self.designation is not None:
            first = 1 if self.designation.status == "strict" else 2
        else:
            first = 3
        return (first, self.unit.rank, self.unit.code)


def criticised(facts: RunFacts) -> list[Case]:
    """The vetoed, the designated and the lowest-graded units, gravest first."""
    designations = {d.unit_code: d for d in facts.designations}
    lowest = facts.lowest_grade()
    cases = [
        Case(u, designations.get(u.code), facts.money.fines.get(u.code, ZERO))
        for u in facts.units
        if u.vetoed or u.code in designations or (lowest and u.grade == lowest)
    ]
    return sorted(cases, key=lambda c: c.order)


def _problem(case: Case, word: str, lang: str, *, detailed: bool = True) -> str:
    """Why the unit is criticised: its vetoes, its designation (``detailed``: with the reason
    recorded when it was designated), else its grade."""
    unit = case.unit
    parts = []
    if unit.vetoed:
        names = join([v.name for v in unit.vetoes], lang)
        parts.append(f"vetoed: {names}" if _en(lang) else f"因{names}被一票否决")
    if case.designation is not None:
        d = case.designation
        if _en(lang):
            parts.append(f"designated {d.status_name}" + (f": {d.reason}" if detailed else ""))
        else:
            parts.append(f"被列为{d.status_name}{word}" + (f"（{d.reason}）" if detailed else ""))
    if not parts:
        parts.append(
            f"total {unit.total} points, graded {unit.grade_name}"
            if _en(lang)
            else f"考核总分{unit.total}分，等次为{unit.grade_name}"
        )
    return "; ".join(parts) if _en(lang) else "；".join(parts)


def _action(case: Case, lang: str) -> str:
    parts = []
    consequences = list(dict.fromkeys(c for v in case.unit.vetoes for c in v.consequences))
    if consequences:
        text = "、".join(consequences)
        parts.append(f"its responsible officials: {text}" if _en(lang) else f"主要责任人{text}")
    if case.fine:
        parts.append(
            f"fined {money(-case.fine, lang)}" if _en(lang) else f"罚款{money(-case.fine, lang)}"
        )
    d = case.designation
    if d is not None and d.plan is not None:
        deadline = d.plan.deadline
        parts.append(
            f"remediation led by {d.plan.leader}, to be checked by {deadline}"
            if _en(lang)
            else f"由{d.plan.leader}牵头帮促转化，{deadline.year}年{deadline.month}月{deadline.day}日前验收"
        )
    elif d is not None:
        parts.append("a remediation plan is to be made" if _en(lang) else "限期制定帮促转化方案")
    if not parts:
        parts.append("to draw up and carry out corrective measures" if _en(lang) else "限期整改")
    return "; ".join(parts) if _en(lang) else "；".join(parts)


def criticism_context(request: DocumentRequest) -> dict[str, Any]:
    """Every placeholder of the criticism template (documented in docs/word-documents.md)."""
    lang = lang_of(request.language)
    facts = reading.read_run(request, lang)
    cases = criticised(facts)
    word = units_word(facts, lang, len(facts.units))
    date = published_on(facts, lang)
    paragraphs = []
    for index, case in enumerate(cases, 1):
        problem = _problem(case, units_word(facts, lang, 1), lang)
        action = _action(case, lang)
        if _en(lang):
            paragraphs.append(
                f"{index}. {case.unit.name} ({_points(case.unit.total, lang)}, "
                f"{case.unit.grade_name}): {problem}. Action: {action}."
            )
        else:
            paragraphs.append(
                f"{ordinal_zh(index)}、{case.unit.name}（总分{case.unit.total}分，"
                f"{case.unit.grade_name}）：{problem}。处理：{action}。"
            )
    rows = [
        {
            "name": c.unit.name,
            "total": str(c.unit.total),
            "grade": c.unit.grade_name,
            "problem": _problem(c, units_word(facts, lang, 1), lang, detailed=False),
            "action": _action(c, lang),
        }
        for c in cases
    ]
    return {
        "township": facts.township,
        "year": facts.year,
        "scheme_name": facts.scheme_name,
        "published_on": date,
        "count": len(cases),
        "intro": _criticism_intro(facts, len(cases), word, date, lang),
        "cases": paragraphs,
        "rows": rows,
    }


def _criticism_intro(facts: RunFacts, count: int, word: str, date: str, lang: str) -> str:
    total = len(facts.units)
    word_one, word_many = units_word(facts, lang, 1), units_word(facts, lang, count)
    if _en(lang):
        text = (
            f"Under the {facts.scheme_name}, the township's assessment group assessed "
            f"{total} {word} for {facts.year}"
            + (f"; the results were published on {date}" if date else "")
            + ". "
        )
        if not count:
            return text + "No unit is criticised this year."
        which = f"this {word_one}" if count == 1 else f"these {count} {word_many}"
        return text + (
            f"Some fell behind: they were vetoed, designated weak or strict, or graded lowest. "
            f"The Party committee and the government of the township criticise {which} as follows:"
        )
    text = (
        f"{facts.year}年，按照《{facts.scheme_name}》，镇考核领导小组对全镇{total}个{word}进行了"
        f"年终考核{f'，考核结果已于{date}公布' if date else ''}。"
    )
    if not count:
        return text + "本年度没有需要通报批评的单位。"
    which = f"该{word_one}" if count == 1 else f"以下{count}个{word_many}"
    return text + (
        "考核中，有的单位被一票否决，有的被列为薄弱或严管单位，有的考核等次最低。"
        f"经镇党委、政府研究，决定对{which}予以通报批评："
    )


def build_criticism(request: DocumentRequest, template: Path | None = None) -> Document:
    """The criticism notice of the request's published run (批评通报)."""
    lang = lang_of(request.language)
    context = criticism_context(request)
    path = find_template(
        "criticism", lang, request.root.code, request.scheme.code, request.year, template
    )
    return Document(document_name("批评通报", "criticism", request), DOCX, render(path, context))
