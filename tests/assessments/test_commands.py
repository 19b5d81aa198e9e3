"""`kaohe assess` and `kaohe explain` on the demo township."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from kaohe.assessments.models import AssessmentRun

pytestmark = pytest.mark.django_db


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_assess_prints_the_ranking_with_the_vetoed_village_last(demo_runs: dict) -> None:
    text = run_command("assess", "--scheme", "VILLAGE_2006", "--year", "2006", "--no-save")
    lines = [line for line in text.splitlines() if line.startswith("村 ")]
    assert len(lines) == 20
    assert "V11" in lines[-1] and "超计划生育" in lines[-1]


def test_assess_json_is_byte_identical_on_a_second_run(demo_runs: dict) -> None:
    first = run_command("assess", "--scheme", "VILLAGE_2006", "--year", "2006", "--format", "json")
    second = run_command("assess", "--scheme", "VILLAGE_2006", "--year", "2006", "--format", "json")
    assert first == second
    document = json.loads(first)
    assert document["period"] == "2006"
    stored = AssessmentRun.objects.filter(year=2006).order_by("-id").first()
    assert stored is not None and document["inputs_hash"] == stored.inputs_hash
    for unit in document["units"]:
        shown = sum(float(item["score"]) for item in unit["items"])
        assert f"{shown:.2f}" == unit["total"]  # a printed table always adds up


def test_assess_csv_has_a_row_per_village(demo_runs: dict) -> None:
    text = run_command(
        "assess", "--scheme", "VILLAGE_2006", "--year", "2005", "--format", "csv", "--no-save"
    )
    rows = text.strip().splitlines()
    assert rows[0].startswith("kind,rank,unit")
    assert len(rows) == 21


def test_explain_names_the_veto_and_every_item(demo_runs: dict) -> None:
    text = run_command(
        "explain", "--scheme", "VILLAGE_2006", "--year", "2006", "--unit", "V11", "--lang", "zh"
    )
    assert "一票否决：超计划生育" in text
    assert "人口计划完成情况 22人" in text
    item_lines = [line for line in text.splitlines() if line.startswith("· ")]
    assert len(item_lines) == demo_runs[2006].scheme.items.count()


def test_explain_refuses_a_unit_outside_the_assessment(demo_runs: dict) -> None:
    with pytest.raises(CommandError, match="not assessed"):
        run_command("explain", "--scheme", "VILLAGE_2006", "--year", "2006", "--unit", "DEMO_TWP")


def test_assess_refuses_an_unknown_scheme(demo_runs: dict) -> None:
    with pytest.raises(CommandError, match="no scheme"):
        run_command("assess", "--scheme", "NOPE", "--year", "2006")
