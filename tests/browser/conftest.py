"""A real browser for the tests: Playwright driving Debian's Chromium, and the demo township
served for it to visit.

* ``browser``: Chromium, one per test module. Browser tests are marked ``@pytest.mark.browser``
  (the whole module, ``pytestmark``); without /usr/bin/chromium they are skipped, or fail when
  ``KAOHE_REQUIRE_BROWSER=1`` (CI), so they never pass without a browser.
* ``township``: the demo township (``do_build_demo`` + ``do_assess_demo``) with a reporter of
  北胡屯村 and one of 孙楼村, a reviewer and a township administrator, served by
  ``manage.py runserver`` in a subprocess on a SQLite file of its own, once per session. The
  pages are served as in production (``DEBUG`` off), so a refusal looks as a person sees it.
* ``sign_in``: a fresh browser (no cookies, Chinese) for a user, logged in through the login
  page; ``shot``: a screenshot of a page into the session's folder, printed at the end of the
  run as ``screenshots: PATH`` (``$KAOHE_SCREENSHOTS``, else a new temporary folder).

Tests elsewhere use ``browser`` and ``shot`` by importing them from here (as tests/entry
imports the access tests' county).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
WAIT_MS = 15_000  # the longest a page may take to show what a step expects

# The people of the journeys: user name → (role, unit code). V02 北胡屯村 is first in the 2006
# ranking; V03 孙楼村 fills in its figures with Excel; DEMO_TWP is 示范镇.
USERS = {
    "beihu": ("reporter", "V02"),
    "sunlou": ("reporter", "V03"),
    "reviewer": ("reviewer", "DEMO_TWP"),
    "township_admin": ("township_admin", "DEMO_TWP"),
}
PASSWORD = "journeys-through-2006"
# 2006 ended long ago, so its monthly figures are past their lock day (read-only for a clerk):
# the monthly report stays open for these tests as if 2006 were this year.
OPEN_FOR_DAYS = 32000


# --- Chromium --------------------------------------------------------------------------------


def chromium_or_skip() -> None:
    """Skip a browser test where Chromium is missing; fail instead when it is required."""
    if CHROMIUM.exists():
        return
    if os.environ.get("KAOHE_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"KAOHE_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install -y chromium",
            pytrace=False,
        )
    pytest.skip(
        f"browser test: {CHROMIUM} is not installed (apt-get install chromium); "
        "KAOHE_REQUIRE_BROWSER=1 makes this a failure"
    )


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """Headless Chromium through Playwright, for one test module.

    One per module rather than per session: Playwright's sync API keeps an asyncio loop running
    on this thread while it is started, and Django refuses database calls while a loop runs.
    So the loop lives only as long as the browser tests' module, with Django told that the
    (ordinary, synchronous) calls of those tests are safe; the rest of the suite never sees it.
    """
    if request.node.get_closest_marker("browser") is None:
        pytest.fail(
            f"{request.node.nodeid} drives a browser: mark the module "
            "`pytestmark = pytest.mark.browser` so that -m 'not browser' leaves it out",
            pytrace=False,
        )
    chromium_or_skip()
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


# --- screenshots -----------------------------------------------------------------------------

_FOLDER = pytest.StashKey[Path]()
_FAILED = pytest.StashKey[bool]()


class _FolderLine:
    """Names the screenshot folder in the run's summary."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(f"screenshots: {self.folder}")


def screenshot_folder(config: pytest.Config) -> Path:
    """The session's screenshot folder: ``$KAOHE_SCREENSHOTS`` or a new temporary one."""
    if _FOLDER not in config.stash:
        named = os.environ.get("KAOHE_SCREENSHOTS")
        folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="kaohe-screenshots-"))
        folder.mkdir(parents=True, exist_ok=True)
        config.stash[_FOLDER] = folder
        config.pluginmanager.register(_FolderLine(folder.resolve()), "kaohe-screenshots")
    return config.stash[_FOLDER]


Shot = Callable[[Page, str], Path]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shot:
    """``shot(page, "what-it-shows")``: the whole page as ``FOLDER/<test>/NN-what-it-shows.png``."""
    folder = screenshot_folder(request.config) / re.sub(r"[^\w.-]+", "-", request.node.name)
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken = 0

    def take(page: Page, name: str) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


# --- the demo township, served --------------------------------------------------------------


def serve_demo(port: int) -> None:
    """In a subprocess started by ``township``: build the demo township in the (empty) database
    that the environment names, add the journeys' people, and serve the pages on ``port``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from kaohe.accounts.services import do_grant_role
    from kaohe.audit.services import Actor
    from kaohe.demo.services import do_assess_demo, do_build_demo
    from kaohe.elements.models import DataSet
    from kaohe.orgunits.models import OrgUnit

    call_command("migrate", interactive=False, verbosity=0)
    actor = Actor.cli("browser-tests")
    summary = do_build_demo(actor)
    do_assess_demo(actor, summary.years)
    DataSet.objects.filter(code="VILLAGE_MONTHLY").update(lock_after_days=OPEN_FOR_DAYS)
    for name, (role, unit) in USERS.items():
        user = get_user_model().objects.create_user(name, password=PASSWORD)
        do_grant_role(actor, user, role, OrgUnit.objects.get(code=unit))
    # --insecure: the static files are served with DEBUG off, as a reverse proxy would.
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)


@dataclass(frozen=True)
class Township:
    url: str
    log: Path  # what the server printed: its requests and any traceback


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def township(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Township]:
    """The demo township served at a local address for the session."""
    chromium_or_skip()  # no server to build for tests that will not run
    folder = tmp_path_factory.mktemp("township")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KAOHE_", "DJANGO_"))  # not the suite's database, nor its Redis
    }
    env.update(
        KAOHE_DATA_DIR=str(folder),  # the SQLite file goes here
        KAOHE_DEBUG="0",
        DJANGO_SETTINGS_MODULE="kaohe.settings",
        PYTHONUNBUFFERED="1",
    )
    log = folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from tests.browser.conftest import serve_demo; serve_demo({port})",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(f"{url}/login/"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Township(url=url, log=log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- people at their browsers -----------------------------------------------------------------


def log_in(page: Page, username: str) -> None:
    """Log in through the login page as a person does."""
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


SignIn = Callable[[str | None], Page]


@pytest.fixture
def sign_in(
    browser: Browser, township: Township, request: pytest.FixtureRequest, shot: Shot
) -> Iterator[SignIn]:
    """``sign_in("beihu")``: a browser of its own (cookies, language) with that user logged in;
    ``sign_in(None)``: one where nobody is. Pages still open when a test fails are
    photographed as ``failed-…``."""
    contexts: list[BrowserContext] = []

    def open_as(username: str | None) -> Page:
        context = browser.new_context(
            base_url=township.url, locale="zh-CN", viewport=VIEWPORT, accept_downloads=True
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        if username is not None:
            log_in(page, username)
        return page

    yield open_as
    if request.node.stash.get(_FAILED, False):
        for context in contexts:
            for page in context.pages:
                shot(page, "failed")
        print(f"server log: {township.log}")
    for context in contexts:
        context.close()
