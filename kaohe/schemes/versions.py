"""Scheme versions: publish a draft, edit a draft, make a new version of any version.

A scheme version is written for some years and, once published, never changes again: the runs
and contracts that used it must stay reproducible, and the county's rules as announced must be
the rules applied. A change is made on a new version (a draft copy), which is edited and then
published in its turn. A draft that an assessment run already used is frozen as well, for the
same reason.

Each function here runs in one transaction and writes its audit row; a refusal raises
:class:`SchemeVersionError` naming the field, Chinese first, and changes nothing. Who may call
them on behalf of a person is decided by :func:`kaohe.core.access.may_manage_schemes`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor, record
from kaohe.bundles.records import CONTRACT_FIELDS
from kaohe.engine.assess import SchemeError, compile_scheme
from kaohe.engine.spec import RuleType

from .changes import (
    SchemeVersionError,
    cleaned_changes,
)
from .models import (
    BirthPlan,
    Constant,
    GradeBand,
    Scheme,
    SchemeStatus,
    ScoringItem,
    UnitTarget,
    Veto,
)
from .specs import RuleParamsError, rule_params_from_dict, scheme_hash, scheme_spec

# A scheme's fields that belong to one version's life, not to its content: never copied or
# compared.
VERSION_FIELDS = frozenset(
    {"code", "version", "status", "published_at", "published_by", "content_hash", "created_at"}
)
# The relation of each copied row to the row it belongs to (set to the copy's own parent).
PARENTS = frozenset({"scheme", "item"})
WEIGHT_TOLERANCE = 1e-9


def scheme_key(scheme: Scheme) -> str:
    """How the audit log and messages name a version: ``VILLAGE_2006 v2``."""
    return f"{scheme.code} v{scheme.version}"


def content_fields(model: type[models.Model]) -> list[str]:
    """The concrete fields of ``model`` that hold a version's content (other relations by id):
    not its id, not its parent, and for a scheme not the fields of :data:`VERSION_FIELDS`."""
    skipped = PARENTS | (VERSION_FIELDS if model is Scheme else frozenset())
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in skipped
    ]


def is_used(scheme: Scheme) -> bool:
    """Whether an assessment run used this version (its results refer to its rows)."""
    from kaohe.assessments.models import AssessmentRun

    return AssessmentRun.objects.filter(scheme=scheme).exists()


def edit_refusal(scheme: Scheme, fields: Iterable[str] | None = None) -> SchemeVersionError | None:
    """Why this version cannot be edited (``fields``: these fields of it), or None when it can.

    A published version is never edited. A draft that a run used keeps what it scored with: only
    the contract's wording (:data:`CONTRACT_FIELDS`) may still change, as a bundle may change it.
    ``fields`` None asks about any field.
    """
    if scheme.status == SchemeStatus.PUBLISHED:
        return SchemeVersionError(
            "status",
            _(
                "已发布的方案不能修改，请新建版本 / a published scheme cannot be edited: make a new version"
            ),
        )
    scoring = None if fields is None else set(fields) - set(CONTRACT_FIELDS)
    if (scoring is None or scoring) and is_used(scheme):
        return SchemeVersionError(
            sorted(scoring)[0] if scoring else "status",
            _(
                "方案 {key} 已用于考核计算，计分内容不能修改，请新建版本 / "
                "scheme {key} was used by an assessment run: what it scores cannot be edited, "
                "make a new version"
            ).format(key=scheme_key(scheme)),
        )
    return None


# --- checking a version ----------------------------------------------------------------------


def scheme_problems(scheme: Scheme) -> list[tuple[str, str]]:
    """Every reason the stored version is not a valid scheme, as (field, bilingual message).

    The checks of loading a bundle: each item's parameters fit its rule, a bonus item weighs 0,
    the weights add up to the total (within each track when the scheme has tracks), the veto
    grade and the plan item exist, the years are in order, and the whole scheme compiles.
    """
    problems: list[tuple[str, str]] = []
    items = list(scheme.items.order_by("sort_order", "code"))
    tracks = {
        str(t.get("code", "")): t.get("total", scheme.total)
        for t in scheme.tracks
        if isinstance(t, Mapping)
    }
    track_codes = list(tracks)
    for item in items:
        at = f"items.{item.code}"
        bonus = item.rule_type == RuleType.BONUS.value
        try:
            rule_params_from_dict(item.rule_type, item.params)
        except RuleParamsError as error:
            problems.append((f"{at}.params" + (f".{error.key}" if error.key else ""), str(error)))
        if bonus and item.weight != 0:
            problems.append(
                (
                    f"{at}.weight",
                    _("加分项 {code} 的分值应为 0 / bonus item {code} must weigh 0").format(
                        code=item.code
                    ),
                )
            )
        if track_codes and item.track not in track_codes:
            problems.append(
                (
                    f"{at}.track",
                    _(
                        "项目 {code} 应属于方案的一条线（{tracks}）/ "
                        "item {code} must belong to one of the scheme's tracks ({tracks})"
                    ).format(code=item.code, tracks=", ".join(track_codes)),
                )
            )
        elif not track_codes and item.track:
            problems.append(
                (
                    f"{at}.track",
                    _("方案没有分线，项目 {code} 不能指定线 / the scheme has no tracks").format(
                        code=item.code
                    ),
                )
            )
    problems += _weight_problems(scheme, items, tracks)
    roles = [r for r in scheme.signatory_roles if isinstance(r, Mapping)]
    if roles and not any(r.get("first") for r in roles):
        problems.append(
            (
                "signatory_roles",
                _(
                    "签订人中至少应有一位第一责任人（first: true）/ "
                    "at least one signatory must be a first responsible person (first: true)"
                ),
            )
        )
    if scheme.year_from and scheme.year_to and scheme.year_from > scheme.year_to:
        problems.append(
            ("year_to", _("截止年不能早于起始年 / year_to must not be before year_from"))
        )
    if scheme.veto_grade and not scheme.grades.filter(code=scheme.veto_grade).exists():
        problems.append(
            (
                "veto_grade",
                _("没有等次 {code} / no grade {code} in this scheme").format(
                    code=scheme.veto_grade
                ),
            )
        )
    if scheme.plan_item and scheme.plan_item not in {i.code for i in items}:
        problems.append(
            (
                "plan_item",
                _("没有考核项目 {code} / no item {code} in this scheme").format(
                    code=scheme.plan_item
                ),
            )
        )
    if not problems:
        problems += _compile_problems(scheme)
    return problems


def _weight_problems(
    scheme: Scheme, items: list[ScoringItem], tracks: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """The items (bonus items excluded) add up to the total: of each track, when there are
    tracks (a track's own total, the scheme's by default)."""
    scored = [i for i in items if i.rule_type != RuleType.BONUS.value]
    groups = {
        code: ([i for i in scored if i.track == code], total) for code, total in tracks.items()
    }
    if not tracks:
        groups = {"": (scored, scheme.total)}
    problems = []
    for track, (members, total) in groups.items():
        added = math.fsum(float(i.weight) for i in members)
        if abs(added - float(total)) <= WEIGHT_TOLERANCE:
            continue
        values = {"added": f"{added:g}", "total": f"{float(total):g}", "track": track}
        if track:
            message = _(
                "线 {track} 的项目分值之和为 {added}，应等于该线总分 {total} / "
                "the weights of track {track} add up to {added}, not to its total {total}"
            )
        else:
            message = _(
                "各项目分值之和为 {added}，应等于总分 {total} / "
                "the item weights add up to {added}, not to the total {total}"
            )
        problems.append(("items", message.format(**values)))
    return problems


def _compile_problems(scheme: Scheme) -> list[tuple[str, str]]:
    from kaohe.elements.models import DataElement, DataSet

    try:
        spec = scheme_spec(scheme)
        compile_scheme(
            spec,
            frozenset(DataElement.objects.values_list("code", flat=True)),
            frozenset(DataSet.objects.values_list("code", flat=True)),
            scheme.period_type,
        )
    except SchemeError as error:
        return [("scheme", problem) for problem in error.problems]
    except ValueError as error:  # an unknown indicator, an expression that does not parse
        return [("scheme", str(error))]
    return []


def _refuse_problems(problems: list[tuple[str, str]], heading: str) -> SchemeVersionError:
    texts = [message for _field, message in problems]
    return SchemeVersionError(problems[0][0], "\n".join([heading, *texts]), texts)


# --- publishing ------------------------------------------------------------------------------


def do_publish_scheme(scheme: Scheme, actor: Actor, *, note: str = "") -> Scheme:
    """Publish a draft: from now on it is immutable. Refused when it is already published or
    is not a valid scheme (every problem listed)."""
    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        if scheme.status == SchemeStatus.PUBLISHED:
            raise SchemeVersionError(
                "status",
                _("方案 {key} 已经发布 / scheme {key} is already published").format(
                    key=scheme_key(scheme)
                ),
            )
        problems = scheme_problems(scheme)
        if problems:
            heading = _("方案 {key} 不能发布： / scheme {key} cannot be published:").format(
                key=scheme_key(scheme)
            )
            raise _refuse_problems(problems, heading)
        scheme.status = SchemeStatus.PUBLISHED
        scheme.published_at = timezone.now()
        scheme.published_by = actor.name[:150]
        scheme.content_hash = scheme_hash(scheme_spec(scheme))
        scheme.save(update_fields=["status", "published_at", "published_by", "content_hash"])
        record(
            actor,
            "scheme.publish",
            "scheme",
            scheme_key(scheme),
            before={"status": SchemeStatus.DRAFT.value},
            after={
                "status": SchemeStatus.PUBLISHED.value,
                "published_at": scheme.published_at.isoformat(),
                "hash": scheme.content_hash,
                "note": note,
            },
        )
    return scheme


# --- a new version ---------------------------------------------------------------------------


def _copy_values(obj: models.Model, model: type[models.Model]) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(obj, name)) for name in content_fields(model)}


def do_new_version(scheme: Scheme, actor: Actor) -> Scheme:
    """A draft copy of ``scheme`` numbered one above the highest version of its code.

    Everything is copied: the scheme's fields, constants, items, vetoes, grades, the units'
    targets of each item and the birth plans; a published version stays as it was.
    """
    with transaction.atomic():
        # Lock the code's versions so two copies made at once cannot take the same number.
        list(Scheme.objects.select_for_update().filter(code=scheme.code).values_list("pk"))
        source = Scheme.objects.get(pk=scheme.pk)
        highest = Scheme.objects.filter(code=source.code).aggregate(Max("version"))
        new = Scheme(
            code=source.code,
            version=int(highest["version__max"] or 0) + 1,
            status=SchemeStatus.DRAFT,
            **_copy_values(source, Scheme),
        )
        new.save()
        for model in (Constant, Veto, GradeBand):
            rows = model._default_manager.filter(scheme=source).order_by("pk")  # type: ignore[attr-defined]
            model._default_manager.bulk_create(  # type: ignore[attr-defined]
                [model(scheme=new, **_copy_values(row, model)) for row in rows]
            )
        targets: list[UnitTarget] = []
        for item in source.items.order_by("pk"):
            copied = ScoringItem(scheme=new, **_copy_values(item, ScoringItem))
            copied.save()
            targets += [
                UnitTarget(item=copied, **_copy_values(target, UnitTarget))
                for target in item.unit_targets.order_by("pk")
            ]
        UnitTarget.objects.bulk_create(targets, batch_size=500)
        BirthPlan.objects.bulk_create(
            [
                BirthPlan(scheme=new, **_copy_values(plan, BirthPlan))
                for plan in source.birth_plans.order_by("pk")
            ]
        )
        try:
            new.content_hash = scheme_hash(scheme_spec(new))
        except ValueError:  # stored rows the engine cannot read: copied as they are
            new.content_hash = ""
        new.save(update_fields=["content_hash"])
        record(
            actor,
            "scheme.new_version",
            "scheme",
            scheme_key(new),
            before={"from": scheme_key(source), "hash": source.content_hash},
            after={
                "version": new.version,
                "items": new.items.count(),
                "unit_targets": len(targets),
                "hash": new.content_hash,
            },
        )
    return new


def do_edit_draft(scheme: Scheme, changes: Mapping[str, Any], actor: Actor) -> Scheme:
    """Apply ``changes`` to a draft, all or nothing; return the edited version.

    ``changes`` maps scheme fields (:data:`EDITABLE_SCHEME_FIELDS`) to their new values, and
    ``items`` to ``{item code: {field: value}}`` (:data:`EDITABLE_ITEM_FIELDS`; ``params`` as a
    mapping). Each value is checked, then the edited scheme as a whole (see
    :func:`scheme_problems`); the first problem is raised naming its field. A published version
    is refused, and so is a change to what a draft scores once an assessment run used it.
    """
    with transaction.atomic():
        scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
        if (refusal := edit_refusal(scheme, ())) is not None:
            raise refusal
        fields, items = cleaned_changes(scheme, changes)
        touched = [*fields, *(f"items.{item.code}" for item in items)]
        if (refusal := edit_refusal(scheme, touched)) is not None:
            raise refusal
        before: dict[str, Any] = {name: getattr(scheme, name) for name in fields}
        after: dict[str, Any] = dict(fields)
        for name, value in fields.items():
            setattr(scheme, name, value)
        for item, changed in items.items():
            before[f"items.{item.code}"] = {name: getattr(item, name) for name in changed}
            after[f"items.{item.code}"] = changed
            for name, value in changed.items():
                setattr(item, name, value)
            item.save(update_fields=list(changed))
        if not after:
            return scheme
        if fields:
            scheme.save(update_fields=list(fields))
        problems = scheme_problems(scheme)
        if problems:
            heading = _("修改未保存： / nothing was saved:")
            raise _refuse_problems(problems, heading)
        old_hash = scheme.content_hash
        scheme.content_hash = scheme_hash(scheme_spec(scheme))
        scheme.save(update_fields=["content_hash"])
        record(
            actor,
            "scheme.edit",
            "scheme",
            scheme_key(scheme),
            before={**before, "hash": old_hash},
            after={**after, "hash": scheme.content_hash},
        )
    return scheme
