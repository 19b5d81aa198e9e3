"""``kaohe validate``: check the validation rules (数据校验) against the stored figures.

``--township CODE --year YYYY [--rule CODE]`` checks every rule (or one) for every unit under
the township in every period of the year, stores the run and prints the failures (``--all``:
every result), one a line; ``--output FILE.csv|FILE.xlsx`` writes them to a file instead.
``--rules`` lists the rules. ``--follow-up RESULT_ID [--clear]`` marks a result's figures for
follow-up (or clears the marks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.assessments.exports import csv_lines, write_xlsx
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit
from kaohe.validation.evaluation import shown
from kaohe.validation.exports import results_table
from kaohe.validation.models import ResultStatus, ValidationResult, ValidationRule
from kaohe.validation.services import ValidationRunError, do_mark_follow_up, do_run_validation


class Command(BaseCommand):
    help = (
        "数据校验：按校验规则检查一个乡镇一年的数据 / Validation: check the rules against a "
        "township's figures for a year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--township", help="乡镇（或县）代码 / township (or county) code")
        parser.add_argument("--year", type=int, help="年度 / year")
        parser.add_argument("--rule", help="只校验此规则 / only this rule")
        parser.add_argument(
            "--all", action="store_true", help="列出全部结果，而不只是未通过的 / every result"
        )
        parser.add_argument("--output", help="写入文件 .csv 或 .xlsx / write to FILE.csv|.xlsx")
        parser.add_argument("--rules", action="store_true", help="列出校验规则 / list the rules")
        parser.add_argument(
            "--follow-up",
            type=int,
            metavar="RESULT_ID",
            help="把一条结果所涉的数据标为需跟进 / mark a result's figures for follow-up",
        )
        parser.add_argument(
            "--clear", action="store_true", help="与 --follow-up 同用：取消标记 / clear the marks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["rules"]:
                self._rules()
            elif options["follow_up"] is not None:
                self._follow_up(options["follow_up"], not options["clear"])
            else:
                self._run(options)
        except ValidationRunError as error:
            raise CommandError(str(error)) from error

    def _rules(self) -> None:
        rules = ValidationRule.objects.select_related("dataset").order_by("code")
        for rule in rules:
            self.stdout.write(
                "\t".join(
                    [
                        rule.code,
                        rule.importance,
                        rule.period_type,
                        f"{rule.left} {rule.symbol} {rule.right}",
                        rule.dataset.code if rule.dataset else "-",
                        rule.message_zh,
                    ]
                )
            )
        self.stderr.write(_("共 {n} 条校验规则 / {n} validation rule(s)").format(n=len(rules)))

    def _follow_up(self, result_id: int, flag: bool) -> None:
        result, values = do_mark_follow_up(Actor.cli(), result_id, flag)
        for value in values:
            self.stdout.write(f"{value.element.code}/{value.period.code}/{value.unit.code}")
        done = (
            _("已把 {n} 个数据标为需跟进 / {n} figure(s) marked for follow-up")
            if flag
            else _("已取消 {n} 个数据的跟进标记 / follow-up cleared on {n} figure(s)")
        )
        self.stderr.write(done.format(n=len(values)))

    def _run(self, options: dict[str, Any]) -> None:
        if not options["township"] or options["year"] is None:
            raise CommandError(
                _("请给出 --township 和 --year / give --township and --year (or --rules)")
            )
        township = OrgUnit.objects.filter(code=options["township"]).first()
        if township is None:
            raise CommandError(
                _("未知的单位代码 {code} / unknown unit code {code}").format(
                    code=options["township"]
                )
            )
        rule = None
        if options["rule"]:
            rule = ValidationRule.objects.filter(code=options["rule"]).first()
            if rule is None:
                raise CommandError(
                    _("未知的校验规则 {code} / unknown validation rule {code}").format(
                        code=options["rule"]
                    )
                )
        output = Path(options["output"]) if options["output"] else None
        if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError(
                _("--output 须以 .csv 或 .xlsx 结尾 / --output must end in .csv or .xlsx")
            )
        run = do_run_validation(Actor.cli(), township, options["year"], rule)
        results = (
            ValidationResult.objects.filter(run=run)
            .select_related("rule", "unit", "period")
            .order_by("unit__path", "period__start_date", "period__end_date", "rule__code")
        )
        if not options["all"]:
            results = results.filter(status=ResultStatus.FAILED)
        if output is not None:
            self._write(output, run, results)
        else:
            for result in results.iterator(chunk_size=2000):
                self.stdout.write(
                    "\t".join(
                        [
                            str(result.pk),
                            result.unit.code,
                            result.period.code,
                            result.rule.code,
                            result.rule.importance,
                            f"{shown(result.left_value)} {result.rule.symbol} "
                            f"{shown(result.right_value)}",
                            result.status,
                            result.rule.message_zh,
                        ]
                    )
                )
        self.stderr.write(
            _(
                "校验 #{id}：通过 {passed}，未通过 {failed}，跳过 {skipped} / validation #{id}: "
                "{passed} passed, {failed} failed, {skipped} skipped"
            ).format(id=run.pk, passed=run.passed, failed=run.failed, skipped=run.skipped)
        )

    def _write(self, path: Path, run: Any, results: Any) -> None:
        table = results_table(run, results)
        if path.suffix.lower() == ".csv":
            path.write_text("".join(csv_lines(table)), encoding="utf-8")
        else:
            with path.open("wb") as target:
                write_xlsx(table, target)
        self.stderr.write(_("已写入 {path} / written to {path}").format(path=path))
