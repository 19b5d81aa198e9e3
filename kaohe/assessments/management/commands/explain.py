"""``kaohe explain --scheme CODE --year YYYY --unit CODE``: every point of one unit, in words."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.assessments import presenting
from kaohe.assessments.management.commands.assess import add_scope_arguments, resolve_scope
from kaohe.assessments.services import AssessmentError, compute, prepare_assessment
from kaohe.engine.assess import SchemeError


class Command(BaseCommand):
    help = "逐项说明一个单位的得分 / Explain one unit's score item by item."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument("--unit", required=True, help="单位代码 / unit code")
        parser.add_argument("--lang", choices=["zh", "en", "both"], default="both")

    def handle(self, *args: Any, **options: Any) -> None:
        scheme, root = resolve_scope(options)
        try:
            prepared = prepare_assessment(scheme, options["year"], root)
        except (SchemeError, AssessmentError) as error:
            raise CommandError(str(error)) from error
        unit = options["unit"]
        if unit not in prepared.inputs.units:
            raise CommandError(
                f"单位 {unit} 不在方案 {scheme.code} {options['year']} 年的考核范围内 / "
                f"unit {unit} is not assessed by scheme {scheme.code} in {options['year']}"
            )
        result = compute(prepared)
        self.stdout.write(
            presenting.render_explanation(prepared, result, unit, options["lang"]), ending=""
        )
