"""Finding outliers in the stored values: the series read, what is flagged and why, what each
person may ask about, the refusals of a bad request, and that nothing is ever changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement
from kaohe.engine.outliers import OutlierMethod, SeriesStatus
from kaohe.engine.periods import parse_period
from kaohe.quality.errors import QualityError
from kaohe.quality.models import MinMaxRange
from kaohe.quality.outliers import find_outliers, parse_query
from kaohe.quality.series import read_series

from .conftest import World

pytestmark = pytest.mark.django_db


def report_for(user: object | None = None, township: str = "T", **kw: object):  # type: ignore[no-untyped-def]
    params = {"elements": ["BIRTHS"], "start": "202501", "end": "202512", **kw}
    query = parse_query(user=user, township=township, **params)  # type: ignore[arg-type]
    return find_outliers(query, user)


def test_the_typo_in_a_small_village_is_flagged_with_its_series(world: World) -> None:
    report = report_for()
    assert [(f.unit.code, f.period, f.value) for f in report.flagged] == [("V1", "202512", 9)]
    flagged = report.flagged[0]
    assert (flagged.centre, flagged.spread, flagged.count) == (1, 0.5, 12)
    assert flagged.score == pytest.approx(0.6745 * 8 / 0.5)
    assert flagged.value_id == world.value("V1", "202512").pk
    assert flagged.reason_zh == (
        "9 比中位数 1 高 8，是中位绝对偏差 0.5 的 16 倍；修正 z 分数 0.6745 × 8 / 0.5 = 10.79，"
        "超过阈值 3.5"
    )


def test_series_that_cannot_be_judged_are_listed_with_the_reason(world: World) -> None:
    report = report_for()
    assert (report.series, report.judged) == (4, 2)
    assert [(s.unit.code, s.status, s.count) for s in report.unjudged] == [
        ("V2", SeriesStatus.NO_SPREAD, 12),
        ("V3", SeriesStatus.TOO_SHORT, 4),
    ]
    assert report.unjudged[0].reason_zh == "半数以上的值相同，中位绝对偏差为 0，无法判断"


def test_the_plain_z_score_would_flag_the_single_birth(world: World) -> None:
    report = report_for(method="z")
    found = {(f.unit.code, f.period, f.value) for f in report.flagged}
    assert ("V2", "202512", 1) in found
    assert ("V1", "202512", 9) in found


def test_a_shorter_minimum_judges_the_short_series(world: World) -> None:
    report = report_for(min_values="4")
    assert "V3" not in {s.unit.code for s in report.unjudged}


def test_min_max_flags_values_outside_the_stored_range(world: World) -> None:
    MinMaxRange.objects.create(
        unit=world.unit("V4"),
        element=DataElement.objects.get(code="BIRTHS"),
        min_value=3,
        max_value=4,
    )
    report = report_for(method="min_max")
    assert sorted((f.unit.code, f.period) for f in report.flagged) == [
        ("V4", "202503"),
        ("V4", "202506"),
        ("V4", "202510"),
    ]
    assert report.flagged[0].reason_zh == "5 高于上限 4（允许范围 3–4），超出 1"
    assert {s.unit.code for s in report.unjudged if s.status is SeriesStatus.NO_RANGE} == {
        "V1",
        "V2",
        "V3",
    }


def test_a_lower_threshold_flags_more(world: World) -> None:
    assert len(report_for(threshold="1").flagged) > len(report_for().flagged)


def test_the_outliers_of_another_township_are_not_shown(world: World) -> None:
    admin = world.users["admin"]
    assert {f.unit.code for f in report_for(admin).flagged} == {"V1"}
    county = report_for(world.users["county_viewer"], township="C")
    assert {f.unit.code for f in county.flagged} == {"V1", "W1"}


def test_a_reporter_asks_about_their_own_village_only(world: World) -> None:
    reporter = world.users["reporter_v1"]
    assert [f.unit.code for f in report_for(reporter, township="V1").flagged] == ["V1"]
    with pytest.raises(QualityError) as refused:
        report_for(reporter, township="T")
    assert refused.value.field == "township"
    with pytest.raises(QualityError):
        report_for(world.users["other_admin"], township="T")
    with pytest.raises(QualityError):
        report_for(world.users["no_role"], township="V1")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "2025-13"}, "from"),
        ({"start": ""}, "from"),
        ({"end": "2025Q4"}, "to"),
        ({"start": "202512", "end": "202501"}, "to"),
        ({"start": "190001", "end": "202512"}, "to"),
        ({"elements": ["NOPE"]}, "element"),
        ({"elements": ["HAS_PLAN"]}, "element"),
        ({"method": "mean"}, "method"),
        ({"threshold": "0"}, "threshold"),
        ({"threshold": "many"}, "threshold"),
        ({"min_values": "2"}, "min_values"),
        ({"min_values": "6.5"}, "min_values"),
    ],
)
def test_a_bad_request_names_its_field(
    world: World, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(QualityError) as refused:
        report_for(**changes)
    assert refused.value.field == field
    assert " / " in str(refused.value)  # Chinese, then English


def test_no_element_means_every_numeric_element(world: World) -> None:
    query = parse_query(user=None, township="T", elements=[], start="202501", end="202512")
    assert [e.code for e in query.elements] == ["BIRTHS", "MIGRANTS"]
    assert query.method is OutlierMethod.MODIFIED_Z and query.threshold == 3.5


def test_absent_months_of_an_element_without_stored_zeros_read_as_zero(world: World) -> None:
    periods = [parse_period(m) for m in ("202501", "202502", "202503", "202504")]
    element = DataElement.objects.get(code="MIGRANTS")
    series = read_series(world.unit("T"), [element], periods, None)
    assert [u.code for u, _e in series.keys] == ["V1"]
    assert series.values.tolist() == [[4, 0, 5, 0]]
    assert sorted(series.cells) == [(0, 0), (0, 2)]  # the zeros have no stored row


def test_finding_outliers_changes_nothing(world: World) -> None:
    before = list(DataValue.objects.order_by("pk").values_list("pk", "value", "follow_up"))
    audit = AuditEntry.objects.count()
    for method in OutlierMethod:
        report_for(method=method.value)
    assert list(DataValue.objects.order_by("pk").values_list("pk", "value", "follow_up")) == before
    assert AuditEntry.objects.count() == audit
    assert world.value("V1", "202512").value == Decimal(9)
