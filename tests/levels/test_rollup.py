"""The county roll-up: townships assessed on the sums of their villages' figures.

Two townships each export their metadata and push their approved values; a fresh county
database takes both in, loads its own township scheme (``aggregate_from: [village]``) and
assesses the townships. Every rate must be the summed numerator over the summed denominator —
never the average of the villages' rates — and a stock (population) is each village's latest
figure, summed."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from kaohe.assessments.models import IndicatorValue, ItemResult, UnitResult
from kaohe.assessments.services import do_run_assessment, find_scheme
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_import_values, do_set_value
from kaohe.engine.rounding import round_half_up
from kaohe.levels.dhis2 import set_body
from kaohe.levels.metadata import render_document, township_document
from kaohe.levels.metadata_import import do_import_metadata
from kaohe.levels.push import approved_values
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.selectors import reporting_counts

from .conftest import ACTOR, FIGURES, NOT_APPROVED, County, build_township

HERE = Path(__file__).parent
COUNTY_RULES = HERE / "county.yaml"
LIBRARY = Path(__file__).resolve().parents[2] / "kaohe" / "library"


@dataclass(frozen=True)
class Export:
    metadata: str
    values: bytes


def _township_export(code: str) -> Export:
    """What township ``code``'s own database hands to the county (then rolled back)."""
    with transaction.atomic():
        township = build_township(code)
        export = Export(
            render_document(township_document(township)), set_body(approved_values(township))
        )
        transaction.set_rollback(True)
    return export


def _sent(unit: str) -> Mapping[str, tuple[int, int, int]]:
    """A village's months that reached the county: the approved ones."""
    return {m: f for m, f in FIGURES[unit].items() if (unit, m) not in NOT_APPROVED}


def _sums(township: str, year: str) -> tuple[int, int, int]:
    """Births and births within policy over ``year``, and each village's latest population
    in it, summed over the township's villages (as a clerk adds them up by hand)."""
    births = policy = population = 0
    for unit in FIGURES:
        if not unit.startswith(township):
            continue
        months = {m: f for m, f in _sent(unit).items() if m.startswith(year)}
        births += sum(f[0] for f in months.values())
        policy += sum(f[1] for f in months.values())
        population += months[max(months)][2]
    return births, policy, population


def _indicator(run_id: int, unit: str, code: str) -> float | None:
    return IndicatorValue.objects.get(run_id=run_id, unit__code=unit, indicator_code=code).value


def _rounded(value: float, decimals: int) -> float:
    return float(round_half_up(value, decimals))


@pytest.mark.django_db
def test_a_county_assesses_its_townships_on_summed_numerators_and_denominators() -> None:
    exports = {code: _township_export(code) for code in ("TA", "TB")}
    assert not OrgUnit.objects.exists()  # a fresh county database

    for code, export in exports.items():
        do_import_metadata(export.metadata, f"{code}.yaml", ACTOR)
        do_import_values(io.BytesIO(export.values), actor=ACTOR, fmt="json")
    do_load_bundles([str(COUNTY_RULES)], ACTOR)
    run = do_run_assessment(
        find_scheme("LV_TOWNSHIPS"), 2025, actor=ACTOR, root=OrgUnit.objects.get(code="C01")
    )

    assert set(run.unit_results.values_list("unit__code", flat=True)) == {"TA", "TB"}
    for township in ("TA", "TB"):
        births, policy, population = _sums(township, "2025")
        previous = _sums(township, "2024")[2]
        assert _indicator(run.pk, township, "POLICY_RATE") == _rounded(policy / births * 100, 1)
        average = (previous + population) / 2
        assert _indicator(run.pk, township, "BIRTH_RATE") == _rounded(births / average * 1000, 2)
    # By hand: 甲镇 had 6 births (甲一村 3 + 2, 甲二村 1: its February was never approved), 5 of
    # them within policy: 83.3 %, where the average of its villages' rates (80 % and 100 %) would
    # be 90 %. Its population went from 1,200 + 800 to 1,205 + 801 (甲二村's latest is January).
    assert _indicator(run.pk, "TA", "POLICY_RATE") == 83.3
    assert _indicator(run.pk, "TA", "BIRTH_RATE") == _rounded(6 / ((2000 + 2006) / 2) * 1000, 2)
    plan = ItemResult.objects.get(
        unit_result__run=run, unit_result__unit__code="TA", item_code="PLAN"
    )
    assert plan.actual == 6 and plan.score == Decimal("20.00")
    tb = UnitResult.objects.get(run=run, unit__code="TB")
    assert tb.vetoed and tb.vetoes == ["OVER"]  # 13 births against a plan of 12


@pytest.mark.django_db
def test_a_townships_own_figures_are_not_added_to_its_villages() -> None:
    for code in ("TA", "TB"):
        build_township(code)
    do_load_bundles([str(COUNTY_RULES)], ACTOR)
    do_set_value(actor=ACTOR, element_code="BIRTHS", period_code="202501", unit_code="TA", value=99)

    run = do_run_assessment(find_scheme("LV_TOWNSHIPS"), 2025, actor=ACTOR)

    plan = ItemResult.objects.get(
        unit_result__run=run, unit_result__unit__code="TA", item_code="PLAN"
    )
    # The villages' births, 3 + 2 + 1 + 4 (here, in one database, 甲二村's February counts
    # though it is not approved yet), and not the 99 entered for the township itself.
    assert plan.actual == 10


def test_the_county_library_scheme_loads_with_the_2006_library(db: None) -> None:
    paths = [
        *sorted((LIBRARY / "2006").glob("*.yaml")),
        *sorted((LIBRARY / "county").glob("*.yaml")),
    ]

    report = do_load_bundles(paths, ACTOR, dry_run=True)

    assert report.sections["schemes"].created == 4


@pytest.mark.django_db
def test_reports_are_summed_over_the_villages_before_the_rate(county: County) -> None:
    do_load_bundles([str(HERE / "county_reports.yaml")], ACTOR)
    scheme = find_scheme("LV_TOWNSHIP_REPORTS")

    run = do_run_assessment(scheme, 2025, actor=ACTOR, root=OrgUnit.objects.get(code="C01"))

    for township in ("TA", "TB"):
        villages = list(OrgUnit.objects.subtree(county.townships[township]).filter(kind="village"))
        counts = reporting_counts(["LV_MONTHLY"], villages, run_period(run))["LV_MONTHLY"]
        expected = float(counts.actual.sum()) / float(counts.expected.sum()) * 100
        item = ItemResult.objects.get(unit_result__run=run, unit_result__unit__code=township)
        assert item.actual == _rounded(expected, 2)
    assert ItemResult.objects.get(unit_result__run=run, unit_result__unit__code="TB").actual == (
        _rounded(5 / 36 * 100, 2)  # 乙镇: 5 of 3 villages × 12 months received
    )


def run_period(run: object) -> object:
    from kaohe.engine.periods import parse_period

    return parse_period(run.period_code)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_each_period_part_reads_its_villages_figures_of_that_part(county: County) -> None:
    do_load_bundles([str(HERE / "county_parts.yaml")], ACTOR)

    run = do_run_assessment(find_scheme("LV_TOWNSHIP_HALVES"), 2025, actor=ACTOR)

    parts = dict(
        ItemResult.objects.filter(unit_result__run=run, unit_result__unit__code="TB").values_list(
            "part", "actual"
        )
    )
    # 乙镇's first half: (4 + 3) + (2 + 2) + 0 within policy of (5 + 3) + (2 + 2) + 1 births
    assert parts == {"H1": _rounded(11 / 13 * 100, 1), "H2": None}
