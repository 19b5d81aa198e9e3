"""Pictures of the dashboards and of every document, for a person to look at.

:func:`take_screenshots` serves a built database (the demo's folder, or the configured
database) with ``runserver`` in a process of its own, signs a user in there, and drives
Debian's Chromium through Playwright:

* the township overview of every published scheme and year, with scripts (the charts drawn)
  and once without (the tables a browser without scripts shows), the unit pages of the first
  and last unit of the newest ranking, and the documents page — full-page PNGs;
* every kind of document of the chosen years, downloaded through the pages as a person would,
  converted to PDF by LibreOffice (headless) and to one PNG per page by ``pdftoppm``. Without
  LibreOffice or poppler-utils the files are still saved and the reason printed, Chinese
  first; the dashboards' pictures do not need them.

The server process (:func:`serve`) signs the user in through Django's own ``login`` (so the
login is audited like any other) and writes what is there to be photographed into a small
JSON file the driving process reads; the driving process never opens the database itself.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from django.utils.translation import gettext as _

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT: Final = {"width": 1440, "height": 900}
WAIT_MS: Final = 20_000
SERVER_START_SECONDS: Final = 90
OFFICE_SECONDS: Final = 600
DEMO_USER: Final = "demo"


class ScreenshotError(RuntimeError):
    """The pictures cannot be taken here (bilingual message)."""


Write = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """What to photograph. ``data_dir``: a folder holding ``kaohe.sqlite3`` (the demo's), or
    None for the configured database; ``schemes`` / ``years``: the documents' (and dashboards')
    schemes and years (empty: every published one for the dashboards, the newest year of each
    scheme for the documents); ``pages``: at most this many pages of each document."""

    out: Path
    data_dir: Path | None = None
    username: str = ""
    township: str = ""
    schemes: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    documents: bool = True
    pages: int = 4
    language: str = "zh-hans"


@dataclass
class Taken:
    """The pictures and files made, and what could not be done (bilingual lines)."""

    pictures: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- the server side (runs in the served process) ---------------------------------------------


def _login_user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from kaohe.accounts.models import Membership, Role

    users = get_user_model().objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    found = users.filter(username=DEMO_USER).first()
    if found is None:
        found = users.filter(is_superuser=True).order_by("pk").first()
    if found is None:
        admins = Membership.objects.filter(role__in=[Role.SYSTEM_ADMIN, Role.TOWNSHIP_ADMIN])
        member = admins.select_related("user").order_by("pk").first()
        found = member.user if member is not None else None
    return found


def _sign_in(user: Any) -> str:
    """A session for ``user`` made by Django's ``login`` (audited as a login from 127.0.0.1)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest

    request = HttpRequest()
    request.META.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "kaohe screenshots"})
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session.save()
    return str(request.session.session_key)


def _what_is_there(user: Any, township_code: str) -> dict[str, Any]:
    from kaohe.assessments.models import UnitResult

    from .registry import KINDS, available, published_runs, township_for, visible_townships

    if township_code:
        township = township_for(user, township_code)
    else:
        with_runs = [t for t in visible_townships(user) if published_runs(user, t)]
        township = with_runs[0] if with_runs else None
    if township is None:
        return {"township": "", "runs": [], "kinds": [], "units": []}
    runs = published_runs(user, township)
    units: list[str] = []
    if runs:
        newest = max(runs, key=lambda r: (r.year, r.unit_results.count()))
        ranked = list(
            UnitResult.objects.filter(run=newest)
            .order_by("rank", "unit__path")
            .values_list("unit__code", flat=True)
        )
        units = list(dict.fromkeys([ranked[0], ranked[-1]])) if ranked else []
    return {
        "township": township.code,
        "runs": [[r.scheme.code, r.year] for r in runs],
        "kinds": [[name, kind.extension] for name, kind in KINDS.items() if available(name)],
        "units": units,
    }


def serve(port: int, info: str, username: str = "", township: str = "") -> None:
    """In the served process: sign the user in, write what there is to photograph into
    ``info`` (JSON), then serve the pages on ``port`` until stopped."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    user = _login_user(username)
    if user is None:
        Path(info).write_text(json.dumps({"error": "user"}), encoding="utf-8")
        return
    found = _what_is_there(user, township)
    found.update(session=_sign_in(user), username=user.get_username())
    Path(info).write_text(json.dumps(found), encoding="utf-8")
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, insecure_serving=True)


# --- the driving side ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Served:
    url: str
    info: dict[str, Any]
    log: Path


@contextmanager
def served(options: Options, folder: Path) -> Iterator[Served]:
    """The database served on a free local port for as long as the block runs."""
    port = _free_port()
    info = folder / "served.json"
    log = folder / "server.log"
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="kaohe.settings", PYTHONUNBUFFERED="1")
    if options.data_dir is not None:
        database = options.data_dir / "kaohe.sqlite3"
        if not database.exists():
            raise ScreenshotError(
                _("{path} 中没有数据库，请先运行 kaohe demo --dir {path} / there is no database in "
                  "{path}: run kaohe demo --dir {path} first").format(path=options.data_dir)
            )  # fmt: skip
        env["KAOHE_DATA_DIR"] = str(options.data_dir.resolve())
        env.pop("KAOHE_DATABASE_URL", None)
    code = (
        "from kaohe.documents.screenshots import serve; "
        f"serve({port}, {str(info)!r}, {options.username!r}, {options.township!r})"
    )
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not (info.exists() and _answers(f"{url}/login/")):
            if server.poll() is not None or time.monotonic() > deadline:
                if info.exists() and "error" in json.loads(info.read_text(encoding="utf-8")):
                    raise ScreenshotError(
                        _("没有可以登录的用户（示范镇的 demo 用户、超级用户或乡镇管理员），可用 "
                          "--user 指定 / no user to sign in as (the demo's user, a superuser or "
                          "a township administrator): name one with --user")
                    )  # fmt: skip
                raise ScreenshotError(
                    _("网页服务没有启动 / the pages could not be served:") + "\n"
                    + log.read_text(encoding="utf-8")[-2000:]
                )  # fmt: skip
            time.sleep(0.2)
        yield Served(url, json.loads(info.read_text(encoding="utf-8")), log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _chosen_runs(options: Options, runs: list[list[Any]]) -> list[tuple[str, int]]:
    chosen = [(str(code), int(year)) for code, year in runs]
    if options.schemes:
        chosen = [r for r in chosen if r[0] in options.schemes]
    if options.years:
        chosen = [r for r in chosen if r[1] in options.years]
    return chosen


def _document_runs(options: Options, chosen: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The runs whose documents are made: those asked for, else each scheme's newest year."""
    if options.schemes or options.years:
        return chosen
    newest: dict[str, int] = {}
    for code, year in chosen:
        newest[code] = max(year, newest.get(code, year))
    return sorted(newest.items(), key=lambda r: (-r[1], r[0]))


def _wait_for_charts(page: Any) -> int:
    """Wait until every chart box whose table has rows is drawn; how many were drawn."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('.kaohe-chart[data-chart][data-source]')).every(
             box => box.hasAttribute('data-drawn') ||
               !document.querySelector('#' + box.dataset.source + ' tbody tr[data-category]'))""",
        timeout=WAIT_MS,
    )
    return int(page.evaluate("document.querySelectorAll('.kaohe-chart[data-drawn]').length"))


def _pages(
    served: Served, options: Options, chosen: list[tuple[str, int]]
) -> list[tuple[str, str]]:
    """(file stem, address) of every page to photograph."""
    township = served.info["township"]
    pages = [("documents", "/documents/?" + urlencode({"township": township}))]
    for code, year in chosen:
        query = urlencode({"township": township, "year": year, "scheme": code})
        pages.append((f"dashboard-{code}-{year}", f"/documents/dashboard/?{query}"))
    if chosen:
        code, year = max(chosen, key=lambda r: r[1])
        for unit in served.info.get("units", []):
            query = urlencode({"year": year})
            pages.append((f"unit-{unit}-{year}", f"/documents/unit/{unit}/?{query}"))
    return pages


def _photograph(served: Served, options: Options, chosen: list[tuple[str, int]], taken: Taken,
                write: Write) -> list[tuple[Path, str]]:  # fmt: skip
    """Take the pages' pictures and download the documents; the downloaded files with their
    kind."""
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    out = options.out
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": served.info["session"],
        "url": served.url,
    }
    downloads: list[tuple[Path, str]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for scripts in (True, False):
                context = browser.new_context(
                    base_url=served.url,
                    viewport=VIEWPORT,  # type: ignore[arg-type]
                    locale="zh-CN" if options.language != "en" else "en-US",
                    java_script_enabled=scripts,
                )
                context.add_cookies([cookie])  # type: ignore[list-item]
                context.set_default_timeout(WAIT_MS)
                page = context.new_page()
                for stem, address in _pages(served, options, chosen):
                    if not scripts and not stem.startswith("dashboard-"):
                        continue
                    response = page.goto(address)
                    if response is None or not response.ok:
                        taken.notes.append(
                            _("{address} 返回 HTTP {status} / answered HTTP {status}").format(
                                address=address, status=response.status if response else "—"
                            )
                        )
                    elif scripts:
                        _wait_for_charts(page)
                    path = out / f"{stem}{'' if scripts else '-noscript'}.png"
                    page.screenshot(path=str(path), full_page=True)
                    taken.pictures.append(path)
                    write(str(path))
                if scripts and options.documents:
                    downloads = _download(context, served, options, chosen, taken, write)
                context.close()
        finally:
            browser.close()
    return downloads


def _download(context: Any, served: Served, options: Options, chosen: list[tuple[str, int]],
              taken: Taken, write: Write) -> list[tuple[Path, str]]:  # fmt: skip
    folder = options.out / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    files: list[tuple[Path, str]] = []
    for code, year in _document_runs(options, chosen):
        for kind, extension in served.info.get("kinds", []):
            query = urlencode(
                {"township": served.info["township"], "scheme": code, "year": year,
                 "lang": options.language}
            )  # fmt: skip
            response = context.request.get(f"/documents/download/{kind}/?{query}")
            if not response.ok:
                taken.notes.append(
                    _("{kind}（{code} {year}）未能生成 / could not be made: HTTP {status}").format(
                        kind=kind, code=code, year=year, status=response.status
                    )
                )
                continue
            path = folder / f"{code}-{year}-{kind}.{extension}"
            path.write_bytes(response.body())
            taken.files.append(path)
            files.append((path, kind))
            write(str(path))
    return files


def office_tools() -> tuple[str | None, str | None]:
    """The LibreOffice and pdftoppm programs, where installed."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    return office, shutil.which("pdftoppm")


def missing_tools_note() -> str:
    return _(
        "未找到 LibreOffice 或 pdftoppm，文书只保存了文件，没有转成图片。请安装（Debian）：apt-get "
        "install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils / LibreOffice or "
        "pdftoppm was not found: the documents were saved but not turned into pictures. Install "
        "them (Debian): apt-get install libreoffice-writer-nogui libreoffice-calc-nogui "
        "poppler-utils"
    )


def render_documents(files: list[Path], out: Path, pages: int, taken: Taken,
                     write: Write) -> None:  # fmt: skip
    """Each file → PDF (LibreOffice, one run for all) → one PNG per page (at most ``pages``)."""
    office, pdftoppm = office_tools()
    if not files:
        return
    if office is None or pdftoppm is None:
        taken.notes.append(missing_tools_note())
        return
    pdfs = out / "documents" / "pdf"
    pdfs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kaohe-office-") as profile:
        result = subprocess.run(
            [office, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(pdfs), *(str(f) for f in files)],
            capture_output=True, text=True, timeout=OFFICE_SECONDS, check=False,
        )  # fmt: skip
    for file in files:
        pdf = pdfs / f"{file.stem}.pdf"
        if not pdf.exists():
            taken.notes.append(
                _("{name} 未能转换为 PDF / could not be converted to PDF: {why}").format(
                    name=file.name, why=(result.stderr or result.stdout).strip()[-300:]
                )
            )
            continue
        prefix = out / f"document-{file.stem}"
        subprocess.run(
            [pdftoppm, "-png", "-r", "80", "-l", str(pages), str(pdf), str(prefix)],
            capture_output=True, timeout=OFFICE_SECONDS, check=True,
        )  # fmt: skip
        for picture in sorted(out.glob(f"document-{file.stem}-*.png")):
            taken.pictures.append(picture)
            write(str(picture))


def _index(out: Path, taken: Taken) -> Path:
    """An HTML page showing every picture, to look through them in a browser."""
    rows = "\n".join(
        f'<figure><figcaption>{p.name}</figcaption><img src="{p.relative_to(out)}" '
        f'style="max-width:100%;border:1px solid #ccc"></figure>'
        for p in taken.pictures
    )
    path = out / "index.html"
    path.write_text(
        f'<!doctype html><meta charset="utf-8"><title>Kaohe</title>\n{rows}\n', encoding="utf-8"
    )
    return path


def take_screenshots(options: Options, write: Write = print) -> Taken:
    """Photograph the dashboards and documents into ``options.out`` (see the module's text)."""
    if not CHROMIUM.exists():
        raise ScreenshotError(
            _("未找到 {path}，请安装 Chromium（apt-get install chromium）/ {path} is missing: install "
              "Chromium (apt-get install chromium)").format(path=CHROMIUM)
        )  # fmt: skip
    options.out.mkdir(parents=True, exist_ok=True)
    taken = Taken()
    with (
        tempfile.TemporaryDirectory(prefix="kaohe-shots-") as work,
        served(options, Path(work)) as server,
    ):
        if not server.info.get("township"):
            raise ScreenshotError(
                _("没有已发布考核结果的乡镇可拍摄 / no township with published results to "
                  "photograph")
            )  # fmt: skip
        chosen = _chosen_runs(options, server.info["runs"])
        downloads = _photograph(server, options, chosen, taken, write)
    render_documents([path for path, _kind in downloads], options.out, options.pages, taken, write)
    _index(options.out, taken)
    return taken
