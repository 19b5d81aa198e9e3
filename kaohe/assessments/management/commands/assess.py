"""``kaohe assess --scheme CODE --year YYYY``: assess every unit, store the run, print it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaohe.assessments import presenting
from kaohe.assessments.services import (
    AssessmentError,
    compute,
    do_run_assessment,
    find_scheme,
    prepare_assessment,
)
from kaohe.audit.services import Actor
from kaohe.engine.assess import SchemeError
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.validity import ValidityError, check_validity

RENDERERS = {
    "table": presenting.render_text,
    "json": presenting.render_json,
    "csv": presenting.render_csv,
}


def add_scope_arguments(parser: CommandParser) -> None:
    parser.add_argument("--scheme", required=True, help="方案代码 / scheme code")
    parser.add_argument("--scheme-version", type=int, help="方案版本（默认最新）/ scheme version")
    parser.add_argument("--year", type=int, required=True, help="考核年度 / year")
    parser.add_argument("--root", help="只考核此单位下的单位 / only units under this unit code")


def resolve_scope(options: dict[str, Any]) -> tuple[Any, OrgUnit | None]:
    try:
        scheme = find_scheme(options["scheme"], options.get("scheme_version"))
    except AssessmentError as error:
        raise CommandError(str(error)) from error
    root = None
    if options.get("root"):
        root = OrgUnit.objects.filter(code=options["root"]).first()
        if root is None:
            raise CommandError(
                f"未找到单位 {options['root']} / no unit with code {options['root']}"
            )
    return scheme, root


class Command(BaseCommand):
    help = "计算考核结果并保存 / Assess every unit of a scheme for a year and store the run."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument("--format", choices=sorted(RENDERERS), default="table")
        parser.add_argument("--output", help="写入文件 / write to this file")
        parser.add_argument(
            "--no-save", action="store_true", help="只计算不保存 / compute without storing a run"
        )
        parser.add_argument(
            "--override-validity",
            default="",
            metavar="REASON",
            help="超出方案或指标适用年度仍然计算的理由 / the reason to assess a year outside "
            "the years the scheme or its indicators are valid for",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheme, root = resolve_scope(options)
        try:
            prepared = prepare_assessment(scheme, options["year"], root)
            result = compute(prepared)
            if options["no_save"]:
                # The same refusal as a stored run, so a trial run does not hide it.
                codes = {indicator.code for indicator in prepared.compiled.spec.indicators}
                warnings = check_validity(
                    scheme, options["year"], codes, options["override_validity"]
                )
            else:
                run = do_run_assessment(
                    scheme,
                    options["year"],
                    actor=Actor.cli(),
                    root=root,
                    override_validity=options["override_validity"],
                )
                warnings = list(run.warnings)
        except ValidityError as error:
            raise CommandError("\n".join(error.problems)) from error
        except (SchemeError, AssessmentError) as error:
            raise CommandError(str(error)) from error
        for warning in warnings:
            self.stderr.write(f"警示 / warning: {warning}")
        text = RENDERERS[options["format"]](prepared, result)
        if options.get("output"):
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"已写入 / written: {options['output']}")
        else:
            self.stdout.write(text, ending="")
