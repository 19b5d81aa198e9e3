"""Exporting stored values as a DHIS2 data value set (CSV, JSON or ADX), streamed.

:func:`parse_export` checks what is asked (units the person may see, periods, data sets or
elements, format, identifier schemes) and raises :class:`ExportError` naming the field;
:func:`export_data_values` then gives the file piece by piece, reading the values from the
database a few thousand at a time, so that an export of any size is sent in constant memory.

Values go out ordered by unit (its place in the tree), period, then data set (ADX) and element
code, which makes an export of the same values always the same bytes. Timestamps are written
in the server's time zone with milliseconds and the offset (``2026-02-03T10:00:00.000+08:00``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from kaohe.core.access import restrict
from kaohe.datavalues.importing import format_value
from kaohe.datavalues.models import DataValue
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.periods import PeriodError, parse_period
from kaohe.orgunits.models import OrgUnit

from .formats import ExportValue, FormHeader, write_adx, write_csv, write_json
from .identifiers import ExportNames, export_names
from .models import ExternalId, ExternalKind
from .options import ExchangeOptionError, IdScheme, parse_choice

__all__ = [
    "CONTENT_TYPES",
    "ExportError",
    "ExportQuery",
    "export_data_values",
    "parse_export",
    "serialise",
]

CONTENT_TYPES: Final = {
    "csv": "application/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "adx": "application/adx+xml; charset=utf-8",
}
SUFFIXES: Final = {"csv": "csv", "json": "json", "adx": "adx.xml"}
_READ_CHUNK: Final = 5000
_SHOWN_MISSING: Final = 20


class ExportError(ValueError):
    """An export that cannot be made as asked; ``field`` names the parameter at fault and
    the message is bilingual."""

    def __init__(self, field: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class ExportQuery:
    """A checked export: which values, in which format, named how."""

    units: tuple[OrgUnit, ...]
    children: bool
    start: date
    end: date
    period_codes: tuple[str, ...]
    element_ids: tuple[int, ...]
    datasets: tuple[DataSet, ...]
    fmt: str
    elements_by: IdScheme
    units_by: IdScheme

    @property
    def file_name(self) -> str:
        units = "-".join(u.code for u in self.units[:3])
        return f"datavalues-{units}-{self.start:%Y%m%d}-{self.end:%Y%m%d}.{SUFFIXES[self.fmt]}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.fmt]

    @property
    def one_form(self) -> bool:
        """DHIS2's one-form shape: one data set, one period and one unit (without children)."""
        return (
            len(self.datasets) == 1
            and len(self.period_codes) == 1
            and len(self.units) == 1
            and not self.children
        )


def _codes(values: Iterable[str]) -> list[str]:
    """Codes given repeated or separated by commas."""
    found: list[str] = []
    for value in values:
        found += [part.strip() for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(found))


def _period(field: str, text: str) -> tuple[date, date]:
    try:
        parsed = parse_period(text)
    except PeriodError as exc:
        raise ExportError(field, str(exc)) from None
    return parsed.start, parsed.end


def _date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ExportError(
            field, _("须为日期，例如 2026-01-31 / must be a date such as 2026-01-31")
        ) from None


def parse_export(
    user: Any | None,
    *,
    units: Iterable[str],
    children: bool = True,
    start: str = "",
    end: str = "",
    periods: Iterable[str] = (),
    start_date: str = "",
    end_date: str = "",
    datasets: Iterable[str] = (),
    elements: Iterable[str] = (),
    fmt: str = "csv",
    id_scheme: str = "",
    element_scheme: str = "",
    unit_scheme: str = "",
) -> ExportQuery:
    """Check an export asked for by ``user`` (None: the console, which sees everything).

    Units are codes; a unit the user may not see is refused like one that does not exist
    (``status`` 404). Periods are a range of period codes (``start``, ``end``), a list of
    codes (``periods``) or dates (``start_date``, ``end_date``, DHIS2's names); values of every
    period lying wholly inside are exported. Data sets or elements (codes) choose the elements;
    without either, every element.
    """
    if fmt not in CONTENT_TYPES:
        raise ExportError(
            "format",
            _("格式须为 csv、json 或 adx / the format must be csv, json or adx"),
        )
    try:
        base = parse_choice(IdScheme, "idScheme", id_scheme, IdScheme.CODE)
        elements_by = parse_choice(IdScheme, "dataElementIdScheme", element_scheme, base)
        units_by = parse_choice(IdScheme, "orgUnitIdScheme", unit_scheme, base)
    except ExchangeOptionError as exc:
        raise ExportError(exc.name, str(exc)) from None

    unit_codes = _codes(units)
    if not unit_codes:
        raise ExportError("orgUnit", _("请选择单位 / choose a unit"))
    visible = OrgUnit.objects.filter(code__in=unit_codes)
    if user is not None:
        visible = restrict(visible, user)
    found = {u.code: u for u in visible}
    if missing := [c for c in unit_codes if c not in found]:
        raise ExportError(
            "orgUnit",
            # The codes are not repeated: a refusal must not tell an existing unit apart.
            _("未知或无权查看的单位 / unknown unit, or not one you may see"),
            status=404,
        )

    period_codes: list[str] = []
    if codes := _codes(periods):
        spans = [_period("period", code) for code in codes]
        period_codes = [parse_period(code).code for code in codes]
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    elif start or end:
        first = _period("start", start or end)[0]
        last = _period("end", end or start)[1]
    elif start_date and end_date:
        first, last = _date("startDate", start_date), _date("endDate", end_date)
    else:
        raise ExportError(
            "period",
            _(
                "请给出期间：起止期间代码，或 period，或 startDate 和 endDate / give the periods: a "
                "start and end period code, period codes, or startDate and endDate"
            ),
        )
    if last < first:
        raise ExportError("end", _("结束早于开始 / the end is before the start"))

    chosen_sets: list[DataSet] = []
    element_ids: list[int] = []
    if set_codes := _codes(datasets):
        by_code = {d.code: d for d in DataSet.objects.filter(code__in=set_codes)}
        if missing := [c for c in set_codes if c not in by_code]:
            raise ExportError(
                "dataSet",
                _("未知的数据集：{codes} / unknown data set: {codes}").format(
                    codes=", ".join(missing)
                ),
            )
        chosen_sets = [by_code[c] for c in set_codes]
        element_ids = list(
            DataSetElement.objects.filter(dataset__in=chosen_sets)
            .values_list("element_id", flat=True)
            .distinct()
        )
    if element_codes := _codes(elements):
        by_code = dict(DataElement.objects.filter(code__in=element_codes).values_list("code", "pk"))
        if missing := [c for c in element_codes if c not in by_code]:
            raise ExportError(
                "dataElement",
                _("未知的数据元素：{codes} / unknown data element: {codes}").format(
                    codes=", ".join(missing)
                ),
            )
        element_ids = [*element_ids, *by_code.values()]
    if not chosen_sets and not element_codes:
        element_ids = list(DataElement.objects.values_list("pk", flat=True))
    return ExportQuery(
        units=tuple(found[c] for c in unit_codes),
        children=children,
        start=first,
        end=last,
        period_codes=tuple(period_codes),
        element_ids=tuple(sorted(set(element_ids))),
        datasets=tuple(chosen_sets),
        fmt=fmt,
        elements_by=elements_by,
        units_by=units_by,
    )


def _under(units: Iterable[OrgUnit], children: bool) -> QuerySet[OrgUnit]:
    """The units asked for and, with ``children``, everything under them (the prefix match
    compared with = too, because SQLite's LIKE ignores letter case)."""
    condition = Q(pk__in=[u.pk for u in units])
    if children:
        for unit in units:
            prefix = Substr(F("path"), 1, len(unit.path))
            condition |= Q(path__startswith=unit.path) & Q(Exact(prefix, Value(unit.path)))
    return OrgUnit.objects.filter(condition)


def _moment(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="milliseconds")


def _values(query: ExportQuery, user: Any | None) -> QuerySet[DataValue]:
    values = DataValue.objects.filter(
        unit__in=_under(query.units, query.children),
        element_id__in=query.element_ids,
        period__start_date__gte=query.start,
        period__end_date__lte=query.end,
    )
    if query.period_codes:
        values = values.filter(period__code__in=query.period_codes)
    if user is not None:
        values = restrict(values, user)
    return values


def _names_for(
    values: QuerySet[DataValue],
    *,
    fmt: str,
    elements_by: IdScheme,
    units_by: IdScheme,
    preferred_datasets: Iterable[DataSet] = (),
) -> ExportNames:
    """How ``values`` go out; raises ExportError when a ``uid`` is missing, or when an ADX
    export holds values of an element in no data set."""
    used_elements = set(values.values_list("element_id", flat=True).distinct())
    used_units = set(values.values_list("unit_id", flat=True).distinct())
    names = export_names(
        element_ids=used_elements,
        units=OrgUnit.objects.filter(pk__in=used_units),
        elements_by=elements_by,
        units_by=units_by,
        preferred_datasets=[d.pk for d in preferred_datasets],
        adx=fmt == "adx",
    )
    if names.missing:
        raise ExportError(
            "idScheme",
            _(
                "以下对象没有外部标识，无法按 uid 导出（请在映射页登记）：{items} / these have no "
                "uid, so they cannot be exported by uid (register them on the mappings page): "
                "{items}"
            ).format(
                items="; ".join(
                    f"{kind}: {', '.join(codes[:_SHOWN_MISSING])}"
                    for kind, codes in sorted(names.missing.items())
                )
            ),
        )
    homeless = [e for e in used_elements if e not in names.dataset_of]
    if fmt == "adx" and homeless:
        codes = sorted(DataElement.objects.filter(pk__in=homeless).values_list("code", flat=True))
        raise ExportError(
            "dataElement",
            _(
                "ADX 按数据集分组，以下数据元素不属于任何数据集：{codes} / ADX groups values by "
                "data set, and these elements are in none: {codes}"
            ).format(codes=", ".join(codes[:_SHOWN_MISSING])),
        )
    return names


def serialise(
    values: QuerySet[DataValue],
    *,
    fmt: str = "json",
    elements_by: IdScheme = IdScheme.CODE,
    units_by: IdScheme = IdScheme.CODE,
    preferred_datasets: Iterable[DataSet] = (),
    form: tuple[DataSet, str, OrgUnit] | None = None,
    exported: datetime | None = None,
) -> Iterator[str]:
    """``values`` as a DHIS2 data value set in ``fmt`` (csv, json, adx), piece by piece, in
    the export's order and naming (see the module notes): what an export and a push to another
    system send. Raises :class:`ExportError` before the first piece when something cannot be
    named as asked. ``form`` (data set, period code, unit) gives JSON's one-form shape; ADX
    says it was made at ``exported`` (default: now)."""
    preferred = list(preferred_datasets)
    names = _names_for(
        values, fmt=fmt, elements_by=elements_by, units_by=units_by, preferred_datasets=preferred
    )
    rows = _export_values(values, names, adx=fmt == "adx")
    if fmt == "csv":
        return write_csv(rows)
    if fmt == "json":
        header: FormHeader | None = None
        if form is not None:
            dataset, period, unit = form
            header = (
                _name_under(dataset, ExternalKind.DATASET, elements_by),
                period,
                _name_under(unit, ExternalKind.UNIT, units_by),
                "",
            )
        return write_json(rows, header)
    return write_adx(rows, exported=_moment(exported or timezone.now()))


def _name_under(row: DataSet | OrgUnit, kind: str, scheme: IdScheme) -> str:
    if scheme is IdScheme.NAME:
        return row.name
    if scheme is IdScheme.UID:
        found = ExternalId.objects.filter(kind=kind, **{kind: row}).first()
        if found is None:
            raise ExportError(
                "idScheme",
                _(
                    "{code} 没有外部标识，无法按 uid 导出（请在映射页登记） / {code} has no uid, so "
                    "it cannot be exported by uid (register it on the mappings page)"
                ).format(code=row.code),
            )
        return found.uid
    return row.code


def export_data_values(
    query: ExportQuery, user: Any | None, *, exported: datetime | None = None
) -> Iterator[str]:
    """The export asked for (see :func:`parse_export`), piece by piece. Raises
    :class:`ExportError` before the first piece when it cannot be named as asked."""
    form = None
    if query.one_form:
        form = (query.datasets[0], query.period_codes[0], query.units[0])
    return serialise(
        _values(query, user),
        fmt=query.fmt,
        elements_by=query.elements_by,
        units_by=query.units_by,
        preferred_datasets=query.datasets,
        form=form,
        exported=exported,
    )


def _export_values(
    values: QuerySet[DataValue], names: ExportNames, *, adx: bool
) -> Iterator[ExportValue]:
    rows = (
        values.order_by("unit__path", "period__start_date", "period__end_date", "element__code")
        .values_list(
            "unit_id",
            "period__code",
            "element_id",
            "value",
            "stored_by",
            "created",
            "last_updated",
            "comment",
            "follow_up",
        )
        .iterator(chunk_size=_READ_CHUNK)
    )
    block: list[ExportValue] = []
    current: tuple[int, str] | None = None
    for unit_id, period, element_id, value, stored_by, created, updated, comment, follow in rows:
        if (unit_id, period) != current:
            yield from _ordered(block, adx)
            block = []
            current = (unit_id, period)
        if (split := names.disaggregations.get(element_id)) is not None:
            element, combo, categories = split.element, split.combo, split.adx_categories
        else:
            element, combo, categories = names.elements[element_id], names.default, ()
        dataset_id = names.dataset_of.get(element_id)
        block.append(
            ExportValue(
                dataset=names.datasets.get(dataset_id, "") if dataset_id is not None else "",
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
                adx_categories=categories,
            )
        )
    yield from _ordered(block, adx)


def _ordered(block: list[ExportValue], adx: bool) -> list[ExportValue]:
    """One unit's values of one period: by data set first in ADX (one group each)."""
    if adx:
        return sorted(block, key=lambda v: v.dataset)  # stable: element order kept
    return block
