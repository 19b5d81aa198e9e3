"""The contract pages, asked and posted as the township's administrator and as those who may
only look (a reviewer, a reporter of the village, a county viewer) or not even that (another
township's administrator, a reporter of another village)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.audit.models import AuditEntry
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.services import do_sign
from kaohe.schemes.models import BirthPlan

from .conftest import CONSOLE, YEAR, Township, generate, targets_of

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PEOPLE = {
    "admin": (Role.TOWNSHIP_ADMIN, "T1"),
    "reviewer": (Role.REVIEWER, "T1"),
    "reporter": (Role.REPORTER, "V1"),
    "reporter2": (Role.REPORTER, "V2"),
    "viewer": (Role.COUNTY_VIEWER, "C"),
    "other": (Role.TOWNSHIP_ADMIN, "T2"),
}
LOOKERS = ("reviewer", "reporter", "viewer")


@pytest.fixture
def people(town: Township) -> dict[str, Client]:
    clients = {}
    for name, (role, unit) in PEOPLE.items():
        user = User.objects.create_user(name)
        do_grant_role(CONSOLE, user, role, town.units[unit])
        client = Client()
        client.force_login(user)
        clients[name] = client
    return clients


def _url(contract: Contract, step: str = "") -> str:
    return f"/contracts/{contract.pk}/{step}"


def _index(town: Township, township: str = "T1") -> str:
    return f"/contracts/?scheme={town.scheme.pk}&year={YEAR}&township={township}"


# --- the township's table ---------------------------------------------------------------------


def test_the_table_counts_the_signed_and_the_unsigned(
    town: Township, people: dict[str, Client]
) -> None:
    text = people["admin"].get(_index(town)).content.decode()
    assert "2 个村，已签订 0，未签订 2" in text
    assert "尚未起草" in text and "起草责任书" in text
    contracts = generate(town)
    do_sign(contracts["V1"], datetime.date(2024, 1, 15), CONSOLE)
    text = people["admin"].get(_index(town)).content.decode()
    assert "2 个村，已签订 1，未签订 1" in text
    assert "2024-01-15" in text and f"/contracts/{contracts['V2'].pk}/" in text


def test_those_who_only_look_get_no_generate_button(
    town: Township, people: dict[str, Client]
) -> None:
    for name in LOOKERS:
        response = people[name].get(_index(town))
        assert response.status_code == 200
        assert "起草责任书" not in response.content.decode()


def test_a_reporter_sees_only_their_own_village_in_the_table(
    town: Township, people: dict[str, Client]
) -> None:
    generate(town)
    text = people["reporter"].get(_index(town)).content.decode()
    assert "一村" in text and "二村" not in text
    assert "1 个村，已签订 0，未签订 1" in text


def test_another_townships_administrator_cannot_choose_this_township(
    town: Township, people: dict[str, Client]
) -> None:
    generate(town)
    text = people["other"].get(_index(town)).content.decode()
    assert "一村" not in text and "二村" not in text


def test_the_page_opens_on_the_first_published_scheme_and_township(
    town: Township, people: dict[str, Client]
) -> None:
    text = people["admin"].get("/contracts/").content.decode()
    assert "甲镇" in text and "计划生育目标管理" in text and "个村" in text


def test_the_township_administrator_generates_the_drafts(
    town: Township, people: dict[str, Client]
) -> None:
    body = {"scheme": town.scheme.pk, "year": YEAR, "township": "T1"}
    response = people["admin"].post("/contracts/generate/", body)
    assert response.status_code == 302 and response["Location"].endswith("township=T1")
    assert sorted(Contract.objects.values_list("unit__code", flat=True)) == ["V1", "V2"]
    assert AuditEntry.objects.filter(action="contract.generate", channel="web").count() == 2


@pytest.mark.parametrize(("name", "status"), [("reviewer", 403), ("viewer", 403), ("other", 404)])
def test_others_may_not_generate(
    town: Township, people: dict[str, Client], name: str, status: int
) -> None:
    body = {"scheme": town.scheme.pk, "year": YEAR, "township": "T1"}
    assert people[name].post("/contracts/generate/", body).status_code == status
    assert not Contract.objects.exists()


def test_a_draft_scheme_is_not_offered(town: Township, people: dict[str, Client]) -> None:
    town.scheme.status = "draft"
    town.scheme.save(update_fields=["status"])
    assert "还没有已发布的考核方案" in people["admin"].get("/contracts/").content.decode()
    body = {"scheme": town.scheme.pk, "year": YEAR, "township": "T1"}
    assert people["admin"].post("/contracts/generate/", body).status_code == 404
    assert not Contract.objects.exists()


# --- one contract -----------------------------------------------------------------------------


def test_the_administrator_gets_the_editable_grid_and_the_others_a_read_only_page(
    town: Township, people: dict[str, Client]
) -> None:
    contract = generate(town)["V1"]
    text = people["admin"].get(_url(contract)).content.decode()
    assert 'name="t:PLAN"' in text and 'value="12"' in text and "签订" in text
    assert "添加签订人" in text and "周干部" in text  # the township's stationed cadre
    for name in LOOKERS:
        text = people[name].get(_url(contract)).content.decode()
        assert 'name="t:PLAN"' not in text and "添加签订人" not in text
        assert "只读" in text


def test_a_reporter_of_another_village_gets_404(town: Township, people: dict[str, Client]) -> None:
    contract = generate(town)["V1"]
    for url in (_url(contract), _url(contract, "print.docx")):
        response = people["reporter2"].get(url)
        assert response.status_code == 404 and "一村" not in response.content.decode()
    assert people["other"].get(_url(contract)).status_code == 404


def test_saving_the_grid_sets_every_target(town: Township, people: dict[str, Client]) -> None:
    contract = generate(town)["V2"]
    response = people["admin"].post(_url(contract, "targets/"), {"t:PLAN": "7", "t:RATE": "95"})
    assert response.status_code == 302
    assert targets_of(contract) == {"PLAN": 7, "RATE": 95}


def test_a_bad_value_saves_nothing_and_is_shown_beside_its_field(
    town: Township, people: dict[str, Client]
) -> None:
    contract = generate(town)["V2"]
    response = people["admin"].post(_url(contract, "targets/"), {"t:PLAN": "7", "t:RATE": "120"})
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="target-RATE-m"' in text and "超出范围" in text and "out of range" not in text
    assert 'value="120"' in text  # what was typed stays in the field
    assert targets_of(contract) == {"PLAN": 5, "RATE": 90}
    response = people["admin"].post(_url(contract, "targets/"), {"t:PLAN": "七"})
    assert response.status_code == 422 and "不是数字" in response.content.decode()


def test_the_message_is_in_the_pages_language(town: Township, people: dict[str, Client]) -> None:
    contract = generate(town)["V2"]
    client = people["admin"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.post(_url(contract, "targets/"), {"t:RATE": "120"}).content.decode()
    assert "is out of range" in text and "超出范围" not in text


def test_a_cell_is_saved_on_its_own_and_answers_the_cell(
    town: Township, people: dict[str, Client]
) -> None:
    contract = generate(town)["V2"]
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = people["admin"].post(_url(contract, "targets/PLAN/"), {"t:PLAN": "3"}, **htmx)
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith('<td id="target-PLAN"') and "is-valid" in text
    assert targets_of(contract)["PLAN"] == 3
    response = people["admin"].post(_url(contract, "targets/RATE/"), {"t:RATE": "-1"}, **htmx)
    assert response.status_code == 422 and "超出范围" in response.content.decode()
    assert people["admin"].post(_url(contract, "targets/NOPE/"), {}, **htmx).status_code == 404


@pytest.mark.parametrize(
    "step", ["targets/", "targets/PLAN/", "signatories/", "sign/", "signatories/V1_FP/remove/"]
)
def test_those_who_only_look_are_refused_every_write(
    town: Township, people: dict[str, Client], step: str
) -> None:
    contract = generate(town)["V1"]
    body = {"t:PLAN": "1", "official": "V1_FP", "role": "x", "signed_on": "2024-01-15"}
    for name in LOOKERS:
        assert people[name].post(_url(contract, step), body).status_code == 403
    assert people["reporter2"].post(_url(contract, step), body).status_code == 404
    assert people["other"].post(_url(contract, step), body).status_code == 404
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT and targets_of(contract)["PLAN"] == 12
    assert contract.signatories.count() == 3


def test_signatories_are_added_and_removed(town: Township, people: dict[str, Client]) -> None:
    contract = generate(town)["V1"]
    admin = people["admin"]
    response = admin.post(_url(contract, "signatories/"), {"official": "T1_CADRE", "role": ""})
    assert response.status_code == 302
    assert contract.signatories.get(official__code="T1_CADRE").role == "包村干部"
    response = admin.post(_url(contract, "signatories/V1_FP/remove/"))
    assert response.status_code == 302
    assert not contract.signatories.filter(official__code="V1_FP").exists()


def test_a_signatory_from_another_village_is_refused_beside_the_field(
    town: Township, people: dict[str, Client]
) -> None:
    contract = generate(town)["V2"]
    body = {"official": "V1_SEC", "role": "村支书"}
    response = people["admin"].post(_url(contract, "signatories/"), body)
    assert response.status_code == 422 and "不属于" in response.content.decode()
    assert not contract.signatories.filter(official__code="V1_SEC").exists()


def test_signing_without_a_first_responsible_person_is_refused_with_the_reason(
    town: Township, people: dict[str, Client]
) -> None:
    contract = generate(town)["V2"]
    response = people["admin"].post(_url(contract, "sign/"), {"signed_on": "2024-01-15"})
    assert response.status_code == 422
    assert "第一责任人" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_signing_past_the_cap_shows_the_sum_and_the_cap(
    town: Township, people: dict[str, Client]
) -> None:
    town.scheme.plan_item = "PLAN"
    town.scheme.save(update_fields=["plan_item"])
    BirthPlan.objects.create(
        scheme=town.scheme, township=town.units["T1"], year=YEAR, method="equal", cap_births=10
    )
    contract = generate(town)["V1"]
    response = people["admin"].post(_url(contract, "sign/"), {"signed_on": "2024-01-15"})
    assert response.status_code == 422
    text = response.content.decode()
    assert "甲镇" in text and "12" in text and "控制数 10" in text


def test_sign_then_amend_keeps_the_old_version(town: Township, people: dict[str, Client]) -> None:
    contract = generate(town)["V1"]
    admin = people["admin"]
    assert admin.post(_url(contract, "sign/"), {"signed_on": "2024-01-15"}).status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    # A signed contract is not edited.
    response = admin.post(_url(contract, "targets/"), {"t:PLAN": "3"})
    assert response.status_code == 422 and "只能修订" in response.content.decode()
    text = admin.get(_url(contract)).content.decode()
    assert 'name="a:PLAN"' in text and 'name="t:PLAN"' not in text
    response = admin.post(_url(contract, "amend/"), {"a:PLAN": "14", "a:RATE": "90", "reason": ""})
    assert response.status_code == 422 and "修订必须说明原因" in response.content.decode()
    response = admin.post(_url(contract, "amend/"), {"a:PLAN": "12", "reason": "重签"})
    assert response.status_code == 422 and "修订没有改动任何目标" in response.content.decode()
    body = {"a:PLAN": "14", "a:RATE": "90", "reason": "县调整计划", "signed_on": "2024-06-01"}
    response = admin.post(_url(contract, "amend/"), body)
    amended = Contract.objects.get(unit=town.units["V1"], version=2)
    assert response.status_code == 302 and response["Location"] == _url(amended)
    assert targets_of(amended) == {"PLAN": 14, "RATE": 90}
    assert amended.amendment_reason == "县调整计划"
    old = admin.get(_url(contract)).content.decode()
    assert "此版本已被修订" in old and _url(amended) in old and 'name="a:PLAN"' not in old
    assert people["reviewer"].post(_url(amended, "amend/"), body).status_code == 403


def test_the_print_is_a_word_document_for_whoever_sees_the_contract(
    town: Township, people: dict[str, Client]
) -> None:
    contract = generate(town)["V1"]
    for name in ("admin", *LOOKERS):
        response = people[name].get(_url(contract, "print.docx"))
        assert response.status_code == 200 and response["Content-Type"] == DOCX
        assert f"V1-{YEAR}-v1.docx" in response["Content-Disposition"]
        assert response.content[:2] == b"PK"
