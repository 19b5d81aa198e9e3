"""Checking a batch of incoming values at once: the same checks as a single edit or the CSV
import of :mod:`kaohe.datavalues.importing`, done on whole columns.

Codes are looked up by dictionary, combinations by a join with the mappings, and anything a
value's text decides (the number it holds, the period a code names, a timestamp) is worked out
once per distinct text with the very functions the rest of Kaohe uses (``parse_value``,
``parse_period``, ``parse_timestamp``…) and joined back, so a million values with a few
thousand distinct figures cost a few thousand calls. Nothing here writes except the periods
named for the first time (created like every import creates them).

:func:`check_batch` gives the values ready to be staged (:mod:`kaohe.interop.bulk`) and one
:class:`~kaohe.interop.formats.Conflict` per problem, each naming the value's row, the field
as the file calls it, the offending text and the reason in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from kaohe.datavalues.importing import (
    DEFAULT_COMBO_NAME,
    DEFAULT_COMBO_UID,
    MAX_COMMENT,
    MAX_STORED_BY,
    ValueProblem,
    format_value,
    parse_timestamp,
    parse_value,
    unit_closed_reason,
)
from kaohe.datavalues.models import Period
from kaohe.engine.periods import Period as ParsedPeriod
from kaohe.engine.periods import PeriodError, from_iso_interval, parse_period

from .formats import Conflict
from .identifiers import AMBIGUOUS, Lookups
from .options import IdScheme, ImportOptions, Strategy

__all__ = ["OP_DELETE", "OP_SET", "CheckContext", "PeriodBook", "check_batch", "field_names"]

OP_SET: Final = 0
OP_DELETE: Final = 1

# What each batch column is called in each format (for conflicts).
_CSV_NAMES: Final = {
    "element": "dataelement",
    "period": "period",
    "unit": "orgunit",
    "coc": "categoryoptioncombo",
    "aoc": "attributeoptioncombo",
    "value": "value",
    "stored_by": "storedby",
    "last_updated": "lastupdated",
    "comment": "comment",
    "follow_up": "followup",
    "deleted": "deleted",
    "created": "created",
}
_JSON_NAMES: Final = {
    "element": "dataElement",
    "period": "period",
    "unit": "orgUnit",
    "coc": "categoryOptionCombo",
    "aoc": "attributeOptionCombo",
    "value": "value",
    "stored_by": "storedBy",
    "last_updated": "lastUpdated",
    "comment": "comment",
    "follow_up": "followup",
    "deleted": "deleted",
    "created": "created",
}
_ADX_NAMES: Final = {
    **_JSON_NAMES,
    "coc": "dataValue",
    "aoc": "group",
    "comment": "annotation",
}
_TRUE: Final = frozenset({"true"})
_FALSE: Final = frozenset({"", "false", "null"})


def field_names(fmt: str) -> dict[str, str]:
    """The name of each batch column in ``fmt``."""
    return {"csv": _CSV_NAMES, "json": _JSON_NAMES}.get(fmt, _ADX_NAMES)


@dataclass(frozen=True, slots=True)
class _Known:
    id: int
    start: date
    end: date


class PeriodBook:
    """Period texts (DHIS2 codes, or ISO intervals in ADX) → the Period row, created on first
    use, remembered for the whole import."""

    def __init__(self) -> None:
        self.found: dict[str, _Known | str] = {}
        self.parsed: dict[int, ParsedPeriod] = {}

    def unknown(self, texts: Iterable[str]) -> bool:
        """Whether any of ``texts`` is new to this book (:meth:`resolve` then asks the
        database)."""
        return any(text not in self.found for text in texts)

    def resolve(self, texts: Iterable[str]) -> None:
        fresh: dict[str, ParsedPeriod] = {}
        for text in texts:
            if text in self.found:
                continue
            if not text:
                self.found[text] = _("缺少期间 / the period is missing")
                continue
            try:
                parsed = from_iso_interval(text) if "/" in text else parse_period(text)
            except PeriodError as exc:
                self.found[text] = str(exc)
                continue
            fresh[text] = parsed
        if not fresh:
            return
        codes = {p.code for p in fresh.values()}
        rows = {p.code: p.pk for p in Period.objects.filter(code__in=codes)}
        missing = sorted(codes - set(rows))
        if missing:
            by_code = {p.code: p for p in fresh.values()}
            Period.objects.bulk_create(
                [
                    Period(
                        code=code,
                        period_type=by_code[code].period_type.value,
                        start_date=by_code[code].start,
                        end_date=by_code[code].end,
                    )
                    for code in missing
                ],
                ignore_conflicts=True,  # another import may create it at the same moment
            )
            rows.update(Period.objects.filter(code__in=missing).values_list("code", "pk"))
        for text, parsed in fresh.items():
            pk = rows[parsed.code]
            self.found[text] = _Known(pk, parsed.start, parsed.end)
            self.parsed[pk] = parsed


@dataclass
class CheckContext:
    """What stays the same across the batches of one import."""

    lookups: Lookups
    options: ImportOptions
    fmt: str
    stored_by: str
    now: datetime
    periods: PeriodBook = field(default_factory=PeriodBook)
    _values: dict[tuple[str, str], str | ValueProblem] = field(default_factory=dict)
    _moments: dict[str, datetime | ValueProblem] = field(default_factory=dict)


# --- the checks ----------------------------------------------------------------------------


def _unknown(what: str, scheme: IdScheme) -> str:
    if what == "element":
        return {
            IdScheme.CODE: _("未知的数据元素代码 / unknown data element code"),
            IdScheme.NAME: _("未知的数据元素名称 / unknown data element name"),
            IdScheme.UID: _(
                "未知的数据元素外部标识（须先在映射页登记） / unknown data element uid (register it on "
                "the mappings page first)"
            ),
        }[scheme]
    return {
        IdScheme.CODE: _("未知的单位代码 / unknown organisation unit code"),
        IdScheme.NAME: _("未知的单位名称 / unknown organisation unit name"),
        IdScheme.UID: _(
            "未知的单位外部标识（须先在映射页登记） / unknown organisation unit uid (register it on "
            "the mappings page first)"
        ),
    }[scheme]


def _values_of(frame: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """Each distinct (text, value type) with its stored form or its problem."""
    pairs = (
        frame.filter(pl.col("value_text") != "")
        .select("value_text", "value_type")
        .drop_nulls()
        .unique()
    )
    texts: list[str] = []
    types: list[str] = []
    stored: list[str | None] = []
    problems: list[str | None] = []
    for text, value_type in pairs.iter_rows():
        key = (text, value_type)
        outcome = ctx._values.get(key)
        if outcome is None:
            try:
                outcome = format_value(parse_value(text, value_type))
            except ValueProblem as exc:
                outcome = exc
            ctx._values[key] = outcome
        texts.append(text)
        types.append(value_type)
        stored.append(outcome if isinstance(outcome, str) else None)
        problems.append(str(outcome) if isinstance(outcome, ValueProblem) else None)
    return pl.DataFrame(
        {"value_text": texts, "value_type": types, "stored": stored, "value_problem": problems},
        schema={
            "value_text": pl.String(),
            "value_type": pl.String(),
            "stored": pl.String(),
            "value_problem": pl.String(),
        },
    )


# The spellings Polars parses, most common first: DHIS2's JSON (no zone), its CSV and Kaohe's
# exports (with a zone), a space for the T, a bare date.
_FORMATS: Final = (
    ("%Y-%m-%dT%H:%M:%S%.f", False),
    ("%Y-%m-%dT%H:%M:%S%.f%#z", True),
    ("%Y-%m-%d %H:%M:%S%.f", False),
    ("%Y-%m-%d", False),
)
_MOMENT: Final = pl.Datetime("us", "UTC")


def _parsed(texts: pl.Series) -> pl.Series:
    """``texts`` as UTC moments where one of the common spellings fits (null elsewhere); each
    spelling is tried only on the texts the ones before it left."""
    zone = settings.TIME_ZONE
    found = pl.Series("at", [None] * texts.len(), dtype=_MOMENT)
    left = pl.Series("left", range(texts.len()), dtype=pl.Int64).filter(
        texts.is_not_null() & (texts != "")
    )
    for fmt, aware in _FORMATS:
        if left.is_empty():
            break
        parsed = texts.gather(left).str.to_datetime(fmt, strict=False, time_unit="us")
        if aware:
            parsed = parsed.dt.convert_time_zone("UTC")
        else:
            parsed = parsed.dt.replace_time_zone(
                zone, ambiguous="earliest", non_existent="null"
            ).dt.convert_time_zone("UTC")
        fits = parsed.is_not_null()
        found.scatter(left.filter(fits), parsed.filter(fits))
        left = left.filter(~fits)
    return found


def _moments(frame: pl.DataFrame, column: str, ctx: CheckContext) -> pl.DataFrame:
    """``column`` parsed as ISO 8601 moments (UTC): the common spellings by Polars, the rest
    one distinct text at a time by ``parse_timestamp``. Adds ``{column}_at`` and
    ``{column}_problem``."""
    at, problem = f"{column}_at", f"{column}_problem"
    texts = frame.get_column(column)
    if texts.null_count() == texts.len():
        return frame.with_columns(
            pl.lit(None, dtype=_MOMENT).alias(at), pl.lit(None, dtype=pl.String).alias(problem)
        )
    frame = frame.with_columns(_parsed(texts).alias(at))
    text = pl.col(column)
    rest = frame.filter(pl.col(at).is_null() & (text.fill_null("") != "")).get_column(column)
    fixes: dict[str, datetime | None] = {}
    problems: dict[str, str] = {}
    for raw in rest.unique().to_list():
        outcome = ctx._moments.get(raw)
        if outcome is None:
            try:
                outcome = parse_timestamp(raw)
            except ValueProblem as exc:
                outcome = exc
            ctx._moments[raw] = outcome
        if isinstance(outcome, ValueProblem):
            problems[raw] = str(outcome)
        else:
            fixes[raw] = outcome.astimezone(ZoneInfo("UTC"))
    if fixes:
        frame = frame.with_columns(
            pl.coalesce(
                pl.col(at), text.replace_strict(fixes, default=None, return_dtype=_MOMENT)
            ).alias(at)
        )
    return frame.with_columns(
        text.replace_strict(problems, default=None, return_dtype=pl.String).alias(problem)
        if problems
        else pl.lit(None, dtype=pl.String).alias(problem)
    )


def _combos(frame: pl.DataFrame, ctx: CheckContext) -> pl.DataFrame:
    """Adds ``map_id`` and ``map_target`` from the combination mappings: the one for this
    element first, else the one for any element."""
    mappings = ctx.lookups.combo_frame(adx=ctx.fmt == "adx")
    specific = mappings.filter(pl.col("map_element") != "")
    general = mappings.filter(pl.col("map_element") == "").drop("map_element")
    frame = frame.join(
        specific,
        left_on=["element", "coc"],
        right_on=["map_element", "map_combo"],
        how="left",
        coalesce=True,
    )
    frame = frame.join(
        general.rename({"map_id": "any_id", "map_target": "any_target"}),
        left_on="coc",
        right_on="map_combo",
        how="left",
        coalesce=True,
    )
    found = pl.col("map_id").is_not_null()
    return frame.with_columns(
        pl.when(found)
        .then(pl.col("map_target"))
        .otherwise(pl.col("any_target"))
        .alias("map_target"),
        pl.when(found).then(pl.col("map_id")).otherwise(pl.col("any_id")).alias("map_id"),
    ).drop("any_id", "any_target")


def _is_default(column: str) -> pl.Expr:
    """Whether a combination column holds DHIS2's default combination (see
    :func:`kaohe.interop.identifiers.is_default_combo`)."""
    text = pl.col(column)
    return text.is_in(["", DEFAULT_COMBO_UID]) | (text.str.to_lowercase() == DEFAULT_COMBO_NAME)


def check_batch(frame: pl.DataFrame, ctx: CheckContext) -> tuple[pl.DataFrame, list[Conflict]]:
    """The values of ``frame`` ready to stage, and a conflict per problem (see the module)."""
    if frame.height == 0:
        return frame, []
    lookups, options = ctx.lookups, ctx.options
    strategy = options.strategy
    names = field_names(ctx.fmt)
    text_columns = ["element", "period", "unit", "coc", "aoc"]
    f = frame.with_columns(pl.col(c).fill_null("") for c in text_columns)

    # Elements, through the combination mappings where the combination is not the default.
    f = f.with_columns(
        _is_default("coc").alias("default_coc"),
        _is_default("aoc").alias("default_aoc"),
        pl.col("element")
        .replace_strict(lookups.element_ids, default=None, return_dtype=pl.Int64)
        .alias("named_element"),
    )
    if f.get_column("default_coc").all():
        f = f.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("map_id"),
            pl.lit(None, dtype=pl.Int64).alias("map_target"),
        )
    else:
        f = _combos(f, ctx)
    mapped = ~pl.col("default_coc") & pl.col("map_id").is_not_null()
    f = f.with_columns(
        mapped.alias("mapped"),
        pl.when(mapped & pl.col("map_target").is_not_null())
        .then(pl.col("map_target"))
        .otherwise(pl.col("named_element"))
        .alias("element_id"),
    )

    # Periods and units.
    ctx.periods.resolve(f.get_column("period").unique().to_list())
    known = {t: k for t, k in ctx.periods.found.items() if not isinstance(k, str)}
    failed = {t: k for t, k in ctx.periods.found.items() if isinstance(k, str)}
    f = f.with_columns(
        pl.col("period")
        .replace_strict({t: k.id for t, k in known.items()}, default=None, return_dtype=pl.Int64)
        .alias("period_id"),
        pl.col("period")
        .replace_strict({t: k.start for t, k in known.items()}, default=None, return_dtype=pl.Date)
        .alias("period_start"),
        pl.col("period")
        .replace_strict({t: k.end for t, k in known.items()}, default=None, return_dtype=pl.Date)
        .alias("period_end"),
        pl.col("period")
        .replace_strict(failed, default=None, return_dtype=pl.String)
        .alias("period_problem"),
        pl.col("unit")
        .replace_strict(lookups.unit_ids, default=None, return_dtype=pl.Int64)
        .alias("unit_id"),
    )
    units_here = [u for u in f.get_column("unit_id").drop_nulls().unique().to_list() if u > 0]
    infos = [lookups.units[u] for u in units_here if u in lookups.units]
    f = f.join(
        pl.DataFrame(
            {
                "unit_id": [u.id for u in infos],
                "opening": [u.opening_date for u in infos],
                "closed": [u.closed_date for u in infos],
                "allowed": [
                    lookups.allowed_units is None or u.id in lookups.allowed_units for u in infos
                ],
            },
            schema={
                "unit_id": pl.Int64(),
                "opening": pl.Date(),
                "closed": pl.Date(),
                "allowed": pl.Boolean(),
            },
        ),
        on="unit_id",
        how="left",
    )

    # Values, by the type of the element they go to.
    element_types = {e.id: e.value_type for e in lookups.elements.values()}
    zero_kept = {e.id: e.zero_is_significant for e in lookups.elements.values()}
    deleted_text = pl.col("deleted").fill_null("").str.to_lowercase()
    f = f.with_columns(
        pl.col("element_id")
        .replace_strict(element_types, default=None, return_dtype=pl.String)
        .alias("value_type"),
        pl.col("element_id")
        .replace_strict(zero_kept, default=None, return_dtype=pl.Boolean)
        .alias("zero_kept"),
        pl.col("value").fill_null("").alias("value_text"),
        deleted_text.is_in(list(_TRUE)).alias("delete_asked"),
        (~deleted_text.is_in(list(_TRUE | _FALSE))).alias("deleted_bad"),
    )
    if strategy is not Strategy.DELETE:
        f = f.join(_values_of(f, ctx), on=["value_text", "value_type"], how="left")
    else:
        f = f.with_columns(
            pl.lit(None, dtype=pl.String).alias("stored"),
            pl.lit(None, dtype=pl.String).alias("value_problem"),
        )
    empty = pl.col("value_text") == ""
    delete = (
        pl.lit(strategy is Strategy.DELETE)
        | pl.col("delete_asked")
        | (empty & pl.lit(options.delete_empty))
    )
    zero = (pl.col("stored") == "0") & ~pl.col("zero_kept").fill_null(True)
    f = f.with_columns(
        pl.when(delete | zero).then(pl.lit(OP_DELETE)).otherwise(pl.lit(OP_SET)).alias("op"),
        (empty & ~delete).alias("value_empty"),
    )

    # Who, when, and the comment and follow-up flag.
    f = _moments(f, "last_updated", ctx)
    f = _moments(f, "created", ctx)
    follow = pl.col("follow_up").str.to_lowercase()
    f = f.with_columns(
        pl.when(pl.col("stored_by").fill_null("") == "")
        .then(pl.lit(ctx.stored_by))
        .otherwise(pl.col("stored_by"))
        .alias("stored_by"),
        pl.when(follow.is_null())
        .then(None)
        .when(follow.is_in(["", "false"]))
        .then(False)
        .when(follow == "true")
        .then(True)
        .otherwise(None)
        .alias("follow_flag"),
        (follow.is_not_null() & ~follow.is_in(["", "false", "true"])).alias("follow_bad"),
    )
    f = f.with_columns(pl.coalesce("last_updated_at", pl.lit(ctx.now)).alias("last_updated_at"))

    checks = _checks(f, ctx)
    problem = pl.any_horizontal([c for c, _n, _r in checks])
    bad = f.filter(problem)
    conflicts = _conflicts(bad, checks, names, lookups)
    good = f.filter(~problem)
    source = pl.concat_str([pl.col("element"), pl.lit("\x1f"), pl.col("coc")]).hash(7)
    clean = good.select(
        "row",
        "index",
        "element_id",
        "period_id",
        "unit_id",
        "op",
        pl.when(pl.col("op") == OP_SET).then(pl.col("stored")).otherwise(None).alias("value"),
        "stored_by",
        pl.col("last_updated_at").alias("last_updated"),
        pl.col("created_at").alias("created"),
        "comment",
        pl.col("follow_flag").alias("follow_up"),
        "mapped",
        source.reinterpret(signed=True).alias("source"),
    )
    return clean, conflicts


_Check = tuple[pl.Expr, str, pl.Expr]  # (is bad, column, reason)


def _checks(f: pl.DataFrame, ctx: CheckContext) -> list[_Check]:
    options = ctx.options
    lookups = ctx.lookups
    element = pl.col("element")
    no_mapping = ~pl.col("default_coc") & pl.col("map_id").is_null()
    element_unknown = (element != "") & ~no_mapping & (pl.col("element_id").is_null())
    unit_reason = (
        _("未知的单位，或无权填报该单位 / unknown unit, or not one you may enter figures for")
        if lookups.allowed_units is not None
        else _unknown("unit", options.units_by)
    )
    closed = (pl.col("closed") < pl.col("period_start")) | (
        pl.col("opening") > pl.col("period_end")
    )
    strategy_sets = options.strategy is not Strategy.DELETE
    lit = pl.lit
    return [
        (element == "", "element", lit(_("缺少数据元素 / the data element is missing"))),
        (element_unknown, "element", lit(_unknown("element", options.elements_by))),
        (
            pl.col("element_id") == AMBIGUOUS,
            "element",
            lit(_("多个数据元素同名，无法识别 / several data elements have this name")),
        ),
        (
            no_mapping,
            "coc",
            lit(
                _(
                    "此分类选项组合未配置分解映射，Kaohe 的数据元素没有分解 / this category option "
                    "combo has no mapping: Kaohe's data elements are not disaggregated"
                )
            ),
        ),
        (
            ~pl.col("default_aoc"),
            "aoc",
            lit(
                _(
                    "不支持属性选项组合，只接受默认组合 / attribute option combos are not supported; "
                    "only the default one is accepted"
                )
            ),
        ),
        (pl.col("period_problem").is_not_null(), "period", pl.col("period_problem")),
        (pl.col("unit") == "", "unit", lit(_("缺少单位 / the organisation unit is missing"))),
        (
            (pl.col("unit") != "")
            & (pl.col("unit_id") != AMBIGUOUS).fill_null(True)
            & (pl.col("unit_id").is_null() | ~pl.col("allowed").fill_null(False)),
            "unit",
            lit(unit_reason),
        ),
        (
            pl.col("unit_id") == AMBIGUOUS,
            "unit",
            lit(_("多个单位同名，无法识别 / several organisation units have this name")),
        ),
        (closed.fill_null(False), "unit", lit("closed")),
        (pl.col("deleted_bad"), "deleted", lit(_("须为 true 或 false / must be true or false"))),
        (
            pl.col("value_empty") & lit(strategy_sets),
            "value",
            lit(
                _(
                    "值为空（若要删除已存的值，请选择“空值即删除”或 deleted=true） / the value is "
                    "empty (choose “an empty value deletes” or deleted=true to delete stored values)"
                )
            ),
        ),
        (
            (pl.col("op") == OP_SET) & pl.col("value_problem").is_not_null() & lit(strategy_sets),
            "value",
            pl.col("value_problem"),
        ),
        (
            pl.col("stored_by").str.len_chars() > MAX_STORED_BY,
            "stored_by",
            lit(_("超过 {n} 个字符 / longer than {n} characters").format(n=MAX_STORED_BY)),
        ),
        (
            pl.col("last_updated_problem").is_not_null(),
            "last_updated",
            pl.col("last_updated_problem"),
        ),
        (pl.col("created_problem").is_not_null(), "created", pl.col("created_problem")),
        (
            pl.col("comment").str.len_chars().fill_null(0) > MAX_COMMENT,
            "comment",
            lit(_("超过 {n} 个字符 / longer than {n} characters").format(n=MAX_COMMENT)),
        ),
        (pl.col("follow_bad"), "follow_up", lit(_("须为 true 或 false / must be true or false"))),
    ]


def _conflicts(
    bad: pl.DataFrame, checks: list[_Check], names: dict[str, str], lookups: Lookups
) -> list[Conflict]:
    """One conflict per failing check of each bad row, in row order."""
    if bad.height == 0:
        return []
    flags = bad.select(
        "row",
        "index",
        "period",
        "unit_id",
        *[c.alias(f"bad{i}") for i, (c, _n, _r) in enumerate(checks)],
        *[r.alias(f"why{i}") for i, (_c, _n, r) in enumerate(checks)],
        *[pl.col(n).cast(pl.String).alias(f"obj{i}") for i, (_c, n, _r) in enumerate(checks)],
    )
    found: list[Conflict] = []
    for record in flags.iter_rows(named=True):
        for i, (_c, column, _r) in enumerate(checks):
            if not record[f"bad{i}"]:
                continue
            reason = record[f"why{i}"]
            if reason == "closed":
                reason = _closed_reason(record["unit_id"], record["period"], lookups)
            found.append(
                Conflict(
                    record["row"],
                    record["index"],
                    names[column],
                    record[f"obj{i}"] or "",
                    reason,
                )
            )
    return found


def _closed_reason(unit_id: int, period_text: str, lookups: Lookups) -> str:
    period = from_iso_interval(period_text) if "/" in period_text else parse_period(period_text)
    unit = lookups.units[unit_id]
    return unit_closed_reason(unit, period) or ""  # type: ignore[arg-type]
