"""The grid in a real browser (Chromium through Playwright) against a live server: checks as you
type, per-cell saving through htmx, live totals, a conflict and its explicit overwrite, and the
history popup."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, Request

from kaohe.datavalues.models import DataValue
from tests.browser import conftest as browsers
from tests.browser.conftest import Shot

from .conftest import Place, store

pytestmark = pytest.mark.browser

# The browser tests' fixtures, by name: Chromium for this module, and screenshots.
browser = browsers.browser
shot = browsers.shot

GRID = "/entry/FP_MONTHLY/V01/2026/"
CELL = "#c-BIRTHS-{}"


def stored(period: str) -> Decimal | None:
    value = DataValue.objects.filter(
        element__code="BIRTHS", period__code=period, unit__code="V01"
    ).first()
    return value.value if value is not None else None


@dataclass
class Grid:
    """The grid of 东村 for 2026 in a browser, and the cell saves the page has sent."""

    page: Page
    saves: list[str] = field(default_factory=list)

    def watch(self, request: Request) -> None:
        if request.method == "POST" and "/entry/cell/" in request.url:
            self.saves.append(request.url)

    def ready(self) -> None:
        self.page.wait_for_function("() => window.htmx && window.kaoheEntry")

    def reload(self) -> None:
        self.page.reload()
        self.ready()

    def text(self, element: str, period: str) -> str:
        return self.page.locator(f"#c-{element}-{period}").inner_text()

    def type_into(self, name: str, text: str) -> None:
        """Type into an input and leave it (which is when htmx sends it)."""
        box = self.page.locator(f'input[name="{name}"]')
        box.fill(text)
        box.press("Tab")

    def replacing(self, selector: str) -> None:
        """Mark what ``selector`` finds now, so that :meth:`replaced` can tell its successor."""
        self.page.evaluate("s => { document.querySelector(s).stale = true; }", selector)

    def replaced(self, selector: str) -> None:
        """Wait until htmx has put a new element in place of the marked one, and settled."""
        self.page.wait_for_function(
            "s => { const e = document.querySelector(s);"
            " return e && !e.stale && !e.classList.contains('htmx-settling'); }",
            arg=selector,
        )

    def save_cell(self, period: str, text: str) -> None:
        """Type into a cell of BIRTHS, leave it, and wait for htmx to answer with the new
        cell."""
        self.replacing(CELL.format(period))
        self.type_into(f"v:BIRTHS:{period}", text)
        self.replaced(CELL.format(period))

    def total(self) -> str:
        return self.page.locator("tr[data-sums] [data-total]").first.inner_text()


@pytest.fixture
def grid(
    browser: Browser, transactional_db: None, place: Place, live_server: Any
) -> Iterator[Grid]:
    """A browser signed in as the clerk of 东村, on the grid of 2026."""
    client = Client()
    client.force_login(place.clerk)
    url = str(live_server.url)
    context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url},
            # The pages in Chinese, whatever language headless Chromium asks for.
            {"name": "django_language", "value": "zh-hans", "url": url},
        ]
    )
    page = context.new_page()
    found = Grid(page)
    page.on("request", found.watch)
    page.goto(GRID)
    found.ready()
    yield found
    context.close()


def test_a_bad_value_is_told_beside_the_cell_at_once_and_never_sent(
    grid: Grid,
    shot: Shot,
) -> None:
    grid.type_into("v:BIRTHS:202601", "-2")

    assert "计数不能为负数" in grid.text("BIRTHS", "202601")
    shot(grid.page, "bad-value")
    assert grid.saves == []
    assert stored("202601") is None
    grid.save_cell("202601", "2")  # corrected: the message goes, the value is saved
    assert "计数不能为负数" not in grid.text("BIRTHS", "202601")
    assert stored("202601") == Decimal(2)
    assert len(grid.saves) == 1


def test_a_cell_saves_as_it_is_left_and_the_row_total_follows(grid: Grid) -> None:
    store("BIRTHS", "202601", "3")
    grid.reload()

    grid.save_cell("202602", "4")

    assert stored("202602") == Decimal(4)
    assert "kaohe-saved" in str(grid.page.locator(CELL.format("202602")).get_attribute("class"))
    assert grid.total() == "7"
    # The new cell carries the new token: saving it again is no conflict.
    grid.save_cell("202602", "5")
    assert stored("202602") == Decimal(5)
    assert grid.total() == "8"


def test_a_conflict_shows_both_values_and_overwriting_is_a_click(
    grid: Grid,
    shot: Shot,
) -> None:
    store("BIRTHS", "202601", "3")
    grid.reload()
    store("BIRTHS", "202601", "5")  # another clerk, after the page was drawn

    grid.save_cell("202601", "7")

    text = grid.text("BIRTHS", "202601")
    assert "你的值 7，已被 pytest 于" in text and "改为 5" in text
    assert stored("202601") == Decimal(5)
    shot(grid.page, "conflict")

    grid.replacing(CELL.format("202601"))
    grid.page.locator(f"{CELL.format('202601')} button[name=overwrite]").click()
    grid.replaced(CELL.format("202601"))
    assert "kaohe-saved" in str(grid.page.locator(CELL.format("202601")).get_attribute("class"))
    assert stored("202601") == Decimal(7)


def open_history(grid: Grid) -> None:
    grid.page.locator(f"{CELL.format('202601')} a.kaohe-more").click()
    grid.page.locator("#details.show .kaohe-details").wait_for()


def test_the_history_opens_in_a_popup(
    grid: Grid,
    shot: Shot,
) -> None:
    store("BIRTHS", "202601", "3")
    store("BIRTHS", "202601", "4")
    grid.reload()

    open_history(grid)

    text = grid.page.locator("#details-body").inner_text()
    assert "修改历史" in text and "出生人数" in text
    assert urlparse(grid.page.url).path == GRID  # no navigation
    shot(grid.page, "history-popup")


def test_a_note_saved_in_the_popup_updates_the_cell_so_it_saves_again_without_conflict(
    grid: Grid,
) -> None:
    store("BIRTHS", "202601", "3")
    grid.reload()
    open_history(grid)

    grid.replacing("#details .kaohe-details")
    grid.replacing(CELL.format("202601"))
    grid.page.locator("#details textarea[name=comment]").fill("含双胞胎")
    grid.page.locator("#details input[name=follow_up]").check()
    grid.page.locator("#details form button[type=submit]").click()
    grid.replaced("#details .kaohe-details")
    grid.replaced(CELL.format("202601"))  # swapped out of band, with the new token

    assert "备注已保存" in grid.page.locator("#details-body").inner_text()
    value = DataValue.objects.get()
    assert (value.comment, value.follow_up) == ("含双胞胎", True)
    link = grid.page.locator(f"{CELL.format('202601')} a.kaohe-more")
    assert str(link.get_attribute("title")).startswith("含双胞胎")
    grid.page.get_by_role("button", name="关闭").click()  # the popup closed, back to the grid
    grid.page.locator("#details").wait_for(state="hidden")
    grid.save_cell("202601", "4")
    assert stored("202601") == Decimal(4)
    assert "你的值" not in grid.text("BIRTHS", "202601")
