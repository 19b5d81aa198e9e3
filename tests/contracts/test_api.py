from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.contracts.services import do_generate_contracts

from .conftest import CONSOLE, YEAR, Township


def _client(town: Township, role: str, unit: str) -> Client:
    user = User.objects.create_user(f"{role}_{unit}")
    do_grant_role(CONSOLE, user, role, town.units[unit])
    client = Client()
    client.force_login(user)
    return client


def test_a_township_administrator_lists_only_their_villages_contracts(town: Township) -> None:
    do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE)
    do_generate_contracts(town.scheme, YEAR, town.units["T2"], CONSOLE)
    data = _client(town, Role.TOWNSHIP_ADMIN, "T1").get("/api/contracts/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert sorted(r["unit"] for r in rows) == ["V1", "V2"]


def test_the_detail_shows_targets_and_signatories(town: Township) -> None:
    contract = do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE).created[0]
    data = _client(town, Role.REPORTER, "V1").get(f"/api/contracts/{contract.pk}/").json()
    assert {t["item"]: t["value"] for t in data["targets"]} == {"PLAN": 12, "RATE": 90}
    assert {s["official"] for s in data["signatories"]} == {"V1_SEC", "V1_DIR", "V1_FP"}


def test_a_reporter_of_another_village_gets_404(town: Township) -> None:
    contract = do_generate_contracts(town.scheme, YEAR, town.units["T1"], CONSOLE).created[0]
    assert (
        _client(town, Role.REPORTER, "V2").get(f"/api/contracts/{contract.pk}/").status_code == 404
    )
