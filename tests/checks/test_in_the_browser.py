"""The entry grid and the reconciliation in a real browser (Chromium through Playwright)
against a live server: a cell saves through htmx as it is left, a refusal comes back beside
its row, and the reconciliation shows its colours."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page

from kaohe.checks.models import SourceValue
from tests.browser import conftest as browsers
from tests.browser.conftest import Shot

from .conftest import World

pytestmark = pytest.mark.browser

browser = browsers.browser
shot = browsers.shot

GRID = "/checks/enter/?source=SPOT&element=BIRTHS&period=2006&township=T"


def stored(unit: str) -> Decimal | None:
    row = SourceValue.objects.filter(source__code="SPOT", unit__code=unit).first()
    return row.value if row is not None else None


@pytest.fixture
def page(
    browser: Browser, transactional_db: None, world: World, live_server: Any
) -> Iterator[Page]:
    """A browser signed in as 甲镇's administrator."""
    client = Client()
    client.force_login(world.users["admin"])
    url = str(live_server.url)
    context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url},
            {"name": "django_language", "value": "zh-hans", "url": url},
        ]
    )
    opened = context.new_page()
    yield opened
    context.close()


def leave(page: Page, name: str, text: str) -> None:
    """Type into an input and leave it; wait until htmx has put a new row in its place."""
    row = page.locator(f'input[name="{name}"]').locator("xpath=ancestor::tr")
    row_id = row.get_attribute("id")
    page.evaluate("i => { document.getElementById(i).stale = true; }", row_id)
    box = page.locator(f'input[name="{name}"]')
    box.fill(text)
    box.press("Tab")
    page.wait_for_function(
        "i => { const e = document.getElementById(i);"
        " return e && !e.stale && !e.classList.contains('htmx-settling'); }",
        arg=row_id,
    )


def test_a_cell_saves_as_it_is_left_and_a_refusal_stays_beside_its_row(
    page: Page, shot: Shot
) -> None:
    page.goto(GRID)
    page.wait_for_function("() => window.htmx")

    leave(page, "v:V1", "2")
    assert stored("V1") == Decimal(2)
    assert "已保存" in page.locator("#row-V1").inner_text()

    leave(page, "v:V2", "-1")
    assert "计数不能为负数" in page.locator("#row-V2").inner_text()
    assert stored("V2") is None
    shot(page, "grid-refusal")

    leave(page, "v:V2", "4")
    assert stored("V2") == Decimal(4)
    assert "计数不能为负数" not in page.locator("#row-V2").inner_text()


def test_the_reconciliation_colours_under_and_over_reporting(page: Page, shot: Shot) -> None:
    page.goto("/checks/reconcile/?element=BIRTHS&year=2006&township=T")
    under = page.locator("tbody tr", has_text="二村")
    over = page.locator("tbody tr", has_text="三村")
    assert "table-danger" in str(under.get_attribute("class"))
    assert "table-warning" in str(over.get_attribute("class"))
    assert "70.00%" in page.locator("main").inner_text()
    shot(page, "reconciliation")
