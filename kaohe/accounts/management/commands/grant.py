"""``kaohe grant USER ROLE UNIT_CODE``: give a user a role over a unit and everything under it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.accounts.services import RoleError, do_grant_role
from kaohe.audit.services import Actor

from ._roles import add_role_arguments, find_user_and_unit


class Command(BaseCommand):
    help = "授予角色 / Give a user a role over a unit and its subtree (recorded in the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_role_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user, unit = find_user_and_unit(options)
        try:
            do_grant_role(Actor.cli(), user, options["role"], unit)
        except RoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("已授予 {user}：{role} @ {unit} / granted").format(
                user=user.get_username(), role=options["role"], unit=unit.code
            )
        )
