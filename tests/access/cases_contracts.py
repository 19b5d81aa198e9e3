"""Rows of the permission matrix for the contracts pages and API (see test_matrix.py).

The world has no contracts, so each row that needs one makes a draft for its village (the test's
transaction rolls it back). The township's table is asked with the world's scheme published and
contracts for every village, so a page that listed another village's contract would leak its
name. Who may see a contract is who sees its village; drawing up, signing and amending need the
township's administration and are written with POST (DELETE for taking off a signatory), so the
matrix, which asks with GET, gets 405 for them; tests/contracts/test_pages.py and test_api.py
post them role by role. A print is a zip file the matrix cannot search: here it is asked for a
contract that does not exist (404 for everybody), and tests/contracts downloads real ones.
"""

from __future__ import annotations

from django.urls import reverse

from kaohe.contracts.models import Contract
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus

from .conftest import World
from .matrix import LOGGED_IN, SEES, Case, api, page, statuses

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)  # require_POST answers before the login check
POST_ONLY_API = statuses(frozenset(), 405, 403)  # the API asks who you are first
NO_SUCH_CONTRACT = 999_999


def _scheme() -> Scheme:
    return Scheme.objects.get(code="ACCESS")


def _contract(w: World, unit: str) -> int:
    contract, _created = Contract.objects.get_or_create(
        scheme=_scheme(), unit=OrgUnit.objects.get(code=unit), year=2006
    )
    return contract.pk


def _table(w: World, township: str) -> str:
    """The township's table, with the scheme published and a contract for every village."""
    Scheme.objects.filter(code="ACCESS").update(status=SchemeStatus.PUBLISHED)
    for village in ("VA01", "VB01", "VZ01"):
        _contract(w, village)
    query = f"?scheme={_scheme().pk}&year=2006&township={township}"
    return reverse("contracts:index") + query


CASES = [
    # --- pages ---
    Case("contracts:index", lambda w: reverse("contracts:index"), page(LOGGED_IN)),
    *(
        Case("contracts:index", lambda w, t=township: _table(w, t), page(LOGGED_IN))
        for township in ("T01", "T02")
    ),
    *(
        Case(
            "contracts:detail",
            lambda w, c=code: reverse("contracts:detail", args=[_contract(w, c)]),
            page(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case(
        "contracts:print",
        lambda w: reverse("contracts:print", args=[NO_SUCH_CONTRACT]),
        page(frozenset()),
    ),
    Case("contracts:generate", lambda w: reverse("contracts:generate"), POST_ONLY_PAGE),
    *(
        Case(
            f"contracts:{name}",
            lambda w, n=name: reverse(f"contracts:{n}", args=[_contract(w, "VA01")]),
            POST_ONLY_PAGE,
        )
        for name in ("targets", "add-signatory", "sign", "amend")
    ),
    Case(
        "contracts:target",
        lambda w: reverse("contracts:target", args=[_contract(w, "VA01"), "PLAN"]),
        POST_ONLY_PAGE,
    ),
    Case(
        "contracts:remove-signatory",
        lambda w: reverse("contracts:remove-signatory", args=[_contract(w, "VA01"), "VA01_SEC"]),
        POST_ONLY_PAGE,
    ),
    # --- the API ---
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
    Case("contract-generate", lambda w: reverse("contract-generate"), POST_ONLY_API),
    *(
        Case(
            f"contract-{name}",
            lambda w, n=name: reverse(f"contract-{n}", args=[_contract(w, "VA01")]),
            POST_ONLY_API,
        )
        for name in ("targets", "signatories", "sign", "amend")
    ),
    Case(
        "contract-remove-signatory",
        lambda w: reverse("contract-remove-signatory", args=[_contract(w, "VA01"), "VA01_SEC"]),
        POST_ONLY_API,
    ),
    Case(
        "contract-print",
        lambda w: reverse("contract-print", args=[NO_SUCH_CONTRACT]),
        api(frozenset()),
    ),
]
