"""The permission matrix: every page and API endpoint, for every role and for users of other
units. A URL added without a row here fails ``test_every_url_has_a_row_in_the_matrix``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import ROLES, World
from .matrix import (
    ANON,
    AUDIT_READERS,
    EVERYONE,
    FORBIDDEN,
    LOGGED_IN,
    SEES,
    WITH_A_ROLE,
    Case,
    api,
    page,
    statuses,
)

pytestmark = pytest.mark.django_db


def _run(w: World) -> int:
    return w.run_all.pk


CASES = [
    # --- pages ---
    Case("web:home", lambda w: reverse("web:home"), page(LOGGED_IN)),
    Case("web:login", lambda w: reverse("web:login"), statuses(EVERYONE, 200, 200)),
    Case("web:logout", lambda w: reverse("web:logout"), statuses(frozenset(), 405, 405)),
    Case("set_language", lambda w: reverse("set_language"), statuses(frozenset(), 302, 302)),
    Case("web:ranking", lambda w: reverse("web:ranking", args=[_run(w)]), page(WITH_A_ROLE)),
    Case("web:ranking", lambda w: reverse("web:ranking", args=[w.run_t02.pk]), page(SEES["VZ01"])),
    *(
        Case(
            "web:unit-result",
            lambda w, code=code: reverse("web:unit-result", args=[_run(w), code]),
            page(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case("web:audit", lambda w: reverse("web:audit"), page(AUDIT_READERS, refused=403)),
    Case(
        "web:audit",
        lambda w: reverse("web:audit") + "?object_key=VA01&channel=cli",
        page(AUDIT_READERS, refused=403),
    ),
    Case("web:audit-export", lambda w: reverse("web:audit-export"), page(AUDIT_READERS, 403)),
    # --- the API ---
    Case("api-schema", lambda w: reverse("api-schema"), statuses(EVERYONE, 200, 200)),
    Case("api-root", lambda w: reverse("api-root"), api(LOGGED_IN)),
    Case("unit-list", lambda w: reverse("unit-list"), api(LOGGED_IN)),
    *(
        Case("unit-detail", lambda w, c=code: reverse("unit-detail", args=[c]), api(SEES[code]))
        for code in ("VA01", "VB01", "VZ01", "T01")
    ),
    Case("official-list", lambda w: reverse("official-list"), api(LOGGED_IN)),
    *(
        Case(
            "official-detail",
            lambda w, c=code: reverse("official-detail", args=[f"{c}_SEC"]),
            api(SEES[code]),
        )
        for code in ("VA01", "VB01", "VZ01")
    ),
    Case("element-list", lambda w: reverse("element-list"), api(LOGGED_IN)),
    Case("element-detail", lambda w: reverse("element-detail", args=["BIRTHS"]), api(WITH_A_ROLE)),
    Case("dataset-list", lambda w: reverse("dataset-list"), api(LOGGED_IN)),
    Case("dataset-detail", lambda w: reverse("dataset-detail", args=["MONTHLY"]), api(WITH_A_ROLE)),
    Case("indicator-list", lambda w: reverse("indicator-list"), api(LOGGED_IN)),
    Case(
        "indicator-detail",
        lambda w: reverse("indicator-detail", args=["POLICY_RATE"]),
        api(WITH_A_ROLE),
    ),
    Case("scheme-list", lambda w: reverse("scheme-list"), api(LOGGED_IN)),
    Case(
        "scheme-detail",
        lambda w: reverse("scheme-detail", args=[w.run_all.scheme_id]),
        api(WITH_A_ROLE),
    ),
    Case("run-list", lambda w: reverse("run-list"), api(LOGGED_IN)),
    Case("run-detail", lambda w: reverse("run-detail", args=[_run(w)]), api(WITH_A_ROLE)),
    Case("run-detail", lambda w: reverse("run-detail", args=[w.run_t02.pk]), api(SEES["VZ01"])),
    Case("run-results", lambda w: reverse("run-results", args=[_run(w)]), api(WITH_A_ROLE)),
    Case("run-results", lambda w: reverse("run-results", args=[w.run_t02.pk]), api(SEES["VZ01"])),
    Case("audit-list", lambda w: reverse("audit-list"), api(AUDIT_READERS, refused=403)),
    Case(
        "audit-detail",
        lambda w: reverse("audit-detail", args=[w.audit_entry_id]),
        api(AUDIT_READERS, refused=403),
    ),
]


def all_cases() -> list[Case]:
    """These rows, and the ``CASES`` of every ``tests/access/cases_*.py`` module: each app that
    adds pages keeps its rows in a module of its own."""
    import importlib
    import pkgutil
    from pathlib import Path

    cases = list(CASES)
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("cases_"):
            cases += importlib.import_module(f"{__package__}.{module.name}").CASES
    return cases


ALL_CASES = all_cases()


def _url_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        else:
            yield f"{namespace}{entry.name or f'<unnamed {entry.pattern}>'}"


def test_every_url_has_a_row_in_the_matrix() -> None:
    # The Django admin is left out: it is only for superusers, and is tested on its own below.
    names = {n for n in _url_names(get_resolver().url_patterns) if not n.startswith("admin:")}
    assert names == {case.name for case in ALL_CASES}


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANON:
        client.force_login(world.users[role])
    return client


def body_of(response: object) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_status_of_the_matrix_and_no_other_villages_data(
    world: World, role: str
) -> None:
    client = client_for(world, role)
    wrong, leaks = [], []
    for case in ALL_CASES:
        url = case.url(world)
        response = client.get(url)
        if response.status_code != case.expect[role]:
            wrong.append(f"{url}: {response.status_code}, expected {case.expect[role]}")
        text = body_of(response)
        leaks += [f"{url}: {marker!r}" for marker in FORBIDDEN[role] if marker in text]
    assert wrong == [], "\n".join(wrong)
    assert leaks == [], "\n".join(leaks)


def test_the_admin_site_is_closed_to_everyone_but_superusers(world: World) -> None:
    for role in ROLES:
        response = client_for(world, role).get("/admin/")
        assert response.status_code == (200 if role == "superuser" else 302), role


# --- what each role sees on the pages ---------------------------------------------------


def test_a_reporter_sees_only_their_own_row_of_the_ranking(world: World) -> None:
    text = client_for(world, "reporter_b").get(f"/results/{world.run_all.pk}/").content.decode()
    assert "乙家村" in text
    assert "甲家村" not in text and "丁家村" not in text


def test_a_reporter_who_edits_the_url_gets_404_for_another_villages_explanation(
    world: World,
) -> None:
    client = client_for(world, "reporter_b")
    assert client.get(f"/results/{world.run_all.pk}/VB01/").status_code == 200
    response = client.get(f"/results/{world.run_all.pk}/VA01/")
    assert response.status_code == 404
    assert "甲家村" not in response.content.decode()


def test_a_township_administrator_ranks_their_villages_but_not_another_townships(
    world: World,
) -> None:
    text = client_for(world, "township_admin").get(f"/results/{world.run_all.pk}/").content
    assert "甲家村" in text.decode() and "乙家村" in text.decode()
    assert "丁家村" not in text.decode()


def test_the_results_api_gives_a_reporter_their_own_unit_only(world: World) -> None:
    data = client_for(world, "reporter_a").get(f"/api/runs/{world.run_all.pk}/results/").json()
    assert [row["unit"] for row in data] == ["VA01"]
    assert all(item["explanation_zh"] for item in data[0]["items"])


def test_the_unit_list_of_each_role(world: World) -> None:
    def codes(role: str) -> set[str]:
        data = client_for(world, role).get("/api/units/").json()
        return {row["code"] for row in data["results"]}

    assert codes("reporter_b") == {"VB01"}
    assert codes("township_admin") == {"T01", "VA01", "VB01"}
    assert codes("county_viewer") == {"C01", "T01", "T02", "VA01", "VB01", "VZ01"}
    assert codes("no_role") == set()


def test_users_without_a_role_see_no_configuration(world: World) -> None:
    client = client_for(world, "no_role")
    for url in ("/api/elements/", "/api/datasets/", "/api/indicators/", "/api/schemes/"):
        assert client.get(url).json()["results"] == [], url


# --- starting a run -----------------------------------------------------------------------


def start_run(world: World, role: str, **extra: str) -> object:
    body = {"scheme": "ACCESS", "year": 2006, **extra}
    return client_for(world, role).post("/api/runs/", body, content_type="application/json")


@pytest.mark.parametrize(
    ("role", "root", "expected"),
    [
        ("system_admin", None, 201),
        ("superuser", None, 201),
        ("township_admin", "T01", 201),
        ("township_admin", None, 403),
        ("township_admin", "T02", 403),
        ("township_admin", "NO_SUCH_UNIT", 403),
        ("other_township_admin", "T01", 403),
        ("reviewer", "T01", 403),
        ("reporter_a", "VA01", 403),
        ("reporter_b", "VA01", 403),
        ("county_viewer", "C01", 403),
        ("auditor", None, 403),
        ("no_role", None, 403),
        ("anonymous", None, 403),
    ],
)
def test_who_may_start_a_run(world: World, role: str, root: str | None, expected: int) -> None:
    response = start_run(world, role, **({"root": root} if root else {}))
    assert response.status_code == expected  # type: ignore[attr-defined]
    text = body_of(response)
    assert not [m for m in FORBIDDEN[role] if m in text]


def test_a_run_started_by_a_township_administrator_covers_their_township_only(
    world: World,
) -> None:
    response = start_run(world, "township_admin", root="T01")
    run_id = response.json()["id"]  # type: ignore[attr-defined]
    data = client_for(world, "system_admin").get(f"/api/runs/{run_id}/results/").json()
    assert sorted(row["unit"] for row in data) == ["VA01", "VB01"]


# --- the audit log ------------------------------------------------------------------------


def test_the_audit_api_filters_by_object_and_channel(world: World) -> None:
    client = client_for(world, "auditor")
    data = client.get("/api/audit/", {"object_key": "VA01", "channel": "cli"}).json()
    assert data["count"] > 0
    assert all("VA01" in row["object_key"] and row["channel"] == "cli" for row in data["results"])
    assert client.get("/api/audit/", {"date_from": "not a date"}).status_code == 400
