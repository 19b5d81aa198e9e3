"""The page's checks as you type (grid.js) agree with the server's (parse_value), input for
input, run in a real browser (Chromium through Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser

from kaohe.entry.forms import check_text, client_messages
from tests.browser import conftest as browsers

pytestmark = pytest.mark.browser

GRID_JS = Path(settings.BASE_DIR) / "entry" / "static" / "entry" / "grid.js"

browser = browsers.browser  # Chromium for this module (a fixture, by name)

TYPES = ("integer", "number", "percentage", "yes_no")
TEXTS = (
    *("3", " 3 ", "0", "-0", "+5", "007", "1.5", "1.0", "1.", ".5", "1e2", "1E-2", "0.1e1"),
    *("-1", "-0.5", "-1e-9", "abc", "三", "1,000", "1_000", "NaN", "Infinity", "1e", "e1"),
    *("0x10", "1 2", "--1", "٣", "２", "1e400", "1e-400", "0e20", "0.000"),
    *("99999999999999", "100000000000000", "99999999999999.9999994"),
    *("99999999999999.9999995", "-99999999999999.99999951", "9999999999999.9999999"),
    *("100", "100.0", "100.000000000000000001", "1e2", "10e1", "101", "99.999", "1000"),
    *("1", "0", "true", "TRUE", "False", "是", "否", "yes", "", "  "),
)


def cases() -> list[tuple[str, str, str]]:
    found = [(text, value_type, "") for value_type in TYPES for text in TEXTS]
    # Emptying a cell is fine where there was nothing, refused where there was a value.
    found += [("", value_type, "3") for value_type in TYPES]
    return found


def server_rule(text: str, value_type: str, original: str, names: dict[str, str]) -> str:
    message = check_text(text, original, value_type)
    return names[message] if message else ""


def test_the_pages_checks_agree_with_the_servers_for_every_input(browser: Browser) -> None:
    names = {message: name for name, message in client_messages().items()}
    table = cases()
    page = browser.new_page()
    page.set_content("<!doctype html><meta charset='utf-8'><title>checks</title>")
    page.add_script_tag(path=str(GRID_JS))
    in_browser = page.evaluate(
        "cases => cases.map(c => window.kaoheEntry.problem(c[0], c[1], c[2]))", table
    )
    page.close()

    server = [
        server_rule(text, value_type, original, names) for text, value_type, original in table
    ]
    disagreements = [
        (case, mine, theirs)
        for case, mine, theirs in zip(table, in_browser, server, strict=True)
        if mine != theirs
    ]
    assert disagreements == []
    # The table exercises every rule, so a rule the page lost would show here.
    assert set(server) == {"", *client_messages()}
