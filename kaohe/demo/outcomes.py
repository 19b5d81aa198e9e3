"""The demo's outcomes, through the same services a township uses: publication, weak units and
their plans, rewards and penalties paid out, and appeals.

Each assessed run is published (the demo's figures were imported, not submitted and approved,
so publication records that exception). The village scheme's years then go through the rest:

* weak and strict villages are designated year by year, each gets a remediation plan with the
  five fixes, the first year's plans get a progress entry and their acceptance check (lifted,
  or escalated for a village weak again);
* money is computed for every published run, approved, and paid; one paid entry of the last
  year is reversed (a verification found the village had misreported);
* in the last year one village's appeal is rejected, and another's is accepted: its missing
  quarterly meeting is entered through the normal audited path, the year is assessed again and
  published in place of the appealed run, which resolves the appeal; designations and money
  follow the corrected run.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from kaohe.appeals.services import do_accept_appeal, do_file_appeal, do_reject_appeal
from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.assessments.publishing import do_publish_run, unapproved_inputs
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue
from kaohe.datavalues.services import do_set_value
from kaohe.engine.periods import PeriodType, make_period
from kaohe.orgunits.models import Official, OfficialRole, OrgUnit
from kaohe.remediation.models import Designation
from kaohe.remediation.plans import do_accept_check, do_add_progress, do_create_plan
from kaohe.remediation.services import do_designate
from kaohe.rewards.computing import do_compute_money
from kaohe.rewards.models import LedgerEntry
from kaohe.rewards.services import do_approve_run, do_pay, do_reverse

# Data, kept in both languages: stored as reasons, not translated.
EXCEPTION = (
    "示范镇：演示数据由导入生成，未经逐级报送审核 / the demo: its figures were imported, not "
    "submitted and approved"
)
# The village whose appeal is accepted (a quarterly meeting held but not entered), the one
# whose appeal is rejected, and the item both appeal.
ACCEPTED_VILLAGE = "V17"
REJECTED_VILLAGE = "V04"
APPEALED_ITEM = "MEETINGS"
MEETINGS_ELEMENT = "MEETINGS_HELD"


@dataclass
class DemoOutcomes:
    """What the demo's outcome step did."""

    published: list[int] = field(default_factory=list)
    designated: dict[int, dict[str, str]] = field(default_factory=dict)
    plans: int = 0
    entries: int = 0
    paid: int = 0
    reversed: list[int] = field(default_factory=list)
    appeal_accepted: int | None = None
    appeal_rejected: int | None = None
    corrected_run: int | None = None


def _publish(run: AssessmentRun, actor: Actor, replaces: AssessmentRun | None = None) -> None:
    unapproved = bool(unapproved_inputs(run))
    do_publish_run(
        run,
        actor,
        confirm_unapproved=unapproved,
        exception_reason=EXCEPTION if unapproved else "",
        replaces=replaces,
    )


def _officials(unit: OrgUnit) -> dict[str, list[Official]]:
    found: dict[str, list[Official]] = {}
    for official in Official.objects.filter(unit=unit, active=True).order_by("pk"):
        found.setdefault(official.role, []).append(official)
    return found


def _plan(designation: Designation, actor: Actor) -> None:
    officials = _officials(designation.unit)
    leader = (officials.get(OfficialRole.PARTY_SECRETARY) or [None])[0]
    staff = [
        *officials.get(OfficialRole.STATIONED_CADRE, []),
        *officials.get(OfficialRole.FP_OFFICER, []),
    ]
    strict = designation.status == "strict"
    do_create_plan(
        designation,
        leader=leader,
        staff=staff,
        responsibilities=(
            "包村干部驻村指导，计生专干逐户核实育龄妇女台账，村支书每月召开一次专题会议"
            + ("；镇党委每季度听取一次汇报" if strict else "")
        ),
        deadline=datetime.date(designation.year + 1, 12, 31),
        rewards_penalties=(
            "按期转化的，帮扶人员与村干部同奖；未按期转化的，同罚并取消年度评先资格"
        ),
        shares_outcome=True,
        actor=actor,
    )


def _designate_and_plan(run: AssessmentRun, actor: Actor, outcomes: DemoOutcomes) -> None:
    do_designate(run, actor)
    rows = Designation.objects.filter(
        scheme_code=run.scheme.code, year=run.year, revoked_at__isnull=True
    ).select_related("unit")
    outcomes.designated[run.year] = {d.unit.code: d.status for d in rows}
    for designation in rows:
        if not hasattr(designation, "plan"):
            _plan(designation, actor)
            outcomes.plans += 1


def _check_last_years_plans(year: int, actor: Actor, weak_now: Mapping[str, str]) -> None:
    """Progress on the plans of ``year - 1`` and their acceptance check at the year's end:
    lifted, or escalated when the village is weak again."""
    for designation in Designation.objects.filter(
        year=year - 1, plan__isnull=False, revoked_at__isnull=True
    ).select_related("unit", "plan"):
        plan = designation.plan
        do_add_progress(
            plan,
            date=datetime.date(year, 6, 30),
            text="半年督查：已落实专题会议和入户核查，育龄妇女台账已更新",
            actor=actor,
        )
        again = designation.unit.code in weak_now
        do_accept_check(
            plan,
            date=datetime.date(year, 12, 31),
            outcome="escalated" if again else "lifted",
            findings=("年度考核仍为薄弱，转为严管" if again else "年度考核达到合格以上，予以解除"),
            actor=actor,
        )


def _money(run: AssessmentRun, actor: Actor, outcomes: DemoOutcomes) -> list[LedgerEntry]:
    computed = do_compute_money(run, actor)
    outcomes.entries += len(computed.created)
    approved = do_approve_run(run, actor)
    # Paid once published: the demo publishes today.
    paid_on = timezone.localdate()
    paid = []
    for entry in approved:
        if entry.amount == 0:
            continue  # nothing moves
        do_pay(entry, paid_on, f"{run.year}-{entry.pk:05d}", actor)
        paid.append(entry)
    outcomes.paid += len(paid)
    return paid


def _missing_quarter(unit: OrgUnit, year: int) -> str:
    """The first quarter of ``year`` in which the unit entered no meeting."""
    held = dict(
        DataValue.objects.filter(
            unit=unit, element__code=MEETINGS_ELEMENT, period__code__startswith=str(year)
        ).values_list("period__code", "value")
    )
    for quarter in range(1, 5):
        code = make_period(PeriodType.QUARTERLY, year, quarter).code
        if not held.get(code):
            return code
    return make_period(PeriodType.QUARTERLY, year, 4).code


def _appeals(run: AssessmentRun, actor: Actor, outcomes: DemoOutcomes) -> AssessmentRun | None:
    """One appeal rejected, one accepted and corrected; the corrected run, published."""
    rejected = do_file_appeal(
        actor,
        run,
        OrgUnit.objects.get(code=REJECTED_VILLAGE),
        APPEALED_ITEM,
        "第四季度召开了专题会议，只是没有会议记录 / a fourth-quarter meeting was held but "
        "not minuted",
    )
    do_reject_appeal(
        actor,
        rejected.pk,
        "无会议记录和签到表，不予认定 / no minutes or attendance sheet: not accepted",
    )
    outcomes.appeal_rejected = rejected.pk
    unit = OrgUnit.objects.get(code=ACCEPTED_VILLAGE)
    accepted = do_file_appeal(
        actor,
        run,
        unit,
        APPEALED_ITEM,
        "该季度专题会议已召开，有会议记录和签到表，报表漏填 / the quarter's meeting was held "
        "and minuted; the report left it out",
    )
    do_accept_appeal(
        actor,
        accepted.pk,
        "经核对会议记录属实，按程序更正报表并重新发布结果 / the minutes confirm it: the report is "
        "corrected and the results published again",
    )
    outcomes.appeal_accepted = accepted.pk
    do_set_value(
        actor=actor,
        element_code=MEETINGS_ELEMENT,
        period_code=_missing_quarter(unit, run.year),
        unit_code=unit.code,
        value=1,
        comment="申诉核实后更正 / corrected after the appeal was upheld",
    )
    # The correction's live recomputation made a draft beside the published run; publish it
    # (or assess again where recomputation is off).
    corrected = (
        AssessmentRun.objects.filter(
            scheme=run.scheme, year=run.year, root=run.root, status=RunStatus.DRAFT
        )
        .order_by("-pk")
        .first()
    ) or do_run_assessment(run.scheme, run.year, actor=actor, root=run.root)
    _publish(corrected, actor, replaces=run)
    outcomes.corrected_run = corrected.pk
    return corrected


def do_demo_outcomes(
    actor: Actor, runs: Mapping[str, Mapping[int, AssessmentRun]], village_scheme: str
) -> DemoOutcomes:
    """Publish every run; take the village scheme's years through designation, plans, money
    and appeals (see the module's description)."""
    outcomes = DemoOutcomes()
    for by_year in runs.values():
        for year in sorted(by_year):
            _publish(by_year[year], actor)
            outcomes.published.append(by_year[year].pk)
    villages = runs.get(village_scheme, {})
    years: Sequence[int] = sorted(villages)
    for year in years:
        run = villages[year]
        _designate_and_plan(run, actor, outcomes)
        if year != years[0]:
            _check_last_years_plans(year, actor, outcomes.designated[year])
        _money(run, actor, outcomes)
    for code, by_year in runs.items():
        if code == village_scheme:
            continue
        for year in sorted(by_year):
            if by_year[year].scheme.money_rules:
                _money(by_year[year], actor, outcomes)
    if years:
        corrected = _appeals(villages[years[-1]], actor, outcomes)
        if corrected is not None:
            _designate_and_plan(corrected, actor, outcomes)
            _money(corrected, actor, outcomes)
    current = outcomes.corrected_run or (villages[years[-1]].pk if years else None)
    entry = (
        LedgerEntry.objects.filter(
            run_id=current, status="paid", amount__gt=0, person__isnull=True, reverses__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if entry is not None:
        counter = do_reverse(
            entry,
            "核查发现该村多报流动人口验证数，收回该笔奖励 / a check found the village "
            "over-reported migrant verifications: the reward is recovered",
            actor,
        )
        outcomes.reversed.append(counter.pk)
    return outcomes
