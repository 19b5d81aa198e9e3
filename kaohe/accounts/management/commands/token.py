"""``kaohe token USER``: the API token of a user (made on first use); ``--reset`` replaces it.

Machine clients send it as ``Authorization: Token <key>``; the token reaches exactly what the
user's roles reach. Making and replacing a token are written to the audit log (without the
key).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from kaohe.audit.services import Actor, record

ACTION_CREATE = "token.create"
ACTION_RESET = "token.reset"


def do_issue_token(actor: Actor, user: Any, *, reset: bool = False) -> tuple[Token, bool]:
    """The user's token, made if there is none or replaced when ``reset``; and whether a new
    key was made. Audited."""
    with transaction.atomic():
        existing = Token.objects.select_for_update().filter(user=user).first()
        if existing is not None and not reset:
            return existing, False
        if existing is not None:
            existing.delete()
        token = Token.objects.create(user=user)
        record(
            actor,
            ACTION_RESET if existing is not None else ACTION_CREATE,
            "user",
            user.get_username(),
            after={"token": "…" + token.key[-4:]},
        )
        return token, True


class Command(BaseCommand):
    help = "显示或生成用户的 API 令牌 / Show a user's API token, making it on first use."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="用户名 / user name")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="作废旧令牌并生成新令牌 / revoke the current token and make a new one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: options["user"]}).first()
        if user is None:
            raise CommandError(
                _("未找到用户 {name} / no user named {name}").format(name=options["user"])
            )
        token, made = do_issue_token(Actor.cli(), user, reset=options["reset"])
        if not user.is_active:
            self.stderr.write(
                _(
                    "用户 {name} 已停用，令牌无法使用 / the user is inactive; the token will not work"
                ).format(name=user.get_username())
            )
        if made:
            self.stderr.write(
                _("已为 {name} 生成新令牌 / made a new token for {name}").format(
                    name=user.get_username()
                )
            )
        # The key alone on standard output, so that a script can capture it.
        self.stdout.write(token.key)
