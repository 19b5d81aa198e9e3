"""The review queue and the submission page: what each role sees and which buttons work."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaohe.submissions.models import Status, Submission
from kaohe.submissions.services import do_unlock

from .conftest import County

pytestmark = pytest.mark.django_db


def text_of(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_the_queue_shows_a_reviewer_the_submissions_waiting_in_their_township(
    county: County,
) -> None:
    county.submitted("VA01")
    county.submitted("VZ01")
    county.approved("VB01")

    text = text_of(county.client("reviewer").get(reverse("submissions:queue")))

    assert "甲家村" in text
    assert "乙家村" not in text  # approved: not waiting
    assert "丁家村" not in text  # another township
    assert 'name="ids"' in text and "批量审核通过" in text


def test_the_queue_filters_by_status_and_answers_htmx_with_the_table_only(
    county: County,
) -> None:
    county.submitted("VA01")
    county.approved("VB01")

    response = county.client("reviewer").get(
        reverse("submissions:queue"), {"status": "approved"}, HTTP_HX_REQUEST="true"
    )

    text = text_of(response)
    assert text.lstrip().startswith('<div id="queue">')
    assert "<html" not in text
    assert "乙家村" in text and "甲家村" not in text
    assert 'name="ids"' not in text  # nothing there to approve


def test_a_reporter_sees_their_own_submissions_without_checkboxes(county: County) -> None:
    county.submitted("VA01")
    county.submitted("VB01")

    text = text_of(county.client("reporter_a").get(reverse("submissions:queue")))

    assert "甲家村" in text and "乙家村" not in text
    assert 'name="ids"' not in text


def test_bulk_approval_from_the_queue_approves_the_ticked_submissions(county: County) -> None:
    first, second, third = (county.submitted(u) for u in ("VA01", "VB01", "VZ01"))

    response = county.client("reviewer").post(
        reverse("submissions:approve-many"),
        {"ids": [first.pk, second.pk, third.pk], "status": "submitted"},
        follow=True,
    )

    statuses = dict(Submission.objects.values_list("unit__code", "status"))
    assert statuses == {"VA01": "approved", "VB01": "approved", "VZ01": "submitted"}
    text = text_of(response)
    assert "2 approved" in text
    assert f"submission {third.pk} does not exist or is not yours to review" in text
    assert "丁家村" not in text


def test_bulk_approval_over_htmx_answers_with_the_refreshed_table_and_the_outcomes(
    county: County,
) -> None:
    first = county.submitted("VA01")
    county.approved("VB01")
    done = Submission.objects.get(unit__code="VB01")

    response = county.client("reviewer").post(
        reverse("submissions:approve-many"),
        {"ids": [first.pk, done.pk], "status": "submitted"},
        HTTP_HX_REQUEST="true",
    )

    text = text_of(response)
    assert text.lstrip().startswith('<div id="queue">')
    assert "1 approved" in text and "already approved" in text
    assert "没有符合条件的报送" in text  # nothing waits any more


def test_the_submission_page_shows_changed_figures_beside_the_approved_ones(
    county: County,
) -> None:
    county.set("VA01", "BIRTHS", 3)
    county.set("VA01", "DEATHS", 1)
    submission = county.approved()
    do_unlock(county.actor("township_admin"), submission.pk, "更正出生数")
    county.set("VA01", "BIRTHS", 4, by="reporter_a")

    text = text_of(
        county.client("reviewer").get(reverse("submissions:detail", args=[submission.pk]))
    )

    assert '<tr class="table-warning">' in text
    assert "<del>3</del>" in text
    assert text.count("table-warning") == 1  # DEATHS is unchanged
    assert "更正出生数" in text  # the unlock, in the history


@pytest.mark.parametrize(
    ("status", "user", "buttons"),
    [
        ("submitted", "reviewer", {"approve", "return"}),
        ("submitted", "reporter_a", set()),
        ("submitted", "township_admin", {"approve", "return"}),
        ("approved", "reviewer", set()),
        ("approved", "township_admin", {"unlock"}),
        ("returned", "reporter_a", {"submit"}),
        ("returned", "county_viewer", set()),
    ],
)
def test_the_submission_page_offers_only_the_allowed_buttons(
    county: County, status: str, user: str, buttons: set[str]
) -> None:
    submission = county.submitted()
    Submission.objects.filter(pk=submission.pk).update(status=status)

    text = text_of(county.client(user).get(reverse("submissions:detail", args=[submission.pk])))

    shown = {
        name
        for name, url in (
            ("submit", reverse("submissions:submit")),
            ("approve", reverse("submissions:approve", args=[submission.pk])),
            ("return", reverse("submissions:return", args=[submission.pk])),
            ("unlock", reverse("submissions:unlock", args=[submission.pk])),
        )
        if f'action="{url}"' in text
    }
    assert shown == buttons


def test_a_reporter_submits_from_the_page(county: County) -> None:
    response = county.client("reporter_a").post(
        reverse("submissions:submit"),
        {"dataset": "MONTHLY", "unit": "VA01", "period": county.this_month},
    )

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:detail", args=[submission.pk])
    assert submission.status == Status.SUBMITTED


def test_a_reporter_who_posts_another_units_code_gets_404(county: County) -> None:
    response = county.client("reporter_b").post(
        reverse("submissions:submit"),
        {"dataset": "MONTHLY", "unit": "VA01", "period": county.this_month},
    )

    assert response.status_code == 404
    assert not Submission.objects.exists()


def test_a_reviewer_returns_with_a_reason_and_is_told_when_it_is_missing(county: County) -> None:
    submission = county.submitted()
    client = county.client("reviewer")
    url = reverse("submissions:return", args=[submission.pk])

    refused = client.post(url, {"reason": ""}, follow=True)
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
    assert "a reason for returning it is required" in text_of(refused)

    client.post(url, {"reason": "出生数与台账不符"})
    submission.refresh_from_db()
    assert (submission.status, submission.return_reason) == (Status.RETURNED, "出生数与台账不符")


def test_a_second_approval_from_the_page_says_it_was_already_approved(county: County) -> None:
    submission = county.submitted()
    url = reverse("submissions:approve", args=[submission.pk])
    county.client("reviewer").post(url)

    response = county.client("township_admin").post(url, follow=True)

    assert "already approved by reviewer" in text_of(response)


def test_a_township_administrator_unlocks_from_the_page(county: County) -> None:
    submission = county.approved()

    county.client("township_admin").post(
        reverse("submissions:unlock", args=[submission.pk]), {"reason": "更正"}
    )

    submission.refresh_from_db()
    assert (submission.status, submission.unlock_reason) == (Status.DRAFT, "更正")


def test_a_reporter_who_posts_an_approval_is_refused(county: County) -> None:
    submission = county.submitted()

    response = county.client("reporter_a").post(
        reverse("submissions:approve", args=[submission.pk])
    )

    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED


def test_a_reviewer_of_another_township_gets_404_for_the_page_and_its_buttons(
    county: County,
) -> None:
    submission = county.submitted("VA01")
    client = county.client("other_reviewer")

    assert client.get(reverse("submissions:detail", args=[submission.pk])).status_code == 404
    response = client.post(reverse("submissions:approve", args=[submission.pk]))
    assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.status == Status.SUBMITTED
