"""Reading, validating and writing bundles: every bad input is reported and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import AuditEntry
from kaohe.bundles.loader import (
    MESSAGES,
    BundleError,
    BundleProblem,
    ExistingState,
    load_bundle_files,
    parse_bundle_text,
    validate_bundle,
)
from kaohe.elements.models import DataSet
from kaohe.engine.spec import (
    BandRule,
    BonusRule,
    CaseTerm,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
    RatioRule,
    RelativeToBestRule,
    RuleType,
    ThresholdRule,
)
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Scheme, ScoringItem, UnitTarget
from kaohe.schemes.specs import RuleParamsError, rule_params_from_dict

from .conftest import FIXTURES, load, load_problems, only, row_counts

HEADER = "kaohe_bundle: 1\n"
ELEMENTS = """kaohe_bundle: 1
elements:
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
  - {code: BIRTHS_POLICY, name: 符合政策生育数, value_type: integer, aggregation: sum}
"""


def scheme(items: str, extra: str = "", header: str = ELEMENTS) -> str:
    """A bundle with the two elements and one scheme whose items (and more) are given."""
    return (
        header
        + "schemes:\n  - code: S\n    name: 方案\n    unit_kinds: [village]\n"
        + extra
        + "    items:\n"
        + items
    )


FULL_ITEM = (
    '      - {code: A, name: 甲, name_en: A, weight: 100, rule: threshold, actual: "#{BIRTHS}",'
    " target: 1}\n"
)


def validate_text(text: str, state: ExistingState | None = None) -> list[BundleProblem]:
    """Validate YAML text without a database (``state``: what it would hold); the problems."""
    source, problems = parse_bundle_text(text, "t.yaml")
    try:
        validate_bundle([source], state)
    except BundleError as exc:
        problems += exc.problems
    return problems


@pytest.fixture
def problems_in(write, db) -> Callable[[str], list[BundleProblem]]:
    """Load YAML text into the database; it must be refused with nothing written."""

    def _problems(text: str) -> list[BundleProblem]:
        return load_problems(write(text, "t.yaml"))

    return _problems


# --- reading YAML -------------------------------------------------------------------------


def test_malformed_yaml_is_reported_with_line_and_column(problems_in) -> None:
    problem = only(problems_in("kaohe_bundle: 1\nunits:\n  - code: [V01\n    name: x\n"), "yaml")

    assert problem.line == 4
    assert "第4行第9列" in problem.message_zh and "line 4, column 9" in problem.message_en
    assert problem.detail.splitlines()[-1].strip() == "^"


@pytest.mark.django_db
def test_duplicate_yaml_keys_are_refused_with_their_line() -> None:
    problems = load_problems(FIXTURES / "duplicate_key.yaml")

    problem = only(problems, "duplicate_key")
    assert (problem.file, problem.line) == (str(FIXTURES / "duplicate_key.yaml"), 6)
    assert "键 name 重复（第4行已出现）" in problem.message_zh
    assert "duplicate key name (already at line 4)" in problem.message_en


def test_a_missing_file_and_an_empty_file_are_reported(tmp_path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n", encoding="utf-8")

    with pytest.raises(BundleError) as caught:
        load_bundle_files([tmp_path / "missing.yaml", empty])

    assert [p.kind for p in caught.value.problems] == ["file_missing", "file_empty"]


def test_codes_and_dates_are_read_as_the_text_written() -> None:
    source, problems = parse_bundle_text(
        "kaohe_bundle: 1\nunits:\n  - {code: '001', name: 村, kind: village, opening_date: 2006-01-01}\n"
        "targets:\n  - {scheme: S, item: A, year: 2006, values: {001: 1}}\n"
    )

    assert problems == []
    assert source.data["units"][0]["opening_date"] == "2006-01-01"
    assert list(source.data["targets"][0]["values"]) == ["001"]


def test_problem_text_reads_file_line_path_chinese_then_english() -> None:
    problem = BundleProblem(
        "b.yaml", "schemes[0].items[3].weight", 12, "应为数字", "expected a number"
    )

    assert str(problem) == "b.yaml:12: schemes[0].items[3].weight: 应为数字 / expected a number"
    assert str(BundleError([problem, problem])).count("\n") == 1


# --- the JSON Schema layer ----------------------------------------------------------------


def test_a_missing_required_field_is_named_at_its_entry_line(problems_in) -> None:
    text = HEADER + "elements:\n  - code: BIRTHS\n    value_type: integer\n    aggregation: sum\n"

    problem = only(problems_in(text), "required")

    assert (problem.path, problem.line) == ("elements[0]", 3)
    assert problem.message_zh == "缺少必填字段 name"
    assert problem.message_en == "missing required field(s): name"


def test_a_wrong_type_says_what_was_expected_and_what_was_found(problems_in) -> None:
    text = scheme(FULL_ITEM.replace("weight: 100", "weight: ten"))

    problem = only(problems_in(text), "type")

    assert (problem.path, problem.line) == ("schemes[0].items[0].weight", 10)
    assert problem.message_zh == "应为数字，而不是文本“ten”"
    assert problem.message_en == 'expected a number, got the text "ten"'


def test_a_code_typed_as_a_number_gets_a_hint_to_quote_it(problems_in) -> None:
    problem = only(
        problems_in(HEADER + "units:\n  - {code: 001, name: 村, kind: village}\n"), "type"
    )

    assert problem.path == "units[0].code"
    assert "请加引号" in problem.message_zh and "quote them" in problem.message_en


def test_a_value_outside_an_enumeration_lists_the_choices(problems_in) -> None:
    problem = only(problems_in(HEADER + "units:\n  - {code: V, name: 村, kind: vilage}\n"), "enum")

    assert problem.path == "units[0].kind"
    assert "county、township、village、direct_unit、department" in problem.message_zh
    assert 'got the text "vilage"' in problem.message_en


def test_an_unknown_field_is_reported_at_its_own_line_with_a_suggestion(problems_in) -> None:
    text = (
        HEADER
        + "elements:\n  - code: E\n    name: E\n    naem_en: E\n    value_type: integer\n    aggregation: sum\n"
    )

    problem = only(problems_in(text), "unknown_field")

    assert (problem.path, problem.line) == ("elements[0].naem_en", 5)
    assert "是否想写 name_en" in problem.message_zh and "did you mean name_en" in problem.message_en


def test_a_negative_weight_is_below_the_minimum(problems_in) -> None:
    problem = only(problems_in(scheme(FULL_ITEM.replace("weight: 100", "weight: -5"))), "minimum")

    assert problem.path == "schemes[0].items[0].weight"
    assert problem.message_en == "must be at least 0"


def test_the_format_version_is_required(problems_in) -> None:
    problem = only(problems_in("units: []\n"), "required")

    assert problem.message_en == "missing required field(s): kaohe_bundle"


def test_every_message_has_chinese_and_english() -> None:
    for kind, (zh, en) in MESSAGES.items():
        assert zh and en, kind


# --- codes and references -----------------------------------------------------------------


def test_a_code_defined_twice_points_at_the_first_definition(problems_in) -> None:
    text = ELEMENTS + "  - {code: BIRTHS, name: 又一个, value_type: integer, aggregation: sum}\n"

    problem = only(problems_in(text), "duplicate_code")

    assert (problem.path, problem.line) == ("elements[2].code", 5)
    assert f"已在 {problem.file}:3 定义" in problem.message_zh
    assert f"already defined at {problem.file}:3" in problem.message_en


@pytest.mark.django_db
def test_a_code_defined_in_two_files_is_a_duplicate(write) -> None:
    first = write(ELEMENTS, "a.yaml")
    second = write(ELEMENTS, "b.yaml")

    problems = load_problems(first, second)

    assert {(p.kind, p.file) for p in problems} == {("duplicate_code", str(second))}
    assert len(problems) == 2


@pytest.mark.django_db
def test_an_unknown_parent_unit_is_reported(write) -> None:
    path = write(HEADER + "units:\n  - {code: V01, name: 村, kind: village, parent: T99}\n")

    problem = only(load_problems(path), "unknown")

    assert (problem.path, problem.line) == ("units[0].parent", 3)
    assert (
        problem.message_en == "unknown parent unit T99 (neither in the bundle nor in the database)"
    )


@pytest.mark.django_db
def test_a_parent_may_come_later_in_the_bundle_or_already_be_stored(write) -> None:
    load(write(HEADER + "units:\n  - {code: C01, name: 县, kind: county}\n", "county.yaml"))
    later = write(
        HEADER
        + "units:\n  - {code: V01, name: 村, kind: village, parent: T01}\n"
        + "  - {code: T01, name: 镇, kind: township, parent: C01}\n"
    )

    report = load(later)

    assert report.sections["units"].created == 2
    assert OrgUnit.objects.get(code="V01").path == "/C01/T01/V01/"
    assert OrgUnit.objects.get(code="V01").depth == 2


@pytest.mark.django_db
def test_moving_a_unit_updates_the_paths_below_it(write) -> None:
    load(FIXTURES / "minimal.yaml")
    moved = write(
        HEADER
        + "units:\n  - {code: C02, name: 新县, kind: county}\n"
        + "  - {code: T01, name: 城关镇, name_en: Chengguan, kind: township, parent: C02}\n"
    )

    report = load(moved)

    assert (report.sections["units"].created, report.sections["units"].updated) == (1, 1)
    assert OrgUnit.objects.get(code="V02").path == "/C02/T01/V02/"


def test_circular_parent_units_are_named(problems_in) -> None:
    text = HEADER + (
        "units:\n  - {code: A, name: A, kind: township, parent: B}\n"
        "  - {code: B, name: B, kind: township, parent: A}\n"
    )

    problem = only(problems_in(text), "unit_cycle")

    assert problem.path == "units[0].parent"
    assert problem.message_en == "circular parent units: A → B → A"


def test_a_unit_cycle_through_a_stored_unit_is_found(problems_in) -> None:
    village = OrgUnit.objects.create(code="V01", name="村", kind="village")
    OrgUnit.objects.create(code="T01", name="镇", kind="township", parent=village)

    problem = only(
        problems_in(HEADER + "units:\n  - {code: V01, name: 村, kind: village, parent: T01}\n"),
        "unit_cycle",
    )

    assert problem.message_en == "circular parent units: V01 → T01 → V01"


def test_an_unknown_data_set_element_is_reported(problems_in) -> None:
    text = ELEMENTS + (
        "datasets:\n  - {code: M, name: 月报, period_type: Monthly, unit_kinds: [village],"
        " elements: [BIRTHS, DEATHS]}\n"
    )

    problem = only(problems_in(text), "unknown")

    assert (problem.path, problem.line) == ("datasets[0].elements[1]", 6)
    assert "未知的数据元素 DEATHS" in problem.message_zh


def test_a_data_set_element_stored_in_the_database_is_known() -> None:
    text = HEADER + (
        "datasets:\n  - {code: M, name: 月报, period_type: Monthly, unit_kinds: [village],"
        " elements: [DEATHS]}\n"
    )

    assert validate_text(text, ExistingState(elements=frozenset({"DEATHS"}))) == []


def test_an_official_of_an_unknown_unit_is_reported(problems_in) -> None:
    text = HEADER + "officials:\n  - {code: O1, name: 张三, role: director, unit: V77}\n"

    problem = only(problems_in(text), "unknown")

    assert (problem.path, problem.message_en) == (
        "officials[0].unit",
        "unknown unit V77 (neither in the bundle nor in the database)",
    )


def test_a_period_type_must_be_a_dhis2_name(problems_in) -> None:
    text = ELEMENTS + (
        "datasets:\n  - {code: M, name: 月报, period_type: Montly, unit_kinds: [village],"
        " elements: [BIRTHS]}\n"
    )

    problem = only(problems_in(text), "period_type")

    assert problem.path == "datasets[0].period_type"
    assert problem.message_en.startswith("Montly is not a DHIS2 period type name")


def test_a_scheme_year_is_calendar_or_statistical(problems_in) -> None:
    problem = only(
        problems_in(scheme(FULL_ITEM, "    period_type: Monthly\n")), "scheme_period_type"
    )

    assert problem.path == "schemes[0].period_type"


# --- expressions --------------------------------------------------------------------------


def test_an_expression_with_an_unknown_code_shows_the_caret(problems_in) -> None:
    text = ELEMENTS + 'indicators:\n  - {code: R, name: 率, name_en: Rate, numerator: "#{BIRTH}"}\n'

    problem = only(problems_in(text), "expression")

    assert (problem.path, problem.line) == ("indicators[0].numerator", 6)
    assert 'unknown data element code "BIRTH"' in problem.detail
    assert problem.detail.splitlines()[-1].strip() == "^"


def test_a_syntax_error_in_an_expression_is_reported(problems_in) -> None:
    text = (
        ELEMENTS + 'indicators:\n  - {code: R, name: 率, name_en: Rate, numerator: "#{BIRTHS} *"}\n'
    )

    problem = only(problems_in(text), "expression")

    assert "line 1, column" in problem.detail


def test_an_indicator_must_be_a_number_and_a_veto_a_condition(problems_in) -> None:
    text = (
        scheme(
            FULL_ITEM,
            header=ELEMENTS
            + 'indicators:\n  - {code: R, name: 率, name_en: Rate, numerator: "#{BIRTHS} > 1"}\n',
        )
        + '    vetoes:\n      - {code: V, name: 否决, name_en: Veto, condition: "#{BIRTHS} + 1"}\n'
    )

    problems = [p for p in problems_in(text) if p.kind == "expression"]

    assert [p.path for p in problems] == [
        "indicators[0].numerator",
        "schemes[0].vetoes[0].condition",
    ]


def test_an_item_actual_must_be_a_number(problems_in) -> None:
    problem = only(
        problems_in(scheme(FULL_ITEM.replace('"#{BIRTHS}"', '"#{BIRTHS} > 0"'))), "expression"
    )

    assert problem.path == "schemes[0].items[0].actual"


def test_targets_and_constants_must_belong_to_the_same_scheme(problems_in) -> None:
    items = FULL_ITEM.replace("weight: 100", "weight: 50") + (
        "      - {code: B, name: 乙, name_en: B, weight: 50, rule: threshold,"
        ' actual: "#{BIRTHS} - T{OTHER} + C{MISSING} + C{K} + T{A}", target: 1}\n'
    )

    problem = only(problems_in(scheme(items, "    constants: {K: 2}\n")), "expression")

    assert problem.path == "schemes[0].items[1].actual"
    assert "OTHER" in problem.detail


def test_an_unknown_constant_is_an_expression_error(problems_in) -> None:
    items = FULL_ITEM.replace('"#{BIRTHS}"', '"#{BIRTHS} * C{KK}"')

    problem = only(problems_in(scheme(items, "    constants: {K: 2}\n")), "expression")

    assert "KK" in problem.detail


@pytest.mark.django_db
def test_circular_indicators_are_named() -> None:
    problems = load_problems(FIXTURES / "circular_indicators.yaml")

    problem = only(problems, "indicator_cycle")
    assert (problem.path, problem.line) == ("indicators[0]", 5)
    assert problem.message_zh == "指标循环引用：A → B → A"
    assert problem.message_en == "circular indicator reference: A → B → A"


def test_an_indicator_that_uses_itself_is_a_cycle(problems_in) -> None:
    text = (
        HEADER
        + "indicators:\n  - {code: SELF, name: 自己, name_en: Self, numerator: 'N{SELF} + 1'}\n"
    )

    assert only(problems_in(text), "indicator_cycle").message_en.endswith("SELF → SELF")


# --- scheme rules -------------------------------------------------------------------------


@pytest.mark.django_db
def test_weights_that_do_not_add_up_to_the_total_are_refused() -> None:
    problem = only(load_problems(FIXTURES / "weights_mismatch.yaml"), "weights")

    assert (problem.path, problem.line) == ("schemes[0].items", 9)
    assert problem.message_en == (
        "the items' weights add up to 90, not the scheme's total of 100 (bonus items excluded)"
    )


def test_weights_may_differ_from_the_total_by_float_noise_only() -> None:
    items = "".join(
        f'      - {{code: I{i}, name: 项, name_en: I, weight: 0.1, rule: threshold, actual: "#{{BIRTHS}}", target: 1}}\n'
        for i in range(10)
    )

    assert validate_text(scheme(items, "    total: 1\n")) == []


def test_a_bonus_item_has_no_weight(problems_in) -> None:
    items = FULL_ITEM + (
        "      - {code: B, name: 加分, name_en: Bonus, weight: 5, rule: bonus,"
        ' params: {points: 1, cap: 5}, actual: "#{BIRTHS}", target: 1}\n'
    )

    assert only(problems_in(scheme(items)), "bonus_weight").path == "schemes[0].items[1].weight"


def test_invalid_rule_parameters_name_the_parameter(problems_in) -> None:
    items = FULL_ITEM.replace("weight: 100", "weight: 50") + (
        "      - {code: B, name: 乙, name_en: B, weight: 50, rule: linear,"
        ' params: {points: two}, actual: "#{BIRTHS}", target: 1}\n'
    )

    problem = only(problems_in(scheme(items)), "rule_params")

    assert (problem.path, problem.line) == ("schemes[0].items[1].params.points", 11)
    assert problem.message_en == "expected a number, got 'two'"


def test_grades_need_distinct_minimum_totals_and_the_veto_grade_must_exist(problems_in) -> None:
    extra = (
        "    grades:\n      - {code: G1, name: 一, name_en: One, min_total: 90}\n"
        "      - {code: G2, name: 二, name_en: Two, min_total: 90}\n    veto_grade: G9\n"
    )

    problems = problems_in(scheme(FULL_ITEM, extra))

    assert only(problems, "grade_min_total").path == "schemes[0].grades[1].min_total"
    assert only(problems, "veto_grade").message_en == "grade G9 is not one of this scheme's grades"


def test_item_codes_are_unique_within_a_scheme(problems_in) -> None:
    items = FULL_ITEM.replace("weight: 100", "weight: 50") * 2

    problem = only(problems_in(scheme(items)), "duplicate_in_scheme")

    assert problem.path == "schemes[0].items[1].code"


def test_a_schema_error_in_one_item_does_not_hide_the_others(problems_in) -> None:
    items = FULL_ITEM.replace("weight: 100", "weight: ten") + FULL_ITEM.replace(
        '"#{BIRTHS}"', '"#{NOPE}"'
    ).replace("code: A", "code: B")

    kinds = sorted(p.kind for p in problems_in(scheme(items)))

    assert kinds == ["expression", "type"]


# --- targets ------------------------------------------------------------------------------


def test_a_target_of_a_scheme_with_a_bad_version_reports_only_the_version(problems_in) -> None:
    text = scheme(FULL_ITEM, "    version: two\n") + (
        "targets:\n  - {scheme: S, item: A, year: 2006, values: {V01: 1}}\n"
    )

    problems = problems_in(text)

    assert [(p.kind, p.path) for p in problems] == [("type", "schemes[0].version")]


@pytest.mark.django_db
def test_targets_naming_unknown_schemes_items_or_units_are_refused(write) -> None:
    load(FIXTURES / "minimal.yaml")
    path = write(
        HEADER
        + "targets:\n"
        + "  - {scheme: NOPE, item: PLAN, year: 2006, values: {V01: 1}}\n"
        + "  - {scheme: MINI, item: NOPE, year: 2006, values: {V01: 1}}\n"
        + "  - {scheme: MINI, item: PLAN, year: 2006, values: {V99: 1}}\n"
        + "  - {scheme: MINI, version: 2, item: PLAN, year: 2006, values: {V01: 1}}\n"
        + "  - {scheme: MINI, item: PLAN, year: 1999, values: {T01: 1}}\n"
    )

    problems = load_problems(path)

    assert [(p.kind, p.path, p.line) for p in problems] == [
        ("unknown", "targets[0].scheme", 3),
        ("target_item", "targets[1].item", 4),
        ("unknown", "targets[2].values.V99", 5),
        ("unknown", "targets[3].version", 6),
        ("target_year", "targets[4].year", 7),
        ("target_kind", "targets[4].values.T01", 7),
    ]


@pytest.mark.django_db
def test_targets_are_upserted(write) -> None:
    load(FIXTURES / "minimal.yaml")
    changed = write(
        HEADER
        + "targets:\n  - {scheme: MINI, item: PLAN, year: 2006, values: {V01: 11, V02: 12}}\n"
    )

    report = load(changed)

    counts = report.sections["targets"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1)
    assert UnitTarget.objects.get(unit__code="V01", year=2006).value == 11
    assert AuditEntry.objects.filter(action="unittarget.update").count() == 1


# --- all or nothing -----------------------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_item_among_good_entries_leaves_the_database_empty() -> None:
    problems = load_problems(FIXTURES / "one_bad_item.yaml")

    problem = only(problems, "rule_params")
    assert problem.path == "schemes[0].items[1].params.per"
    assert problem.message_en.startswith("unknown parameter; allowed: points, step")
    assert OrgUnit.objects.count() == 0 and Scheme.objects.count() == 0


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_change_and_writes_nothing() -> None:
    report = load(FIXTURES / "minimal.yaml", dry_run=True)

    assert report.dry_run and report.sections["units"].created == 4
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.django_db
def test_the_load_command_prints_every_problem_and_fails(write) -> None:
    path = write(
        HEADER + "units:\n  - {code: V01, name: 村, kind: village, parent: T99}\n"
        "  - {code: V02, name: 村, kind: hamlet}\n"
    )
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("load", str(path), stderr=err)

    assert "2 problem(s) in the bundle: nothing was changed" in str(caught.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith(f"{path}:3: units[0].parent: 未知的上级单位 T99")
    assert lines[1].startswith(f"{path}:4: units[1].kind: ")
    assert OrgUnit.objects.count() == 0


# --- replacing schemes --------------------------------------------------------------------


def _changed_minimal(write, weights: tuple[int, int, int] = (40, 30, 30)) -> object:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("weight: 40", f"weight: {weights[0]}", 1)
    text = text.replace(
        "weight: 30\n        rule: linear", f"weight: {weights[1]}\n        rule: linear"
    )
    text = text.replace(
        "weight: 30\n        rule: threshold", f"weight: {weights[2]}\n        rule: threshold"
    )
    return write(text, "changed.yaml")


@pytest.mark.django_db
def test_an_unused_scheme_is_replaced_in_place_keeping_its_targets(write) -> None:
    load(FIXTURES / "minimal.yaml")
    item_ids = set(ScoringItem.objects.values_list("pk", flat=True))
    old_hash = Scheme.objects.get(code="MINI").content_hash

    report = load(_changed_minimal(write, (50, 20, 30)))

    assert report.sections["schemes"].updated == 1
    scheme = Scheme.objects.get(code="MINI")
    assert scheme.items.get(code="PLAN").weight == 50
    assert set(ScoringItem.objects.values_list("pk", flat=True)) == item_ids
    assert UnitTarget.objects.count() == 2
    assert scheme.content_hash != old_hash
    assert AuditEntry.objects.filter(action="scheme.update", object_key="MINI v1").exists()


@pytest.mark.django_db
def test_a_scheme_used_by_an_assessment_cannot_be_changed(write) -> None:
    load(FIXTURES / "minimal.yaml")
    scheme = Scheme.objects.get(code="MINI")
    AssessmentRun.objects.create(
        scheme=scheme,
        year=2006,
        period_code="2006",
        inputs_hash="x",
        scheme_hash=scheme.content_hash,
    )

    problems = load_problems(_changed_minimal(write, (50, 20, 30)))

    problem = only(problems, "scheme_used")
    assert problem.path == "schemes[0].code"
    assert problem.message_zh.startswith("方案已用于考核，请提高版本号")
    assert problem.message_en.startswith(
        "the scheme has been used in assessments: load it as a new version"
    )


@pytest.mark.django_db
def test_a_used_scheme_loaded_unchanged_is_fine_and_a_new_version_is_created(write) -> None:
    load(FIXTURES / "minimal.yaml")
    scheme = Scheme.objects.get(code="MINI")
    AssessmentRun.objects.create(
        scheme=scheme,
        year=2006,
        period_code="2006",
        inputs_hash="x",
        scheme_hash=scheme.content_hash,
    )
    assert load(FIXTURES / "minimal.yaml").sections["schemes"].unchanged == 1
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("  - code: MINI\n", "  - code: MINI\n    version: 2\n")
    text = text.replace("weight: 40", "weight: 45").replace(
        "weight: 30\n        rule: linear", "weight: 25\n        rule: linear"
    )

    report = load(write(text, "v2.yaml"))

    assert report.sections["schemes"].created == 1
    assert sorted(Scheme.objects.values_list("version", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_changing_an_indicator_refreshes_the_hash_of_schemes_that_use_it(write) -> None:
    load(FIXTURES / "minimal.yaml")
    old_hash = Scheme.objects.get(code="MINI").content_hash
    path = write(
        HEADER + "indicators:\n"
        "  - {code: PLANNED_RATE, name: 计划生育率, name_en: Planned birth rate,"
        ' numerator: "#{BIRTHS_POLICY}", denominator: "#{BIRTHS}", factor: 100, decimals: 2, unit: "%"}\n'
    )

    report = load(path)

    assert report.sections["indicators"].updated == 1
    assert report.rehashed == ["MINI v1"]
    assert Scheme.objects.get(code="MINI").content_hash != old_hash


@pytest.mark.django_db
def test_updates_are_audited_with_before_and_after(write) -> None:
    load(FIXTURES / "minimal.yaml")
    path = write(
        HEADER
        + "officials:\n  - {code: V01_SECRETARY, name: 村支书乙, role: party_secretary, unit: V02, active: false}\n"
    )

    load(path)

    entry = AuditEntry.objects.get(action="official.update")
    assert entry.before == {"name": "村支书甲", "active": True, "unit": "V01"}
    assert entry.after == {"name": "村支书乙", "active": False, "unit": "V02"}
    assert Official.objects.get(code="V01_SECRETARY").unit.code == "V02"


@pytest.mark.django_db
def test_a_changed_data_set_element_list_counts_as_an_update(write) -> None:
    load(FIXTURES / "minimal.yaml")
    path = write(
        HEADER
        + "datasets:\n  - {code: MONTHLY, name: 月报, period_type: Monthly, unit_kinds: [village],"
        " due_day: 3, elements: [POPULATION, BIRTHS]}\n"
    )

    report = load(path)

    assert report.sections["datasets"].updated == 1
    links = DataSet.objects.get(code="MONTHLY").datasetelement_set.order_by("sort_order")
    assert [link.element.code for link in links] == ["POPULATION", "BIRTHS"]


def test_an_item_takes_decimals_and_unit_from_a_stored_indicator() -> None:
    from kaohe.engine.spec import IndicatorSpec

    state = ExistingState(
        elements=frozenset({"BIRTHS"}),
        indicators={"R": IndicatorSpec("R", "率", "Rate", "#{BIRTHS}", decimals=1, unit="‰")},
    )
    item = FULL_ITEM.replace('"#{BIRTHS}"', '"N{R}"')
    source, _ = parse_bundle_text(scheme(item, header=HEADER))

    (record,) = validate_bundle([source], state).schemes

    assert (record.items[0]["decimals"], record.items[0]["unit"]) == (1, "‰")
    assert [i.code for i in record.spec.indicators] == ["R"]


# --- rule parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_type", "params", "expected"),
    [
        ("threshold", {}, ThresholdRule()),
        ("threshold", None, ThresholdRule()),
        ("linear", {"points": 2}, LinearRule(points=2.0)),
        (
            "linear",
            {
                "points": 1,
                "step": 0.5,
                "whole_steps": True,
                "allow_negative": True,
                "max_deduction": 4,
            },
            LinearRule(
                points=1.0, step=0.5, whole_steps=True, allow_negative=True, max_deduction=4.0
            ),
        ),
        ("linear", {"points": 2, "max_deduction": None}, LinearRule(points=2.0)),
        (
            "per_case",
            {
                "points": 2,
                "case_label": "漏报",
                "case_label_en": "unreported birth",
                "also": [
                    {"label": "瞒报", "label_en": "concealed", "expression": "#{C}", "points": 5}
                ],
                "allow_negative": True,
            },
            PerCaseRule(
                points=2.0,
                case_label="漏报",
                case_label_en="unreported birth",
                also=(CaseTerm("瞒报", "concealed", "#{C}", 5.0),),
                allow_negative=True,
            ),
        ),
        ("band", {}, BandRule()),
        ("band", {"low": 0.9, "high": 1.1}, BandRule(low=0.9, high=1.1)),
        ("ratio", {}, RatioRule()),
        ("relative_to_best", {}, RelativeToBestRule()),
        ("rank_points", {"first": 6}, RankPointsRule(first=6.0)),
        ("rank_points", {"first": 6, "step": 0.5, "minimum": 1}, RankPointsRule(6.0, 0.5, 1.0)),
        ("level_progress", {}, LevelProgressRule()),
        (
            "level_progress",
            {"above": [0.6, 0.4], "below": [0.4, 0.6]},
            LevelProgressRule(above=(0.6, 0.4), below=(0.4, 0.6)),
        ),
        ("bonus", {"points": 1, "cap": 5}, BonusRule(points=1.0, cap=5.0)),
        (
            "bonus",
            {"points": 10, "cap": 10, "flat": True},
            BonusRule(points=10.0, cap=10.0, flat=True),
        ),
    ],
)
def test_rule_params_from_dict_builds_every_rule_type(rule_type, params, expected) -> None:
    rule = rule_params_from_dict(rule_type, params)

    assert rule == expected
    assert type(rule) is type(expected)


def test_every_rule_type_is_covered_by_the_table() -> None:
    covered = {
        "threshold",
        "linear",
        "per_case",
        "band",
        "ratio",
        "relative_to_best",
        "rank_points",
        "level_progress",
        "bonus",
    }

    assert covered == {r.value for r in RuleType}


@pytest.mark.parametrize(
    ("rule_type", "params", "key", "english"),
    [
        ("linear", {}, "points", "missing required parameter"),
        ("linear", {"points": 2, "per": 1}, "per", "unknown parameter; allowed: points, step"),
        ("linear", {"points": "2"}, "points", "expected a number, got '2'"),
        ("linear", {"points": True}, "points", "expected a number, got true"),
        ("linear", {"points": 2, "whole_steps": "yes"}, "whole_steps", "expected true or false"),
        ("linear", {"points": 2, "step": 0}, "step", "must be greater than 0"),
        (
            "per_case",
            {"points": 2, "also": [{"label": "x"}]},
            "also[0].label_en",
            "missing required",
        ),
        ("per_case", {"points": 2, "also": {"label": "x"}}, "also", "expected a list"),
        ("per_case", {"points": 2, "case_label": 3}, "case_label", "expected text, got 3"),
        ("band", {"low": 1.2, "high": 1.0}, "high", "must not be less than low"),
        ("threshold", {"points": 1}, "points", "unknown parameter; allowed: none"),
        ("level_progress", {"above": [0.7]}, "above", "expected a list of 2 numbers, got 1"),
        ("level_progress", {"below": [0.5, 0.6]}, "below", "must add up to 1"),
        ("bonus", {"points": 1}, "cap", "missing required parameter"),
        ("rank_points", {"first": 6, "step": -1}, "step", "must not be negative"),
    ],
)
def test_rule_params_from_dict_names_the_bad_key(rule_type, params, key, english) -> None:
    with pytest.raises(RuleParamsError) as caught:
        rule_params_from_dict(rule_type, params)

    assert caught.value.key == key
    assert english in caught.value.message_en
    assert str(caught.value).startswith(f"规则参数 {key}：")
    assert f" / rule parameter {key}: " in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_rule_params_from_dict_refuses_an_unknown_rule_type() -> None:
    with pytest.raises(ValueError, match="unknown rule 'linar'"):
        rule_params_from_dict("linar", {})


def test_problems_serialise_for_an_api(problems_in) -> None:
    problem = only(problems_in(HEADER + "units:\n  - {code: V, name: 村, kind: vilage}\n"), "enum")

    assert json.loads(json.dumps(problem.__dict__))["path"] == "units[0].kind"
