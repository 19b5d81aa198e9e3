"""The command line: kaohe appeals list, show, file, accept and reject."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.appeals.models import Appeal, AppealStatus
from kaohe.audit.models import AuditEntry

from .conftest import County, World

pytestmark = pytest.mark.django_db


def run(*args: object) -> str:
    out = io.StringIO()
    call_command("appeals", *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_file_then_list_and_show(county: County) -> None:
    said = run(
        "file", "--run", county.run.pk, "--unit", "VB01", "--item", "POLICY", "--reasons", "有误"
    )
    appeal = Appeal.objects.get()

    lines = run("list", "--status", "filed").splitlines()
    shown = run("show", appeal.pk)

    assert f"#{appeal.pk}" in said
    assert appeal.filed_by_name.startswith("cli:")
    assert AuditEntry.objects.get(action="appeal.file").channel == "cli"
    assert len(lines) == 1
    assert lines[0].split("\t")[:5] == [
        str(appeal.pk),
        str(county.run.pk),
        "VB01",
        "POLICY",
        "filed",
    ]
    assert "有误" in shown and "file" in shown


def test_accept_and_reject_need_a_reason(county: County) -> None:
    first = county.filed("VA01")
    second = county.filed("VB01", by="reporter_b")

    with pytest.raises(CommandError, match="decision_reason"):
        run("accept", first.pk, "--reason", " ")
    run("accept", first.pk, "--reason", "属实")
    run("reject", second.pk, "--reason", "不属实")

    assert Appeal.objects.get(pk=first.pk).status == AppealStatus.ACCEPTED
    assert Appeal.objects.get(pk=second.pk).status == AppealStatus.REJECTED
    assert run("list", "--unit", "VB01").split("\t")[4] == "rejected"


def test_deciding_twice_fails(county: County) -> None:
    appeal = county.filed()
    run("reject", appeal.pk, "--reason", "不属实")

    with pytest.raises(CommandError, match="already decided"):
        run("accept", appeal.pk, "--reason", "属实")


def test_refusals_fail_with_the_reason(world: World, db: None) -> None:
    with pytest.raises(CommandError, match="draft"):
        run("file", "--run", world.draft.pk, "--unit", "VA01", "--reasons", "有误")
    with pytest.raises(CommandError, match="no unit NOPE"):
        run("file", "--run", world.draft.pk, "--unit", "NOPE", "--reasons", "有误")
    with pytest.raises(CommandError, match="appeal 999999 does not exist"):
        run("accept", 999999, "--reason", "属实")

    assert not Appeal.objects.exists()
