"""Writes of the forecasts app: a township's own forecast assumptions, saved and cleared.

The forecast itself is never stored (:mod:`kaohe.forecasts.selectors` computes it on request);
the only rows are a township's assumptions (:class:`~kaohe.forecasts.models.TownshipAssumptions`),
which override the configuration's defaults for that township. Each write runs in one
transaction with its audit row (object type ``forecastassumptions``, key the township's code).
Pages and the API act for a signed-in person, who must administer the township (a township
administrator); the console acts for whoever runs it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.core.access import may_administer
from kaohe.engine.forecast import ForecastAssumptions
from kaohe.orgunits.models import OrgUnit, UnitKind

from .config import ForecastConfig
from .errors import ForecastError
from .models import TownshipAssumptions

OBJECT_TYPE: Final = "forecastassumptions"
ACTION_SAVE: Final = "forecast.assumptions_save"
ACTION_CLEAR: Final = "forecast.assumptions_clear"

# The assumptions a township may set: field → (lowest, highest, name in Chinese, in English).
FIELDS: Final[dict[str, tuple[float, float, str, str]]] = {
    "survival": (0.5, 1.0, "育龄妇女年存活率", "survival"),
    "net_migration": (-0.5, 0.5, "妇女年净迁移率", "net migration"),
    "entrants": (0.0, 5.0, "进入15–19岁组的女孩", "entrants"),
    "fertility_trend": (-0.5, 0.5, "生育水平年变化率", "fertility trend"),
    "low_factor": (0.1, 1.0, "低方案系数", "low variant factor"),
    "high_factor": (1.0, 3.0, "高方案系数", "high variant factor"),
}
NOTE_LIMIT: Final = 2000


def snapshot(row: TownshipAssumptions | None) -> dict[str, Any] | None:
    """The row's figures as the audit log keeps them."""
    if row is None:
        return None
    return {name: getattr(row, name) for name in FIELDS} | {"note": row.note}


def effective_assumptions(
    config: ForecastConfig, row: TownshipAssumptions | None, horizon: int | None = None
) -> ForecastAssumptions:
    """The configuration's default assumptions, with what the township saved (``row``) and the
    horizon asked for put in their place."""
    base = config.assumptions
    changes: dict[str, Any] = {}
    if row is not None:
        for name in ("survival", "net_migration", "entrants", "fertility_trend"):
            value = getattr(row, name)
            if value is not None:
                changes[name] = value
        low, medium, high = base.variant_factors
        factors = (
            row.low_factor if row.low_factor is not None else low,
            medium,
            row.high_factor if row.high_factor is not None else high,
        )
        if factors != base.variant_factors:
            changes["variant_factors"] = factors
    if horizon is not None:
        changes["horizon"] = horizon
    return dataclasses.replace(base, **changes) if changes else base


def saved_assumptions(township: OrgUnit) -> TownshipAssumptions | None:
    return TownshipAssumptions.objects.filter(township=township).first()


def _person(actor: Actor) -> Any | None:
    """The signed-in user acting, or None for the console; a page or API call without one is
    refused."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if user is None and actor.channel in (Channel.WEB, Channel.API):
        raise PermissionDenied
    return user


def _check_township(actor: Actor, township: OrgUnit) -> None:
    user = _person(actor)
    if user is not None and not may_administer(user, township):
        raise PermissionDenied(
            _("你不能设定该乡镇的预测假设 / you may not set this township's forecast assumptions")
        )
    if township.kind != UnitKind.TOWNSHIP:
        raise ForecastError(
            "township",
            _("{code} 不是乡镇 / {code} is not a township").format(code=township.code),
        )


def parse_assumptions(data: Mapping[str, Any]) -> dict[str, float | None]:
    """The figures typed in ``data`` (empty: the default), each checked against its range;
    :class:`ForecastError` names the first field that is wrong."""
    values: dict[str, float | None] = {}
    for name, (low, high, zh, en) in FIELDS.items():
        text = data.get(name)
        if text is None or (isinstance(text, str) and not text.strip()):
            values[name] = None
            continue
        try:
            number = float(text)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or not low <= number <= high:
            raise ForecastError(
                name,
                _(
                    "{zh}须为 {low}–{high} 之间的数：{text} / the {en} must be a number from "
                    "{low} to {high}: {text}"
                ).format(zh=zh, en=en, low=f"{low:g}", high=f"{high:g}", text=text),
            )
        values[name] = number
    low_factor, high_factor = values["low_factor"], values["high_factor"]
    if low_factor is not None and high_factor is not None and low_factor > high_factor:
        raise ForecastError(
            "high_factor",
            _("高方案系数不能小于低方案系数 / the high variant factor cannot be below the low one"),
        )
    return values


@transaction.atomic
def do_save_assumptions(
    actor: Actor, township: OrgUnit, data: Mapping[str, Any], note: str = ""
) -> TownshipAssumptions:
    """Save the township's own assumptions (``data``: the fields of :data:`FIELDS`, empty for
    the default) with the reason for them; audited. Nothing changes when a figure is refused."""
    _check_township(actor, township)
    values = parse_assumptions(data)
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ForecastError(
            "note",
            _("依据最多 {n} 字 / the reason takes at most {n} characters").format(n=NOTE_LIMIT),
        )
    row = TownshipAssumptions.objects.select_for_update().filter(township=township).first()
    before = snapshot(row)
    if row is None:
        row = TownshipAssumptions(township=township)
    for name, value in values.items():
        setattr(row, name, value)
    row.note = note
    row.updated_by = actor.name[:150]
    row.save()
    after = snapshot(row)
    if before != after:
        record(actor, ACTION_SAVE, OBJECT_TYPE, township.code, before, after)
    return row


@transaction.atomic
def do_clear_assumptions(actor: Actor, township: OrgUnit) -> bool:
    """Go back to the configuration's defaults for the township (audited); whether there was
    anything to clear."""
    _check_township(actor, township)
    row = TownshipAssumptions.objects.select_for_update().filter(township=township).first()
    if row is None:
        return False
    record(actor, ACTION_CLEAR, OBJECT_TYPE, township.code, snapshot(row), None)
    row.delete()
    return True
