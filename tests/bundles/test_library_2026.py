"""The 2026 rule library: it loads, loads again unchanged, sits beside the 2006 one, and
scores a small township as worked out by hand."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.assessments.models import UnitResult
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.services import Actor
from kaohe.bundles.loader import load_bundle_files
from kaohe.bundles.services import LoadReport, do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.spec import BonusRule, LinearRule, RatioRule, RuleType, ThresholdRule
from kaohe.schemes.models import Indicator, Scheme

from .conftest import LIBRARY_FILES as LIBRARY_2006_FILES
from .conftest import row_counts

LIBRARY_2026 = Path(__file__).resolve().parents[2] / "kaohe" / "library" / "2026"
# forecast.yaml (women and births by age, for the birth forecast) is tested in tests/forecasts.
LIBRARY_2026_FILES = sorted(p for p in LIBRARY_2026.glob("*.yaml") if p.name != "forecast.yaml")
SUBSIDY_INDICATORS = {"SUBSIDY_ACCEPT_RATE", "SUBSIDY_PAID_RATE"}

# A console actor: no user, so the data sets' lock days do not bind it.
CLERK = Actor.cli("test")


def load(*paths: Path | str) -> LoadReport:
    return do_load_bundles([str(p) for p in paths], Actor.cli("test"))


# --- the bundle without a database ---------------------------------------------------------


def test_2026_library_has_the_three_files_and_validates() -> None:
    assert [p.name for p in LIBRARY_2026_FILES] == [
        "elements.yaml",
        "indicators.yaml",
        "village_scheme.yaml",
    ]
    bundle = load_bundle_files(LIBRARY_2026_FILES)

    assert (len(bundle.elements), len(bundle.datasets), len(bundle.indicators)) == (21, 4, 11)
    assert [s.code for s in bundle.schemes] == ["VILLAGE_2026"]
    assert bundle.units == bundle.officials == bundle.targets == []


def test_2026_elements_are_counts_reported_by_villages_with_due_and_lock_days() -> None:
    bundle = load_bundle_files(LIBRARY_2026_FILES)
    elements = {e.code: e.fields for e in bundle.elements}
    datasets = {d.code: d for d in bundle.datasets}

    assert all(f["value_type"] == "integer" for f in elements.values())
    assert elements["CHECK_FALSIFIED"]["zero_is_significant"] is False
    assert {c for c, f in elements.items() if f["aggregation"] == "last"} == {
        "SPECIAL_FAMILIES", "SPECIAL_CONTACT", "SPECIAL_DOCTOR", "SPECIAL_PRIORITY",
        "POP_RESIDENT", "CHILDCARE_PLACES",
    }  # fmt: skip
    expected = {
        "VILLAGE_MONTHLY_2026": ("Monthly", 3, 30),
        "VILLAGE_QUARTERLY_2026": ("Quarterly", 5, 45),
        "VILLAGE_YEARLY_2026": ("Yearly", 10, 60),
        "TOWNSHIP_CHECK_2026": ("Yearly", 15, 60),
    }
    for code, (period_type, due_day, lock_days) in expected.items():
        fields = datasets[code].fields
        assert (
            fields["period_type"],
            fields["due_day"],
            fields["lock_after_days"],
            fields["unit_kinds"],
        ) == (period_type, due_day, lock_days, ["village"]), code
    assert list(datasets["VILLAGE_QUARTERLY_2026"].elements) == [
        "SUBSIDY_APPLIED", "SUBSIDY_ACCEPTED", "SUBSIDY_DUE", "SUBSIDY_PAID_IN_QUARTER",
    ]  # fmt: skip
    reported = {code for d in datasets.values() for code in d.elements}
    assert reported == set(elements), "every element is on exactly some form"


def test_2026_indicators_are_valid_from_2021_or_2025_for_the_subsidy() -> None:
    indicators = {i.code: i.fields for i in load_bundle_files(LIBRARY_2026_FILES).indicators}

    for code, fields in indicators.items():
        assert fields["valid_from"] == (2025 if code in SUBSIDY_INDICATORS else 2021), code
        assert fields["valid_to"] is None
        assert fields["name"] and fields["name_en"]
    assert indicators["CHILDCARE_PER_1000"]["factor"] == 1000


def test_2026_scheme_weights_add_up_to_100_with_one_bonus_and_one_veto() -> None:
    (scheme,) = load_bundle_files(LIBRARY_2026_FILES).schemes
    spec = scheme.spec
    items = {i.code: i for i in spec.items}
    scored = [i for i in spec.items if i.rule_type is not RuleType.BONUS]

    assert math.fsum(i.weight for i in scored) == 100 == spec.total
    assert items["BIRTH_REG"].rule == LinearRule(points=2.0, whole_steps=True)
    assert isinstance(items["SUPPORT_PAID"].rule, ThresholdRule)
    assert isinstance(items["CHILDCARE_PLACES"].rule, RatioRule)
    assert items["CHILDCARE_PLACES"].target == 4.5
    assert items["CHILDCARE_BONUS"].rule == BonusRule(points=0.5, cap=2.0, step=0.5)
    assert items["CHILDCARE_BONUS"].weight == 0
    assert [(v.code, v.condition) for v in spec.vetoes] == [("FALSIFIED", "#{CHECK_FALSIFIED} > 0")]
    assert [(g.code, g.min_total) for g in spec.grades] == [
        ("EXCELLENT", 90),
        ("GOOD", 80),
        ("PASS", 70),
        ("FAIL", 0),
    ]
    assert spec.veto_grade == "FAIL"
    assert (scheme.fields["year_from"], scheme.fields["unit_kinds"]) == (2026, ["village"])
    assert all(row["description"] for row in scheme.items), "every item quotes its rule"


# --- loading -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_2026_library_loads_into_an_empty_database_and_again_unchanged() -> None:
    first = load(*LIBRARY_2026_FILES)

    assert (first.sections["elements"].created, first.sections["schemes"].created) == (21, 1)
    assert (DataElement.objects.count(), DataSet.objects.count()) == (21, 4)
    assert Indicator.objects.count() == 11
    scheme = Scheme.objects.get(code="VILLAGE_2026", version=1)
    assert (scheme.items.count(), scheme.vetoes.count(), scheme.grades.count()) == (12, 1, 4)
    before = row_counts()

    again = load(*LIBRARY_2026_FILES)

    assert not again.changed
    for name in ("elements", "datasets", "indicators", "schemes"):
        counts = again.sections[name]
        assert counts.created == counts.updated == 0, name
    after = row_counts()
    assert after.pop("AuditEntry") == before.pop("AuditEntry") + 1  # the load itself
    assert after == before


@pytest.mark.django_db
def test_the_2006_and_2026_libraries_load_together() -> None:
    report = load(*LIBRARY_2006_FILES, *LIBRARY_2026_FILES)

    assert report.sections["elements"].created == 50 + 21
    assert report.sections["indicators"].created == 19 + 11
    assert set(Scheme.objects.values_list("code", flat=True)) == {
        "VILLAGE_2006",
        "DIRECT_UNITS_2006",
        "DEPARTMENTS_2006",
        "VILLAGE_2026",
    }


# --- assessing a small township --------------------------------------------------------------

TOWNSHIP = """\
kaohe_bundle: 1
units:
  - {code: T26, name: 新河镇, name_en: Xinhe, kind: township}
  - {code: V26A, name: 东村, kind: village, parent: T26, sort_order: 1}
  - {code: V26B, name: 西村, kind: village, parent: T26, sort_order: 2}
  - {code: V26C, name: 南村, kind: village, parent: T26, sort_order: 3}
"""

# Village A's whole year. By hand:
#   birth registration 187/200 = 93.50 %, 1.50 short of 95 → 2 whole steps × 2 = 4 → 11.00/15
#   subsidy handled 40/40 = 100 % → 10/10
#   subsidy paid in the quarter (99 + 100)/(100 + 100) = 99.50 %, 0.50 short × 3 → 13.50/15
#   support paid 30/30 → 10/10; contact 12/12 → 5; doctor 12/12 → 5; priority 11/12 → 0
#   childcare places 6/2000 × 1000 = 3.00, 10 × 3/4.5 = 6.67/10; bonus 0 (below 4.5)
#   pre-pregnancy 38/50 = 76.00 %, 4 short of 80 × 1 → 4.00/8
#   newborn screening (119 + 78)/(120 + 80) = 98.50 % ≥ 98 → 7/7
#   satisfaction 185/200 = 92.50 % ≥ 90 → 10/10
#   total 11 + 10 + 13.5 + 10 + 5 + 5 + 0 + 6.67 + 4 + 7 + 10 = 82.17 → 良好 (≥ 80)
VILLAGE_A = [
    ("BIRTH_REG_DUE", "202603", 120),
    ("BIRTH_REG_ON_TIME", "202603", 112),
    ("BIRTH_REG_DUE", "202609", 80),
    ("BIRTH_REG_ON_TIME", "202609", 75),
    ("NEWBORN_LIVE_BIRTHS", "202603", 120),
    ("NEWBORN_SCREENED", "202603", 119),
    ("NEWBORN_LIVE_BIRTHS", "202609", 80),
    ("NEWBORN_SCREENED", "202609", 78),
    ("SUBSIDY_APPLIED", "2026Q1", 25),
    ("SUBSIDY_ACCEPTED", "2026Q1", 25),
    ("SUBSIDY_APPLIED", "2026Q3", 15),
    ("SUBSIDY_ACCEPTED", "2026Q3", 15),
    ("SUBSIDY_DUE", "2026Q1", 100),
    ("SUBSIDY_PAID_IN_QUARTER", "2026Q1", 99),
    ("SUBSIDY_DUE", "2026Q2", 100),
    ("SUBSIDY_PAID_IN_QUARTER", "2026Q2", 100),
    ("SUPPORT_DUE", "2026", 30),
    ("SUPPORT_PAID_FULL", "2026", 30),
    ("SPECIAL_FAMILIES", "2026", 12),
    ("SPECIAL_CONTACT", "2026", 12),
    ("SPECIAL_DOCTOR", "2026", 12),
    ("SPECIAL_PRIORITY", "2026", 11),
    ("POP_RESIDENT", "2026", 2000),
    ("CHILDCARE_PLACES", "2026", 6),
    ("PREPREG_TARGET", "2026", 50),
    ("PREPREG_CHECKED", "2026", 38),
    ("SATISF_RESPONDENTS", "2026", 200),
    ("SATISF_SATISFIED", "2026", 185),
]
# Village B: the same figures, but the township's check found falsified statistics (veto).
VILLAGE_B = [*VILLAGE_A, ("CHECK_FALSIFIED", "2026", 1)]
# Village C: only childcare and satisfaction. 12/2000 × 1000 = 6.00 → 10/10 and a bonus of
# (6.00 − 4.5)/0.5 = 3 steps × 0.5 = +1.50; satisfaction 99/100 → 10; the rest missing → 0.
VILLAGE_C = [
    ("POP_RESIDENT", "2026", 2000),
    ("CHILDCARE_PLACES", "2026", 12),
    ("SATISF_RESPONDENTS", "2026", 100),
    ("SATISF_SATISFIED", "2026", 99),
]


@pytest.mark.django_db
def test_a_township_is_assessed_with_the_2026_scheme_as_worked_out_by_hand(tmp_path) -> None:
    township = tmp_path / "township.yaml"
    township.write_text(TOWNSHIP, encoding="utf-8")
    load(township, *LIBRARY_2026_FILES)
    for unit, values in (("V26A", VILLAGE_A), ("V26B", VILLAGE_B), ("V26C", VILLAGE_C)):
        for element, period, value in values:
            do_set_value(
                actor=CLERK,
                element_code=element,
                period_code=period,
                unit_code=unit,
                value=value,
            )
    scheme = Scheme.objects.get(code="VILLAGE_2026", version=1)

    run = do_run_assessment(scheme, 2026, actor=CLERK)

    results = {r.unit.code: r for r in UnitResult.objects.filter(run=run).select_related("unit")}
    assert set(results) == {"V26A", "V26B", "V26C"}
    a, b, c = results["V26A"], results["V26B"], results["V26C"]
    scores = {i.item_code: i.score for i in a.items.all()}
    assert scores == {
        "BIRTH_REG": Decimal("11.00"),
        "SUBSIDY_ACCEPT": Decimal("10.00"),
        "SUBSIDY_PAID": Decimal("13.50"),
        "SUPPORT_PAID": Decimal("10.00"),
        "SPECIAL_CONTACT": Decimal("5.00"),
        "SPECIAL_DOCTOR": Decimal("5.00"),
        "SPECIAL_PRIORITY": Decimal("0.00"),
        "CHILDCARE_PLACES": Decimal("6.67"),
        "PREPREG_COVERAGE": Decimal("4.00"),
        "NEWBORN_SCREEN": Decimal("7.00"),
        "SATISFACTION": Decimal("10.00"),
        "CHILDCARE_BONUS": Decimal("0.00"),
    }
    assert (a.total, a.grade, a.vetoed, a.rank) == (Decimal("82.17"), "GOOD", False, 1)
    birth_reg = a.items.get(item_code="BIRTH_REG")
    assert birth_reg.explanation_zh == (
        "出生登记及时率 93.50%，目标≥95%，低1.50个百分点，每1个百分点扣2分，"
        "不足1个百分点按1个百分点计，计2步，扣4.00分，得11.00/15分"
    )
    # Village B scores the same but is vetoed: lowest grade, ranked after everyone.
    assert (b.total, b.grade, b.vetoed, b.vetoes, b.rank) == (
        Decimal("82.17"),
        "FAIL",
        True,
        ["FALSIFIED"],
        3,
    )
    # Village C: 10 + 10 + 1.50 bonus; its missing items score 0 and are flagged.
    assert (c.total, c.grade, c.vetoed, c.rank) == (Decimal("21.50"), "FAIL", False, 2)
    assert c.items.get(item_code="CHILDCARE_BONUS").score == Decimal("1.50")
    assert c.items.get(item_code="BIRTH_REG").flag
