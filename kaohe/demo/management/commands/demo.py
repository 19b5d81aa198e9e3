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
from kaohe.demo.generator import DEFAULT_SEED, DEFAULT_YEARS, TOWNSHIP_CODE
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
        "构建示范镇演示数据（20 个村、4 个镇直单位、3 个部门，两个年度），按村、镇直单位和部门"
        "三个方案计算考核，打印排名和演示情节，并启动网页服务。"
        "若 --dir 中的 SQLite 数据库（DIR/kaohe.sqlite3）已有示范镇，先删除该文件再重建；"
        "不会删除其他任何数据库（PostgreSQL 或目录外的文件）或文件，"
        "数据库中已有其他数据时拒绝运行。 / "
        "Build the demo township (20 villages, 4 direct units, 3 departments, two years), assess "
        "it with the village, direct-unit and department schemes, print the rankings and the "
        "demo's stories, and serve the pages. If the SQLite database in --dir (DIR/kaohe.sqlite3) "
        "already holds the demo township, that file is deleted and the demo rebuilt; no other "
        "database (PostgreSQL, a file outside DIR) or file is ever deleted, and a database that "
        "holds anything else is refused."
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
            help="连续的考核年度（默认 2005 2006）/ consecutive years to build and assess",
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
