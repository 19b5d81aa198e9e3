"""Benchmark: the births forecast of a province and of a township, data already loaded.

    python -m benchmarks.bench_forecast [--units 100000] [--years 8] [--repeat 3]

Generates a province — N villages of 800–3,500 people in townships of 30, women by seven age
groups and births by mother's age for 8 years (1 % of values missing), each township with its
own fertility level — and times ``engine.forecast.forecast`` (rates shrunk toward the township,
women projected 5 years, births in 3 variants, the interval of every unit-year) and the
township totals with their intervals. Also a one-step backtest of the province, and a township
of 30 units. Goals: province ≤ 5 s; township well under a second. Prints the figures and the
peak memory (the process's peak RSS, and the peak of the arrays the forecast itself allocates,
measured in a separate run); it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

import numpy as np

from kaohe.engine.forecast import (
    AGE_GROUPS,
    ForecastAssumptions,
    ForecastHistory,
    backtest,
    forecast,
)

TOWNSHIP_SIZE = 30
# Births per woman-year by age group (a TFR of about 1.3).
RATES = np.array([0.004, 0.05, 0.09, 0.07, 0.03, 0.008, 0.001])
# Women of each five-year group per person.
WOMEN_SHARE = np.array([0.028, 0.030, 0.036, 0.038, 0.034, 0.036, 0.040])


def province(n_units: int, n_years: int, seed: int = 0) -> ForecastHistory:
    """A synthetic province: villages in townships of 30 with Poisson births."""
    rng = np.random.default_rng(seed)
    groups = np.arange(n_units, dtype=np.int64) // TOWNSHIP_SIZE
    level = rng.uniform(0.7, 1.3, groups.max() + 1)[groups] * rng.uniform(0.85, 1.15, n_units)
    people = rng.integers(800, 3500, n_units).astype(np.float64)
    growth = rng.uniform(-0.03, 0.01, n_units)
    years = np.arange(n_years)
    population = people[:, None] * (1 + growth[:, None]) ** years[None, :]
    women = np.round(population[:, :, None] * WOMEN_SHARE[None, None, :])
    births = rng.poisson(women * (level[:, None, None] * RATES[None, None, :])).astype(np.float64)
    for array in (women, births):
        array[rng.random(array.shape) < 0.01] = np.nan
    return ForecastHistory(
        units=tuple(f"U{i:06d}" for i in range(n_units)),
        years=tuple(range(2026 - n_years + 1, 2027)),
        women=women,
        births=births,
        population=np.round(population),
        groups=groups,
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--township-repeat", type=int, default=100)
    args = parser.parse_args()
    assumptions = ForecastAssumptions(horizon=5, net_migration=-0.01)

    township = province(TOWNSHIP_SIZE, args.years, seed=1)
    forecast(township, assumptions).totals()  # warm-up
    times = []
    for _ in range(args.township_repeat):
        started = time.perf_counter()
        forecast(township, assumptions).totals()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    started = time.perf_counter()
    backtest(township, assumptions, steps=3)
    township_backtest_ms = (time.perf_counter() - started) * 1000

    rss_before = peak_rss_mb()
    history = province(args.units, args.years)
    rss_loaded = peak_rss_mb()
    walls = []
    result = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = forecast(history, assumptions)
        totals = result.totals()
        walls.append(time.perf_counter() - started)
    assert result is not None
    rss_forecast = peak_rss_mb()
    started = time.perf_counter()
    checked = backtest(history, assumptions)
    backtest_s = time.perf_counter() - started

    tracemalloc.start()
    forecast(history, assumptions).totals()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    cells = args.units * assumptions.horizon * 3
    print(
        f"township ({TOWNSHIP_SIZE} units, {args.years} years): forecast + totals median "
        f"{statistics.median(times):.2f} ms, p95 {p95:.2f} ms over {args.township_repeat} runs; "
        f"backtest 3 steps {township_backtest_ms:.1f} ms"
    )
    print(
        f"province ({args.units:,} units × {args.years} years × {len(AGE_GROUPS)} age groups; "
        f"{assumptions.horizon} years × 3 variants = {cells:,} figures, "
        f"{totals.births.shape[0]:,} townships): forecast + totals "
        f"best {min(walls):.3f} s, median {statistics.median(walls):.3f} s over {args.repeat} runs"
    )
    print(
        f"province backtest (one step, {len(checked.years)} target years): {backtest_s:.2f} s; "
        f"median township MAPE {np.nanmedian(checked.township_mape[:, 0]) * 100:.1f} %, "
        f"coverage {checked.coverage[0] * 100:.1f} % (interval {assumptions.interval:.0%})"
    )
    print(
        f"peak RSS: {peak_rss_mb():.0f} MB (before data {rss_before:.0f} MB, data loaded "
        f"{rss_loaded:.0f} MB, after the forecasts {rss_forecast:.0f} MB); "
        f"peak allocated by one forecast + totals: {traced_peak / 2**20:.0f} MB"
    )
    print(
        f"results: province births next year {np.nansum(result.births[:, 0, 1]):,.0f} "
        f"(low {np.nansum(result.births[:, 0, 0]):,.0f}, high {np.nansum(result.births[:, 0, 2]):,.0f})"
    )


if __name__ == "__main__":
    main()
