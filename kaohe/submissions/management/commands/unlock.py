"""``kaohe unlock ID --reason TEXT``: unlock a submission's figures so they can be corrected."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.submissions.services import SubmissionError, do_unlock


class Command(BaseCommand):
    help = "解锁报送的数据 / Unlock a submission's figures, with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, metavar="ID", help="报送编号 / id")
        parser.add_argument("--reason", required=True, help="解锁原因 / why")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            do_unlock(Actor.cli(), options["id"], options["reason"])
        except SubmissionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("报送 {id} 已解锁 / submission {id} unlocked").format(id=options["id"]))
