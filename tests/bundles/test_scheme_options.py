"""A scheme's optional keys: tracks, coefficient, period parts, signatories, terms, plan item.

Each key loads into the model field of the same name; each wrong value is refused with the
whole load writing nothing, and the problem names the key (its path) and says what is wrong
in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kaohe.bundles.loader import BundleProblem
from kaohe.bundles.scheme_options import periods_per_assessment
from kaohe.engine.spec import PeriodPartSpec, TrackSpec
from kaohe.schemes.models import Indicator, Scheme

from .conftest import load, load_problems, only

ELEMENTS = """kaohe_bundle: 1
elements:
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
  - {code: POPULATION, name: 年末人口, value_type: integer, aggregation: last}
indicators:
  - code: BIRTH_RATE
    name: 人口出生率
    name_en: Birth rate
    numerator: "#{BIRTHS}"
    denominator: "#{POPULATION}"
    factor: 1000
    validity_note: 2021年后不再按出生率考核
"""

# Two tracks (6:4), the second scored out of 50; a bonus item counts in no total.
TRACKS = """    tracks:
      - {code: LEAD, name: 领导班子线, name_en: Leadership line, weight: 6}
      - {code: BASE, name: 基础工作线, weight: 4, total: 50}
"""
ITEMS = """    items:
      - {code: PLAN, name: 人口计划, name_en: Plan, weight: 60, rule: threshold, actual: "#{BIRTHS}", target: 10, direction: lower, track: LEAD}
      - {code: RATE, name: 出生率, name_en: Rate, weight: 40, rule: threshold, actual: "N{BIRTH_RATE}", target: 12, direction: lower, track: LEAD}
      - {code: WORK, name: 基础工作, name_en: Groundwork, weight: 50, rule: threshold, actual: "#{POPULATION}", target: 1, track: BASE}
      - {code: EXTRA, name: 加分, name_en: Bonus, weight: 0, rule: bonus, params: {points: 1, cap: 5}, actual: "#{BIRTHS}", target: 1, track: BASE}
"""
PLAIN_ITEMS = """    items:
      - {code: PLAN, name: 人口计划, name_en: Plan, weight: 60, rule: threshold, actual: "#{BIRTHS}", target: 10, direction: lower}
      - {code: RATE, name: 出生率, name_en: Rate, weight: 40, rule: threshold, actual: "N{BIRTH_RATE}", target: 12, direction: lower}
"""
OPTIONS = """    validity_note: 2021年后不再实行生育数量控制
    plan_item: PLAN
    coefficient: "1 + #{POPULATION} / 100000"
    coefficient_name: 人口系数
    period_parts:
      - {code: Q1, name: 第一季度, period_type: Quarterly, index: 1, weight: 4}
      - {code: H2, name: 下半年, name_en: Second half, period_type: SixMonthly, index: 2, weight: 3}
    signatory_roles:
      - {role: party_secretary, name: 村支书, first: true}
      - {role: 镇包村领导, name: 包村领导}
    terms:
      - 考核一等奖的村奖励10000元。
      - 考核不合格的村通报批评。
"""


def scheme_text(options: str = OPTIONS, tracks: str = TRACKS, items: str = ITEMS) -> str:
    """A bundle with two elements, an indicator and one scheme with these parts."""
    head = "schemes:\n  - code: S\n    name: 方案\n    unit_kinds: [village]\n"
    return ELEMENTS + head + options + tracks + items


@pytest.fixture
def refused(write, db) -> Callable[..., list[BundleProblem]]:
    """Load a changed scheme that must be refused, nothing written; its problems."""

    def _refused(**parts: str) -> list[BundleProblem]:
        return load_problems(write(scheme_text(**parts)))

    return _refused


# --- every key is stored --------------------------------------------------------------------


@pytest.mark.django_db
def test_every_new_key_is_stored_in_the_field_of_the_same_name(write) -> None:
    report = load(write(scheme_text()))

    assert report.sections["schemes"].created == 1
    scheme = Scheme.objects.get(code="S")
    assert scheme.tracks[0] == {
        "code": "LEAD",
        "name": "领导班子线",
        "name_en": "Leadership line",
        "weight": 6.0,
        "total": 100.0,  # the scheme's total, as none was given
    }
    assert scheme.tracks[1] == {
        "code": "BASE",
        "name": "基础工作线",
        "name_en": "",
        "weight": 4.0,
        "total": 50.0,
    }
    assert all(isinstance(t["weight"], float) for t in scheme.tracks)
    assert dict(scheme.items.values_list("code", "track")) == {
        "PLAN": "LEAD",
        "RATE": "LEAD",
        "WORK": "BASE",
        "EXTRA": "BASE",
    }
    assert (scheme.coefficient, scheme.coefficient_name) == (
        "1 + #{POPULATION} / 100000",
        "人口系数",
    )
    assert scheme.period_parts == [
        {
            "code": "Q1",
            "name": "第一季度",
            "name_en": "",
            "period_type": "Quarterly",
            "index": 1,
            "weight": 4.0,
        },
        {
            "code": "H2",
            "name": "下半年",
            "name_en": "Second half",
            "period_type": "SixMonthly",
            "index": 2,
            "weight": 3.0,
        },
    ]
    assert scheme.signatory_roles == [
        {"role": "party_secretary", "name": "村支书", "first": True},
        {"role": "镇包村领导", "name": "包村领导", "first": False},
    ]
    assert scheme.terms == ["考核一等奖的村奖励10000元。", "考核不合格的村通报批评。"]
    assert scheme.plan_item == "PLAN"
    assert scheme.validity_note == "2021年后不再实行生育数量控制"
    assert Indicator.objects.get(code="BIRTH_RATE").validity_note == "2021年后不再按出生率考核"


@pytest.mark.django_db
def test_a_scheme_without_the_new_keys_stores_empty_values(write) -> None:
    load(write(scheme_text(options="", tracks="", items=PLAIN_ITEMS)))

    scheme = Scheme.objects.get(code="S")
    assert (scheme.tracks, scheme.period_parts, scheme.signatory_roles, scheme.terms) == (
        [],
        [],
        [],
        [],
    )
    assert (scheme.coefficient, scheme.plan_item, scheme.validity_note) == ("", "", "")
    assert set(scheme.items.values_list("track", flat=True)) == {""}


def test_the_engine_spec_carries_tracks_coefficient_and_period_parts() -> None:
    from kaohe.bundles.loader import parse_bundle_text, validate_bundle

    source, problems = parse_bundle_text(scheme_text())
    assert problems == []

    (record,) = validate_bundle([source]).schemes

    assert record.spec.tracks == (
        TrackSpec("LEAD", "领导班子线", "Leadership line", 6.0, 100.0),
        TrackSpec("BASE", "基础工作线", "", 4.0, 50.0),
    )
    assert record.spec.coefficient == "1 + #{POPULATION} / 100000"
    assert record.spec.coefficient_name == "人口系数"
    assert record.spec.period_parts == (
        PeriodPartSpec("Q1", "第一季度", "", "Quarterly", 1, 4.0),
        PeriodPartSpec("H2", "下半年", "Second half", "SixMonthly", 2, 3.0),
    )
    assert [i.track for i in record.spec.items] == ["LEAD", "LEAD", "BASE", "BASE"]


@pytest.mark.django_db
def test_the_loaded_spec_and_the_stored_rows_hash_alike(write) -> None:
    from kaohe.bundles.loader import load_bundle_files
    from kaohe.schemes.specs import scheme_hash, scheme_spec

    path = write(scheme_text())
    (record,) = load_bundle_files([path]).schemes
    load(path)

    stored = scheme_spec(Scheme.objects.get(code="S"))
    assert stored == record.spec
    assert Scheme.objects.get(code="S").content_hash == scheme_hash(stored) == record.spec_hash


@pytest.mark.parametrize(
    ("scheme_type", "part_type", "count"),
    [
        ("Yearly", "Yearly", 1),  # the scheme's own type: the whole period
        ("Yearly", "Quarterly", 4),
        ("Yearly", "Monthly", 12),
        ("Yearly", "SixMonthlyApril", 1),  # April–September; October–March straddles
        ("Yearly", "Weekly", 51),  # 2026: ISO week 1 starts in 2025, week 53 ends in 2027
        ("Yearly", "Daily", 365),  # an index must exist in every year, leap or not
        ("FinancialOct", "Quarterly", 4),  # 2026Q4 … 2027Q3
        ("FinancialOct", "SixMonthly", 1),  # January–June only
        ("FinancialOct", "BiMonthly", 5),  # November–December … July–August
    ],
)
def test_periods_per_assessment_counts_whole_periods_in_every_year(
    scheme_type, part_type, count
) -> None:
    assert periods_per_assessment(scheme_type, part_type) == count


# --- refusals -------------------------------------------------------------------------------


def test_an_item_naming_an_unknown_track_is_refused(refused) -> None:
    problem = only(
        refused(items=ITEMS.replace("track: BASE}", "track: BASIC}", 1)), "track_unknown"
    )

    assert problem.path == "schemes[0].items[2].track"
    assert problem.message_zh == "分线 BASIC 不是本方案的分线（可用：LEAD、BASE）"
    assert problem.message_en == "track BASIC is not one of this scheme's tracks (LEAD, BASE)"


def test_an_item_without_a_track_is_refused_when_the_scheme_has_tracks(refused) -> None:
    problem = only(refused(items=ITEMS.replace(", track: LEAD", "", 1)), "track_missing")

    assert problem.path == "schemes[0].items[0].track"
    assert problem.message_en == "the scheme declares tracks: every item needs a track"


def test_an_item_naming_a_track_in_a_scheme_without_tracks_is_refused(refused) -> None:
    items = PLAIN_ITEMS.replace("direction: lower}", "direction: lower, track: LEAD}", 1)

    problem = only(refused(tracks="", items=items), "track_unknown")

    assert problem.path == "schemes[0].items[0].track"
    assert problem.message_en.endswith("(the scheme declares no tracks)")


def test_the_items_of_each_track_must_add_up_to_its_total(refused) -> None:
    problems = refused(items=ITEMS.replace("weight: 50,", "weight: 40,"))

    problem = only(problems, "track_weights")
    assert (problem.path, problem.line) == ("schemes[0].tracks[1]", 32)
    assert problem.message_zh == "分线 BASE 的考核项目分值合计 40，不等于该线总分 50（加分项不计）"
    assert problem.message_en == (
        "the items of track BASE add up to 40, not the track's total of 50 (bonus items excluded)"
    )
    assert not [p for p in problems if p.kind == "weights"]  # not checked against the scheme's


def test_a_track_total_defaults_to_the_scheme_total(refused) -> None:
    problem = only(refused(tracks=TRACKS.replace(", total: 50", "")), "track_weights")

    assert problem.message_en.startswith("the items of track BASE add up to 50, not")
    assert "total of 100" in problem.message_en


def test_track_codes_are_unique(refused) -> None:
    tracks = TRACKS + "      - {code: LEAD, name: 又一条线, weight: 1}\n"

    problem = only(refused(tracks=tracks), "duplicate_in_scheme")

    assert problem.path == "schemes[0].tracks[2].code"


@pytest.mark.parametrize(
    ("part", "old", "new", "path"),
    [
        ("tracks", "weight: 6}", "weight: 0}", "schemes[0].tracks[0].weight"),
        ("tracks", "total: 50}", "total: -50}", "schemes[0].tracks[1].total"),
        (
            "options",
            "index: 1, weight: 4}",
            "index: 1, weight: 0}",
            "schemes[0].period_parts[0].weight",
        ),
        (
            "options",
            "index: 2, weight: 3}",
            "index: 2, weight: -3}",
            "schemes[0].period_parts[1].weight",
        ),
    ],
)
def test_weights_must_be_greater_than_zero(refused, part, old, new, path) -> None:
    text = {"tracks": TRACKS, "options": OPTIONS}[part]

    problem = only(refused(**{part: text.replace(old, new)}), "exclusiveMinimum")

    assert problem.path == path
    assert (problem.message_zh, problem.message_en) == ("应大于 0", "must be greater than 0")


def test_a_bad_track_does_not_hide_a_bad_item(refused) -> None:
    problems = refused(
        tracks=TRACKS.replace("weight: 6}", "weight: 0}"),
        items=ITEMS.replace('"N{BIRTH_RATE}"', '"N{BIRTHRATE}"'),
    )

    assert sorted(p.kind for p in problems) == ["exclusiveMinimum", "expression"]


def test_a_bad_coefficient_is_reported_with_its_position(refused) -> None:
    options = OPTIONS.replace('"1 + #{POPULATION} / 100000"', '"1 + #{POPULATON} / 100000"')

    problem = only(refused(options=options), "expression")

    assert (problem.path, problem.line) == ("schemes[0].coefficient", 19)
    assert "line 1, column 5" in problem.detail and "第1行第5列" in problem.detail
    assert 'unknown data element code "POPULATON"' in problem.detail
    *_, formula, caret = problem.detail.splitlines()
    assert caret.index("^") == formula.index("#{POPULATON}")


def test_a_coefficient_must_be_a_number_not_a_condition(refused) -> None:
    options = OPTIONS.replace('"1 + #{POPULATION} / 100000"', '"#{POPULATION} > 1000"')

    assert only(refused(options=options), "expression").path == "schemes[0].coefficient"


def test_a_period_part_needs_a_dhis2_period_type(refused) -> None:
    problem = only(refused(options=OPTIONS.replace("Quarterly", "Quartely")), "period_type")

    assert problem.path == "schemes[0].period_parts[0].period_type"
    assert problem.message_en.startswith("Quartely is not a DHIS2 period type name")


def test_a_period_part_index_must_exist_in_the_assessment_period(refused) -> None:
    options = OPTIONS.replace("Quarterly, index: 1", "Quarterly, index: 5")

    problem = only(refused(options=options), "period_part_index")

    assert problem.path == "schemes[0].period_parts[0].index"
    assert problem.message_zh == "一个考核期间（Yearly）只有 4 个 Quarterly 期间，序号 5 超出范围"
    assert problem.message_en == (
        "one Yearly assessment period holds 4 Quarterly period(s): index 5 is out of range"
    )


def test_a_period_part_of_the_schemes_own_type_is_the_whole_period(refused) -> None:
    options = OPTIONS.replace("SixMonthly, index: 2", "Yearly, index: 2")

    problem = only(refused(options=options), "period_part_index")

    assert "holds 1 Yearly period(s)" in problem.message_en


def test_a_period_part_may_not_be_coarser_than_the_scheme(refused) -> None:
    options = "    period_type: FinancialOct\n" + OPTIONS.replace(
        "SixMonthly, index: 2", "Yearly, index: 1"
    )

    problem = only(refused(options=options), "period_part_coarser")

    assert problem.path == "schemes[0].period_parts[1].period_type"
    assert problem.message_en == (
        "period type Yearly is not finer than the scheme's assessment period FinancialOct"
    )


def test_two_period_parts_may_not_name_the_same_period(refused) -> None:
    options = OPTIONS.replace("SixMonthly, index: 2", "Quarterly, index: 1")

    problem = only(refused(options=options), "period_part_twice")

    assert problem.path == "schemes[0].period_parts[1].index"
    assert problem.message_en == "the same period as entry 1 (Quarterly number 1)"


def test_signatories_need_a_first_responsible_person(refused) -> None:
    problem = only(
        refused(options=OPTIONS.replace("first: true", "first: false")), "signatory_first"
    )

    assert problem.path == "schemes[0].signatory_roles"
    assert problem.message_zh == "签订人中至少要有一位第一责任人（first: true）"


def test_the_plan_item_must_be_an_item_of_the_scheme(refused) -> None:
    problem = only(
        refused(options=OPTIONS.replace("plan_item: PLAN", "plan_item: QUOTA")), "plan_item"
    )

    assert problem.path == "schemes[0].plan_item"
    assert problem.message_en == "plan_item QUOTA is not one of this scheme's items"


@pytest.mark.parametrize(
    ("old", "new", "kind", "path"),
    [
        ("      - 考核不合格的村通报批评。\n", "      - 500\n", "type", "schemes[0].terms[1]"),
        ("first: true}", "first: yes please}", "type", "schemes[0].signatory_roles[0].first"),
        (
            "{role: 镇包村领导, name: 包村领导}",
            "{role: 镇包村领导}",
            "required",
            "schemes[0].signatory_roles[1]",
        ),
        (
            "index: 1, weight: 4}",
            "index: 0, weight: 4}",
            "minimum",
            "schemes[0].period_parts[0].index",
        ),
        ("plan_item: PLAN", "plan_item: PLAN-1", "expr_code_format", "schemes[0].plan_item"),
        ("plan_item: PLAN", "plan_item: PLAN\n    status: final", "enum", "schemes[0].status"),
        (
            "coefficient_name: 人口系数",
            "coefficent_name: 人口系数",
            "unknown_field",
            "schemes[0].coefficent_name",
        ),
    ],
)
def test_the_schema_names_the_wrong_key(refused, old, new, kind, path) -> None:
    assert old in OPTIONS

    problem = only(refused(options=OPTIONS.replace(old, new)), kind)

    assert problem.path == path
