"""The ``validation_rules:`` section of bundles, and the rules shipped in the libraries."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.bundles.loader import BundleError, load_bundle_files
from kaohe.bundles.services import do_load_bundles
from kaohe.elements.models import DataSet
from kaohe.engine.validation import Status
from kaohe.orgunits.models import OrgUnit
from kaohe.validation.evaluation import check_year, compiled
from kaohe.validation.models import ValidationRule

from .conftest import CONSOLE, WORLD, store

LIBRARY = Path(__file__).resolve().parents[2] / "kaohe" / "library"

HEAD = """\
kaohe_bundle: 1
elements:
  - {code: A, name: 甲, value_type: integer, aggregation: sum}
  - {code: B, name: 乙, value_type: integer, aggregation: sum}
datasets:
  - {code: M, name: 月报, period_type: Monthly, unit_kinds: [village], elements: [A, B]}
validation_rules:
"""

RULE = """\
  - code: R1
    name: 甲不大于乙
    left: "#{A}"
    operator: less_than_or_equal_to
    right: "#{B}"
    period_type: Monthly
    message_zh: 甲不能大于乙
"""


def problems(tmp_path: Path, rules: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "b.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(rules), "  "), encoding="utf-8")
    with pytest.raises(BundleError) as caught:
        load_bundle_files([path])
    return [(p.kind, p.path, str(p)) for p in caught.value.problems]


def rule(**changes: str) -> str:
    lines = textwrap.dedent(RULE.replace("  - ", "- ", 1).replace("\n    ", "\n  "))
    for key, value in changes.items():
        if f"  {key}:" in lines:
            lines = "\n".join(
                f"  {key}: {value}" if line.startswith(f"  {key}:") else line
                for line in lines.splitlines()
            )
        else:
            lines = lines.rstrip("\n") + f"\n  {key}: {value}"
    return lines + "\n"


def test_a_rule_loads_with_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(HEAD + RULE, encoding="utf-8")

    (record,) = load_bundle_files([path]).validation_rules

    assert record.code == "R1" and record.dataset is None
    assert record.fields["importance"] == "medium"
    assert (
        record.fields["left_missing"]
        == record.fields["right_missing"]
        == ("SKIP_IF_ALL_VALUES_MISSING")
    )
    assert record.fields["unit_kinds"] == [] and record.fields["message_en"] == ""


@pytest.mark.parametrize(
    ("changes", "kind", "path", "fragment"),
    [
        ({"left": '"#{NOPE}"'}, "expression", "validation_rules[0].left", "NOPE"),
        ({"right": '"#{A} >"'}, "expression", "validation_rules[0].right", ""),
        ({"left": '"#{A} > 1"'}, "expression", "validation_rules[0].left", "数值"),
        (
            {"left": '"#{A}.periodOffset(-1)"'},
            "validation_side",
            "validation_rules[0].left",
            "periodOffset",
        ),
        ({"operator": "at_most"}, "enum", "validation_rules[0].operator", "less_than"),
        ({"importance": "urgent"}, "enum", "validation_rules[0].importance", "high"),
        ({"left_missing": "SKIP"}, "enum", "validation_rules[0].left_missing", "NEVER_SKIP"),
        ({"period_type": "Monthy"}, "period_type", "validation_rules[0].period_type", "Monthly"),
        ({"dataset": "NOPE"}, "unknown", "validation_rules[0].dataset", "数据集"),
        (
            {"dataset": "M", "period_type": "Yearly"},
            "validation_period_type",
            "validation_rules[0].period_type",
            "Monthly",
        ),
        ({"unit_kinds": "[hamlet]"}, "enum", "validation_rules[0].unit_kinds[0]", "village"),
        ({"colour": "red"}, "unknown_field", "validation_rules[0].colour", "colour"),
    ],
)
def test_a_bad_rule_is_refused_pointing_at_the_field(
    tmp_path: Path, changes: dict[str, str], kind: str, path: str, fragment: str
) -> None:
    found = problems(tmp_path, rule(**changes))

    assert [(k, p) for k, p, _m in found] == [(kind, path)]
    assert fragment in found[0][2]


def test_a_rule_without_its_period_type_is_refused(tmp_path: Path) -> None:
    text = "\n".join(line for line in rule().splitlines() if "period_type" not in line)

    assert [k for k, _p, _m in problems(tmp_path, text + "\n")] == ["required"]


def test_a_code_used_twice_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, rule() + rule())

    assert [(k, p) for k, p, _m in found] == [("duplicate_code", "validation_rules[1].code")]


@pytest.mark.django_db
def test_loading_writes_the_rules_audited_and_again_changes_nothing() -> None:
    report = do_load_bundles([str(WORLD)], CONSOLE)

    assert report.sections["validation_rules"].created == 4
    rule = ValidationRule.objects.get(code="POLICY_LE_BIRTHS")
    assert (rule.dataset.code, rule.importance, rule.right_missing) == (
        "MONTHLY",
        "high",
        "NEVER_SKIP",
    )
    assert DataSet.objects.get(code="MONTHLY").validation_required
    assert AuditEntry.objects.filter(action="validationrule.create").count() == 4
    again = do_load_bundles([str(WORLD)], CONSOLE)
    assert again.sections["validation_rules"].unchanged == 4 and not again.changed


@pytest.mark.django_db
def test_a_changed_rule_is_updated(tmp_path: Path) -> None:
    do_load_bundles([str(WORLD)], CONSOLE)
    text = WORLD.read_text(encoding="utf-8").replace("importance: low", "importance: medium")
    changed = tmp_path / "world.yaml"
    changed.write_text(text, encoding="utf-8")

    report = do_load_bundles([str(changed)], CONSOLE)

    assert report.sections["validation_rules"].updated == 1
    assert ValidationRule.objects.get(code="MISSED_LE_FOUND").importance == "medium"
    entry = AuditEntry.objects.get(action="validationrule.update")
    assert entry.before == {"importance": "low"} and entry.after == {"importance": "medium"}


# --- the libraries ---------------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "count"), [("2006", 23), ("2026", 13)])
def test_the_library_rules_load_and_compile(folder: str, count: int) -> None:
    bundle = load_bundle_files(sorted((LIBRARY / folder).glob("*.yaml")))

    rules = bundle.validation_rules
    assert len(rules) == count
    for record in rules:
        fields = record.fields
        assert fields["message_zh"] and fields["message_en"], record.code
        assert fields["name_en"], record.code
        assert record.dataset is not None, record.code


UNITS = """\
kaohe_bundle: 1
units:
  - {code: T01, name: 城关镇, kind: township}
  - {code: V01, name: 东村, kind: village, parent: T01}
  - {code: V02, name: 西村, kind: village, parent: T01}
"""


@pytest.mark.django_db
def test_the_seed_rules_hold_on_consistent_figures_and_catch_inconsistent_ones(
    tmp_path: Path,
) -> None:
    units = tmp_path / "units.yaml"
    units.write_text(UNITS, encoding="utf-8")
    library = sorted(str(p) for p in (LIBRARY / "2006").glob("*.yaml"))
    do_load_bundles([*library, str(units)], CONSOLE)
    rules = ValidationRule.objects.all()
    assert len(compiled(rules)) == 23
    consistent = {
        "BIRTHS": 4, "BIRTHS_POLICY": 3, "BIRTHS_BOYS": 2, "BIRTHS_GIRLS": 2, "BIRTHS_FIRST": 2,
        "BIRTHS_FIRST_LATE": 1, "MARRIAGES_FIRST": 2, "MARRIAGES_LATE": 1, "POPULATION": 1800,
        "MWRA": 300, "MWRA_CONTRACEPTING": 270, "MEASURES_DUE": 5, "MEASURES_DONE": 5,
        "MIGRANT_WOMEN": 20, "MIGRANT_CERT": 18, "MIGRANT_FILED": 20, "MIGRANT_VERIFIED": 15,
        "REWARD_DUE": 6, "REWARD_PAID": 6,
    }  # fmt: skip
    store("V01", "200603", consistent)
    # Policy births above births, a girl short, more certificates than migrant women.
    store(
        "V02", "200603", {**consistent, "BIRTHS_POLICY": 5, "BIRTHS_GIRLS": 1, "MIGRANT_CERT": 25}
    )

    checks = check_year(OrgUnit.objects.get(code="T01"), 2006)

    failed = {(c.unit.code, c.rule.code) for c in checks if c.status is Status.FAILED}
    assert failed == {
        ("V02", "VR_POLICY_BIRTHS_LE_BIRTHS"),
        ("V02", "VR_BOYS_GIRLS_EQ_BIRTHS"),
        ("V02", "VR_MIGRANT_CERT_LE_WOMEN"),
    }
    march = {c.rule.code for c in checks if c.unit.code == "V01" and c.period.code == "200603"}
    monthly = {r.code for r in rules if r.period_type == "Monthly" and "village" in r.unit_kinds}
    assert march == monthly and len(monthly) == 12
    assert all(
        c.status is Status.PASSED
        for c in checks
        if c.unit.code == "V01" and c.period.code == "200603"
    )
