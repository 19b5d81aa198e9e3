"""The whole rule library: the 2006 village, direct-unit and department schemes and the 2026
village scheme load (each folder, and both together), carry their contracts' signatories and
clauses and the years they are valid for, and score a small township as worked out by hand."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.assessments.models import AssessmentRun, UnitResult
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.services import Actor
from kaohe.bundles.loader import load_bundle_files
from kaohe.bundles.records import SchemeRecord
from kaohe.bundles.services import LoadReport, do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.engine.spec import RuleType
from kaohe.orgunits.models import OfficialRole
from kaohe.schemes.models import Indicator, Scheme
from kaohe.schemes.validity import ValidityError

from .conftest import LIBRARY, LIBRARY_FILES

LIBRARY_2026_FILES = sorted((LIBRARY.parent / "2026").glob("*.yaml"))
SCHEMES_2006 = {"VILLAGE_2006", "DIRECT_UNITS_2006", "DEPARTMENTS_2006"}
# A console actor: no user, so the data sets' lock days do not bind it.
CLERK = Actor.cli("test")


def load(*paths: Path | str) -> LoadReport:
    return do_load_bundles([str(p) for p in paths], CLERK)


def schemes_of(paths: list[Path]) -> dict[str, SchemeRecord]:
    return {s.code: s for s in load_bundle_files(paths).schemes}


# --- the bundles without a database --------------------------------------------------------


def test_the_2006_folder_holds_three_schemes_for_the_three_kinds_of_unit() -> None:
    schemes = schemes_of(LIBRARY_FILES)

    assert {code: s.fields["unit_kinds"] for code, s in schemes.items()} == {
        "VILLAGE_2006": ["village"],
        "DIRECT_UNITS_2006": ["direct_unit"],
        "DEPARTMENTS_2006": ["department"],
    }


@pytest.mark.parametrize(
    "prefix", ["direct_units", "departments"], ids=["direct units", "departments"]
)
def test_each_new_scheme_loads_with_its_own_elements_file_alone(prefix: str) -> None:
    paths = sorted(LIBRARY.glob(f"{prefix}_*.yaml"))

    bundle = load_bundle_files(paths)

    assert len(paths) == 2 and len(bundle.schemes) == 1


def test_the_direct_unit_scheme_scores_two_tracks_each_adding_up_to_its_total() -> None:
    scheme = schemes_of(LIBRARY_FILES)["DIRECT_UNITS_2006"]
    tracks = scheme.fields["tracks"]
    items = scheme.items

    assert [(t["code"], t["name"], t["weight"], t["total"]) for t in tracks] == [
        ("LEAD", "领导班子线", 60, 100),
        ("BASE", "基础工作线", 40, 100),
    ]
    for track in tracks:
        weights = [i["weight"] for i in items if i["track"] == track["code"]]
        assert math.fsum(weights) == track["total"], track["code"]
    assert {i["track"] for i in items} == {"LEAD", "BASE"}
    assert math.fsum(t["weight"] for t in tracks) == scheme.fields["total"] == 100
    assert [(v.code, v.condition) for v in scheme.spec.vetoes] == [
        ("STAFF_OUT_OF_POLICY", "#{STAFF_BIRTHS} > #{STAFF_BIRTHS_POLICY}")
    ]


def test_the_department_scheme_is_checked_three_times_combined_4_3_3() -> None:
    scheme = schemes_of(LIBRARY_FILES)["DEPARTMENTS_2006"]
    parts = scheme.fields["period_parts"]
    scored = [i for i in scheme.spec.items if i.rule_type is not RuleType.BONUS]

    assert [(p["code"], p["period_type"], p["index"], p["weight"]) for p in parts] == [
        ("H1", "SixMonthly", 1, 40),
        ("Q3", "Quarterly", 3, 30),
        ("Q4", "Quarterly", 4, 30),
    ]
    assert math.fsum(i.weight for i in scored) == scheme.fields["total"] == 100
    assert [v.code for v in scheme.spec.vetoes] == ["DEPT_CONCEALED"]


@pytest.mark.parametrize(
    ("code", "roles", "first"),
    [
        ("VILLAGE_2006", ["party_secretary", "director", "fp_officer", "stationed_cadre"], 2),
        ("DIRECT_UNITS_2006", ["department_head", "fp_officer"], 1),
        ("DEPARTMENTS_2006", ["department_head", "other"], 1),
        ("VILLAGE_2026", ["party_secretary", "director", "fp_officer", "stationed_cadre"], 2),
    ],
)
def test_every_scheme_names_its_signatories_first_responsible_first(
    code: str, roles: list[str], first: int
) -> None:
    scheme = schemes_of([*LIBRARY_FILES, *LIBRARY_2026_FILES])[code]
    signatories = scheme.fields["signatory_roles"]

    assert [r["role"] for r in signatories] == roles
    assert all(r["role"] in OfficialRole.values and r["name"] for r in signatories)
    assert [r["first"] for r in signatories] == [True] * first + [False] * (len(roles) - first)
    terms = scheme.fields["terms"]
    assert len(terms) >= 4 and all(isinstance(t, str) and len(t) > 10 for t in terms)
    assert any("一票否决" in t for t in terms), "the contract says what a veto costs"


def test_the_village_scheme_names_its_plan_item_and_its_terms_carry_the_rewards() -> None:
    village = schemes_of(LIBRARY_FILES)["VILLAGE_2006"]

    assert village.fields["plan_item"] == "BIRTHS_VS_PLAN"
    assert "BIRTHS_VS_PLAN" in {i["code"] for i in village.items}
    terms = "\n".join(village.fields["terms"])
    for clause in ("一等奖", "同奖同罚", "风险抵押金", "薄弱村", "核减"):
        assert clause in terms


def test_the_2006_schemes_end_with_the_2021_policy_change_and_say_why() -> None:
    for code, scheme in schemes_of(LIBRARY_FILES).items():
        assert scheme.fields["year_to"] == 2021, code
        assert "2021" in scheme.fields["validity_note"], code
    indicators = {i.code: i.fields for i in load_bundle_files(LIBRARY_FILES).indicators}
    ending = {code for code, f in indicators.items() if f["valid_to"] is not None}
    assert ending == {
        "PLANNED_RATE", "CONTRACEPTIVE_RATE", "MEASURES_RATE", "LATE_MARRIAGE_RATE",
        "LATE_BIRTH_RATE", "STAFF_CONTRACEPTIVE_RATE", "STAFF_AGREEMENT_RATE",
    }  # fmt: skip
    for code in ending:
        assert indicators[code]["valid_to"] == 2021
        assert "2021" in indicators[code]["validity_note"], code
    assert all(not indicators[c].get("validity_note") for c in indicators if c not in ending)


def test_the_2026_scheme_starts_in_2026_and_the_subsidy_rates_in_2025() -> None:
    (scheme,) = load_bundle_files(LIBRARY_2026_FILES).schemes
    indicators = {i.code: i.fields for i in load_bundle_files(LIBRARY_2026_FILES).indicators}

    assert (scheme.fields["year_from"], scheme.fields["year_to"]) == (2026, None)
    assert scheme.fields["validity_note"]
    for code in ("SUBSIDY_ACCEPT_RATE", "SUBSIDY_PAID_RATE"):
        assert indicators[code]["valid_from"] == 2025
        assert "2025" in indicators[code]["validity_note"]


@pytest.mark.parametrize("name", ["direct_units_scheme.yaml", "departments_scheme.yaml"])
def test_every_item_of_the_new_schemes_cites_the_kind_of_rule_it_comes_from(name: str) -> None:
    lines = (LIBRARY / name).read_text(encoding="utf-8").splitlines()
    items = [n for n, line in enumerate(lines) if re.match(r"^      - code: ", line)]

    assert items
    for n in items:
        # The comment sits above the entry, or above its section's heading (``vetoes:``).
        above = [line.strip() for line in reversed(lines[:n]) if line.strip()]
        cited = above[1] if above[0] in ("items:", "vetoes:") else above[0]
        assert cited.startswith("#"), f"{name}: {lines[n].strip()} has no comment"
    text = "\n".join(lines)
    assert text.count("常见做法") >= len(items) - 1


# --- loading --------------------------------------------------------------------------------

SETS = {
    "2006": (LIBRARY_FILES, SCHEMES_2006),
    "2026": (LIBRARY_2026_FILES, {"VILLAGE_2026"}),
    "both": ([*LIBRARY_FILES, *LIBRARY_2026_FILES], {*SCHEMES_2006, "VILLAGE_2026"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("which", list(SETS))
def test_the_libraries_load_into_a_fresh_database(which: str) -> None:
    paths, codes = SETS[which]

    report = load(*paths)

    assert report.sections["schemes"].created == len(codes)
    assert set(Scheme.objects.values_list("code", flat=True)) == codes
    for scheme in Scheme.objects.all():
        assert scheme.signatory_roles and scheme.terms and scheme.validity_note, scheme.code
    if "DIRECT_UNITS_2006" in codes:
        direct = Scheme.objects.get(code="DIRECT_UNITS_2006")
        assert [t["code"] for t in direct.tracks] == ["LEAD", "BASE"]
        assert set(direct.items.values_list("track", flat=True)) == {"LEAD", "BASE"}
        departments = Scheme.objects.get(code="DEPARTMENTS_2006")
        assert [p["weight"] for p in departments.period_parts] == [40, 30, 30]
        assert Scheme.objects.get(code="VILLAGE_2006").plan_item == "BIRTHS_VS_PLAN"
        assert Indicator.objects.get(code="PLANNED_RATE").validity_note


# --- assessing a small township with the 2006 schemes ---------------------------------------

TOWNSHIP = """\
kaohe_bundle: 1
units:
  - {code: T06, name: 小河镇, name_en: Xiaohe, kind: township}
  - {code: V1, name: 东村, kind: village, parent: T06, sort_order: 1}
  - {code: V2, name: 西村, kind: village, parent: T06, sort_order: 2}
  - {code: DU_A, name: 镇直机关, kind: direct_unit, parent: T06, sort_order: 11}
  - {code: DU_B, name: 镇办企业, kind: direct_unit, parent: T06, sort_order: 12}
  - {code: DP_H, name: 卫生院（妇产科）, kind: department, parent: T06, sort_order: 21}
  - {code: DP_P, name: 派出所, kind: department, parent: T06, sort_order: 22}
targets:
  - scheme: VILLAGE_2006
    item: BIRTHS_VS_PLAN
    year: 2006
    values: {V1: 22, V2: 18}
"""

# Village 1, by hand: births 20 within 85–100 % of 22 → 15; birth rate 20 / ((2000 + 2020)/2)
# × 1000 = 9.95‰ ≤ 12 → 10; planned 19/20 = 95 % → 15; contraception 261/300 = 87 % → 8;
# measures 38/40 = 95 % → 8; not spot-checked: nothing missed → 10; migrants 39/40 = 97.5 % → 4,
# 38/40 = 95 % → 4, 37/40 = 92.5 % → 0; late marriage 10/20 = 50 % → 5; late births 6/12 = 50 %
# ≥ 45 → 5; rewards 30/30 → 5; satisfaction 49/50 = 98 % → 5, bonus 3 × 0.5 = 1.5; meetings 4
# → 2. Total 96 + 1.5 = 97.50 → 一等奖.
VILLAGE = [
    ("POPULATION", "200512", 2000), ("POPULATION", "200612", 2020),
    ("BIRTHS", "200606", 20), ("BIRTHS_POLICY", "200606", 19),
    ("BIRTHS_BOYS", "200606", 10), ("BIRTHS_GIRLS", "200606", 10),
    ("BIRTHS_FIRST", "200606", 12), ("BIRTHS_FIRST_LATE", "200606", 6),
    ("MARRIAGES_FIRST", "200606", 20), ("MARRIAGES_LATE", "200606", 10),
    ("MWRA", "200612", 300), ("MWRA_CONTRACEPTING", "200612", 261),
    ("MEASURES_DUE", "200606", 40), ("MEASURES_DONE", "200606", 38),
    ("MIGRANT_WOMEN", "200612", 40), ("MIGRANT_CERT", "200612", 39),
    ("MIGRANT_FILED", "200612", 38), ("MIGRANT_VERIFIED", "200612", 37),
    ("REWARD_DUE", "200606", 30), ("REWARD_PAID", "200606", 30),
    ("SURVEY_RESPONDENTS", "2006", 50), ("SURVEY_SATISFIED", "2006", 49),
    *[("MEETINGS_HELD", f"2006Q{q}", 1) for q in range(1, 5)],
]  # fmt: skip

# Direct unit A, by hand. Leadership line: meetings 3 of 4 → 30 − 10 = 20; officer → 20; no
# birth outside policy → 30; agreements 39/40 = 97.5 %, 2.5 short × 2 → 15: 85. Groundwork
# line: contraception 35/40 = 87.5 %, 2.5 short of 90 × 2 → 20; one report late → 25 − 5 =
# 20; nothing missed → 20; employs no migrants → full 20; rewards all paid → 10: 90.
# Total 85 × 60 % + 90 × 40 % = 51 + 36 = 87.00 → 良好.
DIRECT_A = [
    ("STAFF_BIRTHS", "200603", 1), ("STAFF_BIRTHS_POLICY", "200603", 1),
    ("STAFF_BIRTHS", "200609", 1), ("STAFF_BIRTHS_POLICY", "200609", 1),
    ("STAFF_MWRA", "200612", 40), ("STAFF_MWRA_CONTRACEPTING", "200612", 35),
    ("DU_MEETINGS_HELD", "2006Q1", 1), ("DU_MEETINGS_HELD", "2006Q2", 1),
    ("DU_MEETINGS_HELD", "2006Q3", 0), ("DU_MEETINGS_HELD", "2006Q4", 1),
    ("DU_FP_STAFFED", "2006", 1), ("STAFF_AGREEMENTS", "2006", 39),
    ("STAFF_REWARD_DUE", "2006", 10), ("STAFF_REWARD_PAID", "2006", 10),
    ("DU_REPORTS_DUE", "2006", 16), ("DU_REPORTS_ON_TIME", "2006", 15),
]  # fmt: skip
# Direct unit B: a birth outside policy (0 of 30, and the veto); contraception 76/80 = 95 % →
# 25; meetings 4 → 30; agreements 80/80 → 20: leadership 70. Migrant workers 18/20 = 90 % < 95
# → 0; one staff birth missed → 20 − 10 = 10; reports all on time → 25; no reward due → 10:
# groundwork 70. Total 70.00, vetoed → 不达标, ranked last.
DIRECT_B = [
    ("STAFF_BIRTHS", "200605", 2), ("STAFF_BIRTHS_POLICY", "200605", 1),
    ("STAFF_MWRA", "200612", 80), ("STAFF_MWRA_CONTRACEPTING", "200612", 76),
    ("DU_MIGRANT_WOMEN", "200612", 20), ("DU_MIGRANT_CHECKED", "200612", 18),
    *[("DU_MEETINGS_HELD", f"2006Q{q}", 1) for q in range(1, 5)],
    ("DU_FP_STAFFED", "2006", 1), ("STAFF_AGREEMENTS", "2006", 80),
    ("STAFF_REWARD_DUE", "2006", 0), ("STAFF_REWARD_PAID", "2006", 0),
    ("DU_REPORTS_DUE", "2006", 16), ("DU_REPORTS_ON_TIME", "2006", 16),
    ("CHECK_STAFF_BIRTHS_MISSED", "2006", 1),
]  # fmt: skip

# The hospital, by hand. First half: reports 5 of 6 on time → 40 × 83.33 % = 33.33; shared
# (59 births + 30 surgeries) of (60 + 30) = 98.89 %, 1.11 short → 38.89; a joint action → 20:
# 92.22. Third quarter: 40 + 40 + no joint action 0 = 80. Fourth quarter: 100.
# Year 92.22 × 40 % + 80 × 30 % + 100 × 30 % = 36.888 + 24 + 30 = 90.89 → 先进部门.
HOSPITAL = [
    *[("HOSP_BIRTHS_DELIVERED", f"2006{m:02d}", 10) for m in range(1, 13)],
    *[("HOSP_BIRTHS_NOTIFIED", f"2006{m:02d}", 9 if m == 3 else 10) for m in range(1, 13)],
    *[("HOSP_SURGERIES", f"2006{m:02d}", 5) for m in range(1, 13)],
    *[("HOSP_SURGERIES_NOTIFIED", f"2006{m:02d}", 5) for m in range(1, 13)],
    *[("DEPT_REPORTS_DUE", f"2006Q{q}", 3) for q in range(1, 5)],
    *[("DEPT_REPORTS_ON_TIME", f"2006Q{q}", 2 if q == 2 else 3) for q in range(1, 5)],
    *[("DEPT_JOINT_ACTIONS", f"2006Q{q}", 0 if q in (2, 3) else 1) for q in range(1, 5)],
]  # fmt: skip
# The police station: first half 100 % on time → 40, 19/20 shared = 95 % → 35, joint → 20:
# 95. Third quarter: its report late → 0, 8/8 → 40, joint → 20, a case solved → +2: 62.
# Fourth quarter 100. Year 95 × 40 % + 62 × 30 % + 100 × 30 % = 38 + 18.6 + 30 = 86.60, but a
# concealment found in the fourth quarter vetoes it.
POLICE = [
    ("POLICE_MIGRANT_REGS", "2006Q1", 10), ("POLICE_MIGRANT_SHARED", "2006Q1", 10),
    ("POLICE_MIGRANT_REGS", "2006Q2", 10), ("POLICE_MIGRANT_SHARED", "2006Q2", 9),
    ("POLICE_MIGRANT_REGS", "2006Q3", 8), ("POLICE_MIGRANT_SHARED", "2006Q3", 8),
    ("POLICE_MIGRANT_REGS", "2006Q4", 12), ("POLICE_MIGRANT_SHARED", "2006Q4", 12),
    *[("DEPT_REPORTS_DUE", f"2006Q{q}", 1) for q in range(1, 5)],
    *[("DEPT_REPORTS_ON_TIME", f"2006Q{q}", 0 if q == 3 else 1) for q in range(1, 5)],
    *[("DEPT_JOINT_ACTIONS", f"2006Q{q}", 1) for q in range(1, 5)],
    ("DEPT_CASES_SOLVED", "2006Q3", 1),
    ("CHECK_DEPT_CONCEALED", "2006Q4", 1),
]  # fmt: skip


def enter(unit: str, values: list[tuple[str, str, int]]) -> None:
    for element, period, value in values:
        do_set_value(
            actor=CLERK, element_code=element, period_code=period, unit_code=unit, value=value
        )


@pytest.fixture
def township(tmp_path: Path) -> None:
    bundle = tmp_path / "township.yaml"
    bundle.write_text(TOWNSHIP, encoding="utf-8")
    load(bundle, *LIBRARY_FILES)
    enter("V1", VILLAGE)
    enter("V2", VILLAGE)
    enter("DU_A", DIRECT_A)
    enter("DU_B", DIRECT_B)
    enter("DP_H", HOSPITAL)
    enter("DP_P", POLICE)


def assess(code: str, year: int = 2006, **options: str) -> dict[str, UnitResult]:
    run = do_run_assessment(Scheme.objects.get(code=code), year, actor=CLERK, **options)
    return {r.unit.code: r for r in UnitResult.objects.filter(run=run).select_related("unit")}


@pytest.mark.django_db
@pytest.mark.usefixtures("township")
def test_the_village_scheme_scores_the_villages_and_vetoes_the_one_over_its_quota() -> None:
    results = assess("VILLAGE_2006")

    assert set(results) == {"V1", "V2"}
    v1, v2 = results["V1"], results["V2"]
    assert (v1.total, v1.grade, v1.vetoed, v1.rank) == (Decimal("97.50"), "FIRST", False, 1)
    assert {i.item_code: i.score for i in v1.items.all() if i.score != i.weight} == {
        "MIGRANT_VERIFY": Decimal("0.00"),
        "SATISFACTION_BONUS": Decimal("1.50"),
    }
    # The same figures against a quota of 18: births over the plan.
    assert (v2.total, v2.grade, v2.vetoes, v2.rank) == (Decimal("82.50"), "FAIL", ["OVER_PLAN"], 2)


@pytest.mark.django_db
@pytest.mark.usefixtures("township")
def test_the_direct_unit_scheme_combines_its_two_tracks_6_to_4() -> None:
    results = assess("DIRECT_UNITS_2006")

    assert set(results) == {"DU_A", "DU_B"}
    a, b = results["DU_A"], results["DU_B"]
    assert a.parts["tracks"] == {"LEAD": 85.0, "BASE": 90.0}
    assert (a.total, a.grade, a.vetoed, a.rank) == (Decimal("87.00"), "GOOD", False, 1)
    scores = {i.item_code: i.score for i in a.items.all()}
    assert (scores["DU_MEETINGS"], scores["DU_AGREEMENTS"]) == (Decimal("20.00"), Decimal("15.00"))
    assert (scores["DU_CONTRACEPTION"], scores["DU_REPORTS"]) == (
        Decimal("20.00"),
        Decimal("20.00"),
    )
    assert scores["DU_MIGRANT"] == Decimal("20.00"), "no migrant workers: nothing to check"
    assert b.parts["tracks"] == {"LEAD": 70.0, "BASE": 70.0}
    assert (b.total, b.grade, b.vetoes, b.rank) == (
        Decimal("70.00"),
        "FAIL",
        ["STAFF_OUT_OF_POLICY"],
        2,
    )
    assert b.items.get(item_code="DU_MIGRANT").score == Decimal("0.00")


@pytest.mark.django_db
@pytest.mark.usefixtures("township")
def test_the_department_scheme_combines_its_three_checks_4_3_3() -> None:
    results = assess("DEPARTMENTS_2006")

    assert set(results) == {"DP_H", "DP_P"}
    hospital, police = results["DP_H"], results["DP_P"]
    assert hospital.parts["periods"] == {"H1": 92.22, "Q3": 80.0, "Q4": 100.0}
    assert (hospital.total, hospital.grade, hospital.vetoed, hospital.rank) == (
        Decimal("90.89"),
        "ADVANCED",
        False,
        1,
    )
    first_half = {i.item_code: i.score for i in hospital.items.filter(part="H1")}
    assert first_half["DEPT_ON_TIME"] == Decimal("33.33")
    assert first_half["DEPT_COMPLETE"] == Decimal("38.89")
    assert police.parts["periods"] == {"H1": 95.0, "Q3": 62.0, "Q4": 100.0}
    assert police.items.get(part="Q3", item_code="DEPT_CASES_BONUS").score == Decimal("2.00")
    assert (police.total, police.vetoed, police.vetoes, police.grade, police.rank) == (
        Decimal("86.60"),
        True,
        ["DEPT_CONCEALED"],
        "FAIL",
        2,
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("township")
def test_scoring_births_against_a_quota_after_2021_needs_a_reason_and_warns() -> None:
    scheme = Scheme.objects.get(code="VILLAGE_2006")

    with pytest.raises(ValidityError) as refused:
        do_run_assessment(scheme, 2022, actor=CLERK)

    assert "2021" in str(refused.value) and "PLANNED_RATE" in str(refused.value)
    assert not AssessmentRun.objects.exists()
    run = do_run_assessment(scheme, 2022, actor=CLERK, override_validity="回溯核对历史结果")
    notes = "\n".join(run.warnings)
    assert "VILLAGE_2006" in notes and "不再实行生育数量控制" in notes
    assert "CONTRACEPTIVE_RATE" in notes and "知情选择" in notes


@pytest.mark.django_db
def test_the_2026_scheme_warns_before_the_subsidy_existed() -> None:
    load(*LIBRARY_2026_FILES)
    scheme = Scheme.objects.get(code="VILLAGE_2026")

    with pytest.raises(ValidityError) as refused:
        do_run_assessment(scheme, 2024, actor=CLERK)

    assert "SUBSIDY_PAID_RATE" in str(refused.value)
    assert "育儿补贴制度2025年起实施" in str(refused.value)
