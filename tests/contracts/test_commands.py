from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

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
