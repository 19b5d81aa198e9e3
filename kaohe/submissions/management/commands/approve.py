"""``kaohe approve ID…``: approve submitted submissions; each id is answered on its own."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.submissions.services import do_approve_many


class Command(BaseCommand):
    help = "审核通过报送 / Approve submissions (each id on its own; recorded in the audit log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="+", type=int, metavar="ID", help="报送编号 / id")

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = do_approve_many(Actor.cli(), options["ids"])
        for outcome in outcomes:
            (self.stdout if outcome.ok else self.stderr).write(outcome.message)
        refused = [o for o in outcomes if not o.ok]
        if refused:
            raise CommandError(
                _("{n} 条未审核通过 / {n} not approved").format(n=len(refused)),
                returncode=1,
            )
