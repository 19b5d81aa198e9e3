"""Reading source figures and reconciling them with the reports: every source combination."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaohe.checks.errors import CheckError, NotFound
from kaohe.checks.selectors import (
    indicator_elements,
    reconciliation,
    source_kinds,
    source_sums,
    visible_values,
)
from kaohe.engine.crosscheck import SourceKind
from kaohe.engine.periods import parse_period
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Indicator, Scheme

from .conftest import World, source_value

pytestmark = pytest.mark.django_db
VILLAGES = ["V1", "V2", "V3", "V4", "V5", "V6"]


def _units(codes: list[str]) -> list[OrgUnit]:
    by_code = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes]


def _listed(values: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else float(v) for v in values]


# --- source_sums ---------------------------------------------------------------------------


def test_source_sums_adds_each_sources_months_inside_the_year_in_the_order_of_the_units(
    world: World,
) -> None:
    units = _units(["V6", *VILLAGES[:5]])
    with CaptureQueriesContext(connection) as queries:
        sums = source_sums(["BIRTHS"], units, parse_period("2006"))
    assert len(queries) == 1
    assert set(sums["BIRTHS"]) == {"HOSP", "SPOT"}
    # V6, V1, V2, V3, V4, V5; V2's 2005 December feed lies outside the year
    assert _listed(sums["BIRTHS"]["HOSP"]) == [2, None, 6, None, 4, 4]
    assert _listed(sums["BIRTHS"]["SPOT"]) == [None, None, None, 3, 5, None]


def test_source_sums_reads_a_part_of_the_year_and_leaves_out_sources_without_a_figure(
    world: World,
) -> None:
    sums = source_sums(["BIRTHS", "FP_RATE"], _units(VILLAGES), parse_period("2006Q1"))
    assert set(sums["BIRTHS"]) == {"HOSP"}  # the yearly check does not lie inside Q1
    assert _listed(sums["BIRTHS"]["HOSP"]) == [None, 2, None, None, None, None]
    assert sums["FP_RATE"] == {}
    sums = source_sums(["BIRTHS"], _units(VILLAGES), parse_period("2006Q3"))
    assert _listed(sums["BIRTHS"]["HOSP"]) == [None, 4, None, None, None, 2]


def test_source_sums_never_reads_a_unit_it_was_not_given(world: World) -> None:
    sums = source_sums(["BIRTHS"], _units(["W1", "V2"]), parse_period("2006"))
    assert _listed(sums["BIRTHS"]["HOSP"]) == [7, 6]
    sums = source_sums(["BIRTHS"], _units(["V2"]), parse_period("2006"))
    assert _listed(sums["BIRTHS"]["HOSP"]) == [6]


def test_source_sums_takes_the_latest_figure_of_a_stock_element(world: World) -> None:
    from kaohe.checks.models import Source
    from kaohe.elements.models import DataElement

    spot = Source.objects.get(code="SPOT")
    spot.period_type = "Quarterly"
    spot.save()
    source_value("SPOT", "FP_RATE", "2006Q2", "V1", 80)
    source_value("SPOT", "FP_RATE", "2006Q4", "V1", 90)
    assert DataElement.objects.get(code="FP_RATE").aggregation == "last"
    sums = source_sums(["FP_RATE"], _units(["V1", "V2"]), parse_period("2006"))
    assert _listed(sums["FP_RATE"]["SPOT"]) == [90, None]


def test_source_kinds_lists_every_source_of_an_element_in_order(world: World) -> None:
    kinds = source_kinds(["BIRTHS", "FP_RATE", "MARRIAGES"])
    assert kinds == {
        "BIRTHS": {"HOSP": SourceKind.FEED, "SPOT": SourceKind.CHECK},
        "FP_RATE": {"SPOT": SourceKind.CHECK},
        "MARRIAGES": {},
    }
    assert list(kinds["BIRTHS"]) == ["HOSP", "SPOT"]


# --- the reconciliation: each source combination -----------------------------------------


def _rows(world: World, user: object = None) -> dict[str, object]:
    found = reconciliation("BIRTHS", world.unit("T"), 2006, user)
    return {row.unit.code: row for row in found.rows}


def test_a_village_without_any_source_is_not_checked(world: World) -> None:
    row = _rows(world)["V1"]
    assert (row.reported, row.sources, row.found, row.difference) == (5, (None, None), None, None)
    assert (row.under_reported, row.over_reported, row.accuracy) == (0, 0, None)
    assert row.flags == ("not_checked",)
    assert (row.corrected, row.used) == (5, "reported")


def test_a_feed_above_the_report_is_under_reporting(world: World) -> None:
    row = _rows(world)["V2"]
    assert (row.reported, row.sources, row.found, row.difference) == (4, (6, None), 6, 2)
    assert (row.under_reported, row.over_reported) == (2, 0)
    assert row.accuracy == pytest.approx(100 - 2 / 6 * 100)
    assert row.flags == ("under_reported",)
    assert (row.corrected, row.used) == (6, "source")


def test_a_check_below_the_report_is_over_reporting(world: World) -> None:
    row = _rows(world)["V3"]
    assert (row.reported, row.sources, row.found, row.checked) == (5, (None, 3), 3, 3)
    assert (row.difference, row.under_reported, row.over_reported) == (-2, 0, 2)
    assert row.accuracy == 100
    assert row.flags == ("over_reported",)
    assert (row.corrected, row.used) == (5, "reported")  # "larger" keeps the report


def test_a_feed_and_a_check_together_find_the_larger(world: World) -> None:
    row = _rows(world)["V4"]
    assert (row.reported, row.sources, row.found, row.checked) == (3, (4, 5), 5, 5)
    assert (row.under_reported, row.over_reported) == (2, 0)
    assert row.accuracy == pytest.approx(60)
    assert (row.corrected, row.used) == (5, "source")


def test_a_feed_below_the_report_finds_nothing_wrong(world: World) -> None:
    row = _rows(world)["V5"]
    assert (row.reported, row.found, row.difference) == (6, 4, -2)
    assert (row.under_reported, row.over_reported, row.accuracy) == (0, 0, 100)
    assert row.flags == ()


def test_a_missing_report_counts_what_the_feed_found_as_under_reported(world: World) -> None:
    row = _rows(world)["V6"]
    assert (row.reported, row.found, row.under_reported, row.accuracy) == (None, 2, 2, 0)
    assert (row.corrected, row.used) == (2, "source")
    assert row.flags == ("under_reported",)


def test_the_township_totals_are_sums_and_accuracy_is_recomputed_from_them(world: World) -> None:
    found = reconciliation("BIRTHS", world.unit("T"), "2006", None)
    assert [row.unit.code for row in found.rows] == VILLAGES  # not the department, not W1
    t = found.totals
    assert (t.reported, t.sources, t.found, t.reported_checked) == (23, (16, 8), 20, 18)
    assert (t.under_reported, t.over_reported, t.difference) == (6, 2, 2)
    # 100 − 6 / 20 × 100; the mean of the villages' rates would be 65.33
    assert t.accuracy == pytest.approx(70)
    assert (t.units, t.under_count, t.over_count, t.not_checked_count) == (6, 3, 1, 1)
    assert t.corrected == 5 + 6 + 5 + 5 + 6 + 2


def test_a_reporter_reconciles_only_their_own_village(world: World) -> None:
    user = world.users["reporter_v2"]
    found = reconciliation("BIRTHS", world.unit("V2"), 2006, user)
    assert [row.unit.code for row in found.rows] == ["V2"]
    assert found.totals.under_reported == 2


def test_an_element_without_sources_or_an_unknown_one_is_refused(world: World) -> None:
    with pytest.raises(CheckError) as error:
        reconciliation("MARRIAGES", world.unit("T"), 2006, None)
    assert error.value.field == "element" and "no source counts MARRIAGES" in str(error.value)
    with pytest.raises(CheckError):
        reconciliation("NOPE", world.unit("T"), 2006, None)
    with pytest.raises(CheckError) as error:
        reconciliation("BIRTHS", world.unit("T"), "2006Q5", None)
    assert error.value.field == "year"


def test_the_scoring_basis_says_whether_the_scheme_scores_on_corrected_figures(
    world: World,
) -> None:
    Scheme.objects.create(code="VILL", name="村考核", unit_kinds=["village"], year_from=2000)
    Scheme.objects.create(code="DEPT", name="部门考核", unit_kinds=["department"])
    [basis] = reconciliation("BIRTHS", world.unit("T"), 2006, None).scoring
    assert basis.method is None and "按村报数计分" in basis.text_zh
    corrected = Scheme.objects.create(
        code="VILL",
        version=2,
        name="村考核",
        unit_kinds=["village"],
        status="published",
        corrections=[{"element": "BIRTHS", "method": "larger"}],
    )
    [basis] = reconciliation("BIRTHS", world.unit("T"), 2006, None).scoring
    assert basis.scheme == corrected and basis.method == "larger"
    assert "取村报数与各来源数中较大者" in basis.text_zh


def test_an_indicator_lists_the_elements_it_reads_that_have_sources(world: World) -> None:
    Indicator.objects.create(
        code="BIRTH_RATE", name="出生率", numerator="#{BIRTHS}", denominator="#{MARRIAGES} + 1"
    )
    Indicator.objects.create(code="TWICE", name="两倍", numerator="N{BIRTH_RATE} * 2")
    assert [e.code for e in indicator_elements("BIRTH_RATE")[1]] == ["BIRTHS"]
    assert [e.code for e in indicator_elements("TWICE")[1]] == ["BIRTHS"]
    with pytest.raises(CheckError):
        indicator_elements("NOPE")


def test_the_hospital_sees_its_own_figures_about_the_townships_villages(world: World) -> None:
    def seen(role: str) -> set[tuple[str, str]]:
        rows = visible_values(world.users[role]).values_list("source__code", "unit__code")
        return set(rows)

    assert seen("hospital") == {("HOSP", v) for v in ("V2", "V4", "V5", "V6")}
    assert seen("reporter_v2") == {("HOSP", "V2")}
    assert ("HOSP", "W1") in seen("county_viewer") and ("SPOT", "V3") in seen("admin")
    assert seen("other_admin") == {("HOSP", "W1")}
    assert seen("no_role") == set()


def test_an_unseen_township_is_not_found(world: World) -> None:
    from kaohe.checks.selectors import find_root

    with pytest.raises(NotFound):
        find_root("T", world.users["other_admin"])
    assert find_root("T", world.users["admin"]).code == "T"
