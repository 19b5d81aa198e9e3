"""``kaohe exchange import|export|mappings``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kaohe.interop.models import CategoryComboMapping

from .conftest import FIXTURES, World, set_value, stored

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("exchange", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_a_bilingual_summary(world: World, tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_text("BIRTHS,202601,V1,,,3\n", encoding="utf-8")
    out, _err = run("import", str(path))
    assert "imported 1" in out and "新增 1" in out
    assert stored() == {("BIRTHS", "202601", "V1"): "3"}


def test_import_prints_dhis2s_summary_as_json_on_request(world: World, tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_text("BIRTHS,202601,V1,,,3\n", encoding="utf-8")
    out, _err = run("import", str(path), "--json", "--dry-run")
    summary = json.loads(out)
    assert summary["importCount"]["imported"] == 1 and summary["dryRun"] is True
    assert stored() == {}


def test_import_fails_and_names_every_conflict_when_nothing_was_written(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "values.csv"
    path.write_text("BIRTHS,202601,V1,,,3\nNOPE,202601,V1,,,1\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("exchange", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert 'dataelement="NOPE"' in err.getvalue()
    out, _err = run("import", str(path), "--atomic-mode", "NONE")
    assert stored() == {("BIRTHS", "202601", "V1"): "3"}


def test_import_reads_adx_and_the_strategy_and_scheme_options(world: World) -> None:
    set_value("V1", "MIGRANTS", "202601", 2)
    out, _err = run(
        "import", str(FIXTURES / "adx_births.xml"), "--strategy", "UPDATE", "--atomic-mode", "NONE"
    )
    assert "updated 1" in out  # MIGRANTS; the rest is new (ignored) or unmapped
    with pytest.raises(CommandError, match="file not found"):
        run("import", "/no/such/file.csv")


def test_export_writes_to_standard_output_or_a_file(world: World, tmp_path: Path) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    out, _err = run("export", "--township", "T", "--start", "202601", "--end", "202612")
    assert out.splitlines()[1].startswith("BIRTHS,202601,V1,default,default,3,")
    target = tmp_path / "out.adx.xml"
    run(
        "export",
        "--township",
        "T",
        "--period",
        "202601",
        "--format",
        "adx",
        "--output",
        str(target),
    )
    assert 'period="2026-01-01/P1M"' in target.read_text(encoding="utf-8")
    with pytest.raises(CommandError, match="unknown unit"):
        run("export", "--township", "NOPE", "--start", "202601", "--end", "202601")


def test_mappings_load_and_list(world: World, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "kaohe_mappings: 1\ncombos:\n  - {source_element: BIRTHS, combo: male, element: BIRTHS_BOYS}\n",
        encoding="utf-8",
    )
    out, _err = run("mappings", "load", str(path))
    assert "1 combo mapping" in out and CategoryComboMapping.objects.count() == 1
    out, _err = run("mappings", "list")
    assert "BIRTHS_BOYS" in out and out.startswith("kaohe_mappings: 1")
    path.write_text("kaohe_mappings: 1\ncombos:\n  - {combo: x, element: NOPE}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no mapping was loaded"):
        run("mappings", "load", str(path))
