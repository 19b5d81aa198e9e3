"""Rows of the permission matrix for the data value exchange (see test_matrix.py).

The exchange page and the mappings page are open to everyone signed in; an export reads only
units the person may see (another township's is refused back to the form: 302; by the API:
404). ``/api/dataValueSets`` answers 403 to those holding no role and 400 to a request that
names no unit. An import's record (made here by the console) is seen by system administrators
and auditors. The writes are POST, so the matrix, which asks with GET, gets 405; tests/interop
posts them role by role.
"""

from __future__ import annotations

import io

from django.urls import reverse

from kaohe.audit.services import Actor
from kaohe.interop.mappings import ComboInput, do_save_combo_mapping, do_set_external_id
from kaohe.interop.models import CategoryComboMapping, ExternalId, ValueImport
from kaohe.interop.options import ImportOptions
from kaohe.interop.values import do_import_data_values

from .conftest import ROLES, World
from .matrix import (
    ANON,
    AUDIT_READERS,
    LOGGED_IN,
    SEES,
    WITH_A_ROLE,
    Case,
    api,
    page,
    statuses,
)

POST_ONLY_PAGE = statuses(frozenset(), 405, 405)
ACTOR = Actor.cli("matrix")
T01_MONTH = "orgUnit=T01&children=true&period=200603"


def _import(w: World) -> int:
    """An import by the console (so only system administrators and auditors see it)."""
    record = ValueImport.objects.filter(actor=ACTOR.name).first()
    if record is None:
        do_import_data_values(
            io.BytesIO(b"BIRTHS,200612,VA01,,,5\n"), actor=ACTOR, options=ImportOptions()
        )
        record = ValueImport.objects.get(actor=ACTOR.name)
    return record.pk


def _external(w: World) -> int:
    row = ExternalId.objects.filter(uid="Aa345678901").first()
    return (row or do_set_external_id(ACTOR, "element", "BIRTHS", "Aa345678901")).pk


def _combo(w: World) -> int:
    row = CategoryComboMapping.objects.filter(combo="male").first()
    given = ComboInput(source_element="BIRTHS", combo="male", element="BIRTHS")
    return (row or do_save_combo_mapping(ACTOR, given)).pk


def _data_value_sets(ok: frozenset[str]) -> dict[str, int]:
    """200 for ``ok``; 403 for those holding no role; 404 for a unit out of sight."""
    return {
        role: 200 if role in ok else 403 if role in (ANON, "no_role") else 404 for role in ROLES
    }


NO_UNIT = {role: 403 if role in (ANON, "no_role") else 400 for role in ROLES}

CASES = [
    # --- pages ---
    Case("interop:index", lambda w: reverse("interop:index"), page(LOGGED_IN)),
    Case("interop:import", lambda w: reverse("interop:import"), POST_ONLY_PAGE),
    Case(
        "interop:export",
        lambda w: f"{reverse('interop:export')}?township=T01&start=200601&end=200612&fmt=csv",
        page(SEES["T01"], refused=302),
    ),
    Case(
        "interop:export",
        lambda w: f"{reverse('interop:export')}?township=VA01&start=200601&end=200612&fmt=adx",
        page(SEES["VA01"], refused=302),
    ),
    Case(
        "interop:import-detail",
        lambda w: reverse("interop:import-detail", args=[_import(w)]),
        page(AUDIT_READERS),
    ),
    Case("interop:mappings", lambda w: reverse("interop:mappings"), page(LOGGED_IN)),
    Case(
        "interop:mappings-download",
        lambda w: reverse("interop:mappings-download"),
        page(WITH_A_ROLE),
    ),
    Case("interop:mappings-upload", lambda w: reverse("interop:mappings-upload"), POST_ONLY_PAGE),
    Case("interop:external-save", lambda w: reverse("interop:external-save"), POST_ONLY_PAGE),
    Case(
        "interop:external-delete",
        lambda w: reverse("interop:external-delete", args=[_external(w)]),
        POST_ONLY_PAGE,
    ),
    Case("interop:combo-save", lambda w: reverse("interop:combo-save"), POST_ONLY_PAGE),
    Case(
        "interop:combo-delete",
        lambda w: reverse("interop:combo-delete", args=[_combo(w)]),
        POST_ONLY_PAGE,
    ),
    # --- the API ---
    Case("datavaluesets", lambda w: reverse("datavaluesets"), NO_UNIT),
    Case(
        "datavaluesets",
        lambda w: f"{reverse('datavaluesets')}?{T01_MONTH}",
        _data_value_sets(SEES["T01"]),
    ),
    Case(
        "datavaluesets-format",
        lambda w: (
            f"{reverse('datavaluesets-format', kwargs={'suffix': '.csv'})}"
            "?orgUnit=VB01&period=200603"
        ),
        _data_value_sets(SEES["VB01"]),
    ),
    Case(
        "datavaluesets-format",
        lambda w: (
            f"{reverse('datavaluesets-format', kwargs={'suffix': '.adx'})}"
            "?orgUnit=VZ01&period=200603"
        ),
        _data_value_sets(SEES["VZ01"]),
    ),
    Case("external-id-list", lambda w: reverse("external-id-list"), api(LOGGED_IN)),
    Case(
        "external-id-detail",
        lambda w: reverse("external-id-detail", args=[_external(w)]),
        api(WITH_A_ROLE),
    ),
    Case("combo-mapping-list", lambda w: reverse("combo-mapping-list"), api(LOGGED_IN)),
    Case(
        "combo-mapping-detail",
        lambda w: reverse("combo-mapping-detail", args=[_combo(w)]),
        api(WITH_A_ROLE),
    ),
    Case("value-import-list", lambda w: reverse("value-import-list"), api(LOGGED_IN)),
    Case(
        "value-import-detail",
        lambda w: reverse("value-import-detail", args=[_import(w)]),
        api(AUDIT_READERS),
    ),
]
