"""Benchmark: the county roll-up of a province, and the bytes of a push, data already in memory.

    python -m benchmarks.bench_levels [--units 100000] [--elements 30] [--repeat 3]

Generates a province — N villages in townships of 30, E data elements (a third of them stocks)
over 12 months, 1 % of values missing — and times ``engine.rollup.rollup_cube``: each village
aggregated over the year, then summed per township (what a county's ``aggregate_from`` scheme
reads instead of the villages). Then lays 100,000 approved values out as the DHIS2 data value
set a push sends, in batches of 5,000 with their SHA-256 digests. Goals: the roll-up of a
province well under a second (it is one more pass over the cube the engine reads anyway); a
batch of 5,000 values a few milliseconds. Prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time

import numpy as np

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.rollup import rollup_cube
from kaohe.engine.spec import AggregationType, ElementSpec
from kaohe.interop.formats import ExportValue
from kaohe.levels.dhis2 import set_body

TOWNSHIP_SIZE = 30
MONTHS = tuple(f"2026{m:02d}" for m in range(1, 13))


def province(n_units: int, n_elements: int, seed: int = 0) -> tuple[ValueCube, np.ndarray]:
    rng = np.random.default_rng(seed)
    elements = tuple(
        ElementSpec(
            f"E{i:02d}",
            f"E{i:02d}",
            aggregation=AggregationType.LAST if i % 3 == 0 else AggregationType.SUM,
        )
        for i in range(n_elements)
    )
    data = rng.poisson(20, (n_elements, len(MONTHS), n_units)).astype(np.float64)
    data[rng.random(data.shape) < 0.01] = np.nan
    units = tuple(f"V{i:06d}" for i in range(n_units))
    area_of = (np.arange(n_units) // TOWNSHIP_SIZE).astype(np.intp)
    return ValueCube(units, elements, MONTHS, data), area_of


def timed(function: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--elements", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    cube, area_of = province(args.units, args.elements)
    areas = tuple(f"T{i:05d}" for i in range(int(area_of.max()) + 1))
    seconds = timed(lambda: rollup_cube(cube, areas, area_of, "2026"), args.repeat)
    values = cube.data.size
    print(
        f"roll-up: {args.units:,} villages → {len(areas):,} townships, {args.elements} elements "
        f"× 12 months ({values:,} values): {seconds * 1000:.0f} ms"
    )

    pushed = [
        ExportValue(
            dataset="",
            element=f"E{i % 30:02d}",
            period=MONTHS[i % 12],
            unit=f"V{i // 360:06d}",
            coc="default",
            aoc="default",
            value=str(i % 97),
            stored_by="clerk",
            created="2026-02-03T10:00:00.000+08:00",
            last_updated="2026-02-03T10:00:00.000+08:00",
            comment="",
            follow_up=False,
        )
        for i in range(100_000)
    ]

    def batches() -> None:
        for start in range(0, len(pushed), 5000):
            hashlib.sha256(set_body(pushed[start : start + 5000])).hexdigest()

    seconds = timed(batches, args.repeat)
    size = len(set_body(pushed[:5000]))
    print(
        f"push: 100,000 values in 20 batches of 5,000 (≈{size / 1024:.0f} KiB each), laid out "
        f"and digested: {seconds * 1000:.0f} ms ({seconds / 20 * 1000:.1f} ms a batch)"
    )


if __name__ == "__main__":
    main()
