"""Importing data value sets: strategies, dry runs, atomic modes, conflicts and the trace."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.datavalues.models import DataValue, Period
from kaohe.elements.models import DataSet
from kaohe.interop.models import ChangeAction, ValueChange, ValueImport
from kaohe.submissions.services import do_approve, do_submit

from .conftest import ACTOR, World, run_import, set_value, stored

pytestmark = pytest.mark.django_db

HEADER = (
    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
    "lastupdated,comment,followup,deleted\n"
)
GOOD = HEADER + (
    "BIRTHS,202601,V1,,,3,clerk,2026-02-01T10:00:00.000,,false,false\n"
    "BIRTHS,202601,V2,default,default,4\n"
    "CONTRA_RATE,202601,V1,HllvX50cXC0,,87.5\n"
    "HAS_PLAN,202601,V1,,,是\n"
    "AVG_POP,2025Oct,V1,,,1234.5678\n"
)


def counts(summary: object) -> tuple[int, int, int, int]:
    return (summary.imported, summary.updated, summary.ignored, summary.deleted)  # type: ignore[attr-defined]


def everything() -> tuple[int, int, int, int, int]:
    """How many rows of each kind an import could touch."""
    return (
        DataValue.objects.count(),
        Period.objects.count(),
        AuditEntry.objects.count(),
        ValueImport.objects.count(),
        ValueChange.objects.count(),
    )


def test_a_good_file_is_imported_counted_and_traced_by_one_audit_row(world: World) -> None:
    summary = run_import(GOOD)
    assert summary.status == "SUCCESS" and summary.total == 5
    assert counts(summary) == (5, 0, 0, 0)
    assert stored() == {
        ("BIRTHS", "202601", "V1"): "3",
        ("BIRTHS", "202601", "V2"): "4",
        ("CONTRA_RATE", "202601", "V1"): "87.5",
        ("HAS_PLAN", "202601", "V1"): "1",
        ("AVG_POP", "2025Oct", "V1"): "1234.5678",
    }
    record = ValueImport.objects.get()
    assert record.digest == hashlib.sha256(GOOD.encode()).hexdigest()
    assert (record.total, record.imported, record.actor) == (5, 5, ACTOR.name)
    audit = AuditEntry.objects.get(action="interop.import")
    assert audit.object_key == str(record.pk)
    assert audit.after["sha256"] == record.digest and audit.after["imported"] == 5
    assert not AuditEntry.objects.filter(action__startswith="datavalue.").exists()
    trace = ValueChange.objects.filter(value_import=record)
    assert trace.count() == 5 and {c.action for c in trace} == {ChangeAction.CREATE}
    births = DataValue.objects.get(element__code="BIRTHS", unit__code="V1")
    assert (
        births.stored_by == "clerk"
        and births.last_updated.isoformat() == "2026-02-01T02:00:00+00:00"
    )
    assert DataValue.objects.get(element__code="BIRTHS", unit__code="V2").stored_by == ACTOR.name


def test_the_same_file_again_is_all_ignored_and_writes_nothing_at_all(world: World) -> None:
    run_import(GOOD)
    before = everything()
    summary = run_import(GOOD)
    assert counts(summary) == (0, 0, 5, 0) and summary.status == "SUCCESS"
    assert everything() == before


def test_a_changed_value_is_updated_with_its_before_and_after_in_the_trace(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 3, comment="旧备注")
    summary = run_import("BIRTHS,202601,V1,,,5,,,新备注\n")
    assert counts(summary) == (0, 1, 0, 0)
    change = ValueChange.objects.get()
    assert change.action == ChangeAction.UPDATE
    assert (change.value_before, change.value_after) == (Decimal(3), Decimal(5))
    assert (change.comment_before, change.comment_after) == ("旧备注", "新备注")


def test_a_changed_comment_alone_is_an_update_and_an_absent_one_keeps_what_is_stored(
    world: World,
) -> None:
    set_value("V1", "BIRTHS", "202601", 3, comment="注", follow_up=True)
    assert counts(run_import("BIRTHS,202601,V1,,,3\n")) == (0, 0, 1, 0)
    value = DataValue.objects.get()
    assert (value.comment, value.follow_up) == ("注", True)
    assert counts(run_import("BIRTHS,202601,V1,,,3,,,,\n")) == (0, 1, 0, 0)
    value.refresh_from_db()
    assert (value.comment, value.follow_up) == ("", False)


@pytest.mark.parametrize(
    ("strategy", "expected_counts", "expected"),
    [
        ("CREATE_AND_UPDATE", (1, 1, 1, 0), {"V1": "9", "V2": "4", "V3": None, "W1": "7"}),
        ("CREATE", (1, 0, 2, 0), {"V1": "3", "V2": "4", "W1": "7"}),
        ("UPDATE", (0, 1, 2, 0), {"V1": "9", "V2": "4"}),
        ("DELETE", (0, 0, 1, 2), {}),
    ],
)
def test_each_import_strategy_does_what_dhis2s_does(
    world: World, strategy: str, expected_counts: tuple[int, ...], expected: dict[str, str]
) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    set_value("V2", "BIRTHS", "202601", 4)
    # V1 changes, V2 stays the same, W1 is new.
    summary = run_import(
        "BIRTHS,202601,V1,,,9\nBIRTHS,202601,V2,,,4\nBIRTHS,202601,W1,,,7\n", strategy=strategy
    )
    assert summary.status == "SUCCESS"
    assert counts(summary) == expected_counts
    expected = {k: v for k, v in expected.items() if v is not None}
    assert {unit: v for (_e, _p, unit), v in stored().items()} == expected


def test_deleted_true_deletes_a_stored_value_and_is_ignored_where_there_is_none(
    world: World,
) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    summary = run_import(HEADER + "BIRTHS,202601,V1,,,,,,,,true\nBIRTHS,202601,V2,,,,,,,,true\n")
    assert counts(summary) == (0, 0, 1, 1)
    assert stored() == {}
    assert ValueChange.objects.get().action == ChangeAction.DELETE


def test_an_empty_value_is_a_conflict_unless_empty_values_delete(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    refused = run_import("BIRTHS,202601,V1,,,\n")
    assert refused.status == "ERROR" and "the value is empty" in refused.conflicts[0].reason
    assert counts(run_import("BIRTHS,202601,V1,,,\n", delete_empty=True)) == (0, 0, 0, 1)


def test_zeros_of_an_element_whose_zeros_are_not_stored_delete_instead(world: World) -> None:
    set_value("V1", "MIGRANTS", "202601", 5)
    summary = run_import("MIGRANTS,202601,V1,,,0\nMIGRANTS,202601,V2,,,0\nBIRTHS,202601,V2,,,0\n")
    assert counts(summary) == (1, 0, 1, 1)
    assert stored() == {("BIRTHS", "202601", "V2"): "0"}


def test_a_dry_run_counts_what_would_happen_and_changes_nothing(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 1)
    before = everything()
    summary = run_import(GOOD, dry_run=True)
    assert summary.status == "SUCCESS" and counts(summary) == (4, 1, 0, 0)
    assert everything() == before
    assert stored() == {("BIRTHS", "202601", "V1"): "1"}
    assert "dry run" in summary.lines()[-1]


BAD_ROWS = (
    "BIRTHS,202601,V1,,,3\n"  # good
    "NOPE,202601,V1,,,1\n"  # unknown element
    "BIRTHS,2026Q5,V1,,,1\n"  # bad period
    "BIRTHS,202601,NOWHERE,,,1\n"  # unknown unit
    "BIRTHS,202601,V3,,,1\n"  # closed before the period
    "BIRTHS,202602,V1,,,-1\n"  # a negative count
    "CONTRA_RATE,202601,V1,,,101\n"  # a percentage over 100
    "HAS_PLAN,202601,V1,,,maybe\n"  # not yes or no
    "BIRTHS,202603,V1,,,1,,,,sometimes\n"  # followup
    "BIRTHS,202604,V1,,,1,,yesterday\n"  # lastupdated
    "BIRTHS,202605,V1,,,1,,,,,perhaps\n"  # deleted
    "BIRTHS,202606,V1,male,,1\n"  # a combination without a mapping
    "BIRTHS,202607,V1,,FUNDER,1\n"  # an attribute combination
    "BIRTHS,202601,V1,,,4\n"  # the same key as the first row
)


def test_an_atomic_import_with_conflicts_writes_nothing_and_names_every_one(world: World) -> None:
    before = everything()
    summary = run_import(BAD_ROWS)
    assert summary.status == "ERROR" and summary.refused
    assert counts(summary) == (0, 0, 14, 0)
    assert everything() == before
    found = [(c.row, c.column, c.obj) for c in summary.conflicts]
    assert found == [
        (2, "dataelement", "NOPE"),
        (3, "period", "2026Q5"),
        (4, "orgunit", "NOWHERE"),
        (5, "orgunit", "V3"),
        (6, "value", "-1"),
        (7, "value", "101"),
        (8, "value", "maybe"),
        (9, "followup", "sometimes"),
        (10, "lastupdated", "yesterday"),
        (11, "deleted", "perhaps"),
        (12, "categoryoptioncombo", "male"),
        (13, "attributeoptioncombo", "FUNDER"),
        (14, "dataelement/period/orgunit", "BIRTHS/202601/V1"),
    ]
    reasons = [c.reason for c in summary.conflicts]
    assert "unknown data element code" in reasons[0]
    assert "quarter must be 1–4" in reasons[1]
    assert "closed on 2025-06-30" in reasons[3]
    assert "cannot be negative" in reasons[4]
    assert "between 0 and 100" in reasons[5]
    assert "duplicates row 1" in reasons[12]
    assert all(" / " in r for r in reasons), "every reason is bilingual"
    dhis2 = summary.as_dhis2()
    assert dhis2["importCount"] == {"imported": 0, "updated": 0, "ignored": 14, "deleted": 0}
    assert dhis2["conflicts"][0] == {
        "object": "NOPE",
        "value": reasons[0],
        "reason": reasons[0],
        "property": "dataelement",
        "row": 2,
        "indexes": [1],
    }


def test_atomic_mode_none_writes_the_values_without_conflicts_and_skips_the_rest(
    world: World,
) -> None:
    summary = run_import(BAD_ROWS, atomic_mode="NONE")
    assert summary.status == "WARNING"
    assert counts(summary) == (1, 0, 13, 0)
    assert stored() == {("BIRTHS", "202601", "V1"): "3"}  # the first of the repeated key
    record = ValueImport.objects.get()
    assert record.conflicts == 13 and len(record.summary["conflicts"]) == 13


def test_a_person_imports_only_the_units_they_may_enter_figures_for(world: World) -> None:
    reporter = Actor.from_request(type("R", (), {"user": world.users["reporter_v1"], "META": {}})())
    summary = run_import("BIRTHS,202601,V1,,,3\nBIRTHS,202601,V2,,,4\n", actor=reporter)
    assert summary.refused
    assert [(c.row, c.obj) for c in summary.conflicts] == [(2, "V2")]
    assert "not one you may enter figures for" in summary.conflicts[0].reason
    summary = run_import("BIRTHS,202601,V1,,,3\n", actor=reporter)
    assert summary.status == "SUCCESS"
    assert ValueImport.objects.get().user == world.users["reporter_v1"]


def test_an_approved_figure_refuses_a_change_but_not_the_same_value(world: World) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    dataset = DataSet.objects.get(code="FP_MONTHLY")
    submission = do_submit(ACTOR, dataset, world.unit("V1"), "202601")
    do_approve(ACTOR, submission.pk)
    assert counts(run_import("BIRTHS,202601,V1,,,3\n")) == (0, 0, 1, 0)
    summary = run_import("BIRTHS,202601,V1,,,4\nBIRTHS,202601,V2,,,4\n")
    assert summary.refused
    assert [(c.row, c.column) for c in summary.conflicts] == [(1, "value")]
    assert "approved and locked" in summary.conflicts[0].reason
    summary = run_import("BIRTHS,202601,V1,,,4\nBIRTHS,202601,V2,,,4\n", atomic_mode="NONE")
    assert counts(summary) == (1, 0, 1, 0)
    assert stored()[("BIRTHS", "202601", "V1")] == "3"


def test_an_unreadable_file_is_one_file_conflict(world: World) -> None:
    summary = run_import(b"BIRTHS,202601,V1,,,3\n\xff\xfe\xfa", encoding="utf-8")
    assert summary.unreadable and summary.status == "ERROR"
    assert (
        summary.conflicts[0].row is None
        and "invalid byte at offset 21" in summary.conflicts[0].reason
    )


def test_a_gbk_file_from_excel_imports_and_says_so(world: World) -> None:
    summary = run_import("BIRTHS,202601,V1,,,3,录入员,,春节前\n".encode("gb18030"))
    assert summary.encoding == "gbk" and "GBK" in " ".join(summary.lines())
    assert DataValue.objects.get().comment == "春节前"


def test_the_number_of_queries_does_not_grow_with_the_number_of_values(
    world: World, django_assert_max_num_queries: object
) -> None:
    small = "".join(f"BIRTHS,2026{m:02d},V1,,,{m}\n" for m in range(1, 3))
    large = "".join(f"BIRTHS,2026{m:02d},{u},,,{m}\n" for m in range(1, 13) for u in ("V1", "V2"))
    with django_assert_max_num_queries(40) as small_run:  # type: ignore[operator]
        run_import(small, dry_run=True)
    with django_assert_max_num_queries(40) as large_run:  # type: ignore[operator]
        run_import(large, dry_run=True)
    assert len(large_run.captured_queries) <= len(small_run.captured_queries) + 2
