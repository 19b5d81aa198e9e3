"""Running an assessment: load the figures from the database, run the engine, store results."""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Case, Q, When

from kaohe.audit.services import Actor, build_entry
from kaohe.checks.reading import cross_check_inputs
from kaohe.contracts.models import Contract, ContractStatus, ContractTarget
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement, DataSet
from kaohe.engine.aggregate import ValueCube
from kaohe.engine.assess import (
    AssessmentInputs,
    AssessmentResult,
    CompiledScheme,
    area_indicators,
    assess,
    compile_scheme,
)
from kaohe.engine.combining import part_period
from kaohe.engine.corrections import source_elements
from kaohe.engine.periods import Period, PeriodError, PeriodType, make_period, parse_period
from kaohe.engine.reporting import ReportCounts
from kaohe.engine.rollup import rollup_cube, rollup_reports
from kaohe.engine.rounding import round_half_up
from kaohe.engine.spec import ElementSpec, ItemSpec, SchemeSpec
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus, UnitTarget
from kaohe.schemes.specs import element_specs, scheme_spec
from kaohe.schemes.validity import check_validity
from kaohe.submissions.selectors import reporting_counts

from .models import AreaIndicatorValue, AssessmentRun, IndicatorValue, ItemResult, UnitResult


class AssessmentError(ValueError):
    """An assessment that cannot run (bilingual message)."""


@dataclass(frozen=True)
class PreparedAssessment:
    """A scheme compiled and its inputs read from the database, ready for the engine."""

    scheme: Scheme
    compiled: CompiledScheme
    period: Period
    units: list[OrgUnit]
    inputs: AssessmentInputs


def assessment_period(scheme: Scheme, year: int) -> Period:
    """The period a scheme assesses for ``year`` (the calendar year, or 1 Oct – 30 Sep)."""
    return make_period(PeriodType(scheme.period_type), year)


def find_scheme(code: str, version: int | None = None) -> Scheme:
    """The scheme with this code: the version given, else the latest published version, else
    (nothing published yet) the latest draft."""
    qs = Scheme.objects.filter(code=code)
    if version is not None:
        qs = qs.filter(version=version)
    scheme = qs.order_by(
        Case(When(status=SchemeStatus.PUBLISHED, then=0), default=1), "-version"
    ).first()
    if scheme is None:
        raise AssessmentError(f"未找到考核方案 {code} / no scheme with code {code}")
    return scheme


def assessed_units(scheme: Scheme, period: Period, root: OrgUnit | None) -> list[OrgUnit]:
    """Units of the scheme's kinds under ``root`` that were open during the period."""
    qs = OrgUnit.objects.all()
    if root is not None:
        qs = qs.subtree(root)
    if scheme.unit_kinds:
        qs = qs.filter(kind__in=scheme.unit_kinds)
    qs = qs.filter(Q(opening_date__isnull=True) | Q(opening_date__lte=period.end))
    qs = qs.filter(Q(closed_date__isnull=True) | Q(closed_date__gte=period.start))
    return list(qs.order_by("path"))


def prepare_assessment(
    scheme: Scheme, year: int, root: OrgUnit | None = None
) -> PreparedAssessment:
    """Compile the scheme and read every figure and target it needs, in a few queries.

    A scheme with period parts gets each part's figures (and those of the periods before it
    that its offsets read) cut from the year's, so it costs no further query unless an offset
    reaches a period the year's figures do not cover. A scheme that reads ``R{}`` also gets
    each unit's reports of those data sets over the period (and over each part).
    """
    spec = scheme_spec(scheme)
    all_codes = frozenset(DataElement.objects.values_list("code", flat=True))
    dataset_codes = frozenset(DataSet.objects.values_list("code", flat=True))
    compiled = compile_scheme(spec, all_codes, dataset_codes, scheme.period_type)
    period = assessment_period(scheme, year)
    units = assessed_units(scheme, period, root)
    codes = sorted(compiled.element_codes)
    reader: _CubeReader | _RollupReader
    if scheme.aggregate_from:  # figures summed from the units under each assessed one
        reader = _RollupReader(units, codes, root, scheme.aggregate_from)
        reports, part_reports = reader.reports(compiled, period)
    else:
        reader = _CubeReader(units, codes, root)
        reports, part_reports = _read_reports(compiled, period, units, root)
    cubes: dict[int, ValueCube] = {}
    for offset in sorted(compiled.required_offsets()):
        cubes[offset] = reader.read(period.offset(offset) if offset else period)
    parts = _part_cubes(spec, period, sorted(compiled.required_offsets()), reader)
    targets = _read_targets(scheme, year, reader.unit_index)
    cross = cross_check_inputs(source_elements(compiled), units, period)
    inputs = AssessmentInputs(
        units=reader.unit_codes,
        kinds=tuple(u.kind for u in units),
        cubes=cubes,
        targets=targets,
        parts=parts,
        reports=reports,
        part_reports=part_reports,
        cross=cross,
    )
    return PreparedAssessment(scheme, compiled, period, units, inputs)


def _read_reports(
    compiled: CompiledScheme, period: Period, units: list[OrgUnit], root: OrgUnit | None
) -> tuple[dict[str, ReportCounts], dict[str, dict[str, ReportCounts]]]:
    """The reports per unit of the data sets the scheme reads with ``R{}``, over the period
    and over each period part (:mod:`kaohe.submissions.completeness`); no query without ``R{}``."""
    if not compiled.dataset_refs:
        return {}, {}
    codes = compiled.dataset_codes
    reports = reporting_counts(codes, units, period, root)
    part_reports = {
        part.code: reporting_counts(codes, units, part_period(period, part), root)
        for part in compiled.spec.period_parts
    }
    return reports, part_reports


def _part_cubes(
    spec: SchemeSpec, period: Period, offsets: list[int], reader: _CubeReader | _RollupReader
) -> dict[str, dict[int, ValueCube]]:
    """Each period part's figures by offset from the part's own period."""
    parts: dict[str, dict[int, ValueCube]] = {}
    for part in spec.period_parts:
        try:
            own = part_period(period, part)
        except PeriodError as error:
            raise AssessmentError(str(error)) from error
        parts[part.code] = {
            offset: reader.within(own.offset(offset) if offset else own) for offset in offsets
        }
    return parts


class _CubeReader:
    """Reads the figures of the assessed units, one period (and all periods inside it) at a
    time, and cuts the figures of a shorter period out of those already read."""

    def __init__(self, units: list[OrgUnit], codes: list[str], root: OrgUnit | None) -> None:
        specs = element_specs(codes)
        self.elements: list[ElementSpec] = [specs[c] for c in codes]
        self.element_ids = dict(
            DataElement.objects.filter(code__in=codes).values_list("id", "code")
        )
        self.element_index = {code: i for i, code in enumerate(codes)}
        self.unit_index = {u.pk: i for i, u in enumerate(units)}
        self.unit_codes = tuple(u.code for u in units)
        self.root = root
        self.read_cubes: list[tuple[Period, ValueCube]] = []

    def read(self, period: Period) -> ValueCube:
        """The figures of every period lying wholly inside ``period`` (one query)."""
        cube = _read_cube(
            period,
            self.unit_codes,
            self.unit_index,
            self.elements,
            self.element_ids,
            self.element_index,
            self.root,
        )
        self.read_cubes.append((period, cube))
        return cube

    def within(self, period: Period) -> ValueCube:
        """The figures of ``period`` alone, cut from a cube already read when one covers it."""
        for outer, cube in self.read_cubes:
            if outer == period:
                return cube
            if outer.contains(period):
                keep = [
                    index
                    for index, code in enumerate(cube.periods)
                    if period.contains(parse_period(code))
                ]
                return ValueCube(
                    cube.units,
                    cube.elements,
                    tuple(cube.periods[i] for i in keep),
                    cube.data[:, keep, :],
                )
        return self.read(period)


class _RollupReader:
    """For a scheme with ``aggregate_from`` (汇总下级): each assessed unit's figures are the sums
    of those of the units of these kinds under it (:func:`kaohe.engine.rollup.rollup_cube`),
    read one period at a time like :class:`_CubeReader`; so are its reports (``R{}``)."""

    def __init__(
        self, units: list[OrgUnit], codes: list[str], root: OrgUnit | None, kinds: list[str]
    ) -> None:
        self.unit_index = {u.pk: i for i, u in enumerate(units)}
        self.unit_codes = tuple(u.code for u in units)
        position = {u.code: i for i, u in enumerate(units)}
        below = OrgUnit.objects.none()
        if units:
            paths = reduce(operator.or_, (Q(path__startswith=u.path) for u in units))
            below = OrgUnit.objects.filter(paths, kind__in=list(kinds))
        self.members = [u for u in below.order_by("path") if u.code not in position]
        # Each member counts for the nearest assessed unit above it.
        self.area_of = np.array(
            [
                next(
                    (position[c] for c in reversed(m.path.strip("/").split("/")) if c in position),
                    -1,
                )
                for m in self.members
            ],
            dtype=np.intp,
        )
        self.inner = _CubeReader(self.members, codes, root)

    def read(self, period: Period) -> ValueCube:
        cube = self.inner.read(period)
        return rollup_cube(cube, self.unit_codes, self.area_of, period.code)

    def within(self, period: Period) -> ValueCube:
        cube = self.inner.within(period)
        return rollup_cube(cube, self.unit_codes, self.area_of, period.code)

    def reports(
        self, compiled: CompiledScheme, period: Period
    ) -> tuple[dict[str, ReportCounts], dict[str, dict[str, ReportCounts]]]:
        """:func:`_read_reports` of the members, summed per assessed unit."""
        reports, part_reports = _read_reports(compiled, period, self.members, self.inner.root)
        n = len(self.unit_codes)
        return (
            {code: rollup_reports(c, self.area_of, n) for code, c in reports.items()},
            {
                part: {code: rollup_reports(c, self.area_of, n) for code, c in counts.items()}
                for part, counts in part_reports.items()
            },
        )


def _read_cube(
    period: Period,
    unit_codes: tuple[str, ...],
    unit_index: dict[int, int],
    elements: list[ElementSpec],
    element_ids: dict[int, str],
    element_index: dict[str, int],
    root: OrgUnit | None,
) -> ValueCube:
    rows = DataValue.objects.filter(
        element_id__in=list(element_ids),
        period__start_date__gte=period.start,
        period__end_date__lte=period.end,
    )
    if root is not None:
        rows = rows.filter(unit__path__startswith=root.path)
    data = list(
        rows.values_list(
            "unit_id",
            "element_id",
            "period__code",
            "period__end_date",
            "period__start_date",
            "value",
        )
    )
    period_keys = sorted({(r[3], r[4], r[2]) for r in data})
    period_index = {key[2]: i for i, key in enumerate(period_keys)}
    kept = [r for r in data if r[0] in unit_index]
    return ValueCube.from_long(
        units=unit_codes,
        elements=elements,
        periods=[key[2] for key in period_keys],
        unit_index=np.array([unit_index[r[0]] for r in kept], dtype=np.intp),
        element_index=np.array([element_index[element_ids[r[1]]] for r in kept], dtype=np.intp),
        period_index=np.array([period_index[r[2]] for r in kept], dtype=np.intp),
        values=np.array([float(r[5]) for r in kept], dtype=np.float64),
    )


def _read_targets(scheme: Scheme, year: int, unit_index: dict[int, int]) -> dict[str, np.ndarray]:
    targets: dict[str, np.ndarray] = {}
    rows = UnitTarget.objects.filter(item__scheme=scheme, year=year).values_list(
        "item__code", "unit_id", "value"
    )
    for item_code, unit_id, value in rows:
        if unit_id not in unit_index:
            continue
        array = targets.setdefault(item_code, np.full(len(unit_index), np.nan))
        array[unit_index[unit_id]] = value
    # A signed contract's targets win over UnitTarget; amended versions are superseded, so the
    # signed one is the latest.
    signed = ContractTarget.objects.filter(
        contract__scheme=scheme, contract__year=year, contract__status=ContractStatus.SIGNED
    ).values_list("item__code", "contract__unit_id", "value")
    for item_code, unit_id, value in signed:
        if unit_id not in unit_index:
            continue
        array = targets.setdefault(item_code, np.full(len(unit_index), np.nan))
        array[unit_index[unit_id]] = value
    return targets


def compute(prepared: PreparedAssessment) -> AssessmentResult:
    """Run the engine on prepared inputs (no database access)."""
    return assess(prepared.compiled, prepared.inputs, prepared.scheme.content_hash or None)


def _decimal2(value: float | None) -> Decimal:
    return round_half_up(0.0 if value is None else value, 2)


@transaction.atomic
def do_run_assessment(
    scheme: Scheme,
    year: int,
    *,
    actor: Actor,
    root: OrgUnit | None = None,
    override_validity: str = "",
) -> AssessmentRun:
    """Assess every unit of ``scheme`` for ``year`` and store the run as a draft.

    A scheme or an indicator it uses that is not valid for ``year`` is refused
    (:class:`~kaohe.schemes.validity.ValidityError`, before anything is written) unless
    ``override_validity`` gives the reason to use it anyway; the run keeps the reason and a
    warning for each rule stretched.
    """
    started = time.perf_counter()
    prepared = prepare_assessment(scheme, year, root)
    indicator_codes = {indicator.code for indicator in prepared.compiled.spec.indicators}
    warnings = check_validity(scheme, year, indicator_codes, override_validity)
    result = compute(prepared)
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    run = AssessmentRun.objects.create(
        scheme=scheme,
        year=year,
        period_code=prepared.period.code,
        root=root,
        inputs_hash=result.inputs_hash,
        scheme_hash=result.scheme_hash,
        created_by=user,
        actor=actor.name,
        duration_ms=0,
        validity_override=override_validity.strip(),
        warnings=warnings,
    )
    _store_results(run, prepared, result)
    run.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    run.save(update_fields=["duration_ms"])
    after: dict[str, Any] = {
        "scheme": scheme.code,
        "version": scheme.version,
        "year": year,
        "units": len(prepared.units),
        "inputs_hash": result.inputs_hash,
    }
    if run.validity_override:
        after["validity_override"] = run.validity_override
    if warnings:
        after["warnings"] = warnings
    build_entry(actor, "assessment.run", "assessment_run", str(run.pk), after=after).save()
    return run


def _figure(value: Any) -> float | None:
    return None if value is None else float(value)


def result_parts(spec: SchemeSpec, row: Mapping[str, Any]) -> dict[str, Any]:
    """How a unit's total was made, from its row of the engine's units frame, as stored in
    ``UnitResult.parts``: ``tracks`` {code: score}, ``periods`` {code: total},
    ``coefficient`` (the value applied, null where missing), and with period parts
    ``period_tracks`` {part: {track: score}} and ``period_coefficients`` {part: value};
    keys the scheme does not use are left out (a plain sum stores ``{}``)."""
    parts: dict[str, Any] = {}
    if spec.tracks:
        parts["tracks"] = {t.code: _figure(row[f"track:{t.code}"]) for t in spec.tracks}
    if spec.period_parts:
        codes = [p.code for p in spec.period_parts]
        parts["periods"] = {code: _figure(row[f"period:{code}"]) for code in codes}
        if spec.tracks:
            parts["period_tracks"] = {
                code: {t.code: _figure(row[f"track:{t.code}@{code}"]) for t in spec.tracks}
                for code in codes
            }
        if "coefficient@" + codes[0] in row:
            parts["period_coefficients"] = {
                code: _figure(row[f"coefficient@{code}"]) for code in codes
            }
    elif "coefficient" in row:
        parts["coefficient"] = _figure(row["coefficient"])
    return parts


def _signed_contracts(run: AssessmentRun, prepared: PreparedAssessment) -> dict[int, int]:
    """Per unit id, the id of its signed contract of the run's scheme and year (the latest
    version, should an amendment have left two signed)."""
    rows = Contract.objects.filter(
        scheme=prepared.scheme, year=run.year, status=ContractStatus.SIGNED
    )
    if run.root is not None:
        rows = rows.filter(unit__path__startswith=run.root.path)
    signed: dict[int, int] = {}
    for unit_id, contract_id in rows.order_by("version").values_list("unit_id", "id"):
        signed[unit_id] = contract_id
    return signed


def _store_results(
    run: AssessmentRun, prepared: PreparedAssessment, result: AssessmentResult
) -> None:
    spec = prepared.compiled.spec
    unit_by_code = {u.code: u for u in prepared.units}
    grades = {g.code: g.name for g in spec.grades}
    contracts = _signed_contracts(run, prepared)
    unit_rows = []
    for row in result.units.iter_rows(named=True):
        unit = unit_by_code[row["unit"]]
        unit_rows.append(
            UnitResult(
                run=run,
                unit=unit,
                kind=row["kind"],
                total=_decimal2(row["total"]),
                grade=row["grade"] or "",
                grade_name=grades.get(row["grade"] or "", ""),
                rank=int(row["rank"]),
                vetoed=bool(row["vetoed"]),
                vetoes=list(row["vetoes"]),
                flags=list(row["flags"]),
                contract_id=contracts.get(unit.pk),
                parts=result_parts(spec, row),
                total_explanation_zh=row["explanation_zh"] or "",
                total_explanation_en=row["explanation_en"] or "",
            )
        )
    UnitResult.objects.bulk_create(unit_rows, batch_size=2000)
    by_code = {ur.unit.code: ur for ur in unit_rows}
    items = {i.code: (pos, i) for pos, i in enumerate(spec.items)}
    item_rows = []
    for row in result.items.iter_rows(named=True):
        pos, item = items[row["item"]]
        item_rows.append(
            ItemResult(
                unit_result=by_code[row["unit"]],
                part=row["part"],
                item_code=row["item"],
                item_name=item.name,
                sort_order=pos,
                weight=_decimal2(item.weight),
                actual=row["actual"],
                target=row["target"],
                score=_decimal2(row["score"]),
                flag=row["flag"] or "",
                explanation_zh=row["explanation_zh"] or "",
                explanation_en=row["explanation_en"] or "",
            )
        )
    ItemResult.objects.bulk_create(item_rows, batch_size=2000)
    indicator_rows = []
    codes = [c for c in result.indicators.columns if c.startswith("n:")]
    for row in result.indicators.iter_rows(named=True):
        for column in codes:
            indicator_rows.append(
                IndicatorValue(
                    run=run,
                    unit=unit_by_code[row["unit"]],
                    indicator_code=column[2:],
                    value=row[column],
                )
            )
    IndicatorValue.objects.bulk_create(indicator_rows, batch_size=2000)
    _store_area_indicators(run, prepared)


def _store_area_indicators(run: AssessmentRun, prepared: PreparedAssessment) -> None:
    """The run's indicators for all its units together, each beside the default target of the
    item whose actual is exactly ``N{CODE}`` (the first such item in scheme order), and listed
    in the order of those items (indicators no item scores alone come last)."""
    spec = prepared.compiled.spec
    scored_by: dict[str, tuple[int, ItemSpec]] = {}
    for position, item in enumerate(spec.items):
        code = _indicator_read(item.actual)
        if code is not None:
            scored_by.setdefault(code, (position, item))
    values = area_indicators(prepared.compiled, prepared.inputs)
    rows = []
    for index, indicator in enumerate(spec.indicators):
        position, item = scored_by.get(indicator.code, (len(spec.items) + index, None))
        target = item.target if item is not None else None
        rows.append(
            AreaIndicatorValue(
                run=run,
                indicator_code=indicator.code,
                sort_order=position,
                value=values.get(indicator.code),
                target=target,
                direction=item.direction.value if item is not None and target is not None else "",
            )
        )
    AreaIndicatorValue.objects.bulk_create(rows)


# An item's actual that reads one indicator and nothing else.
_INDICATOR_ONLY = re.compile(r"N\{([^{}\s]+)\}")


def _indicator_read(actual: str) -> str | None:
    """``CODE`` when an item's actual is exactly ``N{CODE}``, else None."""
    match = _INDICATOR_ONLY.fullmatch(actual.strip())
    return match.group(1) if match else None


def latest_run(scheme: Scheme, year: int) -> AssessmentRun | None:
    """The most recent run of a scheme for a year."""
    return (
        AssessmentRun.objects.filter(scheme=scheme, year=year)
        .order_by("-created_at", "-id")
        .first()
    )


def unit_results(run: AssessmentRun) -> Iterable[UnitResult]:
    """A run's unit results in ranking order, units joined (one query)."""
    return run.unit_results.select_related("unit").order_by("kind", "rank", "unit__path")
