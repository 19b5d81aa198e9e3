"""Benchmark: page and value-save latency at township scale, against a running server.

    python -m benchmarks.bench_pages [--requests 200] [--port 8799]

Builds the demo township (30 units; 2005, 2006 and 2026 of monthly figures) in a temporary folder, starts
``kaohe runserver`` on it in a separate process, signs in as the demo township's administrator
and, from this process, requests each busy page and saves values through the data-entry cell
endpoint, sequentially. Prints median and p95 per page. Goals: every page ≤ 150 ms p95 and a
value save ≤ 50 ms p95. Asserts nothing.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def kaohe(
    args: list[str], env: dict[str, str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kaohe.cli", *args],
        env=env,
        text=True,
        check=True,
        capture_output=True,
        **kwargs,  # type: ignore[arg-type]
    )


class Browser:
    """A cookie-keeping client that sends Django's CSRF token on POST."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("X-CSRFToken", self.csrf())
        request.add_header("Referer", self.base + path)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with self.opener.open(request) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def timed(label: str, action, count: int, results: dict[str, list[float]]) -> None:  # type: ignore[no-untyped-def]
    action()  # warm-up
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        status = action()
        samples.append((time.perf_counter() - started) * 1000)
        if status not in (200, 302):
            raise SystemExit(f"{label}: HTTP {status}")
    results[label] = samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="kaohe-bench-pages-"))
    env = dict(
        os.environ,
        KAOHE_DATA_DIR=str(folder),
        KAOHE_DEBUG="0",
        KAOHE_SECRET_KEY="bench-" + "x" * 50,
    )
    env.pop("KAOHE_DATABASE_URL", None)
    built = kaohe(["demo", "--dir", str(folder), "--no-serve"], env)
    password = re.search(r"password ([A-Za-z0-9_-]+)", built.stdout)
    if password is None:
        raise SystemExit("the demo did not print its login")
    kaohe(["collectstatic", "--noinput"], env)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kaohe.cli",
            "runserver",
            f"127.0.0.1:{args.port}",
            "--noreload",
            "--insecure",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        browser = Browser(base)
        for _ in range(100):
            try:
                browser.get("/login/")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        browser.post("/login/", {"username": "demo", "password": password.group(1)})
        status, home = browser.get("/")
        runs = sorted(set(re.findall(r"/results/(\d+)/", home)))
        if status != 200 or not runs:
            raise SystemExit("could not sign in or find a run")
        run = runs[-1]
        results: dict[str, list[float]] = {}
        pages = {
            "home": "/",
            "ranking": f"/results/{run}/",
            "unit explanation": f"/results/{run}/V11/",
            "year grid (entry)": "/entry/VILLAGE_MONTHLY/V03/2006/",
            "review queue": "/submissions/",
        }
        for label, path in pages.items():
            timed(label, lambda path=path: browser.get(path)[0], args.requests, results)
        cell = "/entry/cell/BIRTHS/V03/202611/"

        def save(index: int = 0) -> int:
            # The page holds the cell's token; the save sends it back (optimistic concurrency).
            _, fragment = browser.get(cell)
            token = re.search(r'name="t:BIRTHS:202611" value="([^"]*)"', fragment)
            original = re.search(r'name="o:BIRTHS:202611" value="([^"]*)"', fragment)
            fields = {
                "v:BIRTHS:202611": str(index % 7 + 1),
                "t:BIRTHS:202611": token.group(1) if token else "",
                "o:BIRTHS:202611": original.group(1) if original else "",
            }
            started = time.perf_counter()
            status, _ = browser.post(cell, fields, {"HX-Request": "true"})
            saves.append((time.perf_counter() - started) * 1000)
            return status

        saves: list[float] = []
        for index in range(args.requests + 1):
            status = save(index)
            if status != 200:
                raise SystemExit(f"value save: HTTP {status}")
        results["value save (one cell)"] = saves[1:]
        print(
            f"pages at township scale (30 units; 2005, 2006 and 2026 of monthly figures), {args.requests} requests each:"
        )
        for label, samples in results.items():
            ordered = sorted(samples)
            p95 = ordered[int(len(ordered) * 0.95) - 1]
            print(f"  {label:<22} median {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
