"""The pages and the API of metadata exchange and pushes, for each role.

(tests/access/cases_levels.py checks every URL's status for every role of its own world; these
check what each role gets and may do here.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kaohe.contracts.models import Contract
from kaohe.levels.metadata import render_document, township_document
from kaohe.levels.models import PushLog, PushStatus

from .conftest import County
from .dhis2_server import Receiver, running

pytestmark = pytest.mark.django_db

TOKEN = "pages-token"


def client_for(county: County, role: str) -> Client:
    client = Client()
    client.force_login(county.users[role])
    return client


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with running(Receiver(authorization=f"ApiToken {TOKEN}")) as server:
        monkeypatch.setenv("KAOHE_PUSH_TOKEN", TOKEN)
        monkeypatch.setenv("KAOHE_PUSH_URLS", f"https://other.example/dhis, {server.url}")
        yield server


# --- metadata ---------------------------------------------------------------------------


def test_a_township_administrator_downloads_their_townships_metadata(county: County) -> None:
    response = client_for(county, "township_admin").get(
        "/levels/metadata/export/?township=TA&format=yaml"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="TA-metadata.yaml"'
    document = yaml.safe_load(response.content.decode())
    assert {u["code"] for u in document["units"]} == {"C01", "TA", "TA_V1", "TA_V2"}
    assert response.content.decode() == render_document(
        township_document(county.townships["TA"]), title="甲镇（TA）元数据 / metadata of TA"
    )


def test_another_townships_administrator_cannot_download_it(county: County) -> None:
    client = client_for(county, "other_township_admin")

    assert client.get("/levels/metadata/export/?township=TA").status_code == 404
    assert b"TA_V1" not in client.get("/levels/metadata/").content


def test_the_metadata_page_lists_what_each_role_may_export(county: County) -> None:
    viewer = client_for(county, "county_viewer").get("/levels/metadata/").content.decode()
    reporter = client_for(county, "reporter").get("/levels/metadata/").content.decode()

    assert 'data-export="TA"' in viewer and 'data-export="TB"' in viewer
    assert 'data-export="C01"' in viewer and "import-form" not in viewer
    assert 'data-export="TA"' not in reporter and 'data-export="rules"' in reporter


def test_only_a_system_administrator_may_import_metadata_from_the_page(county: County) -> None:
    text = render_document(township_document(county.townships["TA"]))
    upload = SimpleUploadedFile("ta.yaml", text.encode(), content_type="application/yaml")

    refused = client_for(county, "township_admin").post(
        "/levels/metadata/import/", {"file": upload}
    )
    upload.seek(0)
    admin = client_for(county, "system_admin")
    page = admin.get("/levels/metadata/").content.decode()
    done = admin.post("/levels/metadata/import/", {"file": upload, "dry_run": "on"})

    assert refused.status_code == 403
    assert "import-form" in page
    assert done.status_code == 200
    body = done.content.decode()
    assert "试运行，未作任何修改" in body and "没有需要修改的内容" in body


def test_the_import_page_lists_every_problem_with_its_line(county: County) -> None:
    bad = "kaohe_bundle: 1\nunits:\n  - {code: Q1, name: 某村, kind: vilage}\n"
    upload = SimpleUploadedFile("bad.yaml", bad.encode())

    response = client_for(county, "system_admin").post("/levels/metadata/import/", {"file": upload})

    body = response.content.decode()
    assert "import-problems" in body and "bad.yaml:3" in body and "units[0].kind" in body


def test_the_api_gives_a_townships_metadata_to_whoever_sees_it(county: County) -> None:
    ok = client_for(county, "reviewer").get("/api/metadata/?township=TA")
    other = client_for(county, "other_township_admin").get("/api/metadata/?township=TA")
    rules = client_for(county, "reporter").get("/api/metadata/")

    assert ok.status_code == 200
    assert ok.json() == json.loads(json.dumps(township_document(county.townships["TA"])))
    assert other.status_code == 404
    assert rules.status_code == 200 and "units" not in rules.json()
    assert client_for(county, "no_role").get("/api/metadata/").status_code == 404


def test_the_api_imports_a_document_for_a_system_administrator_only(county: County) -> None:
    document = township_document(county.townships["TA"])
    document["contracts"] = [
        {
            "scheme": "LV_VILLAGES",
            "unit": "TA_V1",
            "year": 2026,
            "status": "draft",
            "targets": {"PLAN": 11},
            "signatories": [{"official": "TA_V1_SEC", "role": "村支书"}],
        }
    ]

    refused = client_for(county, "township_admin").post(
        "/api/metadata/import/", document, content_type="application/json"
    )
    done = client_for(county, "system_admin").post(
        "/api/metadata/import/", document, content_type="application/json"
    )

    assert refused.status_code == 403
    assert done.status_code == 200 and done.json()["changed"] is True
    assert any("责任书：新增 1" in line for line in done.json()["summary"])
    assert Contract.objects.get(year=2026).targets.get().value == 11


def test_the_api_answers_400_with_every_problem(county: County) -> None:
    text = "kaohe_bundle: 1\ncontracts:\n  - {scheme: NOPE, unit: TA_V1, year: 2025}\n"

    response = client_for(county, "system_admin").post(
        "/api/metadata/import/?dry_run=true",
        {"text": text, "name": "x.yaml"},
        content_type="application/json",
    )

    assert response.status_code == 400
    (problem,) = response.json()["problems"]
    assert problem["line"] == 3 and problem["message_en"] == "unknown scheme NOPE"


# --- pushes -----------------------------------------------------------------------------


def test_a_township_administrator_pushes_from_the_page(county: County, receiver: Receiver) -> None:
    client = client_for(county, "township_admin")
    page = client.get("/levels/pushes/").content.decode()
    assert "push-form" in page and receiver.url in page

    response = client.post(
        "/levels/pushes/new/",
        {"to": receiver.url, "township": "TA", "start": "2025", "end": "", "batch_size": 5},
    )

    log = PushLog.objects.get()
    assert response.status_code == 302 and response.url == f"/levels/pushes/{log.pk}/"
    assert log.status == PushStatus.DONE and log.values == 9 and receiver.problems == []
    detail = client.get(response.url).content.decode()
    assert 'data-batch="2"' in detail and log.batches.first().digest[:12] in detail


def test_without_allowed_destinations_the_page_offers_no_push(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAOHE_PUSH_URLS", raising=False)

    page = client_for(county, "township_admin").get("/levels/pushes/").content.decode()

    assert "push-form" not in page and "KAOHE_PUSH_URLS" in page


def test_a_page_push_to_a_destination_the_server_does_not_allow_is_refused(
    county: County, receiver: Receiver
) -> None:
    client = client_for(county, "township_admin")

    client.post(
        "/levels/pushes/new/", {"to": "https://evil.example", "township": "TA", "batch_size": 10}
    )

    assert not PushLog.objects.exists() and receiver.requests == []


def test_nobody_pushes_another_townships_figures(county: County, receiver: Receiver) -> None:
    page = client_for(county, "township_admin").post(
        "/levels/pushes/new/", {"to": receiver.url, "township": "TB", "batch_size": 10}
    )
    api = client_for(county, "township_admin").post(
        "/api/pushes/", {"to": receiver.url, "township": "TB"}, content_type="application/json"
    )
    reviewer = client_for(county, "reviewer").post(
        "/levels/pushes/new/", {"to": receiver.url, "township": "TA", "batch_size": 10}
    )

    assert page.status_code == 302 and api.status_code == 404 and reviewer.status_code == 403
    assert not PushLog.objects.exists() and receiver.requests == []


def test_the_api_pushes_and_shows_the_log_to_those_who_see_the_township(
    county: County, receiver: Receiver
) -> None:
    response = client_for(county, "township_admin").post(
        "/api/pushes/",
        {"to": receiver.url, "township": "TA", "batch_size": 5},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "done" and [b["values"] for b in body["batches"]] == [5, 5, 5]
    assert body["batches"][0]["summary"]["importCount"]["imported"] == 5
    viewer = client_for(county, "county_viewer").get(f"/api/pushes/{body['id']}/")
    other = client_for(county, "other_township_admin").get(f"/api/pushes/{body['id']}/")
    assert viewer.status_code == 200 and other.status_code == 404
    assert client_for(county, "reporter").get("/api/pushes/").json()["results"] == []


def test_the_api_names_the_field_of_a_push_it_refuses(county: County, receiver: Receiver) -> None:
    response = client_for(county, "township_admin").post(
        "/api/pushes/",
        {"to": "https://not-allowed.example", "township": "TA"},
        content_type="application/json",
    )

    assert response.status_code == 400 and response.json()["field"] == "to"
