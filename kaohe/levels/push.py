"""Pushing approved figures upward (上报): ``kaohe push --to URL``.

Only figures a reviewer approved are sent: the values of an approved submission's data set,
for its unit and period (:func:`approved_values`). They go, in a fixed order, as DHIS2 data
value sets of at most ``batch_size`` values (:mod:`kaohe.levels.dhis2`), each POSTed with
retries (:mod:`kaohe.levels.sending`). The push and each batch are rows
(:class:`~kaohe.levels.models.PushLog`, :class:`~kaohe.levels.models.PushBatch`) written as it
goes, so a page shows a push in progress and a failed one says which batch failed and why.

Pushing again sends the same values as the same bytes (the same digests); the receiver, asked
to create and update, changes nothing and says so in its counts (ignored).

Credentials come from the server's environment only (``KAOHE_PUSH_TOKEN``, or
``KAOHE_PUSH_USER`` and ``KAOHE_PUSH_PASSWORD``). From a page or the API a push may only go to
a destination listed in ``KAOHE_PUSH_URLS``, so nobody can send the server's credentials and a
township's figures to an address of their choosing; the console may name any.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import can_read_all, may_administer
from kaohe.datavalues.importing import format_value
from kaohe.datavalues.models import DataValue
from kaohe.interop.formats import ExportValue
from kaohe.interop.identifiers import export_names
from kaohe.interop.options import IdScheme
from kaohe.orgunits.models import OrgUnit
from kaohe.submissions.models import Status, Submission

from .dhis2 import ImportSummary, endpoint, read_import_summary, set_body
from .models import PushBatch, PushLog, PushStatus
from .sending import Credentials, Reply, Sender, credentials_from

__all__ = [
    "ENV_URLS",
    "PushError",
    "allowed_destinations",
    "approved_values",
    "do_push",
]

ENV_URLS: Final = "KAOHE_PUSH_URLS"
DEFAULT_BATCH: Final = 5000
MAX_BATCH: Final = 100_000
OBJECT_TYPE: Final = "push"


class PushError(ValueError):
    """A push that cannot start; ``field`` names what is wrong, the message is bilingual."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def allowed_destinations(environ: Mapping[str, str] | None = None) -> list[str]:
    """The destinations a page or the API may push to: ``KAOHE_PUSH_URLS``, separated by
    spaces or commas."""
    text = (os.environ if environ is None else environ).get(ENV_URLS, "")
    return [u.rstrip("/") for u in text.replace(",", " ").split() if u]


def approved_rows(
    township: OrgUnit | None, start: date | None = None, end: date | None = None
) -> QuerySet[DataValue]:
    """Every approved value under ``township`` (everything when None) in the periods lying
    wholly between ``start`` and ``end``."""
    approved = Submission.objects.filter(
        status=Status.APPROVED,
        unit=OuterRef("unit"),
        period=OuterRef("period"),
        dataset__elements=OuterRef("element"),
    )
    rows = DataValue.objects.filter(Exists(approved))
    if township is not None:
        rows = rows.filter(unit__path__startswith=township.path)
    if start is not None:
        rows = rows.filter(period__start_date__gte=start)
    if end is not None:
        rows = rows.filter(period__end_date__lte=end)
    return rows


def approved_values(
    township: OrgUnit | None,
    start: date | None = None,
    end: date | None = None,
    id_scheme: IdScheme = IdScheme.CODE,
) -> list[ExportValue]:
    """The approved values (:func:`approved_rows`) as a data value export writes them —
    elements and units named by ``id_scheme``, an element a mapping disaggregates as its
    source element and category option combination — ordered by unit, period and element.

    Raises :class:`PushError` naming what has no external identifier under ``uid``."""
    rows = approved_rows(township, start, end)
    names = export_names(
        element_ids=set(rows.values_list("element_id", flat=True).distinct()),
        units=OrgUnit.objects.filter(pk__in=rows.values("unit_id")),
        elements_by=id_scheme,
        units_by=id_scheme,
    )
    if names.missing:
        lacking = "; ".join(f"{k}: {', '.join(v[:20])}" for k, v in sorted(names.missing.items()))
        raise PushError(
            "id_scheme",
            _(
                "以下对象没有外部标识，无法按 uid 上报（请在映射页登记）：{items} / these have no "
                "uid, so they cannot be pushed by uid (register them on the mappings page): "
                "{items}"
            ).format(items=lacking),
        )
    ordered = rows.order_by(
        "unit__path", "period__start_date", "period__end_date", "element__code"
    ).values_list(
        "element_id",
        "period__code",
        "unit_id",
        "value",
        "stored_by",
        "created",
        "last_updated",
        "comment",
        "follow_up",
    )
    values = []
    for element_id, period, unit_id, value, stored_by, created, updated, comment, follow in ordered:
        if (split := names.disaggregations.get(element_id)) is not None:
            element, combo = split.element, split.combo
        else:
            element, combo = names.elements[element_id], names.default
        values.append(
            ExportValue(
                dataset="",
                element=element,
                period=period,
                unit=names.units[unit_id],
                coc=combo,
                aoc=names.default,
                value=format_value(value),
                stored_by=stored_by,
                created=_moment(created),
                last_updated=_moment(updated),
                comment=comment,
                follow_up=follow,
            )
        )
    return values


def _moment(value: Any) -> str:
    """A timestamp as the data value exports write it: ISO 8601 with milliseconds and the
    offset of the server's time zone."""
    return str(timezone.localtime(value).isoformat(timespec="milliseconds"))


def _check(actor: Actor, township: OrgUnit | None, url: str, environ: Mapping[str, str]) -> None:
    """Who may push what where (see the module's description)."""
    if actor.channel not in (Channel.WEB, Channel.API):
        return  # the console acts for whoever runs it
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    allowed = user is not None and (
        can_read_all(user) if township is None else may_administer(user, township)
    )
    if not allowed:
        raise PermissionDenied(_("无权上报该单位的数据 / not allowed to push that unit's figures"))
    if url.rstrip("/") not in allowed_destinations(environ):
        raise PushError(
            "to",
            _(
                "上报地址不在服务器允许的地址（KAOHE_PUSH_URLS）中 / the destination is not one "
                "the server allows (KAOHE_PUSH_URLS)"
            ),
        )


def _checked(
    url: str,
    batch_size: int,
    start: date | None,
    end: date | None,
    dry_run: bool,
    id_scheme: IdScheme,
) -> str:
    if not 1 <= batch_size <= MAX_BATCH:
        raise PushError(
            "batch_size",
            _("每批条数应在 1–{most} 之间 / the batch size must be 1–{most}").format(
                most=MAX_BATCH
            ),
        )
    if start is not None and end is not None and end < start:
        raise PushError("end", _("截止日期早于起始日期 / the end date is before the start date"))
    try:
        return endpoint(url, dry_run=dry_run, id_scheme=id_scheme.value)
    except ValueError:
        raise PushError(
            "to",
            _(
                "上报地址应为 http(s):// 开头的网址，且不含用户名和密码（凭据由环境变量提供）"
                " / the destination must be an http(s) URL without a user name or password "
                "(credentials come from the environment)"
            ),
        ) from None


def _person(actor: Actor) -> Any | None:
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def do_push(
    actor: Actor,
    url: str,
    *,
    township: OrgUnit | None = None,
    start: date | None = None,
    end: date | None = None,
    batch_size: int = DEFAULT_BATCH,
    dry_run: bool = False,
    id_scheme: IdScheme = IdScheme.CODE,
    environ: Mapping[str, str] | None = None,
    sender: Sender | None = None,
) -> PushLog:
    """Send the approved values under ``township`` to ``url`` in batches and log each batch.

    Refuses to start (:class:`PushError`, nothing written) for a bad destination, batch size
    or dates, or when no credentials are set; ``PermissionDenied`` for a person who does not
    administer the township. Once started, the log says how it ended: a batch the receiver
    refused with a conflict (409) is logged and the next one sent; any other refusal, or a
    server still failing after the retries, stops the push (status ``failed``).
    """
    environ = os.environ if environ is None else environ
    _check(actor, township, url, environ)
    target = _checked(url, batch_size, start, end, dry_run, id_scheme)
    credentials = credentials_from(environ)
    if credentials is None:
        raise PushError(
            "auth",
            _(
                "未设置上报凭据：请设置 KAOHE_PUSH_TOKEN，或 KAOHE_PUSH_USER 和 "
                "KAOHE_PUSH_PASSWORD / no credentials: set KAOHE_PUSH_TOKEN, or KAOHE_PUSH_USER "
                "and KAOHE_PUSH_PASSWORD"
            ),
        )
    values = approved_values(township, start, end, id_scheme)
    batches = [values[i : i + batch_size] for i in range(0, len(values), batch_size)]
    with transaction.atomic():
        log = PushLog.objects.create(
            destination=url.strip().rstrip("/"),
            township=township,
            start_date=start,
            end_date=end,
            batch_size=batch_size,
            dry_run=dry_run,
            id_scheme=id_scheme.value,
            auth=credentials.kind,
            values=len(values),
            batches_planned=len(batches),
            created_by=_person(actor),
            actor=actor.name[:150],
        )
        record(actor, "push.start", OBJECT_TYPE, str(log.pk), after=_shown(log))
    _send_all(log, batches, target, credentials, sender or Sender())
    with transaction.atomic():
        log.finished_at = timezone.now()
        log.save()
        record(actor, "push.finish", OBJECT_TYPE, str(log.pk), after=_shown(log))
    return log


def _send_all(
    log: PushLog,
    batches: Sequence[Sequence[ExportValue]],
    target: str,
    credentials: Credentials,
    sender: Sender,
) -> None:
    """Send every batch, logging each; set the log's totals, status and message."""
    if not batches:
        log.status = PushStatus.DONE
        log.message = "没有已审核通过的数据，未发送 / no approved values: nothing was sent"
        return
    failed = 0
    for index, values in enumerate(batches, start=1):
        body = set_body(values)
        reply = sender.post(target, body, credentials)
        summary = read_import_summary(reply.body)
        batch = _logged(log, index, len(values), body, reply, summary)
        if summary is not None:
            for name in ("imported", "updated", "ignored", "deleted"):
                setattr(log, name, getattr(log, name) + getattr(summary, name))
            log.conflicts += len(summary.conflicts)
        if reply.ok and summary is not None:
            continue
        failed += 1
        if reply.status == 409 and summary is not None:
            continue  # the receiver named the values it refused: the other batches may pass
        log.status = PushStatus.FAILED
        log.message = (
            f"第 {index} 批失败，后续未发送：{batch.error} / batch {index} failed, the rest "
            f"were not sent: {batch.error}"
        )
        return
    log.status = PushStatus.FAILED if failed else PushStatus.DONE
    log.message = (
        f"{failed} 批有冲突，其余已发送 / {failed} batch(es) had conflicts, the rest were sent"
        if failed
        else f"已发送 {len(batches)} 批 / {len(batches)} batch(es) sent"
    )


def _logged(
    log: PushLog,
    index: int,
    count: int,
    body: bytes,
    reply: Reply,
    summary: ImportSummary | None,
) -> PushBatch:
    """The row of one batch, saved at once (a push in progress shows what has gone)."""
    error = reply.error
    if not error and summary is None:
        error = "回复中没有导入摘要 / the reply carries no import summary"
    elif not error and not reply.ok:
        error = f"HTTP {reply.status}"
    if reply.status is None and reply.error:
        error = f"无法连接 / could not connect: {reply.error}"
    return PushBatch.objects.create(
        log=log,
        index=index,
        values=count,
        digest=hashlib.sha256(body).hexdigest(),
        attempts=reply.attempts,
        http_status=reply.status,
        summary_status=summary.status if summary is not None else "",
        imported=summary.imported if summary is not None else 0,
        updated=summary.updated if summary is not None else 0,
        ignored=summary.ignored if summary is not None else 0,
        deleted=summary.deleted if summary is not None else 0,
        conflicts=summary.conflicts if summary is not None else [],
        summary=dict(summary.raw) if summary is not None else None,
        error=error,
    )


def _shown(log: PushLog) -> dict[str, Any]:
    """What the audit log keeps of a push (never its credentials)."""
    return {
        "destination": log.destination,
        "township": log.township.code if log.township else None,
        "start": log.start_date.isoformat() if log.start_date else None,
        "end": log.end_date.isoformat() if log.end_date else None,
        "batch_size": log.batch_size,
        "dry_run": log.dry_run,
        "id_scheme": log.id_scheme,
        "auth": log.auth,
        "values": log.values,
        "batches": log.batches_planned,
        "status": log.status,
        "counts": {
            "imported": log.imported,
            "updated": log.updated,
            "ignored": log.ignored,
            "deleted": log.deleted,
            "conflicts": log.conflicts,
        },
    }
