"""``kaohe report KIND --scheme CODE --year Y [--township T] [--lang en] [--out FILE]``: one
document (a workbook or a Word document) of a township's year, from its published results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.documents import registry
from kaohe.documents.base import DocumentError


def _kinds_text() -> str:
    return "；".join(
        f"{name} {kind.label_zh}（{kind.label_en}, .{kind.extension}）"
        for name, kind in registry.KINDS.items()
    )


class Command(BaseCommand):
    help = (
        "由已发布的考核结果生成一份文书（Excel 报表或 Word 文书），写入 --out（缺省为当前目录下的"
        "文书名）。文书种类 / kinds: " + _kinds_text() + "。 / Make one document of a "
        "township's year from its published results and write it to --out (default: its own "
        "name in the current folder)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="文书种类，见上 / the kind of document (see above)")
        parser.add_argument("--scheme", required=True, help="方案代码 / scheme code")
        parser.add_argument("--year", required=True, help="年度 / year")
        parser.add_argument(
            "--township",
            default="",
            help="乡镇代码（缺省：该方案该年度唯一有已发布结果的乡镇）/ township code",
        )
        parser.add_argument("--lang", default="zh-hans", help="zh-hans（缺省）或 en / or en")
        parser.add_argument("--out", default="", help="输出文件 / output file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            registry.kind_of(options["kind"])
            request = registry.make_request(
                None,  # the console acts for whoever holds the database
                scheme=options["scheme"],
                year=options["year"],
                township=options["township"],
                language=options["lang"],
            )
            built = registry.timed_build(options["kind"], request)
        except DocumentError as error:
            raise CommandError(str(error)) from error
        document = built.document
        name = document.filename or registry.filename_for(options["kind"], request)
        out = Path(options["out"]) if options["out"] else Path(name)
        if out.is_dir():
            out = out / name
        try:
            out.write_bytes(document.content)
        except OSError as error:
            raise CommandError(
                _("无法写入 {path}：{error} / cannot write {path}: {error}").format(
                    path=out, error=error.strerror or error
                )
            ) from error
        self.stdout.write(
            _("已生成 {path}（{size} 字节，用时 {seconds:.2f} 秒）/ wrote {path} ({size} bytes, "
              "{seconds:.2f} s)").format(
                path=out, size=len(document.content), seconds=built.seconds
            )
        )  # fmt: skip
