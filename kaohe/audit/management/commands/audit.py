"""``kaohe audit``: list audit entries, newest first, through the audit page's filter form;
as a table or as the page's CSV export. The command line is trusted, so every entry is readable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.filtersets import AuditFilterForm
from kaohe.audit.models import AuditEntry, Channel
from kaohe.core.text_tables import render_table
from kaohe.web.views import _json_text, audit_csv_lines

CHANGE_WIDTH = 60

# command-line option -> field of AuditFilterForm
_FIELDS = {
    "since": "date_from",
    "until": "date_to",
    "actor": "actor",
    "action": "action",
    "object_type": "object_type",
    "object": "object_key",
    "channel": "channel",
}


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _change(entry: AuditEntry) -> str:
    before, after = _json_text(entry.before), _json_text(entry.after)
    half = CHANGE_WIDTH // 2
    return f"{_shorten(before, half) or '-'} → {_shorten(after, half) or '-'}"


class Command(BaseCommand):
    help = (
        "列出审计记录（最新在前），可按日期、操作人、操作、对象、渠道筛选 / "
        "List audit entries, newest first, filtered by date, actor, action, object or channel."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="开始日期（含）YYYY-MM-DD / from this day (inclusive)")
        parser.add_argument("--until", help="结束日期（含）YYYY-MM-DD / to this day (inclusive)")
        parser.add_argument("--actor", help="操作人包含此文字 / actor contains this text")
        parser.add_argument(
            "--action", help="操作按开头匹配，如 user. / action starts with this, e.g. user."
        )
        parser.add_argument(
            "--object-type", dest="object_type", help="对象类型 / object type (exact)"
        )
        parser.add_argument("--object", help="对象标识包含此文字 / object key contains this text")
        parser.add_argument("--channel", choices=Channel.values, help="渠道 / channel")
        parser.add_argument(
            "--format",
            choices=["table", "csv"],
            default="table",
            help="输出格式 / output format (default: table)",
        )
        parser.add_argument("--output", help="写入文件 / write to this file")
        parser.add_argument("--limit", type=int, help="最多条数 / at most this many entries")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("limit") is not None and options["limit"] < 1:
            raise CommandError(_("--limit 须为正整数 / --limit must be a positive integer"))
        data = {field: options.get(opt) or "" for opt, field in _FIELDS.items()}
        entries = AuditEntry.objects.all()
        form = AuditFilterForm(data, entries=entries)
        if not form.is_valid():
            problems = [
                f"{form.fields[name].label if name in form.fields else name}: {message}"
                for name, messages in form.errors.items()
                for message in messages
            ]
            raise CommandError("\n".join(str(p) for p in problems))
        entries = form.filter(entries).order_by("-at", "-id")
        if options.get("limit"):
            entries = entries[: options["limit"]]
        rows = list(entries)

        if options["format"] == "csv":
            text = "".join(audit_csv_lines(rows))
        else:
            text = (
                render_table(
                    [_("时间"), _("操作人"), _("渠道"), _("操作"), _("对象"), _("修改前 → 修改后")],
                    [
                        [
                            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                            e.actor,
                            e.channel,
                            e.action,
                            f"{e.object_type} {e.object_key}",
                            _change(e),
                        ]
                        for e in rows
                    ],
                )
                + "\n"
            )

        if options.get("output"):
            with Path(options["output"]).open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            self.stderr.write(f"已写入 / written: {options['output']}")
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(_("共 {n} 条 / {n} entry(ies)").format(n=len(rows)))
