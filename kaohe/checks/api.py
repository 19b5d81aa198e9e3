"""REST API of cross-checks (核查).

``GET /api/sources/`` and ``…/{code}/`` read the sources (configuration: anyone with a role).

``GET /api/source-values/`` lists the figures the user may see (``?source=``, ``?element=``,
``?period=``, ``?unit=``, ``?township=`` — the unit and everything under it — narrow them);
``GET …/{id}/`` reads one; ``POST`` {source, element, period, unit, value, comment} stores one
(201 when created, 200 when it changed or was already so); ``PUT``/``PATCH …/{id}/`` {value,
comment} changes one; ``DELETE …/{id}/`` removes one. ``POST /api/source-values/import/``
(multipart: ``file``, ``dry_run``) imports a CSV or .xlsx file, all of it or nothing.

``GET /api/reconciliation/?element=BIRTHS&year=2006&township=T`` answers the reconciliation of
an element: each unit's report, each source's figure, what was found, the difference, under-
and over-reporting, accuracy, the corrected figure, the flags, the totals, and what the schemes
score on.

A refused request answers 400 ``{"field", "detail"}`` (bilingual); a row or unit the user cannot
see 404; a write outside their reach 403 ``{"field", "detail"}``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound as ApiNotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import VIEW, restrict
from kaohe.datavalues.importing import format_value
from kaohe.orgunits.models import OrgUnit

from .errors import CheckError, Forbidden, NotFound
from .grid import visible_sources
from .models import Source, SourceValue
from .selectors import (
    Reconciliation,
    find_element,
    find_root,
    parse_period_or_year,
    reconciliation,
    under_path,
    visible_values,
)
from .services import do_delete_source_value, do_import_source_values, do_save_source_value


def _refused(error: CheckError) -> Response:
    if isinstance(error, NotFound):
        raise ApiNotFound(str(error))
    code = status.HTTP_403_FORBIDDEN if isinstance(error, Forbidden) else 400
    return Response({"field": error.field, "detail": str(error)}, status=code)


def _actor(request: Request) -> Actor:
    return Actor.from_request(request, Channel.API)


# --- sources ------------------------------------------------------------------------------------


class SourceSerializer(serializers.ModelSerializer[Source]):
    kind = serializers.CharField(help_text="feed 部门数据 / check 抽查核实")
    elements = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "elements",
            "unit_kinds",
            "department_kind",
            "period_type",
            "sort_order",
            "description",
        ]
        read_only_fields = fields

    def get_elements(self, obj: Source) -> list[str]:
        return sorted(e.code for e in obj.elements.all())


class SourceViewSet(viewsets.ReadOnlyModelViewSet[Source]):
    """The sources of cross-check figures."""

    serializer_class = SourceSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Source]:
        return visible_sources(self.request.user)


# --- figures -------------------------------------------------------------------------------------


class SourceValueSerializer(serializers.ModelSerializer[SourceValue]):
    source = serializers.CharField(source="source.code", read_only=True)
    element = serializers.CharField(source="element.code", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    value = serializers.SerializerMethodField()

    class Meta:
        model = SourceValue
        fields = [
            "id",
            "source",
            "element",
            "period",
            "unit",
            "unit_name",
            "value",
            "comment",
            "stored_by",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def get_value(self, obj: SourceValue) -> str:
        return format_value(obj.value)


class SourceValueWriteSerializer(serializers.Serializer[Any]):
    source = serializers.CharField(max_length=50)
    element = serializers.CharField(max_length=50)
    period = serializers.CharField(max_length=20)
    unit = serializers.CharField(max_length=50, help_text="被核查单位（数字所关于的单位）")
    value = serializers.CharField(max_length=40)
    comment = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, default=None
    )


class SourceValueChangeSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(max_length=40, required=False)
    comment = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, default=None
    )


class ImportUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        help_text="CSV 或 .xlsx：source, element, period, unit, value[, comment]"
    )
    dry_run = serializers.BooleanField(default=False)


class ImportProblemSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    value = serializers.CharField()
    reason = serializers.CharField()


_IMPORTED = inline_serializer(
    "SourceValueImportOutcome",
    {
        "ok": serializers.BooleanField(),
        "format": serializers.CharField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "dry_run": serializers.BooleanField(),
        "problems": ImportProblemSerializer(many=True),
        "detail": serializers.CharField(),
    },
)


class SourceValueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[SourceValue],
):
    """Cross-check figures: the township's administrators (and a department's members, for
    their own source) enter them; whoever sees a unit reads them."""

    serializer_class = SourceValueSerializer

    def get_queryset(self) -> QuerySet[SourceValue]:
        rows = visible_values(self.request.user).select_related(
            "source", "element", "period", "unit"
        )
        params = self.request.query_params
        for name, lookup in (
            ("source", "source__code"),
            ("element", "element__code"),
            ("period", "period__code"),
            ("unit", "unit__code"),
        ):
            if code := params.get(name):
                rows = rows.filter(**{lookup: code})
        if code := params.get("township"):
            root = OrgUnit.objects.filter(code=code).first()
            rows = rows.filter(under_path("unit__path", root.path)) if root else rows.none()
        return rows.order_by(
            "source__sort_order", "source__code", "period__start_date", "unit__path"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("source", str, description="来源代码 / source code"),
            OpenApiParameter("element", str, description="数据元素代码 / element code"),
            OpenApiParameter("period", str, description="期间代码，如 200603 / period code"),
            OpenApiParameter("unit", str, description="被核查单位代码 / unit code"),
            OpenApiParameter("township", str, description="单位代码（含下级） / unit and below"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _answer(self, saved: Any, created_status: int = status.HTTP_201_CREATED) -> Response:
        fresh = self.get_queryset().get(pk=saved.value.pk)
        code = created_status if saved.change == "created" else status.HTTP_200_OK
        return Response(SourceValueSerializer(fresh).data, status=code)

    @extend_schema(request=SourceValueWriteSerializer, responses=SourceValueSerializer)
    def create(self, request: Request) -> Response:
        payload = SourceValueWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            saved = do_save_source_value(_actor(request), **data)
        except CheckError as error:
            return _refused(error)
        return self._answer(saved)

    def _change(self, request: Request, pk: Any) -> Response:
        stored = self.get_queryset().filter(pk=int(pk) if str(pk).isdigit() else 0).first()
        if stored is None:
            raise ApiNotFound()
        payload = SourceValueChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            saved = do_save_source_value(
                _actor(request),
                source=stored.source.code,
                element=stored.element.code,
                period=stored.period.code,
                unit=stored.unit.code,
                value=data.get("value", format_value(stored.value)),
                comment=data.get("comment"),
            )
        except CheckError as error:
            return _refused(error)
        return self._answer(saved, status.HTTP_200_OK)

    @extend_schema(request=SourceValueChangeSerializer, responses=SourceValueSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, kwargs["pk"])

    @extend_schema(request=SourceValueChangeSerializer, responses=SourceValueSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(request, kwargs["pk"])

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = str(kwargs["pk"])
        if not pk.isdigit():
            raise ApiNotFound()
        try:
            do_delete_source_value(_actor(request), int(pk))
        except CheckError as error:
            return _refused(error)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses=_IMPORTED)
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        payload = ImportUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        outcome = do_import_source_values(
            upload.read(),
            actor=_actor(request),
            filename=upload.name or "",
            dry_run=payload.validated_data["dry_run"],
        )
        return Response(
            {
                "ok": outcome.ok,
                "format": outcome.fmt,
                "rows": outcome.rows,
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "dry_run": outcome.dry_run,
                "problems": ImportProblemSerializer(outcome.problems, many=True).data,
                "detail": "\n".join(outcome.lines()),
            },
            status=status.HTTP_200_OK if outcome.ok else status.HTTP_400_BAD_REQUEST,
        )


# --- the reconciliation ---------------------------------------------------------------------------


def _figures(found: Reconciliation) -> dict[str, Any]:
    codes = [c.code for c in found.sources]
    t = found.totals
    return {
        "element": found.element.code,
        "element_name": found.element.name,
        "township": found.root.code,
        "period": found.period.code,
        "sources": [
            {"code": c.code, "name": c.name, "name_en": c.name_en, "kind": c.kind}
            for c in found.sources
        ],
        "rows": [
            {
                "unit": r.unit.code,
                "unit_name": r.unit.name,
                "reported": r.reported,
                "sources": dict(zip(codes, r.sources, strict=True)),
                "found": r.found,
                "checked": r.checked,
                "difference": r.difference,
                "under_reported": r.under_reported,
                "over_reported": r.over_reported,
                "accuracy": r.accuracy,
                "corrected": r.corrected,
                "used": r.used,
                "flags": list(r.flags),
            }
            for r in found.rows
        ],
        "totals": {
            "units": t.units,
            "reported": t.reported,
            "sources": dict(zip(codes, t.sources, strict=True)),
            "found": t.found,
            "reported_checked": t.reported_checked,
            "difference": t.difference,
            "under_reported": t.under_reported,
            "over_reported": t.over_reported,
            "accuracy": t.accuracy,
            "corrected": t.corrected,
            "under_count": t.under_count,
            "over_count": t.over_count,
            "not_checked_count": t.not_checked_count,
        },
        "scoring": [
            {
                "scheme": b.scheme.code,
                "version": b.scheme.version,
                "method": b.method,
                "text_zh": b.text_zh,
                "text_en": b.text_en,
            }
            for b in found.scoring
        ],
    }


_RECONCILED = inline_serializer(
    "Reconciliation",
    {
        "element": serializers.CharField(),
        "element_name": serializers.CharField(),
        "township": serializers.CharField(),
        "period": serializers.CharField(),
        "sources": serializers.ListField(child=serializers.DictField()),
        "rows": serializers.ListField(
            child=serializers.DictField(),
            help_text="每个单位：reported, sources{来源: 数}, found, checked, difference, "
            "under_reported, over_reported, accuracy, corrected, used, flags",
        ),
        "totals": serializers.DictField(),
        "scoring": serializers.ListField(child=serializers.DictField()),
    },
)


class ReconciliationViewSet(viewsets.ViewSet):
    """An element's reports against every source's figures (核查对照)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("element", str, required=True, description="数据元素代码"),
            OpenApiParameter(
                "year", OpenApiTypes.STR, required=True, description="如 2006、2006Oct"
            ),
            OpenApiParameter(
                "township", str, description="单位代码（含下级）；不填为你能看到的最上级单位"
            ),
        ],
        responses=_RECONCILED,
    )
    def list(self, request: Request) -> Response:
        params = request.query_params
        try:
            code = params.get("township", "").strip()
            if not code:
                top = (
                    restrict(OrgUnit.objects.all(), request.user, VIEW)
                    .order_by("depth", "path")
                    .first()
                )
                code = top.code if top else ""
            root = find_root(code, request.user)
            period = parse_period_or_year(params.get("year", ""))
            found = reconciliation(
                find_element(params.get("element", "")), root, period, request.user
            )
        except CheckError as error:
            return _refused(error)
        return Response(_figures(found))


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the API router."""
    router.register("sources", SourceViewSet, basename="source")
    router.register("source-values", SourceValueViewSet, basename="source-value")
    router.register("reconciliation", ReconciliationViewSet, basename="reconciliation")
