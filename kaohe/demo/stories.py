"""The demo's stories told from the stored results: what each story village, direct unit and
department did, and the total, grade, rank and vetoes the assessment gave it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, UnitResult
from kaohe.schemes.models import GradeBand, Veto

from .figures_2026 import SCHEME_2026
from .generator import SCHEME_CODE
from .services import DemoSummary
from .units import DEPARTMENTS_SCHEME, DIRECT_UNITS_SCHEME


@dataclass(frozen=True)
class _Shown:
    rank: int
    count: int
    total: str
    grade_zh: str
    grade_en: str
    vetoes_zh: str
    vetoes_en: str


def _results(runs: Mapping[int, AssessmentRun]) -> dict[int, dict[str, _Shown]]:
    shown: dict[int, dict[str, _Shown]] = {}
    for year, run in runs.items():
        grades = {
            g.code: (g.name, g.name_en or g.code)
            for g in GradeBand.objects.filter(scheme=run.scheme)
        }
        vetoes = {
            v.code: (v.name, v.name_en or v.code) for v in Veto.objects.filter(scheme=run.scheme)
        }
        rows = list(UnitResult.objects.filter(run=run).select_related("unit"))
        shown[year] = {}
        for r in rows:
            grade_zh, grade_en = grades.get(r.grade, (r.grade_name or "—", r.grade or "—"))
            shown[year][r.unit.code] = _Shown(
                rank=r.rank,
                count=len(rows),
                total=f"{r.total:.2f}",
                grade_zh=grade_zh,
                grade_en=grade_en,
                vetoes_zh="、".join(vetoes.get(c, (c, c))[0] for c in r.vetoes),
                vetoes_en=", ".join(vetoes.get(c, (c, c))[1] for c in r.vetoes),
            )
    return shown


def _outcome(shown: _Shown) -> str:
    if shown.vetoes_zh:
        text = _(
            "总分 {total}，{grade_zh}，第 {rank}/{count} 名，一票否决：{vetoes_zh} / total {total}, "
            "{grade_en}, rank {rank} of {count}, vetoed: {vetoes_en}"
        )
    else:
        text = _(
            "总分 {total}，{grade_zh}，第 {rank}/{count} 名 / total {total}, {grade_en}, rank "
            "{rank} of {count}"
        )
    return text.format(**vars(shown))


def story_lines(summary: DemoSummary, runs: Mapping[str, Mapping[int, AssessmentRun]]) -> list[str]:
    """The demo's stories with what the assessment made of them, read from the stored results.

    ``runs`` are the runs of each scheme by year (:func:`~kaohe.demo.services.do_assess_demo_schemes`).
    """
    s = summary.stories
    results = _results(runs.get(SCHEME_CODE, {}))
    lines = [_("演示情节 / the demo's stories")]
    year = s.over_plan_year
    if year in results:
        births = summary.reported_births(s.over_plan, year)
        quota = summary.quotas[year][s.over_plan]
        lines.append(
            _(
                "· {village}：{year} 年出生 {births} 人，计划 {quota} 人，超计划 {over} 人 / "
                "{year}: {births} births against a quota of {quota}"
            ).format(
                village=summary.label(s.over_plan),
                year=year,
                births=births,
                quota=quota,
                over=births - quota,
            )
        )
        lines.append(f"  {_outcome(results[year][s.over_plan])}")
    year = s.concealed_year
    if year in results:
        lines.append(
            _(
                "· {village}：{year} 年瞒报出生 1 人，镇抽查发现 / {year}: concealed a birth "
                "that the township's spot check found"
            ).format(village=summary.label(s.concealed), year=year)
        )
        lines.append(f"  {_outcome(results[year][s.concealed])}")
    year = s.under_reported_year
    if year in results:
        reported = summary.reported_births(s.under_reported, year)
        found = summary.true_births[year][s.under_reported]
        lines.append(
            _(
                "· {village}：{year} 年上报出生 {reported} 人，医院出生医学证明和镇抽查都是 "
                "{found} 人，漏报 {missed} 人（非瞒报），按 {found} 人计分 / {year}: reported "
                "{reported} births, the hospital and the spot check found {found}: {missed} "
                "missed, not concealed; scored on {found}"
            ).format(
                village=summary.label(s.under_reported),
                year=year,
                reported=reported,
                found=found,
                missed=found - reported,
            )
        )
        lines.append(f"  {_outcome(results[year][s.under_reported])}")
        if s.inconsistent:
            missing = summary.true_births[year][s.inconsistent] - summary.reported_births(
                s.inconsistent, year
            )
            lines.append(
                _(
                    "· {village}：{year} 年有一个月出生人数少报 {missing} 人，男婴加女婴多于出生"
                    "人数（校验规则发现），医院出生医学证明显示少报，按更正后的数字计分 / "
                    "{year}: one month's births left {missing} out while its boys and girls did "
                    "not (a validation rule catches it); the hospital's figures show them and "
                    "the village is scored on the corrected births"
                ).format(village=summary.label(s.inconsistent), year=year, missing=missing)
            )
            lines.append(f"  {_outcome(results[year][s.inconsistent])}")
        if s.over_reported:
            lines.append(
                _(
                    "· {village}：{year} 年多报落实避孕措施人数，镇抽查核实数少 8%，奖励按多报"
                    "比例核减 / {year}: claimed more contraception users than the spot check "
                    "found; its reward is cut in proportion"
                ).format(village=summary.label(s.over_reported), year=year)
            )
            lines.append(f"  {_outcome(results[year][s.over_reported])}")
    for year in summary.years:
        if year not in results:
            continue
        lines.append(
            _(
                "· {year} 年薄弱村（避孕节育、措施落实、流动人口管理、晚婚晚育差）/ weak "
                "villages in {year} (poor contraception, measures, migrant management, late "
                "marriage)"
            ).format(year=year)
        )
        for code in s.weak[year]:
            lines.append(f"  {summary.label(code)}：{_outcome(results[year][code])}")
    lines.append(
        _(
            "· {village}：连续 {n} 年薄弱，应列为严管村 / weak {n} years running: a candidate "
            "for strict management (严管村)"
        ).format(village=summary.label(s.weak_both), n=len(summary.years_2006))
    )
    lines += _unit_story_lines(summary, runs)
    lines += _stories_2026_lines(summary, runs)
    return lines


def _stories_2026_lines(
    summary: DemoSummary, runs: Mapping[str, Mapping[int, AssessmentRun]]
) -> list[str]:
    """The 2026 stories: the late payer, the falsifier and the excellent village."""
    s = summary.stories_2026
    results = _results(runs.get(SCHEME_2026, {}))
    if s is None or s.year not in results:
        return []
    year = s.year
    told = [
        (
            s.late_payer,
            _(
                "· {village}：{year} 年育儿补贴应发 {due} 人次，当季足额发放 {paid} 人次，"
                "其余拖到下季 / {year}: {paid} of {due} childcare-subsidy payments made in full "
                "within the quarter, the rest late"
            ),
        ),
        (
            s.falsified,
            _(
                "· {village}：{year} 年报表看似优秀，镇核查发现统计数据弄虚作假 / {year}: reports "
                "that looked excellent, but the township's check found falsified statistics"
            ),
        ),
        (
            s.excellent,
            _(
                "· {village}：{year} 年各项服务全部到位，托位超过目标 / {year}: every service "
                "in place, childcare places above the target"
            ),
        ),
    ]
    lines = []
    for code, text in told:
        lines.append(
            text.format(village=summary.label(code), year=year, due=s.late_due, paid=s.late_paid)
        )
        lines.append(f"  {_outcome(results[year][code])}")
    return lines


def _unit_story_lines(
    summary: DemoSummary, runs: Mapping[str, Mapping[int, AssessmentRun]]
) -> list[str]:
    """The direct units' and departments' stories."""
    u = summary.unit_stories
    direct = _results(runs.get(DIRECT_UNITS_SCHEME, {}))
    departments = _results(runs.get(DEPARTMENTS_SCHEME, {}))
    told = [
        (
            direct,
            u.out_of_policy,
            u.out_of_policy_year,
            _(
                "· {unit}：{year} 年职工政策外生育 1 例 / {year}: a birth among its staff "
                "outside policy"
            ),
        ),
        (
            direct,
            u.late_reports,
            u.late_reports_year,
            _("· {unit}：{year} 年报表迟报 {n} 次 / {year}: {n} reports in late"),
        ),
        (
            departments,
            u.unchecked_licence,
            u.unchecked_licence_year,
            _(
                "· {unit}：{year} 年第四季度办照未查验婚育证明 1 户 / fourth quarter of {year}: "
                "a licence issued without checking the certificate"
            ),
        ),
        (
            departments,
            u.case_solved,
            u.case_solved_year,
            _(
                "· {unit}：{year} 年第三季度查处案件 1 起，加分 / third quarter of {year}: a "
                "case solved, a bonus"
            ),
        ),
    ]
    lines = []
    for results, code, year, text in told:
        if year not in results or code not in results[year]:
            continue
        lines.append(text.format(unit=summary.unit_label(code), year=year, n=u.late_report_count))
        lines.append(f"  {_outcome(results[year][code])}")
    return lines
