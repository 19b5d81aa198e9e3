"""Building the demo township through the ordinary write paths, and telling its stories.

:func:`do_build_demo` loads the 2006 template library and a generated bundle (units, officials,
birth quotas) with the bundle loader, then imports the generated figures as a DHIS2 CSV data
value set with the data value importer: the demo goes through the same checks and writes the
same audit rows as a real township would.
"""

from __future__ import annotations

import io
import secrets
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AssessmentRun, UnitResult
from kaohe.assessments.services import do_run_assessment, find_scheme
from kaohe.audit.services import Actor, record
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import ImportSummary, do_import_values
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import GradeBand, Veto

from .generator import (
    DEFAULT_SEED,
    DEFAULT_YEARS,
    SCHEME_CODE,
    TOWNSHIP_CODE,
    DemoTownship,
    Stories,
    bundle_document,
    dhis2_csv,
    generate_township,
)

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library" / "2006"
DEMO_USERNAME = "demo"
STORED_BY = "demo"


class DemoError(RuntimeError):
    """The demo cannot be built here (bilingual message)."""


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`do_build_demo` built, and the stories built into the figures."""

    seed: int
    years: tuple[int, ...]
    township: str
    villages: tuple[str, ...]
    village_names: dict[str, str]
    units: int
    officials: int
    values: int
    imported: int
    ignored: int
    caps: dict[int, int]
    quotas: dict[int, dict[str, int]]
    true_births: dict[int, dict[str, int]]
    spot_checks: dict[int, tuple[str, ...]]
    stories: Stories
    seconds: float

    def reported_births(self, code: str, year: int) -> int:
        """Births the village reported in ``year`` (fewer than the true ones where it hid some)."""
        hidden = 0
        s = self.stories
        if code == s.concealed and year == s.concealed_year:
            hidden = 1
        if code == s.under_reported and year == s.under_reported_year:
            hidden = s.under_reported_missed
        return self.true_births[year][code] - hidden

    def label(self, code: str) -> str:
        return f"{code} {self.village_names[code]}"

    def headline(self) -> str:
        """What was built, in one bilingual line."""
        return _(
            "示范镇：{villages} 个村，{units} 个单位，{officials} 名责任人，{values} 条数据，"
            "种子 {seed}，用时 {seconds:.1f} 秒 / demo township: {villages} villages, {units} "
            "units, {officials} officials, {values} data values, seed {seed}, built in "
            "{seconds:.1f} s"
        ).format(
            villages=len(self.villages),
            units=self.units,
            officials=self.officials,
            values=self.imported,
            seed=self.seed,
            seconds=self.seconds,
        )


def library_paths() -> list[Path]:
    """The 2006 template bundle files, in name order."""
    paths = sorted(LIBRARY_DIR.glob("*.yaml"))
    if not paths:
        raise DemoError(
            _("未找到 2006 年模板库 {path} / the 2006 template library is missing: {path}").format(
                path=LIBRARY_DIR
            )
        )
    return paths


def demo_exists() -> bool:
    """Whether the database already holds the demo township."""
    return OrgUnit.objects.filter(code=TOWNSHIP_CODE).exists()


def _summary(township: DemoTownship, imported: ImportSummary, seconds: float) -> DemoSummary:
    villages = township.village_codes
    names = {u.code: u.name for u in township.units}
    return DemoSummary(
        seed=township.seed,
        years=township.years,
        township=TOWNSHIP_CODE,
        villages=villages,
        village_names={code: names[code] for code in villages},
        units=len(township.units),
        officials=len(township.officials),
        values=len(township.values),
        imported=imported.imported,
        ignored=imported.ignored,
        caps=township.caps,
        quotas=township.quotas,
        true_births=township.true_births,
        spot_checks=township.spot_checks,
        stories=township.stories,
        seconds=seconds,
    )


def _problems_text(problems: Sequence[object]) -> str:
    shown = [str(p) for p in problems[:10]]
    more = len(problems) - len(shown)
    if more > 0:
        shown.append(_("… 另有 {n} 个 / {n} more").format(n=more))
    return "\n".join(shown)


@transaction.atomic
def do_build_demo(
    actor: Actor,
    *,
    seed: int = DEFAULT_SEED,
    years: Sequence[int] = DEFAULT_YEARS,
) -> DemoSummary:
    """Build the demo township in one transaction: library, units, officials, quotas, figures.

    Refuses (:class:`DemoError`) when the database already holds the demo township: the figures
    of another seed would mix with the stored ones. ``kaohe demo`` starts from a fresh file.
    """
    started = time.perf_counter()
    if demo_exists():
        raise DemoError(
            _(
                "数据库中已有示范镇，请使用新的数据目录 / the database already holds the demo "
                "township: use a fresh data directory"
            )
        )
    township = generate_township(seed, years)
    with tempfile.TemporaryDirectory(prefix="kaohe-demo-") as folder:
        bundle = Path(folder) / "demo_township.yaml"
        bundle.write_text(
            yaml.safe_dump(bundle_document(township), allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        do_load_bundles([*library_paths(), bundle], actor)
    csv_bytes = dhis2_csv(township.values, stored_by=STORED_BY).encode("utf-8")
    source = io.BytesIO(csv_bytes)
    source.name = "demo-values.csv"
    imported = do_import_values(source, actor=actor, fmt="csv", stored_by=STORED_BY)
    if imported.problems:
        raise DemoError(
            _("演示数据导入失败 / the demo figures were not imported:")
            + "\n"
            + _problems_text(imported.problems)
        )
    record(
        actor,
        "demo.build",
        "orgunit",
        TOWNSHIP_CODE,
        after={"seed": seed, "years": list(township.years), "values": len(township.values)},
    )
    return _summary(township, imported, time.perf_counter() - started)


def do_assess_demo(actor: Actor, years: Sequence[int]) -> dict[int, AssessmentRun]:
    """Assess the demo township's villages with the 2006 village scheme for each year."""
    scheme = find_scheme(SCHEME_CODE)
    root = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    return {year: do_run_assessment(scheme, year, actor=actor, root=root) for year in years}


@transaction.atomic
def do_ensure_demo_user(actor: Actor) -> str:
    """Create (or reset) the read-only demo login; returns its new password, shown once."""
    password = secrets.token_urlsafe(9)
    model = get_user_model()
    user = model.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = model.objects.create_user(DEMO_USERNAME, password=password)
        action = "user.create"
    else:
        user.set_password(password)
        action = "user.password_reset"
    user.is_active = True
    user.save()
    record(actor, action, "user", DEMO_USERNAME, after={"is_active": True})
    # The demo visitor runs the township: every page, data entry and assessment under it.
    do_grant_role(actor, user, Role.TOWNSHIP_ADMIN, OrgUnit.objects.get(code=TOWNSHIP_CODE))
    return password


# --- telling the stories from the stored results ------------------------------------------


@dataclass(frozen=True)
class _Shown:
    rank: int
    count: int
    total: str
    grade_zh: str
    grade_en: str
    vetoes_zh: str
    vetoes_en: str


def _results(runs: Mapping[int, AssessmentRun]) -> dict[int, dict[str, _Shown]]:
    shown: dict[int, dict[str, _Shown]] = {}
    for year, run in runs.items():
        grades = {
            g.code: (g.name, g.name_en or g.code)
            for g in GradeBand.objects.filter(scheme=run.scheme)
        }
        vetoes = {
            v.code: (v.name, v.name_en or v.code) for v in Veto.objects.filter(scheme=run.scheme)
        }
        rows = list(UnitResult.objects.filter(run=run, kind="village").select_related("unit"))
        shown[year] = {}
        for r in rows:
            grade_zh, grade_en = grades.get(r.grade, (r.grade_name or "—", r.grade or "—"))
            shown[year][r.unit.code] = _Shown(
                rank=r.rank,
                count=len(rows),
                total=f"{r.total:.2f}",
                grade_zh=grade_zh,
                grade_en=grade_en,
                vetoes_zh="、".join(vetoes.get(c, (c, c))[0] for c in r.vetoes),
                vetoes_en=", ".join(vetoes.get(c, (c, c))[1] for c in r.vetoes),
            )
    return shown


def _outcome(shown: _Shown) -> str:
    if shown.vetoes_zh:
        text = _(
            "总分 {total}，{grade_zh}，第 {rank}/{count} 名，一票否决：{vetoes_zh} / total {total}, "
            "{grade_en}, rank {rank} of {count}, vetoed: {vetoes_en}"
        )
    else:
        text = _(
            "总分 {total}，{grade_zh}，第 {rank}/{count} 名 / total {total}, {grade_en}, rank "
            "{rank} of {count}"
        )
    return text.format(**vars(shown))


def story_lines(summary: DemoSummary, runs: Mapping[int, AssessmentRun]) -> list[str]:
    """The demo's stories with what the assessment made of them, read from the stored results."""
    s = summary.stories
    results = _results(runs)
    lines = [_("演示情节 / the demo's stories")]
    year = s.over_plan_year
    if year in results:
        births = summary.reported_births(s.over_plan, year)
        quota = summary.quotas[year][s.over_plan]
        lines.append(
            _(
                "· {village}：{year} 年出生 {births} 人，计划 {quota} 人，超计划 {over} 人 / "
                "{year}: {births} births against a quota of {quota}"
            ).format(
                village=summary.label(s.over_plan),
                year=year,
                births=births,
                quota=quota,
                over=births - quota,
            )
        )
        lines.append(f"  {_outcome(results[year][s.over_plan])}")
    year = s.concealed_year
    if year in results:
        lines.append(
            _(
                "· {village}：{year} 年瞒报出生 1 人，镇抽查发现 / {year}: concealed a birth "
                "that the township's spot check found"
            ).format(village=summary.label(s.concealed), year=year)
        )
        lines.append(f"  {_outcome(results[year][s.concealed])}")
    year = s.under_reported_year
    if year in results:
        reported = summary.reported_births(s.under_reported, year)
        found = summary.true_births[year][s.under_reported]
        lines.append(
            _(
                "· {village}：{year} 年上报出生 {reported} 人，抽查实有 {found} 人，漏报 "
                "{missed} 人（非瞒报）/ {year}: reported {reported} births, the check found "
                "{found}: {missed} missed, not concealed"
            ).format(
                village=summary.label(s.under_reported),
                year=year,
                reported=reported,
                found=found,
                missed=found - reported,
            )
        )
        lines.append(f"  {_outcome(results[year][s.under_reported])}")
    for year in summary.years:
        if year not in results:
            continue
        lines.append(
            _(
                "· {year} 年薄弱村（避孕节育、措施落实、流动人口管理、晚婚晚育差）/ weak "
                "villages in {year} (poor contraception, measures, migrant management, late "
                "marriage)"
            ).format(year=year)
        )
        for code in s.weak[year]:
            lines.append(f"  {summary.label(code)}：{_outcome(results[year][code])}")
    lines.append(
        _(
            "· {village}：连续 {n} 年薄弱，应列为严管村 / weak {n} years running: a candidate "
            "for strict management (严管村)"
        ).format(village=summary.label(s.weak_both), n=len(summary.years))
    )
    return lines
