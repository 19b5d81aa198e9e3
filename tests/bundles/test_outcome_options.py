"""A scheme's outcome keys: appeal days, designation rules, money rules, veto consequences.

Each key loads into the model field of the same name (a veto's consequences into its row),
stays out of the content hash, and is refused — the whole load writing nothing — with a
problem that names the key: its shape by the bundle schema, its meaning by the engine's own
readers, and its references (grades, vetoes, items, roles, unit kinds) by the loader. A
published scheme refuses a change to any of them; a draft a run has used may still change them,
as it may its contract terms.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe.assessments.models import AssessmentRun
from kaohe.bundles.loader import BundleProblem, parse_bundle_text, validate_bundle
from kaohe.engine.designation import designation_rules_from_config
from kaohe.engine.money import money_rules_from_config
from kaohe.schemes.models import Scheme

from .conftest import load, load_problems, only

HEAD = """kaohe_bundle: 1
elements:
  - {code: BIRTHS, name: 出生人数, value_type: integer, aggregation: sum}
  - {code: CONCEALED, name: 瞒报出生, value_type: integer, aggregation: sum}
schemes:
  - code: S
    name: 方案
    unit_kinds: [village]
    signatory_roles:
      - {role: party_secretary, name: 村支书, first: true}
      - {role: 镇包村领导, name: 包村领导}
    items:
      - {code: PLAN, name: 人口计划, name_en: Plan, weight: 60, rule: threshold, actual: "#{BIRTHS}", target: 10, direction: lower}
      - {code: CASES, name: 瞒报, name_en: Concealed, weight: 40, rule: per_case, params: {points: 5}, actual: "#{CONCEALED}"}
    vetoes:
      - code: OVER
        name: 超计划生育
        name_en: Over the plan
        condition: "#{BIRTHS} > 12"
        consequences: [一年内不得评先评优, 一年内不得提拔重用]
      - {code: HIDDEN, name: 瞒报出生, name_en: Concealed, condition: "#{CONCEALED} > 0"}
    grades:
      - {code: FIRST, name: 一等奖, name_en: First, min_total: 90}
      - {code: PASS, name: 合格, name_en: Pass, min_total: 60}
      - {code: FAIL, name: 不合格, name_en: Fail, min_total: 0}
"""
APPEALS = "    appeal_days: 7\n"
DESIGNATION = """    designation_rules:
      - {code: WEAK_GRADE, status: weak, name: 薄弱村, name_en: Weak village, when: {grade_in: [FAIL]}}
      - {code: WEAK_BOTTOM, status: weak, name: 薄弱村, unit_kinds: [village], when: {bottom: 2}}
      - {code: STRICT_AGAIN, status: strict, name: 严管村, when: {weak_again: true}}
      - {code: STRICT_HIDDEN, status: strict, name: 严管村, when: {veto_in: [HIDDEN]}}
      - {code: CARD, status: yellow_card, name: 黄牌警告, when: {total_below: 65}}
"""
MONEY = """    money_rules:
      - {code: REWARD, kind: grade_amount, name: 等次奖励, amounts: {FIRST: 10000, PASS: 0, FAIL: -2000}}
      - code: FINE
        kind: per_case
        name: 瞒报罚款
        case: HIDDEN_BIRTHS
        item: CASES
        per_case: 500
      - code: SPLIT
        kind: split
        name: 分配
        applies_to: [REWARD, FINE]
        shares: {unit: 0.6, party_secretary: 0.3, 镇包村领导: 0.1}
      - code: PAY
        kind: withheld_pay
        name: 绩效工资
        per_role: {party_secretary: 600}
        release: {FIRST: 1, PASS: 0.8, FAIL: 0}
      - code: DEPOSIT
        kind: risk_deposit
        name: 风险抵押金
        per_role: {party_secretary: 1000, 镇包村领导: 500}
        success_grades: [FIRST, PASS]
        multiple: 1.5
      - {code: CUT, kind: haircut, name: 核查扣减, applies_to: [REWARD]}
      - {code: VETO, kind: veto, name: 否决, effect: [zero_rewards, fine], amount: 1000}
"""


def bundle(*parts: str, head: str = HEAD) -> str:
    return head + "".join(parts)


@pytest.fixture
def refused(write, db) -> Callable[..., list[BundleProblem]]:
    """The problems of a bundle that must be refused (nothing written)."""

    def _refused(text: str) -> list[BundleProblem]:
        return load_problems(write(text))

    return _refused


def _paths(problems: list[BundleProblem], kind: str) -> list[str]:
    return [p.path for p in problems if p.kind == kind]


# --- each key is stored ------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_outcome_key_is_stored_in_its_field(write) -> None:
    report = load(write(bundle(APPEALS, DESIGNATION, MONEY)))

    assert report.sections["schemes"].created == 1
    scheme = Scheme.objects.get(code="S")
    assert scheme.appeal_days == 7
    assert [r["code"] for r in scheme.designation_rules] == [
        "WEAK_GRADE",
        "WEAK_BOTTOM",
        "STRICT_AGAIN",
        "STRICT_HIDDEN",
        "CARD",
    ]
    assert scheme.designation_rules[3] == {
        "code": "STRICT_HIDDEN",
        "status": "strict",
        "name": "严管村",
        "when": {"veto_in": ["HIDDEN"]},
    }
    assert [r["kind"] for r in scheme.money_rules] == [
        "grade_amount",
        "per_case",
        "split",
        "withheld_pay",
        "risk_deposit",
        "haircut",
        "veto",
    ]
    assert scheme.money_rules[2]["shares"] == {
        "unit": 0.6,
        "party_secretary": 0.3,
        "镇包村领导": 0.1,
    }
    assert dict(scheme.vetoes.values_list("code", "consequences")) == {
        "OVER": ["一年内不得评先评优", "一年内不得提拔重用"],
        "HIDDEN": [],
    }


@pytest.mark.django_db
def test_the_stored_rules_are_read_by_the_engine_as_they_will_be_applied(write) -> None:
    load(write(bundle(DESIGNATION, MONEY)))
    scheme = Scheme.objects.get(code="S")

    designations = designation_rules_from_config(scheme.designation_rules)
    money = money_rules_from_config(scheme.money_rules)

    assert [r.status for r in designations] == ["weak", "weak", "strict", "strict", "yellow_card"]
    assert [r.code for r in money] == ["REWARD", "FINE", "SPLIT", "PAY", "DEPOSIT", "CUT", "VETO"]


@pytest.mark.django_db
def test_amounts_may_be_quoted_decimals_and_are_stored_as_written(write) -> None:
    text = bundle(MONEY.replace("per_case: 500", 'per_case: "500.50"'))

    load(write(text))

    rule = Scheme.objects.get(code="S").money_rules[1]
    assert rule["per_case"] == "500.50"
    assert money_rules_from_config([rule])[0].terms.per_case == Decimal("500.50")


@pytest.mark.django_db
def test_without_the_keys_appeals_are_not_accepted_and_there_are_no_rules(write) -> None:
    load(write(bundle()))

    scheme = Scheme.objects.get(code="S")
    assert (scheme.appeal_days, scheme.designation_rules, scheme.money_rules) == (None, [], [])


def test_the_keys_do_not_enter_the_content_hash() -> None:
    def record(text: str):  # type: ignore[no-untyped-def]
        source, problems = parse_bundle_text(text)
        assert problems == []
        (scheme,) = validate_bundle([source]).schemes
        return scheme

    plain = record(
        bundle(
            head=HEAD.replace(
                "        consequences: [一年内不得评先评优, 一年内不得提拔重用]\n", ""
            )
        )
    )
    full = record(bundle(APPEALS, DESIGNATION, MONEY))

    assert full.spec_hash == plain.spec_hash
    assert full.fields["appeal_days"] == 7 and plain.fields["appeal_days"] is None


# --- refusals name the key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [("-1", "minimum"), ("seven", "type"), ("1.5", "type")],
)
def test_appeal_days_must_be_a_whole_number_of_days(refused, value, kind) -> None:
    problems = refused(bundle(f"    appeal_days: {value}\n"))

    assert only(problems, kind).path == "schemes[0].appeal_days"


def test_a_designation_rule_of_an_unknown_status_lists_the_statuses(refused) -> None:
    text = bundle(
        DESIGNATION.replace(
            "status: weak, name: 薄弱村, name_en", "status: weakest, name: 薄弱村, name_en"
        )
    )

    problem = only(refused(text), "enum")

    assert problem.path == "schemes[0].designation_rules[0].status"
    assert "weak, strict, yellow_card" in problem.message_en


@pytest.mark.parametrize(
    ("when", "kind", "path"),
    [
        ("{bottom: 2, vetoed: true}", "maxProperties", "when"),
        ("{}", "minProperties", "when"),
        ("{bottom: 0}", "minimum", "when.bottom"),
        ("{vetoed: false}", "const", "when.vetoed"),
        ("{grade_in: []}", "minItems", "when.grade_in"),
        ("{graded: [FAIL]}", "unknown_field", "when.graded"),
    ],
)
def test_a_designation_condition_is_one_test_of_the_right_shape(refused, when, kind, path) -> None:
    text = bundle(DESIGNATION.replace("when: {bottom: 2}", f"when: {when}"))

    problem = only(refused(text), kind)

    assert problem.path == f"schemes[0].designation_rules[1].{path}"


def test_a_false_condition_says_it_must_be_true(refused) -> None:
    text = bundle(DESIGNATION.replace("{weak_again: true}", "{weak_again: false}"))

    problem = only(refused(text), "const")

    assert (problem.message_zh, problem.message_en) == (
        "应为 true，而不是 false",
        "must be true, got false",
    )


def test_designation_rules_name_grades_vetoes_and_unit_kinds_of_the_scheme(refused) -> None:
    text = bundle(
        DESIGNATION.replace("grade_in: [FAIL]", "grade_in: [FAIL, WORST]")
        .replace("veto_in: [HIDDEN]", "veto_in: [CONCEAL]")
        .replace("unit_kinds: [village]", "unit_kinds: [department]")
    )

    problems = refused(text)

    grade = only(problems, "rule_grade")
    assert grade.path == "schemes[0].designation_rules[0].when.grade_in[1]"
    assert grade.message_en == "grade WORST is not one of this scheme's grades (FIRST, PASS, FAIL)"
    veto = only(problems, "rule_veto")
    assert veto.path == "schemes[0].designation_rules[3].when.veto_in[0]"
    assert veto.message_zh == "否决项 CONCEAL 不是本方案的一票否决项（可用：OVER、HIDDEN）"
    kind = only(problems, "rule_unit_kind")
    assert kind.path == "schemes[0].designation_rules[1].unit_kinds[0]"


def test_a_designation_code_used_twice_is_refused_by_the_engine_under_its_rule(refused) -> None:
    text = bundle(DESIGNATION.replace("code: CARD", "code: WEAK_GRADE"))

    problem = only(refused(text), "outcome_rule")

    assert problem.path == "schemes[0].designation_rules[4]"
    assert "code" in problem.message_en and "WEAK_GRADE" in problem.message_en


def test_a_money_rule_of_an_unknown_kind_lists_the_kinds(refused) -> None:
    problem = only(refused(bundle(MONEY.replace("kind: haircut", "kind: trim"))), "enum")

    assert problem.path == "schemes[0].money_rules[5].kind"
    assert "grade_amount" in problem.message_en and "haircut" in problem.message_en


def test_a_money_rule_needs_the_keys_of_its_kind(refused) -> None:
    text = bundle(MONEY.replace("        success_grades: [FIRST, PASS]\n", ""))

    problem = only(refused(text), "required")

    assert problem.path == "schemes[0].money_rules[4]"
    assert problem.message_en == "missing required field(s): success_grades"


def test_a_misspelt_money_key_gets_a_suggestion(refused) -> None:
    problem = only(refused(bundle(MONEY.replace("per_case: 500", "per_cse: 500"))), "unknown_field")

    assert problem.path == "schemes[0].money_rules[1].per_cse"
    assert "per_case" in problem.message_en


@pytest.mark.parametrize(
    ("old", "new", "path", "kind"),
    [
        ("applies_to: [REWARD]}", "applies_to: everything}", "money_rules[5].applies_to", "const"),
        ("PASS: 0.8", "PASS: 1.8", "money_rules[3].release.PASS", "maximum"),
        ("per_case: 500", "per_case: -500", "money_rules[1].per_case", "minimum"),
        ("per_case: 500", 'per_case: "5百"', "money_rules[1].per_case", "decimal_format"),
        ("FAIL: -2000", 'FAIL: "-2,000"', "money_rules[0].amounts.FAIL", "decimal_format"),
        ("effect: [zero_rewards, fine]", "effect: nothing", "money_rules[6].effect", "enum"),
    ],
)
def test_money_values_of_the_wrong_shape_are_named(refused, old, new, path, kind) -> None:
    problem = only(refused(bundle(MONEY.replace(old, new))), kind)

    assert problem.path == f"schemes[0].{path}"


@pytest.mark.parametrize(
    ("old", "new", "index", "named"),
    [
        ("镇包村领导: 0.1}", "镇包村领导: 0.2}", 2, "shares"),  # the shares add up to 1.1
        ("per_case: 500", "per_case: 500.005", 1, "per_case"),  # finer than the fen
        ("applies_to: [REWARD, FINE]", "applies_to: [REWARD, BONUS]", 2, "BONUS"),
        (
            "amounts: {FIRST: 10000,",
            "per_role: {director: 1}, amounts: {FIRST: 10000,",
            0,
            "per_role",
        ),
    ],
)
def test_the_engine_refuses_what_it_could_not_apply_under_the_rule(
    refused, old, new, index, named
) -> None:
    problem = only(refused(bundle(MONEY.replace(old, new))), "outcome_rule")

    assert problem.path == f"schemes[0].money_rules[{index}]"
    assert named in problem.message_zh and named in problem.message_en
    assert f"money rule {index + 1}" in problem.message_en


def test_money_rules_name_grades_of_the_scheme(refused) -> None:
    text = bundle(
        MONEY.replace("PASS: 0, FAIL", "GOOD: 0, FAIL")
        .replace("release: {FIRST: 1", "release: {BEST: 1")
        .replace("success_grades: [FIRST, PASS]", "success_grades: [FIRST, SECOND]")
    )

    problems = refused(text)

    assert _paths(problems, "rule_grade") == [
        "schemes[0].money_rules[0].amounts.GOOD",
        "schemes[0].money_rules[3].release.BEST",
        "schemes[0].money_rules[4].success_grades[1]",
    ]


def test_money_rules_pay_official_roles_and_the_schemes_signatory_roles_only(refused) -> None:
    text = bundle(
        MONEY.replace("party_secretary: 0.3", "secretary: 0.3").replace(
            "镇包村领导: 500}", "包村领导: 500}"
        )
    )

    problems = refused(text)

    assert _paths(problems, "rule_role") == [
        "schemes[0].money_rules[2].shares.secretary",
        "schemes[0].money_rules[4].per_role.包村领导",
    ]
    problem = only([p for p in problems if "包村领导" in p.path], "rule_role")
    assert "镇包村领导" in problem.message_en and "stationed_cadre" in problem.message_en


def test_a_fine_per_case_counts_the_actual_of_an_item_of_the_scheme(refused) -> None:
    problem = only(refused(bundle(MONEY.replace("item: CASES", "item: CASE"))), "rule_item")

    assert problem.path == "schemes[0].money_rules[1].item"
    assert problem.message_en == "item CASE is not one of this scheme's items (PLAN, CASES)"


def test_without_an_item_the_case_code_names_the_item(refused, write) -> None:
    without_item = MONEY.replace("        item: CASES\n", "")

    problem = only(refused(bundle(without_item)), "rule_item")
    assert problem.path == "schemes[0].money_rules[1].case"

    load(write(bundle(without_item.replace("case: HIDDEN_BIRTHS", "case: CASES")), "ok.yaml"))
    assert "item" not in Scheme.objects.get(code="S").money_rules[1]


def test_a_rule_limited_to_kinds_the_scheme_does_not_assess_is_refused(refused) -> None:
    text = bundle(
        MONEY.replace("kind: haircut,", "kind: haircut, unit_kinds: [village, department],")
    )

    problem = only(refused(text), "rule_unit_kind")

    assert problem.path == "schemes[0].money_rules[5].unit_kinds[1]"
    assert problem.message_en == "unit kind department is not one the scheme assesses (village)"


@pytest.mark.parametrize(
    ("consequences", "kind", "path"),
    [
        ("一年内不得评先评优", "type", "vetoes[0].consequences"),
        ('[""]', "minLength", "vetoes[0].consequences[0]"),
    ],
)
def test_a_vetos_consequences_are_a_list_of_texts(refused, consequences, kind, path) -> None:
    text = HEAD.replace("[一年内不得评先评优, 一年内不得提拔重用]", consequences)

    assert only(refused(text), kind).path == f"schemes[0].{path}"


# --- published and used schemes ----------------------------------------------------------------

CHANGES = [
    (APPEALS, "    appeal_days: 10\n", "appeal_days"),
    (DESIGNATION, DESIGNATION.replace("bottom: 2", "bottom: 3"), "designation_rules"),
    (MONEY, MONEY.replace("FIRST: 10000", "FIRST: 8000"), "money_rules"),
    ("", "", "consequences"),
]


def _changed(old: str, new: str, name: str) -> tuple[str, str]:
    """The bundle before and after a change of one outcome key."""
    parts = [APPEALS, DESIGNATION, MONEY]
    before = bundle(*parts)
    after = bundle(*[new if part == old else part for part in parts])
    if name == "consequences":
        after = after.replace("一年内不得提拔重用]", "两年内不得提拔重用]")
    assert before != after
    return before, after


def _value(scheme: Scheme, name: str) -> object:
    """The stored value of one outcome key."""
    if name == "consequences":
        return dict(scheme.vetoes.values_list("code", "consequences"))
    return getattr(scheme, name)


@pytest.mark.parametrize(("old", "new", "name"), CHANGES, ids=[c[2] for c in CHANGES])
@pytest.mark.django_db
def test_a_published_scheme_refuses_a_change_of_an_outcome_key(write, old, new, name) -> None:
    before, after = _changed(old, new, name)
    publish = "    unit_kinds: [village]\n    status: published\n"
    load(write(before.replace("    unit_kinds: [village]\n", publish, 1), "v1.yaml"))
    stored = _value(Scheme.objects.get(code="S"), name)

    problems = load_problems(write(after, "changed.yaml"))

    problem = only(problems, "scheme_published")
    assert f"(changed: {name})" in problem.message_en
    assert f"（改动：{name}）" in problem.message_zh
    assert _value(Scheme.objects.get(code="S"), name) == stored


@pytest.mark.parametrize(("old", "new", "name"), CHANGES, ids=[c[2] for c in CHANGES])
@pytest.mark.django_db
def test_a_used_draft_may_still_change_an_outcome_key_keeping_its_hash(
    write, old, new, name
) -> None:
    before, after = _changed(old, new, name)
    load(write(before, "v1.yaml"))
    scheme = Scheme.objects.get(code="S")
    AssessmentRun.objects.create(
        scheme=scheme,
        year=2006,
        period_code="2006",
        inputs_hash="x",
        scheme_hash=scheme.content_hash,
    )

    stored = _value(scheme, name)

    report = load(write(after, "changed.yaml"))

    assert report.sections["schemes"].updated == 1
    again = Scheme.objects.get(code="S")
    assert _value(again, name) != stored
    assert again.content_hash == scheme.content_hash


@pytest.mark.django_db
def test_loading_the_same_outcome_keys_again_changes_nothing(write) -> None:
    path: Path = write(bundle(APPEALS, DESIGNATION, MONEY))
    load(path)

    report = load(path)

    assert (report.sections["schemes"].unchanged, report.changed) == (1, False)
