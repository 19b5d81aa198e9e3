"""The conference speech draft (大会讲话稿) of the demo township, read back from the .docx and
compared with the results pages and the selectors they use (never with hard-coded figures)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client

from kaohe.assessments.models import ItemResult, UnitResult
from kaohe.assessments.selectors import area_indicators
from kaohe.checks.selectors import reconciliation
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.demo.figures_2026 import SCHEME_2026
from kaohe.demo.generator import SCHEME_CODE
from kaohe.documents.base import DocumentError, DocumentRequest
from kaohe.documents.word import build_speech
from kaohe.elements.models import DataElement
from kaohe.engine.rounding import format_fixed, format_trimmed
from kaohe.remediation.models import Designation
from kaohe.schemes.models import BirthPlan

from .conftest import Demo
from .word_reading import LEFTOVERS, Read, build

# (scheme, year, language) of every speech the tests read; built once for the module.
SPEECHES = [
    (SCHEME_CODE, 2005, "zh-hans"),
    (SCHEME_CODE, 2006, "zh-hans"),
    (SCHEME_CODE, 2006, "en"),
    (SCHEME_2026, 2026, "zh-hans"),
    (SCHEME_2026, 2026, "en"),
]


@pytest.fixture(scope="module")
def speeches(demo: Demo, django_db_blocker: Any) -> dict[tuple[str, int, str], Read]:
    with django_db_blocker.unblock():
        return {key: build(demo, "speech", *key) for key in SPEECHES}


def area_rows_of_the_results_page(demo: Demo, code: str, year: int) -> dict[str, tuple[str, str]]:
    """The 全镇指标 table of the ranking page: indicator name → (value, status) as shown."""
    client = Client()
    client.force_login(demo.users["township_admin"])
    run = demo.published(code, year)
    page = client.get(f"/results/{run.pk}/").content.decode()
    rows = re.findall(
        r'<tr data-indicator="[^"]+">\s*<th[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*'
        r"<td[^>]*>.*?</td>\s*<td>(.*?)</td>",
        page,
        flags=re.S,
    )
    assert rows, "the results page shows no area indicators"
    return {
        html.unescape(name).strip(): (
            html.unescape(value).strip(),
            re.sub(r"<[^>]+>", "", status).strip(),
        )
        for name, value, status in rows
    }


def test_every_indicator_of_the_speech_is_the_figure_the_results_page_shows(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    for code, year in ((SCHEME_CODE, 2006), (SCHEME_CODE, 2005), (SCHEME_2026, 2026)):
        page = area_rows_of_the_results_page(demo_db, code, year)
        speech = speeches[(code, year, "zh-hans")]
        appendix = {row[0]: row for row in speech.table_rows()}
        paragraph = speech.after("（一）各项责任指标完成情况")
        assert set(appendix) == set(page)
        for name, (value, status) in page.items():
            assert appendix[name][1] == value, name
            assert appendix[name][5] == status, name
            assert f"{name}为{value}" in paragraph, name


def test_the_appendix_compares_each_indicator_with_last_years_published_results(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    previous = {
        a.name: (a.value, a.decimals, a.unit_label)
        for a in area_indicators(demo_db.published(SCHEME_CODE, 2005))
    }
    rows = speeches[(SCHEME_CODE, 2006, "zh-hans")].table_rows()
    for name, value, _target, before, change, _status in rows:
        last, decimals, unit = previous[name]
        assert before == f"{format_fixed(last, decimals)}{unit}"
        now = float(value.rstrip(unit))
        difference = round(now - float(format_fixed(last, decimals)), decimals)
        if difference > 0:
            assert change.startswith("上升"), (name, change)
        elif difference < 0:
            assert change.startswith("下降"), (name, change)
        else:
            assert change == "持平", (name, change)
    # The first year has nothing before it: no change is claimed.
    first = speeches[(SCHEME_CODE, 2005, "zh-hans")].table_rows()
    assert {row[3] for row in first} == {"—"} and {row[4] for row in first} == {"—"}


def test_the_births_are_the_unit_pages_births_added_up_against_the_countys_cap(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    for year in (2005, 2006):
        run = demo_db.published(SCHEME_CODE, year)
        births = ItemResult.objects.filter(
            unit_result__run=run, item_code=run.scheme.plan_item, part=""
        ).aggregate(total=Sum("actual"))["total"]
        cap = BirthPlan.objects.get(scheme__code=SCHEME_CODE, township=demo_db.township, year=year)
        text = speeches[(SCHEME_CODE, year, "zh-hans")].text
        assert f"全年全镇共出生{format_trimmed(births, 0)}人" in text
        assert f"县下达的出生控制数为{cap.cap_births}人" in text
        stand = "控制在计划以内" if births <= cap.cap_births else "超出计划"
        assert stand in text


def test_the_grades_and_vetoes_are_counted_from_the_published_results(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    run = demo_db.published(SCHEME_CODE, 2006)
    results = list(UnitResult.objects.filter(run=run).select_related("unit"))
    paragraph = speeches[(SCHEME_CODE, 2006, "zh-hans")].paragraph_with("按照《")
    assert f"对全镇{len(results)}个村" in paragraph
    for grade in run.scheme.grades.all():
        count = sum(1 for r in results if r.grade == grade.code)
        assert (f"评为{grade.name}的{count}个" in paragraph) is (count > 0), grade.name
    vetoes = {v.code: v.name for v in run.scheme.vetoes.all()}
    vetoed = [r for r in results if r.vetoed]
    assert vetoed, "the demo has a vetoed village"
    for r in vetoed:
        assert f"{r.unit.name}因{'、'.join(vetoes[c] for c in r.vetoes)}被一票否决" in paragraph


def test_the_weak_and_strict_villages_are_named_and_criticised(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    for year in (2005, 2006):
        designated = Designation.objects.filter(
            scheme_code=SCHEME_CODE, year=year, revoked_at__isnull=True
        ).select_related("unit")
        assert designated, f"the demo designates weak villages in {year}"
        problem = next(
            p for p in speeches[(SCHEME_CODE, year, "zh-hans")].paragraphs if "提出严肃批评" in p
        )
        for d in designated:
            status = {"weak": "薄弱村", "strict": "严管村"}[d.status]
            assert d.unit.name in problem and status in problem, d.unit.name


def test_the_under_reporting_found_by_the_cross_checks_is_named(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    run = demo_db.published(SCHEME_CODE, 2006)
    births = DataElement.objects.get(code="BIRTHS")
    found = reconciliation(births, demo_db.township, run.period_code, None)
    under = [row for row in found.rows if row.is_under]
    assert under, "the demo has a village that under-reported its births"
    problem = next(
        p for p in speeches[(SCHEME_CODE, 2006, "zh-hans")].paragraphs if "统计数据还不够真实" in p
    )
    for row in under:
        assert row.unit.name in problem
        assert (
            f"出生人数上报{format_trimmed(row.reported, 2)}，核查发现{format_trimmed(row.found, 2)}，"
            f"少报{format_trimmed(row.under_reported, 2)}"
        ) in problem


def test_the_over_reporting_found_by_the_spot_check_is_named(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    run = demo_db.published(SCHEME_CODE, 2006)
    users = DataElement.objects.get(code="MWRA_CONTRACEPTING")
    found = reconciliation(users, demo_db.township, run.period_code, None)
    over = [row for row in found.rows if row.is_over]
    assert over, "the demo has a village that claimed more users than the check found"
    problem = next(
        p for p in speeches[(SCHEME_CODE, 2006, "zh-hans")].paragraphs if "统计数据还不够真实" in p
    )
    for row in over:
        assert row.unit.name in problem
        assert (
            f"{users.name}上报{format_trimmed(row.reported, 2)}，"
            f"抽查核实{format_trimmed(row.checked, 2)}，多报{format_trimmed(row.over_reported, 2)}"
        ) in problem


def test_this_years_tasks_come_from_the_contracts_signed_for_it(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    contracts = Contract.objects.filter(
        scheme__code=SCHEME_CODE, year=2006, unit__path__startswith=demo_db.township.path
    ).exclude(status=ContractStatus.SUPERSEDED)
    signed = contracts.filter(status=ContractStatus.SIGNED).count()
    drafted = contracts.filter(status=ContractStatus.DRAFT).count()
    text = speeches[(SCHEME_CODE, 2005, "zh-hans")].text
    assert f"今天，镇党委、政府与{signed}个村签订了《2006年度目标管理责任书》" in text
    assert f"还有{drafted}份尚未签订" in text
    quotas = sum(t.value for c in contracts for t in c.targets.filter(item__code="BIRTHS_VS_PLAN"))
    assert f"出生人数控制在各村计划数合计{format_trimmed(quotas, 0)}人以内" in text
    # No contracts for 2007 yet: the speech says so and takes the scheme's targets.
    later = speeches[(SCHEME_CODE, 2006, "zh-hans")].text
    assert "2007年度目标管理责任书尚未签订" in later
    assert "人口出生率控制在12‰以内" in later


def test_the_speech_follows_the_seeds_parts_in_order(
    speeches: dict[tuple[str, int, str], Read],
) -> None:
    for (_code, _year, language), speech in speeches.items():
        if language != "zh-hans":
            continue
        heads = [p[:2] for p in speech.paragraphs if re.match(r"^[一二三]、", p)]
        assert heads == ["一、", "二、", "三、"]
        order = ["同志们：", "（一）各项责任指标完成情况", "一是", "二、明确任务", "三、加强领导"]
        positions = [
            next(i for i, p in enumerate(speech.paragraphs) if p.startswith(o)) for o in order
        ]
        assert positions == sorted(positions)


def test_nothing_is_left_as_crosses_or_unfilled_placeholders(
    speeches: dict[tuple[str, int, str], Read],
) -> None:
    for key, speech in speeches.items():
        assert not LEFTOVERS.search(speech.text), (key, LEFTOVERS.search(speech.text))


def test_the_speech_carries_the_births_chart_only_where_the_scheme_plans_births(
    speeches: dict[tuple[str, int, str], Read],
) -> None:
    assert speeches[(SCHEME_CODE, 2006, "zh-hans")].pictures == 2  # births by year, ranking
    assert speeches[(SCHEME_2026, 2026, "zh-hans")].pictures == 1  # the ranking alone


def test_each_library_edition_speaks_of_its_own_era(
    speeches: dict[tuple[str, int, str], Read],
) -> None:
    assert "人口与计划生育" in speeches[(SCHEME_CODE, 2006, "zh-hans")].paragraphs[0]
    title_2026 = speeches[(SCHEME_2026, 2026, "zh-hans")].paragraphs[0]
    assert "人口服务和家庭发展" in title_2026 and "计划生育" not in title_2026
    assert "全年全镇共出生" not in speeches[(SCHEME_2026, 2026, "zh-hans")].text


def test_the_english_speech_gives_the_same_figures_in_english(
    demo_db: Demo, speeches: dict[tuple[str, int, str], Read]
) -> None:
    speech = speeches[(SCHEME_CODE, 2006, "en")]
    assert speech.filename == f"speech-{demo_db.township.code}-2006.docx"
    assert speech.paragraphs[0].startswith("Speech at the 2006 conference")
    chinese = speeches[(SCHEME_CODE, 2006, "zh-hans")].table_rows()
    english = speech.table_rows()
    assert [row[1:4] for row in english] == [row[1:4] for row in chinese]
    assert {row[5] for row in english} <= {"met", "missed", ""}
    for row in english:
        if row[4] != "—":
            assert row[4].split()[0] in ("up", "down", "unchanged"), row
    for a in area_indicators(demo_db.published(SCHEME_CODE, 2006)):
        assert (
            f"{a.name_en[:1].lower()}{a.name_en[1:]} was {format_fixed(a.value, a.decimals)}"
            in speech.text
        )


def test_without_a_published_run_the_speech_is_refused_in_both_languages(demo_db: Demo) -> None:
    request = DocumentRequest(
        scheme=demo_db.scheme(),
        year=1999,
        root=demo_db.township,
        user=demo_db.users["township_admin"],
    )
    with pytest.raises(DocumentError) as refused:
        build_speech(request)
    assert refused.value.field == "year"
    message = str(refused.value)
    assert "还没有发布考核结果" in message and "no published results for 1999" in message
