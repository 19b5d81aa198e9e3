"""What the money engine needs of a published run, read from the database in a few queries.

For every unit the run assessed this builds a :class:`kaohe.engine.money.MoneyUnit`:

* grade, total, rank, vetoed and the names of the vetoes fired: the unit's result, as
  published;
* ``population`` (for ``population_tier`` rules): the run's stored indicator ``POPULATION``
  when the scheme uses one (it was published with the run and never changes); otherwise the
  data element ``POPULATION``, aggregated over the run's period the way the assessment
  aggregates it (a stock takes the last value reported in the period);
* ``cases`` (for ``per_case`` and ``fine_band`` rules): each case's ``item`` (the case code
  when the rule names none), the item's actual in the run (the whole year's; with period
  parts, the parts' actuals added up); a case whose item has no actual is left out, and the
  engine says so in a 0.00 line;
* ``over_report_ratio`` (for ``haircut`` rules): the run's stored indicator
  ``OVER_REPORT_RATIO``, as a share (an indicator in % is divided by its factor), held within
  0–1; missing (no cut, explained) when the run has no such value;
* ``persons``: the signatories of the contract the result scored, each with the role code the
  scheme's signing roles give them (their official role by default), and the helpers of a
  remediation plan that shares the unit's outcome (同奖同罚), when that app is installed.

Should a rule ever carry its own ``population`` (on ``population_tier``) or
``ratio_indicator`` (on ``haircut``) key, the code it names is read instead of the default.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django.apps import apps

from kaohe.assessments.models import AssessmentRun, IndicatorValue, ItemResult, UnitResult
from kaohe.contracts.models import ContractSignatory
from kaohe.contracts.roles import role_for, signing_roles
from kaohe.datavalues.models import DataValue
from kaohe.engine.aggregate import aggregate_rows
from kaohe.engine.money import MoneyLabels, MoneyPerson, MoneyRule, MoneyUnit, case_items
from kaohe.engine.periods import PeriodError, parse_period
from kaohe.engine.spec import AggregationType
from kaohe.orgunits.models import OfficialRole
from kaohe.schemes.models import Indicator

DEFAULT_POPULATION = "POPULATION"
DEFAULT_RATIO = "OVER_REPORT_RATIO"


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def population_code(rules: Sequence[Mapping[str, Any]]) -> str | None:
    """The indicator (or element) the population tiers read, or None when no rule needs one."""
    for rule in rules:
        if isinstance(rule, Mapping) and rule.get("kind") == "population_tier":
            return _text(rule.get("population")) or DEFAULT_POPULATION
    return None


def ratio_indicator(rules: Sequence[Mapping[str, Any]]) -> str | None:
    """The indicator whose value is the share over-reported, or None when no rule cuts."""
    for rule in rules:
        if isinstance(rule, Mapping) and rule.get("kind") == "haircut":
            return _text(rule.get("ratio_indicator")) or DEFAULT_RATIO
    return None


def _decimal(value: float | None) -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    return Decimal(repr(float(value)))


def _stored(run: AssessmentRun, codes: Iterable[str | None]) -> dict[str, dict[int, float | None]]:
    """Indicator code → unit id → the run's stored value, for ``codes`` (one query); a code
    the run stored nothing of is absent."""
    wanted = sorted({code for code in codes if code})
    stored: dict[str, dict[int, float | None]] = {}
    if not wanted:
        return stored
    for code, unit_id, value in IndicatorValue.objects.filter(
        run=run, indicator_code__in=wanted
    ).values_list("indicator_code", "unit_id", "value"):
        stored.setdefault(code, {})[unit_id] = value
    return stored


def _aggregated(run: AssessmentRun, code: str, unit_ids: Iterable[int]) -> dict[int, float | None]:
    """Unit id → element ``code`` over the run's period, aggregated by the element's type."""
    ids = list(unit_ids)
    try:
        period = parse_period(run.period_code)
    except PeriodError:
        return {}
    rows = list(
        DataValue.objects.filter(
            element__code=code,
            unit_id__in=ids,
            period__start_date__gte=period.start,
            period__end_date__lte=period.end,
        )
        .order_by("period__end_date", "period__start_date")
        .values_list("unit_id", "period__code", "value", "element__aggregation")
    )
    if not rows:
        return {}
    periods = list(dict.fromkeys(row[1] for row in rows))
    index = {period_code: i for i, period_code in enumerate(periods)}
    column = {unit_id: i for i, unit_id in enumerate(ids)}
    block = np.full((len(periods), len(ids)), np.nan)
    for unit_id, period_code, value, _aggregation in rows:
        block[index[period_code], column[unit_id]] = float(value)
    values = aggregate_rows(block, AggregationType(rows[0][3]))
    return {
        unit_id: (None if np.isnan(values[i]) else float(values[i]))
        for unit_id, i in column.items()
    }


def _populations(
    run: AssessmentRun,
    code: str | None,
    unit_ids: list[int],
    stored: Mapping[str, dict[int, float | None]],
) -> dict[int, Decimal | None]:
    if code is None:
        return {}
    values = stored.get(code)
    if values is None:
        values = _aggregated(run, code, unit_ids)
    return {unit_id: _decimal(values.get(unit_id)) for unit_id in unit_ids}


def _ratios(
    code: str | None, stored: Mapping[str, dict[int, float | None]]
) -> dict[int, Decimal | None]:
    if code is None or code not in stored:
        return {}
    indicator = Indicator.objects.filter(code=code).only("factor").first()
    factor = Decimal(repr(indicator.factor)) if indicator and indicator.factor else Decimal(1)
    ratios: dict[int, Decimal | None] = {}
    for unit_id, value in stored[code].items():
        share = _decimal(value)
        if share is not None:
            share = min(max(share / factor, Decimal(0)), Decimal(1))
        ratios[unit_id] = share
    return ratios


def _cases(run: AssessmentRun, items: Mapping[str, str]) -> dict[int, dict[str, Decimal]]:
    """Unit id → {case code: count}; a case whose item has no actual is left out."""
    if not items:
        return {}
    by_item: dict[str, list[str]] = defaultdict(list)
    for case, item in items.items():
        by_item[item].append(case)
    whole: dict[tuple[int, str], float | None] = {}
    parts: dict[tuple[int, str], list[float | None]] = defaultdict(list)
    for unit_id, item_code, part, actual in ItemResult.objects.filter(
        unit_result__run=run, item_code__in=list(by_item)
    ).values_list("unit_result__unit_id", "item_code", "part", "actual"):
        if part:
            parts[(unit_id, item_code)].append(actual)
        else:
            whole[(unit_id, item_code)] = actual
    counts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for key in set(whole) | set(parts):
        unit_id, item_code = key
        if key in whole:
            value = _decimal(whole[key])
        else:
            known = [_decimal(v) for v in parts[key]]
            value = None if any(v is None for v in known) else sum(known, Decimal(0))  # type: ignore[arg-type]
        if value is None:
            continue
        for case in by_item[item_code]:
            counts[unit_id][case] = value
    return counts


def _persons(run: AssessmentRun, results: list[UnitResult]) -> dict[int, list[MoneyPerson]]:
    """Unit id → the signatories of the contract its result scored, in signing order."""
    roles = signing_roles(run.scheme)
    contract_units = {r.contract_id: r.unit_id for r in results if r.contract_id}
    persons: dict[int, list[MoneyPerson]] = defaultdict(list)
    signatories = (
        ContractSignatory.objects.filter(contract_id__in=list(contract_units))
        .select_related("official")
        .order_by("contract_id", "pk")
    )
    for signatory in signatories:
        official = signatory.official
        found = role_for(roles, official.role, signatory.role)
        persons[contract_units[signatory.contract_id]].append(
            MoneyPerson(
                official=official.code,
                name=official.name,
                role=str(found.role if found else official.role),
            )
        )
    for unit_id, helpers in plan_helpers(run, [r.unit_id for r in results]).items():
        known = {p.official for p in persons[unit_id]}
        persons[unit_id] += [h for h in helpers if h.official not in known]
    return persons


def plan_helpers(run: AssessmentRun, unit_ids: list[int]) -> dict[int, list[MoneyPerson]]:
    """Unit id → the helpers of remediation plans that share the unit's reward or penalty.

    Read only when the remediation app is installed; see :mod:`kaohe.rewards.helpers`."""
    if not apps.is_installed("kaohe.remediation"):
        return {}
    from .helpers import remediation_helpers

    return remediation_helpers(run, unit_ids)


def money_units(
    run: AssessmentRun, rules: Sequence[MoneyRule], config: Sequence[Mapping[str, Any]]
) -> list[MoneyUnit]:
    """One :class:`MoneyUnit` per unit of the run, in ranking order, for ``rules`` (checked
    from the scheme's ``config``)."""
    results = list(
        UnitResult.objects.filter(run=run)
        .select_related("unit")
        .order_by("kind", "rank", "unit__path")
    )
    unit_ids = [r.unit_id for r in results]
    population, ratio = population_code(config), ratio_indicator(config)
    stored = _stored(run, (population, ratio))
    populations = _populations(run, population, unit_ids, stored)
    ratios = _ratios(ratio, stored)
    cases = _cases(run, case_items(rules))
    veto_names = {v.code: v.name for v in run.scheme.vetoes.all()}
    persons = _persons(run, results)
    return [
        MoneyUnit(
            unit=r.unit.code,
            name=r.unit.name,
            kind=r.kind,
            grade=r.grade or None,
            total=r.total,
            rank=r.rank,
            vetoed=r.vetoed,
            vetoes=tuple(veto_names.get(str(code), str(code)) for code in r.vetoes),
            population=populations.get(r.unit_id),
            cases=dict(cases.get(r.unit_id, {})),
            over_report_ratio=ratios.get(r.unit_id),
            persons=tuple(persons.get(r.unit_id, ())),
        )
        for r in results
    ]


def money_labels(run: AssessmentRun) -> MoneyLabels:
    """The names the explanations give grades (the scheme's) and roles the scheme signs with
    under labels of its own (the standard roles have their names in the engine)."""
    grades = {g.code: (g.name, g.name_en or g.name) for g in run.scheme.grades.all()}
    roles = {
        r.role: (r.name, r.name)
        for r in signing_roles(run.scheme)
        if r.role not in OfficialRole.values
    }
    return MoneyLabels(grades=grades, roles=roles)
