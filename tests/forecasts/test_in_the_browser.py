"""The forecasts page in a real browser (Chromium through Playwright) on the demo township: the
chart of history and forecast draws from the local ECharts, and without scripts the same figures
are in the table."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import conftest as browsers
from tests.browser.conftest import VIEWPORT, Shot, SignIn, Township, log_in

pytestmark = pytest.mark.browser

browser = browsers.browser
shot = browsers.shot
sign_in = browsers.sign_in
township = browsers.township

PAGE = "/forecasts/?township=DEMO_TWP&year=2026"


def test_the_chart_draws_history_forecast_and_band(sign_in: SignIn, shot: Shot) -> None:
    page = sign_in("township_admin")
    page.goto(PAGE)

    chart = page.locator(".kaohe-forecast-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas")).to_have_count(1)
    assert page.locator(".kaohe-forecast-table tbody tr").count() == 8 + 5
    expect(page.locator("#warnings")).to_contain_text("没有人口计划数")
    expect(page.locator("#budget-table")).to_contain_text("2027Q1")
    shot(page, "forecast")


def test_without_scripts_the_table_says_it_all(
    browser: Browser, township: Township, shot: Shot
) -> None:
    context = browser.new_context(
        base_url=township.url, locale="zh-CN", viewport=VIEWPORT, java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, "township_admin")
        page.goto(PAGE)

        expect(page.locator(".kaohe-forecast-chart")).to_be_hidden()
        table = page.locator(".kaohe-forecast-table")
        expect(table).to_contain_text("2031")
        expect(table).to_contain_text("中方案")
        shot(page, "forecast-without-scripts")
    finally:
        context.close()
