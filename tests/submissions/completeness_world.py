"""A small township and its reports of 2025, for the completeness tests, counted by hand.

和平镇 (T9) has 东村 VA (open all year), 西村 VB (opened 15 July 2025), 南村 VC (closed 10 March
2025), 北村 VD (opened 2026: not in 2025's grid) and 卫生院 DU (a direct unit); 其他镇 (T8) has
外村 VZ. MONTHLY is reported by villages by the 3rd; QUARTERLY by townships, villages and direct units by
the 10th.

MONTHLY 2025, when each report first came in (local time; ✓ on time, ! late):
* VA: Jan on 3 Feb ✓ (the due day itself), Feb at 00:30 on 4 Mar ! (due 3 Mar), Mar none,
  Apr–Oct and Dec the day after the month ended ✓, Nov none. Expected 12, received 10, on time 9.
* VB: Jun (before it opened: not expected, not counted), Jul–Nov ✓, Dec on 5 Jan 2026 !.
  Expected 6, received 6, on time 5.
* VC: Jan ✓ then returned, Feb on 2 Mar ✓ then unlocked back to draft, Mar a draft never
  submitted, Apr (after it closed: not counted). Expected 3, received 2, on time 2.
* VZ (the other township): Jan ✓, never in T9's counts.
Together: expected 21, received 18 (85.7 %), on time 16 (76.2 %).

QUARTERLY 2025: T9, DU and VA 4 each, VB 2 (Q3, Q4), VC 1 (Q1): 15 expected; DU's Q1 came in on
10 Apr ✓, nothing else.

Scheme ONTIME scores villages: 报表及时率 (10 points; the on-time rate against 100 %, 0.2 points
off per point below) and 报表完整率 (5 points; the reporting rate must reach 100 %); a unit whose
on-time rate (the indicator ONTIME_RATE) is below 50 % is vetoed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils import timezone

from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.models import Period
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.models import Status, Submission

CONSOLE = Actor.cli("pytest")
YEAR = 2025

BUNDLE = """
kaohe_bundle: 1
units:
  - {code: C9, name: 完整县, kind: county}
  - {code: T9, name: 和平镇, kind: township, parent: C9}
  - {code: T8, name: 其他镇, kind: township, parent: C9}
  - {code: VA, name: 东村, kind: village, parent: T9}
  - {code: VB, name: 西村, kind: village, parent: T9, opening_date: "2025-07-15"}
  - {code: VC, name: 南村, kind: village, parent: T9, closed_date: "2025-03-10"}
  - {code: VD, name: 北村, kind: village, parent: T9, opening_date: "2026-02-01"}
  - {code: DU, name: 卫生院, kind: direct_unit, parent: T9}
  - {code: VZ, name: 外村, kind: village, parent: T8}
elements:
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
datasets:
  - {code: MONTHLY, name: 月报, period_type: Monthly, unit_kinds: [village], due_day: 3,
     elements: [BIRTHS]}
  - {code: QUARTERLY, name: 季报, period_type: Quarterly,
     unit_kinds: [township, village, direct_unit], due_day: 10, elements: [BIRTHS]}
indicators:
  - code: ONTIME_RATE
    name: 报表及时率
    name_en: On-time reporting rate
    numerator: "R{MONTHLY.ACTUAL_REPORTS_ON_TIME}"
    denominator: "R{MONTHLY.EXPECTED_REPORTS}"
    factor: 100
    decimals: 1
    unit: "%"
schemes:
  - code: ONTIME
    name: 报表考核
    name_en: Reporting
    unit_kinds: [village]
    total: 15
    year_from: 2020
    year_to: 2030
    items:
      - code: TIMELY
        name: 报表及时率
        name_en: On-time reporting
        weight: 10
        rule: linear
        params: {points: 0.2}
        actual: "R{MONTHLY.REPORTING_RATE_ON_TIME}"
        target: 100
        decimals: 1
        unit: "%"
      - code: COMPLETE
        name: 报表完整率
        name_en: Complete reporting
        weight: 5
        rule: threshold
        actual: "R{MONTHLY.REPORTING_RATE}"
        target: 100
        decimals: 1
        unit: "%"
    vetoes:
      - {code: LATE, name: 报表严重迟报, name_en: Reports gravely late,
         condition: "N{ONTIME_RATE} < 50"}
    grades:
      - {code: PASS, name: 合格, name_en: Pass, min_total: 0}
"""


def local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


# (data set, unit, period) → (first submitted, status); None: a row never submitted.
REPORTS: dict[tuple[str, str, str], tuple[datetime | None, str]] = {
    ("MONTHLY", "VA", "202501"): (local(date(2025, 2, 3), 18), Status.APPROVED),
    ("MONTHLY", "VA", "202502"): (local(date(2025, 3, 4), 0, 30), Status.APPROVED),
    **{
        ("MONTHLY", "VA", f"2025{m:02d}"): (
            local(date(2025, m + 1, 1) if m < 12 else date(2026, 1, 1)),
            Status.SUBMITTED,
        )
        for m in (4, 5, 6, 7, 8, 9, 10, 12)
    },
    ("MONTHLY", "VB", "202506"): (local(date(2025, 7, 1)), Status.SUBMITTED),
    **{
        ("MONTHLY", "VB", f"2025{m:02d}"): (local(date(2025, m + 1, 2)), Status.APPROVED)
        for m in (7, 8, 9, 10, 11)
    },
    ("MONTHLY", "VB", "202512"): (local(date(2026, 1, 5)), Status.SUBMITTED),
    ("MONTHLY", "VC", "202501"): (local(date(2025, 2, 1)), Status.RETURNED),
    ("MONTHLY", "VC", "202502"): (local(date(2025, 3, 2)), Status.DRAFT),
    ("MONTHLY", "VC", "202503"): (None, Status.DRAFT),
    ("MONTHLY", "VC", "202504"): (local(date(2025, 5, 1)), Status.SUBMITTED),
    ("MONTHLY", "VZ", "202501"): (local(date(2025, 2, 1)), Status.SUBMITTED),
    ("QUARTERLY", "DU", "2025Q1"): (local(date(2025, 4, 10), 23, 59), Status.SUBMITTED),
}


@dataclass(frozen=True)
class Township:
    units: dict[str, OrgUnit]
    datasets: dict[str, DataSet]
    submissions: dict[tuple[str, str, str], Submission]


def build(tmp_path: Path) -> Township:
    """Load the bundle and lay the reports down as they stood (the rows as the submission
    services leave them; their dates are history, so they are written directly)."""
    path = tmp_path / "completeness.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    do_load_bundles([str(path)], CONSOLE)
    units = {u.code: u for u in OrgUnit.objects.all()}
    datasets = {d.code: d for d in DataSet.objects.all()}
    submissions = {}
    for (dataset, unit, period), (when, status) in REPORTS.items():
        submissions[(dataset, unit, period)] = Submission.objects.create(
            dataset=datasets[dataset],
            unit=units[unit],
            period=Period.objects.get_or_create_code(period),
            status=status,
            submitted_at=when,
            last_submitted_at=when,
            submitted_by="pytest" if when else "",
            unlocked_at=local(date(2025, 3, 5)) if unit == "VC" and period == "202502" else None,
        )
    return Township(units, datasets, submissions)
