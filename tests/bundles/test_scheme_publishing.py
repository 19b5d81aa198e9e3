"""Scheme versions: drafts change by loading them again, published ones never change.

A scheme loaded from a bundle is a draft unless the bundle says ``status: published``. A
published version refuses every change — scoring content, contract terms, signatories — and
the whole load then writes nothing; the message names the scheme, the version and what
changed, and asks for a new ``version:``. A stored scheme written back out as a bundle loads
as unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import AuditEntry
from kaohe.bundles.records import CONTRACT_FIELDS
from kaohe.elements.models import DataElement
from kaohe.schemes.models import Scheme, SchemeStatus

from .conftest import LIBRARY_FILES, load, load_problems, only
from .test_scheme_options import scheme_text


def _published(text: str) -> str:
    return text.replace(
        "    unit_kinds: [village]\n", "    unit_kinds: [village]\n    status: published\n", 1
    )


def _stored(code: str = "S", version: int = 1) -> dict[str, Any]:
    """What a refused load must leave alone: every field and row of the scheme version."""
    scheme = Scheme.objects.get(code=code, version=version)
    return {
        "scheme": {f.name: getattr(scheme, f.name) for f in Scheme._meta.concrete_fields},
        "items": list(scheme.items.order_by("code").values()),
    }


# --- status ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scheme_loaded_from_a_bundle_is_a_draft(write) -> None:
    load(write(scheme_text()))

    scheme = Scheme.objects.get(code="S")
    assert scheme.status == SchemeStatus.DRAFT
    assert (scheme.published_at, scheme.published_by) == (None, "")


@pytest.mark.django_db
def test_a_bundle_may_publish_a_scheme_and_names_who_published_it(write) -> None:
    load(write(_published(scheme_text())))

    scheme = Scheme.objects.get(code="S")
    assert scheme.status == SchemeStatus.PUBLISHED
    assert scheme.published_at is not None and scheme.published_by == "pytest"
    entry = AuditEntry.objects.get(action="scheme.publish")
    assert (entry.object_key, entry.actor, entry.before) == ("S v1", "pytest", {"status": "draft"})
    assert entry.after["status"] == "published"
    assert entry.after["published_at"] == scheme.published_at.isoformat()
    assert entry.after["hash"] == scheme.content_hash


@pytest.mark.django_db
def test_publishing_a_stored_draft_unchanged_counts_as_an_update(write) -> None:
    load(write(scheme_text(), "draft.yaml"))
    content_hash = Scheme.objects.get(code="S").content_hash

    report = load(write(_published(scheme_text()), "published.yaml"))

    assert report.sections["schemes"].updated == 1
    scheme = Scheme.objects.get(code="S")
    assert scheme.status == SchemeStatus.PUBLISHED and scheme.content_hash == content_hash


@pytest.mark.django_db
def test_a_published_scheme_loaded_again_unchanged_is_unchanged(write) -> None:
    path = write(_published(scheme_text()))
    load(path)
    before = _stored()

    report = load(path)

    assert (report.sections["schemes"].unchanged, report.changed) == (1, False)
    assert _stored() == before


@pytest.mark.django_db
def test_a_bundle_without_a_status_leaves_a_published_scheme_published(write) -> None:
    load(write(_published(scheme_text()), "published.yaml"))

    report = load(write(scheme_text(), "same.yaml"))

    assert report.sections["schemes"].unchanged == 1
    assert Scheme.objects.get(code="S").status == SchemeStatus.PUBLISHED


@pytest.mark.django_db
def test_a_dry_run_does_not_publish(write) -> None:
    load(write(scheme_text(), "draft.yaml"))

    report = load(write(_published(scheme_text()), "published.yaml"), dry_run=True)

    assert report.sections["schemes"].updated == 1
    assert Scheme.objects.get(code="S").status == SchemeStatus.DRAFT


# --- a published scheme never changes --------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        ("target: 12,", "target: 11,", "items"),
        ("weight: 6}", "weight: 7}", "tracks"),
        ('"1 + #{POPULATION} / 100000"', '"1 + #{POPULATION} / 50000"', "coefficient"),
        ("index: 2, weight: 3}", "index: 2, weight: 2}", "period_parts"),
        ("考核不合格的村通报批评。", "考核不合格的村通报批评并扣减补贴。", "terms"),
        ("name: 包村领导}", "name: 包村领导, first: true}", "signatory_roles"),
        ("plan_item: PLAN", "plan_item: RATE", "plan_item"),
        ("status: published", "status: draft", "status"),
    ],
)
@pytest.mark.django_db
def test_a_published_scheme_refuses_every_change(write, old, new, changed) -> None:
    text = _published(scheme_text())
    load(write(text, "v1.yaml"))
    before = _stored()
    assert old in text

    problems = load_problems(write(text.replace(old, new), "changed.yaml"))

    problem = only(problems, "scheme_published")
    assert problem.path == "schemes[0].code"
    assert problem.message_zh == (
        f"方案 S v1 已发布，不能修改（改动：{changed}）；请给修改后的方案一个新的版本号，如 version: 2"
    )
    assert problem.message_en == (
        f"the scheme S v1 is published and cannot change (changed: {changed}):"
        " give the changed scheme a new version:, e.g. version: 2"
    )
    assert _stored() == before


@pytest.mark.django_db
def test_a_refused_published_scheme_stops_the_whole_load(write) -> None:
    text = _published(scheme_text())
    load(write(text, "v1.yaml"))
    extra = "  - {code: DEATHS, name: 死亡人数, value_type: integer, aggregation: sum}\nindicators:"
    changed = text.replace("target: 12,", "target: 11,").replace("indicators:", extra, 1)

    only(load_problems(write(changed, "changed.yaml")), "scheme_published")

    assert not DataElement.objects.filter(code="DEATHS").exists()


@pytest.mark.django_db
def test_a_changed_published_scheme_loads_as_a_new_version(write) -> None:
    text = _published(scheme_text())
    load(write(text, "v1.yaml"))
    before = _stored()
    v2 = text.replace("  - code: S\n", "  - code: S\n    version: 2\n").replace(
        "    status: published\n", ""
    )

    report = load(
        write(
            v2.replace("考核不合格的村通报批评。", "考核不合格的村通报批评并扣减补贴。"), "v2.yaml"
        )
    )

    assert report.sections["schemes"].created == 1
    assert Scheme.objects.get(code="S", version=2).status == SchemeStatus.DRAFT
    assert _stored() == before


@pytest.mark.django_db
def test_the_message_suggests_the_next_free_version(write) -> None:
    text = _published(scheme_text())
    load(write(text, "v1.yaml"))
    load(write(text.replace("  - code: S\n", "  - code: S\n    version: 3\n"), "v3.yaml"))

    problem = only(
        load_problems(write(text.replace("target: 12,", "target: 11,"), "x.yaml")),
        "scheme_published",
    )

    assert problem.message_en.endswith("e.g. version: 4")


# --- drafts and used versions ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_drafts_terms_change_without_changing_its_content_hash(write) -> None:
    load(write(scheme_text(), "v1.yaml"))
    content_hash = Scheme.objects.get(code="S").content_hash

    report = load(
        write(
            scheme_text().replace("考核不合格的村通报批评。", "不合格的村扣减补贴。"), "terms.yaml"
        )
    )

    assert report.sections["schemes"].updated == 1
    scheme = Scheme.objects.get(code="S")
    assert scheme.terms[1] == "不合格的村扣减补贴。"
    assert scheme.content_hash == content_hash


@pytest.mark.django_db
def test_a_drafts_track_weights_change_its_content_hash(write) -> None:
    load(write(scheme_text(), "v1.yaml"))
    content_hash = Scheme.objects.get(code="S").content_hash

    report = load(write(scheme_text().replace("weight: 6}", "weight: 7}"), "tracks.yaml"))

    assert report.sections["schemes"].updated == 1
    scheme = Scheme.objects.get(code="S")
    assert scheme.tracks[0]["weight"] == 7.0
    assert scheme.content_hash != content_hash


def _use(scheme: Scheme) -> None:
    AssessmentRun.objects.create(
        scheme=scheme,
        year=2006,
        period_code="2006",
        inputs_hash="x",
        scheme_hash=scheme.content_hash,
    )


@pytest.mark.django_db
def test_a_used_draft_keeps_its_scoring_content(write) -> None:
    load(write(scheme_text(), "v1.yaml"))
    _use(Scheme.objects.get(code="S"))

    problems = load_problems(
        write(scheme_text().replace("index: 2, weight: 3}", "index: 2, weight: 2}"), "x.yaml")
    )

    assert only(problems, "scheme_used").path == "schemes[0].code"


@pytest.mark.django_db
def test_a_used_draft_may_still_change_its_contract_terms(write) -> None:
    load(write(scheme_text(), "v1.yaml"))
    _use(Scheme.objects.get(code="S"))

    report = load(
        write(
            scheme_text().replace("考核不合格的村通报批评。", "不合格的村扣减补贴。"), "terms.yaml"
        )
    )

    assert report.sections["schemes"].updated == 1


# --- written back out, loaded again --------------------------------------------------------------


def bundle_entry(scheme: Scheme) -> dict[str, Any]:
    """A stored scheme as a bundle entry, every key written out the way the format names it."""
    entry: dict[str, Any] = {
        "code": scheme.code,
        "version": scheme.version,
        "name": scheme.name,
        "name_en": scheme.name_en,
        "period_type": scheme.period_type,
        "total": scheme.total,
        "unit_kinds": scheme.unit_kinds,
        "year_from": scheme.year_from,
        "year_to": scheme.year_to,
        "description": scheme.description,
        "status": scheme.status,
        "constants": {c.code: c.value for c in scheme.constants.all()},
        "tracks": scheme.tracks,
        "period_parts": scheme.period_parts,
        "corrections": scheme.corrections,
        "extra_indicators": scheme.extra_indicators,
        "signatory_roles": scheme.signatory_roles,
        "terms": scheme.terms,
    }
    for name in ("coefficient", "coefficient_name", *CONTRACT_FIELDS, "veto_grade"):
        entry.setdefault(name, getattr(scheme, name))
    entry["items"] = [
        {
            "code": i.code,
            "name": i.name,
            "name_en": i.name_en,
            "section": i.section,
            "weight": i.weight,
            "rule": i.rule_type,
            "params": i.params,
            "actual": i.actual,
            "target": i.target,
            "direction": i.direction,
            "track": i.track,
            "decimals": i.decimals,
            "unit": i.unit,
            "description": i.description,
        }
        for i in scheme.items.order_by("sort_order")
    ]
    entry["vetoes"] = list(
        scheme.vetoes.order_by("sort_order").values(
            "code", "name", "name_en", "condition", "consequences"
        )
    )
    entry["grades"] = list(scheme.grades.values("code", "name", "name_en", "min_total"))
    # Empty values are left out, as an author would: the loader's defaults fill them in.
    return {k: v for k, v in entry.items() if v not in ("", None, [], {})} | {
        "items": [{k: v for k, v in i.items() if v not in ("", None)} for i in entry["items"]]
    }


def _round_trip(write, names: list[str]) -> None:
    schemes = [bundle_entry(s) for s in Scheme.objects.filter(code__in=names)]
    text = yaml.safe_dump(
        {"kaohe_bundle": 1, "schemes": schemes}, allow_unicode=True, sort_keys=False
    )

    report = load(write(text, "exported.yaml"))

    assert report.sections["schemes"].unchanged == len(names) > 0
    assert not report.changed


@pytest.mark.django_db
def test_a_stored_scheme_with_every_new_key_written_back_loads_as_unchanged(write) -> None:
    load(write(_published(scheme_text())))

    _round_trip(write, ["S"])


@pytest.mark.django_db
def test_the_library_written_back_loads_as_unchanged(write) -> None:
    load(*LIBRARY_FILES)

    _round_trip(write, list(Scheme.objects.values_list("code", flat=True)))
