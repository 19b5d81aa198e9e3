"""Benchmark: every kind of document, and the dashboards' reading, at township scale.

    python -m benchmarks.bench_documents [--repeat 3] [--dir FOLDER]

Builds the demo township (30 units; 2005, 2006 and 2026 of monthly figures) with
``kaohe demo --no-serve`` in a temporary folder (or reads the one ``--dir`` names), then, in
this process, builds every installed kind of document through the registry for each scheme's
newest published year — as the pages, ``kaohe report`` and the API do — ``--repeat`` times,
and times the township overview's and a unit dashboard's reading. Prints the median and the
slowest run of each. Goal: each document ≤ 3 s. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

GOAL_SECONDS = 3.0


def build_demo(folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAOHE_", "DJANGO_"))}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kaohe.cli", "demo", "--no-serve", "--dir", str(folder)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    print(f"demo built in {time.perf_counter() - started:.1f} s: {folder}")


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, slowest) seconds of ``repeat`` runs, after one to warm up."""
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default="", help="a folder built by kaohe demo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-documents-") as scratch:
        folder = Path(args.dir) if args.dir else Path(scratch)
        if not args.dir:
            build_demo(folder)
        os.environ.pop("KAOHE_DATABASE_URL", None)
        os.environ["KAOHE_DATA_DIR"] = str(folder.resolve())
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
        import django

        django.setup()
        run(args.repeat)


def run(repeat: int) -> None:
    from kaohe.assessments.models import AssessmentRun, UnitResult
    from kaohe.documents import registry
    from kaohe.documents.dashboards import township_dashboard, unit_dashboard

    newest: dict[str, AssessmentRun] = {}
    for found in registry.published_runs(None):
        newest.setdefault(found.scheme.code, found)
    kinds = [name for name in registry.KINDS if registry.available(name)]
    missing = [name for name in registry.KINDS if name not in kinds]
    print(
        "kinds installed: "
        + ", ".join(kinds)
        + (f"; missing: {', '.join(missing)}" if missing else "")
    )
    print(
        f"{'document':<14} {'scheme':<18} {'year':>4} {'units':>5} {'median s':>9} {'max s':>7}  goal"
    )
    slowest = 0.0
    for found in newest.values():
        assert found.root is not None
        units = UnitResult.objects.filter(run=found).count()
        where = f"{found.scheme.code:<18} {found.year:>4} {units:>5}"
        request = registry.make_request(
            None, scheme=found.scheme.code, year=found.year, township=found.root.code
        )
        for kind in kinds:
            try:
                median, worst = timed(lambda k=kind, r=request: registry.build(k, r), repeat)
            except Exception as error:  # a kind that cannot be made here is reported, not fatal
                print(f"{kind:<14} {where}  failed: {error}")
                continue
            slowest = max(slowest, worst)
            verdict = "ok" if worst <= GOAL_SECONDS else "SLOW"
            print(f"{kind:<14} {where} {median:>9.3f} {worst:>7.3f}  {verdict}")
    print(f"slowest document: {slowest:.3f} s (goal ≤ {GOAL_SECONDS:.0f} s)")
    for found in newest.values():
        township, year, code = found.root, found.year, found.scheme.code
        assert township is not None
        median, worst = timed(
            lambda t=township, y=year, c=code: township_dashboard(None, t, y, c), repeat
        )
        print(f"township overview {code:<18} {year}: median {median:.3f} s, max {worst:.3f} s")
    first = UnitResult.objects.filter(run__in=list(newest.values())).select_related("unit").first()
    if first is not None:
        median, worst = timed(lambda: unit_dashboard(None, first.unit), repeat)
        print(f"unit dashboard {first.unit.code}: median {median:.3f} s, max {worst:.3f} s")


if __name__ == "__main__":
    main()
