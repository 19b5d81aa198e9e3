"""`kaohe template` then `kaohe import` of the filled-in workbook, as a clerk would."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.datavalues.models import DataValue

from .test_excel import cell_at, workbook

pytestmark = pytest.mark.django_db


def make_template(tmp_path: Path, unit_code: str) -> Path:
    path = tmp_path / "fp.xlsx"
    call_command(
        "template",
        "--dataset",
        "FP_MONTHLY",
        "--period",
        "2026",
        "--units",
        unit_code,
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    return path


def test_a_filled_template_imports_through_the_import_command(
    dataset, town, tmp_path: Path
) -> None:
    path = make_template(tmp_path, town.village_1.code)
    book = workbook(path.read_bytes())
    cell_at(book.worksheets[0], "BIRTHS", "202603").value = 4
    book.save(path)
    call_command("import_values", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    stored = DataValue.objects.get(
        element__code="BIRTHS", period__code="202603", unit=town.village_1
    )
    assert stored.value == 4


def test_a_bad_cell_fails_the_import_command_and_stores_nothing(
    dataset, town, tmp_path: Path
) -> None:
    path = make_template(tmp_path, town.village_1.code)
    book = workbook(path.read_bytes())
    sheet = book.worksheets[0]
    cell_at(sheet, "BIRTHS", "202603").value = 4
    cell_at(sheet, "BIRTHS", "202604").value = "三"
    book.save(path)
    before = DataValue.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_values", str(path), stdout=io.StringIO(), stderr=err)
    assert DataValue.objects.count() == before
    assert "三" in err.getvalue()
