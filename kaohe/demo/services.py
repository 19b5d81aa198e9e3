"""Building and assessing the demo township through the ordinary write paths.

:func:`do_build_demo` loads the whole 2006 template library (the village, direct-unit and
department schemes) and the 2026 one (VILLAGE_2026) beside it, and a generated bundle (units,
officials, birth quotas) with the bundle loader, publishes the schemes it loaded, then imports
the generated figures as a DHIS2 CSV data value set with the data value importer: the demo goes
through the same checks and writes the same audit rows as a real township would.
:func:`do_assess_demo_schemes` assesses every scheme for each of the demo's years it is valid
for (never with an override): the 2006 schemes for the years up to 2021, VILLAGE_2026 for the
years from 2026 on. The stories are told by :mod:`kaohe.demo.stories`.
"""

from __future__ import annotations

import dataclasses
import io
import secrets
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AssessmentRun
from kaohe.assessments.services import do_run_assessment, find_scheme
from kaohe.audit.services import Actor, record
from kaohe.bundles.services import do_load_bundles
from kaohe.checks.services import do_import_source_values
from kaohe.datavalues.services import ImportSummary, do_import_values
from kaohe.demo.contracts import DemoContracts, do_demo_contracts
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus
from kaohe.schemes.versions import do_publish_scheme
from kaohe.validation.services import do_run_validation

from .figures_2026 import SCHEME_2026, Stories2026
from .forecast_figures import forecast_values
from .generator import (
    DEFAULT_SEED,
    DEFAULT_YEARS,
    SCHEME_CODE,
    TOWNSHIP_CODE,
    DemoTownship,
    Stories,
    generate_township,
)
from .output import bundle_document, dhis2_csv, source_csv
from .units import DEPARTMENTS_SCHEME, DIRECT_UNITS_SCHEME, UnitStories

LIBRARY = Path(__file__).resolve().parent.parent / "library"
# The template libraries the demo loads into one database: their codes differ.
LIBRARY_DIRS = (LIBRARY / "2006", LIBRARY / "2026")
DEMO_USERNAME = "demo"
STORED_BY = "demo"
# The schemes the demo assesses, villages first (the pages and the stories start from them);
# each for the demo's years it is valid for.
DEMO_SCHEMES = (SCHEME_CODE, DIRECT_UNITS_SCHEME, DEPARTMENTS_SCHEME, SCHEME_2026)


class DemoError(RuntimeError):
    """The demo cannot be built here (bilingual message)."""


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`do_build_demo` built, and the stories built into the figures."""

    seed: int
    # Every year of the demo; the 2006 library's years (up to 2021) and the 2026 library's.
    years: tuple[int, ...]
    years_2006: tuple[int, ...]
    years_2026: tuple[int, ...]
    township: str
    villages: tuple[str, ...]
    village_names: dict[str, str]
    unit_names: dict[str, str]
    direct_units: tuple[str, ...]
    departments: tuple[str, ...]
    units: int
    officials: int
    values: int
    imported: int
    ignored: int
    caps: dict[int, int]
    quotas: dict[int, dict[str, int]]
    true_births: dict[int, dict[str, int]]
    reported: dict[int, dict[str, int]]
    spot_checks: dict[int, tuple[str, ...]]
    stories: Stories
    unit_stories: UnitStories
    published: tuple[str, ...]
    seconds: float
    contracts: DemoContracts | None = None
    # The 2026 stories (None without 2026 years) and the villages the township checked then.
    stories_2026: Stories2026 | None = None
    checks_2026: tuple[str, ...] = ()

    def reported_births(self, code: str, year: int) -> int:
        """Births the village reported in ``year`` (fewer than the true ones where it hid some)."""
        return self.reported[year][code]

    def label(self, code: str) -> str:
        return f"{code} {self.village_names[code]}"

    def unit_label(self, code: str) -> str:
        """A direct unit or department as ``CODE name``."""
        return f"{code} {self.unit_names[code]}"

    def headline(self) -> str:
        """What was built, in one bilingual line."""
        return _(
            "示范镇：{villages} 个村，{direct} 个镇直单位，{departments} 个部门，共 {units} 个单位，"
            "{officials} 名责任人，{values} 条数据，种子 {seed}，用时 {seconds:.1f} 秒 / demo "
            "township: {villages} villages, {direct} direct units, {departments} departments, "
            "{units} units in all, {officials} officials, {values} data values, seed {seed}, "
            "built in {seconds:.1f} s"
        ).format(
            villages=len(self.villages),
            direct=len(self.direct_units),
            departments=len(self.departments),
            units=self.units,
            officials=self.officials,
            values=self.imported,
            seed=self.seed,
            seconds=self.seconds,
        )


def library_paths() -> list[Path]:
    """The template bundle files: the 2006 library's (villages, direct units, departments),
    then the 2026 library's (villages), each in name order."""
    paths: list[Path] = []
    for folder in LIBRARY_DIRS:
        found = sorted(folder.glob("*.yaml"))
        if not found:
            raise DemoError(
                _("未找到模板库 {path} / the template library is missing: {path}").format(
                    path=folder
                )
            )
        paths += found
    return paths


def scheme_years(scheme: Scheme, years: Sequence[int]) -> tuple[int, ...]:
    """The ones of ``years`` that ``scheme`` is valid for (its ``year_from``–``year_to``)."""
    return tuple(
        year
        for year in years
        if (scheme.year_from is None or year >= scheme.year_from)
        and (scheme.year_to is None or year <= scheme.year_to)
    )


def demo_exists() -> bool:
    """Whether the database already holds the demo township."""
    return OrgUnit.objects.filter(code=TOWNSHIP_CODE).exists()


def _summary(
    township: DemoTownship,
    imported: ImportSummary,
    published: tuple[str, ...],
    seconds: float,
    forecast_count: int,
) -> DemoSummary:
    villages = township.village_codes
    names = {u.code: u.name for u in township.units}
    return DemoSummary(
        seed=township.seed,
        years=township.years,
        years_2006=township.years_2006,
        years_2026=township.years_2026,
        township=TOWNSHIP_CODE,
        villages=villages,
        village_names={code: names[code] for code in villages},
        unit_names=names,
        direct_units=township.codes_of("direct_unit"),
        departments=township.codes_of("department"),
        units=len(township.units),
        officials=len(township.officials),
        values=len(township.values) + forecast_count,
        imported=imported.imported,
        ignored=imported.ignored,
        caps=township.caps,
        quotas=township.quotas,
        true_births=township.true_births,
        reported=township.reported_births,
        spot_checks=township.spot_checks,
        stories=township.stories,
        unit_stories=township.unit_stories,
        published=published,
        seconds=seconds,
        stories_2026=township.stories_2026,
        checks_2026=township.checks_2026,
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
    """Build the demo township in one transaction: libraries, units, officials, quotas, figures,
    birth plans and contracts; the schemes the demo loaded are published (a township assesses
    with published rules).

    ``years``: two or more consecutive years up to 2021 for the 2006 library's schemes and, if
    any, consecutive years from 2026 on for VILLAGE_2026
    (:func:`~kaohe.demo.years.split_years`).

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
    published = _publish_demo_schemes(actor)
    forecast = forecast_values(township)
    csv_bytes = dhis2_csv([*township.values, *forecast], STORED_BY).encode()
    source = io.BytesIO(csv_bytes)
    source.name = "demo-values.csv"
    imported = do_import_values(source, actor=actor, fmt="csv", stored_by=STORED_BY)
    if imported.problems:
        raise DemoError(
            _("演示数据导入失败 / the demo figures were not imported:")
            + "\n"
            + _problems_text(imported.problems)
        )
    # What the hospital and the township's spot checks found, through the cross-check import.
    checked = do_import_source_values(
        source_csv(township.source_values).encode("utf-8"),
        actor=actor,
        filename="demo-sources.csv",
    )
    if checked.problems:
        raise DemoError(
            _("演示核查数据导入失败 / the demo cross-check figures were not imported:")
            + "\n"
            + _problems_text(checked.problems)
        )
    # The township checks its villages' figures against the validation rules, year by year.
    township_unit = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    for year in township.years:
        do_run_validation(actor, township_unit, year)
    contracts = do_demo_contracts(
        actor,
        OrgUnit.objects.get(code=TOWNSHIP_CODE),
        [(scheme, scheme_years(scheme, township.years)) for scheme in demo_schemes()],
        township.caps,
        township.quotas,
        story_year=township.years_2006[-1],
    )
    record(
        actor,
        "demo.build",
        "orgunit",
        TOWNSHIP_CODE,
        after={"seed": seed, "years": list(township.years), "values": len(township.values)},
    )
    summary = _summary(township, imported, published, time.perf_counter() - started, len(forecast))
    return dataclasses.replace(summary, contracts=contracts)


def _publish_demo_schemes(actor: Actor) -> tuple[str, ...]:
    """Publish the demo's schemes that are still drafts; their codes, in the demo's order."""
    published = []
    for code in DEMO_SCHEMES:
        scheme = find_scheme(code)
        if scheme.status != SchemeStatus.PUBLISHED:
            do_publish_scheme(scheme, actor, note=_("示范镇演示 / the demo township"))
        published.append(code)
    return tuple(published)


def demo_schemes() -> list[Scheme]:
    """The demo's schemes (their latest versions), villages first."""
    return [find_scheme(code) for code in DEMO_SCHEMES]


@transaction.atomic
def do_assess_demo_schemes(
    actor: Actor, years: Sequence[int]
) -> dict[str, dict[int, AssessmentRun]]:
    """Assess the demo township with each of its schemes (villages, direct units, departments,
    villages in 2026) for each of ``years`` it is valid for: {scheme code: {year: run}}.

    A scheme is never stretched beyond its years (no override): one valid for none of
    ``years`` is left out.
    """
    root = OrgUnit.objects.get(code=TOWNSHIP_CODE)
    runs: dict[str, dict[int, AssessmentRun]] = {}
    for scheme in demo_schemes():
        valid = scheme_years(scheme, years)
        if valid:
            runs[scheme.code] = {
                year: do_run_assessment(scheme, year, actor=actor, root=root) for year in valid
            }
    return runs


def do_assess_demo(actor: Actor, years: Sequence[int]) -> dict[int, AssessmentRun]:
    """Assess the demo township with all its schemes for each year they are valid for; the 2006
    village scheme's runs (the ones its pages and stories start from).
    :func:`do_assess_demo_schemes` gives all."""
    return do_assess_demo_schemes(actor, years)[SCHEME_CODE]


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
