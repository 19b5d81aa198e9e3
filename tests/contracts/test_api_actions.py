"""The API's steps: generate, targets, signatories, sign, amend, print; refusals as
``{"field", "detail"}`` with 400, other people's contracts 403/404."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from docx import Document

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import AuditEntry
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.schemes.models import BirthPlan, SchemeStatus

from .conftest import CONSOLE, YEAR, Township, generate, targets_of

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _client(town: Township, role: str, unit: str) -> Client:
    user = User.objects.create_user(f"{role}_{unit}")
    do_grant_role(CONSOLE, user, role, town.units[unit])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(town: Township) -> Client:
    return _client(town, Role.TOWNSHIP_ADMIN, "T1")


def _post(client: Client, url: str, body: dict[str, object]) -> object:
    return client.post(url, body, content_type="application/json")


def _generate(client: Client, **body: object) -> object:
    return _post(client, "/api/contracts/generate/", {"scheme": "FP", "year": YEAR, **body})


def test_generate_drafts_the_townships_contracts(town: Township, admin: Client) -> None:
    response = _generate(admin, township="T1")
    assert response.status_code == 201  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert sorted(c["unit"] for c in data["created"]) == ["V1", "V2"]
    assert data["skipped"] == []
    again = _generate(admin, township="T1", version=1).json()  # type: ignore[attr-defined]
    assert again == {"created": [], "skipped": ["V1", "V2"]}
    assert AuditEntry.objects.filter(action="contract.generate", channel="api").count() == 2


def test_generate_refuses_a_draft_scheme_naming_the_field(town: Township, admin: Client) -> None:
    town.scheme.status = SchemeStatus.DRAFT
    town.scheme.save(update_fields=["status"])
    response = _generate(admin, township="T1")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["field"] == "scheme"  # type: ignore[attr-defined]
    assert not Contract.objects.exists()


def test_generate_names_an_unknown_township_or_scheme(town: Township, admin: Client) -> None:
    assert _generate(admin, township="T2").json()["field"] == "township"  # type: ignore[attr-defined]
    response = _generate(admin, township="T1", scheme="NOPE")
    assert response.json()["field"] == "scheme"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("role", "unit"), [(Role.REVIEWER, "T1"), (Role.COUNTY_VIEWER, "C")])
def test_those_who_only_look_may_not_generate(town: Township, role: str, unit: str) -> None:
    response = _generate(_client(town, role, unit), township="T1")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert not Contract.objects.exists()


def test_targets_are_set_all_or_nothing(town: Township, admin: Client) -> None:
    contract = generate(town)["V2"]
    url = f"/api/contracts/{contract.pk}/targets/"
    response = _post(admin, url, {"targets": {"PLAN": 4, "RATE": 101}})
    assert response.status_code == 400  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert data["field"] == "target" and list(data["items"]) == ["RATE"]
    assert targets_of(contract) == {"PLAN": 5, "RATE": 90}
    response = _post(admin, url, {"targets": {"PLAN": 4, "RATE": 95}})
    assert response.status_code == 200  # type: ignore[attr-defined]
    got = {t["item"]: t["value"] for t in response.json()["targets"]}  # type: ignore[attr-defined]
    assert got == {"PLAN": 4, "RATE": 95}


def test_signatories_are_added_by_code_and_taken_off(town: Township, admin: Client) -> None:
    contract = generate(town)["V2"]
    url = f"/api/contracts/{contract.pk}/signatories/"
    response = _post(admin, url, {"official": "V1_SEC", "role": "村支书"})
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["field"] == "signatory"  # type: ignore[attr-defined]
    response = _post(admin, url, {"official": "T1_CADRE"})
    assert response.status_code == 200  # type: ignore[attr-defined]
    signing = {s["official"]: s["role"] for s in response.json()["signatories"]}  # type: ignore[attr-defined]
    assert signing == {"V2_FP": "计生专干", "T1_CADRE": "包村干部"}
    response = admin.delete(f"{url}V2_FP/")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert [s["official"] for s in response.json()["signatories"]] == ["T1_CADRE"]
    assert admin.delete(f"{url}V2_FP/").json()["field"] == "official"


def test_sign_needs_a_first_responsible_person_and_locks(town: Township, admin: Client) -> None:
    contracts = generate(town)
    refused = _post(
        admin, f"/api/contracts/{contracts['V2'].pk}/sign/", {"signed_on": "2024-01-15"}
    )
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert refused.json()["field"] == "signatories"  # type: ignore[attr-defined]
    url = f"/api/contracts/{contracts['V1'].pk}/"
    signed = _post(admin, f"{url}sign/", {"signed_on": "2024-01-15"})
    assert signed.json()["status"] == ContractStatus.SIGNED  # type: ignore[attr-defined]
    again = _post(admin, f"{url}targets/", {"targets": {"PLAN": 1}})
    assert again.status_code == 400 and again.json()["field"] == "status"  # type: ignore[attr-defined]


def test_sign_and_amend_are_refused_past_the_cap(town: Township, admin: Client) -> None:
    town.scheme.plan_item = "PLAN"
    town.scheme.save(update_fields=["plan_item"])
    BirthPlan.objects.create(
        scheme=town.scheme, township=town.units["T1"], year=YEAR, method="equal", cap_births=12
    )
    url = f"/api/contracts/{generate(town)['V1'].pk}/"
    assert _post(admin, f"{url}sign/", {"signed_on": "2024-01-15"}).status_code == 200  # type: ignore[attr-defined]
    response = _post(admin, f"{url}amend/", {"targets": {"PLAN": 13}, "reason": "多一人"})
    assert response.status_code == 400  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert data["field"] == "target" and "13" in data["detail"] and "12" in data["detail"]


def test_amend_makes_a_new_version_with_its_reason(town: Township, admin: Client) -> None:
    url = f"/api/contracts/{generate(town)['V1'].pk}/"
    _post(admin, f"{url}sign/", {"signed_on": "2024-01-15"})
    refused = _post(admin, f"{url}amend/", {"targets": {"PLAN": 14}, "reason": " "})
    assert refused.json()["field"] == "amendment_reason"  # type: ignore[attr-defined]
    body = {"targets": {"PLAN": 14}, "reason": "县调整", "signed_on": "2024-06-01"}
    response = _post(admin, f"{url}amend/", body)
    assert response.status_code == 201  # type: ignore[attr-defined]
    data = response.json()  # type: ignore[attr-defined]
    assert (data["version"], data["signed_on"], data["amendment_reason"]) == (
        2,
        "2024-06-01",
        "县调整",
    )
    assert admin.get(url).json()["status"] == ContractStatus.SUPERSEDED


def test_the_steps_of_another_township_are_404_and_of_a_looker_403(town: Township) -> None:
    contract = generate(town)["V1"]
    url = f"/api/contracts/{contract.pk}/sign/"
    other = _client(town, Role.TOWNSHIP_ADMIN, "T2")
    assert _post(other, url, {"signed_on": "2024-01-15"}).status_code == 404  # type: ignore[attr-defined]
    reporter = _client(town, Role.REPORTER, "V1")
    assert _post(reporter, url, {"signed_on": "2024-01-15"}).status_code == 403  # type: ignore[attr-defined]
    assert reporter.delete(f"/api/contracts/{contract.pk}/signatories/V1_FP/").status_code == 403
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT and contract.signatories.count() == 3


def test_print_answers_the_word_document(town: Township) -> None:
    contract = generate(town)["V1"]
    reporter = _client(town, Role.REPORTER, "V1")
    response = reporter.get(f"/api/contracts/{contract.pk}/print/")
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert f"V1-{YEAR}-v1.docx" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    assert document.paragraphs[0].text.startswith("甲镇2024年度")
    asked = reporter.get(f"/api/contracts/{contract.pk}/print/", HTTP_ACCEPT=DOCX)
    assert asked.status_code == 200 and asked.content[:2] == b"PK"
    other = _client(town, Role.REPORTER, "V2")
    assert other.get(f"/api/contracts/{contract.pk}/print/").status_code == 404


def test_the_openapi_schema_describes_the_steps(town: Township, admin: Client) -> None:
    schema = admin.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/contracts/generate/",
        "/api/contracts/{id}/targets/",
        "/api/contracts/{id}/signatories/",
        "/api/contracts/{id}/sign/",
        "/api/contracts/{id}/amend/",
    ):
        assert "requestBody" in paths[path]["post"], path
    assert "delete" in paths["/api/contracts/{id}/signatories/{official}/"]
    assert DOCX in paths["/api/contracts/{id}/print/"]["get"]["responses"]["200"]["content"]
