"""Scheme versions: publishing, new versions, editing drafts, comparing; the services and
``kaohe scheme``, and the validity override of ``kaohe assess``."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.changes import SchemeVersionError
from kaohe.schemes.diffing import diff_schemes
from kaohe.schemes.models import (
    BirthPlan,
    Scheme,
    SchemeStatus,
    ScoringItem,
    UnitTarget,
)
from kaohe.schemes.specs import scheme_hash, scheme_spec
from kaohe.schemes.versions import (
    do_edit_draft,
    do_new_version,
    do_publish_scheme,
)

ACTOR = Actor.cli("test")


def snapshot(scheme: Scheme) -> dict[str, object]:
    """Everything stored about a version, to show that a refusal changed nothing."""
    scheme = Scheme.objects.get(pk=scheme.pk)
    return {
        "scheme": {f.attname: getattr(scheme, f.attname) for f in Scheme._meta.concrete_fields},
        "items": list(scheme.items.order_by("code").values()),
        "targets": list(UnitTarget.objects.filter(item__scheme=scheme).order_by("pk").values()),
    }


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- publishing -------------------------------------------------------------------------------


def test_publishing_sets_the_status_the_time_and_who_with_an_audit_row(county: dict) -> None:
    scheme = do_publish_scheme(county["VILLAGE"], Actor.cli("clerk"), note="county meeting")

    stored = Scheme.objects.get(pk=scheme.pk)
    assert stored.status == SchemeStatus.PUBLISHED
    assert stored.published_at is not None and stored.published_by == "clerk"
    assert stored.content_hash == scheme_hash(scheme_spec(stored))
    entry = AuditEntry.objects.get(action="scheme.publish", object_key="VILLAGE v1")
    assert entry.after["note"] == "county meeting" and entry.actor == "clerk"


def test_publishing_twice_is_refused(county: dict) -> None:
    do_publish_scheme(county["VILLAGE"], ACTOR)
    before = snapshot(county["VILLAGE"])

    with pytest.raises(SchemeVersionError, match="already published") as refused:
        do_publish_scheme(county["VILLAGE"], ACTOR)

    assert refused.value.field == "status"
    assert snapshot(county["VILLAGE"]) == before
    assert AuditEntry.objects.filter(action="scheme.publish").count() == 1


def test_a_scheme_that_does_not_compile_is_not_published_and_its_problems_are_listed(
    county: dict,
) -> None:
    # Rows written behind the services' back, as a broken import would leave them.
    ScoringItem.objects.filter(scheme=county["VILLAGE"], code="POLICY").update(
        actual="N{NO_SUCH_INDICATOR}"
    )

    with pytest.raises(SchemeVersionError) as refused:
        do_publish_scheme(county["VILLAGE"], ACTOR)

    assert "NO_SUCH_INDICATOR" in str(refused.value)
    assert "cannot be published" in str(refused.value)
    assert Scheme.objects.get(pk=county["VILLAGE"].pk).status == SchemeStatus.DRAFT
    assert not AuditEntry.objects.filter(action="scheme.publish").exists()


def test_a_scheme_whose_weights_do_not_add_up_is_not_published(county: dict) -> None:
    ScoringItem.objects.filter(scheme=county["VILLAGE"], code="PLAN").update(weight=50)

    with pytest.raises(SchemeVersionError, match="add up to 90, not to the total 100"):
        do_publish_scheme(county["VILLAGE"], ACTOR)


# --- a new version ----------------------------------------------------------------------------


def test_a_new_version_copies_everything_but_the_version(county: dict) -> None:
    source = do_publish_scheme(county["VILLAGE"], ACTOR)

    new = do_new_version(source, ACTOR)

    assert (new.code, new.version, new.status) == ("VILLAGE", 2, SchemeStatus.DRAFT)
    assert new.published_at is None and new.published_by == ""
    assert dataclasses.replace(scheme_spec(new), version=1) == scheme_spec(source)
    assert new.content_hash == scheme_hash(scheme_spec(new)) != source.content_hash
    for name in ("signatory_roles", "terms", "plan_item", "validity_note", "tracks"):
        assert getattr(new, name) == getattr(source, name), name
    assert diff_schemes(source, new) == []
    old_targets = UnitTarget.objects.filter(item__scheme=source)
    new_targets = UnitTarget.objects.filter(item__scheme=new)
    shape = ("item__code", "unit__code", "year", "value")
    assert sorted(new_targets.values_list(*shape)) == sorted(old_targets.values_list(*shape))
    assert new_targets.count() == 4
    assert Scheme.objects.get(pk=source.pk).status == SchemeStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="scheme.new_version", object_key="VILLAGE v2").exists()


def test_a_new_version_of_an_old_version_is_numbered_after_the_highest(county: dict) -> None:
    first = county["VILLAGE"]
    do_new_version(first, ACTOR)

    third = do_new_version(first, ACTOR)

    assert third.version == 3


def test_a_new_version_copies_the_birth_plans(county: dict) -> None:
    BirthPlan.objects.create(
        scheme=county["VILLAGE"],
        township=OrgUnit.objects.get(code="T01"),
        year=2006,
        method="population",
        cap_births=22,
        quotas={"V01": 10, "V02": 12},
    )

    new = do_new_version(county["VILLAGE"], ACTOR)

    plan = new.birth_plans.get()
    assert (plan.year, plan.cap_births, plan.quotas) == (2006, 22, {"V01": 10, "V02": 12})


def test_a_copy_keeps_the_tracks_and_what_each_item_counts_in(county: dict) -> None:
    new = do_new_version(county["TRACKED"], ACTOR)

    assert new.tracks == county["TRACKED"].tracks
    assert dict(new.items.values_list("code", "track")) == {
        "L1": "LEAD",
        "B1": "BASE",
        "B2": "BASE",
    }


# --- editing a draft --------------------------------------------------------------------------


def test_editing_a_draft_changes_items_and_fields_and_rehashes(county: dict) -> None:
    scheme = county["VILLAGE"]
    changes = {
        "name": "村级考核（修订）",
        "year_to": 2012,
        "terms": ["一等奖奖励两万元。"],
        "items": {
            "PLAN": {"weight": 50, "description": "出生人数在计划的85%至100%之间"},
            "POLICY": {"weight": 50, "params": {"points": 3, "whole_steps": True}, "target": 96},
        },
    }

    edited = do_edit_draft(scheme, changes, ACTOR)

    stored = Scheme.objects.get(pk=scheme.pk)
    assert (stored.name, stored.year_to, stored.terms) == (
        "村级考核（修订）",
        2012,
        changes["terms"],
    )
    policy = stored.items.get(code="POLICY")
    assert (policy.weight, policy.target) == (50, 96)
    assert policy.params == {"points": 3, "whole_steps": True}
    assert stored.content_hash == scheme_hash(scheme_spec(stored)) != scheme.content_hash
    assert edited.content_hash == stored.content_hash
    entry = AuditEntry.objects.get(action="scheme.edit")
    assert entry.before["items.PLAN"] == {"weight": 60.0, "description": ""}
    assert entry.after["year_to"] == 2012


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"items": {"PLAN": {"weight": 55}}}, "items", "add up to 95, not to the total 100"),
        ({"total": 90}, "items", "not to the total 90"),
        (
            {"items": {"POLICY": {"params": {"points": -1}}}},
            "items.POLICY.params.points",
            "negative",
        ),
        ({"items": {"POLICY": {"params": {"pionts": 2}}}}, "items.POLICY.params.pionts", "unknown"),
        (
            {"items": {"POLICY": {"rule_type": "rank_points"}}},
            "items.POLICY.params.points",
            "unknown",
        ),
        ({"items": {"POLICY": {"rule_type": "guess"}}}, "items.POLICY.rule_type", "unknown rule"),
        ({"items": {"EXTRA": {"weight": 5}}}, "items.EXTRA.weight", "must weigh 0"),
        ({"items": {"NOPE": {"weight": 5}}}, "items.NOPE", "no item NOPE"),
        ({"items": {"PLAN": {"actual": "#{BIRTHS}"}}}, "items.PLAN.actual", "cannot be edited"),
        ({"items": {"PLAN": {"track": "LEAD"}}}, "items.PLAN.track", "no tracks"),
        ({"year_from": 2011}, "year_to", "before year_from"),
        ({"name": "  "}, "name", "must not be empty"),
        ({"veto_grade": "BEST"}, "veto_grade", "no grade BEST"),
        ({"plan_item": "NOPE"}, "plan_item", "no item NOPE"),
        ({"signatory_roles": [{"role": "director"}]}, "signatory_roles", "first responsible"),
        ({"code": "OTHER"}, "code", "cannot be edited"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_field_and_changes_nothing(
    county: dict, changes: dict, field: str, words: str
) -> None:
    before = snapshot(county["VILLAGE"])

    with pytest.raises(SchemeVersionError, match=words) as refused:
        do_edit_draft(county["VILLAGE"], changes, ACTOR)

    assert refused.value.field == field
    assert " / " in str(refused.value)  # Chinese, then English
    assert snapshot(county["VILLAGE"]) == before
    assert not AuditEntry.objects.filter(action="scheme.edit").exists()


def test_each_track_adds_up_on_its_own(county: dict) -> None:
    tracked = county["TRACKED"]

    with pytest.raises(SchemeVersionError, match="track BASE add up to 80"):
        do_edit_draft(tracked, {"items": {"B1": {"weight": 50}}}, ACTOR)
    with pytest.raises(SchemeVersionError, match="one of the scheme's tracks"):
        do_edit_draft(tracked, {"items": {"B1": {"track": "NONE"}}}, ACTOR)

    moved = {"items": {"B1": {"weight": 50}, "B2": {"weight": 50}}}
    do_edit_draft(tracked, moved, ACTOR)
    assert dict(tracked.items.values_list("code", "weight")) == {"L1": 100, "B1": 50, "B2": 50}


def test_a_published_scheme_cannot_be_edited(county: dict) -> None:
    scheme = do_publish_scheme(county["VILLAGE"], ACTOR)
    before = snapshot(scheme)

    with pytest.raises(SchemeVersionError, match="a published scheme cannot be edited"):
        do_edit_draft(scheme, {"terms": []}, ACTOR)

    assert snapshot(scheme) == before


def test_a_draft_used_by_a_run_keeps_what_it_scores_but_its_contract_wording_may_change(
    county: dict,
) -> None:
    scheme = county["VILLAGE"]
    do_run_assessment(scheme, 2006, actor=ACTOR)

    with pytest.raises(SchemeVersionError, match="used by an assessment run"):
        do_edit_draft(scheme, {"items": {"PLAN": {"weight": 50}, "POLICY": {"weight": 50}}}, ACTOR)
    with pytest.raises(SchemeVersionError, match="used by an assessment run"):
        do_edit_draft(scheme, {"year_to": 2020}, ACTOR)

    do_edit_draft(scheme, {"terms": ["只改条款。"]}, ACTOR)
    assert Scheme.objects.get(pk=scheme.pk).terms == ["只改条款。"]


# --- comparing --------------------------------------------------------------------------------


def test_the_diff_lists_each_changed_field_and_each_added_or_removed_row(county: dict) -> None:
    first = county["VILLAGE"]
    second = do_new_version(first, ACTOR)
    do_edit_draft(second, {"items": {"PLAN": {"weight": 55}, "POLICY": {"weight": 45}}}, ACTOR)
    second.grades.filter(code="GOOD").delete()
    second.constants.create(code="FLOOR", value=3)
    UnitTarget.objects.filter(item__scheme=second, unit__code="V02").update(value=13)

    rows = [(r.part, r.code, r.field, r.a, r.b, r.change) for r in diff_schemes(first, second)]

    assert rows == [
        ("constants", "FLOOR", "", None, 3.0, "added"),
        ("items", "PLAN", "weight", 60.0, 55.0, "changed"),
        ("items", "POLICY", "weight", 40.0, 45.0, "changed"),
        ("grades", "GOOD", "", "好", None, "removed"),
        ("targets", "PLAN/V02/2006", "value", 12.0, 13.0, "changed"),
    ]


# --- kaohe scheme -----------------------------------------------------------------------------


def test_scheme_list_shows_every_version_with_its_status(county: dict) -> None:
    do_publish_scheme(county["VILLAGE"], Actor.cli("clerk"))
    do_new_version(county["VILLAGE"], ACTOR)

    lines = run_command("scheme", "list").splitlines()

    village = [line.split("\t") for line in lines if line.startswith("VILLAGE")]
    assert [(cells[1], cells[2]) for cells in village] == [
        ("v2", "草稿 draft"),
        ("v1", "已发布 published"),
    ]
    assert village[1][3] == "2006–2010" and village[1][6].endswith("clerk")


def test_scheme_show_prints_items_with_their_rules_in_words(county: dict) -> None:
    text = run_command("scheme", "show", "VILLAGE")

    assert "村级考核（VILLAGE v1）草稿 draft" in text
    assert "每低于目标1个百分点扣2分，扣完为止" in text
    assert "2 off per 1 percentage point below the target" in text
    assert "OVER 超计划生育" in text and "FAIL 不合格 ≥ 0" in text
    assert "1. 达到一等奖的村奖励一万元。" in text


def test_scheme_publish_and_new_version_on_the_command_line(county: dict) -> None:
    assert "已发布 VILLAGE v1" in run_command("scheme", "publish", "VILLAGE", "--version", "1")
    with pytest.raises(CommandError, match="already published"):
        run_command("scheme", "publish", "VILLAGE", "--version", "1")

    text = run_command("scheme", "new-version", "VILLAGE", "--from-version", "1")

    assert "VILLAGE v2" in text
    assert Scheme.objects.get(code="VILLAGE", version=2).status == SchemeStatus.DRAFT
    with pytest.raises(CommandError, match="no scheme VILLAGE v7"):
        run_command("scheme", "publish", "VILLAGE", "--version", "7")


def test_scheme_edit_on_the_command_line(county: dict, tmp_path: Path) -> None:
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"items": {"POLICY": {"params": {"points": 4}}}}))

    run_command(
        "scheme", "edit", "VILLAGE", "--version", "1", "--changes", str(changes),
        "--set", "items.PLAN.weight=50", "--set", "items.POLICY.weight=50",
        "--set", "validity_note=2011",
    )  # fmt: skip

    stored = Scheme.objects.get(code="VILLAGE")
    assert dict(stored.items.values_list("code", "weight"))["PLAN"] == 50
    assert stored.items.get(code="POLICY").params == {"points": 4}
    assert stored.validity_note == "2011"
    with pytest.raises(CommandError, match="add up to 110"):
        run_command("scheme", "edit", "VILLAGE", "--version", "1", "--set", "items.PLAN.weight=60")


def test_scheme_edit_of_a_published_version_is_refused(county: dict) -> None:
    run_command("scheme", "publish", "VILLAGE", "--version", "1")

    with pytest.raises(CommandError, match="make a new version"):
        run_command("scheme", "edit", "VILLAGE", "--version", "1", "--set", "total=100")


def test_scheme_diff_on_the_command_line(county: dict) -> None:
    run_command("scheme", "new-version", "VILLAGE")
    assert "the same content" in run_command("scheme", "diff", "VILLAGE", "1", "2")
    do_edit_draft(Scheme.objects.get(code="VILLAGE", version=2), {"validity_note": "改"}, ACTOR)

    text = run_command("scheme", "diff", "VILLAGE", "1", "2")

    assert text.splitlines() == ["scheme\t-\tvalidity_note\t按2006年细则\t改"]


# --- the validity years on the command line ---------------------------------------------------


def test_assess_outside_the_years_is_refused_without_a_reason(county: dict) -> None:
    with pytest.raises(CommandError) as refused:
        run_command("assess", "--scheme", "VILLAGE", "--year", "2012")

    assert "2006–2010" in str(refused.value) and "按2006年细则" in str(refused.value)
    assert not AssessmentRun.objects.exists()
    with pytest.raises(CommandError, match="give a reason"):
        run_command("assess", "--scheme", "VILLAGE", "--year", "2012", "--no-save")


def test_assess_with_a_reason_stores_it_and_the_warnings(county: dict) -> None:
    run_command(
        "assess", "--scheme", "VILLAGE", "--year", "2021",
        "--override-validity", "对比历年口径",
    )  # fmt: skip

    run = AssessmentRun.objects.get()
    assert run.validity_override == "对比历年口径"
    assert any("POLICY_RATE" in w and "2021年后" in w for w in run.warnings)
    assert any("VILLAGE" in w for w in run.warnings)
