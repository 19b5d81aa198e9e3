from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from kaohe.contracts.models import Contract, ContractStatus

from .conftest import YEAR, Township


def _run(*args: str) -> str:
    out = StringIO()
    call_command("contracts", *args, stdout=out)
    return out.getvalue()


def test_generate_sign_amend_and_list_the_unsigned(town: Township) -> None:
    assert "V1" in _run("generate", "FP", str(YEAR), "T1")
    assert _run("unsigned", "FP", str(YEAR), "T1").split() == ["V1", "一村", "V2", "二村"]
    _run("sign", "V1", str(YEAR), "--scheme", "FP", "--on", "2024-01-15")
    assert _run("unsigned", "FP", str(YEAR), "T1").split() == ["V2", "二村"]
    _run("amend", "V1", str(YEAR), "--scheme", "FP", "--set", "PLAN=14", "--reason", "调整")
    latest = Contract.objects.get(unit__code="V1", status=ContractStatus.SIGNED)
    assert latest.version == 2
    assert latest.targets.get(item__code="PLAN").value == 14


def test_amend_without_a_reason_names_the_field(town: Township) -> None:
    _run("generate", "FP", str(YEAR), "T1")
    _run("sign", "V1", str(YEAR), "--scheme", "FP")
    with pytest.raises(CommandError, match="reason"):
        _run("amend", "V1", str(YEAR), "--scheme", "FP", "--set", "PLAN=14")


def test_signing_without_a_first_responsible_person_is_refused(town: Township) -> None:
    _run("generate", "FP", str(YEAR), "T1")
    with pytest.raises(CommandError, match="first responsible"):
        _run("sign", "V2", str(YEAR), "--scheme", "FP")


def test_print_writes_the_word_document_named_by_unit_year_and_version(
    town: Township, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("generate", "FP", str(YEAR), "T1")
    monkeypatch.chdir(tmp_path)
    assert "V1-2024-v1.docx" in _run("print", "V1", str(YEAR), "--scheme", "FP")
    document = Document(str(tmp_path / "V1-2024-v1.docx"))
    assert document.paragraphs[0].text == "甲镇2024年度计划生育目标管理责任书"
    _run("sign", "V1", str(YEAR), "--scheme", "FP", "--on", "2024-01-15")
    _run("amend", "V1", str(YEAR), "--scheme", "FP", "--set", "PLAN=14", "--reason", "调整")
    out = tmp_path / "current.docx"
    _run("print", "V1", str(YEAR), "--scheme", "FP", "--out", str(out))
    assert "第2版（修订）" in "\n".join(p.text for p in Document(str(out)).paragraphs)
    _run("print", "V1", str(YEAR), "--scheme", "FP", "--version", "1", "--out", "old.docx")
    assert "草稿" not in Document("old.docx").sections[0].header.paragraphs[0].text
    with pytest.raises(CommandError, match="version 3"):
        _run("print", "V1", str(YEAR), "--scheme", "FP", "--version", "3")


def test_targets_and_signatories_from_the_command_line(town: Township) -> None:
    _run("generate", "FP", str(YEAR), "T1")
    _run("targets", "V2", str(YEAR), "--scheme", "FP", "--set", "PLAN=3", "--set", "RATE=95")
    v2 = Contract.objects.get(unit__code="V2")
    assert {t.item.code: t.value for t in v2.targets.all()} == {"PLAN": 3, "RATE": 95}
    with pytest.raises(CommandError, match="out of range"):
        _run("targets", "V2", str(YEAR), "--scheme", "FP", "--set", "PLAN=4", "--set", "RATE=101")
    assert v2.targets.get(item__code="PLAN").value == 3
    assert "包村干部" in _run("signatory", "V2", str(YEAR), "--scheme", "FP", "--add", "T1_CADRE")
    with pytest.raises(CommandError, match="does not belong"):
        _run("signatory", "V2", str(YEAR), "--scheme", "FP", "--add", "V1_SEC", "--role", "村支书")
    _run("signatory", "V2", str(YEAR), "--scheme", "FP", "--remove", "V2_FP")
    assert list(v2.signatories.values_list("official__code", flat=True)) == ["T1_CADRE"]


def test_generate_refuses_a_draft_scheme(town: Township) -> None:
    town.scheme.status = "draft"
    town.scheme.save(update_fields=["status"])
    with pytest.raises(CommandError, match="not published"):
        _run("generate", "FP", str(YEAR), "T1")
