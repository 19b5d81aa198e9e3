"""The 2006 village rule library, the scheme spec built from stored rows, and the content hash.

The direct-unit and department schemes of the same folder are tested in
``test_library_schemes.py``."""

from __future__ import annotations

import dataclasses
import json
import math
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import AuditEntry
from kaohe.bundles.loader import SCHEMA_PATH, load_bundle_files
from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.periods import PeriodType
from kaohe.engine.spec import (
    AggregationType,
    BandRule,
    BonusRule,
    Direction,
    LinearRule,
    PerCaseRule,
    RuleType,
    ThresholdRule,
    ValueType,
)
from kaohe.orgunits.models import OfficialRole, UnitKind
from kaohe.schemes.models import Indicator, Scheme
from kaohe.schemes.specs import element_specs, scheme_hash, scheme_spec

from .conftest import FIXTURES, LIBRARY, LIBRARY_FILES, load, row_counts

VILLAGE_MONTHLY = [
    "BIRTHS", "BIRTHS_POLICY", "BIRTHS_BOYS", "BIRTHS_GIRLS", "BIRTHS_FIRST", "BIRTHS_FIRST_LATE",
    "MARRIAGES_FIRST", "MARRIAGES_LATE", "POPULATION", "MWRA", "MWRA_CONTRACEPTING",
    "MEASURES_DUE", "MEASURES_DONE", "MIGRANT_WOMEN", "MIGRANT_CERT", "MIGRANT_FILED",
    "MIGRANT_VERIFIED", "REWARD_DUE", "REWARD_PAID",
]  # fmt: skip
CHECK = ["CHECK_BIRTHS_CONCEALED"]
INDICATORS = {
    "BIRTH_RATE", "PLANNED_RATE", "SEX_RATIO", "CONTRACEPTIVE_RATE", "MEASURES_RATE",
    "ACCURACY_RATE", "MIGRANT_CERT_RATE", "MIGRANT_FILE_RATE", "MIGRANT_VERIFY_RATE",
    "LATE_MARRIAGE_RATE", "LATE_BIRTH_RATE", "REWARD_PAID_RATE", "SATISFACTION_RATE",
    "OVER_REPORT_RATIO",
}  # fmt: skip
CONTROL_ERA = {
    "PLANNED_RATE", "CONTRACEPTIVE_RATE", "MEASURES_RATE", "LATE_MARRIAGE_RATE", "LATE_BIRTH_RATE",
}  # fmt: skip
# The village scheme's own files: the folder also holds the direct-unit and department schemes.
VILLAGE_FILES = [
    LIBRARY / name for name in ("elements.yaml", "indicators.yaml", "village_scheme.yaml")
]


def library_yaml() -> dict[str, list[dict]]:
    """The library's sections as plain YAML (read without the bundle loader)."""
    merged: dict[str, list[dict]] = {}
    for path in VILLAGE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section, rows in data.items():
            if isinstance(rows, list):
                merged.setdefault(section, []).extend(rows)
    return merged


# --- the library as a bundle --------------------------------------------------------------


def test_library_is_split_into_the_documented_files() -> None:
    assert [p.name for p in LIBRARY_FILES] == [
        "departments_elements.yaml",
        "departments_scheme.yaml",
        "direct_units_elements.yaml",
        "direct_units_scheme.yaml",
        "elements.yaml",
        "indicators.yaml",
        "village_scheme.yaml",
    ]


def test_library_validates_without_a_database() -> None:
    bundle = load_bundle_files(VILLAGE_FILES)

    assert (len(bundle.elements), len(bundle.datasets), len(bundle.indicators)) == (23, 4, 14)
    assert [s.code for s in bundle.schemes] == ["VILLAGE_2006"]
    assert bundle.units == bundle.officials == bundle.targets == []


def test_library_data_sets_hold_exactly_the_element_codes_other_code_relies_on() -> None:
    datasets = {d.code: d for d in load_bundle_files(VILLAGE_FILES).datasets}

    assert list(datasets["VILLAGE_MONTHLY"].elements) == VILLAGE_MONTHLY
    assert list(datasets["VILLAGE_QUARTERLY"].elements) == ["MEETINGS_HELD"]
    assert list(datasets["VILLAGE_YEARLY"].elements) == ["SURVEY_RESPONDENTS", "SURVEY_SATISFIED"]
    assert list(datasets["TOWNSHIP_CHECK"].elements) == CHECK
    expected = {
        "VILLAGE_MONTHLY": ("Monthly", 3),
        "VILLAGE_QUARTERLY": ("Quarterly", 5),
        "VILLAGE_YEARLY": ("Yearly", 10),
        "TOWNSHIP_CHECK": ("Yearly", 15),
    }
    for code, (period_type, due_day) in expected.items():
        fields = datasets[code].fields
        assert (fields["period_type"], fields["due_day"], fields["unit_kinds"]) == (
            period_type,
            due_day,
            ["village"],
        )


def test_library_stocks_take_the_last_value_and_flows_add_up() -> None:
    elements = {e.code: e.fields for e in load_bundle_files(VILLAGE_FILES).elements}
    stocks = {c for c, f in elements.items() if f["aggregation"] == "last"}

    assert stocks == {
        "POPULATION", "MWRA", "MWRA_CONTRACEPTING", "MIGRANT_WOMEN", "MIGRANT_CERT",
        "MIGRANT_FILED", "MIGRANT_VERIFIED",
    }  # fmt: skip
    assert all(f["aggregation"] == "sum" for c, f in elements.items() if c not in stocks)
    assert elements["MEETINGS_HELD"]["value_type"] == "yes_no"
    assert all(f["value_type"] == "integer" for c, f in elements.items() if c != "MEETINGS_HELD")


def test_library_indicators_carry_the_years_they_are_valid_for() -> None:
    indicators = {i.code: i.fields for i in load_bundle_files(VILLAGE_FILES).indicators}

    assert set(indicators) == INDICATORS
    for code, fields in indicators.items():
        assert fields["valid_from"] == 1990
        assert fields["valid_to"] == (2021 if code in CONTROL_ERA else None), code
        assert bool(fields.get("validity_note")) == (code in CONTROL_ERA), code
    assert indicators["BIRTH_RATE"]["factor"] == 1000
    assert "periodOffset(-1)" in indicators["BIRTH_RATE"]["denominator"]
    assert indicators["ACCURACY_RATE"]["numerator"].replace(" ", "") == (
        "S{BIRTHS.FOUND}-S{BIRTHS.UNDER_REPORTED}"
    )
    assert indicators["OVER_REPORT_RATIO"]["numerator"] == "S{MWRA_CONTRACEPTING.OVER_REPORTED}"


def test_library_scheme_weights_add_up_to_100_with_one_bonus_item() -> None:
    (scheme,) = load_bundle_files(VILLAGE_FILES).schemes
    scored = [i for i in scheme.spec.items if i.rule_type is not RuleType.BONUS]
    bonus = [i for i in scheme.spec.items if i.rule_type is RuleType.BONUS]

    assert math.fsum(i.weight for i in scored) == 100
    assert len(bonus) == 1 and bonus[0].weight == 0
    assert bonus[0].rule == BonusRule(points=0.5, cap=2.0)


def test_library_scheme_follows_the_published_rules_it_names() -> None:
    (scheme,) = load_bundle_files(VILLAGE_FILES).schemes
    items = {i.code: i for i in scheme.spec.items}

    plan = items["BIRTHS_VS_PLAN"]
    assert (plan.rule, plan.actual, plan.unit, plan.decimals, plan.target) == (
        BandRule(low=0.85, high=1.0),
        "#{BIRTHS}",
        "人",
        0,
        None,
    )
    assert items["BIRTH_RATE"].direction is Direction.LOWER
    assert isinstance(items["BIRTH_RATE"].rule, ThresholdRule)
    assert (
        items["PLANNED_RATE"].rule == LinearRule(points=2.0) and items["PLANNED_RATE"].target == 95
    )
    assert items["MEASURES_RATE"].rule == LinearRule(points=1.0, whole_steps=True)
    accuracy = items["STAT_ACCURACY"].rule
    assert isinstance(accuracy, PerCaseRule)
    assert accuracy.points == 2 and [(t.expression, t.points) for t in accuracy.also] == [
        ("#{CHECK_BIRTHS_CONCEALED}", 5.0)
    ]
    assert all(items[c].target == 95 for c in ("MIGRANT_CERT", "MIGRANT_FILE", "MIGRANT_VERIFY"))
    assert items["REWARD_PAID"].target == 100
    assert (items["MEETINGS"].actual, items["MEETINGS"].target, items["MEETINGS"].unit) == (
        "#{MEETINGS_HELD}",
        4,
        "次",
    )
    assert all(row["description"] for row in scheme.items), "every item quotes its rule"
    assert [(v.code, v.condition) for v in scheme.spec.vetoes] == [
        ("OVER_PLAN", "#{BIRTHS} > T{BIRTHS_VS_PLAN}"),
        ("CONCEALED", "#{CHECK_BIRTHS_CONCEALED} > 0"),
    ]
    assert [(g.code, g.min_total) for g in scheme.spec.grades] == [
        ("FIRST", 95),
        ("SECOND", 90),
        ("THIRD", 85),
        ("PASS", 70),
        ("FAIL", 0),
    ]
    assert scheme.spec.veto_grade == "FAIL"
    assert scheme.fields["year_from"] == 2000 and scheme.fields["year_to"] == 2021


def test_library_scheme_items_take_decimals_and_unit_from_their_indicator() -> None:
    (scheme,) = load_bundle_files(VILLAGE_FILES).schemes
    items = {i.code: i for i in scheme.spec.items}

    assert (items["BIRTH_RATE"].decimals, items["BIRTH_RATE"].unit) == (2, "‰")
    assert (items["PLANNED_RATE"].decimals, items["PLANNED_RATE"].unit) == (2, "%")


# --- loading it ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_library_loads_into_an_empty_database() -> None:
    report = load(*VILLAGE_FILES)

    assert DataElement.objects.count() == 23
    assert DataSet.objects.count() == 4
    assert Indicator.objects.count() == 14
    scheme = Scheme.objects.get(code="VILLAGE_2006", version=1)
    assert (scheme.items.count(), scheme.vetoes.count(), scheme.grades.count()) == (15, 2, 5)
    assert scheme.content_hash == scheme_hash(scheme_spec(scheme))
    assert (report.sections["elements"].created, report.sections["schemes"].created) == (23, 1)
    assert AuditEntry.objects.filter(action="dataelement.create").count() == 23
    assert report.sections["sources"].created == 5
    assert scheme.corrections == [{"element": "BIRTHS", "method": "larger"}]
    assert scheme.extra_indicators == ["OVER_REPORT_RATIO"]
    assert AuditEntry.objects.filter(action="scheme.create", object_key="VILLAGE_2006 v1").exists()


@pytest.mark.django_db
def test_loading_the_library_again_reports_everything_unchanged() -> None:
    load(*VILLAGE_FILES)
    before = row_counts()

    report = load(*VILLAGE_FILES)

    assert not report.changed
    for name in ("elements", "datasets", "indicators", "schemes"):
        counts = report.sections[name]
        assert counts.created == counts.updated == 0, name
    assert report.sections["elements"].unchanged == 23
    assert report.sections["schemes"].unchanged == 1
    after = row_counts()
    assert after.pop("AuditEntry") == before.pop("AuditEntry") + 1  # the load itself
    assert after == before


@pytest.mark.django_db
def test_library_files_load_in_any_order() -> None:
    report = load(*reversed(VILLAGE_FILES))

    assert report.sections["schemes"].created == 1


@pytest.mark.django_db
def test_a_dry_run_of_the_library_writes_nothing() -> None:
    before = row_counts()

    report = load(*VILLAGE_FILES, dry_run=True)

    assert report.dry_run and report.sections["indicators"].created == 14
    assert row_counts() == before


@pytest.mark.django_db
def test_load_command_prints_a_bilingual_summary() -> None:
    out = StringIO()

    call_command("load", *map(str, VILLAGE_FILES), stdout=out)

    text = out.getvalue()
    assert (
        "数据元素：新增 23，修改 0，未变 0 / data elements: 23 created, 0 updated, 0 unchanged"
        in text
    )
    assert "考核方案：新增 1" in text and "schemes: 1 created" in text


@pytest.mark.django_db
def test_load_command_dry_run_says_so_and_writes_nothing() -> None:
    out = StringIO()

    call_command("load", "--dry-run", *map(str, VILLAGE_FILES), stdout=out)

    assert "dry run: nothing was changed" in out.getvalue()
    assert Scheme.objects.count() == 0 and AuditEntry.objects.count() == 0


# --- scheme_spec, element_specs and scheme_hash --------------------------------------------


@pytest.mark.django_db
def test_scheme_spec_of_the_loaded_library_matches_the_yaml() -> None:
    load(*VILLAGE_FILES)
    (source,) = library_yaml()["schemes"]
    indicators = {i["code"]: i for i in library_yaml()["indicators"]}

    spec = scheme_spec(Scheme.objects.get(code="VILLAGE_2006"))

    assert (spec.code, spec.name, spec.version, spec.total) == (
        "VILLAGE_2006",
        source["name"],
        1,
        100.0,
    )
    assert spec.unit_kinds == ("village",)
    assert [i.code for i in spec.items] == [i["code"] for i in source["items"]]
    for item, row in zip(spec.items, source["items"], strict=True):
        assert (item.name, item.name_en, item.weight, item.rule_type.value, item.actual) == (
            row["name"],
            row["name_en"],
            row["weight"],
            row["rule"],
            row["actual"],
        )
        assert item.target == row.get("target")
        assert item.direction.value == row.get("direction", "higher")
        assert item.section == row["section"]
        if "unit" in row:
            assert (item.unit, item.decimals) == (row["unit"], row["decimals"])
        else:  # taken from the indicator named by the actual
            indicator = indicators[item.actual[2:-1]]
            assert (item.unit, item.decimals) == (indicator["unit"], indicator["decimals"])
    assert [(v.code, v.name, v.condition) for v in spec.vetoes] == [
        (v["code"], v["name"], v["condition"]) for v in source["vetoes"]
    ]
    assert [(g.code, g.name, g.min_total) for g in spec.grades] == [
        (g["code"], g["name"], g["min_total"]) for g in source["grades"]
    ]
    assert spec.veto_grade == source["veto_grade"]
    used = {i.actual[2:-1] for i in spec.items if i.actual.startswith("N{")}
    assert {i.code for i in spec.indicators} == used | set(source["extra_indicators"])
    birth_rate = next(i for i in spec.indicators if i.code == "BIRTH_RATE")
    assert (birth_rate.numerator, birth_rate.factor, birth_rate.unit) == ("#{BIRTHS}", 1000.0, "‰")


@pytest.mark.django_db
def test_scheme_spec_includes_indicators_reached_through_other_indicators(write) -> None:
    path = write(
        """
        kaohe_bundle: 1
        elements:
          - {code: E, name: E, value_type: integer, aggregation: sum}
        indicators:
          - {code: BASE, name: 基础, name_en: Base, numerator: "#{E}"}
          - {code: MIDDLE, name: 中间, name_en: Middle, numerator: "N{BASE}.periodOffset(-1)"}
          - {code: TOP, name: 顶层, name_en: Top, numerator: "N{MIDDLE} * 2"}
          - {code: UNUSED, name: 未用, name_en: Unused, numerator: "#{E}"}
        schemes:
          - code: DEEP
            name: 深层
            unit_kinds: [village]
            items:
              - {code: A, name: A, name_en: A, weight: 100, rule: threshold, actual: "N{TOP}", target: 1}
        """
    )
    load(path)

    spec = scheme_spec(Scheme.objects.get(code="DEEP"))

    assert [i.code for i in spec.indicators] == ["BASE", "MIDDLE", "TOP"]


@pytest.mark.django_db
def test_element_specs_read_the_stored_elements() -> None:
    load(*VILLAGE_FILES)

    specs = element_specs(["POPULATION", "MEETINGS_HELD", "CHECK_BIRTHS_CONCEALED", "NOT_THERE"])

    assert set(specs) == {"POPULATION", "MEETINGS_HELD", "CHECK_BIRTHS_CONCEALED"}
    assert specs["POPULATION"].aggregation is AggregationType.LAST
    assert specs["MEETINGS_HELD"].value_type is ValueType.YES_NO
    assert specs["CHECK_BIRTHS_CONCEALED"].zero_is_significant is False


@pytest.mark.django_db
def test_scheme_hash_is_the_same_from_the_bundle_and_from_the_database() -> None:
    (record,) = load_bundle_files(VILLAGE_FILES).schemes
    load(*VILLAGE_FILES)

    stored = scheme_spec(Scheme.objects.get(code="VILLAGE_2006"))

    assert scheme_hash(stored) == record.spec_hash == scheme_hash(record.spec)
    assert scheme_hash(stored) == scheme_hash(scheme_spec(Scheme.objects.get(code="VILLAGE_2006")))


def test_scheme_hash_is_stable_and_treats_whole_floats_like_integers() -> None:
    (record,) = load_bundle_files(VILLAGE_FILES).schemes
    spec = record.spec
    first = spec.items[0]
    as_int = dataclasses.replace(
        spec, items=(dataclasses.replace(first, weight=15), *spec.items[1:])
    )  # type: ignore[arg-type]

    assert scheme_hash(spec) == scheme_hash(dataclasses.replace(spec))
    assert scheme_hash(spec) == scheme_hash(as_int)
    assert len(scheme_hash(spec)) == 64


def test_a_changed_weight_changes_the_scheme_hash() -> None:
    (record,) = load_bundle_files(VILLAGE_FILES).schemes
    spec = record.spec
    moved = (
        dataclasses.replace(spec.items[0], weight=14.0),
        dataclasses.replace(spec.items[1], weight=11.0),
        *spec.items[2:],
    )

    assert scheme_hash(dataclasses.replace(spec, items=moved)) != scheme_hash(spec)


def test_a_changed_indicator_changes_the_scheme_hash() -> None:
    (record,) = load_bundle_files(VILLAGE_FILES).schemes
    spec = record.spec
    indicators = tuple(
        dataclasses.replace(i, factor=100.0) if i.code == "BIRTH_RATE" else i
        for i in spec.indicators
    )

    assert scheme_hash(dataclasses.replace(spec, indicators=indicators)) != scheme_hash(spec)


# --- the schema and the engine agree ------------------------------------------------------


def test_schema_enumerations_match_the_engine_and_model_vocabulary() -> None:
    defs = json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8"))["$defs"]

    assert defs["unitKind"]["enum"] == list(UnitKind.values)
    assert defs["official"]["properties"]["role"]["enum"] == list(OfficialRole.values)
    assert defs["element"]["properties"]["value_type"]["enum"] == [v.value for v in ValueType]
    assert defs["element"]["properties"]["aggregation"]["enum"] == [
        a.value for a in AggregationType
    ]
    assert defs["item"]["properties"]["rule"]["enum"] == [r.value for r in RuleType]
    assert defs["item"]["properties"]["direction"]["enum"] == [d.value for d in Direction]


def test_scheme_period_types_are_the_ones_the_scheme_model_allows() -> None:
    from kaohe.bundles.loader import SCHEME_PERIOD_TYPES

    allowed = [value for value, _label in Scheme._meta.get_field("period_type").choices]

    assert list(SCHEME_PERIOD_TYPES) == allowed
    assert set(allowed) <= {p.value for p in PeriodType}


@pytest.mark.django_db
def test_minimal_fixture_loads_every_section() -> None:
    report = load(FIXTURES / "minimal.yaml")

    assert {name: c.created for name, c in report.sections.items()} == {
        "units": 4,
        "elements": 3,
        "datasets": 1,
        "officials": 1,
        "indicators": 2,
        "schemes": 1,
        "targets": 2,
        "validation_rules": 1,
        "sources": 0,
    }
    assert not AssessmentRun.objects.exists()
