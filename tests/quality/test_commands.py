"""``kaohe outliers`` and ``kaohe ranges`` from the console."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.audit.models import AuditEntry
from kaohe.quality.models import MinMaxRange

from .conftest import World

pytestmark = pytest.mark.django_db
ARGS = ["--township", "T", "--element", "BIRTHS", "--from", "202501", "--to", "202512"]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_outliers_prints_each_flagged_value_and_the_unjudged_series(world: World) -> None:
    out, err = run("outliers", *ARGS)
    lines = out.splitlines()
    assert lines[0].split("\t")[:6] == ["V1", "BIRTHS", "202512", "9", "10.79", "-"]
    assert "# V2\tBIRTHS\t12\t半数以上的值相同" in out
    assert "4 个序列，已判断 2，异常值 1 个" in err


def test_outliers_by_another_method_as_csv(world: World) -> None:
    out, _err = run("outliers", *ARGS, "--method", "z", "--csv")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert {(r["unit"], r["value"]) for r in rows} == {("V1", "9"), ("V2", "1")}


def test_outliers_mark_marks_them_for_follow_up_without_changing_them(world: World) -> None:
    _out, err = run("outliers", *ARGS, "--mark")
    assert "已标记需跟进 1 个" in err
    value = world.value("V1", "202512")
    assert (value.value, value.follow_up) == (Decimal(9), True)
    assert AuditEntry.objects.filter(object_key="BIRTHS/202512/V1", channel="cli").count() >= 2


def test_outliers_refuses_a_bad_request(world: World) -> None:
    with pytest.raises(CommandError, match="期间"):
        run("outliers", "--township", "T", "--from", "202512", "--to", "202501")
    with pytest.raises(CommandError, match="NOPE"):
        run("outliers", "--township", "NOPE", "--from", "202501", "--to", "202512")


def test_ranges_generate_set_list_and_delete(world: World) -> None:
    out, _err = run("ranges", "generate", *ARGS)
    assert "V1\tBIRTHS\t0\t4" in out and "V4\tBIRTHS\t1\t7" in out
    assert "新生成 2" in out
    run("ranges", "set", "V2", "BIRTHS", "0", "2")
    out, _err = run("ranges", "list", "--township", "T")
    assert [line.split("\t")[:5] for line in out.splitlines()] == [
        ["V1", "BIRTHS", "0", "4", "generated"],
        ["V2", "BIRTHS", "0", "2", "manual"],
        ["V4", "BIRTHS", "1", "7", "generated"],
    ]
    run("ranges", "delete", "V2", "BIRTHS")
    assert not MinMaxRange.objects.filter(unit__code="V2").exists()
    with pytest.raises(CommandError, match="最大值"):
        run("ranges", "set", "V2", "BIRTHS", "3", "1")
    with pytest.raises(CommandError):
        run("ranges", "delete", "V2", "BIRTHS")
