"""The bulk path itself: many sums and repeats at once, files read in many batches, a file
that turns unreadable half-way, and a key someone else stores between comparison and write."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from kaohe.audit.models import AuditEntry
from kaohe.datavalues.models import DataValue
from kaohe.interop.bulk import Stage
from kaohe.interop.checking import CheckContext, check_batch
from kaohe.interop.formats import dvs_csv, dvs_json, read_values
from kaohe.interop.identifiers import import_lookups
from kaohe.interop.mappings import ComboInput, do_save_combo_mapping
from kaohe.interop.models import ChangeAction, ValueChange, ValueImport
from kaohe.interop.options import ImportOptions, Strategy

from .conftest import ACTOR, World, run_import, set_value, stored

pytestmark = pytest.mark.django_db

# More keys than one statement lists by hand (500), so that the sums and the repeats dropped
# go through a table of their own.
MONTHS = [f"{1980 + i // 12}{i % 12 + 1:02d}" for i in range(600)]


def test_six_hundred_repeated_keys_keep_their_first_value_when_conflicts_are_skipped(
    world: World,
) -> None:
    first = "".join(f"BIRTHS,{month},V1,,,1\n" for month in MONTHS)
    again = "".join(f"BIRTHS,{month},V1,,,2\n" for month in MONTHS)
    summary = run_import(first + again, atomic_mode="NONE")
    assert summary.status == "WARNING" and summary.conflict_count == len(MONTHS)
    assert (summary.imported, summary.ignored) == (len(MONTHS), len(MONTHS))
    assert set(stored().values()) == {"1"} and len(stored()) == len(MONTHS)
    assert summary.conflicts[0].row == len(MONTHS) + 1
    assert "duplicates row 1" in summary.conflicts[0].reason


def test_six_hundred_sums_of_two_combinations_are_folded_at_once(world: World) -> None:
    for combo in ("male", "female"):
        do_save_combo_mapping(
            ACTOR, ComboInput(source_element="BIRTHS", combo=combo, element="BIRTHS")
        )
    lines = "".join(f"BIRTHS,{month},V1,male,,2\nBIRTHS,{month},V1,female,,3\n" for month in MONTHS)
    summary = run_import(lines)
    assert summary.status == "SUCCESS", summary.conflicts[:3]
    assert summary.imported == 2 * len(MONTHS)  # DHIS2 counts every value summed
    assert set(stored().values()) == {"5"} and len(stored()) == len(MONTHS)
    assert ValueChange.objects.filter(action=ChangeAction.CREATE).count() == len(MONTHS)


def test_a_file_read_in_many_batches_naming_new_periods_late_is_imported_whole(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dvs_csv, "_BLOCK_BYTES", 64)  # a batch every two or three lines
    months = [f"2025{m:02d}" for m in range(1, 13)]
    lines = "".join(f"BIRTHS,{month},V{1 + i % 2},,,{i}\n" for i, month in enumerate(months))
    summary = run_import(lines)
    assert summary.status == "SUCCESS" and summary.imported == 12
    assert stored() == {
        ("BIRTHS", month, f"V{1 + i % 2}"): str(i) for i, month in enumerate(months)
    }
    # The trace is in file order.
    trace = ValueChange.objects.order_by("id").select_related("period")
    assert [c.period.code for c in trace] == months


def test_a_file_that_turns_unreadable_after_some_batches_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dvs_json, "BATCH_ROWS", 2)
    good = ", ".join(
        f'{{"dataElement": "BIRTHS", "period": "2026{m:02d}", "orgUnit": "V1", "value": "{m}"}}'
        for m in range(1, 8)
    )
    broken = f'{{"dataValues": [{good}, {{"dataElement": "BIRTHS", "period": '
    audits = AuditEntry.objects.count()
    summary = run_import(broken, fmt="json")
    assert summary.unreadable and summary.status == "ERROR"
    assert not DataValue.objects.exists() and not ValueImport.objects.exists()
    assert AuditEntry.objects.count() == audits
    # The connection is fine afterwards.
    assert run_import(f'{{"dataValues": [{good}]}}', fmt="json").imported == 7


def test_a_new_key_someone_else_stores_before_the_write_is_overwritten_not_an_error(
    world: World,
) -> None:
    options = ImportOptions()
    ctx = CheckContext(
        lookups=import_lookups(
            elements_by=options.elements_by, units_by=options.units_by, user=None
        ),
        options=options,
        fmt="csv",
        stored_by="pytest",
        now=timezone.now(),
    )
    stage = Stage()
    stage.create()
    data = io.BytesIO(b"BIRTHS,202601,V1,,,7\nBIRTHS,202601,V2,,,8\n")
    with stage.loading() as loader:
        for chunk in read_values(data, "csv", "utf-8"):
            clean, conflicts = check_batch(chunk.frame, ctx)
            assert not conflicts
            loader.load(clean)
    stage.analyse()
    stage.plan(Strategy.CREATE_AND_UPDATE)
    assert sum(p.creates for p in stage.pairs()) == 2
    set_value("V1", "BIRTHS", "202601", 3)  # someone else, after the comparison
    record = ValueImport.objects.create(actor="pytest", channel="cli", digest="0" * 64)
    stage.write(record.pk, ctx.now)
    stage.drop()
    assert stored() == {("BIRTHS", "202601", "V1"): "7", ("BIRTHS", "202601", "V2"): "8"}
    assert DataValue.objects.get(unit__code="V1").stored_by == "pytest"
    assert ValueChange.objects.filter(value_import=record).count() == 2
