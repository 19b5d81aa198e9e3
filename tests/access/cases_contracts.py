"""Rows of the permission matrix for the contracts API (see test_matrix.py).

The world has no contracts, so each row that needs one makes a draft for its village (the test's
transaction rolls it back)."""

from __future__ import annotations

from django.urls import reverse

from kaohe.contracts.models import Contract
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme

from .conftest import World
from .matrix import LOGGED_IN, SEES, Case, api


def _contract(w: World, unit: str) -> int:
    contract, _created = Contract.objects.get_or_create(
        scheme=Scheme.objects.get(code="ACCESS"),
        unit=OrgUnit.objects.get(code=unit),
        year=2006,
    )
    return contract.pk


CASES = [
    Case("contract-list", lambda w: reverse("contract-list"), api(LOGGED_IN)),
    Case(
        "contract-list",
        lambda w: (_contract(w, "VA01"), _contract(w, "VZ01"), reverse("contract-list"))[2],
        api(LOGGED_IN),
    ),
    *(
        Case(
            "contract-detail",
            lambda w, c=code: reverse("contract-detail", args=[_contract(w, c)]),
            api(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
]
