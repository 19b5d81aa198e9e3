"""The assessment reads the targets of a unit's signed contract before its UnitTarget."""

from __future__ import annotations

import datetime

from kaohe.assessments.services import _read_targets
from kaohe.contracts.services import do_amend, do_generate_contracts, do_set_target, do_sign

from .conftest import CONSOLE, YEAR, Township


def _plan(town: Township) -> list[float]:
    index = {town.units["V1"].pk: 0, town.units["V2"].pk: 1}
    return [float(v) for v in _read_targets(town.scheme, YEAR, index)["PLAN"]]


def test_a_draft_contract_does_not_change_the_targets(town: Township) -> None:
    created = do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE).created
    do_set_target(created[0], "PLAN", 3, CONSOLE)
    assert _plan(town)[0] == 12


def test_the_latest_signed_version_wins_over_the_unit_target(town: Township) -> None:
    v1 = do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE).created[0]
    do_set_target(v1, "PLAN", 3, CONSOLE)
    signed = do_sign(v1, datetime.date(2024, 1, 1), CONSOLE)
    assert _plan(town)[0] == 3
    do_amend(signed, {"PLAN": 4}, "调整", CONSOLE)
    assert _plan(town)[0] == 4
