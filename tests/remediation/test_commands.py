"""``kaohe remediation``: designate, list, make a plan, record progress and the acceptance
check, list overdue plans; refusals end the command with the service's message."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.audit.models import AuditEntry
from kaohe.remediation.models import Designation, ProgressEntry, RemediationPlan

from .conftest import County

pytestmark = pytest.mark.django_db


def run(*args: object) -> str:
    out = io.StringIO()
    call_command("remediation", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_designate_lists_the_designated_units(county: County) -> None:
    run("designate", county.runs[2005].pk)
    text = run("designate", county.runs[2006].pk)
    assert "V3\t三村\tstrict\t2006年度总分 55.00" in text
    assert "新认定 3，更新 0，未变 0，撤销 0" in text
    again = run("designate", county.runs[2006].pk)
    assert "未变 3" in again
    assert AuditEntry.objects.filter(action="designation.create", channel="cli").count() == 4


def test_designate_refuses_an_unknown_run(county: County) -> None:
    with pytest.raises(CommandError, match="no run"):
        run("designate", 999999)


def test_the_whole_cycle_from_the_console(county: County) -> None:
    run("designate", county.runs[2006].pk)
    listed = run("designations", "--year", 2006, "--township", "T")
    assert len(listed.splitlines()) == 3 and "\t-\t" in listed
    v4 = Designation.objects.get(unit__code="V4", year=2006)
    made = run(
        "plan", v4.pk, "--leader", "T_HEAD", "--staff", "T_CADRE", "V4_SEC",
        "--responsibilities", "驻村整改", "--deadline", "2007-06-30",
        "--rewards-penalties", "转化奖励", "--shares-outcome",
    )  # fmt: skip
    plan = RemediationPlan.objects.get()
    assert f"已制定帮促方案 {plan.pk}" in made
    assert plan.shares_outcome and plan.staff.count() == 2
    assert f"{plan.pk}\t2006\tV4\tweak\topen\t2007-06-30" in run("plans", "--status", "open")
    assert "0 个方案超期" in run("overdue", "T", "--today", "2007-06-30")
    late = run("overdue", "T", "--today", "2007-07-01")
    assert f"{plan.pk}\t2006\tV4\t四村\t2007-06-30" in late and "1 个方案超期" in late
    run("progress", plan.pk, "--text", "召开整改会", "--date", "2007-03-01")
    assert ProgressEntry.objects.get().text == "召开整改会"
    with pytest.raises(CommandError, match="new_deadline|新的完成时限"):
        run(
            "accept",
            plan.pk,
            "--outcome",
            "continued",
            "--findings",
            "仍需整改",
            "--date",
            "2007-07-01",
        )
    run(
        "accept", plan.pk, "--outcome", "continued", "--findings", "仍需整改",
        "--date", "2007-07-01", "--new-deadline", "2007-12-31",
    )  # fmt: skip
    assert "0 个方案超期" in run("overdue", "T", "--today", "2007-07-02")
    out = run(
        "accept", plan.pk, "--outcome", "lifted", "--findings", "已转化", "--date", "2007-12-31"
    )
    assert "lifted" in out
    plan.refresh_from_db()
    assert plan.status == "lifted"


def test_a_plan_refused_by_the_service_says_why(county: County) -> None:
    run("designate", county.runs[2006].pk)
    v4 = Designation.objects.get(unit__code="V4", year=2006)
    with pytest.raises(CommandError, match="W1_SEC"):
        run(
            "plan", v4.pk, "--leader", "W1_SEC", "--staff", "T_CADRE",
            "--responsibilities", "x", "--deadline", "2007-06-30", "--rewards-penalties", "y",
        )  # fmt: skip
    with pytest.raises(CommandError, match="no official"):
        run(
            "plan", v4.pk, "--leader", "NOBODY", "--staff", "T_CADRE",
            "--responsibilities", "x", "--deadline", "2007-06-30", "--rewards-penalties", "y",
        )  # fmt: skip
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("overdue", "T", "--today", "tomorrow")
    assert not RemediationPlan.objects.exists()
