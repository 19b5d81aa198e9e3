"""Births ahead: the cohort-component forecast of births per unit (issue 9).

Import everything from here; the work is done in the ``forecast_*`` modules:

* :mod:`.forecast_model` — :class:`ForecastHistory` (the input), :class:`ForecastAssumptions`
  (what a user may set), :class:`Forecast` and :meth:`Forecast.totals` (per township);
* :mod:`.forecast_projection` — :func:`forecast`: age-specific fertility rates shrunk toward the
  township's, women projected year by year by five-year age group, births by variant and a
  prediction interval that is honest about small numbers;
* :mod:`.forecast_backtest` — :func:`backtest`: every past year forecast from the years before
  it, with the errors for the township and each unit and the coverage of the interval;
* :mod:`.forecast_counts` — :func:`exceed_probability`: P(births > quota), Poisson or negative
  binomial, for the early-warning list;
* :mod:`.forecast_explain` — :func:`explain_unit`: a unit's forecast and its basis in words,
  Chinese and English;
* :mod:`.forecast_budget` — :func:`subsidy_budget`: children under three by quarter and the
  childcare subsidy, the amount a parameter from configuration.

Shapes: ``U`` units, ``Y`` history years, ``A = 7`` age groups (:data:`AGE_GROUPS`), ``H``
forecast years (1–5), ``V = 3`` variants in :data:`VARIANTS` order (low, medium, high), ``G``
groups (townships). Arrays are float64 with NaN for "missing". Bad input raises a
``ValueError`` with a "中文 / English" message. The method, its assumptions and its sources:
docs/forecast-method.md.

Pure: no Django, no database.
"""

from __future__ import annotations

from .forecast_backtest import Backtest, backtest
from .forecast_budget import Budget, monthly_series, spread_yearly, subsidy_budget
from .forecast_counts import count_cdf, count_quantiles, exceed_probability
from .forecast_explain import Explanation, explain_unit, own_weight
from .forecast_model import (
    AGE_GROUPS,
    DEFAULT_ASSUMPTIONS,
    MAX_HORIZON,
    VARIANTS,
    BoolArray,
    FloatArray,
    Forecast,
    ForecastAssumptions,
    ForecastHistory,
    IntArray,
    TownshipTotals,
    Variant,
)
from .forecast_projection import estimate_rates, forecast, jump_off_women, project_women

__all__ = [
    "AGE_GROUPS",
    "DEFAULT_ASSUMPTIONS",
    "Explanation",
    "MAX_HORIZON",
    "VARIANTS",
    "Backtest",
    "BoolArray",
    "Budget",
    "FloatArray",
    "Forecast",
    "ForecastAssumptions",
    "ForecastHistory",
    "IntArray",
    "TownshipTotals",
    "Variant",
    "backtest",
    "count_cdf",
    "count_quantiles",
    "estimate_rates",
    "exceed_probability",
    "explain_unit",
    "forecast",
    "jump_off_women",
    "monthly_series",
    "own_weight",
    "project_women",
    "spread_yearly",
    "subsidy_budget",
]
