"""``kaohe demo``: build the demo township, assess it, print the rankings and serve the pages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from kaohe.assessments import presenting
from kaohe.assessments.services import AssessmentError, compute, prepare_assessment
from kaohe.audit.services import Actor
from kaohe.bundles.loader import BundleError
from kaohe.demo.generator import DEFAULT_SEED, DEFAULT_YEARS, SCHEME_CODE, TOWNSHIP_CODE
from kaohe.demo.outcomes import do_demo_outcomes
from kaohe.demo.services import (
    DEMO_USERNAME,
    DemoError,
    do_assess_demo_schemes,
    do_build_demo,
    do_ensure_demo_user,
)
from kaohe.demo.stories import story_lines
from kaohe.orgunits.models import OrgUnit

DEFAULT_DIR = "kaohe-demo"
DB_FILE = "kaohe.sqlite3"
# SQLite keeps its write-ahead log and shared memory beside the database file.
DB_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _database_state() -> str:
    """What the database holds: ``empty``, ``demo`` (the demo township) or ``other`` data."""
    if "orgunits_orgunit" not in connection.introspection.table_names():
        return "empty"
    if OrgUnit.objects.filter(code=TOWNSHIP_CODE).exists():
        return "demo"
    return "other" if OrgUnit.objects.exists() else "empty"


def sqlite_file_in(folder: Path, db: dict[str, Any] | None = None) -> Path | None:
    """The database file when the database is the SQLite file ``folder/kaohe.sqlite3``."""
    db = settings.DATABASES["default"] if db is None else db
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return None
    name = str(db["NAME"])
    if name.startswith("file:") or name == ":memory:":
        return None
    path = Path(name).resolve()
    return path if path == (folder / DB_FILE).resolve() else None


def _where() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return str(db["NAME"])
    return f"{db.get('HOST') or 'localhost'}/{db['NAME']}"


class Command(BaseCommand):
    help = (
        "构建示范镇演示数据（20 个村、4 个镇直单位、3 个部门；默认 2005、2006 两个年度用 2006 年"
        "模板库，2026 年度用 2026 年模板库），按村、镇直单位和部门三个方案（2026 年按村级 "
        "VILLAGE_2026 方案）计算考核，打印排名和演示情节，并启动网页服务。"
        "若 --dir 中的 SQLite 数据库（DIR/kaohe.sqlite3）已有示范镇，先删除该文件再重建；"
        "不会删除其他任何数据库（PostgreSQL 或目录外的文件）或文件，"
        "数据库中已有其他数据时拒绝运行。 / "
        "Build the demo township (20 villages, 4 direct units, 3 departments; by default 2005 and "
        "2006 with the 2006 library and 2026 with the 2026 library), assess it with the village, "
        "direct-unit and department schemes (in 2026 with the village scheme VILLAGE_2026), "
        "print the rankings and the demo's stories, and serve the pages. If the SQLite database "
        "in --dir (DIR/kaohe.sqlite3) already holds the demo township, that file is deleted and "
        "the demo rebuilt; no other database (PostgreSQL, a file outside DIR) or file is ever "
        "deleted, and a database that holds anything else is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            default=DEFAULT_DIR,
            help=f"演示数据目录（默认 ./{DEFAULT_DIR}）/ the demo's data folder",
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="网页服务端口（默认 8000）/ web port"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="不启动网页服务 / do not serve the pages"
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"随机种子（默认 {DEFAULT_SEED}）/ random seed",
        )
        parser.add_argument(
            "--years",
            type=int,
            nargs="+",
            default=list(DEFAULT_YEARS),
            help=(
                "考核年度（默认 {default}）：2021 年及以前至少两个连续年度，用 2006 年模板库的"
                "三个方案考核；可再加 2026 年及以后的连续年度，用 VILLAGE_2026 考核；每个方案只"
                "考核其适用年度 / the years to build and assess (default {default}): two or more "
                "consecutive years up to 2021, assessed with the 2006 library's three schemes, "
                "and optionally consecutive years from 2026 on, assessed with VILLAGE_2026; each "
                "scheme only for the years it is valid for"
            ).format(default=" ".join(str(y) for y in DEFAULT_YEARS)),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        folder = Path(options["dir"]).resolve()
        self._fresh_database(folder)
        call_command("migrate", interactive=False, verbosity=0)
        actor = Actor.cli()
        try:
            summary = do_build_demo(actor, seed=options["seed"], years=options["years"])
            runs = do_assess_demo_schemes(actor, summary.years)
            outcomes = do_demo_outcomes(actor, runs, SCHEME_CODE)
        except (DemoError, AssessmentError, BundleError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(summary.headline())
        root = OrgUnit.objects.get(code=TOWNSHIP_CODE)
        for by_year in runs.values():
            for year, run in by_year.items():
                prepared = prepare_assessment(run.scheme, year, root)
                self.stdout.write("")
                self.stdout.write(presenting.render_text(prepared, compute(prepared)), ending="")
        self.stdout.write("")
        for line in story_lines(summary, runs):
            self.stdout.write(line)
        password = do_ensure_demo_user(actor)
        if summary.contracts is not None:
            made = summary.contracts
            self.stdout.write(
                _(
                    "责任书 / contracts：人口计划 {plans} 份，已签订 {signed} 份，修订 {amended}，"
                    "未签订 {unsigned} / birth plans {plans}, signed {signed}, amended "
                    "{amended}, unsigned {unsigned}"
                ).format(
                    plans=made.plans,
                    signed=made.signed,
                    amended="、".join(made.amended) or "—",
                    unsigned="、".join(made.unsigned) or "—",
                )
            )
        self.stdout.write(
            _(
                "结果 / outcomes：发布 {published} 次，薄弱与严管单位 {designated} 个（帮促计划 "
                "{plans} 份），奖惩明细 {entries} 笔（已兑现 {paid} 笔，冲销 {reversed} 笔），申诉"
                "受理 1 件、驳回 1 件 / runs published {published}, weak and strict units "
                "{designated} (plans {plans}), ledger entries {entries} (paid {paid}, reversed "
                "{reversed}), appeals: 1 accepted, 1 rejected"
            ).format(
                published=len(outcomes.published) + (1 if outcomes.corrected_run else 0),
                designated=sum(len(units) for units in outcomes.designated.values()),
                plans=outcomes.plans,
                entries=outcomes.entries,
                paid=outcomes.paid,
                reversed=len(outcomes.reversed),
            )
        )
        self.stdout.write("")
        self.stdout.write(
            _("数据库 / database: {where}；用时 / took {seconds:.1f} s").format(
                where=_where(), seconds=time.perf_counter() - started
            )
        )
        self.stdout.write(
            _(
                "登录 / log in: 用户名 username {username}，密码 password {password}"
                "（只显示这一次 / shown this once）"
            ).format(username=DEMO_USERNAME, password=password)
        )
        if options["no_serve"]:
            return
        port = options["port"]
        self.stdout.write(_("网页 / pages: {url}").format(url=f"http://127.0.0.1:{port}/"))
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)

    def _fresh_database(self, folder: Path) -> None:
        """Delete the demo's own SQLite file if it holds an earlier demo; refuse anything else."""
        state = _database_state()
        if state == "empty":
            return
        file = sqlite_file_in(folder)
        if state == "demo" and file is not None:
            connection.close()
            for suffix in DB_COMPANIONS:
                Path(f"{file}{suffix}").unlink(missing_ok=True)
            self.stdout.write(
                _("已删除旧的演示数据库 / deleted the previous demo database: {file}").format(
                    file=file
                )
            )
            return
        if state == "demo":
            raise CommandError(
                _(
                    "数据库 {where} 已有示范镇，但它不是 {file}，不会删除；请用新的 --dir / the "
                    "database {where} already holds the demo township but is not {file}, so it "
                    "is not deleted: use a fresh --dir"
                ).format(where=_where(), file=folder / DB_FILE)
            )
        raise CommandError(
            _(
                "数据库 {where} 中已有其他数据，演示需要空数据库；请用新的 --dir / the database "
                "{where} already holds other data; the demo needs an empty one: use a fresh --dir"
            ).format(where=_where())
        )
