"""What the Word documents read: a published run and what followed from it, as plain rows.

Every reader takes the run (or the township and year) and the document's language, and returns
frozen rows with names already in that language, so the sentence code never touches the
database. A handful of queries per run, whatever the number of units.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, ItemResult, UnitResult
from kaohe.assessments.publishing import published_run
from kaohe.assessments.selectors import area_indicators
from kaohe.contracts.models import Contract, ContractStatus, ContractTarget
from kaohe.orgunits.models import OrgUnit
from kaohe.remediation.models import Designation, DesignationStatus
from kaohe.rewards.models import LedgerEntry, MoneyKind
from kaohe.schemes.models import BirthPlan, Scheme, SchemeStatus, ScoringItem

from ..base import DocumentError, DocumentRequest
from .wording import EN, IndicatorFigure, Measure

# The kinds of units as a document names them (Chinese, English singular, English plural).
KIND_WORDS: Final[dict[str, tuple[str, str, str]]] = {
    "village": ("村", "village", "villages"),
    "direct_unit": ("镇直单位", "township-direct unit", "township-direct units"),
    "department": ("部门", "department", "departments"),
    "township": ("镇", "township", "townships"),
}
STATUS_WORDS: Final[dict[str, tuple[str, str]]] = {
    DesignationStatus.WEAK: ("薄弱", "weak"),
    DesignationStatus.YELLOW_CARD: ("黄牌警告", "yellow card"),
    DesignationStatus.STRICT: ("严管", "strict management"),
}
# Ledger kinds that are money paid out to a unit and its officials, and money taken from them.
REWARD_KINDS: Final = (MoneyKind.REWARD,)
FINE_KINDS: Final = (MoneyKind.FINE, MoneyKind.PENALTY)
ZERO: Final = Decimal("0")


def kind_word(kind: str, lang: str, count: int = 1) -> str:
    """``村`` / ``village`` / ``villages`` for a unit kind."""
    zh, one, many = KIND_WORDS.get(kind, (kind, kind, f"{kind}s"))
    if lang == EN:
        return one if count == 1 else many
    return zh


def _named(zh: str, en: str, lang: str) -> str:
    return (en or zh) if lang == EN else zh


def measure_of(unit: str, decimals: int, lang: str) -> Measure:
    """How a figure is shown; in English a Chinese unit label (人, 次) is left out."""
    label = unit or ""
    if lang == EN and not label.isascii() and label not in ("%", "‰", "‱"):
        label = ""
    return Measure(label, int(decimals or 0))


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VetoLine:
    code: str
    name: str
    consequences: tuple[str, ...]


@dataclass(frozen=True)
class UnitLine:
    """A unit's result as the ranking page shows it."""

    code: str
    name: str
    kind: str
    rank: int
    total: Decimal
    grade: str
    grade_name: str
    vetoes: tuple[VetoLine, ...]

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)


@dataclass(frozen=True)
class GradeLine:
    code: str
    name: str
    min_total: float


@dataclass(frozen=True)
class Births:
    """The births of the plan item (the unit pages' actuals added up) against the plan."""

    measure: Measure
    value: float | None
    previous: float | None
    quota_sum: float | None  # the units' own quotas (targets of the plan item) added up
    cap: int | None  # the county's cap (the birth plan), when one was recorded
    rate_per_mille: Decimal | None


@dataclass(frozen=True)
class PlanLine:
    leader: str
    deadline: datetime.date
    status: str


@dataclass(frozen=True)
class DesignationLine:
    unit_code: str
    unit_name: str
    status: str
    status_name: str
    reason: str
    plan: PlanLine | None


@dataclass(frozen=True)
class Finding:
    """A per-case item (漏报, 迟报 …) that found cases in a unit."""

    item: str
    unit_code: str
    unit_name: str
    count: str  # as shown, with its unit label (``2例``)


@dataclass(frozen=True)
class Money:
    """The run's ledger, net of reversals, by kind and by unit."""

    by_kind: dict[str, Decimal] = field(default_factory=dict)
    rewards: dict[str, Decimal] = field(default_factory=dict)  # unit code → rewards
    fines: dict[str, Decimal] = field(default_factory=dict)  # unit code → fines (negative)
    entries: int = 0
    settled: int = 0  # entries paid out or collected

    def total(self, kinds: Iterable[str]) -> Decimal:
        return sum((self.by_kind.get(k, ZERO) for k in kinds), ZERO)


@dataclass(frozen=True)
class RunFacts:
    """A published run and what the documents say of it, in one language."""

    run: AssessmentRun
    lang: str
    township: str
    scheme_name: str
    units: tuple[UnitLine, ...]
    grades: tuple[GradeLine, ...]  # best first
    commended_grades: tuple[str, ...]  # codes, best first
    indicators: tuple[IndicatorFigure, ...]
    previous_year: int | None  # the year of the previous published run compared with
    births: Births | None
    designations: tuple[DesignationLine, ...]
    findings: tuple[Finding, ...]
    money: Money

    @property
    def year(self) -> int:
        return self.run.year

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u.kind for u in self.units))

    def commended(self) -> list[UnitLine]:
        """Units at a commended grade and not vetoed, best grade first, then by rank."""
        order = {code: i for i, code in enumerate(self.commended_grades)}
        found = [u for u in self.units if u.grade in order and not u.vetoed]
        return sorted(found, key=lambda u: (order[u.grade], u.kind, u.rank, u.code))

    def vetoed(self) -> list[UnitLine]:
        return [u for u in self.units if u.vetoed]

    def lowest_grade(self) -> str:
        return self.grades[-1].code if self.grades else ""


def require_published(request: DocumentRequest) -> AssessmentRun:
    """The published run of the request, or a bilingual :class:`DocumentError`."""
    run = published_run(request.scheme, request.year, request.root)
    if run is None:
        raise DocumentError(
            _(
                "{township}{year}年度的“{scheme}”还没有发布考核结果，不能生成文书 / {code} has no "
                "published results for {year} in {township_en}: publish the run first"
            ).format(
                township=request.root.name,
                year=request.year,
                scheme=request.scheme.name,
                code=request.scheme.code,
                township_en=request.root.name_en or request.root.name,
            ),
            field="year",
        )
    return run


def commended_grades(scheme: Scheme, grades: Iterable[GradeLine]) -> tuple[str, ...]:
    """The grades a notice commends: those the scheme's money rules reward (``grade_amount``,
    ``population_tier``); without such rules, the best grade alone. Best first."""
    rewarded: set[str] = set()
    for rule in scheme.money_rules or []:
        if rule.get("kind") == "grade_amount":
            rewarded.update(str(k) for k, v in (rule.get("amounts") or {}).items() if v)
        elif rule.get("kind") == "population_tier":
            for tier in rule.get("tiers") or []:
                rewarded.update(str(k) for k, v in (tier.get("amounts") or {}).items() if v)
    ordered = [g.code for g in grades]
    if rewarded:
        return tuple(code for code in ordered if code in rewarded)
    return tuple(ordered[:1])


def read_units(run: AssessmentRun, lang: str) -> tuple[UnitLine, ...]:
    """The run's results in ranking order (kind, rank, path): two queries."""
    vetoes = {
        v.code: VetoLine(
            v.code, _named(v.name, v.name_en, lang), tuple(str(c) for c in v.consequences or [])
        )
        for v in run.scheme.vetoes.all()
    }
    grades = {g.code: _named(g.name, g.name_en, lang) for g in run.scheme.grades.all()}
    rows = []
    results = UnitResult.objects.filter(run=run).select_related("unit")
    for r in results.order_by("kind", "rank", "unit__path"):
        rows.append(
            UnitLine(
                code=r.unit.code,
                name=_named(r.unit.name, r.unit.name_en, lang),
                kind=r.kind,
                rank=r.rank,
                total=r.total,
                grade=r.grade,
                grade_name=grades.get(r.grade, r.grade_name),
                vetoes=tuple(vetoes.get(str(c), VetoLine(str(c), str(c), ())) for c in r.vetoes),
            )
        )
    return tuple(rows)


def _figures(
    run: AssessmentRun, previous: AssessmentRun | None, lang: str
) -> tuple[IndicatorFigure, ...]:
    before = {}
    if previous is not None:
        before = dict(previous.area_indicator_values.values_list("indicator_code", "value"))
    figures = []
    for a in area_indicators(run):
        name = _named(a.name or a.indicator_code, a.name_en or "", lang)  # type: ignore[attr-defined]
        figures.append(
            IndicatorFigure(
                code=a.indicator_code,
                name=name,
                measure=measure_of(a.unit_label, a.decimals, lang),  # type: ignore[attr-defined]
                value=a.value,
                target=a.target,
                direction=a.direction,
                previous=before.get(a.indicator_code),
            )
        )
    return tuple(figures)


def _plan_item_sums(run: AssessmentRun, item: str) -> tuple[float | None, float | None]:
    """The plan item's actuals and targets over the run's units (whole-year rows)."""
    actual_sum: float | None = None
    target_sum: float | None = None
    rows = ItemResult.objects.filter(unit_result__run=run, item_code=item, part="")
    for actual, target in rows.values_list("actual", "target"):
        if actual is not None:
            actual_sum = (actual_sum or 0.0) + actual
        if target is not None:
            target_sum = (target_sum or 0.0) + target
    return actual_sum, target_sum


def _births(run: AssessmentRun, previous: AssessmentRun | None) -> Births | None:
    scheme = run.scheme
    if not scheme.plan_item:
        return None
    item = scheme.items.filter(code=scheme.plan_item).first()
    if item is None:
        return None
    value, quotas = _plan_item_sums(run, item.code)
    before = None
    if previous is not None and previous.scheme.plan_item == item.code:
        before, _quotas = _plan_item_sums(previous, item.code)
    plan = (
        BirthPlan.objects.filter(scheme__code=scheme.code, township=run.root, year=run.year)
        .order_by("-applied_at", "-pk")
        .first()
    )
    return Births(
        measure=Measure(item.unit or "", int(item.decimals or 0)),
        value=value,
        previous=before,
        quota_sum=quotas,
        cap=plan.cap_births if plan else None,
        rate_per_mille=plan.rate_per_mille if plan else None,
    )


def read_designations(
    scheme_code: str, root: OrgUnit, year: int, lang: str
) -> tuple[DesignationLine, ...]:
    """Weak, yellow-card and strict units of ``year`` under ``root`` (in force), with plans."""
    found = (
        Designation.objects.filter(
            scheme_code=scheme_code,
            year=year,
            unit__path__startswith=root.path,
            revoked_at__isnull=True,
        )
        .select_related("unit", "plan", "plan__leader")
        .order_by("-status", "unit__path")
    )
    rows = []
    for d in found:
        plan = getattr(d, "plan", None)
        zh, en = STATUS_WORDS.get(d.status, (d.status, d.status))
        rows.append(
            DesignationLine(
                unit_code=d.unit.code,
                unit_name=_named(d.unit.name, d.unit.name_en, lang),
                status=d.status,
                status_name=en if lang == EN else zh,
                reason=(d.reason_en or d.reason_zh) if lang == EN else d.reason_zh,
                plan=(
                    PlanLine(plan.leader.name, plan.deadline, plan.status)
                    if plan is not None
                    else None
                ),
            )
        )
    # Strict units first (the graver status), then weak, then yellow cards.
    rank = {DesignationStatus.STRICT: 0, DesignationStatus.WEAK: 1}
    return tuple(sorted(rows, key=lambda r: rank.get(r.status, 2)))


def _findings(run: AssessmentRun, units: dict[str, UnitLine], lang: str) -> tuple[Finding, ...]:
    items = {i.code: i for i in ScoringItem.objects.filter(scheme=run.scheme, rule_type="per_case")}
    if not items:
        return ()
    rows = (
        ItemResult.objects.filter(
            unit_result__run=run, item_code__in=list(items), part="", actual__gt=0
        )
        .values_list("item_code", "unit_result__unit__code", "actual")
        .order_by("sort_order", "unit_result__unit__path")
    )
    found = []
    for code, unit, actual in rows:
        item = items[code]
        measure = Measure(item.unit or "", int(item.decimals or 0))
        if lang == EN:
            label = str((item.params or {}).get("case_label_en") or "case")
            shown = Measure("", measure.decimals).show(actual)
            count = f"{shown} {label if actual == 1 else label + 's'}"
        else:
            count = measure.show(actual)
        found.append(
            Finding(
                item=_named(item.name, item.name_en, lang),
                unit_code=unit,
                unit_name=units[unit].name if unit in units else unit,
                count=count,
            )
        )
    return tuple(found)


def _money(run: AssessmentRun) -> Money:
    """The run's ledger added up in Python from Decimal amounts (as the ledger pages do)."""
    by_kind: dict[str, Decimal] = {}
    rewards: dict[str, Decimal] = {}
    fines: dict[str, Decimal] = {}
    entries = settled = 0
    for unit, kind, amount, paid_on in LedgerEntry.objects.filter(run=run).values_list(
        "unit__code", "kind", "amount", "paid_on"
    ):
        entries += 1
        settled += paid_on is not None
        by_kind[kind] = by_kind.get(kind, ZERO) + amount
        if kind in REWARD_KINDS:
            rewards[unit] = rewards.get(unit, ZERO) + amount
        elif kind in FINE_KINDS:
            fines[unit] = fines.get(unit, ZERO) + amount
    return Money(by_kind, rewards, fines, entries, settled)


def read_run(request: DocumentRequest, lang: str) -> RunFacts:
    """Everything the notices and the speech say about the request's published run."""
    run = require_published(request)
    previous = published_run(request.scheme, request.year - 1, request.root)
    units = read_units(run, lang)
    grades = tuple(
        GradeLine(g.code, _named(g.name, g.name_en, lang), g.min_total)
        for g in run.scheme.grades.order_by("-min_total")
    )
    root = request.root
    return RunFacts(
        run=run,
        lang=lang,
        township=_named(root.name, root.name_en, lang),
        scheme_name=_named(run.scheme.name, run.scheme.name_en, lang),
        units=units,
        grades=grades,
        commended_grades=commended_grades(run.scheme, grades),
        indicators=_figures(run, previous, lang),
        previous_year=previous.year if previous is not None else None,
        births=_births(run, previous),
        designations=read_designations(run.scheme.code, root, run.year, lang),
        findings=_findings(run, {u.code: u for u in units}, lang),
        money=_money(run),
    )


@dataclass(frozen=True)
class YearBirths:
    year: int
    births: float | None
    plan: float | None  # the county's cap where recorded, else the units' quotas added up


def read_births_by_year(run: AssessmentRun, years: int = 10) -> tuple[YearBirths, ...]:
    """Births of the plan item in each published year of the run's scheme code over the same
    township, up to the run's year (at most ``years`` of them), oldest first."""
    item = run.scheme.plan_item
    if not item:
        return ()
    runs = (
        AssessmentRun.objects.filter(
            scheme__code=run.scheme.code, root=run.root, status=run.status, year__lte=run.year
        )
        .order_by("-year", "-published_at", "-pk")
        .select_related("scheme")
    )
    chosen: dict[int, AssessmentRun] = {}
    for found in runs:
        if found.year not in chosen and len(chosen) < years:
            chosen[found.year] = found
    caps = dict(
        BirthPlan.objects.filter(
            scheme__code=run.scheme.code, township=run.root, year__in=list(chosen)
        ).values_list("year", "cap_births")
    )
    rows = []
    for year in sorted(chosen):
        births, quotas = _plan_item_sums(chosen[year], item)
        cap = caps.get(year)
        rows.append(YearBirths(year, births, float(cap) if cap is not None else quotas))
    return tuple(rows)


# --- the other schemes of the year -----------------------------------------------------------


@dataclass(frozen=True)
class OtherRun:
    """Another scheme published for the same township and year (direct units, departments)."""

    scheme_name: str
    units: tuple[UnitLine, ...]
    grades: tuple[GradeLine, ...]


def read_other_runs(run: AssessmentRun, lang: str) -> tuple[OtherRun, ...]:
    """The other schemes' published runs of the run's year over the same township."""
    others = (
        AssessmentRun.objects.filter(year=run.year, root=run.root, status=run.status)
        .exclude(scheme__code=run.scheme.code)
        .select_related("scheme")
        .order_by("scheme__code", "-published_at", "-pk")
    )
    seen: set[str] = set()
    found = []
    for other in others:
        if other.scheme.code in seen:
            continue
        seen.add(other.scheme.code)
        grades = tuple(
            GradeLine(g.code, _named(g.name, g.name_en, lang), g.min_total)
            for g in other.scheme.grades.order_by("-min_total")
        )
        found.append(
            OtherRun(
                _named(other.scheme.name, other.scheme.name_en, lang),
                read_units(other, lang),
                grades,
            )
        )
    return tuple(found)


# --- the next year's contracts ---------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    """One item of next year's contracts with the targets the units signed for."""

    code: str
    name: str
    direction: str
    measure: Measure
    values: tuple[float, ...]  # one per contract (or the scheme's default, once)
    is_plan: bool


@dataclass(frozen=True)
class Tasks:
    """Next year's targets: from the contracts drawn up for it, else from the scheme."""

    year: int
    scheme_name: str
    from_contracts: bool
    signed: int
    drafted: int
    units: int
    targets: tuple[TargetLine, ...]
    plan_cap: int | None
    plan_rate: Decimal | None


def _scheme_for(scheme: Scheme, year: int) -> Scheme:
    """The newest published version of the scheme's code valid in ``year`` (the scheme itself
    when none is)."""
    versions = Scheme.objects.filter(code=scheme.code, status=SchemeStatus.PUBLISHED).order_by(
        "-version"
    )
    for version in versions:
        if (version.year_from is None or version.year_from <= year) and (
            version.year_to is None or version.year_to >= year
        ):
            return version
    return scheme


def _contracts_for(scheme: Scheme, root: OrgUnit, year: int) -> list[Contract]:
    """Next year's contracts under ``root`` (current versions): of the scheme's code when there
    are any, else of any scheme for the same kinds of unit."""
    current = (
        Contract.objects.filter(year=year, unit__path__startswith=root.path)
        .exclude(status=ContractStatus.SUPERSEDED)
        .select_related("scheme")
        .order_by("unit__path", "-version")
    )
    contracts = list(current)
    same = [c for c in contracts if c.scheme.code == scheme.code]
    if same:
        return same
    kinds = set(scheme.unit_kinds or [])
    return [c for c in contracts if kinds & set(c.scheme.unit_kinds or [])]


def read_tasks(scheme: Scheme, root: OrgUnit, year: int, lang: str) -> Tasks:
    """Next year's (``year``) targets for the units the scheme assesses under ``root``."""
    contracts = _contracts_for(scheme, root, year)
    target_scheme = contracts[0].scheme if contracts else _scheme_for(scheme, year)
    items = list(target_scheme.items.exclude(rule_type="bonus").order_by("sort_order", "code"))
    values: dict[str, list[float]] = defaultdict(list)
    if contracts:
        for code, value in ContractTarget.objects.filter(
            contract__in=[c.pk for c in contracts if c.scheme_id == target_scheme.pk]
        ).values_list("item__code", "value"):
            values[code].append(value)
    else:
        for item in items:
            if item.target is not None:
                values[item.code].append(item.target)
    targets = tuple(
        TargetLine(
            code=item.code,
            name=_named(item.name, item.name_en, lang),
            direction=item.direction,
            measure=measure_of(item.unit, item.decimals, lang),
            values=tuple(values[item.code]),
            is_plan=item.code == target_scheme.plan_item,
        )
        for item in items
        if values.get(item.code)
    )
    plan = (
        BirthPlan.objects.filter(scheme__code=target_scheme.code, township=root, year=year)
        .order_by("-applied_at", "-pk")
        .first()
    )
    kinds = set(target_scheme.unit_kinds or [])
    units = OrgUnit.objects.filter(
        path__startswith=root.path, kind__in=list(kinds), closed_date__isnull=True
    ).count()
    return Tasks(
        year=year,
        scheme_name=_named(target_scheme.name, target_scheme.name_en, lang),
        from_contracts=bool(contracts),
        signed=sum(1 for c in contracts if c.status == ContractStatus.SIGNED),
        drafted=sum(1 for c in contracts if c.status == ContractStatus.DRAFT),
        units=units,
        targets=targets,
        plan_cap=plan.cap_births if plan else None,
        plan_rate=plan.rate_per_mille if plan else None,
    )
