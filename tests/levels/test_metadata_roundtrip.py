"""The demo township's metadata: exported, taken into an empty database, exported again.

The demo is built once for the module inside a transaction that is rolled back, so each test
starts from an empty database holding only what the export brought."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.db import transaction

from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract
from kaohe.demo.generator import TOWNSHIP_CODE
from kaohe.demo.services import do_build_demo
from kaohe.levels.metadata import render_document, rules_document, township_document
from kaohe.levels.metadata_import import MetadataReport, do_import_metadata
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus

ACTOR = Actor.cli("pytest")


@dataclass(frozen=True)
class Exported:
    yaml: str
    json: str
    rules: str
    again: MetadataReport  # the export taken back into the database it came from


def _export(fmt: str) -> str:
    township = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    return render_document(township_document(township), fmt, title="示范镇")


@pytest.fixture(scope="module")
def exported(django_db_setup: None, django_db_blocker: Any) -> Exported:
    with django_db_blocker.unblock(), transaction.atomic():
        do_build_demo(ACTOR)
        text = _export("yaml")
        again = do_import_metadata(text, "demo.yaml", ACTOR)
        result = Exported(text, _export("json"), render_document(rules_document()), again)
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db
def test_an_export_taken_into_an_empty_database_exports_the_same_bytes(
    exported: Exported,
) -> None:
    assert not OrgUnit.objects.exists()  # given an empty database

    report = do_import_metadata(exported.yaml, "demo.yaml", ACTOR)

    assert report.load.sections["units"].created == 29
    assert _export("yaml") == exported.yaml


@pytest.mark.django_db
def test_the_json_export_round_trips_too(exported: Exported) -> None:
    do_import_metadata(exported.json, "demo.json", ACTOR)

    assert _export("json") == exported.json


@pytest.mark.django_db
def test_the_export_taken_back_where_it_came_from_changes_nothing(exported: Exported) -> None:
    report = exported.again

    assert not report.changed
    assert report.contracts.unchanged == 75
    assert report.summary_lines()[-1].strip() == "没有需要修改的内容 / nothing to change"


@pytest.mark.django_db
def test_taking_the_same_export_in_twice_changes_nothing_the_second_time(
    exported: Exported,
) -> None:
    do_import_metadata(exported.yaml, "demo.yaml", ACTOR)

    second = do_import_metadata(exported.yaml, "demo.yaml", ACTOR)

    assert not second.changed


@pytest.mark.django_db
def test_schemes_keep_every_version_and_their_status(exported: Exported) -> None:
    document = yaml.safe_load(exported.yaml)
    shown = {(s["code"], s["version"], s["status"]) for s in document["schemes"]}
    assert ("VILLAGE_2006", 1, "published") in shown

    do_import_metadata(exported.yaml, "demo.yaml", ACTOR)

    assert set(Scheme.objects.values_list("code", "version", "status")) == shown
    assert all(s.status == SchemeStatus.PUBLISHED for s in Scheme.objects.all())


@pytest.mark.django_db
def test_contracts_come_with_their_amendments_signatories_and_drafts(exported: Exported) -> None:
    do_import_metadata(exported.yaml, "demo.yaml", ACTOR)

    amended = Contract.objects.filter(unit__code="V01", year=2006, scheme__code="VILLAGE_2006")
    first, second = amended.order_by("version")
    assert (first.status, second.status) == ("superseded", "signed")
    assert second.previous == first and "村两委换届" in second.amendment_reason
    assert second.targets.get(item__code="MEETINGS").value == 3.0
    assert second.signatories.filter(role="村支书").exists()
    unsigned = Contract.objects.get(unit__code="V20", year=2006, scheme__code="VILLAGE_2006")
    assert unsigned.status == "draft"


@pytest.mark.django_db
def test_the_import_is_audited_with_its_counts(exported: Exported) -> None:
    do_import_metadata(exported.yaml, "demo.yaml", ACTOR)

    entry = AuditEntry.objects.get(action="metadata.import")
    assert entry.object_key == "demo.yaml"
    assert entry.after["counts"]["contracts"]["created"] == 75
    assert AuditEntry.objects.filter(action="contract.import").count() == 75
    assert AuditEntry.objects.filter(action="orgunit.create").count() == 29


@pytest.mark.django_db
def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(exported: Exported) -> None:
    report = do_import_metadata(exported.yaml, "demo.yaml", ACTOR, dry_run=True)

    assert report.dry_run and report.contracts.created == 75
    assert report.summary_lines()[0].startswith("试运行，未作任何修改 / dry run")
    assert not OrgUnit.objects.exists() and not Contract.objects.exists()


@pytest.mark.django_db
def test_the_export_holds_only_the_townships_people_and_no_resident(exported: Exported) -> None:
    document = yaml.safe_load(exported.yaml)

    units = {u["code"] for u in document["units"]}
    assert {o["unit"] for o in document["officials"]} <= units
    assert set(document) == {
        "kaohe_bundle",
        "units",
        "elements",
        "datasets",
        "officials",
        "indicators",
        "schemes",
        "targets",
        "validation_rules",
        "sources",
        "contracts",
    }
    assert set(document["officials"][0]) <= {"code", "name", "role", "unit", "active"}


@pytest.mark.django_db
def test_the_rules_alone_load_with_kaohe_load(exported: Exported, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(exported.rules, encoding="utf-8")
    assert "units" not in yaml.safe_load(exported.rules)

    call_command("load", str(path))

    assert Scheme.objects.filter(code="VILLAGE_2006", status=SchemeStatus.PUBLISHED).exists()
    assert not OrgUnit.objects.exists()


@pytest.mark.django_db
def test_the_commands_export_to_a_file_and_import_it(
    exported: Exported, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(exported.yaml, encoding="utf-8")

    call_command("metadata", "import", str(path))
    assert "责任书：新增 75" in capsys.readouterr().out
    out = tmp_path / "again.json"
    call_command(
        "metadata", "export", "--township", TOWNSHIP_CODE, "--format", "json", "--output", str(out)
    )

    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(exported.json)
