"""The conference speech draft (大会讲话稿), written from the data in the seed's structure.

The speech at the township's reward conference (奖惩兑现大会) has four parts: last year's
achievements, every figure filled in (births against the plan, each indicator against its
target and the year before); the problems (indicators short, under-reporting found, the weak
and strict units by name); this year's tasks (the new contracts' targets); and the requirements.
:func:`speech_context` words every sentence that depends on the data, in Chinese or English; the
template (``speech.docx``) holds the fixed wording around them and the layout, which an office
may change in Word. Nothing is left as ×××: a figure that is missing is said to be missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..base import DOCX, Document, DocumentRequest
from . import reading
from .charts import Bar, births_chart, ranking_chart
from .crosschecks import UnderReport, under_reporting
from .naming import document_name, published_on, units_word
from .reading import OtherRun, RunFacts, Tasks, UnitLine, kind_word
from .templates import Chart, find_template, render
from .wording import (
    EN,
    IndicatorFigure,
    Measure,
    capitalised,
    change,
    indicator_sentence,
    join,
    lang_of,
    lowered,
    money,
    ordinal_en,
    ordinal_zh,
    plural,
    sentence,
)

KIND = "speech"


def _en(lang: str) -> bool:
    return lang == EN


# --- part one: achievements ------------------------------------------------------------------


def opening(facts: RunFacts, tasks: Tasks, lang: str) -> str:
    """What the conference is for, naming only what it does this time."""
    next_year = facts.year + 1
    has_money = facts.money.entries > 0
    notices = bool(facts.commended()) or bool(facts.vetoed() or facts.designations)
    if _en(lang):
        jobs = [f"to review how the targets of {facts.year} were met"]
        if has_money:
            jobs.append("to settle the rewards and penalties they earned")
        if notices:
            jobs.append("to commend the best and criticise those that fell behind")
        if tasks.from_contracts:
            jobs.append(f"to sign the responsibility contracts for {next_year}")
        jobs.append(f"and to set out the work of {next_year}")
        return (
            f"Today the Party committee and the government of {facts.township} hold the "
            f"conference on the target-responsibility assessment of {facts.year} and its "
            f"rewards and penalties. We are here {', '.join(jobs)}."
        )
    jobs = [f"总结{facts.year}年度目标责任完成情况"]
    if has_money:
        jobs.append("兑现奖惩")
    if notices:
        jobs.append("表彰先进、鞭策后进")
    if tasks.from_contracts:
        jobs.append(f"签订{next_year}年度目标管理责任书")
    jobs.append(f"安排部署{next_year}年的工作")
    return (
        f"今天，镇党委、政府召开{facts.township}{facts.year}年度目标管理责任制考核奖惩兑现大会，"
        f"主要任务是：{'，'.join(jobs)}。"
    )


def _scored(facts: RunFacts) -> list[IndicatorFigure]:
    return [f for f in facts.indicators if f.met is not None]


def review_intro(facts: RunFacts, lang: str) -> str:
    """The year in one sentence: how many indicators were met."""
    scored = _scored(facts)
    met = sum(1 for f in scored if f.met)
    short = len(scored) - met
    word = units_word(facts, lang)
    if _en(lang):
        if not scored:
            summary = "the work went ahead steadily"
        elif short == 0:
            summary = f"all {plural(len(scored), 'indicator')} assessed reached their targets"
        else:
            summary = (
                f"of the {plural(len(scored), 'indicator')} assessed, {met} reached their "
                f"targets and {short} fell short"
            )
        return (
            f"In {facts.year} the {word} of the township worked to the responsibility contracts "
            f"they signed at the start of the year, and {summary}. The main points are these."
        )
    if not scored:
        summary = "各项工作稳步推进"
    elif short == 0:
        summary = f"考核的{len(scored)}项指标全部完成"
    else:
        summary = f"考核的{len(scored)}项指标中完成{met}项，{short}项未完成"
    return (
        f"{facts.year}年，全镇各{word}围绕年初签订的目标管理责任书扎实工作，{summary}。"
        "主要表现在以下几个方面："
    )


def _births_measure(facts: RunFacts, lang: str) -> Measure:
    assert facts.births is not None
    measure = facts.births.measure
    return Measure("", measure.decimals) if _en(lang) else measure


def births_clauses(facts: RunFacts, lang: str) -> list[str]:
    """Births of the year against the year before and the plan (empty without a plan item)."""
    births = facts.births
    if births is None or births.value is None:
        return []
    measure = _births_measure(facts, lang)
    shown = measure.show(births.value)
    clauses: list[str] = []
    compared = change(births.value, births.previous, measure, lang, count=True)
    plan = float(births.cap) if births.cap is not None else births.quota_sum
    if _en(lang):
        first = f"{shown} births were registered across the township in {facts.year}"
        if compared:
            first += f", {compared}"
        clauses.append(first)
        if plan is not None:
            source = "the county's cap" if births.cap is not None else "the units' quotas together"
            gap = measure.difference(births.value, plan)
            stand = (
                "births stayed within it"
                if gap <= 0
                else f"births exceeded it by {measure.amount(gap, lang)}"
            )
            clauses.append(f"{source} was {measure.show(plan)}, and {stand}")
        return clauses
    first = f"全年全镇共出生{shown}"
    if compared:
        first += f"，{compared}"
    clauses.append(first)
    if plan is not None:
        source = "县下达的出生控制数" if births.cap is not None else "各村计划数合计"
        rate = (
            f"（出生率控制指标{births.rate_per_mille.normalize():f}‰）"
            if births.rate_per_mille is not None
            else ""
        )
        gap = measure.difference(births.value, plan)
        stand = "控制在计划以内" if gap <= 0 else f"超出计划{measure.amount(gap, lang)}"
        clauses.append(f"{source}为{measure.show(plan)}{rate}，{stand}")
    return clauses


def indicators_paragraph(facts: RunFacts, lang: str) -> str:
    """Every figure of the year: births, then each indicator with its target and last year."""
    clauses = births_clauses(facts, lang)
    clauses += [indicator_sentence(f, lang) for f in facts.indicators]
    scored = _scored(facts)
    text = sentence(clauses, lang)
    if scored and all(f.met for f in scored):
        text += " Every target was met." if _en(lang) else "圆满完成了各项责任指标。"
    return text


def _grade_counts(units: Sequence[UnitLine], grades: Sequence[reading.GradeLine], lang: str) -> str:
    counts = {g.code: sum(1 for u in units if u.grade == g.code) for g in grades}
    if _en(lang):
        parts = [f"{n} graded {g.name}" for g in grades if (n := counts[g.code])]
        return join(parts, lang)
    parts = [f"评为{g.name}的{n}个" for g in grades if (n := counts[g.code])]
    return "，".join(parts)


def _vetoed_clause(units: Sequence[UnitLine], lang: str) -> str:
    vetoed = [u for u in units if u.vetoed]
    if _en(lang):
        if not vetoed:
            return "no unit was vetoed"
        return join(
            [f"{u.name} was vetoed ({join([v.name for v in u.vetoes], lang)})" for u in vetoed],
            lang,
        )
    if not vetoed:
        return "没有单位被一票否决"
    return "，".join(f"{u.name}因{'、'.join(v.name for v in u.vetoes)}被一票否决" for u in vetoed)


def results_paragraph(facts: RunFacts, lang: str) -> str:
    """The year-end assessment: how many units at each grade, vetoes, the best unit."""
    units = facts.units
    count = len(units)
    word = units_word(facts, lang, count)
    best = min((u for u in units if not u.vetoed), key=lambda u: (u.rank, -u.total), default=None)
    date = published_on(facts, lang)
    if _en(lang):
        grades_en = _grade_counts(units, facts.grades, lang)
        text = (
            f"Under the {facts.scheme_name}, the township's assessment group assessed "
            f"{count} {word} at the end of the year"
            + (f"; the results were published on {date}" if date else "")
            + ". "
            + capitalised("; ".join(p for p in (grades_en, _vetoed_clause(units, lang)) if p))
            + "."
        )
        if best is not None:
            text += f" The highest total was {best.name}'s, {best.total} points."
        return text
    grades = _grade_counts(units, facts.grades, lang)
    text = (
        f"按照《{facts.scheme_name}》，镇考核领导小组对全镇{count}个{word}的目标完成情况进行了"
        f"年终考核{f'，考核结果已于{date}公布' if date else ''}。其中，"
        f"{f'{grades}；' if grades else ''}{_vetoed_clause(units, lang)}。"
    )
    if best is not None:
        text += f"总分最高的是{best.name}，{best.total}分。"
    return text


def money_paragraph(facts: RunFacts, lang: str) -> str:
    """The ledger of the year in one sentence."""
    m = facts.money
    if m.entries == 0:
        if _en(lang):
            return "The rewards and penalties of the year have not been computed yet."
        return "本年度的奖惩尚未计算，兑现工作正在进行。"
    rewards = m.total(reading.REWARD_KINDS)
    fines = -m.total(reading.FINE_KINDS)
    if _en(lang):
        parts = [f"rewards of {money(rewards, lang)}"]
        if fines:
            parts.append(f"fines of {money(fines, lang)}")
        return (
            f"Under the reward and penalty clauses of the contracts, the year's ledger holds "
            f"{join(parts, lang)} in {plural(m.entries, 'entry', 'entries')}, of which "
            f"{m.settled} {'has' if m.settled == 1 else 'have'} been paid or collected."
        )
    parts = [f"奖励{money(rewards, lang)}"]
    if fines:
        parts.append(f"罚款{money(fines, lang)}")
    return (
        f"按照责任书的奖惩条款，{facts.year}年度共计{'，'.join(parts)}，"
        f"奖惩明细{m.entries}笔，已兑现{m.settled}笔。"
    )


def other_paragraphs(others: Sequence[OtherRun], lang: str) -> list[str]:
    """One sentence for each other scheme assessed the same year (direct units, departments)."""
    lines = []
    for other in others:
        count = len(other.units)
        if not count:
            continue
        kinds = list(dict.fromkeys(u.kind for u in other.units))
        word = (
            kind_word(kinds[0], lang, count)
            if len(kinds) == 1
            else ("units" if _en(lang) else "单位")
        )
        grades = _grade_counts(other.units, other.grades, lang)
        vetoed = _vetoed_clause(other.units, lang)
        if _en(lang):
            lines.append(f"{other.scheme_name}: {count} {word} assessed; {grades}; {vetoed}.")
        else:
            lines.append(f"《{other.scheme_name}》：{count}个{word}参加考核，{grades}；{vetoed}。")
    return lines


# --- part one: problems ----------------------------------------------------------------------


def _numbered(paragraphs: Sequence[str], lang: str) -> list[str]:
    """一是…，二是… / First, … Second, …"""
    if _en(lang):
        return [f"{ordinal_en(i)}, {p[:1].lower()}{p[1:]}" for i, p in enumerate(paragraphs, 1)]
    return [f"{ordinal_zh(i)}是{p}" for i, p in enumerate(paragraphs, 1)]


def _population_problem(facts: RunFacts, tasks: Tasks, lang: str) -> str:
    births = facts.births
    if births is None or births.value is None:
        return ""
    measure = _births_measure(facts, lang)
    compared = change(births.value, births.previous, measure, lang, count=True)
    rising = births.previous is not None and births.value > births.previous
    plan = sum(next((t.values for t in tasks.targets if t.is_plan), ()))
    cap = tasks.plan_cap
    if _en(lang):
        head = (
            "The population situation remains serious"
            if rising
            else ("Keeping births low remains a heavy task")
        )
        text = f"{head}: {measure.show(births.value)} births in {facts.year}"
        if compared:
            text += f", {compared.replace(' than', ' births than', 1)}"
        if cap is not None:
            text += f"; the county's cap for {tasks.year} is {cap} births"
        elif plan:
            text += f"; the quotas for {tasks.year} add up to {measure.show(plan)} births"
        return text + "."
    head = "人口形势依然严峻" if rising else "稳定低生育水平的任务依然艰巨"
    text = f"{head}。{facts.year}年全镇出生{measure.show(births.value)}"
    if compared:
        text += f"，{compared}"
    if cap is not None:
        text += f"；{tasks.year}年县下达给我镇的出生控制数为{cap}人"
        if tasks.plan_rate is not None:
            text += f"（出生率{tasks.plan_rate.normalize():f}‰）"
    elif plan:
        text += f"；{tasks.year}年各村计划数合计{measure.show(plan)}"
    return text + "，完成人口计划的压力不小。"


def _shortfall_problem(facts: RunFacts, lang: str) -> str:
    short = [f for f in facts.indicators if f.met is False]
    if not short:
        return ""
    clauses = [indicator_sentence(f, lang) for f in short]
    if _en(lang):
        return f"Some indicators fell short: {'; '.join(clauses)}."
    return f"部分指标没有完成。{'；'.join(clauses)}。"


def _accuracy_problem(facts: RunFacts, under: Sequence[UnderReport], lang: str) -> str:
    """What the checks found missing: each per-case finding with the cross-check figures of
    the same unit beside it, then the units only the cross-checks caught."""
    by_unit: dict[str, list[str]] = {}
    for report in under:
        by_unit.setdefault(report.unit_code, []).append(report.text)
    items = []
    for f in facts.findings:
        details = by_unit.pop(f.unit_code, [])
        if _en(lang):
            extra = f" ({'; '.join(details)})" if details else ""
            items.append(f"{f.unit_name}: {f.count} under “{f.item}”{extra}")
        else:
            extra = f"（{'；'.join(details)}）" if details else ""
            items.append(f"{f.unit_name}在“{f.item}”项目中查出{f.count}{extra}")
    for report in under:
        if report.unit_code in by_unit:
            separator = " " if _en(lang) else ""
            items.append(f"{report.unit_name}{separator}{report.text}")
    if not items:
        return ""
    if _en(lang):
        return f"Statistics are not yet fully truthful; the checks found {'; '.join(items)}."
    return f"统计数据还不够真实。经核查，{'；'.join(items)}。"


def _weak_problem(facts: RunFacts, lang: str) -> str:
    """The weak and strict units by name (strict first), and the vetoes among them."""
    designated = facts.designations
    marked = {d.unit_code for d in designated}
    vetoed = facts.vetoed()
    if not designated and not vetoed:
        return ""
    names = list(dict.fromkeys([d.unit_name for d in designated] + [u.name for u in vetoed]))
    word = units_word(facts, lang, len(names))
    groups: dict[str, list[str]] = {}
    for d in designated:
        groups.setdefault(d.status_name, []).append(d.unit_name)
    if _en(lang):
        parts = [
            f"{join(units, lang)} {'was' if len(units) == 1 else 'were'} designated {status}"
            for status, units in groups.items()
        ]
        parts += [
            f"{u.name}{' among them' if u.code in marked else ''} was vetoed "
            f"({join([v.name for v in u.vetoes], lang)})"
            for u in vetoed
        ]
        whom = f"this {word}" if len(names) == 1 else f"these {len(names)} {word}"
        head = (
            "The weak units have not yet been turned round"
            if designated
            else "Grave faults still occur"
        )
        return f"{head}: {'; '.join(parts)}. We criticise {whom} seriously here."
    parts = [f"{'、'.join(units)}被列为{status}{word}" for status, units in groups.items()]
    parts += [
        f"{'其中' if u.code in marked else ''}{u.name}因{'、'.join(v.name for v in u.vetoes)}"
        "被一票否决"
        for u in vetoed
    ]
    whom = f"该{word}" if len(names) == 1 else f"这{len(names)}个{word}"
    head = f"薄弱{word}帮促转化还不到位" if designated else f"个别{word}出现严重问题"
    return f"{head}。{'；'.join(parts)}。在此，对{whom}提出严肃批评。"


def _imbalance_problem(facts: RunFacts, lang: str) -> str:
    ranked = sorted((u for u in facts.units if not u.vetoed), key=lambda u: -u.total)
    if len(ranked) < 2:
        return ""
    best, worst = ranked[0], ranked[-1]
    spread = best.total - worst.total
    failing = [u for u in facts.units if u.grade == facts.lowest_grade()]
    lowest = facts.grades[-1].name if facts.grades else ""
    word = units_word(facts, lang, len(facts.units))
    if _en(lang):
        text = (
            f"The {word} are uneven: the best, {best.name}, scored {best.total} points and the "
            f"last, {worst.name}, {worst.total}, {spread} points apart"
        )
        if failing and lowest:
            many = units_word(facts, lang, len(failing))
            verb = "was" if len(failing) == 1 else "were"
            text += f"; {len(failing)} {many} {verb} graded {lowest}"
        return text + "."
    text = (
        f"各{word}之间工作还不平衡。总分最高的{best.name}{best.total}分，最低的{worst.name}"
        f"{worst.total}分，相差{spread}分"
    )
    if failing and lowest:
        text += f"；有{len(failing)}个{word}考核为{lowest}"
    return text + "。"


def problems(facts: RunFacts, tasks: Tasks, under: Sequence[UnderReport], lang: str) -> list[str]:
    """The problems, numbered (一是… / First, …): only those the data shows."""
    found = [
        _population_problem(facts, tasks, lang),
        _shortfall_problem(facts, lang),
        _accuracy_problem(facts, under, lang),
        _weak_problem(facts, lang),
        _imbalance_problem(facts, lang),
    ]
    return _numbered([p for p in found if p], lang)


# --- part two: tasks -------------------------------------------------------------------------


def _target_clause(target: reading.TargetLine, word: str, lang: str) -> str:
    values = target.values
    m = target.measure
    if target.is_plan:
        total = sum(values)
        if _en(lang):
            return f"keep births within the quotas, {Measure('', m.decimals).show(total)} in all"
        return f"出生人数控制在各{word}计划数合计{m.show(total)}以内"
    low, high = min(values), max(values)
    lower = target.direction == "lower"
    if low != high:
        span = f"{Measure('', m.decimals).show_target(low)}–{m.show_target(high)}"
        if _en(lang):
            return f"{target.name}: each unit's own target ({span})"
        return f"{target.name}达到各{word}责任书确定的目标（{span}）"
    shown = m.show_target(low)
    if _en(lang):
        return f"{target.name} {'at most' if lower else 'at least'} {shown}"
    if lower:
        return f"{target.name}控制在{shown}以内"
    # Nothing lies above 100 %: the target is reached in full, not "100% or more".
    full = m.unit == "%" and low >= 100
    return f"{target.name}达到{shown}" if full else f"{target.name}达到{shown}以上"


def tasks_intro(facts: RunFacts, tasks: Tasks, lang: str) -> str:
    word = units_word(facts, lang)
    if _en(lang):
        source = (
            f"the responsibility contracts for {tasks.year} signed today"
            if tasks.from_contracts
            else f"the {tasks.scheme_name} (the contracts for {tasks.year} are not yet drawn up)"
        )
        return f"The targets of {tasks.year} are set by {source}. We must do these things well:"
    source = (
        f"今天签订的《{tasks.year}年度目标管理责任书》"
        if tasks.from_contracts
        else f"《{tasks.scheme_name}》（{tasks.year}年度责任书尚未签订）"
    )
    return f"{tasks.year}年全镇各{word}的目标任务，已由{source}确定。要重点抓好以下几项工作："


def task_list(facts: RunFacts, tasks: Tasks, lang: str) -> list[str]:
    """This year's tasks, numbered （一） / 1.: the targets, remediation, shortfalls, accuracy."""
    word = units_word(facts, lang)
    items: list[str] = []
    if tasks.targets:
        clauses = [_target_clause(t, word, lang) for t in tasks.targets]
        if _en(lang):
            items.append(f"Meet every target of the contracts: {'; '.join(clauses)}.")
        else:
            items.append(f"全面完成责任书确定的各项目标：{'；'.join(clauses)}。")
    if facts.designations:
        plans = []
        for d in facts.designations:
            if d.plan is None:
                plans.append(
                    f"{d.unit_name}: its plan is still to be made"
                    if _en(lang)
                    else f"{d.unit_name}的帮促方案尚未制定，要尽快制定"
                )
            elif _en(lang):
                plans.append(f"{d.unit_name} led by {d.plan.leader}, checked by {d.plan.deadline}")
            else:
                deadline = d.plan.deadline
                plans.append(
                    f"{d.unit_name}由{d.plan.leader}牵头帮促，"
                    f"{deadline.year}年{deadline.month}月{deadline.day}日前验收"
                )
        if _en(lang):
            items.append(
                "Turn the weak units round with the five fixes (a leader, staff, "
                f"responsibilities, a deadline, rewards and penalties): {'; '.join(plans)}."
            )
        else:
            items.append(
                f"抓好薄弱{word}帮促转化。按照定领导、定人员、定责任、定时间、定奖惩的要求"
                f"落实帮促措施：{'；'.join(plans)}。"
            )
    short = [lowered(f.name) if _en(lang) else f.name for f in facts.indicators if f.met is False]
    if short:
        if _en(lang):
            items.append(
                f"Close the gaps: where the {join(short, lang)} fell short, every {kind_word(facts.kinds[0], lang) if len(facts.kinds) == 1 else 'unit'} "
                "is to find the causes and fix them this year."
            )
        else:
            items.append(
                f"补齐工作短板。针对{join(short, lang)}没有完成的问题，各{word}要逐项查找原因，"
                "制定整改措施，确保今年完成。"
            )
    if facts.findings:
        if _en(lang):
            items.append(
                "Report truthfully: what the checks found missing must not happen again; "
                "concealment and falsified figures are vetoed."
            )
        else:
            items.append("坚持如实统计。核查发现的漏报问题要认真整改，坚决杜绝瞒报和弄虚作假。")
    if _en(lang):
        return [f"{i}. {text}" for i, text in enumerate(items, 1)]
    return [f"（{ordinal_zh(i)}）{text}" for i, text in enumerate(items, 1)]


# --- part three: requirements ----------------------------------------------------------------


def contracts_sentence(facts: RunFacts, tasks: Tasks, lang: str) -> str:
    word = units_word(facts, lang, tasks.signed)
    if not tasks.from_contracts:
        if _en(lang):
            return f"The responsibility contracts for {tasks.year} are still to be signed; sign them without delay."
        return f"{tasks.year}年度目标管理责任书尚未签订，会后要抓紧签订。"
    if _en(lang):
        text = f"Today the township signs the {tasks.year} responsibility contracts with {tasks.signed} {word}"
        if tasks.drafted:
            text += f"; {plural(tasks.drafted, 'contract')} still await signing"
        return text + "."
    text = f"今天，镇党委、政府与{tasks.signed}个{word}签订了《{tasks.year}年度目标管理责任书》"
    if tasks.drafted:
        text += f"，还有{tasks.drafted}份尚未签订，要尽快签订"
    return text + "。"


def rewards_sentence(facts: RunFacts, lang: str) -> str:
    commended = facts.commended()
    rewards = facts.money.total(reading.REWARD_KINDS)
    present = {u.grade for u in commended}
    grades = [g.name for g in facts.grades if g.code in present]
    word = units_word(facts, lang, len(commended))
    if _en(lang):
        if not commended:
            text = f"No unit reached a commended grade in {facts.year}."
        else:
            text = (
                f"The {len(commended)} {word} graded {join(grades, lang)} in "
                f"{facts.year} are commended"
                + (f" and rewarded {money(rewards, lang)} in all" if rewards else "")
                + "."
            )
        return text + " Penalties are applied to the vetoed and failing units as the contracts say."
    if not commended:
        text = f"{facts.year}年度没有达到表彰等次的单位。"
    else:
        text = (
            f"对{facts.year}年度考核评为{join(grades, lang)}的{len(commended)}个{word}予以表彰"
            + (f"，奖励资金共{money(rewards, lang)}" if rewards else "")
            + "。"
        )
    return text + "对被一票否决和考核不合格的单位，按照责任书的规定兑现处罚。"


def indicator_rows(facts: RunFacts, lang: str) -> list[dict[str, str]]:
    """The appendix table: each indicator with its target, last year and the change."""
    return [
        {
            "name": f.name,
            "value": f.shown(),
            "target": f.shown_target(),
            "previous": f.shown_previous(),
            "change": f.change(lang, short=True) or "—",
            "status": f.status(lang),
        }
        for f in facts.indicators
    ]


def _charts(facts: RunFacts, lang: str) -> tuple[Chart | str, Chart | str]:
    years = reading.read_births_by_year(facts.run)
    births: Chart | str = ""
    if years and any(y.births is not None for y in years):
        title = (
            f"Births in {facts.township} by year" if _en(lang) else f"{facts.township}历年出生人数"
        )
        births = Chart(
            births_chart(
                [y.year for y in years],
                [y.births for y in years],
                [y.plan for y in years],
                title,
                lang,
            ),
            width_mm=140,
        )
    ranking: Chart | str = ""
    if facts.units:
        title = (
            f"Totals of {facts.year}, in ranking order"
            if _en(lang)
            else f"{facts.year}年度考核总分排名"
        )
        bars = [Bar(u.name, float(u.total), u.vetoed) for u in facts.units]
        ranking = Chart(ranking_chart(bars, title, lang), width_mm=140)
    return births, ranking


def speech_context(request: DocumentRequest) -> dict[str, Any]:
    """Every placeholder of the speech template (documented in docs/word-documents.md)."""
    lang = lang_of(request.language)
    facts = reading.read_run(request, lang)
    tasks = reading.read_tasks(facts.run.scheme, request.root, facts.year + 1, lang)
    others = reading.read_other_runs(facts.run, lang)
    under = under_reporting(facts.run, lang)
    births, ranking = _charts(facts, lang)
    return {
        "township": facts.township,
        "year": facts.year,
        "next_year": facts.year + 1,
        "previous_year": facts.previous_year or "",
        "scheme_name": facts.scheme_name,
        "published_on": published_on(facts, lang),
        "opening": opening(facts, tasks, lang),
        "review_intro": review_intro(facts, lang),
        "indicators_paragraph": indicators_paragraph(facts, lang),
        "births_chart": births,
        "results_paragraph": results_paragraph(facts, lang),
        "ranking_chart": ranking,
        "money_paragraph": money_paragraph(facts, lang),
        "others": other_paragraphs(others, lang),
        "problems": problems(facts, tasks, under, lang),
        "tasks_intro": tasks_intro(facts, tasks, lang),
        "tasks": task_list(facts, tasks, lang),
        "contracts_sentence": contracts_sentence(facts, tasks, lang),
        "rewards_sentence": rewards_sentence(facts, lang),
        "indicator_rows": indicator_rows(facts, lang),
    }


def build_speech(request: DocumentRequest, template: Path | None = None) -> Document:
    """The conference speech draft of the request's published run (大会讲话稿)."""
    context = speech_context(request)
    path = find_template(
        KIND,
        lang_of(request.language),
        request.root.code,
        request.scheme.code,
        request.year,
        template,
    )
    return Document(document_name("大会讲话稿", KIND, request), DOCX, render(path, context))
