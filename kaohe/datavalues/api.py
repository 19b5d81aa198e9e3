"""REST API: data values, read in bulk and written as DHIS2 data value sets.

``GET /api/datavalues/`` lists the values the user may see, filtered by ``dataset``,
``period``, ``unit`` (with ``children=true``: the units under it too) and ``element`` (each a
code, or several separated by commas), in pages (``limit``/``offset``).

``POST /api/datavalues/`` takes a DHIS2 ``dataValueSets`` JSON body (or DHIS2 CSV with
``Content-Type: text/csv``) and imports it with
:func:`kaohe.datavalues.services.do_import_values`: every value, or none. ``?dryRun=true``
checks and counts without writing. The answer is DHIS2's import summary: ``status``,
``importCount`` and ``conflicts``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import CHANGE, restrict
from kaohe.elements.models import DataElement, DataSet, DataSetElement
from kaohe.engine.periods import PeriodError, parse_period
from kaohe.orgunits.models import OrgUnit

from .importing import ImportProblem, format_value, read_values
from .models import DataValue
from .services import ImportSummary, do_import_values

# A body larger than this is refused before it is read to the end (10,000 values take ~1.5 MB).
MAX_BODY_BYTES = 64 << 20
_SPOOL_BYTES = 4 << 20
_READ_BYTES = 1 << 16
_TRUE = frozenset({"true", "1", "yes"})


class DataValueSerializer(serializers.ModelSerializer[DataValue]):
    """One value, with DHIS2's field names."""

    dataElement = serializers.CharField(source="element.code", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    orgUnit = serializers.CharField(source="unit.code", read_only=True)
    value = serializers.SerializerMethodField()
    storedBy = serializers.CharField(source="stored_by", read_only=True)
    lastUpdated = serializers.DateTimeField(source="last_updated", read_only=True)
    followup = serializers.BooleanField(source="follow_up", read_only=True)

    class Meta:
        model = DataValue
        fields = [
            "dataElement",
            "period",
            "orgUnit",
            "value",
            "storedBy",
            "created",
            "lastUpdated",
            "comment",
            "followup",
        ]
        read_only_fields = fields

    def get_value(self, obj: DataValue) -> str:
        return format_value(obj.value)


class DataValueFilter(serializers.Serializer[Any]):
    dataset = serializers.CharField(required=False)
    period = serializers.CharField(required=False)
    unit = serializers.CharField(required=False)
    element = serializers.CharField(required=False)
    children = serializers.BooleanField(required=False, default=False)


class DataValuePagination(LimitOffsetPagination):
    default_limit = 1000
    max_limit = 10000


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _under(paths: list[str]) -> Q:
    """Values of units under these paths, letter case included (see kaohe.core.access)."""
    condition = Q(pk__in=[])
    for path in paths:
        prefix = Substr(F("unit__path"), 1, len(path))
        condition |= Q(unit__path__startswith=path) & Q(Exact(prefix, Value(path)))
    return condition


_LIST_PARAMETERS = [
    OpenApiParameter("dataset", str, description="数据集代码 / data set code(s)"),
    OpenApiParameter("period", str, description="期间代码 / period code(s), e.g. 200603"),
    OpenApiParameter("unit", str, description="单位代码 / organisation unit code(s)"),
    OpenApiParameter("element", str, description="数据元素代码 / data element code(s)"),
    OpenApiParameter("children", bool, description="含下级单位 / include the units under them"),
]

_SUMMARY = inline_serializer(
    "ImportSummary",
    {
        "responseType": serializers.CharField(),
        "status": serializers.CharField(help_text="SUCCESS or ERROR"),
        "description": serializers.CharField(),
        "dryRun": serializers.BooleanField(),
        "importCount": inline_serializer(
            "ImportCount",
            {
                "imported": serializers.IntegerField(),
                "updated": serializers.IntegerField(),
                "ignored": serializers.IntegerField(),
                "deleted": serializers.IntegerField(),
            },
        ),
        "conflicts": serializers.ListField(child=serializers.DictField()),
    },
)


class DataValueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[DataValue]):
    """Data values: bulk read (GET, filtered and paged) and bulk write (POST a DHIS2 data value
    set; all or nothing; ``?dryRun=true`` to check only)."""

    serializer_class = DataValueSerializer
    pagination_class = DataValuePagination

    def get_queryset(self) -> QuerySet[DataValue]:
        values = restrict(
            DataValue.objects.select_related("element", "period", "unit"), self.request.user
        )
        return self._filtered(values).order_by(
            "unit__path", "element__code", "period__start_date", "period__end_date", "pk"
        )

    def _filtered(self, values: QuerySet[DataValue]) -> QuerySet[DataValue]:
        params = DataValueFilter(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        wanted = params.validated_data
        errors: dict[str, str] = {}
        if codes := _codes(wanted.get("dataset")):
            datasets = list(DataSet.objects.filter(code__in=codes))
            if len(datasets) < len(set(codes)):
                errors["dataset"] = _("未知的数据集代码 / unknown data set code")
            members = DataSetElement.objects.filter(dataset__in=datasets)
            values = values.filter(element_id__in=members.values("element_id"))
        if codes := _codes(wanted.get("element")):
            if DataElement.objects.filter(code__in=codes).count() < len(set(codes)):
                errors["element"] = _("未知的数据元素代码 / unknown data element code")
            values = values.filter(element__code__in=codes)
        if codes := _codes(wanted.get("period")):
            try:
                values = values.filter(period__code__in=[parse_period(c).code for c in codes])
            except PeriodError as error:
                errors["period"] = str(error)
        if codes := _codes(wanted.get("unit")):
            # A unit the user may not see is refused exactly like one that does not exist.
            units = list(restrict(OrgUnit.objects.filter(code__in=codes), self.request.user))
            if len(units) < len(set(codes)):
                errors["unit"] = _("未知或无权查看的单位 / unknown unit, or not one you may see")
            if wanted["children"]:
                values = values.filter(_under([u.path for u in units]))
            else:
                values = values.filter(unit__in=units)
        if errors:
            raise ValidationError(errors)
        return values

    @extend_schema(parameters=_LIST_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR},
        parameters=[OpenApiParameter("dryRun", bool, description="只检查不写入 / check only")],
        responses={200: _SUMMARY, 400: _SUMMARY, 409: _SUMMARY},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not restrict(OrgUnit.objects.all(), request.user, CHANGE).exists():
            raise PermissionDenied(_("无权填报数据 / you may not enter figures"))
        fmt = "csv" if (request.content_type or "").startswith("text/csv") else "json"
        dry_run = request.query_params.get("dryRun", "").lower() in _TRUE
        actor = Actor.from_request(request, Channel.API)
        with _spooled_body(request) as body, transaction.atomic():
            # Checked in the transaction that writes, on the rows exactly as the import reads
            # them (whatever the encoding), so no value can reach a unit out of reach.
            refused = _out_of_reach(body, fmt, request.user)
            body.seek(0)
            if refused:
                summary = ImportSummary(dry_run=dry_run, fmt=fmt, problems=refused)
            else:
                summary = do_import_values(body, actor=actor, fmt=fmt, dry_run=dry_run)
        return Response(import_summary(summary), status=_status_of(summary))


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


@contextmanager
def _spooled_body(request: Request) -> Iterator[IO[bytes]]:
    """The request body in a temporary file (in memory up to a few megabytes), size-capped:
    it is read twice, once to check the units and once to import."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        stream = request.stream
        total = 0
        while stream is not None and (chunk := stream.read(_READ_BYTES)):
            total += len(chunk)
            if total > MAX_BODY_BYTES:
                raise BodyTooLarge(
                    _("请求体超过 {mb} MB / the body is larger than {mb} MB").format(
                        mb=MAX_BODY_BYTES >> 20
                    )
                )
            spool.write(chunk)
        spool.seek(0)
        yield spool  # type: ignore[misc]


def _out_of_reach(body: IO[bytes], fmt: str, user: Any) -> list[ImportProblem]:
    """A problem for each value of a unit the user may not enter figures for (or that does not
    exist: the two get the same answer)."""
    parsed = read_values(body, fmt=fmt, encoding="auto")
    if parsed.unreadable:
        return []  # the import reports it
    codes = {row.unit for row in parsed.rows if row.unit}
    allowed: set[str] = set()
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        allowed.update(
            restrict(OrgUnit.objects.filter(code__in=chunk), user, CHANGE).values_list(
                "code", flat=True
            )
        )
    column = "orgUnit" if parsed.fmt == "json" else "orgunit"
    reason = _("未知的单位，或无权填报该单位 / unknown unit, or not one you may enter figures for")
    return [
        ImportProblem(row.row, column, row.unit, reason)
        for row in parsed.rows
        if row.unit and row.unit not in allowed
    ]


def _status_of(summary: ImportSummary) -> int:
    if summary.ok:
        return status.HTTP_200_OK
    if any(p.row is None for p in summary.problems):
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_409_CONFLICT


def import_summary(summary: ImportSummary) -> dict[str, Any]:
    """``summary`` as DHIS2 answers an import: status, counts and conflicts (``indexes``: the
    0-based positions in ``dataValues`` of a JSON body; ``row``: the line of a CSV body)."""
    conflicts = []
    for problem in summary.problems:
        conflict: dict[str, Any] = {
            "object": problem.value,
            "property": problem.column,
            "value": problem.reason,
        }
        if problem.row is not None:
            conflict["row"] = problem.row
            if summary.fmt == "json":
                conflict["indexes"] = [problem.row - 1]
        conflicts.append(conflict)
    return {
        "responseType": "ImportSummary",
        "status": "SUCCESS" if summary.ok else "ERROR",
        "description": "\n".join(summary.lines()),
        "dryRun": summary.dry_run,
        "importCount": {
            "imported": summary.imported,
            "updated": summary.updated,
            "ignored": summary.ignored,
            "deleted": summary.deleted,
        },
        "conflicts": conflicts,
    }
