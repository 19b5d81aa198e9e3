"""``kaohe screenshots --out DIR``: pictures of the dashboards and of every document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.documents.screenshots import Options, ScreenshotError, take_screenshots


class Command(BaseCommand):
    help = (
        "为考核看板和各类文书拍摄截图：用 Chromium 打开看板（有脚本和无脚本各一张）、单位看板和文书"
        "页面，下载每种文书并用 LibreOffice 转为 PDF、再用 pdftoppm 转为图片，全部存入 --out 目录"
        "（另有 index.html 便于浏览）。默认使用已配置的数据库，--dir 指定 kaohe demo 建立的目录。"
        " / Photograph the dashboards (with and without scripts), unit pages and the documents "
        "page with Chromium, download every kind of document and turn it into pictures "
        "(LibreOffice → PDF → pdftoppm → PNG), all into --out (with an index.html to look "
        "through them). Uses the configured database, or the folder --dir made by kaohe demo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="截图目录 / folder for the pictures")
        parser.add_argument(
            "--dir", default="", help="kaohe demo 的数据目录 / the folder kaohe demo built"
        )
        parser.add_argument(
            "--user", default="", help="以此用户登录（默认 demo）/ sign in as (default: demo)"
        )
        parser.add_argument("--township", default="", help="乡镇代码 / township code")
        parser.add_argument(
            "--scheme", action="append", default=[], help="只拍此方案（可重复）/ only this scheme"
        )
        parser.add_argument(
            "--year", type=int, action="append", default=[], help="只拍此年度 / only this year"
        )
        parser.add_argument(
            "--pages", type=int, default=4, help="每份文书最多几页（默认 4）/ pages per document"
        )
        parser.add_argument(
            "--no-documents", action="store_true", help="只拍看板 / the dashboards only"
        )
        parser.add_argument("--lang", default="zh-hans", help="zh-hans 或 en / zh-hans or en")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["pages"] < 1:
            raise CommandError(_("--pages 须为正整数 / --pages must be at least 1"))
        chosen = Options(
            out=Path(options["out"]).resolve(),
            data_dir=Path(options["dir"]).resolve() if options["dir"] else None,
            username=options["user"],
            township=options["township"],
            schemes=tuple(options["scheme"]),
            years=tuple(options["year"]),
            documents=not options["no_documents"],
            pages=options["pages"],
            language="en" if options["lang"] == "en" else "zh-hans",
        )
        try:
            taken = take_screenshots(chosen, write=self.stdout.write)
        except ScreenshotError as error:
            raise CommandError(str(error)) from error
        for note in taken.notes:
            self.stderr.write(note)
        self.stdout.write(
            _("截图 {pictures} 张，文书 {files} 份：{out} / {pictures} pictures, {files} documents: "
              "{out}").format(pictures=len(taken.pictures), files=len(taken.files), out=chosen.out)
        )  # fmt: skip
