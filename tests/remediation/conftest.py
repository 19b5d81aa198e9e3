"""A township of five villages assessed in 2005 and 2006 by a scheme whose total is simply each
village's reported score (a linear item: one point off per point below 100), with a veto for
falsified data and three designation rules:

* WEAK_GRADE: 不合格 (a total below 70) → 薄弱村;
* STRICT_VETO: the FAKED veto → 严管村;
* STRICT_AGAIN: weak again the year after → 严管村.

2005: V3 scores 60 (weak). 2006: V3 55 (weak again → strict), V4 65 (weak), V5 90 but vetoed
(strict). Another township's village W1 and its secretary are there to be refused.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AssessmentRun, RunStatus
from kaohe.assessments.services import do_run_assessment, find_scheme
from kaohe.audit.services import Actor
from kaohe.bundles.services import do_load_bundles
from kaohe.datavalues.services import do_set_value
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Scheme

ACTOR = Actor.cli("pytest")
BUNDLE = """
kaohe_bundle: 1
units:
  - {code: C, name: 帮促县, kind: county}
  - {code: T, name: 帮促镇, kind: township, parent: C}
  - {code: V1, name: 一村, kind: village, parent: T, sort_order: 1}
  - {code: V2, name: 二村, kind: village, parent: T, sort_order: 2}
  - {code: V3, name: 三村, kind: village, parent: T, sort_order: 3}
  - {code: V4, name: 四村, kind: village, parent: T, sort_order: 4}
  - {code: V5, name: 五村, kind: village, parent: T, sort_order: 5}
  - {code: T2, name: 邻镇, kind: township, parent: C}
  - {code: W1, name: 邻村, kind: village, parent: T2}
elements:
  - {code: SCORE, name: 自评分, value_type: number, aggregation: sum}
  - {code: FAKED, name: 弄虚作假, value_type: integer, aggregation: sum}
datasets:
  - code: YEARLY
    name: 年报
    period_type: Yearly
    unit_kinds: [village]
    elements: [SCORE, FAKED]
officials:
  - {code: T_HEAD, name: 镇长甲, role: other, unit: T}
  - {code: T_CADRE, name: 包村干部乙, role: stationed_cadre, unit: T}
  - {code: V3_SEC, name: 三村支书, role: party_secretary, unit: V3}
  - {code: V4_SEC, name: 四村支书, role: party_secretary, unit: V4}
  - {code: W1_SEC, name: 邻村支书, role: party_secretary, unit: W1}
schemes:
  - code: HELP
    name: 帮促测试方案
    name_en: Remediation test scheme
    period_type: Yearly
    unit_kinds: [village]
    year_from: 2000
    year_to: 2030
    items:
      - {code: SCORE, name: 综合得分, name_en: Score, weight: 100, rule: linear,
         params: {points: 1}, actual: "#{SCORE}", target: 100, decimals: 2}
    vetoes:
      - {code: FAKED, name: 弄虚作假, name_en: Falsified data, condition: "#{FAKED} > 0"}
    grades:
      - {code: PASS, name: 合格, name_en: Pass, min_total: 70}
      - {code: FAIL, name: 不合格, name_en: Fail, min_total: 0}
"""
RULES = [
    {"code": "WEAK_GRADE", "status": "weak", "name": "薄弱村", "name_en": "weak village",
     "when": {"grade_in": ["FAIL"]}},
    {"code": "STRICT_VETO", "status": "strict", "name": "严管村", "name_en": "strict village",
     "when": {"veto_in": ["FAKED"]}},
    {"code": "STRICT_AGAIN", "status": "strict", "name": "严管村", "name_en": "strict village",
     "when": {"weak_again": True}},
]  # fmt: skip
SCORES = {
    2005: {"V1": 95, "V2": 80, "V3": 60, "V4": 75, "V5": 72},
    2006: {"V1": 96, "V2": 85, "V3": 55, "V4": 65, "V5": 90},
}
FALSIFIED = {2006: {"V5": 1}}


@dataclass(frozen=True)
class County:
    scheme: Scheme
    runs: dict[int, AssessmentRun]

    def unit(self, code: str) -> OrgUnit:
        return OrgUnit.objects.get(code=code)

    def official(self, code: str) -> Official:
        return Official.objects.get(code=code)


def publish(run: AssessmentRun) -> AssessmentRun:
    """Mark a run published as the publishing service leaves it (its checks are tested there)."""
    AssessmentRun.objects.filter(pk=run.pk).update(
        status=RunStatus.PUBLISHED, published_at=timezone.now(), published_by="pytest"
    )
    run.refresh_from_db()
    return run


def assess(scheme: Scheme, year: int, *, published: bool = True) -> AssessmentRun:
    run = do_run_assessment(scheme, year, actor=ACTOR, root=OrgUnit.objects.get(code="T"))
    return publish(run) if published else run


@pytest.fixture
def county(tmp_path: Path) -> County:
    path = tmp_path / "county.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    do_load_bundles([str(path)], ACTOR)
    for year, scores in SCORES.items():
        for unit, score in scores.items():
            do_set_value(
                actor=ACTOR, element_code="SCORE", period_code=str(year), unit_code=unit,
                value=score,
            )  # fmt: skip
            falsified = FALSIFIED.get(year, {}).get(unit, 0)
            do_set_value(
                actor=ACTOR, element_code="FAKED", period_code=str(year), unit_code=unit,
                value=falsified,
            )  # fmt: skip
    scheme = find_scheme("HELP")
    Scheme.objects.filter(pk=scheme.pk).update(designation_rules=RULES)
    scheme.refresh_from_db()
    runs = {year: assess(scheme, year) for year in SCORES}
    return County(scheme, runs)


def user_with(name: str, role: str | None = None, unit: str = "T") -> User:
    user = User.objects.create_user(name)
    if role is not None:
        do_grant_role(ACTOR, user, role, OrgUnit.objects.get(code=unit))
    return user


@pytest.fixture
def users(county: County) -> dict[str, User]:
    """A user per role that matters here."""
    return {
        "admin": user_with("admin", Role.TOWNSHIP_ADMIN, "T"),
        "other_admin": user_with("other_admin", Role.TOWNSHIP_ADMIN, "T2"),
        "reviewer": user_with("reviewer", Role.REVIEWER, "T"),
        "reporter_v3": user_with("reporter_v3", Role.REPORTER, "V3"),
        "reporter_v1": user_with("reporter_v1", Role.REPORTER, "V1"),
        "system": user_with("system", Role.SYSTEM_ADMIN, "C"),
    }


DEADLINE = datetime.date(2007, 12, 31)
