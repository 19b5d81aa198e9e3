"""The township overview and a unit's dashboard on the demo township: their figures against the
results and the demo's own story, the tables a browser without scripts shows, and who may see
them (the permission matrix of every page and endpoint of the documents app)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.db.models import Sum
from django.test import Client
from lxml import html

from kaohe.assessments.models import IndicatorValue, ItemResult, RunStatus, UnitResult
from kaohe.assessments.services import prepare_assessment
from kaohe.datavalues.models import DataValue
from kaohe.demo.figures_2026 import SCHEME_2026
from kaohe.demo.generator import SCHEME_CODE, TOWNSHIP_CODE
from kaohe.demo.units import DIRECT_UNITS_SCHEME
from kaohe.documents import registry
from kaohe.documents.dashboards import change_of, township_dashboard, unit_dashboard
from kaohe.documents.trends import _year_to_date, running_total
from kaohe.engine.aggregate import ValueCube
from kaohe.engine.spec import ElementSpec
from kaohe.remediation.models import Designation
from kaohe.rewards.models import LedgerEntry

from .conftest import Demo

DASHBOARD = "/documents/dashboard/"
YEAR = 2006


def client_for(demo: Demo, role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(demo.users[role])
    return client


def page_of(demo: Demo, url: str, role: str = "township_admin", **query: Any) -> Any:
    response = client_for(demo, role).get(url, query)
    assert response.status_code == 200, url
    return html.fromstring(response.content.decode())


def overview(demo: Demo, **query: Any) -> Any:
    return page_of(demo, DASHBOARD, township=TOWNSHIP_CODE, **query)


def cell_values(row: Any) -> list[float | None]:
    return [float(v) if v else None for v in row.xpath(".//*[@data-v]/@data-v")]


# --- small pieces, by hand -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "before", "change"),
    [
        (10.5, 10.0, "up"),
        (9.0, 10.0, "down"),
        (10.0, 10.0, "same"),
        (None, 1.0, ""),
        (1.0, None, ""),
    ],
)
def test_the_change_from_last_year(value: float | None, before: float | None, change: str) -> None:
    assert change_of(value, before) == change


def test_the_running_total_counts_missing_months_as_nothing() -> None:
    assert running_total([None, 3, None, 2, 5]) == [None, 3, 3, 5, 10]


def test_year_to_date_keeps_the_periods_that_end_by_the_months_end() -> None:
    from kaohe.engine.periods import parse_period

    periods = ("200601", "200602", "2006Q1", "200603", "200604")
    data = np.arange(5, dtype=np.float64).reshape(1, 5, 1)
    cube = ValueCube(("V1",), (ElementSpec("BIRTHS", "births"),), periods, data)
    cut = _year_to_date(cube, parse_period("200603"))
    assert cut.periods == ("200601", "200602", "2006Q1", "200603")
    assert cut.data[0, :, 0].tolist() == [0.0, 1.0, 2.0, 3.0]


# --- the township overview -------------------------------------------------------------------


def test_each_indicator_stands_against_its_target_and_last_year(demo_db: Demo) -> None:
    run = demo_db.published(SCHEME_CODE, YEAR)
    last = demo_db.published(SCHEME_CODE, YEAR - 1)
    page = overview(demo_db, year=YEAR)
    rows = page.xpath('//table[@id="indicators"]/tbody/tr')
    stored = list(run.area_indicator_values.order_by("sort_order"))
    before = dict(last.area_indicator_values.values_list("indicator_code", "value"))
    assert [r.get("data-indicator") for r in rows] == [a.indicator_code for a in stored]
    for row, area in zip(rows, stored, strict=True):
        value, target, last_year = cell_values(row)
        assert (value, target, last_year) == (area.value, area.target, before[area.indicator_code])
        word = row.xpath("string(./td[4])").strip()
        assert word == {True: "完成", False: "未完成", None: ""}[area.met]
        change = change_of(area.value, before[area.indicator_code])
        assert row.xpath("./td[@data-change]/@data-change") == [change]


def test_without_scripts_every_figure_is_in_a_table_and_the_charts_wait(demo_db: Demo) -> None:
    page = overview(demo_db, year=YEAR)
    tables = set(page.xpath("//table/@id"))
    assert {"indicators", "births-months", "ytd", "plan", "ranking", "weak"} <= tables
    charts = page.xpath('//div[contains(@class, "kaohe-chart") and @data-chart]')
    assert len(charts) >= 5
    for chart in charts:
        assert chart.get("hidden") is not None, chart.get("id")
        assert chart.get("data-source") in tables, chart.get("id")
    scripts = page.xpath("//script/@src")
    assert any(s.endswith("vendor/echarts.min.js") for s in scripts)
    assert any(s.endswith("documents/charts.js") for s in scripts)
    assert not any(s.startswith("http") for s in scripts)  # served locally, never a CDN


def test_the_months_births_add_up_to_what_the_villages_reported(demo_db: Demo) -> None:
    board = township_dashboard(None, demo_db.township, YEAR, SCHEME_CODE)
    trends = board.trends
    assert [m.month for m in trends.months] == list(range(1, 13))
    # Last year by the demo's own story of what each village reported (hidden births left out).
    summary = demo_db.summary
    before = sum(summary.reported_births(code, YEAR - 1) for code in summary.villages)
    assert sum(b or 0 for b in trends.births_last_year) == before
    # This year month by month against the stored monthly reports of the villages.
    for month, births in zip(trends.months, trends.births, strict=True):
        stored = DataValue.objects.filter(
            element__code="BIRTHS", period__code=month.code, unit__kind="village"
        ).aggregate(total=Sum("value"))["total"]
        assert births == int(stored), month.code
    assert trends.cumulative[-1] == sum(b or 0 for b in trends.births)
    # Where checks corrected the births scored, the page says why the two totals differ.
    assert board.births is not None
    differ = trends.cumulative[-1] != board.births.births
    page = overview(demo_db, year=YEAR, scheme=SCHEME_CODE)
    assert bool(page.xpath('//*[@id="births-corrected"]')) == differ


def test_the_last_month_to_date_is_the_years_figure_of_the_published_run(demo_db: Demo) -> None:
    run = demo_db.published(SCHEME_CODE, YEAR)
    board = township_dashboard(None, demo_db.township, YEAR, SCHEME_CODE)
    compiled = prepare_assessment(run.scheme, YEAR, run.root).compiled
    corrected = {c.element for c in compiled.spec.corrections}
    plain = [
        ci.spec.code
        for ci in compiled.indicators
        if not any(
            r.datasets or r.sources or {e for e, _o in r.elements} & corrected
            for r in (ci.numerator.references, ci.denominator.references)
        )
    ]
    assert plain, "no indicator to compare"
    stored = dict(run.area_indicator_values.values_list("indicator_code", "value"))
    for code in plain:
        assert board.trends.indicators[code][-1] == stored[code], code


def test_births_against_the_plan_are_the_villages_quotas_under_the_countys_cap(
    demo_db: Demo,
) -> None:
    board = township_dashboard(None, demo_db.township, YEAR, SCHEME_CODE)
    births = board.births
    assert births is not None
    quotas = demo_db.summary.quotas[YEAR]
    assert {r.code: r.quota for r in births.rows} == {c: float(q) for c, q in quotas.items()}
    assert births.cap == demo_db.summary.caps[YEAR]
    run = demo_db.published(SCHEME_CODE, YEAR)
    actuals = ItemResult.objects.filter(
        unit_result__run=run, item_code=run.scheme.plan_item, part=""
    ).aggregate(total=Sum("actual"))["total"]
    assert births.births == actuals
    page = overview(demo_db, year=YEAR)
    over = page.xpath('//table[@id="plan"]/tbody/tr[contains(@class, "table-danger")]/@data-unit')
    assert over == [r.code for r in births.rows if r.over]


def test_the_ranking_lists_every_unit_in_order_with_a_link_to_its_page(demo_db: Demo) -> None:
    run = demo_db.published(SCHEME_CODE, YEAR)
    results = list(run.unit_results.select_related("unit").order_by("kind", "rank", "unit__path"))
    rows = overview(demo_db, year=YEAR).xpath('//table[@id="ranking"]/tbody/tr')
    assert [r.get("data-unit") for r in rows] == [u.unit.code for u in results]
    for row, result in zip(rows, results, strict=True):
        assert cell_values(row) == [float(result.total)]
        assert row.xpath(".//a/@href")[0].startswith(f"/documents/unit/{result.unit.code}/")
        assert (row.get("data-color") is not None) == result.vetoed


def test_weak_and_strict_units_show_where_their_remediation_stands(demo_db: Demo) -> None:
    designations = list(
        Designation.objects.filter(scheme_code=SCHEME_CODE, year=YEAR, revoked_at__isnull=True)
        .select_related("unit", "plan")
        .order_by("unit__path")
    )
    assert designations, "the demo designates weak villages"
    rows = overview(demo_db, year=YEAR).xpath('//table[@id="weak"]/tbody/tr')
    assert [(r.get("data-unit"), r.get("data-status")) for r in rows] == [
        (d.unit.code, d.status) for d in designations
    ]
    plans = [r.xpath("./td[@data-plan]/@data-plan")[0] for r in rows]
    assert plans == [getattr(d, "plan", None) and d.plan.status or "" for d in designations]


def test_the_year_2026_has_no_birth_plan_but_its_indicators_month_by_month(demo_db: Demo) -> None:
    page = overview(demo_db, year=2026)
    tables = set(page.xpath("//table/@id"))
    assert "plan" not in tables and "births-months" not in tables
    assert {"indicators", "ytd", "ranking"} <= tables
    assert page.xpath('//ul[@id="schemes"]') == []  # one scheme assessed that year
    assert SCHEME_2026 in page.xpath('string(//p[@id="run-line"])') or page.xpath(
        '//table[@id="ytd"]/tbody/tr'
    )


def test_another_scheme_of_the_year_opens_from_its_tab(demo_db: Demo) -> None:
    page = overview(demo_db, year=YEAR)
    tabs = page.xpath('//ul[@id="schemes"]//a/@href')
    assert any(f"scheme={DIRECT_UNITS_SCHEME}" in t for t in tabs)
    direct = overview(demo_db, year=YEAR, scheme=DIRECT_UNITS_SCHEME)
    units = direct.xpath('//table[@id="ranking"]/tbody/tr/@data-unit')
    assert sorted(units) == sorted(demo_db.summary.direct_units)


def test_the_newest_year_is_shown_when_none_is_asked_for(demo_db: Demo) -> None:
    newest = max(r.year for r in registry.published_runs(None, demo_db.township))
    page = overview(demo_db)
    assert page.xpath('//select[@id="f-year"]/option[@selected]/@value') == [str(newest)]


def test_a_township_without_published_results_says_so(demo_db: Demo) -> None:
    page = page_of(demo_db, DASHBOARD, "other_admin")
    assert page.xpath('//*[@id="no-run"]')


def test_a_person_without_a_whole_township_is_told_what_to_open_instead(demo_db: Demo) -> None:
    page = page_of(demo_db, DASHBOARD, "reporter")
    assert page.xpath('//*[@id="no-township"]')


def test_the_overview_reads_a_bounded_number_of_queries(
    demo_db: Demo, django_assert_max_num_queries: Any
) -> None:
    client = client_for(demo_db, "township_admin")
    client.get(DASHBOARD, {"township": TOWNSHIP_CODE, "year": YEAR})  # warm the caches
    with django_assert_max_num_queries(45):
        response = client.get(DASHBOARD, {"township": TOWNSHIP_CODE, "year": YEAR})
    assert response.status_code == 200


# --- a unit's own page -----------------------------------------------------------------------


def test_a_units_page_shows_its_score_item_by_item_and_its_money(demo_db: Demo) -> None:
    run = demo_db.published(SCHEME_CODE, YEAR)
    result = UnitResult.objects.get(run=run, unit__code="V09")
    page = page_of(demo_db, "/documents/unit/V09/", year=YEAR)
    rows = page.xpath('//table[@id="items"]/tbody/tr')
    items = list(result.items.order_by("part", "sort_order"))
    assert [r.get("data-item") for r in rows] == [i.item_code for i in items]
    for row, item in zip(rows, items, strict=True):
        assert cell_values(row) == [float(item.weight), float(item.score)]
    net = LedgerEntry.objects.filter(run=run, unit__code="V09").aggregate(s=Sum("amount"))["s"]
    board = unit_dashboard(demo_db.users["township_admin"], result.unit, YEAR)
    assert board.money is not None and board.money.all.net == Decimal(net)
    kinds = page.xpath('//table[@id="money-kinds"]/tbody/tr')
    assert sum(Decimal(str(cell_values(r)[0])) for r in kinds) == Decimal(net)


def test_a_units_indicators_over_the_years_are_those_of_each_published_run(
    demo_db: Demo,
) -> None:
    page = page_of(demo_db, "/documents/unit/V09/", year=YEAR)
    years = [int(y) for y in page.xpath('//table[@id="series"]/thead//th/@data-series')]
    assert years == sorted({r.run.year for r in UnitResult.objects.filter(
        unit__code="V09", run__status=RunStatus.PUBLISHED).select_related("run")})  # fmt: skip
    row = page.xpath('//table[@id="series"]/tbody/tr[@data-indicator="BIRTH_RATE"]')[0]
    expected = []
    for year in years:
        found = IndicatorValue.objects.filter(
            unit__code="V09",
            indicator_code="BIRTH_RATE",
            run__status=RunStatus.PUBLISHED,
            run__year=year,
        ).values_list("value", flat=True)
        expected.append(next(iter(found), None))
    assert cell_values(row) == expected


def test_a_vetoed_units_page_names_the_veto(demo_db: Demo) -> None:
    run = demo_db.published(SCHEME_CODE, YEAR)
    result = run.unit_results.filter(vetoed=True).select_related("unit").first()
    assert result is not None, "the demo vetoes a village"
    names = dict(run.scheme.vetoes.values_list("code", "name"))
    page = page_of(demo_db, f"/documents/unit/{result.unit.code}/", year=YEAR)
    text = page.xpath('string(//div[contains(@class, "alert-danger")])')
    assert all(names[str(code)] in text for code in result.vetoes)


# --- the documents page ----------------------------------------------------------------------


def test_the_documents_page_links_every_installed_kind_of_every_published_year(
    demo_db: Demo,
) -> None:
    page = page_of(demo_db, "/documents/", township=TOWNSHIP_CODE)
    runs = registry.published_runs(None, demo_db.township)
    rows = page.xpath('//table[@id="documents"]/tbody/tr')
    assert [(r.get("data-scheme"), int(r.get("data-year"))) for r in rows] == [
        (run.scheme.code, run.year) for run in runs
    ]
    installed = [k for k in registry.KINDS if registry.available(k)]
    links = rows[0].xpath(".//a[@data-kind]/@data-kind")
    assert links == installed


def test_a_download_from_the_page_is_the_file_and_a_refusal_is_explained(demo_db: Demo) -> None:
    kind = next(k for k in registry.KINDS if registry.available(k))
    client = client_for(demo_db, "reviewer")
    query = {"township": TOWNSHIP_CODE, "scheme": SCHEME_CODE, "year": YEAR}
    response = client.get(f"/documents/download/{kind}/", query)
    assert response.status_code == 200
    assert response["Content-Type"] == registry.KINDS[kind].content_type
    refused = client.get(f"/documents/download/{kind}/", {**query, "year": "1492"})
    assert refused.status_code == 400
    message = html.fromstring(refused.content.decode()).xpath('//*[@id="document-error"]')[0]
    assert message.get("data-field") == "year" and " / " in message.text_content()


def test_the_form_on_the_documents_page_goes_on_to_the_download(demo_db: Demo) -> None:
    response = client_for(demo_db, "reviewer").get(
        "/documents/",
        {"kind": "speech", "township": TOWNSHIP_CODE, "scheme": SCHEME_CODE, "year": YEAR},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/documents/download/speech/?")
    assert f"year={YEAR}" in response["Location"]


# --- who may see what ------------------------------------------------------------------------

ROLES = ["township_admin", "reviewer", "superuser", "reporter", "other_admin", "no_role", None]
TOWNSHIP_SEERS = {"township_admin", "reviewer", "superuser"}


def expected(ok: set[str], role: str | None, refused: int = 404, anonymous: int = 302) -> int:
    if role is None:
        return anonymous
    return 200 if role in ok else refused


def _download_kind() -> str:
    return next(k for k in registry.KINDS if registry.available(k))


MATRIX: list[tuple[str, dict[str, Any], set[str], int]] = [
    # (address, query, who gets 200, what the others get; the anonymous: 302 pages, 403 API)
    ("/documents/", {"township": TOWNSHIP_CODE}, TOWNSHIP_SEERS, 404),
    ("/documents/dashboard/", {"township": TOWNSHIP_CODE, "year": YEAR}, TOWNSHIP_SEERS, 404),
    ("/documents/unit/V02/", {"year": YEAR}, TOWNSHIP_SEERS | {"reporter"}, 404),
    ("/documents/unit/V03/", {"year": YEAR}, TOWNSHIP_SEERS, 404),
    ("/documents/unit/NOWHERE/", {}, set(), 404),
    (
        "/documents/download/KIND/",
        {"township": TOWNSHIP_CODE, "scheme": SCHEME_CODE, "year": YEAR},
        TOWNSHIP_SEERS,
        404,
    ),
    ("/api/documents/", {}, TOWNSHIP_SEERS | {"reporter", "other_admin", "no_role"}, 403),
    (
        "/api/documents/KIND/",
        {"township": TOWNSHIP_CODE, "scheme": SCHEME_CODE, "year": YEAR},
        TOWNSHIP_SEERS,
        404,
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_the_permission_matrix_of_the_documents_pages_and_api(
    demo_db: Demo, role: str | None
) -> None:
    client = client_for(demo_db, role)
    wrong = []
    kind = _download_kind()
    for address, query, ok, refused in MATRIX:
        url = address.replace("KIND", kind)
        anonymous = 403 if url.startswith("/api/") else 302
        want = expected(ok, role, refused, anonymous)
        got = client.get(url, query).status_code
        if got != want:
            wrong.append(f"{url} {query}: {got}, expected {want}")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("role", ["reporter", "other_admin", "no_role"])
def test_a_refused_page_names_no_village_of_the_township(demo_db: Demo, role: str) -> None:
    client = client_for(demo_db, role)
    names = [demo_db.summary.village_names[c] for c in demo_db.summary.villages if c != "V02"]
    for url in ("/documents/dashboard/", "/documents/"):
        text = client.get(url, {"township": TOWNSHIP_CODE}).content.decode()
        assert not [n for n in names if n in text], url


def test_a_reporter_opens_their_own_units_page_without_a_way_to_the_overview(
    demo_db: Demo,
) -> None:
    mine = page_of(demo_db, "/documents/unit/V02/", "reporter", year=YEAR)
    assert mine.xpath('//table[@id="items"]/tbody/tr')
    assert not mine.xpath('//a[contains(@href, "/documents/dashboard/")]')
    theirs = page_of(demo_db, "/documents/unit/V02/", "reviewer", year=YEAR)
    assert theirs.xpath('//a[contains(@href, "/documents/dashboard/")]')
