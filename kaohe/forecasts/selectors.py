"""The forecast of a township, as the page, the console and the API read it.

:func:`township_forecast` reads the township's figures (:mod:`kaohe.forecasts.history`, one
query), runs the engine (:mod:`kaohe.engine.forecast`: the forecast and its backtest), and lays
out everything a township needs: the births per village and for the township in the low, medium
and high variants with the interval, the backtest's errors, the early-warning list
(:mod:`kaohe.forecasts.early_warning`), the childcare-subsidy budget and the service needs
(:mod:`kaohe.forecasts.budget`), and the years in which the births by age and the monthly births
disagree. Nothing is written.

The base year is the last year of figures the forecast starts from: a forecast from 2026 is for
2027 and after. Who may read it: anybody who may see the township (its administrators and
reviewers, county viewers, auditors); :func:`find_township` refuses the others like an unknown
code.

:func:`township_forecast_chart` gives the township dashboard what the partial
``forecasts/_chart.html`` draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kaohe.core.access import VIEW, restrict
from kaohe.engine.forecast import (
    Backtest,
    Forecast,
    ForecastAssumptions,
    backtest,
    explain_unit,
    forecast,
    own_weight,
)
from kaohe.orgunits.models import OrgUnit, UnitKind

from .budget import BudgetReport, ServiceYear, service_needs, subsidy_report
from .config import ForecastConfig, forecast_config
from .early_warning import WarningRow, quotas_for, warning_rows
from .errors import ForecastError
from .history import TownshipFigures, figure_years, read_figures
from .models import TownshipAssumptions
from .services import effective_assumptions, saved_assumptions

MEDIUM = 1


def _nan(value: float) -> float | None:
    return float(value) if math.isfinite(float(value)) else None


@dataclass(frozen=True)
class UnitRow:
    """One village: its births in the history years, the forecast, and how far to trust it."""

    code: str
    name: str
    history: tuple[float | None, ...]
    births: tuple[tuple[float, float, float], ...]  # per forecast year: low, medium, high
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    actual: tuple[float | None, ...]  # births that happened in the forecast years, if known
    women: float | None  # women aged 15–49 in the base year
    tfr: float | None
    own_weight: float | None  # share of the village's own figures in its rates (0–1)
    exposure: float | None  # woman-years behind its own rates
    projectable: bool
    wape: float | None  # backtest: Σ|forecast − actual| / Σ actual, one year ahead
    mae: float | None  # backtest: mean absolute error in births, one year ahead
    explanation_zh: str  # next year's figure and its basis, in words
    explanation_en: str

    @property
    def medium(self) -> tuple[float, ...]:
        return tuple(b[MEDIUM] for b in self.births)


@dataclass(frozen=True)
class TotalRow:
    """The township: births in the history years, the forecast with its own interval."""

    history: tuple[float | None, ...]
    births: tuple[tuple[float, float, float], ...]
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    actual: tuple[float | None, ...]
    tfr: float | None
    missing_units: int

    @property
    def medium(self) -> tuple[float, ...]:
        return tuple(b[MEDIUM] for b in self.births)


@dataclass(frozen=True)
class BacktestYear:
    year: int
    predicted: float | None
    lower: float | None
    upper: float | None
    actual: float | None

    @property
    def error(self) -> float | None:
        """(forecast − actual) / actual, a fraction."""
        if self.predicted is None or not self.actual:
            return None
        return (self.predicted - self.actual) / self.actual


@dataclass(frozen=True)
class BacktestReport:
    """The backtest one year ahead, or why there is none (``reason``)."""

    years: tuple[BacktestYear, ...] = ()
    mape: float | None = None  # the township's mean absolute percentage error
    coverage: float | None = None  # villages' actual births inside their interval
    township_coverage: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Mismatch:
    """A village-year whose births by age do not add up to its monthly births."""

    code: str
    name: str
    year: int
    by_age: float
    reported: float


@dataclass(frozen=True)
class ForecastReport:
    township: OrgUnit
    base_year: int
    history_years: tuple[int, ...]
    years: tuple[int, ...]
    assumptions: ForecastAssumptions
    saved: TownshipAssumptions | None
    units: tuple[UnitRow, ...]
    total: TotalRow
    backtest: BacktestReport
    warning_year: int
    warnings: tuple[WarningRow, ...]
    budget: BudgetReport
    services: tuple[ServiceYear, ...]
    mismatches: tuple[Mismatch, ...]
    group_rates: tuple[float, ...]
    config: ForecastConfig = field(repr=False)

    @property
    def flagged(self) -> tuple[WarningRow, ...]:
        return tuple(w for w in self.warnings if w.flagged)

    def chart(self) -> dict[str, Any]:
        """The township's history and forecast as the chart draws them (JSON-ready)."""
        return {
            "history_years": list(self.history_years),
            "history": list(self.total.history),
            "years": list(self.years),
            "low": [b[0] for b in self.total.births],
            "medium": list(self.total.medium),
            "high": [b[2] for b in self.total.births],
            "lower": list(self.total.lower),
            "upper": list(self.total.upper),
            "actual": list(self.total.actual),
        }


# --- who may read what ------------------------------------------------------------------------


def visible_townships(user: Any) -> QuerySet[OrgUnit]:
    """The townships ``user`` may see, in tree order."""
    return restrict(OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP), user, VIEW).order_by("path")


def find_township(code: str, user: Any | None) -> OrgUnit:
    """The township of this code that ``user`` may see (``None``: the console, every one)."""
    units = OrgUnit.objects.filter(code=(code or "").strip(), kind=UnitKind.TOWNSHIP)
    if user is not None:
        units = restrict(units, user, VIEW)
    township = units.first()
    if township is None:
        raise ForecastError(
            "township",
            _(
                "未知或无权查看的乡镇 {code} / unknown township {code}, or not one you may see"
            ).format(code=code),
        )
    return township


def parse_year(text: Any, township: OrgUnit, config: ForecastConfig | None = None) -> int:
    """The base year asked for (empty: the latest year with figures)."""
    if text is None or not str(text).strip():
        years = figure_years(township, config or forecast_config())
        if not years:
            raise ForecastError(
                "year",
                _(
                    "{township} 还没有分年龄妇女数和出生数，无法预测 / {township} has no women "
                    "or births by age yet: nothing to forecast"
                ).format(township=township.name),
            )
        return years[-1]
    try:
        year = int(str(text).strip())
    except ValueError:
        year = 0
    if not 1900 <= year <= 2200:
        raise ForecastError(
            "year",
            _("年度须为四位数字：{text} / the year must be four digits: {text}").format(text=text),
        )
    return year


def parse_horizon(text: Any, default: int) -> int:
    if text is None or not str(text).strip():
        return default
    value = str(text).strip()
    if not value.isdigit() or not 1 <= int(value) <= 5:
        raise ForecastError(
            "horizon",
            _("预测年数须为 1–5：{text} / the horizon must be 1 to 5 years: {text}").format(
                text=text
            ),
        )
    return int(value)


# --- the forecast -----------------------------------------------------------------------------


def _unit_rows(
    figures: TownshipFigures, made: Forecast, tested: Backtest | None
) -> tuple[UnitRow, ...]:
    by_year = figures.births_by_year()
    women_now = figures.women[:, -1].sum(axis=1)
    exposure = made.exposure.sum(axis=1)
    horizon = len(made.years)
    rows = []
    for i, unit in enumerate(figures.units):
        words = explain_unit(made, i)
        rows.append(
            UnitRow(
                code=unit.code,
                name=unit.name,
                history=tuple(_nan(v) for v in by_year[i]),
                births=tuple(
                    (
                        float(made.births[i, h, 0]),
                        float(made.births[i, h, 1]),
                        float(made.births[i, h, 2]),
                    )
                    for h in range(horizon)
                ),
                lower=tuple(_nan(v) for v in made.lower[i]),
                upper=tuple(_nan(v) for v in made.upper[i]),
                actual=tuple(_nan(v) for v in figures.later_births[i, :horizon]),
                women=_nan(women_now[i]),
                tfr=_nan(made.tfr[i]),
                own_weight=_nan(own_weight(made, i)) if made.projectable[i] else None,
                exposure=_nan(exposure[i]),
                projectable=bool(made.projectable[i]),
                wape=None if tested is None else _nan(tested.unit_wape[i, 0]),
                mae=None if tested is None else _nan(tested.unit_mae[i, 0]),
                explanation_zh=words.zh,
                explanation_en=words.en,
            )
        )
    return tuple(rows)


def _known_sum(values: np.ndarray) -> float | None:
    """The sum over the villages that reported (None when none did): a village without
    figures is left out of the township's births, as it is of its forecast."""
    known = values[np.isfinite(values)]
    return float(known.sum()) if known.size else None


def _total_row(figures: TownshipFigures, made: Forecast) -> TotalRow:
    totals = made.totals()
    by_year = figures.births_by_year()
    history = tuple(_known_sum(by_year[:, t]) for t in range(len(figures.years)))
    horizon = len(made.years)
    later = figures.later_births[:, :horizon]
    actual = tuple(_known_sum(later[:, h]) for h in range(horizon))
    rates = made.group_rates[0] if made.group_rates.shape[0] else np.full(7, np.nan)
    return TotalRow(
        history=history,
        births=tuple(
            (
                float(totals.births[0, h, 0]),
                float(totals.births[0, h, 1]),
                float(totals.births[0, h, 2]),
            )
            for h in range(horizon)
        ),
        lower=tuple(_nan(v) for v in totals.lower[0]),
        upper=tuple(_nan(v) for v in totals.upper[0]),
        actual=actual,
        tfr=_nan(5 * float(np.nansum(rates))),
        missing_units=int(totals.missing_units[0]),
    )


def _backtest(
    figures: TownshipFigures, assumptions: ForecastAssumptions, config: ForecastConfig
) -> tuple[Backtest | None, BacktestReport]:
    if len(figures.years) <= config.backtest_min_years:
        return None, BacktestReport(
            reason=_(
                "回测需要多于 {n} 年的历史数据，现有 {have} 年 / the backtest needs more than "
                "{n} years of history; there are {have}"
            ).format(n=config.backtest_min_years, have=len(figures.years))
        )
    tested = backtest(
        figures.history(),
        assumptions,
        min_years=config.backtest_min_years,
        steps=config.backtest_steps,
    )
    years = tuple(
        BacktestYear(
            year=year,
            predicted=_nan(tested.township_predicted[0, t, 0]),
            lower=_nan(tested.township_lower[0, t, 0]),
            upper=_nan(tested.township_upper[0, t, 0]),
            actual=_nan(tested.township_actual[0, t, 0]),
        )
        for t, year in enumerate(tested.years)
    )
    return tested, BacktestReport(
        years=years,
        mape=_nan(tested.township_mape[0, 0]),
        coverage=_nan(tested.coverage[0]),
        township_coverage=_nan(tested.township_coverage[0]),
    )


def _mismatches(figures: TownshipFigures) -> tuple[Mismatch, ...]:
    by_age = figures.births_by_year()
    out = []
    for i, unit in enumerate(figures.units):
        for t, year in enumerate(figures.years):
            a, r = by_age[i, t], figures.reported[i, t]
            if math.isfinite(a) and math.isfinite(r) and abs(a - r) > 1e-9:
                out.append(Mismatch(unit.code, unit.name, year, float(a), float(r)))
    return tuple(out)


def township_forecast(
    township: OrgUnit,
    base_year: int,
    *,
    horizon: int | None = None,
    config: ForecastConfig | None = None,
) -> ForecastReport:
    """The forecast of ``township`` from ``base_year`` (see the module notes). The caller has
    checked that the person may see the township (:func:`find_township`)."""
    config = config or forecast_config()
    saved = saved_assumptions(township)
    assumptions = effective_assumptions(config, saved, horizon)
    figures = read_figures(township, base_year, config, later=assumptions.horizon)
    if not figures.units:
        raise ForecastError(
            "township",
            _("{township} 下没有可预测的村 / {township} has no villages to forecast").format(
                township=township.name
            ),
        )
    try:
        made = forecast(figures.history(), assumptions)
        tested, tested_report = _backtest(figures, assumptions, config)
    except ValueError as error:
        raise ForecastError("year", str(error)) from None
    units = _unit_rows(figures, made, tested)
    total = _total_row(figures, made)
    names = {u.code: u.name for u in figures.units}
    warning_year = made.years[0]
    quotas = quotas_for(township, figures.units, warning_year)
    warnings = warning_rows(
        made.units,
        names,
        quotas,
        made.births[:, 0, MEDIUM],
        made.lower[:, 0],
        made.upper[:, 0],
        made.dispersion[:, 0],
        config.flag_probability,
    )
    return ForecastReport(
        township=township,
        base_year=base_year,
        history_years=figures.years,
        years=made.years,
        assumptions=assumptions,
        saved=saved,
        units=units,
        total=total,
        backtest=tested_report,
        warning_year=warning_year,
        warnings=tuple(warnings),
        budget=subsidy_report(figures, made, config),
        services=tuple(
            service_needs(
                figures,
                made.years,
                np.array(total.medium),
                np.array([v if v is not None else math.nan for v in total.lower]),
                np.array([v if v is not None else math.nan for v in total.upper]),
                config,
            )
        ),
        mismatches=_mismatches(figures),
        group_rates=tuple(float(v) for v in made.group_rates[0]),
        config=config,
    )


@dataclass(frozen=True)
class ForecastChart:
    """What ``forecasts/_chart.html`` draws: the township's history and forecast, or why there
    is none (``message``)."""

    township: OrgUnit
    base_year: int | None
    report: ForecastReport | None
    message: str = ""

    @property
    def chart(self) -> dict[str, Any]:
        return self.report.chart() if self.report is not None else {}

    @property
    def data_id(self) -> str:
        """The id of the chart's figures in the page (one per township and base year)."""
        return f"forecast-data-{self.township.code}-{self.base_year or 0}"


def township_forecast_chart(root: OrgUnit, year: int, user: Any | None = None) -> ForecastChart:
    """The chart of the township dashboard: the forecast from ``year`` (the dashboard's year) or,
    when the township has no women and births by age for it, from the latest earlier year that
    has them. ``user``: checked like the page (None: the caller has checked)."""
    try:
        township = find_township(root.code, user) if user is not None else root
        config = forecast_config()
        years = [y for y in figure_years(township, config) if y <= year]
        if not years:
            return ForecastChart(
                root,
                None,
                None,
                _(
                    "{year} 年及以前没有分年龄妇女数和出生数，无法预测 / no women or births by age "
                    "up to {year}: nothing to forecast"
                ).format(year=year),
            )
        report = township_forecast(township, years[-1], config=config)
        return ForecastChart(township, years[-1], report)
    except ForecastError as error:
        return ForecastChart(root, None, None, str(error))
