"""What ``kaohe grant`` and ``kaohe revoke`` share: their arguments and how they find things."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role
from kaohe.orgunits.models import OrgUnit


def add_role_arguments(parser: CommandParser) -> None:
    parser.add_argument("user", help=_("用户名 / user name"))
    parser.add_argument("role", choices=Role.values, help=_("角色 / role"))
    parser.add_argument("unit", help=_("单位代码：角色覆盖此单位及其下级 / unit code"))


def find_user_and_unit(options: dict[str, Any]) -> tuple[Any, OrgUnit]:
    model = get_user_model()
    user = model._default_manager.filter(**{model.USERNAME_FIELD: options["user"]}).first()
    if user is None:
        raise CommandError(
            _("未找到用户 {name} / no user named {name}").format(name=options["user"])
        )
    unit = OrgUnit.objects.filter(code=options["unit"]).first()
    if unit is None:
        raise CommandError(
            _("未找到单位 {code} / no unit with code {code}").format(code=options["unit"])
        )
    return user, unit
