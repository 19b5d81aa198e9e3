"""Benchmark: the whole assessment of a province and of a township, data already loaded.

    python -m benchmarks.bench_assess [--units 100000] [--repeat 3]

Generates a province — N villages × 30 data elements × 12 months (1 % of values missing), a
20-item scheme mixing every rule type, per-unit quotas and 2 vetoes — and times
``engine.assess.assess`` (aggregation over time, indicators, scores, vetoes, totals, grades,
ranks, explanations) in this process. Goals: ≤ 1 s wall and ≤ 3 GB peak for 100,000 villages;
≤ 10 ms for a township of 30 units. Prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np

from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import AssessmentInputs, assess, compile_scheme
from kaohe.engine.spec import (
    AggregationType,
    BandRule,
    BonusRule,
    CaseTerm,
    Direction,
    ElementSpec,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    LevelProgressRule,
    LinearRule,
    PerCaseRule,
    RankPointsRule,
    RatioRule,
    RelativeToBestRule,
    SchemeSpec,
    ThresholdRule,
    VetoSpec,
)

N_ELEMENTS = 30
N_MONTHS = 12


def elements() -> tuple[ElementSpec, ...]:
    """30 elements: 24 monthly flows (sum) and 6 stocks (last)."""
    flows = [ElementSpec(f"F{i:02d}", f"流量{i}") for i in range(24)]
    stocks = [
        ElementSpec(f"S{i:02d}", f"存量{i}", aggregation=AggregationType.LAST) for i in range(6)
    ]
    return tuple(flows + stocks)


def scheme() -> SchemeSpec:
    """A 20-item scheme (weights add to 100, plus a bonus) mixing the rule types."""
    ind = [
        IndicatorSpec(
            f"R{i:02d}",
            f"比率{i}",
            f"Rate {i}",
            f"#{{F{2 * i + 1:02d}}}",
            f"#{{F{2 * i:02d}}}",
            100,
            2,
            "%",
        )
        for i in range(10)
    ]
    ind.append(
        IndicatorSpec(
            "BR",
            "出生率",
            "Birth rate",
            "#{F20}",
            "(#{S00}.periodOffset(-1) + #{S00}) / 2",
            1000,
            2,
            "‰",
        )
    )
    ind.append(IndicatorSpec("CR", "覆盖率", "Coverage", "#{S02}", "#{S01}", 100, 2, "%"))
    items = [
        ItemSpec("I01", "项目1", "Item 1", 6, ThresholdRule(), "N{R00}", 90, unit="%"),
        ItemSpec("I02", "项目2", "Item 2", 6, LinearRule(points=2), "N{R01}", 95, unit="%"),
        ItemSpec(
            "I03",
            "项目3",
            "Item 3",
            6,
            LinearRule(points=1, whole_steps=True),
            "N{R02}",
            92,
            unit="%",
        ),
        ItemSpec(
            "I04",
            "项目4",
            "Item 4",
            5,
            LinearRule(points=0.5, allow_negative=True),
            "N{R03}",
            85,
            unit="%",
        ),
        ItemSpec(
            "I05", "项目5", "Item 5", 5, ThresholdRule(), "N{BR}", 12, Direction.LOWER, unit="‰"
        ),
        ItemSpec(
            "I06",
            "统计",
            "Accuracy",
            5,
            PerCaseRule(points=2, also=(CaseTerm("瞒报", "concealed", "#{F22}", 5),)),
            "#{F21}",
            decimals=0,
            unit="例",
        ),
        ItemSpec(
            "I07", "计划", "Plan", 6, BandRule(0.85, 1.0), "#{F20}", None, decimals=0, unit="人"
        ),
        ItemSpec("I08", "项目8", "Item 8", 5, RatioRule(), "N{R04}", 60, unit="%"),
        ItemSpec("I09", "项目9", "Item 9", 5, RatioRule(), "N{R05}", 40, Direction.LOWER, unit="%"),
        ItemSpec("I10", "项目10", "Item 10", 5, RelativeToBestRule(), "N{R06}", unit="%"),
        ItemSpec(
            "I11",
            "项目11",
            "Item 11",
            5,
            RelativeToBestRule(),
            "N{R07}",
            direction=Direction.LOWER,
            unit="%",
        ),
        ItemSpec("I12", "项目12", "Item 12", 6, RankPointsRule(first=6), "N{R08}", unit="%"),
        ItemSpec("I13", "项目13", "Item 13", 5, LevelProgressRule(), "N{R09}", unit="%"),
        ItemSpec(
            "I14",
            "项目14",
            "Item 14",
            5,
            LinearRule(points=2, max_deduction=4),
            "N{CR}",
            90,
            unit="%",
        ),
        ItemSpec(
            "I15", "项目15", "Item 15", 5, ThresholdRule(), "#{F23}", 1, decimals=0, unit="次"
        ),
        ItemSpec("I16", "项目16", "Item 16", 4, LinearRule(points=1), "N{R00}", 98, unit="%"),
        ItemSpec("I17", "项目17", "Item 17", 4, ThresholdRule(), "N{R01}", 80, unit="%"),
        ItemSpec(
            "I18", "项目18", "Item 18", 4, LinearRule(points=3, step=5), "N{R02}", 99, unit="%"
        ),
        ItemSpec("I19", "项目19", "Item 19", 3, RatioRule(), "N{R03}", 70, unit="%"),
        ItemSpec("I20", "加分", "Bonus", 0, BonusRule(points=1, cap=5), "N{R04}", 50, unit="%"),
    ]
    return SchemeSpec(
        code="BENCH",
        name="基准方案",
        version=1,
        total=100,
        items=tuple(items),
        indicators=tuple(ind),
        vetoes=(
            VetoSpec("OVER", "超计划", "Over plan", "#{F20} > T{I07}"),
            VetoSpec("HIDE", "瞒报", "Concealed", "#{F22} > 0"),
        ),
        grades=(
            GradeSpec("A", "一等奖", "First", 95),
            GradeSpec("B", "二等奖", "Second", 90),
            GradeSpec("C", "三等奖", "Third", 85),
            GradeSpec("P", "合格", "Pass", 70),
            GradeSpec("F", "不合格", "Fail", 0),
        ),
        veto_grade="F",
    )


def province(n_units: int, seed: int = 7) -> AssessmentInputs:
    """Random but plausible figures: denominators 50–150 a month, numerators below them."""
    rng = np.random.default_rng(seed)
    units = tuple(f"U{i:06d}" for i in range(n_units))
    kinds = tuple("village" for _ in range(n_units))
    specs = elements()
    periods = tuple(f"2026{m:02d}" for m in range(1, N_MONTHS + 1))

    def cube(shift: float) -> ValueCube:
        data = np.empty((n_units, N_ELEMENTS, N_MONTHS), dtype=np.float64)
        den = rng.integers(50, 150, size=(n_units, 10, N_MONTHS))
        data[:, 0:20:2, :] = den
        data[:, 1:20:2, :] = np.floor(den * rng.uniform(0.75 + shift, 1.0, size=den.shape))
        data[:, 20, :] = rng.poisson(2.0, size=(n_units, N_MONTHS))
        data[:, 21, :] = rng.binomial(1, 0.02, size=(n_units, N_MONTHS))
        data[:, 22, :] = rng.binomial(1, 0.0005, size=(n_units, N_MONTHS))
        data[:, 23, :] = rng.binomial(1, 0.6, size=(n_units, N_MONTHS))
        population = rng.integers(800, 3500, size=(n_units, 1)).astype(np.float64)
        data[:, 24, :] = population + np.arange(N_MONTHS)
        data[:, 25, :] = np.floor(population * 0.16)
        data[:, 26, :] = np.floor(population * 0.16 * rng.uniform(0.8, 1.0, size=(n_units, 1)))
        data[:, 27:30, :] = rng.integers(0, 100, size=(n_units, 3, N_MONTHS))
        missing = rng.random(data.shape) < 0.01
        data[missing] = np.nan
        # The engine's layout: elements × periods × units (units contiguous).
        return ValueCube(units, specs, periods, np.ascontiguousarray(data.transpose(1, 2, 0)))

    quotas = np.floor(rng.uniform(24, 40, size=n_units))
    return AssessmentInputs(
        units=units,
        kinds=kinds,
        cubes={0: cube(0.05), -1: cube(0.0)},
        targets={"I07": quotas},
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--township-repeat", type=int, default=200)
    args = parser.parse_args()

    spec = scheme()
    codes = frozenset(e.code for e in elements())
    started = time.perf_counter()
    compiled = compile_scheme(spec, codes)
    compile_ms = (time.perf_counter() - started) * 1000

    township = province(30, seed=1)
    assess(compiled, township)  # warm-up
    times = []
    for _ in range(args.township_repeat):
        started = time.perf_counter()
        assess(compiled, township)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]

    rss_before = peak_rss_mb()
    inputs = province(args.units)
    rss_loaded = peak_rss_mb()
    walls = []
    result = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = assess(compiled, inputs)
        walls.append(time.perf_counter() - started)
    assert result is not None
    values = args.units * N_ELEMENTS * N_MONTHS
    print(f"scheme compile (20 items, 12 indicators, 2 vetoes): {compile_ms:.1f} ms")
    print(
        f"township (30 units): median {statistics.median(times):.2f} ms, "
        f"p95 {p95:.2f} ms over {args.township_repeat} runs"
    )
    print(
        f"province ({args.units:,} units × {N_ELEMENTS} elements × {N_MONTHS} months = "
        f"{values:,} values, plus the previous year): "
        f"best {min(walls):.3f} s, median {statistics.median(walls):.3f} s over {args.repeat} runs"
    )
    print(
        f"peak RSS: {peak_rss_mb():.0f} MB (before data {rss_before:.0f} MB, "
        f"data loaded {rss_loaded:.0f} MB)"
    )
    print(
        f"results: {result.units.height:,} units, {result.items.height:,} item rows, "
        f"vetoed {int(result.units['vetoed'].sum()):,}"
    )


if __name__ == "__main__":
    main()
