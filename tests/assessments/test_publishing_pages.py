"""Publishing through the pages, the API and the command (the service itself:
test_publishing.py). The world of tests/access, as described there."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.assessments.publishing import ACTION_PUBLISH, do_publish_run
from kaohe.audit.models import AuditEntry, Channel
from tests.access.conftest import World, world  # noqa: F401  (a fixture, used by name)

from .test_publishing import ACTOR, MONTHS, REASON, approve, fresh, t02_run

pytestmark = pytest.mark.django_db


# --- pages ---------------------------------------------------------------------------------


def client_for(world: World, role: str) -> Client:  # noqa: F811
    client = Client()
    client.force_login(world.users[role])
    return client


def test_the_ranking_page_loads_the_publish_form_for_those_who_may_publish(
    world: World,  # noqa: F811
) -> None:
    url = f"/results/{world.run_t02.pk}/"
    form = f'hx-get="/results/{world.run_t02.pk}/publish/"'

    assert form in client_for(world, "other_township_admin").get(url).content.decode()
    assert form not in client_for(world, "county_viewer").get(url).content.decode()


def test_the_publish_form_lists_the_unapproved_reports(world: World) -> None:  # noqa: F811
    response = client_for(world, "other_township_admin").get(
        f"/results/{world.run_t02.pk}/publish/", HTTP_HX_REQUEST="true"
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert text.startswith("<section")  # a fragment, for the ranking page
    assert [f'data-report="MONTHLY/VZ01/{m}"' in text for m in MONTHS] == [True] * 3
    assert 'name="confirm_unapproved"' in text and 'name="exception_reason"' in text


def test_publishing_without_confirmation_shows_the_refusal_beside_the_form(
    world: World,  # noqa: F811
) -> None:
    response = client_for(world, "other_township_admin").post(
        f"/results/{world.run_t02.pk}/publish/", {"exception_reason": REASON}
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert 'id="publish-error"' in text and 'aria-invalid="true"' in text
    assert REASON in text  # the reason typed is kept
    assert fresh(world.run_t02).status == RunStatus.DRAFT


def test_publishing_with_confirmation_goes_back_to_the_ranking(world: World) -> None:  # noqa: F811
    client = client_for(world, "other_township_admin")

    response = client.post(
        f"/results/{world.run_t02.pk}/publish/",
        {"confirm_unapproved": "1", "exception_reason": REASON},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/results/{world.run_t02.pk}/"
    stored = fresh(world.run_t02)
    assert (stored.status, stored.published_by) == (RunStatus.PUBLISHED, "other_township_admin")
    text = client.get(f"/results/{stored.pk}/").content.decode()
    assert 'id="published-line"' in text and "other_township_admin" in text
    assert 'id="publication-exception"' in text and REASON in text


def test_publishing_through_htmx_redirects_the_page(world: World) -> None:  # noqa: F811
    response = client_for(world, "other_township_admin").post(
        f"/results/{world.run_t02.pk}/publish/",
        {"confirm_unapproved": "on", "exception_reason": REASON},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/results/{world.run_t02.pk}/"


@pytest.mark.parametrize(
    ("role", "run", "status"),
    [
        ("township_admin", "run_t02", 404),  # not theirs to see
        ("township_admin", "run_all", 403),  # theirs to see, the county's to publish
        ("reviewer", "run_all", 403),
        ("county_viewer", "run_t02", 403),
        ("system_admin", "run_all", 302),
    ],
)
def test_who_may_post_the_publish_form(world: World, role: str, run: str, status: int) -> None:  # noqa: F811
    target = getattr(world, run)

    response = client_for(world, role).post(
        f"/results/{target.pk}/publish/",
        {"confirm_unapproved": "1", "exception_reason": REASON},
    )

    assert response.status_code == status
    published = status == 302
    assert (fresh(target).status == RunStatus.PUBLISHED) is published


def test_a_superseded_run_links_to_the_newest_published_run(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    second = t02_run(world)
    do_publish_run(second, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    client = client_for(world, "other_township_admin")

    ranking = client.get(f"/results/{world.run_t02.pk}/").content.decode()
    unit = client.get(f"/results/{world.run_t02.pk}/VZ01/").content.decode()

    assert 'id="superseded-line"' in ranking
    assert f'href="/results/{second.pk}/" id="newest-published"' in ranking
    assert f'href="/results/compare/{world.run_t02.pk}/{second.pk}/"' in ranking
    assert f'href="/results/{second.pk}/VZ01/" id="newest-published"' in unit
    assert (
        f'href="/results/{world.run_t02.pk}/">#{world.run_t02.pk}'
        in client.get(f"/results/{second.pk}/").content.decode()
    )  # the new one names what it replaced


def test_the_home_page_marks_the_published_run_beside_a_newer_draft(world: World) -> None:  # noqa: F811
    do_publish_run(world.run_t02, ACTOR, confirm_unapproved=True, exception_reason=REASON)
    draft = t02_run(world)

    text = client_for(world, "other_township_admin").get("/").content.decode()

    assert f'data-run="{draft.pk}" data-status="draft"' in text
    assert f'data-run="{world.run_t02.pk}" data-status="published"' in text


# --- the API -------------------------------------------------------------------------------


def publish_api(world: World, role: str, run: AssessmentRun, **body: Any) -> Any:  # noqa: F811
    return client_for(world, role).post(
        f"/api/runs/{run.pk}/publish/", body, content_type="application/json"
    )


def test_the_api_refuses_unapproved_data_with_the_list(world: World) -> None:  # noqa: F811
    response = publish_api(world, "other_township_admin", world.run_t02)

    assert response.status_code == 400
    data = response.json()
    assert data["field"] == "confirm_unapproved" and "/" in data["detail"]
    assert [r["period"] for r in data["unapproved"]] == list(MONTHS)


def test_the_api_publishes_with_a_confirmation_and_reason(world: World) -> None:  # noqa: F811
    response = publish_api(
        world,
        "other_township_admin",
        world.run_t02,
        confirm_unapproved=True,
        exception_reason=REASON,
    )

    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["published_by"]) == ("published", "other_township_admin")
    assert data["publication_exception"] == REASON and len(data["unapproved_at_publication"]) == 3
    assert AuditEntry.objects.get(action=ACTION_PUBLISH).channel == Channel.API


@pytest.mark.parametrize(
    ("role", "run", "status"),
    [
        ("township_admin", "run_t02", 404),
        ("township_admin", "run_all", 403),
        ("reporter_a", "run_all", 403),
        ("system_admin", "run_all", 200),
    ],
)
def test_who_may_publish_through_the_api(world: World, role: str, run: str, status: int) -> None:  # noqa: F811
    response = publish_api(
        world, role, getattr(world, run), confirm_unapproved=True, exception_reason=REASON
    )

    assert response.status_code == status


def test_the_api_refuses_a_replaced_run_that_does_not_exist(world: World) -> None:  # noqa: F811
    response = publish_api(
        world,
        "system_admin",
        world.run_t02,
        confirm_unapproved=True,
        exception_reason=REASON,
        replaces=999_999,
    )

    assert response.status_code == 400 and response.json()["field"] == "replaces"
    assert fresh(world.run_t02).status == RunStatus.DRAFT


def test_the_publish_endpoint_is_in_the_openapi_schema(world: World) -> None:  # noqa: F811
    text = client_for(world, "system_admin").get("/api/schema/").content.decode()

    assert "/api/runs/{id}/publish/" in text and "/api/runs/{id}/compare/{other}/" in text
    assert "exception_reason" in text and "confirm_unapproved" in text


# --- the command ---------------------------------------------------------------------------


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("runs", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_refuses_unapproved_data_and_lists_it(world: World) -> None:  # noqa: F811
    out = io.StringIO()

    with pytest.raises(CommandError, match="confirm_unapproved"):
        call_command("runs", "publish", str(world.run_t02.pk), stdout=out)

    assert out.getvalue().splitlines() == [f"MONTHLY\tVZ01\t{m}\tdraft" for m in MONTHS]
    assert fresh(world.run_t02).status == RunStatus.DRAFT


def test_the_command_publishes_and_lists(world: World) -> None:  # noqa: F811
    run_command("publish", str(world.run_t02.pk), "--confirm-unapproved", "--reason", REASON)
    second = t02_run(world)

    text = run_command("publish", str(second.pk), "--confirm-unapproved", "--reason", REASON)

    assert f"#{second.pk}" in text and f"#{world.run_t02.pk}" in text
    rows = [line.split("\t") for line in run_command("list", "--year", "2006").splitlines()]
    statuses = {row[0]: (row[5], row[9]) for row in rows[1:]}
    assert statuses[str(second.pk)] == ("published", str(world.run_t02.pk))
    assert statuses[str(world.run_t02.pk)] == ("superseded", "")
    assert statuses[str(world.run_all.pk)] == ("draft", "")
    assert len(run_command("list", "--status", "published").splitlines()) == 2


def test_the_command_lists_the_unapproved_reports(world: World) -> None:  # noqa: F811
    approve("VZ01", "200607")

    lines = run_command("unapproved", str(world.run_t02.pk)).splitlines()

    assert lines == [f"MONTHLY\tVZ01\t{m}\tdraft" for m in ("200603", "200611")]
