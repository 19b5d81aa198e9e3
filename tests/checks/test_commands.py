"""``kaohe checks`` from the console."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.audit.models import AuditEntry
from kaohe.checks.models import SourceValue

from .conftest import World

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("checks", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sources_lists_each_source_with_its_elements_and_count(world: World) -> None:
    out, _err = run("sources")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["代码", "名称", "类型"]
    hosp = next(line for line in lines if line.startswith("HOSP"))
    assert hosp.split()[2:8] == ["feed", "Monthly", "BIRTHS", "village", "department", "7"]
    spot = next(line for line in lines if line.startswith("SPOT"))
    assert "BIRTHS,FP_RATE" in spot and "乡镇录入" in spot


def test_enter_stores_a_figure_as_the_console(world: World) -> None:
    out, _err = run(
        "enter", "--source", "SPOT", "--element", "BIRTHS", "--period", "2006", "--unit", "W1",
        "--value", "8", "--comment", "县抽查",
    )  # fmt: skip
    assert out.strip() == "已新增 / created: SPOT/BIRTHS/2006/W1 = 8"
    stored = world.value("SPOT", "W1", "2006")
    assert (stored.value, stored.comment) == (Decimal(8), "县抽查")
    assert AuditEntry.objects.get(object_key="SPOT/BIRTHS/2006/W1").channel == "cli"


def test_enter_refuses_in_both_languages(world: World) -> None:
    with pytest.raises(CommandError) as error:
        run(
            "enter", "--source", "HOSP", "--element", "BIRTHS", "--period", "2006",
            "--unit", "V1", "--value", "1",
        )  # fmt: skip
    assert "HOSP 按 Monthly 报数" in str(error.value) and "HOSP counts by Monthly" in str(
        error.value
    )


def test_import_writes_a_good_file_and_refuses_a_bad_one(world: World, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("source,element,period,unit,value\nSPOT,BIRTHS,2006,V1,2\n", encoding="utf-8")
    out, _err = run("import", str(good))
    assert "新增 1" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("source,element,period,unit,value\nSPOT,BIRTHS,2006,V2,-2\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("checks", "import", str(bad), stdout=io.StringIO(), stderr=err)
    assert "第 2 行 / row 2" in err.getvalue() and "nothing was written" in str(error.value)
    assert not SourceValue.objects.filter(source__code="SPOT", unit__code="V2").exists()
    with pytest.raises(CommandError):
        run("import", str(tmp_path / "missing.csv"))


def test_reconcile_prints_a_table_and_the_counts(world: World) -> None:
    out, _err = run("reconcile", "--element", "BIRTHS", "--year", "2006", "--township", "T")
    lines = out.splitlines()
    assert lines[0] == "出生人数 核查对照 · 甲镇 · 2006"
    v2 = next(line for line in lines if line.startswith("V2"))
    assert v2.split()[2:9] == ["4", "6", "—", "6", "2", "2", "0"]
    total = next(line for line in lines if line.startswith("合计"))
    assert "70" in total.split()
    assert "漏报 3 个单位，多报 1 个单位" in out


def test_reconcile_as_csv_covers_the_whole_tree_without_a_township(world: World) -> None:
    out, _err = run("reconcile", "--element", "BIRTHS", "--year", "2006", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:-1]] == ["V1", "V2", "V3", "V4", "V5", "V6", "W1"]


def test_reconcile_refuses_an_element_without_sources(world: World) -> None:
    with pytest.raises(CommandError) as error:
        run("reconcile", "--element", "MARRIAGES", "--year", "2006")
    assert "没有核查来源统计 MARRIAGES" in str(error.value)


def test_a_refusal_exits_with_a_non_zero_status(tmp_path: Path) -> None:
    # A real process: the exit status is what a shell script sees. The year is refused before
    # anything is read, so the empty database of a fresh folder will do.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_")}
    env["KAOHE_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "checks",
            "reconcile",
            "--element",
            "BIRTHS",
            "--year",
            "20x6",
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert (
        '无法识别的期间代码 "20x6"' in done.stderr
        and 'unrecognised period code "20x6"' in done.stderr
    )
