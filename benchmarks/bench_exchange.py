"""Benchmark: importing a DHIS2 CSV data value set through the bulk path.

    python -m benchmarks.bench_exchange [--values 1000000] [--database-url URL] [--keep]
                                        [--statements N]

Generates a CSV file of N values (30 elements × 12 months × as many villages as it takes,
each value with its own ``lastupdated``), then times ``kaohe.interop.values.
do_import_data_values`` three times on it: into an empty database (every value created), the
same file again (every value unchanged: ignored), and the file with every value changed
(updated). Prints values per second and the process's peak memory after each; with
``--statements N`` also the N slowest SQL statements of each import and their share (what is
left is Python, the ``COPY`` of the staging table and the commit, where PostgreSQL checks the
data value table's foreign keys). Goal: ≥ 200,000 values/s from CSV into PostgreSQL, with
memory flat in the file size (compare two sizes). docs/benchmarks.md has the figures measured.

The database is ``--database-url``, else ``KAOHE_DATABASE_URL``, else a new SQLite file in a
temporary folder. It is migrated and filled: give it a throwaway database. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

N_ELEMENTS = 30
N_MONTHS = 12


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup(database_url: str | None, folder: Path) -> None:
    url = database_url or os.environ.get("KAOHE_DATABASE_URL")
    if not url:
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["KAOHE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"database: {url.split('@')[-1]}")


def _world(villages: int) -> list[str]:
    """A county, one township, ``villages`` villages and 30 monthly count elements."""
    from kaohe.elements.models import DataElement
    from kaohe.orgunits.models import OrgUnit

    DataElement.objects.bulk_create(
        [DataElement(code=f"E{i:02d}", name=f"指标{i}") for i in range(N_ELEMENTS)],
        ignore_conflicts=True,
    )
    county, _c = OrgUnit.objects.get_or_create(
        code="BENCH_C", defaults={"name": "测试县", "kind": "county"}
    )
    town, _t = OrgUnit.objects.get_or_create(
        code="BENCH_T", defaults={"name": "测试镇", "kind": "township", "parent": county}
    )
    codes = [f"BV{i:06d}" for i in range(villages)]
    OrgUnit.objects.bulk_create(
        [
            OrgUnit(
                code=code,
                name=f"村{code}",
                kind="village",
                parent=town,
                path=f"{town.path}{code}/",
                depth=2,
            )
            for code in codes
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return codes


def _write_csv(path: Path, codes: list[str], count: int, shift: int) -> None:
    """``count`` values; ``shift`` changes every value (0 for the first file)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,"
            "storedby,lastupdated,comment,followup,deleted\n"
        )
        n = 0
        lines = []
        for code in codes:
            for month in range(1, N_MONTHS + 1):
                for element in range(N_ELEMENTS):
                    if n == count:
                        break
                    second = n % 86400
                    stamp = f"2026-02-{1 + n % 28:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000"
                    lines.append(
                        f"E{element:02d},2025{month:02d},{code},default,default,"
                        f"{(n * 7 + shift) % 500},bench,{stamp},,false,false\n"
                    )
                    n += 1
                if len(lines) >= 10000:
                    out.write("".join(lines))
                    lines = []
        out.write("".join(lines))


def _run(path: Path, label: str, count: int, statements: int) -> None:
    from django.db import connection

    from kaohe.audit.services import Actor
    from kaohe.interop.options import ImportOptions
    from kaohe.interop.values import do_import_data_values

    timed: list[tuple[float, str]] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - start, " ".join(sql.split())))

    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        summary = do_import_data_values(
            path, actor=Actor.cli("bench"), options=ImportOptions(fmt="csv")
        )
    seconds = time.perf_counter() - started
    counts = f"+{summary.imported} ~{summary.updated} ={summary.ignored} -{summary.deleted}"
    print(
        f"{label:<10} {count:>10,} values {seconds:8.2f} s {count / seconds:>12,.0f} values/s "
        f"  {counts}   peak {_peak_mb():,.0f} MB"
    )
    if summary.conflict_count:
        print("  conflicts:", [str(c) for c in summary.conflicts[:3]], file=sys.stderr)
    if statements:
        in_sql = sum(t for t, _sql in timed)
        print(f"  {len(timed)} SQL statements {in_sql:.2f} s; the rest {seconds - in_sql:.2f} s")
        for took, sql in sorted(timed, reverse=True)[:statements]:
            print(f"  {took:7.2f} s  {sql[:100]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--statements", type=int, default=0, help="print the N slowest SQL statements"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kaohe-bench-exchange-"))
    _setup(args.database_url, folder)
    villages = -(-args.values // (N_ELEMENTS * N_MONTHS))
    codes = _world(villages)
    first, changed = folder / "values.csv", folder / "changed.csv"
    _write_csv(first, codes, args.values, 0)
    _write_csv(changed, codes, args.values, 1)
    size = first.stat().st_size / 1e6
    print(f"file: {size:,.1f} MB, {villages:,} villages; peak before import {_peak_mb():,.0f} MB")
    _run(first, "create", args.values, args.statements)
    _run(first, "unchanged", args.values, args.statements)
    _run(changed, "update", args.values, args.statements)
    if args.keep:
        print(f"files kept in {folder}")
    else:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
