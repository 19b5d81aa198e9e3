"""``kaohe template --dataset CODE --period 2026 [--units V01,V02] [--output FILE]``.

Writes the Excel template of a data set for a period: one protected sheet per unit, stored
values filled in. Fill it in with Excel or WPS and bring it back with ``kaohe import FILE``
(or the upload page).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.datavalues.excel import TemplateError, build_template
from kaohe.datavalues.excel_format import template_periods
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit


class Command(BaseCommand):
    help = (
        "生成数据集的 Excel 填报模板（每个单位一个工作表） / Write a data set's Excel template "
        "(one sheet per unit)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", required=True, help="数据集代码 / data set code")
        parser.add_argument(
            "--period",
            required=True,
            help=(
                "期间代码，如 202601；月报数据集填 2026 得到 1–12 月的全年表 / period code such "
                "as 202601; 2026 gives a monthly data set's year grid"
            ),
        )
        parser.add_argument(
            "--units",
            default="",
            help=(
                "单位代码，以逗号分隔（默认：报送该数据集、在该期间存在的所有单位） / unit codes, "
                "comma-separated (default: every unit that reports the data set and exists in "
                "the period)"
            ),
        )
        parser.add_argument(
            "--output",
            default="",
            help="输出文件（默认 数据集-期间.xlsx） / output file (default DATASET-PERIOD.xlsx)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dataset = DataSet.objects.filter(code=options["dataset"]).first()
        if dataset is None:
            raise CommandError(
                _("未知的数据集代码 {code} / unknown data set code {code}").format(
                    code=options["dataset"]
                )
            )
        units = self._units(dataset, options["period"], options["units"])
        try:
            content = build_template(dataset, options["period"], units)
        except TemplateError as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"] or f"{dataset.code}-{options['period'].strip()}.xlsx")
        output.write_bytes(content)
        self.stdout.write(
            _("已生成 / written: {file}（{n} 个单位 / unit(s)）").format(file=output, n=len(units))
        )

    def _units(self, dataset: DataSet, period_code: str, codes_text: str) -> list[OrgUnit]:
        codes = [code.strip() for code in codes_text.split(",") if code.strip()]
        if codes:
            found = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)}
            missing = [code for code in codes if code not in found]
            if missing:
                raise CommandError(
                    _("未知的单位代码 {codes} / unknown unit codes {codes}").format(
                        codes=", ".join(missing)
                    )
                )
            return [found[code] for code in dict.fromkeys(codes)]
        try:
            outer, _periods = template_periods(dataset, period_code)
        except TemplateError as exc:
            raise CommandError(str(exc)) from exc
        units = [
            unit
            for unit in OrgUnit.objects.filter(kind__in=dataset.unit_kinds or []).order_by("path")
            if unit.is_open_during(outer.start, outer.end)
        ]
        if not units:
            raise CommandError(
                _(
                    "没有报送数据集 {dataset} 的单位，请用 --units 指定 / no unit reports data set "
                    "{dataset}: name units with --units"
                ).format(dataset=dataset.code)
            )
        return units
