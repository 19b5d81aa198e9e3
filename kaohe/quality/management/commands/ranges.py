"""``kaohe ranges list|generate|set|delete``: min–max ranges per unit and element.

``list [--township CODE] [--element CODE]`` prints them (unit, element, min, max, how set);
``generate --township CODE [--element CODE…] --from PERIOD --to PERIOD [--k K]
[--min-values N]`` draws them from history (median ± k × MAD, never below 0; ranges set by hand
are kept); ``set UNIT ELEMENT MIN MAX`` sets one by hand; ``delete UNIT ELEMENT`` removes one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.datavalues.importing import format_value
from kaohe.engine.outliers import DEFAULT_MIN_VALUES
from kaohe.quality.errors import QualityError
from kaohe.quality.models import MinMaxRange
from kaohe.quality.ranges import parse_k, target_of
from kaohe.quality.series import find_root, parse_elements, parse_number, parse_window, subtree
from kaohe.quality.services import do_delete_range, do_generate_ranges, do_save_range


class Command(BaseCommand):
    help = (
        "最小–最大值范围 / Min–max ranges per unit and element: list, generate from history, "
        "set by hand, delete."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        p = sub.add_parser("list", help="列出范围 / list ranges")
        p.add_argument("--township", default="", help="单位代码（含下级） / unit code")
        p.add_argument("--element", default="", help="数据元素代码 / element code")
        p = sub.add_parser("generate", help="按历史数据生成 / generate from history")
        p.add_argument("--township", required=True, help="单位代码（含下级） / unit code")
        p.add_argument("--element", action="append", default=[], help="可重复 / repeatable")
        p.add_argument("--from", dest="start", required=True, help="起始期间，如 202401")
        p.add_argument("--to", dest="end", required=True, help="截止期间，如 202512")
        p.add_argument("--k", help="中位绝对偏差的倍数（默认 5） / multiple of the MAD")
        p.add_argument("--min-values", help="最少值个数（默认 6） / shortest series used")
        p = sub.add_parser("set", help="人工设定 / set by hand")
        p.add_argument("unit")
        p.add_argument("element")
        p.add_argument("min")
        p.add_argument("max")
        p = sub.add_parser("delete", help="删除 / delete")
        p.add_argument("unit")
        p.add_argument("element")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except QualityError as error:
            raise CommandError(str(error)) from error

    def _list(self, options: dict[str, Any]) -> None:
        rows = MinMaxRange.objects.select_related("unit", "element")
        if options["township"]:
            rows = rows.filter(subtree(find_root(options["township"], None)))
        if options["element"]:
            rows = rows.filter(element__code=options["element"])
        for r in rows.order_by("unit__path", "element__code"):
            self.stdout.write(
                "\t".join(
                    [
                        r.unit.code,
                        r.element.code,
                        format_value(r.min_value),
                        format_value(r.max_value),
                        "generated" if r.generated else "manual",
                        r.basis,
                    ]
                )
            )

    def _generate(self, options: dict[str, Any]) -> None:
        root = find_root(options["township"], None)
        periods = parse_window(options["start"], options["end"])
        elements = parse_elements(c for text in options["element"] for c in text.split(","))
        outcome = do_generate_ranges(
            Actor.cli(),
            root,
            elements,
            periods,
            k=parse_k(options["k"]),
            min_values=int(
                parse_number(options["min_values"], "min_values", 3, 240, DEFAULT_MIN_VALUES)
            ),
        )
        for row in [*outcome.created, *outcome.updated, *outcome.unchanged]:
            self.stdout.write(
                "\t".join(
                    [
                        row.unit.code,
                        row.element.code,
                        format_value(row.min_value),
                        format_value(row.max_value),
                        row.basis,
                    ]
                )
            )
        for s in outcome.skipped:
            self.stdout.write(f"# {s.unit.code}\t{s.element.code}\t{s.count}\t{s.reason_zh}")
        self.stdout.write(outcome.summary())

    def _set(self, options: dict[str, Any]) -> None:
        unit, element = target_of(options["unit"], options["element"], None)
        row = do_save_range(Actor.cli(), unit, element, options["min"], options["max"])
        self.stdout.write(
            _("已设定 / set: {unit} {element} {low}–{high}").format(
                unit=unit.code,
                element=element.code,
                low=format_value(row.min_value),
                high=format_value(row.max_value),
            )
        )

    def _delete(self, options: dict[str, Any]) -> None:
        unit, element = target_of(options["unit"], options["element"], None)
        row = MinMaxRange.objects.filter(unit=unit, element=element).first()
        if row is None:
            raise CommandError(_("没有这个范围 / no such range"))
        do_delete_range(Actor.cli(), row.pk)
        self.stdout.write(
            _("已删除 / deleted: {unit} {element}").format(unit=unit.code, element=element.code)
        )
