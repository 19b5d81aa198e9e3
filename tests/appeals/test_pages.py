"""The appeal pages: the list, filing, one appeal with its history, and the decision forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaohe.appeals.models import Appeal, AppealStatus
from kaohe.appeals.services import do_reject_appeal
from kaohe.appeals.views import filing_url

from .conftest import County, World

pytestmark = pytest.mark.django_db


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


# --- the list ------------------------------------------------------------------------------


def test_the_list_shows_a_reporter_their_own_units_appeals_only(county: County) -> None:
    county.filed("VA01")
    county.filed("VB01", by="reporter_b")

    text = text_of(county.client("reporter_a").get(reverse("appeals:index")))

    assert "甲家村" in text and "乙家村" not in text
    assert "提出申诉" in text


def test_the_list_filters_by_status_and_run(county: County) -> None:
    from kaohe.appeals.services import do_file_appeal

    first = county.filed("VA01")
    do_reject_appeal(county.actor("reviewer"), first.pk, "与台账一致")
    second_run = county.world.publish(county.world.reassess())
    do_file_appeal(county.actor("reporter_b"), second_run, county.units["VB01"], "", "总分有误")
    client = county.client("reviewer")

    rejected = text_of(client.get(reverse("appeals:index"), {"status": "rejected"}))
    of_first_run = text_of(client.get(reverse("appeals:index"), {"run": county.run.pk}))
    of_second_run = text_of(client.get(reverse("appeals:index"), {"run": second_run.pk}))

    assert "甲家村" in rejected and "乙家村" not in rejected
    assert "甲家村" in of_first_run and "乙家村" not in of_first_run
    assert "乙家村" in of_second_run and "甲家村" not in of_second_run


def test_a_reviewer_is_not_offered_to_file(county: County) -> None:
    text = text_of(county.client("reviewer").get(reverse("appeals:index")))

    assert reverse("appeals:new") not in text


# --- filing --------------------------------------------------------------------------------


def test_the_first_step_offers_the_published_runs_and_the_users_units(county: County) -> None:
    text = text_of(county.client("reporter_a").get(reverse("appeals:new")))

    assert f'value="{county.run.pk}"' in text
    assert 'value="VA01"' in text and 'value="VB01"' not in text


def test_only_those_who_enter_a_units_figures_may_open_the_form(county: County) -> None:
    assert county.client("reviewer").get(reverse("appeals:new")).status_code == 403
    url = filing_url(county.run, county.units["VA01"])
    assert county.client("reporter_b").get(url).status_code == 404
    assert county.client("township_admin").get(url).status_code == 200


def test_a_reporter_files_through_the_form(county: County) -> None:
    url = filing_url(county.run, county.units["VA01"], "POLICY")
    client = county.client("reporter_a")

    form = text_of(client.get(url))
    response = client.post(url, {"item_code": "POLICY", "reasons": "政策符合率应为 100%"})

    assert '<option value="POLICY" selected>' in form
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    assert (appeal.unit.code, appeal.item_code, appeal.filed_by_name) == (
        "VA01",
        "POLICY",
        "reporter_a",
    )


def test_empty_reasons_are_shown_on_the_form(county: County) -> None:
    url = filing_url(county.run, county.units["VA01"])

    response = county.client("reporter_a").post(url, {"item_code": "", "reasons": " "})

    assert response.status_code == 200
    assert "reasons: the reasons are required" in text_of(response)
    assert not Appeal.objects.exists()


def test_the_form_says_why_a_draft_cannot_be_appealed(world: World, db: None) -> None:
    url = filing_url(world.draft, world.units["VA01"])

    text = text_of(world.client("reporter_a").get(url))

    assert 'id="refusal"' in text and "only a published run can be appealed" in text
    assert "提交申诉" not in text


# --- one appeal ----------------------------------------------------------------------------


def test_the_unit_sees_the_history_without_the_decision_forms(county: County) -> None:
    appeal = county.filed()
    do_reject_appeal(county.actor("reviewer"), appeal.pk, "与原始台账一致")

    text = text_of(county.client("reporter_a").get(reverse("appeals:detail", args=[appeal.pk])))

    assert "出生人数统计有误" in text and "与原始台账一致" in text
    assert "驳回" in text and "reviewer" in text
    assert reverse("appeals:accept", args=[appeal.pk]) not in text


def test_a_reviewer_gets_the_decision_forms_and_accepts(county: County) -> None:
    appeal = county.filed()
    client = county.client("reviewer")

    text = text_of(client.get(reverse("appeals:detail", args=[appeal.pk])))
    response = client.post(reverse("appeals:accept", args=[appeal.pk]), {"reason": "经核实属实"})

    assert reverse("appeals:accept", args=[appeal.pk]) in text
    assert reverse("appeals:reject", args=[appeal.pk]) in text
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision_reason) == (AppealStatus.ACCEPTED, "经核实属实")


def test_rejecting_without_a_reason_shows_the_refusal(county: County) -> None:
    appeal = county.filed()
    client = county.client("reviewer")

    response = client.post(reverse("appeals:reject", args=[appeal.pk]), {"reason": ""}, follow=True)

    assert "decision_reason" in text_of(response)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.FILED


def test_a_reporter_who_posts_a_decision_is_refused(county: County) -> None:
    appeal = county.filed()

    own = county.client("reporter_a").post(
        reverse("appeals:accept", args=[appeal.pk]), {"reason": "x"}
    )
    other = county.client("reporter_b").post(
        reverse("appeals:accept", args=[appeal.pk]), {"reason": "x"}
    )

    assert (own.status_code, other.status_code) == (403, 404)
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.FILED


def test_a_resolved_appeal_links_the_corrected_run(county: County) -> None:
    from kaohe.appeals.services import resolve_appeals_for

    appeal = county.accepted()
    new_run = county.world.publish(county.world.reassess(), replaces=county.run)
    resolve_appeals_for(new_run)

    text = text_of(county.client("reporter_a").get(reverse("appeals:detail", args=[appeal.pk])))

    assert 'id="resolution"' in text
    assert reverse("web:ranking", args=[new_run.pk]) in text
    assert "已更正并重新发布" in text
