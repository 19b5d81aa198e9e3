"""Designating weak and strict villages from a published run: the rules of the scheme, last
year's designations, idempotence, a newer run of the same year, and the refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.assessments.models import RunStatus
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.remediation.models import Designation, DesignationOrigin
from kaohe.remediation.services import RemediationError, do_designate
from kaohe.schemes.models import Scheme

from .conftest import ACTOR, County, assess

pytestmark = pytest.mark.django_db


def statuses(year: int) -> dict[str, str]:
    rows = Designation.objects.filter(year=year, revoked_at__isnull=True)
    return dict(rows.values_list("unit__code", "status"))


def test_the_first_year_designates_the_failed_village_weak(county: County) -> None:
    outcome = do_designate(county.runs[2005], ACTOR)
    assert [d.unit.code for d in outcome.created] == ["V3"]
    (row,) = outcome.created
    assert (row.status, row.rule, row.scheme_code, row.year) == ("weak", "WEAK_GRADE", "HELP", 2005)
    assert row.run == county.runs[2005]
    assert row.reason_zh == "2005年度总分 60.00，等次 不合格，列为薄弱村"
    assert row.reason_en == "2005 total 60.00, grade Fail: designated weak village"


def test_weak_again_the_next_year_is_strict_and_a_veto_is_strict(county: County) -> None:
    do_designate(county.runs[2005], ACTOR)
    do_designate(county.runs[2006], ACTOR)
    assert statuses(2006) == {"V3": "strict", "V4": "weak", "V5": "strict"}
    v3 = Designation.objects.get(year=2006, unit__code="V3")
    assert v3.rule == "STRICT_AGAIN"
    assert v3.rules == ["WEAK_GRADE", "STRICT_AGAIN"]
    assert v3.reason_zh == (
        "2006年度总分 55.00，等次 不合格，列为薄弱村；连续两年薄弱（上一年度为薄弱），列为严管村"
    )
    v5 = Designation.objects.get(year=2006, unit__code="V5")
    assert v5.rule == "STRICT_VETO"
    assert "2006年度触发否决项 弄虚作假，列为严管村" in v5.reason_zh


def test_without_last_years_designations_nobody_is_weak_again(county: County) -> None:
    do_designate(county.runs[2006], ACTOR)
    assert statuses(2006) == {"V3": "weak", "V4": "weak", "V5": "strict"}


def test_designating_the_same_run_again_changes_nothing(county: County) -> None:
    first = do_designate(county.runs[2006], ACTOR)
    audited = AuditEntry.objects.count()
    stamps = dict(Designation.objects.values_list("pk", "updated_at"))
    again = do_designate(county.runs[2006], ACTOR)
    assert not again.changed
    assert {d.pk for d in again.unchanged} == {d.pk for d in first.created}
    assert AuditEntry.objects.count() == audited
    assert dict(Designation.objects.values_list("pk", "updated_at")) == stamps


def test_each_designation_is_audited(county: County) -> None:
    do_designate(county.runs[2006], ACTOR)
    keys = set(
        AuditEntry.objects.filter(action="designation.create").values_list("object_key", flat=True)
    )
    assert keys == {"HELP/V3/2006", "HELP/V4/2006", "HELP/V5/2006"}


def test_a_draft_run_is_refused(county: County) -> None:
    draft = assess(county.scheme, 2006, published=False)
    with pytest.raises(RemediationError) as refused:
        do_designate(draft, ACTOR)
    assert refused.value.field == "run"
    assert "未发布" in str(refused.value) and "not published" in str(refused.value)
    assert not Designation.objects.exists()


def test_a_superseded_run_is_refused(county: County) -> None:
    run = county.runs[2006]
    type(run).objects.filter(pk=run.pk).update(status=RunStatus.SUPERSEDED)
    with pytest.raises(RemediationError):
        do_designate(run, ACTOR)


def test_a_scheme_without_rules_is_refused(county: County) -> None:
    Scheme.objects.filter(pk=county.scheme.pk).update(designation_rules=[])
    with pytest.raises(RemediationError) as refused:
        do_designate(county.runs[2006], ACTOR)
    assert refused.value.field == "designation_rules"


def test_bad_rules_are_refused_with_every_problem(county: County) -> None:
    Scheme.objects.filter(pk=county.scheme.pk).update(
        designation_rules=[{"code": "X", "status": "odd", "name": "", "when": {"bottom": 0}}]
    )
    with pytest.raises(RemediationError) as refused:
        do_designate(county.runs[2006], ACTOR)
    assert refused.value.field == "designation_rules"
    text = str(refused.value)
    assert "status" in text and "name" in text and "when.bottom" in text
    assert not Designation.objects.exists()


def test_a_newer_run_of_the_same_year_updates_and_withdraws(county: County) -> None:
    do_designate(county.runs[2006], ACTOR)
    v4 = Designation.objects.get(year=2006, unit__code="V4")
    # An appeal corrected V4's score (65 → 75) and the lower bar now fails V2 (85 → 68).
    from kaohe.datavalues.services import do_set_value

    do_set_value(actor=ACTOR, element_code="SCORE", period_code="2006", unit_code="V4", value=75)
    do_set_value(actor=ACTOR, element_code="SCORE", period_code="2006", unit_code="V2", value=68)
    newer = assess(county.scheme, 2006)
    outcome = do_designate(newer, ACTOR)
    assert [d.unit.code for d in outcome.created] == ["V2"]
    assert [d.unit.code for d in outcome.revoked] == ["V4"]
    assert sorted(d.unit.code for d in outcome.updated) == ["V3", "V5"]  # now from the newer run
    v4.refresh_from_db()
    assert v4.revoked_at is not None and str(newer.pk) in v4.revoked_reason
    assert statuses(2006) == {"V2": "weak", "V3": "weak", "V5": "strict"}
    assert set(
        Designation.objects.filter(year=2006, revoked_at=None).values_list("run", flat=True)
    ) == {newer.pk}


def test_a_township_administrator_designates_their_township_run(county: County, users) -> None:
    outcome = do_designate(county.runs[2006], Actor("admin", "web", users["admin"]))
    assert len(outcome.created) == 3


@pytest.mark.parametrize("who", ["other_admin", "reviewer", "reporter_v3"])
def test_others_may_not_designate(county: County, users, who: str) -> None:
    with pytest.raises(PermissionDenied):
        do_designate(county.runs[2006], Actor(who, "web", users[who]))
    assert not Designation.objects.exists()


def test_a_web_call_without_a_person_is_refused(county: County) -> None:
    with pytest.raises(PermissionDenied):
        do_designate(county.runs[2006], Actor("anonymous", "api"))


def test_designations_made_at_an_acceptance_check_are_kept(county: County) -> None:
    kept = Designation.objects.create(
        scheme_code="HELP",
        unit=county.unit("V1"),
        year=2006,
        status="strict",
        rule="acceptance",
        reason_zh="升级为严管",
        origin=DesignationOrigin.ACCEPTANCE,
    )
    outcome = do_designate(county.runs[2006], ACTOR)
    assert kept in outcome.kept
    kept.refresh_from_db()
    assert (kept.status, kept.revoked_at, kept.run) == ("strict", None, None)
