"""The pages load only files Kaohe serves itself, and every one of those files is there.

Township PCs are often on slow links or offline: a page that names a CDN breaks there. The
vendored files come from scripts/assets (npm ci from package-lock.json), which CI runs first.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from kaohe.assessments.models import AssessmentRun

pytestmark = pytest.mark.django_db

REPO = Path(settings.BASE_DIR).parent
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"
RUN_ASSETS = "run scripts/assets first / 请先运行 scripts/assets"


class _Page(HTMLParser):
    """Collects the files a page makes the browser fetch, and the <body> attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.body: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "body":
            self.body = named
        wanted = {"script": "src", "link": "href", "img": "src", "source": "src"}.get(tag)
        if wanted and named.get(wanted):
            self.urls.append(str(named[wanted]))


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _pages(run: AssessmentRun, clerk_client: Client) -> dict[str, str]:
    unit_code = run.unit_results.select_related("unit").first().unit.code
    paths = {
        "home": "/",
        "ranking": f"/results/{run.pk}/",
        "unit result": f"/results/{run.pk}/{unit_code}/",
    }
    pages = {}
    for name, path in paths.items():
        response = clerk_client.get(path)
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    login = Client().get("/login/")
    assert login.status_code == 200
    pages["login"] = login.content.decode()
    return pages


def test_pages_name_no_file_on_another_host(demo_runs: dict, clerk_client: Client) -> None:
    for name, html in _pages(demo_runs[2006], clerk_client).items():
        urls = _parse(html).urls
        assert urls, name
        for url in urls:
            assert not url.startswith(("http:", "https:", "//")), (name, url)
            assert url.startswith("/" + settings.STATIC_URL.lstrip("/")), (name, url)


def test_every_file_a_page_names_is_served(demo_runs: dict, clerk_client: Client) -> None:
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    for name, html in _pages(demo_runs[2006], clerk_client).items():
        for url in _parse(html).urls:
            path = url.removeprefix(static_prefix).split("?")[0]
            assert finders.find(path), f"{name}: {url} is not served; {RUN_ASSETS}"


def test_only_the_page_that_draws_a_chart_loads_echarts(
    demo_runs: dict, clerk_client: Client
) -> None:
    pages = {
        name: _parse(html).urls for name, html in _pages(demo_runs[2006], clerk_client).items()
    }
    for name, urls in pages.items():
        names = [url.rsplit("/", 1)[-1] for url in urls]
        assert "bootstrap.min.css" in names and "bootstrap.bundle.min.js" in names, name
        assert "htmx.min.js" in names, name
        assert ("echarts.min.js" in names) == (name == "unit result"), name


def test_htmx_requests_carry_the_csrf_token(clerk_client: Client) -> None:
    body = _parse(clerk_client.get("/").content.decode()).body
    headers = json.loads(body["hx-headers"] or "")
    assert len(headers["X-CSRFToken"]) >= 32


def test_source_maps_named_by_vendored_files_are_there_too() -> None:
    files = sorted(VENDOR.glob("*.min.*"))
    assert files, RUN_ASSETS
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for map_name in re.findall(r"sourceMappingURL=([^\s*]+)", text[-300:]):
            assert (path.parent / map_name).is_file(), f"{path.name} names {map_name}"


def test_every_vendored_library_comes_with_its_licence() -> None:
    licences = {p.name for p in (VENDOR / "licenses").glob("*.txt")}
    # The Bootstrap bundle carries Popper; echarts.min.js carries ZRender and tslib.
    for library in ("bootstrap", "popper", "htmx", "echarts", "zrender", "tslib"):
        assert f"{library}.LICENSE.txt" in licences, f"{library}: {RUN_ASSETS}"


def test_the_lockfile_pins_the_versions_we_serve() -> None:
    wanted = json.loads((REPO / "package.json").read_text())["dependencies"]
    locked = json.loads((REPO / "package-lock.json").read_text())["packages"]
    assert set(wanted) == {"bootstrap", "htmx.org", "echarts"}
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly"
        assert locked[f"node_modules/{name}"]["version"] == version
    assert wanted["bootstrap"].startswith("5.3.")
    assert wanted["htmx.org"].startswith("2.")
    assert wanted["echarts"].split(".")[0] in {"5", "6"}


def test_the_vendored_files_are_the_locked_versions() -> None:
    wanted = json.loads((REPO / "package.json").read_text())["dependencies"]
    marks = {
        "bootstrap.min.css": f"Bootstrap  v{wanted['bootstrap']}",
        "bootstrap.bundle.min.js": f"Bootstrap v{wanted['bootstrap']}",
        "htmx.min.js": f'version:"{wanted["htmx.org"]}"',
        "echarts.min.js": f'version="{wanted["echarts"]}"',
    }
    for name, mark in marks.items():
        path = VENDOR / name
        assert path.is_file(), f"{name}: {RUN_ASSETS}"
        assert mark in path.read_text(encoding="utf-8"), f"{name} is stale: {RUN_ASSETS}"
