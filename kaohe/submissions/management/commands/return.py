"""``kaohe return ID --reason TEXT``: return a submitted submission to its unit."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.submissions.services import SubmissionError, do_return


class Command(BaseCommand):
    help = "退回报送 / Return a submission to its unit with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, metavar="ID", help="报送编号 / id")
        parser.add_argument("--reason", required=True, help="退回原因 / why")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            do_return(Actor.cli(), options["id"], options["reason"])
        except SubmissionError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("报送 {id} 已退回 / submission {id} returned").format(id=options["id"]))
