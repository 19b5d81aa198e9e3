"""The remediation pages: the designated units by year with the overdue plans on top, making a
plan, one plan with its progress and acceptance, and who may do what there."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kaohe.remediation.models import Designation, ProgressEntry, RemediationPlan
from kaohe.remediation.services import do_create_plan, do_designate

from .conftest import ACTOR, DEADLINE, County

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def designated(county: County) -> County:
    do_designate(county.runs[2005], ACTOR)
    do_designate(county.runs[2006], ACTOR)
    return county


def designation(unit: str, year: int = 2006) -> Designation:
    return Designation.objects.get(unit__code=unit, year=year)


def a_plan(county: County, unit: str = "V4", deadline: datetime.date = DEADLINE) -> RemediationPlan:
    return do_create_plan(
        designation(unit),
        leader=county.official("T_HEAD"),
        staff=[county.official("T_CADRE")],
        responsibilities="驻村整改",
        deadline=deadline,
        rewards_penalties="转化奖励 1000 元",
        shares_outcome=True,
        actor=ACTOR,
    )


def test_the_index_lists_designations_by_year_with_badges(designated: County, users) -> None:
    text = client_for(users["admin"]).get("/remediation/").content.decode()
    assert text.index("2006 年度") < text.index("2005 年度")
    assert "2006年度总分 55.00，等次 不合格，列为薄弱村；连续两年薄弱" in text
    assert "text-bg-danger" in text and "严管" in text
    assert "未制定方案" in text
    assert f"/remediation/designations/{designation('V4').pk}/plan/" in text


def test_the_index_filters_by_year_and_status(designated: County, users) -> None:
    client = client_for(users["admin"])
    text = client.get("/remediation/", {"year": 2005}).content.decode()
    assert "2005 年度" in text and "2006 年度" not in text
    text = client.get("/remediation/", {"status": "strict"}).content.decode()
    assert "三村" in text and "五村" in text and "四村" not in text


def test_overdue_plans_are_highlighted_on_the_index(designated: County, users) -> None:
    late = a_plan(designated, "V4", deadline=datetime.date(2007, 1, 31))
    a_plan(designated, "V3", deadline=datetime.date.today() + datetime.timedelta(days=30))
    text = client_for(users["admin"]).get("/remediation/").content.decode()
    assert "1 个帮促方案已超过完成时限" in text
    overdue_box = text[text.index("alert-danger") : text.index("</section>")]
    assert "四村" in overdue_box and "三村" not in overdue_box
    assert f'href="/remediation/plans/{late.pk}/"' in overdue_box
    assert 'class="table-danger"' in text


def test_a_reporter_sees_only_their_own_village(designated: County, users) -> None:
    text = client_for(users["reporter_v3"]).get("/remediation/").content.decode()
    assert "三村" in text and "四村" not in text and "五村" not in text
    assert "/plan/" not in text  # reads, does not manage
    assert "认定</button>" not in text


def test_a_township_administrator_designates_from_the_page(county: County, users) -> None:
    client = client_for(users["admin"])
    page = client.get("/remediation/").content.decode()
    assert f'value="{county.runs[2006].pk}"' in page
    response = client.post("/remediation/designate/", {"run": county.runs[2005].pk})
    assert response.status_code == 302
    assert Designation.objects.filter(year=2005).count() == 1
    # Another township's administrator cannot pick this township's run.
    other = client_for(users["other_admin"])
    assert other.post("/remediation/designate/", {"run": county.runs[2006].pk}).status_code == 404
    assert not Designation.objects.filter(year=2006).exists()


def test_the_plan_form_makes_a_plan_with_the_five_fixes(designated: County, users) -> None:
    client = client_for(users["admin"])
    url = f"/remediation/designations/{designation('V4').pk}/plan/"
    page = client.get(url).content.decode()
    assert "包村干部乙" in page and "四村支书" in page and "邻村支书" not in page
    response = client.post(
        url,
        {
            "leader": "T_HEAD",
            "staff": ["T_CADRE", "V4_SEC"],
            "responsibilities": "整改报表",
            "deadline": "2007-12-31",
            "rewards_penalties": "转化奖励",
            "shares_outcome": "on",
        },
    )
    plan = RemediationPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/remediation/plans/{plan.pk}/"
    assert plan.shares_outcome and plan.leader.code == "T_HEAD"


def test_the_plan_form_shows_the_services_refusal_on_its_field(designated: County, users) -> None:
    client = client_for(users["admin"])
    url = f"/remediation/designations/{designation('V4').pk}/plan/"
    response = client.post(
        url,
        {
            "leader": "T_HEAD",
            "staff": ["T_CADRE"],
            "responsibilities": "整改",
            "deadline": "2006-06-30",
            "rewards_penalties": "奖惩",
        },
    )
    assert response.status_code == 400
    assert "须晚于考核年度结束日 2006-12-31" in response.content.decode()
    assert not RemediationPlan.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("reporter_v1", 404)])
def test_who_may_not_open_the_plan_form(designated: County, users, who: str, status: int) -> None:
    url = f"/remediation/designations/{designation('V4').pk}/plan/"
    assert client_for(users[who]).get(url).status_code == status


def test_the_plan_page_shows_the_five_fixes_and_takes_progress(designated: County, users) -> None:
    plan = a_plan(designated)
    client = client_for(users["admin"])
    page = client.get(f"/remediation/plans/{plan.pk}/").content.decode()
    for text in ("镇长甲", "包村干部乙", "驻村整改", "2007-12-31", "转化奖励 1000 元", "同奖同罚"):
        assert text in page
    response = client.post(
        f"/remediation/plans/{plan.pk}/progress/", {"date": "2007-04-01", "text": "召开整改会"}
    )
    assert response.status_code == 302
    assert "召开整改会" in client.get(f"/remediation/plans/{plan.pk}/").content.decode()
    bad = client.post(f"/remediation/plans/{plan.pk}/progress/", {"date": "2007-04-02", "text": ""})
    assert bad.status_code == 400
    assert ProgressEntry.objects.count() == 1


def test_the_acceptance_form_records_the_outcome(designated: County, users) -> None:
    plan = a_plan(designated)
    client = client_for(users["admin"])
    refused = client.post(
        f"/remediation/plans/{plan.pk}/accept/",
        {"date": "2007-12-31", "outcome": "continued", "findings": "仍需整改"},
    )
    assert refused.status_code == 400
    assert "继续整改须定新的完成时限" in refused.content.decode()
    response = client.post(
        f"/remediation/plans/{plan.pk}/accept/",
        {"date": "2007-12-31", "outcome": "escalated", "findings": "未转化"},
    )
    assert response.status_code == 302
    page = client.get(f"/remediation/plans/{plan.pk}/").content.decode()
    assert "已升级严管" in page and "2007 年度列为严管" in page
    assert "记录验收结论</button>" not in page  # closed: no more forms


def test_readers_see_the_plan_without_forms(designated: County, users) -> None:
    plan = a_plan(designated)
    page = client_for(users["reviewer"]).get(f"/remediation/plans/{plan.pk}/")
    assert page.status_code == 200
    assert "记录进展</button>" not in page.content.decode()
    for url in (f"/remediation/plans/{plan.pk}/progress/", f"/remediation/plans/{plan.pk}/accept/"):
        assert client_for(users["reviewer"]).post(url, {}).status_code == 403
        assert client_for(users["reporter_v1"]).post(url, {}).status_code == 404
    assert client_for(users["reporter_v1"]).get(f"/remediation/plans/{plan.pk}/").status_code == 404


def test_the_page_speaks_english(designated: County, users) -> None:
    client = client_for(users["admin"])
    client.cookies["django_language"] = "en"
    text = client.get("/remediation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2006 total 55.00, grade Fail: designated weak village" in text


def test_the_index_reads_the_same_number_of_queries_for_more_rows(county: County, users) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(users["admin"])
    do_designate(county.runs[2005], ACTOR)
    client.get("/remediation/")  # the session and scope, once
    with CaptureQueriesContext(connection) as few:
        client.get("/remediation/")
    do_designate(county.runs[2006], ACTOR)
    a_plan(county, "V4", deadline=datetime.date(2007, 1, 31))
    a_plan(county, "V5", deadline=datetime.date(2007, 1, 31))
    with CaptureQueriesContext(connection) as many:
        text = client.get("/remediation/").content.decode()
    assert "2 个帮促方案已超过完成时限" in text
    assert len(many.captured_queries) == len(few.captured_queries)
