"""The dashboards in a real browser (Debian's Chromium through Playwright) on the demo built by
``kaohe demo``: every chart is drawn from its table when scripts run, and without scripts the
tables are there to read and no empty chart box shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kaohe.demo.generator import SCHEME_CODE, TOWNSHIP_CODE
from kaohe.documents.screenshots import Options, Served, served
from tests.browser import conftest as browsers
from tests.browser.conftest import VIEWPORT, Shot

pytestmark = pytest.mark.browser

# The browser tests' fixtures, by name: Chromium for this module, and screenshots.
browser = browsers.browser
shot = browsers.shot

YEAR = 2006
WAIT_MS = 20_000
CHARTS = ".kaohe-chart[data-chart]"


@pytest.fixture(scope="module")
def server(demo_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo served with its ``demo`` user signed in (as ``kaohe screenshots`` does)."""
    work = tmp_path_factory.mktemp("served")
    with served(Options(out=work, data_dir=demo_folder), work) as found:
        yield found


def open_page(browser: Browser, server: Served, *, scripts: bool) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        base_url=server.url,
        viewport=VIEWPORT,
        locale="zh-CN",
        java_script_enabled=scripts,  # type: ignore[arg-type]
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": server.info["session"], "url": server.url}]
    )
    context.set_default_timeout(WAIT_MS)
    return context, context.new_page()


def overview_address(**query: Any) -> str:
    return "/documents/dashboard/?" + urlencode({"township": TOWNSHIP_CODE, **query})


def drawn_charts(page: Page) -> dict[str, dict[str, Any]]:
    """Every chart box: whether it shows, whether it was drawn, and its canvas's size."""
    return page.evaluate(
        """(selector) => Object.fromEntries(Array.from(document.querySelectorAll(selector)).map(
             box => { const canvas = box.querySelector('canvas');
               return [box.id, {hidden: box.hidden, drawn: box.hasAttribute('data-drawn'),
                                width: canvas ? canvas.width : 0,
                                height: canvas ? canvas.height : 0}]; }))""",
        CHARTS,
    )


def test_every_chart_of_the_overview_is_drawn_from_its_table(
    browser: Browser,
    server: Served,
    shot: Shot,
) -> None:
    context, page = open_page(browser, server, scripts=True)
    page.goto(overview_address(year=YEAR, scheme=SCHEME_CODE))
    expect(page.locator(f"{CHARTS}[data-drawn]")).to_have_count(5)
    charts = drawn_charts(page)
    assert set(charts) == {
        "indicators-chart", "births-months-chart", "ytd-chart", "plan-chart", "ranking-chart",
    }  # fmt: skip
    for name, chart in charts.items():
        assert not chart["hidden"] and chart["drawn"], name
        assert chart["width"] > 300 and chart["height"] > 200, name
    # The tables stay; the long ones fold under their chart.
    expect(page.locator("#indicators")).to_be_visible()
    expect(page.locator("#ranking")).to_be_visible()
    expect(page.locator("#ytd")).to_be_hidden()
    shot(page, "overview")
    context.close()


def test_without_scripts_the_overview_is_its_tables(
    browser: Browser,
    server: Served,
    shot: Shot,
) -> None:
    context, page = open_page(browser, server, scripts=False)
    page.goto(overview_address(year=YEAR, scheme=SCHEME_CODE))
    for table in ("#indicators", "#births-months", "#ytd", "#plan", "#ranking", "#weak"):
        expect(page.locator(table)).to_be_visible()
    charts = drawn_charts(page)
    assert charts and all(c["hidden"] and not c["drawn"] for c in charts.values())
    expect(page.locator("#ranking tbody tr")).to_have_count(20)
    shot(page, "overview-without-scripts")
    context.close()


def test_a_units_page_draws_its_score_and_indicators(
    browser: Browser,
    server: Served,
    shot: Shot,
) -> None:
    context, page = open_page(browser, server, scripts=True)
    page.goto(overview_address(year=YEAR, scheme=SCHEME_CODE))
    page.locator("#ranking tbody tr").last.get_by_role("link").click()
    expect(page.locator("#items")).to_be_visible()
    expect(page.locator(f"{CHARTS}[data-drawn]")).to_have_count(3)  # items, money, years
    charts = drawn_charts(page)
    assert all(c["width"] > 300 for c in charts.values() if c["drawn"])
    shot(page, "unit")
    context.close()
