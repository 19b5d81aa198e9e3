"""``kaohe token USER``: show a user's API token, making it on first use; ``--reset`` replaces it."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from kaohe.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_first_call_makes_a_token_and_later_calls_show_the_same_one() -> None:
    user = User.objects.create_user("collector")

    first, said = token("collector")
    again, said_again = token("collector")

    assert first == again == Token.objects.get(user=user).key and len(first) == 40
    assert "new token" in said and said_again == ""


def test_reset_replaces_the_token_and_the_old_one_stops_working() -> None:
    User.objects.create_user("collector")
    old, _ = token("collector")

    new, said = token("collector", "--reset")

    assert new != old and "new token" in said
    assert not Token.objects.filter(key=old).exists()


def test_making_and_replacing_a_token_are_audited_without_the_key() -> None:
    User.objects.create_user("collector")
    first, _ = token("collector")
    token("collector")
    second, _ = token("collector", "--reset")

    entries = list(AuditEntry.objects.filter(object_type="user", object_key="collector"))
    assert sorted(e.action for e in entries) == ["token.create", "token.reset"]
    text = repr([(e.before, e.after) for e in entries])
    assert first not in text and second not in text


def test_an_unknown_user_is_an_error() -> None:
    with pytest.raises(CommandError, match="no user named ghost"):
        token("ghost")


def test_an_inactive_user_is_warned_that_the_token_will_not_work() -> None:
    User.objects.create_user("retired", is_active=False)

    _, said = token("retired")

    assert "inactive" in said
