"""Loading validated bundles into the database: all or nothing, every change audited.

:func:`do_load_bundles` reads and validates the files (:mod:`kaohe.bundles.loader`, which
knows what the database already holds through an :class:`ExistingState`), then upserts every
section inside one ``transaction.atomic()``. A dry run does the same writes and rolls them
back, so its report is exactly what a real load would do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import AuditEntry
from kaohe.audit.services import Actor, build_entry
from kaohe.bundles.loader import (
    CONTRACT_FIELDS,
    GRADE_FIELDS,
    ITEM_FIELDS,
    SCHEME_FIELDS,
    VETO_CONSEQUENCES,
    VETO_FIELDS,
    Bundle,
    ExistingScheme,
    ExistingState,
    Record,
    SchemeRecord,
    load_bundle_files,
    scheme_document,
)
from kaohe.checks.models import Source
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import (
    Constant,
    GradeBand,
    Indicator,
    Scheme,
    SchemeStatus,
    ScoringItem,
    UnitTarget,
    Veto,
)
from kaohe.schemes.specs import indicator_spec, scheme_hash, scheme_spec
from kaohe.validation.models import ValidationRule

SECTION_NAMES = {
    "units": ("单位", "units"),
    "elements": ("数据元素", "data elements"),
    "datasets": ("数据集", "data sets"),
    "officials": ("责任人", "officials"),
    "indicators": ("指标", "indicators"),
    "schemes": ("考核方案", "schemes"),
    "targets": ("单位目标", "unit targets"),
    "validation_rules": ("校验规则", "validation rules"),
    "sources": ("核查来源", "cross-check sources"),
}

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

M = TypeVar("M", bound=models.Model)


@dataclass
class SectionCounts:
    """How many entries of one section were created, updated or left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would have done)."""

    files: list[str]
    dry_run: bool = False
    sections: dict[str, SectionCounts] = field(
        default_factory=lambda: {name: SectionCounts() for name in SECTION_NAMES}
    )
    rehashed: list[str] = field(default_factory=list)  # stored schemes whose indicators changed

    @property
    def changed(self) -> bool:
        """Whether anything was (or would be) created or updated."""
        return any(c.created or c.updated for c in self.sections.values()) or bool(self.rehashed)

    def summary_lines(self) -> list[str]:
        """A bilingual summary, one line per section that the bundle touched."""
        head = (
            "试运行，未作任何修改 / dry run: nothing was changed"
            if self.dry_run
            else "已加载 / loaded"
        )
        lines = [f"{head}: {', '.join(self.files)}"]
        for name, counts in self.sections.items():
            if counts.created or counts.updated or counts.unchanged:
                zh, en = SECTION_NAMES[name]
                lines.append(
                    f"  {zh}：新增 {counts.created}，修改 {counts.updated}，未变 {counts.unchanged}"
                    f" / {en}: {counts.created} created, {counts.updated} updated,"
                    f" {counts.unchanged} unchanged"
                )
        for key in self.rehashed:
            lines.append(f"  方案 {key} 用到的指标已修改 / indicators used by scheme {key} changed")
        if not self.changed:
            lines.append("  没有需要修改的内容 / nothing to change")
        return lines


# --- what the database holds ----------------------------------------------------------------


def stored_scheme_document(scheme: Scheme) -> dict[str, Any]:
    """:func:`kaohe.bundles.loader.scheme_document` of a stored scheme's rows."""
    rows = {
        "items": [_values(i, ITEM_FIELDS) for i in scheme.items.order_by("sort_order", "code")],
        "vetoes": [
            _values(v, (*VETO_FIELDS, VETO_CONSEQUENCES))
            for v in scheme.vetoes.order_by("sort_order", "code")
        ],
        "grades": [_values(g, GRADE_FIELDS) for g in scheme.grades.all()],
    }
    constants = {c.code: c.value for c in scheme.constants.all()}
    fields = _values(scheme, (*SCHEME_FIELDS, *CONTRACT_FIELDS))
    return scheme_document(fields, constants, rows)


def existing_state() -> ExistingState:
    """Everything a bundle may refer to that is already stored."""
    used = set(AssessmentRun.objects.values_list("scheme_id", flat=True).distinct())
    schemes = {}
    for scheme in Scheme.objects.prefetch_related("items"):
        try:
            indicators = scheme_spec(scheme).indicators
        except ValueError:  # stored rows the engine cannot read: any new content differs
            indicators = None
        schemes[(scheme.code, scheme.version)] = ExistingScheme(
            code=scheme.code,
            version=scheme.version,
            items=frozenset(i.code for i in scheme.items.all()),
            unit_kinds=tuple(scheme.unit_kinds),
            year_from=scheme.year_from,
            year_to=scheme.year_to,
            used=scheme.pk in used,
            document=stored_scheme_document(scheme),
            indicators=indicators,
            published=scheme.status == SchemeStatus.PUBLISHED,
        )
    units = OrgUnit.objects.values_list("code", "parent__code", "kind")
    return ExistingState(
        units={code: parent for code, parent, _kind in units},
        unit_kinds={code: kind for code, _parent, kind in units},
        elements=frozenset(DataElement.objects.values_list("code", flat=True)),
        datasets=frozenset(DataSet.objects.values_list("code", flat=True)),
        dataset_period_types=dict(DataSet.objects.values_list("code", "period_type")),
        indicators={i.code: indicator_spec(i) for i in Indicator.objects.all()},
        schemes=schemes,
    )


# --- writing --------------------------------------------------------------------------------


def _values(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _json(value: Any) -> Any:
    """A value as the audit log's JSON can hold it."""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


class _Writer:
    """The writes of one load, with the report and the audit rows they produce."""

    def __init__(self, actor: Actor, report: LoadReport) -> None:
        self.actor = actor
        self.report = report
        self.audit: list[AuditEntry] = []

    def log(self, action: str, kind: str, key: str, before: Any = None, after: Any = None) -> None:
        self.audit.append(build_entry(self.actor, action, kind, key, _json(before), _json(after)))

    def upsert(
        self,
        model: type[M],
        existing: dict[str, M],
        record: Record,
        section: str,
        extra: dict[str, Any],
    ) -> M:
        """Create or update the row with ``record.code``; ``extra`` holds relation fields."""
        wanted = {**record.fields, **extra}
        kind = model._meta.model_name or model.__name__
        obj = existing.get(record.code)
        if obj is None:
            obj = model(code=record.code, **wanted)
            obj.save()
            existing[record.code] = obj
            self.report.sections[section].add(CREATED)
            self.log(f"{kind}.create", kind, record.code, after=self._shown(wanted))
            return obj
        changed = {name: value for name, value in wanted.items() if getattr(obj, name) != value}
        if not changed:
            self.report.sections[section].add(UNCHANGED)
            return obj
        before = self._shown({name: getattr(obj, name) for name in changed})
        for name, value in changed.items():
            setattr(obj, name, value)
        obj.save()
        self.report.sections[section].add(UPDATED)
        self.log(f"{kind}.update", kind, record.code, before=before, after=self._shown(changed))
        return obj

    @staticmethod
    def _shown(values: dict[str, Any]) -> dict[str, Any]:
        # Relations are audited by code, the stable identifier, not by database id.
        return {
            name: getattr(v, "code", v) if isinstance(v, models.Model) else v
            for name, v in values.items()
        }

    def units(self, records: Sequence[Record]) -> None:
        existing = {u.code: u for u in OrgUnit.objects.select_related("parent")}
        moved = False
        for record in records:  # parents first, so a new parent exists before its children
            parent = existing[record.parent] if record.parent else None
            old = existing.get(record.code)
            moved = moved or (old is not None and old.parent_id != (parent.pk if parent else None))
            self.upsert(OrgUnit, existing, record, "units", {"parent": parent})
        if moved:
            _refresh_paths()

    def elements(self, records: Sequence[Record]) -> None:
        existing = {e.code: e for e in DataElement.objects.all()}
        for record in records:
            self.upsert(DataElement, existing, record, "elements", {})

    def datasets(self, records: Sequence[Record]) -> None:
        existing = {d.code: d for d in DataSet.objects.all()}
        elements = {e.code: e for e in DataElement.objects.all()}
        for record in records:
            counts = self.report.sections["datasets"]
            before = counts.updated + counts.created
            dataset = self.upsert(DataSet, existing, record, "datasets", {})
            links = DataSetElement.objects.filter(dataset=dataset).order_by("sort_order", "pk")
            stored = tuple(link.element.code for link in links.select_related("element"))
            if stored == record.elements:
                continue
            links.delete()
            DataSetElement.objects.bulk_create(
                DataSetElement(dataset=dataset, element=elements[code], sort_order=index)
                for index, code in enumerate(record.elements)
            )
            self.log(
                "dataset.elements", "dataset", record.code, list(stored), list(record.elements)
            )
            if counts.updated + counts.created == before:  # only the element list changed
                counts.unchanged -= 1
                counts.updated += 1

    def validation_rules(self, records: Sequence[Record]) -> None:
        existing = {r.code: r for r in ValidationRule.objects.select_related("dataset")}
        datasets = {d.code: d for d in DataSet.objects.all()}
        for record in records:
            dataset = datasets[record.dataset] if record.dataset else None
            self.upsert(ValidationRule, existing, record, "validation_rules", {"dataset": dataset})

    def sources(self, records: Sequence[Record]) -> None:
        existing = {s.code: s for s in Source.objects.all()}
        elements = {e.code: e for e in DataElement.objects.all()}
        for record in records:
            counts = self.report.sections["sources"]
            before = counts.updated + counts.created
            source = self.upsert(Source, existing, record, "sources", {})
            stored = tuple(sorted(source.elements.values_list("code", flat=True)))
            wanted = tuple(sorted(record.elements))
            if stored == wanted:
                continue
            source.elements.set([elements[code] for code in wanted])
            self.log("source.elements", "source", record.code, list(stored), list(wanted))
            if counts.updated + counts.created == before:  # only the element list changed
                counts.unchanged -= 1
                counts.updated += 1

    def officials(self, records: Sequence[Record]) -> None:
        existing = {o.code: o for o in Official.objects.select_related("unit")}
        units = {u.code: u for u in OrgUnit.objects.all()}
        for record in records:
            unit = units[record.unit or ""]
            self.upsert(Official, existing, record, "officials", {"unit": unit})

    def indicators(self, records: Sequence[Record]) -> None:
        existing = {i.code: i for i in Indicator.objects.all()}
        for record in records:
            self.upsert(Indicator, existing, record, "indicators", {})

    def schemes(self, records: Sequence[SchemeRecord]) -> None:
        """Create or replace each scheme version; the loader has refused frozen ones already.

        A scheme is a draft unless the bundle says ``status: published``; a bundle that says
        nothing leaves a stored scheme's status as it is.
        """
        for record in records:
            key = f"{record.code} v{record.version}"
            scheme = Scheme.objects.filter(code=record.code, version=record.version).first()
            publish = record.status == SchemeStatus.PUBLISHED and (
                scheme is None or scheme.status != SchemeStatus.PUBLISHED
            )
            if scheme is None:
                scheme = Scheme.objects.create(
                    code=record.code, version=record.version, **record.fields
                )
                _replace_rows(scheme, record)
                self.report.sections["schemes"].add(CREATED)
                action, before = "scheme.create", None
            else:
                before = stored_scheme_document(scheme)
                same = before == record.document and scheme.content_hash == _fresh_hash(scheme)
                if same and not publish:
                    self.report.sections["schemes"].add(UNCHANGED)
                    continue
                for name, value in record.fields.items():
                    setattr(scheme, name, value)
                _replace_rows(scheme, record)
                self.report.sections["schemes"].add(UPDATED)
                action = "scheme.update"
            published_at = timezone.now()
            if publish:
                scheme.status = SchemeStatus.PUBLISHED
                scheme.published_at = published_at
                scheme.published_by = self.actor.name[:150]
            scheme.content_hash = scheme_hash(scheme_spec(scheme))
            scheme.save()
            after = {**record.document, "status": scheme.status, "hash": scheme.content_hash}
            self.log(action, "scheme", key, before, after)
            if publish:  # the same record as publishing from the scheme's page
                after = {
                    "status": scheme.status,
                    "published_at": published_at,
                    "hash": scheme.content_hash,
                    "note": "",
                }
                self.log("scheme.publish", "scheme", key, {"status": SchemeStatus.DRAFT}, after)

    def rehash(self, loaded: set[tuple[str, int]]) -> None:
        """Refresh the hash of stored schemes not in the bundle (their indicators may differ)."""
        for scheme in Scheme.objects.all():
            if (scheme.code, scheme.version) in loaded:
                continue
            try:
                fresh = scheme_hash(scheme_spec(scheme))
            except ValueError:
                continue  # stored rows the engine cannot read; left for whoever fixes them
            if fresh != scheme.content_hash:
                key = f"{scheme.code} v{scheme.version}"
                self.log("scheme.rehash", "scheme", key, scheme.content_hash, fresh)
                scheme.content_hash = fresh
                scheme.save(update_fields=["content_hash"])
                self.report.rehashed.append(key)

    def targets(self, bundle: Bundle) -> None:
        if not bundle.targets:
            return
        items = {
            (i.scheme.code, i.scheme.version, i.code): i
            for i in ScoringItem.objects.select_related("scheme").filter(
                scheme__code__in={t.scheme for t in bundle.targets}
            )
        }
        units = {
            u.code: u for u in OrgUnit.objects.filter(code__in={t.unit for t in bundle.targets})
        }
        stored = {
            (t.item_id, t.unit_id, t.year): t
            for t in UnitTarget.objects.filter(item__in=list(items.values()))
        }
        new, changed = [], []
        counts = self.report.sections["targets"]
        for record in bundle.targets:
            item, unit = items[(record.scheme, record.version, record.item)], units[record.unit]
            key = f"{record.scheme} v{record.version}/{record.item}/{record.unit}/{record.year}"
            target = stored.get((item.pk, unit.pk, record.year))
            if target is None:
                new.append(UnitTarget(item=item, unit=unit, year=record.year, value=record.value))
                counts.add(CREATED)
                self.log("unittarget.create", "unittarget", key, after=record.value)
            elif target.value != record.value:
                self.log("unittarget.update", "unittarget", key, target.value, record.value)
                target.value = record.value
                changed.append(target)
                counts.add(UPDATED)
            else:
                counts.add(UNCHANGED)
        UnitTarget.objects.bulk_create(new, batch_size=500)
        UnitTarget.objects.bulk_update(changed, ["value"], batch_size=500)
        touched = new + changed
        if touched:
            # Changed targets change scores: the draft runs they touch are recomputed on commit.
            from kaohe.assessments.recompute import schedule_recompute

            schedule_recompute({t.unit for t in touched}, years={t.year for t in touched})


def _fresh_hash(scheme: Scheme) -> str:
    """The hash of the stored rows now: indicators loaded just now may change what it uses."""
    try:
        return scheme_hash(scheme_spec(scheme))
    except ValueError:  # stored rows the engine cannot read: the load replaces them
        return ""


def _replace_rows(scheme: Scheme, record: SchemeRecord) -> None:
    """Make the scheme's constants, items, vetoes and grades those of ``record``.

    Rows are matched by code and updated in place, so an item that stays keeps its unit
    targets; an item that is gone is deleted together with its targets.
    """
    _sync(scheme, Constant, [{"code": c, "value": v} for c, v in record.constants.items()])
    _sync(scheme, ScoringItem, record.items)
    _sync(scheme, Veto, record.vetoes)
    _sync(scheme, GradeBand, record.grades)


def _sync(scheme: Scheme, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    existing = {obj.code: obj for obj in model._default_manager.filter(scheme=scheme)}  # type: ignore[attr-defined]
    wanted = {row["code"] for row in rows}
    model._default_manager.filter(scheme=scheme).exclude(code__in=wanted).delete()
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            model._default_manager.create(scheme=scheme, **row)
        elif any(getattr(obj, k) != v for k, v in row.items()):
            for name, value in row.items():
                setattr(obj, name, value)
            obj.save()


def _refresh_paths() -> None:
    """Recompute every unit's materialised path after a unit moved to another parent."""
    units = {u.pk: u for u in OrgUnit.objects.all()}
    paths: dict[int, str] = {}

    def path_of(pk: int) -> str:
        if pk not in paths:
            unit = units[pk]
            prefix = path_of(unit.parent_id) if unit.parent_id else "/"
            paths[pk] = f"{prefix}{unit.code}/"
        return paths[pk]

    changed = []
    for pk, unit in units.items():
        path = path_of(pk)
        if unit.path != path:
            unit.path, unit.depth = path, path.count("/") - 2
            changed.append(unit)
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)


def do_load_bundles(paths: Sequence[str | Path], actor: Actor, dry_run: bool = False) -> LoadReport:
    """Validate bundle files together and write them in one transaction, audited.

    Raises :class:`kaohe.bundles.loader.BundleError` listing every problem, in which case
    nothing is written. With ``dry_run`` the writes are made and rolled back.
    """
    names = [str(p) for p in dict.fromkeys(str(p) for p in paths)]
    report = LoadReport(files=names, dry_run=dry_run)
    with transaction.atomic():
        bundle = load_bundle_files(names, existing_state())
        writer = _Writer(actor, report)
        writer.units(bundle.units)
        writer.elements(bundle.elements)
        writer.datasets(bundle.datasets)
        writer.officials(bundle.officials)
        writer.indicators(bundle.indicators)
        writer.schemes(bundle.schemes)
        writer.rehash({(s.code, s.version) for s in bundle.schemes})
        writer.targets(bundle)
        writer.validation_rules(bundle.validation_rules)
        writer.sources(bundle.sources)
        counts = {name: vars(c) for name, c in report.sections.items()}
        writer.log("bundle.load", "bundle", ", ".join(names), after={"counts": counts})
        AuditEntry.objects.bulk_create(writer.audit, batch_size=500)
        if dry_run:
            transaction.set_rollback(True)
    return report
