"""Min–max ranges: generated from history (median ± k × MAD, floored at 0, widened to whole
numbers, capped at 100 for a percentage), set by hand and kept, deleted, and who may do it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kaohe.audit.models import AuditEntry, Channel
from kaohe.audit.services import Actor
from kaohe.elements.models import DataElement
from kaohe.engine.outliers import SeriesStatus
from kaohe.engine.periods import parse_period
from kaohe.quality.errors import NotFound, QualityError
from kaohe.quality.models import MinMaxRange
from kaohe.quality.services import do_delete_range, do_generate_ranges, do_save_range

from .conftest import ACTOR, MONTHS, World, set_value

pytestmark = pytest.mark.django_db
YEAR = [parse_period(m) for m in MONTHS]


def as_user(world: World, role: str) -> Actor:
    user = world.users[role]
    return Actor(name=user.get_username(), channel=Channel.WEB, user=user)


def births() -> DataElement:
    return DataElement.objects.get(code="BIRTHS")


def generate(world: World, actor: Actor = ACTOR, k: float = 5, unit: str = "T"):  # type: ignore[no-untyped-def]
    return do_generate_ranges(actor, world.unit(unit), [births()], YEAR, k=k, min_values=6)


def ranges() -> dict[str, tuple[Decimal, Decimal, bool]]:
    return {
        r.unit.code: (r.min_value, r.max_value, r.generated)
        for r in MinMaxRange.objects.select_related("unit")
    }


def test_ranges_are_generated_from_each_villages_history(world: World) -> None:
    outcome = generate(world, as_user(world, "admin"))
    # 一村: median 1, MAD 0.5 → 1 ± 2.5 → [0 (not −1.5), 3.5] → whole numbers [0, 4].
    # 四村: median 4, MAD 0.5 → [1.5, 6.5] → [1, 7].
    assert ranges() == {
        "V1": (Decimal(0), Decimal(4), True),
        "V4": (Decimal(1), Decimal(7), True),
    }
    assert [r.unit.code for r in outcome.created] == ["V1", "V4"]
    assert [(s.unit.code, s.status) for s in outcome.skipped] == [
        ("V2", SeriesStatus.NO_SPREAD),
        ("V3", SeriesStatus.TOO_SHORT),
    ]
    row = MinMaxRange.objects.get(unit__code="V1")
    assert row.basis.startswith("202501–202512：12 个值，中位数 1，中位绝对偏差 0.5，k = 5")
    assert row.updated_by == "admin"
    entries = AuditEntry.objects.filter(action="minmaxrange.generate").order_by("id")
    assert [e.object_key for e in entries] == ["BIRTHS/V1", "BIRTHS/V4"]
    assert entries[0].before is None and entries[0].after["max"] == "4"


def test_generating_again_changes_nothing(world: World) -> None:
    generate(world)
    count = AuditEntry.objects.count()
    outcome = generate(world)
    assert (len(outcome.created), len(outcome.updated), len(outcome.unchanged)) == (0, 0, 2)
    assert AuditEntry.objects.count() == count


def test_a_new_k_updates_generated_ranges_and_keeps_one_set_by_hand(world: World) -> None:
    generate(world)
    do_save_range(ACTOR, world.unit("V4"), births(), "2", "6")
    outcome = generate(world, k=10)
    # 一村: 1 ± 5 → [0, 6]; 四村 was set by hand and is kept.
    assert ranges() == {
        "V1": (Decimal(0), Decimal(6), True),
        "V4": (Decimal(2), Decimal(6), False),
    }
    assert [r.unit.code for r in outcome.kept] == ["V4"]
    update = AuditEntry.objects.filter(action="minmaxrange.generate").latest("id")
    assert (update.before["max"], update.after["max"]) == ("4", "6")


def test_a_percentage_range_stops_at_100(world: World) -> None:
    rate = DataElement.objects.create(code="RATE", name="落实率", value_type="percentage")
    for month, value in zip(MONTHS, [96, 98, 97, 99, 95, 98, 97, 96, 98, 97, 99, 90], strict=True):
        set_value("V4", "RATE", month, value)
    do_generate_ranges(ACTOR, world.unit("T"), [rate], YEAR, k=5, min_values=6)
    row = MinMaxRange.objects.get(element=rate)
    # median 97, MAD 1 → [92, 102] → capped [92, 100]
    assert (row.min_value, row.max_value) == (Decimal(92), Decimal(100))


def test_a_range_set_by_hand_is_audited(world: World) -> None:
    row = do_save_range(as_user(world, "admin"), world.unit("V2"), births(), "0", "2.5")
    assert (row.min_value, row.max_value, row.generated) == (Decimal(0), Decimal("2.5"), False)
    entry = AuditEntry.objects.get(action="minmaxrange.set")
    assert entry.object_key == "BIRTHS/V2"
    assert entry.after == {"min": "0", "max": "2.5", "generated": False, "basis": ""}


@pytest.mark.parametrize(
    ("low", "high", "field"),
    [("5", "2", "max"), ("x", "2", "min"), ("1", "", "max"), ("1", "inf", "max")],
)
def test_a_bad_range_names_its_field(world: World, low: str, high: str, field: str) -> None:
    with pytest.raises(QualityError) as refused:
        do_save_range(ACTOR, world.unit("V2"), births(), low, high)
    assert refused.value.field == field
    assert not MinMaxRange.objects.exists()


def test_a_yes_no_element_takes_no_range(world: World) -> None:
    with pytest.raises(QualityError) as refused:
        do_save_range(ACTOR, world.unit("V2"), DataElement.objects.get(code="HAS_PLAN"), 0, 1)
    assert refused.value.field == "element"


def test_only_the_townships_administrators_set_generate_and_delete(world: World) -> None:
    for role in ("reviewer", "reporter_v1", "county_viewer", "other_admin"):
        with pytest.raises(PermissionDenied):
            do_save_range(as_user(world, role), world.unit("V1"), births(), 0, 3)
        with pytest.raises(PermissionDenied):
            generate(world, as_user(world, role))
    assert not MinMaxRange.objects.exists()
    row = do_save_range(as_user(world, "admin"), world.unit("V1"), births(), 0, 3)
    with pytest.raises(PermissionDenied):
        do_delete_range(as_user(world, "reviewer"), row.pk)
    with pytest.raises(NotFound):
        do_delete_range(as_user(world, "other_admin"), row.pk)
    assert MinMaxRange.objects.filter(pk=row.pk).exists()


def test_deleting_a_range_is_audited(world: World) -> None:
    row = do_save_range(ACTOR, world.unit("V1"), births(), 0, 3)
    do_delete_range(as_user(world, "admin"), row.pk)
    assert not MinMaxRange.objects.exists()
    entry = AuditEntry.objects.get(action="minmaxrange.delete")
    assert entry.before["max"] == "3" and entry.after is None
