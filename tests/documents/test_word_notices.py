"""表彰通报 and 批评通报 of the demo township, read back from the .docx and compared with the
published results, the weak-unit designations and the rewards ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kaohe.assessments.models import UnitResult
from kaohe.demo.figures_2026 import SCHEME_2026
from kaohe.demo.generator import SCHEME_CODE
from kaohe.documents.base import DocumentError, DocumentRequest
from kaohe.documents.word import build_commendation, build_criticism
from kaohe.documents.word.wording import money
from kaohe.remediation.models import Designation
from kaohe.rewards.models import LedgerEntry, MoneyKind

from .conftest import Demo
from .word_reading import LEFTOVERS, Read, build

NOTICES = [
    ("commendation", SCHEME_CODE, 2006, "zh-hans"),
    ("commendation", SCHEME_CODE, 2006, "en"),
    ("commendation", SCHEME_2026, 2026, "zh-hans"),
    ("criticism", SCHEME_CODE, 2006, "zh-hans"),
    ("criticism", SCHEME_CODE, 2006, "en"),
    ("criticism", SCHEME_2026, 2026, "zh-hans"),
]
# The grades the libraries' money rules reward (README: 一、二、三等奖; 优秀, 良好).
REWARDED = {SCHEME_CODE: {"FIRST", "SECOND", "THIRD"}, SCHEME_2026: {"EXCELLENT", "GOOD"}}


@pytest.fixture(scope="module")
def notices(demo: Demo, django_db_blocker: Any) -> dict[tuple[str, str, int, str], Read]:
    with django_db_blocker.unblock():
        return {key: build(demo, *key) for key in NOTICES}


def results(demo: Demo, code: str, year: int) -> list[UnitResult]:
    run = demo.published(code, year)
    return list(UnitResult.objects.filter(run=run).select_related("unit").order_by("kind", "rank"))


@pytest.mark.parametrize(("code", "year"), [(SCHEME_CODE, 2006), (SCHEME_2026, 2026)])
def test_the_commendation_lists_every_unit_at_a_rewarded_grade_and_no_vetoed_one(
    demo_db: Demo, notices: dict[tuple[str, str, int, str], Read], code: str, year: int
) -> None:
    expected = {
        r.unit.name
        for r in results(demo_db, code, year)
        if r.grade in REWARDED[code] and not r.vetoed
    }
    notice = notices[("commendation", code, year, "zh-hans")]
    listed = {row[1] for row in notice.table_rows()}
    assert listed == expected
    vetoed = {r.unit.name for r in results(demo_db, code, year) if r.vetoed}
    assert not vetoed & listed
    assert f"决定对以下{len(expected)}个成绩突出的村予以表彰" in notice.text


def test_each_grade_of_the_commendation_heads_its_units_with_their_totals(
    demo_db: Demo, notices: dict[tuple[str, str, int, str], Read]
) -> None:
    notice = notices[("commendation", SCHEME_CODE, 2006, "zh-hans")]
    rows = results(demo_db, SCHEME_CODE, 2006)
    for grade in demo_db.published(SCHEME_CODE, 2006).scheme.grades.filter(
        code__in=REWARDED[SCHEME_CODE]
    ):
        members = [r for r in rows if r.grade == grade.code and not r.vetoed]
        if not members:
            continue
        line = notice.paragraph_with(f"{grade.name}（{len(members)}个）：")
        for r in members:
            assert f"{r.unit.name}（{r.total}分）" in line


def test_the_rewards_of_the_commendation_are_the_ledgers(
    demo_db: Demo, notices: dict[tuple[str, str, int, str], Read]
) -> None:
    run = demo_db.published(SCHEME_CODE, 2006)
    ledger: dict[str, Decimal] = {}
    for name, amount in LedgerEntry.objects.filter(run=run, kind=MoneyKind.REWARD).values_list(
        "unit__name", "amount"
    ):
        ledger[name] = ledger.get(name, Decimal(0)) + amount
    rows = notices[("commendation", SCHEME_CODE, 2006, "zh-hans")].table_rows()
    assert rows
    for _grade, name, _total, _rank, reward in rows:
        assert reward == (money(ledger[name], "zh") if ledger.get(name) else "—"), name
    total = sum((ledger.get(row[1], Decimal(0)) for row in rows), Decimal(0))
    assert (
        f"以上奖励共计{money(total, 'zh')}"
        in notices[("commendation", SCHEME_CODE, 2006, "zh-hans")].text
    )


@pytest.mark.parametrize(("code", "year"), [(SCHEME_CODE, 2006), (SCHEME_2026, 2026)])
def test_the_criticism_lists_the_vetoed_the_weak_and_strict_and_the_lowest_graded(
    demo_db: Demo, notices: dict[tuple[str, str, int, str], Read], code: str, year: int
) -> None:
    rows = results(demo_db, code, year)
    lowest = demo_db.published(code, year).scheme.grades.order_by("min_total").first()
    assert lowest is not None
    designated = set(
        Designation.objects.filter(
            scheme_code=code, year=year, revoked_at__isnull=True
        ).values_list("unit__name", flat=True)
    )
    expected = {r.unit.name for r in rows if r.vetoed or r.grade == lowest.code} | designated
    notice = notices[("criticism", code, year, "zh-hans")]
    listed = [row[0] for row in notice.table_rows()]
    assert set(listed) == expected
    # The gravest first: the vetoed before the others.
    vetoed = {r.unit.name for r in rows if r.vetoed}
    assert set(listed[: len(vetoed)]) == vetoed


def test_the_criticism_gives_the_veto_its_consequences_and_the_remediation_plan(
    demo_db: Demo, notices: dict[tuple[str, str, int, str], Read]
) -> None:
    run = demo_db.published(SCHEME_CODE, 2006)
    text = notices[("criticism", SCHEME_CODE, 2006, "zh-hans")].text
    vetoes = {v.code: v for v in run.scheme.vetoes.all()}
    for r in UnitResult.objects.filter(run=run, vetoed=True).select_related("unit"):
        for code in r.vetoes:
            assert f"因{vetoes[code].name}被一票否决" in text
            for consequence in vetoes[code].consequences:
                assert consequence in text
    for d in Designation.objects.filter(
        scheme_code=SCHEME_CODE, year=2006, revoked_at__isnull=True
    ).select_related("unit", "plan__leader"):
        assert d.reason_zh in text
        assert f"由{d.plan.leader.name}牵头帮促转化" in text


def test_the_english_notices_name_the_units_in_english(
    demo_db: Demo, notices: dict[tuple[str, str, int, str], Read]
) -> None:
    commendation = notices[("commendation", SCHEME_CODE, 2006, "en")]
    assert commendation.paragraphs[0].startswith("Notice commending")
    chinese = notices[("commendation", SCHEME_CODE, 2006, "zh-hans")].table_rows()
    names = {
        r.unit.name: r.unit.name_en or r.unit.name for r in results(demo_db, SCHEME_CODE, 2006)
    }
    assert [row[1] for row in commendation.table_rows()] == [names[row[1]] for row in chinese]
    criticism = notices[("criticism", SCHEME_CODE, 2006, "en")]
    assert "Action:" in criticism.text and "vetoed" in criticism.text


def test_no_notice_leaves_crosses_or_unfilled_placeholders(
    notices: dict[tuple[str, str, int, str], Read],
) -> None:
    for key, notice in notices.items():
        assert not LEFTOVERS.search(notice.text), key
        assert notice.paragraphs[-1]  # dated: the day the results were published


@pytest.mark.parametrize("builder", [build_commendation, build_criticism])
def test_a_notice_without_published_results_is_refused(demo_db: Demo, builder: Any) -> None:
    request = DocumentRequest(demo_db.scheme(), 1999, demo_db.township, None, "en")
    with pytest.raises(DocumentError) as refused:
        builder(request)
    assert refused.value.field == "year" and " / " in str(refused.value)
