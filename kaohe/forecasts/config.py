"""The forecast's configuration: which elements hold the figures, the assumptions' defaults, the
childcare subsidy and the service ratios, read from a YAML file (a county's numbers are never in
code).

The file is ``kaohe/library/2026/forecast/config.yaml`` unless the setting
``KAOHE_FORECAST_CONFIG`` names another. :func:`read_config` checks it whole and refuses it with
every problem listed (:class:`ForecastConfigError`, bilingual); :func:`forecast_config` reads it
once per process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from kaohe.engine.forecast import AGE_GROUPS, ForecastAssumptions

DEFAULT_PATH = (
    Path(__file__).resolve().parent.parent / "library" / "2026" / "forecast" / "config.yaml"
)
FORMAT_KEY = "kaohe_forecast_config"


class ForecastConfigError(ValueError):
    """The configuration file cannot be used; the message lists every problem, bilingual."""


@dataclass(frozen=True)
class ElementCodes:
    women: tuple[str, ...]
    births_by_age: tuple[str, ...]
    births_total: tuple[str, ...]
    population: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return (*self.women, *self.births_by_age, *self.births_total, *self.population)


@dataclass(frozen=True)
class SubsidyConfig:
    amount_per_year: Decimal
    eligible_months: int
    first_month: tuple[int, int]
    quarters: int


@dataclass(frozen=True)
class ServiceRatios:
    newborn_screening_coverage: float
    prepregnancy_couples_per_birth: float
    prepregnancy_coverage: float
    childcare_places_per_1000: float
    population_growth: float | None


@dataclass(frozen=True)
class ForecastConfig:
    elements: ElementCodes
    unit_kinds: tuple[str, ...]
    max_history_years: int
    assumptions: ForecastAssumptions
    backtest_min_years: int
    backtest_steps: int
    flag_probability: float
    subsidy: SubsidyConfig
    services: ServiceRatios
    source: str = field(default="", compare=False)


class _Reader:
    """Reads entries of the parsed YAML, collecting every problem instead of stopping."""

    def __init__(self, data: Any) -> None:
        self.data = data if isinstance(data, dict) else {}
        self.problems: list[str] = []

    def problem(self, where: str, zh: str, en: str) -> None:
        self.problems.append(f"{where}：{zh} / {where}: {en}")

    def get(self, path: str) -> Any:
        node: Any = self.data
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def codes(self, path: str, count: int | None = None) -> tuple[str, ...]:
        value = self.get(path)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(path, "须为数据元素代码的列表", "must be a list of data element codes")
            return ()
        if count is not None and len(value) != count:
            self.problem(
                path,
                f"须按年龄组顺序列出 {count} 个代码（{', '.join(AGE_GROUPS)}）",
                f"must list {count} codes, one per age group ({', '.join(AGE_GROUPS)})",
            )
        return tuple(value)

    def number(self, path: str, low: float, high: float, *, default: float | None = None) -> float:
        value = self.get(path)
        if value is None and default is not None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(float(value))
        ):
            self.problem(
                path,
                f"须为 {low:g}–{high:g} 之间的数",
                f"must be a number from {low:g} to {high:g}",
            )
            return low
        if not low <= float(value) <= high:
            self.problem(
                path,
                f"须在 {low:g}–{high:g} 之间：{value}",
                f"must be from {low:g} to {high:g}: {value}",
            )
        return float(value)

    def optional_number(self, path: str, low: float, high: float) -> float | None:
        return None if self.get(path) is None else self.number(path, low, high)

    def whole(self, path: str, low: int, high: int) -> int:
        value = self.get(path)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(
                path,
                f"须为 {low}–{high} 之间的整数：{value}",
                f"must be a whole number from {low} to {high}: {value}",
            )
            return low
        return value


def _month(reader: _Reader, path: str) -> tuple[int, int]:
    text = str(reader.get(path) or "")
    parts = text.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12:
        return int(parts[0]), int(parts[1])
    reader.problem(
        path, f"须为 年-月，如 2025-01：{text}", f"must be year-month, e.g. 2025-01: {text}"
    )
    return 2025, 1


def _amount(reader: _Reader, path: str) -> Decimal:
    try:
        amount = Decimal(str(reader.get(path)))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        reader.problem(path, "须为不小于 0 的金额（元）", "must be an amount in yuan, 0 or more")
        return Decimal(0)
    return amount


def _assumptions(reader: _Reader) -> ForecastAssumptions:
    base = "assumptions"
    factors = reader.get(f"{base}.variant_factors")
    if (
        not isinstance(factors, list)
        or len(factors) != 3
        or not all(isinstance(f, int | float) and not isinstance(f, bool) for f in factors)
        or not 0 < factors[0] <= factors[1] <= factors[2]
    ):
        reader.problem(
            f"{base}.variant_factors",
            "须为低、中、高三个递增的正数",
            "must be three positive numbers for low, medium and high, in that order",
        )
        factors = [0.85, 1.0, 1.15]
    entrants = reader.optional_number(f"{base}.entrants", 0, 5)
    return ForecastAssumptions(
        horizon=reader.whole(f"{base}.horizon", 1, 5),
        survival=reader.number(f"{base}.survival", 0.5, 1),
        net_migration=reader.number(f"{base}.net_migration", -0.5, 0.5),
        entrants=entrants,
        variant_factors=(float(factors[0]), float(factors[1]), float(factors[2])),
        fertility_trend=reader.number(f"{base}.fertility_trend", -0.5, 0.5),
        estimation_years=reader.whole(f"{base}.estimation_years", 1, 10),
        prior_strength=reader.number(f"{base}.prior_strength", 0, 1_000_000),
        interval=reader.number(f"{base}.interval", 0.5, 0.99),
        level_drift=reader.number(f"{base}.level_drift", 0, 1, default=0.05),
    )


def parse_config(data: Any, source: str = "") -> ForecastConfig:
    """The configuration in ``data`` (parsed YAML), or :class:`ForecastConfigError` listing
    every problem."""
    reader = _Reader(data)
    if reader.get(FORMAT_KEY) != 1:
        reader.problem(FORMAT_KEY, "须为 1（配置格式版本）", "must be 1 (the format's version)")
    count = len(AGE_GROUPS)
    elements = ElementCodes(
        women=reader.codes("elements.women", count),
        births_by_age=reader.codes("elements.births_by_age", count),
        births_total=reader.codes("elements.births_total"),
        population=reader.codes("elements.population"),
    )
    kinds = reader.codes("unit_kinds")
    config = ForecastConfig(
        elements=elements,
        unit_kinds=kinds,
        max_history_years=reader.whole("max_history_years", 2, 50),
        assumptions=_assumptions(reader),
        backtest_min_years=reader.whole("backtest.min_years", 1, 20),
        backtest_steps=reader.whole("backtest.steps", 1, 5),
        flag_probability=reader.number("early_warning.flag_probability", 0, 1),
        subsidy=SubsidyConfig(
            amount_per_year=_amount(reader, "childcare_subsidy.amount_per_year"),
            eligible_months=reader.whole("childcare_subsidy.eligible_months", 1, 120),
            first_month=_month(reader, "childcare_subsidy.first_month"),
            quarters=reader.whole("childcare_subsidy.quarters", 1, 20),
        ),
        services=ServiceRatios(
            newborn_screening_coverage=reader.number("services.newborn_screening_coverage", 0, 1),
            prepregnancy_couples_per_birth=reader.number(
                "services.prepregnancy_couples_per_birth", 0, 10
            ),
            prepregnancy_coverage=reader.number("services.prepregnancy_coverage", 0, 1),
            childcare_places_per_1000=reader.number("services.childcare_places_per_1000", 0, 1000),
            population_growth=reader.optional_number("services.population_growth", -0.5, 0.5),
        ),
        source=source,
    )
    if reader.problems:
        raise ForecastConfigError(
            "出生预测配置有误 / the forecast configuration is not valid"
            + (f" ({source})" if source else "")
            + ":\n"
            + "\n".join(reader.problems)
        )
    return config


def read_config(path: Path | str) -> ForecastConfig:
    """Read and check the configuration file at ``path``."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ForecastConfigError(
            f"无法读取出生预测配置 {path} / cannot read the forecast configuration {path}: {error}"
        ) from None
    return parse_config(data, str(path))


def config_path() -> Path:
    """The configuration file in use: the setting ``KAOHE_FORECAST_CONFIG``, else the library's."""
    return Path(getattr(settings, "KAOHE_FORECAST_CONFIG", "") or DEFAULT_PATH)


@lru_cache(maxsize=4)
def _cached(path: str) -> ForecastConfig:
    return read_config(path)


def forecast_config() -> ForecastConfig:
    """The configuration in use, read once per process (per file)."""
    return _cached(str(config_path()))
