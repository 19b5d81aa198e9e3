"""The scheme pages and API actions as the right and the wrong roles; the run form and the run
API with the validity override."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import do_run_assessment
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor
from kaohe.schemes.models import Scheme, SchemeStatus, UnitTarget
from kaohe.schemes.versions import do_new_version, do_publish_scheme

ACTOR = Actor.cli("test")
MANAGE_VILLAGE = {"admin", "superuser"}  # villages of two townships: the county's scheme
MANAGE_DIRECT = {"admin", "superuser", "town_admin"}  # every direct unit is in 甲镇
READERS = {"admin", "superuser", "town_admin", "reviewer", "reporter"}


def client_for(users: dict[str, User], name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(users[name])
    return client


def stored(scheme: Scheme) -> Scheme:
    return Scheme.objects.get(pk=scheme.pk)


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*READERS, "no_role", "anonymous"])
def test_who_reads_the_list_and_a_version(county: dict, users: dict, name: str) -> None:
    client = client_for(users, name)
    scheme = county["VILLAGE"]

    listing = client.get("/schemes/")
    page = client.get(f"/schemes/{scheme.pk}/")

    if name == "anonymous":
        assert (listing.status_code, page.status_code) == (302, 302)
    elif name == "no_role":
        assert listing.status_code == 200 and "村级考核" not in listing.content.decode()
        assert page.status_code == 404
    else:
        assert listing.status_code == 200 and "村级考核" in listing.content.decode()
        assert page.status_code == 200


def test_the_version_page_shows_rules_in_words_vetoes_terms_and_years(
    county: dict, users: dict
) -> None:
    text = client_for(users, "reporter").get(f"/schemes/{county['VILLAGE'].pk}/").content.decode()

    assert "每低于目标1个百分点扣2分，扣完为止" in text
    assert "实际值在目标的85%至100%之间得满分（60分）" in text
    assert "超计划生育" in text and "不合格" in text
    assert "达到一等奖的村奖励一万元。" in text and "村支书" in text
    assert "2006–2010" in text and "按2006年细则" in text
    assert 'action="/schemes/' not in text  # a reporter gets no buttons


def test_the_version_page_shows_the_outcome_rules_and_veto_consequences(
    county: dict, users: dict
) -> None:
    scheme = county["VILLAGE"]
    veto = scheme.vetoes.first()
    veto.consequences = ["一年内不得评先评优"]
    veto.save(update_fields=["consequences"])
    scheme.appeal_days = 7
    scheme.designation_rules = [
        {"code": "W1", "status": "weak", "name": "末位薄弱", "when": {"bottom": 2}}
    ]
    scheme.money_rules = [
        {"code": "R1", "kind": "grade_amount", "name": "等次奖励", "amounts": {"A": 100}}
    ]
    scheme.save(update_fields=["appeal_days", "designation_rules", "money_rules"])

    text = client_for(users, "reporter").get(f"/schemes/{scheme.pk}/").content.decode()

    assert f"{veto.name}：一年内不得评先评优" in text
    assert "末位薄弱" in text and "等次奖励" in text and "grade_amount" in text
    assert '<span class="num">7</span>' in text


def test_the_tracked_scheme_groups_its_items_by_track(county: dict, users: dict) -> None:
    text = client_for(users, "admin").get(f"/schemes/{county['TRACKED'].pk}/").content.decode()

    items = text.split("考核项目</h2>")[1]
    assert items.index("领导班子线") < items.index("L1") < items.index("基础工作线")
    assert items.index("基础工作线") < items.index("B1") < items.index("B2")


def test_the_list_puts_the_latest_version_first(county: dict, users: dict) -> None:
    do_publish_scheme(county["VILLAGE"], ACTOR)
    do_new_version(county["VILLAGE"], ACTOR)

    text = client_for(users, "reviewer").get("/schemes/").content.decode()

    village = text.split(">VILLAGE<")[1]
    assert village.index("v2") < village.index("v1")
    assert "已发布" in text and "草稿" in text


# --- publishing, new versions, editing --------------------------------------------------------


@pytest.mark.parametrize("name", [*READERS, "no_role"])
def test_who_may_publish_a_scheme_shared_by_two_townships(
    county: dict, users: dict, name: str
) -> None:
    scheme = county["VILLAGE"]

    response = client_for(users, name).post(f"/schemes/{scheme.pk}/publish/")

    if name in MANAGE_VILLAGE:
        assert response.status_code == 302
        assert stored(scheme).status == SchemeStatus.PUBLISHED
    else:
        assert response.status_code == (404 if name == "no_role" else 403)
        assert stored(scheme).status == SchemeStatus.DRAFT


@pytest.mark.parametrize("name", [*READERS, "no_role"])
def test_a_township_administrator_manages_a_scheme_only_their_township_uses(
    county: dict, users: dict, name: str
) -> None:
    scheme = county["DIRECT"]
    client = client_for(users, name)

    copied = client.post(f"/schemes/{scheme.pk}/new-version/")
    edit_page = client.get(f"/schemes/{scheme.pk}/edit/")

    made = Scheme.objects.filter(code="DIRECT", version=2).exists()
    if name in MANAGE_DIRECT:
        assert copied.status_code == 302 and made
        assert edit_page.status_code == 200
    else:
        assert copied.status_code in (403, 404) and not made
        assert edit_page.status_code in (403, 404)


def test_publishing_from_the_page_shows_the_problems_of_a_bad_scheme(
    county: dict, users: dict
) -> None:
    scheme = county["VILLAGE"]
    scheme.items.filter(code="PLAN").update(weight=10)

    response = client_for(users, "admin").post(f"/schemes/{scheme.pk}/publish/", follow=True)

    assert "not to the total 100" in response.content.decode()
    assert stored(scheme).status == SchemeStatus.DRAFT


def form_of(scheme: Scheme, **changes: str) -> dict[str, str]:
    """The edit form as the page draws it, with ``changes`` typed in."""
    data = {
        "name": scheme.name,
        "name_en": scheme.name_en,
        "year_from": str(scheme.year_from or ""),
        "year_to": str(scheme.year_to or ""),
        "total": f"{scheme.total:g}",
        "terms": "\n".join(scheme.terms),
        "signatory_roles": '[{"role": "party_secretary", "name": "村支书", "first": true}]',
        "plan_item": scheme.plan_item,
        "validity_note": scheme.validity_note,
        "veto_grade": scheme.veto_grade,
    }
    for index, item in enumerate(scheme.items.order_by("sort_order", "code")):
        prefix = f"item-{index}-"
        data[prefix + "code"] = item.code
        data[prefix + "weight"] = f"{item.weight:g}"
        data[prefix + "target"] = "" if item.target is None else f"{item.target:g}"
        data[prefix + "rule_type"] = item.rule_type
        data[prefix + "params"] = json.dumps(item.params)
        data[prefix + "description"] = item.description
    data.update(changes)
    return data


def test_the_edit_form_saves_a_draft(county: dict, users: dict) -> None:
    scheme = county["VILLAGE"]
    data = form_of(scheme, **{"item-0-weight": "55", "item-1-weight": "45", "year_to": "2012"})
    data["terms"] = "第一条\n第二条\n"

    response = client_for(users, "admin").post(f"/schemes/{scheme.pk}/edit/", data)

    assert response.status_code == 302
    fresh = stored(scheme)
    assert dict(fresh.items.values_list("code", "weight")) == {"PLAN": 55, "POLICY": 45, "EXTRA": 0}
    assert fresh.year_to == 2012 and fresh.terms == ["第一条", "第二条"]
    assert fresh.signatory_roles == [{"role": "party_secretary", "name": "村支书", "first": True}]
    assert AuditEntry.objects.get(action="scheme.edit").channel == "web"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"item-0-weight": "55"}, "add up to 95"),
        ({"item-1-params": '{"points": "two"}'}, "expected a number"),
        ({"item-1-params": "{points: 2"}, "not valid JSON"),
        ({"total": "a hundred"}, "expected a number"),
    ],
)
def test_the_edit_form_shows_the_refusal_and_keeps_what_was_typed(
    county: dict, users: dict, changes: dict, words: str
) -> None:
    scheme = county["VILLAGE"]
    before = list(scheme.items.values_list("code", "weight", "params"))

    response = client_for(users, "admin").post(
        f"/schemes/{scheme.pk}/edit/", form_of(scheme, **changes)
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert words in text
    typed = next(iter(changes.values()))
    assert typed.replace('"', "&quot;") in text
    assert list(scheme.items.values_list("code", "weight", "params")) == before


def test_a_used_draft_saves_its_terms_from_the_whole_form(county: dict, users: dict) -> None:
    scheme = county["VILLAGE"]
    scheme.items.filter(code="PLAN").update(description="出生数在计划内\n第二行\n")
    do_run_assessment(scheme, 2006, actor=ACTOR)
    data = form_of(stored(scheme))
    data["item-0-description"] = "出生数在计划内\r\n第二行"  # as a browser sends a textarea
    data["terms"] = "只改条款。"

    response = client_for(users, "admin").post(f"/schemes/{scheme.pk}/edit/", data)

    assert response.status_code == 302
    assert stored(scheme).terms == ["只改条款。"]
    data["item-0-weight"] = "55"
    data["item-1-weight"] = "45"
    refused = client_for(users, "admin").post(f"/schemes/{scheme.pk}/edit/", data)
    assert refused.status_code == 400 and "used by an assessment run" in refused.content.decode()


def test_a_published_version_cannot_be_edited_from_the_page(county: dict, users: dict) -> None:
    scheme = do_publish_scheme(county["VILLAGE"], ACTOR)
    client = client_for(users, "admin")

    shown = client.get(f"/schemes/{scheme.pk}/edit/", follow=True)
    posted = client.post(
        f"/schemes/{scheme.pk}/edit/",
        form_of(scheme, **{"item-0-weight": "55", "item-1-weight": "45"}),
        follow=True,
    )

    for response in (shown, posted):
        assert "make a new version" in response.content.decode()
    assert dict(stored(scheme).items.values_list("code", "weight"))["PLAN"] == 60


def test_the_diff_page_lists_the_changed_values(county: dict, users: dict) -> None:
    first = county["VILLAGE"]
    second = do_new_version(first, ACTOR)
    second.items.filter(code="PLAN").update(weight=65)

    text = (
        client_for(users, "reporter").get(f"/schemes/{first.pk}/diff/{second.pk}/").content.decode()
    )

    row = text.split("PLAN")[1].split("</tr>")[0]
    assert "weight" in row and "<td>60</td>" in row and "<td>65</td>" in row


def test_the_diff_shows_only_the_targets_of_units_the_reader_sees(
    county: dict, users: dict
) -> None:
    first = county["VILLAGE"]
    second = do_new_version(first, ACTOR)
    UnitTarget.objects.filter(item__scheme=second, unit__code="V02").update(value=30)
    url = f"/schemes/{first.pk}/diff/{second.pk}/"

    assert "PLAN/V02/2006" in client_for(users, "admin").get(url).content.decode()
    assert "V02" not in client_for(users, "reporter").get(url).content.decode()
    rows = client_for(users, "reporter").get(f"/api/schemes/{first.pk}/diff/{second.pk}/").json()
    assert rows == []


# --- the API ----------------------------------------------------------------------------------


def api_post(client: Client, url: str, body: object | None = None) -> object:
    return client.post(url, body or {}, content_type="application/json")


def test_the_api_shows_the_status_and_the_new_fields(county: dict, users: dict) -> None:
    data = client_for(users, "reporter").get(f"/api/schemes/{county['VILLAGE'].pk}/").json()

    assert data["status"] == "draft" and data["published_at"] is None
    assert data["terms"][0] == "达到一等奖的村奖励一万元。"
    assert data["validity_note"] == "按2006年细则"


def test_the_api_publishes_copies_edits_and_compares(county: dict, users: dict) -> None:
    client = client_for(users, "admin")
    pk = county["VILLAGE"].pk

    published = api_post(client, f"/api/schemes/{pk}/publish/", {"note": "会议通过"})
    again = api_post(client, f"/api/schemes/{pk}/publish/")
    refused_edit = api_post(client, f"/api/schemes/{pk}/edit/", {"total": 100})
    copied = api_post(client, f"/api/schemes/{pk}/new-version/")
    new_pk = copied.json()["id"]  # type: ignore[attr-defined]
    bad = api_post(client, f"/api/schemes/{new_pk}/edit/", {"items": {"PLAN": {"weight": 1}}})
    good = api_post(
        client,
        f"/api/schemes/{new_pk}/edit/",
        {"items": {"PLAN": {"weight": 50}, "POLICY": {"weight": 50}}},
    )
    diff = client.get(f"/api/schemes/{pk}/diff/{new_pk}/").json()

    assert published.status_code == 200 and published.json()["status"] == "published"  # type: ignore[attr-defined]
    assert again.status_code == 400 and again.json()["field"] == "status"  # type: ignore[attr-defined]
    assert refused_edit.status_code == 400  # type: ignore[attr-defined]
    assert "make a new version" in refused_edit.json()["detail"]  # type: ignore[attr-defined]
    assert copied.status_code == 201 and copied.json()["version"] == 2  # type: ignore[attr-defined]
    assert bad.status_code == 400 and bad.json()["field"] == "items"  # type: ignore[attr-defined]
    assert good.status_code == 200  # type: ignore[attr-defined]
    assert {(r["code"], r["field"], r["a"], r["b"]) for r in diff} == {
        ("PLAN", "weight", 60.0, 50.0),
        ("POLICY", "weight", 40.0, 50.0),
    }
    assert AuditEntry.objects.filter(action__startswith="scheme.", channel="api").count() == 3


@pytest.mark.parametrize("name", [*READERS, "no_role", "anonymous"])
def test_who_may_use_the_api_actions(county: dict, users: dict, name: str) -> None:
    client = client_for(users, name)
    pk = county["VILLAGE"].pk

    answers = [
        api_post(client, f"/api/schemes/{pk}/publish/").status_code,  # type: ignore[attr-defined]
        api_post(client, f"/api/schemes/{pk}/new-version/").status_code,  # type: ignore[attr-defined]
        api_post(client, f"/api/schemes/{pk}/edit/", {"terms": []}).status_code,  # type: ignore[attr-defined]
    ]

    if name in MANAGE_VILLAGE:
        assert answers == [200, 201, 400]  # v1 is published by then: its edit is refused
    elif name in READERS:
        assert answers == [403, 403, 403]
    elif name == "no_role":
        assert answers == [404, 404, 404]
    else:
        assert answers == [403, 403, 403]
    assert Scheme.objects.filter(code="VILLAGE").count() == (2 if name in MANAGE_VILLAGE else 1)


# --- the run form and the run API: the validity years -----------------------------------------


def test_the_run_form_asks_for_a_reason_outside_the_years_then_runs(
    county: dict, users: dict
) -> None:
    client = client_for(users, "admin")
    url = f"/schemes/{county['VILLAGE'].pk}/run/"

    refused = client.post(url, {"year": "2012", "root": ""})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "2006–2010" in text and 'name="override_validity"' in text
    assert not AssessmentRun.objects.exists()

    done = client.post(url, {"year": "2012", "root": "", "override_validity": "补算"})
    run = AssessmentRun.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/results/{run.pk}/"
    assert run.validity_override == "补算" and run.warnings


def test_the_run_form_does_not_ask_for_a_reason_inside_the_years(county: dict, users: dict) -> None:
    client = client_for(users, "town_admin")
    page = client.get(f"/schemes/{county['VILLAGE'].pk}/").content.decode()
    assert 'name="year"' in page and 'name="override_validity"' not in page

    done = client.post(f"/schemes/{county['VILLAGE'].pk}/run/", {"year": "2006", "root": "T01"})

    run = AssessmentRun.objects.get()
    assert done.status_code == 302 and run.root.code == "T01" and run.warnings == []


def test_the_run_form_refuses_who_may_not_run(county: dict, users: dict) -> None:
    url = f"/schemes/{county['VILLAGE'].pk}/run/"
    assert client_for(users, "reviewer").post(url, {"year": "2006"}).status_code == 403
    assert (
        client_for(users, "town_admin").post(url, {"year": "2006", "root": "T02"}).status_code
        == 403
    )
    assert not AssessmentRun.objects.exists()


def test_the_run_api_refuses_outside_the_years_without_a_reason(county: dict, users: dict) -> None:
    client = client_for(users, "admin")

    refused = api_post(client, "/api/runs/", {"scheme": "VILLAGE", "year": 2012})
    accepted = api_post(
        client, "/api/runs/", {"scheme": "VILLAGE", "year": 2012, "override_validity": "补算"}
    )

    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert refused.json()["field"] == "override_validity"  # type: ignore[attr-defined]
    assert "2006–2010" in refused.json()["detail"]  # type: ignore[attr-defined]
    assert accepted.status_code == 201  # type: ignore[attr-defined]
    assert AssessmentRun.objects.get().validity_override == "补算"
