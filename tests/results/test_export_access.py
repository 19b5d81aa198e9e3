"""Who may download what: the permission matrix of the downloads, read inside the files."""

from __future__ import annotations

import html
import zipfile
from io import BytesIO

import pytest

from tests.access.conftest import MARKERS, ROLES, World
from tests.access.matrix import FORBIDDEN, SEES, WITH_A_ROLE, page

from .conftest import client_for, content_of, rows_of, sheet_of

pytestmark = pytest.mark.django_db

DOWNLOADS = ("ranking.xlsx", "ranking.csv", "items.xlsx", "items.csv")


def text_of(response: object) -> str:
    """Everything a download says: a workbook's XML parts (character references such as
    ``&#26449;`` decoded, as lxml writes non-ASCII text), or the CSV text."""
    data = content_of(response)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "".join(
                html.unescape(archive.read(name).decode("utf-8")) for name in archive.namelist()
            )
    return data.decode("utf-8")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_downloads_what_it_may_see_and_no_other_villages_data(
    world: World, role: str
) -> None:
    client = client_for(world, role)
    wrong, leaks = [], []
    for run, who in ((world.run_all, WITH_A_ROLE), (world.run_t02, SEES["VZ01"])):
        expected = page(who)[role]
        for name in DOWNLOADS:
            url = f"/results/{run.pk}/{name}"
            response = client.get(url)
            if response.status_code != expected:
                wrong.append(f"{url}: {response.status_code}, expected {expected}")
            text = text_of(response) if response.status_code == 200 else response.content.decode()
            leaks += [f"{url}: {m!r}" for m in FORBIDDEN[role] if m in text]
    assert wrong == [], "\n".join(wrong)
    assert leaks == [], "\n".join(leaks)


def test_the_markers_are_found_in_a_workbook_when_they_are_there(world: World) -> None:
    # The search above would pass on an unreadable file too; show that it reads them.
    response = client_for(world, "system_admin").get(f"/results/{world.run_all.pk}/ranking.xlsx")
    text = text_of(response)
    assert all(MARKERS[v][1] in text for v in ("VA01", "VB01", "VZ01"))


def test_a_reporter_downloads_only_their_own_row_and_their_own_items(world: World) -> None:
    client = client_for(world, "reporter_b")
    ranking = list(rows_of(sheet_of(client.get(f"/results/{world.run_all.pk}/ranking.xlsx"))))
    items = list(rows_of(sheet_of(client.get(f"/results/{world.run_all.pk}/items.xlsx"))))

    assert [row[2] for row in ranking[2:]] == ["VB01"]
    assert {row[0] for row in items[2:]} == {"VB01"} and len(items[2:]) == 2


def test_a_township_administrator_downloads_their_villages_only(world: World) -> None:
    client = client_for(world, "township_admin")
    ranking = list(rows_of(sheet_of(client.get(f"/results/{world.run_all.pk}/ranking.xlsx"))))

    assert sorted(row[2] for row in ranking[2:]) == ["VA01", "VB01"]


def test_a_reporter_asking_for_another_villages_items_gets_404(world: World) -> None:
    client = client_for(world, "reporter_b")
    assert client.get(f"/results/{world.run_all.pk}/items.csv?unit=VB01").status_code == 200
    response = client.get(f"/results/{world.run_all.pk}/items.xlsx?unit=VA01")
    assert response.status_code == 404
    assert "甲家村" not in response.content.decode()
