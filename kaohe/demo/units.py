"""The demo township's direct units (镇直单位) and cooperating departments (部门): their second
signatories and their aggregate figures for the 2006 library's direct-unit and department
schemes.

Drawn from a random generator of their own (seeded from the demo's seed), so that adding them
leaves every village figure as it was. Everything is aggregate: staff births, contraception
among staff, reports due and on time, births delivered, registrations shared, licences checked.
The only people named are officials.

A few stories are built in (see :class:`UnitStories`): a direct unit with a birth among its
staff outside policy (vetoed), one whose reports came in late, a business office that issued a
licence without checking the certificate, and a police station that solved a case (a bonus).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .names import person_name
from .records import DemoOfficial, DemoValue

# code, name, English name, staff, migrant married women employed (only the enterprise)
DIRECT_UNITS = (
    ("DU_OFFICES", "镇直机关", "Township government offices", 70, 0),
    ("DU_SCHOOLS", "教委（中心学校）", "Education committee (township schools)", 160, 0),
    ("DU_ENTERPRISES", "企业（镇纺织厂）", "Township textile mill", 240, 28),
    ("DU_HOSPITAL", "卫生院", "Township hospital (its staff)", 55, 0),
)
DEPARTMENTS = (
    ("DP_POLICE", "派出所", "Police station"),
    ("DP_COMMERCE", "工商所", "Industry and commerce office"),
    ("DP_HEALTH", "卫生院（妇产科）", "Township hospital, maternity ward"),
)
DIRECT_UNITS_SCHEME = "DIRECT_UNITS_2006"
DEPARTMENTS_SCHEME = "DEPARTMENTS_2006"

# Monthly and quarterly reports a direct unit owes the township's office in a year.
DIRECT_UNIT_REPORTS = 16
# Reports a department owes in a quarter: the hospital monthly, the others quarterly.
DEPARTMENT_REPORTS = {"DP_HEALTH": 3, "DP_POLICE": 1, "DP_COMMERCE": 1}
# Share of the township's births delivered at the maternity ward.
DELIVERED_SHARE = 0.8


@dataclass(frozen=True)
class UnitStories:
    """The direct units and departments the figures single out (unit codes).

    * ``out_of_policy``: a birth among its staff outside policy in ``out_of_policy_year``
      (veto STAFF_OUT_OF_POLICY);
    * ``late_reports``: ``late_report_count`` reports in late in ``late_reports_year``;
    * ``unchecked_licence``: issued a licence without checking the certificate in the fourth
      quarter of ``unchecked_licence_year`` (its completeness falls in that check);
    * ``case_solved``: solved a case in the third quarter of ``case_solved_year`` (a bonus).
    """

    out_of_policy: str
    out_of_policy_year: int
    late_reports: str
    late_reports_year: int
    late_report_count: int
    unchecked_licence: str
    unchecked_licence_year: int
    case_solved: str
    case_solved_year: int


@dataclass
class _Staff:
    """A direct unit's married women of childbearing age among its staff, month by month."""

    mwra: int


@dataclass(frozen=True)
class UnitFigures:
    officials: tuple[DemoOfficial, ...]
    values: tuple[DemoValue, ...]
    stories: UnitStories


def _stories(years: tuple[int, ...]) -> UnitStories:
    return UnitStories(
        out_of_policy="DU_ENTERPRISES",
        out_of_policy_year=years[-1],
        late_reports="DU_SCHOOLS",
        late_reports_year=years[0],
        late_report_count=3,
        unchecked_licence="DP_COMMERCE",
        unchecked_licence_year=years[-1],
        case_solved="DP_POLICE",
        case_solved_year=years[-1],
    )


def _shortfall(total: int, rate: float) -> int:
    return math.floor(total * (1 - rate) + 0.5)


def _second_signatories(fresh_name: Callable[[], str]) -> list[DemoOfficial]:
    """Each direct unit's family-planning officer and each department's liaison."""
    officials = [
        DemoOfficial(f"{code}-FP", fresh_name(), "fp_officer", code) for code, *_ in DIRECT_UNITS
    ]
    officials += [
        DemoOfficial(f"{code}-LIAISON", fresh_name(), "other", code) for code, *_ in DEPARTMENTS
    ]
    return officials


def _direct_unit_year(
    rng: np.random.Generator,
    unit: tuple[str, str, str, int, int],
    year: int,
    stories: UnitStories,
    staff_state: _Staff,
) -> list[DemoValue]:
    """One direct unit's monthly, quarterly and yearly figures and the township's register;
    moves ``staff_state`` on to the end of the year."""
    code, _name, _en, staff, migrants = unit
    out: list[DemoValue] = []
    births = int(min(4, rng.poisson(staff * 0.012)))
    outside = 0
    if code == stories.out_of_policy and year == stories.out_of_policy_year:
        births, outside = max(births, 1), 1
    monthly = rng.multinomial(births, [1 / 12] * 12)
    outside_month = int(rng.choice(np.flatnonzero(monthly))) if outside else -1
    contraception = float(rng.uniform(0.9, 0.98))
    checked = float(rng.uniform(0.9, 1.0))
    for month in range(12):
        period = f"{year}{month + 1:02d}"
        staff_state.mwra = max(5, staff_state.mwra + int(rng.integers(-1, 2)))
        women = staff_state.mwra
        figures = {
            "STAFF_BIRTHS": int(monthly[month]),
            "STAFF_BIRTHS_POLICY": int(monthly[month]) - (outside if month == outside_month else 0),
            "STAFF_MWRA": women,
            "STAFF_MWRA_CONTRACEPTING": women - _shortfall(women, contraception),
        }
        if migrants:
            employed = max(1, migrants + int(rng.integers(-2, 3)))
            figures["DU_MIGRANT_WOMEN"] = employed
            figures["DU_MIGRANT_CHECKED"] = employed - _shortfall(employed, checked)
        out.extend(DemoValue(e, period, code, v) for e, v in figures.items())
    missed = int(rng.random() < 0.2)
    skipped = set(rng.choice(4, size=missed, replace=False).tolist())
    for quarter in range(1, 5):
        held = 0 if quarter - 1 in skipped else 1
        out.append(DemoValue("DU_MEETINGS_HELD", f"{year}Q{quarter}", code, held))
    reward_due = int(rng.poisson(staff * 0.15))
    reward_paid = reward_due - int(reward_due > 0 and rng.random() < 0.2)
    late = int(rng.random() < 0.3)
    if code == stories.late_reports and year == stories.late_reports_year:
        late = stories.late_report_count
    yearly = {
        "DU_FP_STAFFED": 1,
        "STAFF_AGREEMENTS": staff_state.mwra - int(rng.random() < 0.3),
        "STAFF_REWARD_DUE": reward_due,
        "STAFF_REWARD_PAID": reward_paid,
        "DU_REPORTS_DUE": DIRECT_UNIT_REPORTS,
        "DU_REPORTS_ON_TIME": DIRECT_UNIT_REPORTS - late,
    }
    out.extend(DemoValue(e, str(year), code, v) for e, v in yearly.items())
    return out


def _department_year(
    rng: np.random.Generator,
    code: str,
    year: int,
    stories: UnitStories,
    township_births: Mapping[str, int],
) -> list[DemoValue]:
    """One department's own counts for a year and the township's quarterly register."""
    out: list[DemoValue] = []
    if code == "DP_HEALTH":
        for month in range(1, 13):
            period = f"{year}{month:02d}"
            delivered = int(rng.binomial(township_births.get(period, 0), DELIVERED_SHARE))
            surgeries = int(rng.poisson(12))
            unnotified = int(delivered > 0 and rng.random() < 0.1)
            out += [
                DemoValue("HOSP_BIRTHS_DELIVERED", period, code, delivered),
                DemoValue("HOSP_BIRTHS_NOTIFIED", period, code, delivered - unnotified),
                DemoValue("HOSP_SURGERIES", period, code, surgeries),
                DemoValue("HOSP_SURGERIES_NOTIFIED", period, code, surgeries),
            ]
    for quarter in range(1, 5):
        period = f"{year}Q{quarter}"
        if code == "DP_POLICE":
            registered = int(max(4, rng.poisson(14)))
            shared = registered - int(rng.random() < 0.25)
            out += [
                DemoValue("POLICE_MIGRANT_REGS", period, code, registered),
                DemoValue("POLICE_MIGRANT_SHARED", period, code, shared),
            ]
            if code == stories.case_solved and year == stories.case_solved_year and quarter == 3:
                out.append(DemoValue("DEPT_CASES_SOLVED", period, code, 1))
        if code == "DP_COMMERCE":
            licences = int(max(3, rng.poisson(6)))
            unchecked = int(
                code == stories.unchecked_licence
                and year == stories.unchecked_licence_year
                and quarter == 4
            )
            out += [
                DemoValue("COMMERCE_LICENCES", period, code, licences),
                DemoValue("COMMERCE_CERT_CHECKED", period, code, licences - unchecked),
            ]
        due = DEPARTMENT_REPORTS[code]
        late = int(rng.random() < 0.15)
        joined = int(rng.random() < 0.9)
        out += [
            DemoValue("DEPT_JOINT_ACTIONS", period, code, joined),
            DemoValue("DEPT_REPORTS_DUE", period, code, due),
            DemoValue("DEPT_REPORTS_ON_TIME", period, code, due - late),
        ]
    return out


def generate_units(
    seed: int,
    years: Sequence[int],
    township_births: Mapping[str, int],
    fresh_name: Callable[[np.random.Generator], str] | None = None,
) -> UnitFigures:
    """The direct units' and departments' second signatories and figures for ``years``.

    ``township_births`` are the villages' reported births by month (``"200601"`` → births): the
    maternity ward delivers most of them. ``fresh_name`` draws an official's name not yet used
    (by default any synthetic name).
    """
    years = tuple(years)
    rng = np.random.default_rng([seed, 1])
    stories = _stories(years)
    draw = fresh_name or person_name
    officials = _second_signatories(lambda: draw(rng))
    values: list[DemoValue] = []
    for unit in DIRECT_UNITS:
        staff_state = _Staff(mwra=round(unit[3] * float(rng.uniform(0.3, 0.4))))
        for year in years:
            values += _direct_unit_year(rng, unit, year, stories, staff_state)
    for code, _name, _en in DEPARTMENTS:
        for year in years:
            values += _department_year(rng, code, year, stories, township_births)
    return UnitFigures(tuple(officials), tuple(values), stories)
