"""``kaohe revoke USER ROLE UNIT_CODE``: take a role over a unit away from a user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.accounts.services import RoleError, do_revoke_role
from kaohe.audit.services import Actor

from ._roles import add_role_arguments, find_user_and_unit


class Command(BaseCommand):
    help = "撤销角色 / Take a role over a unit away from a user (recorded in the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_role_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user, unit = find_user_and_unit(options)
        try:
            removed = do_revoke_role(Actor.cli(), user, options["role"], unit)
        except RoleError as error:
            raise CommandError(str(error)) from error
        if not removed:
            raise CommandError(
                _("{user} 没有该角色：{role} @ {unit} / the user does not hold that role").format(
                    user=user.get_username(), role=options["role"], unit=unit.code
                )
            )
        self.stdout.write(
            _("已撤销 {user}：{role} @ {unit} / revoked").format(
                user=user.get_username(), role=options["role"], unit=unit.code
            )
        )
