"""Reading appeals: the window of a run, the items a unit may appeal, the checks a filing must
pass (before anything is written, so a page can warn before the form is filled in), and the
appeals a user may see."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.assessments.models import AssessmentRun, ItemResult, RunStatus, UnitResult
from kaohe.core.access import restrict
from kaohe.orgunits.models import OrgUnit

from .errors import AppealError
from .models import OPEN_STATUSES, Appeal

__all__ = [
    "MAX_TEXT",
    "check_filing",
    "check_window",
    "items_of",
    "last_day",
    "open_appeal",
    "visible_appeals",
    "window_open",
]

#: The longest reasons (of an appeal or of a decision) accepted, in characters.
MAX_TEXT = 4000


def last_day(run: AssessmentRun) -> date | None:
    """The last day an appeal of ``run`` is accepted: the local day of publication plus the
    scheme's ``appeal_days``. ``None`` when the run is not published or the scheme takes no
    appeals."""
    days = run.scheme.appeal_days
    if run.published_at is None or days is None:
        return None
    return timezone.localdate(run.published_at) + timedelta(days=days)


def window_open(run: AssessmentRun, today: date | None = None) -> bool:
    """Whether ``run`` is published (not superseded) and its appeal window is still open."""
    end = last_day(run)
    if run.status != RunStatus.PUBLISHED or end is None:
        return False
    return (today or timezone.localdate()) <= end


def items_of(run: AssessmentRun, unit: OrgUnit) -> list[tuple[str, str]]:
    """The items scored for ``unit`` in ``run`` as (code, name), in the order of the scheme,
    each once (a scheme with period parts scores an item once per part)."""
    rows = (
        ItemResult.objects.filter(unit_result__run=run, unit_result__unit=unit)
        .order_by("sort_order", "part", "pk")
        .values_list("item_code", "item_name")
    )
    return list(dict.fromkeys(rows))


def open_appeal(run: AssessmentRun, unit: OrgUnit, item_code: str) -> Appeal | None:
    """The appeal of this run, unit and item (``""``: the whole result) still being dealt
    with, if any."""
    return Appeal.objects.filter(
        run=run, unit=unit, item_code=item_code, status__in=OPEN_STATUSES
    ).first()


def check_window(run: AssessmentRun, today: date | None = None) -> None:
    """Refuse (:class:`AppealError`) appeals of ``run`` altogether: it is a draft or
    superseded, its scheme takes no appeals (``appeal_days``), or its window has closed."""
    today = today or timezone.localdate()
    if run.status == RunStatus.DRAFT:
        raise AppealError(
            "run",
            _(
                "考核结果 #{id} 尚未发布，只能对已发布的结果申诉 / run {id} is a draft: only a "
                "published run can be appealed"
            ).format(id=run.pk),
        )
    if run.status != RunStatus.PUBLISHED:
        raise AppealError(
            "run",
            _(
                "考核结果 #{id} 已被替代，请对现行发布的结果申诉 / run {id} has been superseded: "
                "appeal the run published in its place"
            ).format(id=run.pk),
        )
    scheme = run.scheme
    if scheme.appeal_days is None:
        raise AppealError(
            "appeal_days",
            _(
                "方案 {scheme} 未规定申诉期限（appeal_days），不受理申诉 / scheme {code} sets no "
                "appeal_days: it takes no appeals"
            ).format(scheme=scheme.name, code=scheme.code),
        )
    end = last_day(run)
    if end is None or today > end:
        published = timezone.localdate(run.published_at) if run.published_at else None
        raise AppealError(
            "appeal_days",
            _(
                "申诉期已过：结果于 {published} 发布，申诉期限 {days} 天（appeal_days），最后一天是 "
                "{end} / the appeal window has closed: published on {published}, appeal_days "
                "= {days}, last day {end}"
            ).format(
                published=published.isoformat() if published else "?",
                days=scheme.appeal_days,
                end=end.isoformat() if end else "?",
            ),
        )


def check_filing(
    run: AssessmentRun,
    unit: OrgUnit,
    item_code: str = "",
    *,
    today: date | None = None,
) -> str:
    """Refuse (:class:`AppealError`, naming the field) an appeal that cannot be filed: the run
    is not the published one, the scheme takes no appeals or the window has closed, the unit
    has no result in the run, the item is not one of its items, or the same item already has
    an appeal being dealt with. Returns the item's name (``""`` for the whole result). Who
    files is checked by the service."""
    check_window(run, today)
    if not UnitResult.objects.filter(run=run, unit=unit).exists():
        raise AppealError(
            "unit",
            _("{unit} 不在考核结果 #{id} 中 / unit {code} has no result in run {id}").format(
                unit=unit.name, code=unit.code, id=run.pk
            ),
        )
    code = (item_code or "").strip()
    name = ""
    if code:
        names = dict(items_of(run, unit))
        if code not in names:
            raise AppealError(
                "item_code",
                _(
                    "{unit} 在考核结果 #{id} 中没有考核项目 {item} / item_code {item} is not an "
                    "item of {code}'s result in run {id}"
                ).format(unit=unit.name, code=unit.code, id=run.pk, item=code),
            )
        name = names[code]
    existing = open_appeal(run, unit, code)
    if existing is not None:
        raise AppealError(
            "item_code",
            _(
                "该项目已有申诉正在处理（申诉 #{id}），不能重复申诉 / item_code {item}: appeal "
                "{id} of the same item is still open"
            ).format(id=existing.pk, item=code or "-"),
        )
    return name


def visible_appeals(user: Any) -> QuerySet[Appeal]:
    """The appeals ``user`` may see (their units' and their subtree's), newest first."""
    return restrict(
        Appeal.objects.select_related("run__scheme", "unit", "resolution_run"), user
    ).order_by("-filed_at", "-id")
