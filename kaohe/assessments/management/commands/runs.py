"""``kaohe runs list|unapproved|publish|compare``: the stored runs, publishing one, comparing two.

``list [--scheme CODE] [--year YYYY] [--status S]`` lists runs, newest first;
``unapproved RUN_ID`` lists the reports the run read that are not approved;
``publish RUN_ID [--confirm-unapproved --reason TEXT] [--replaces RUN_ID]`` publishes a draft;
``compare OLD NEW [--format table|json]`` tells which units changed from OLD to NEW, and why.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.comparing import Comparison, compare_runs, comparison_data
from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.assessments.publishing import PublicationError, do_publish_run, unapproved_inputs
from kaohe.audit.services import Actor


def _run(run_id: int) -> AssessmentRun:
    run = AssessmentRun.objects.select_related("scheme", "root").filter(pk=run_id).first()
    if run is None:
        raise CommandError(_("没有考核计算 #{id} / no run #{id}").format(id=run_id))
    return run


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _figure(value: Any) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


class Command(BaseCommand):
    help = "考核计算：列出、发布、比较 / Runs: list, show unapproved data, publish, compare."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        listing = sub.add_parser("list", help="列出考核计算 / list runs")
        listing.add_argument("--scheme", help="方案代码 / scheme code")
        listing.add_argument("--year", type=int, help="年度 / year")
        listing.add_argument("--status", choices=[s.value for s in RunStatus])
        unapproved = sub.add_parser("unapproved", help="未审核通过的报表 / unapproved reports")
        unapproved.add_argument("run", type=int, help="考核计算 id / run id")
        publish = sub.add_parser("publish", help="发布 / publish a draft")
        publish.add_argument("run", type=int, help="考核计算 id / run id")
        publish.add_argument(
            "--confirm-unapproved",
            action="store_true",
            help="数据未全部审核通过时仍然发布 / publish although reports are not approved",
        )
        publish.add_argument("--reason", default="", help="仍然发布的理由 / why")
        publish.add_argument(
            "--replaces", type=int, help="替代的已发布结果 id / the published run it replaces"
        )
        compare = sub.add_parser("compare", help="比较两次计算 / compare two runs")
        compare.add_argument("old", type=int, help="原结果 id / the earlier run")
        compare.add_argument("new", type=int, help="新结果 id / the later run")
        compare.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["step"])(options)

    # --- steps ---------------------------------------------------------------------------

    def _list(self, options: dict[str, Any]) -> None:
        runs = AssessmentRun.objects.select_related("scheme", "root").order_by("-created_at", "-id")
        if options.get("scheme"):
            runs = runs.filter(scheme__code=options["scheme"])
        if options.get("year"):
            runs = runs.filter(year=options["year"])
        if options.get("status"):
            runs = runs.filter(status=options["status"])
        self.stdout.write(
            "\t".join(
                ["id", "scheme", "version", "year", "root", "status", "created", "published", "by"]
                + ["replaces"]
            )
        )
        for run in runs:
            cells = [
                str(run.pk),
                run.scheme.code,
                str(run.scheme.version),
                str(run.year),
                run.root.code if run.root else "*",
                run.status,
                _when(run.created_at),
                _when(run.published_at),
                run.published_by,
                str(run.replaces_id or ""),
            ]
            self.stdout.write("\t".join(cells))

    def _write_unapproved(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            self.stdout.write(f"{row['dataset']}\t{row['unit']}\t{row['period']}\t{row['status']}")

    def _unapproved(self, options: dict[str, Any]) -> None:
        rows = unapproved_inputs(_run(options["run"]))
        self._write_unapproved(rows)
        self.stderr.write(
            _("{n} 份报表尚未审核通过 / {n} report(s) not approved").format(n=len(rows))
        )

    def _publish(self, options: dict[str, Any]) -> None:
        run = _run(options["run"])
        replaces = _run(options["replaces"]) if options.get("replaces") else None
        try:
            published = do_publish_run(
                run,
                Actor.cli(),
                confirm_unapproved=options["confirm_unapproved"],
                exception_reason=options["reason"],
                replaces=replaces,
            )
        except PublicationError as error:
            if error.unapproved:
                self._write_unapproved(error.unapproved)
            raise CommandError(f"{error.field}: {error}") from error
        line = _("已发布考核计算 #{id} / published run #{id}").format(id=published.pk)
        if published.replaces_id:
            line += _("，替代 #{old} / replacing #{old}").format(old=published.replaces_id)
        self.stdout.write(line)

    def _compare(self, options: dict[str, Any]) -> None:
        comparison = compare_runs(_run(options["old"]), _run(options["new"]))
        if options["format"] == "json":
            text = json.dumps(comparison_data(comparison), ensure_ascii=False, indent=2)
            self.stdout.write(text)
            return
        self._compare_table(comparison)

    def _compare_table(self, c: Comparison) -> None:
        out = self.stdout.write
        out(f"#{c.old.pk} → #{c.new.pk}")
        if c.scheme_changed:
            out(
                _(
                    "方案不同：第 {old} 版 → 第 {new} 版 / the scheme differs: v{old} → v{new}"
                ).format(old=c.old.scheme.version, new=c.new.scheme.version)
            )
        out(
            _("输入不同 / the inputs differ")
            if c.inputs_changed
            else _("输入相同 / the same inputs")
        )
        for u in c.units:
            out(
                f"{u.unit} {u.name}: {_figure(u.old_total)} → {_figure(u.new_total)}; "
                f"{u.old_grade or '—'} → {u.new_grade or '—'}; "
                f"{_figure(u.old_rank)} → {_figure(u.new_rank)} [{', '.join(u.changed)}]"
            )
            if "contract" in u.changed:
                out(
                    f"  contract: v{_figure(u.old_contract_version)} → "
                    f"v{_figure(u.new_contract_version)}"
                )
            for i in u.items:
                part = f"@{i.part}" if i.part else ""
                out(
                    f"  {i.code}{part}: score {_figure(i.old_score)} → {_figure(i.new_score)}; "
                    f"actual {_figure(i.old_actual)} → {_figure(i.new_actual)}; "
                    f"target {_figure(i.old_target)} → {_figure(i.new_target)} "
                    f"[{', '.join(i.changed)}{', rule' if i.rule_changed else ''}]"
                )
            for m in u.money:
                who = f" {m.person}" if m.person else ""
                out(f"  {m.kind} {m.rule}{who}: {_figure(m.old_amount)} → {_figure(m.new_amount)}")
        out(
            _(
                "{changed} 个单位有变化，{unchanged} 个没有 / {changed} changed, {unchanged} unchanged"
            ).format(changed=len(c.units), unchanged=c.unchanged)
        )
