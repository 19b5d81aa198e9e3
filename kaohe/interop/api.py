"""REST API of the exchange.

``/api/dataValueSets`` speaks DHIS2's data value set API (the path DHIS2 clients use; it is
mounted before the router, see :data:`dhis2_urlpatterns`):

* ``GET`` exports: ``orgUnit`` (codes, repeated or comma-separated; ``children=true`` for
  the units under them), ``dataSet`` / ``dataElement``, ``period`` or ``startDate`` and
  ``endDate`` (or Kaohe's ``start`` and ``end`` period codes), ``idScheme``,
  ``dataElementIdScheme``, ``orgUnitIdScheme``. The format comes from the path's suffix
  (``.json``, ``.csv``, ``.adx``), else ``format=``, else the ``Accept`` header; JSON by
  default. The answer is streamed.
* ``POST`` imports a body in JSON, CSV or ADX (by ``Content-Type``: ``application/json``,
  ``application/csv`` or ``text/csv``, ``application/adx+xml`` or ``application/xml``) with
  ``importStrategy``, ``atomicMode``, ``dryRun``, ``idScheme``, ``dataElementIdScheme``,
  ``orgUnitIdScheme`` and Kaohe's ``deleteEmpty``. The answer is DHIS2's import summary: 200
  when written (SUCCESS, or WARNING when ``atomicMode=NONE`` skipped values), 409 with the
  conflicts when nothing was, 400 when the body cannot be read.

Besides the router's ``/api/interop/external-ids/``, ``/api/interop/combo-mappings/`` (read by
anyone holding a role, changed by system administrators) and ``/api/interop/imports/`` (the
record of imports: one's own, or every one for system administrators and auditors).
"""

from __future__ import annotations

from typing import Any, Final

from django.db.models import QuerySet
from django.http import HttpResponseBase, StreamingHttpResponse
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import CHANGE, can_read_all, may_read_audit, restrict, scope_of
from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit

from .exports import ExportError, export_data_values, parse_export
from .mappings import (
    ComboInput,
    MappingError,
    do_delete_combo_mapping,
    do_delete_external_id,
    do_save_combo_mapping,
    do_set_external_id,
)
from .models import CategoryComboMapping, ExternalId, ValueImport
from .options import (
    AtomicMode,
    ExchangeOptionError,
    IdScheme,
    ImportOptions,
    Strategy,
    parse_choice,
)
from .values import ExchangeSummary, do_import_data_values

__all__ = ["DataValueSetView", "dhis2_urlpatterns", "register"]

#: A body larger than this is refused (a million values of CSV are about 70 MB).
MAX_BODY_BYTES: Final = 1 << 30
_READ_BYTES: Final = 1 << 20
_TRUE: Final = frozenset({"true", "1", "yes"})
_BODY_FORMATS: Final = (
    ("application/adx+xml", "adx"),
    ("application/xml", "adx"),
    ("text/xml", "adx"),
    ("application/csv", "csv"),
    ("text/csv", "csv"),
    ("application/json", "json"),
)
_SUFFIX_FORMATS: Final = {".json": "json", ".csv": "csv", ".adx": "adx", ".xml": "adx"}


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE


class _Body:
    """The request body as a file, read as it is consumed, refusing more than the cap."""

    def __init__(self, request: Request) -> None:
        self._stream = request.stream
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        if self._stream is None:
            return b""
        if size < 0:
            return b"".join(iter(lambda: self.read(_READ_BYTES), b""))
        data = self._stream.read(size)
        self.read_bytes += len(data)
        if self.read_bytes > MAX_BODY_BYTES:
            raise BodyTooLarge(
                _("请求体超过 {mb} MB / the body is larger than {mb} MB").format(
                    mb=MAX_BODY_BYTES >> 20
                )
            )
        return data

    def seekable(self) -> bool:
        return False


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in _TRUE


def _listed(request: Request, name: str) -> list[str]:
    return request.query_params.getlist(name)


_SUMMARY = inline_serializer(
    "DataValueImportSummary",
    {
        "responseType": serializers.CharField(),
        "status": serializers.CharField(help_text="SUCCESS, WARNING or ERROR"),
        "description": serializers.CharField(),
        "importOptions": serializers.DictField(),
        "importCount": inline_serializer(
            "DataValueImportCount",
            {
                "imported": serializers.IntegerField(),
                "updated": serializers.IntegerField(),
                "ignored": serializers.IntegerField(),
                "deleted": serializers.IntegerField(),
            },
        ),
        "conflicts": serializers.ListField(child=serializers.DictField()),
        "conflictCount": serializers.IntegerField(),
        "dryRun": serializers.BooleanField(),
    },
)
_EXPORT_PARAMETERS = [
    OpenApiParameter("orgUnit", str, many=True, description="单位代码 / unit code(s)"),
    OpenApiParameter("children", bool, description="含下级单位 / include the units under them"),
    OpenApiParameter("dataSet", str, many=True, description="数据集代码 / data set code(s)"),
    OpenApiParameter("dataElement", str, many=True, description="数据元素代码 / element code(s)"),
    OpenApiParameter("period", str, many=True, description="期间代码 / period code(s)"),
    OpenApiParameter("startDate", OpenApiTypes.DATE, description="开始日期 / start date"),
    OpenApiParameter("endDate", OpenApiTypes.DATE, description="结束日期 / end date"),
    OpenApiParameter("start", str, description="起始期间代码 / first period code"),
    OpenApiParameter("end", str, description="结束期间代码 / last period code"),
    OpenApiParameter("format", str, enum=["json", "csv", "adx"]),
    OpenApiParameter("idScheme", str, enum=[s.value for s in IdScheme]),
    OpenApiParameter("dataElementIdScheme", str, enum=[s.value for s in IdScheme]),
    OpenApiParameter("orgUnitIdScheme", str, enum=[s.value for s in IdScheme]),
]
_IMPORT_PARAMETERS = [
    OpenApiParameter("importStrategy", str, enum=[s.value for s in Strategy]),
    OpenApiParameter("atomicMode", str, enum=[m.value for m in AtomicMode]),
    OpenApiParameter("dryRun", bool, description="只检查不写入 / check only"),
    OpenApiParameter("idScheme", str, enum=[s.value for s in IdScheme]),
    OpenApiParameter("dataElementIdScheme", str, enum=[s.value for s in IdScheme]),
    OpenApiParameter("orgUnitIdScheme", str, enum=[s.value for s in IdScheme]),
    OpenApiParameter("deleteEmpty", bool, description="空值即删除 / an empty value deletes"),
]


class DataValueSetView(APIView):
    """DHIS2's ``/api/dataValueSets``: export (GET) and import (POST) of data value sets."""

    authentication_classes = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES, BasicAuthentication]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The format is this view's own business (suffix, format=, Accept); DRF's negotiation
        # would refuse ?format=csv. Errors are answered in JSON.
        return (JSONRenderer(), "application/json")

    def _export_format(self, request: Request, suffix: str | None) -> str:
        if suffix:
            return _SUFFIX_FORMATS[suffix]
        if asked := request.query_params.get("format", "").strip().lower():
            return asked
        accept = request.headers.get("Accept", "")
        for kind, fmt in _BODY_FORMATS:
            if kind in accept:
                return fmt
        return "json"

    @extend_schema(
        parameters=_EXPORT_PARAMETERS,
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/csv"): OpenApiTypes.STR,
            (200, "application/adx+xml"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request, suffix: str | None = None) -> HttpResponseBase:
        if not scope_of(request.user).has_role:
            raise PermissionDenied(_("您还没有任何角色 / you hold no role"))
        params = request.query_params
        try:
            query = parse_export(
                request.user,
                units=_listed(request, "orgUnit"),
                children=_flag(request, "children"),
                start=params.get("start", ""),
                end=params.get("end", ""),
                periods=_listed(request, "period"),
                start_date=params.get("startDate", ""),
                end_date=params.get("endDate", ""),
                datasets=_listed(request, "dataSet"),
                elements=_listed(request, "dataElement"),
                fmt=self._export_format(request, suffix),
                id_scheme=params.get("idScheme", ""),
                element_scheme=params.get("dataElementIdScheme", ""),
                unit_scheme=params.get("orgUnitIdScheme", ""),
            )
            pieces = export_data_values(query, request.user)
        except ExportError as error:
            return Response({error.field: [str(error)]}, status=error.status)
        response = StreamingHttpResponse(pieces, content_type=query.content_type)
        response["Content-Disposition"] = f'inline; filename="{query.file_name}"'
        return response

    @extend_schema(
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/csv": OpenApiTypes.STR,
            "application/adx+xml": OpenApiTypes.STR,
        },
        parameters=_IMPORT_PARAMETERS,
        responses={200: _SUMMARY, 400: _SUMMARY, 409: _SUMMARY},
    )
    def post(self, request: Request, suffix: str | None = None) -> Response:
        if not restrict(OrgUnit.objects.all(), request.user, CHANGE).exists():
            raise PermissionDenied(_("无权填报数据 / you may not enter figures"))
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        fmt = next((f for kind, f in _BODY_FORMATS if content_type == kind), None)
        if fmt is None and suffix:
            fmt = _SUFFIX_FORMATS[suffix]
        params = request.query_params
        try:
            options = ImportOptions(
                fmt=fmt or "auto",
                strategy=parse_choice(
                    Strategy,
                    "importStrategy",
                    params.get("importStrategy"),
                    Strategy.CREATE_AND_UPDATE,
                ),
                atomic_mode=parse_choice(
                    AtomicMode, "atomicMode", params.get("atomicMode"), AtomicMode.ALL
                ),
                dry_run=_flag(request, "dryRun"),
                id_scheme=parse_choice(IdScheme, "idScheme", params.get("idScheme"), IdScheme.CODE),
                element_scheme=_scheme(params.get("dataElementIdScheme"), "dataElementIdScheme"),
                unit_scheme=_scheme(params.get("orgUnitIdScheme"), "orgUnitIdScheme"),
                delete_empty=_flag(request, "deleteEmpty"),
            )
        except ExchangeOptionError as error:
            raise ValidationError({error.name: [str(error)]}) from None
        actor = Actor.from_request(request, Channel.API)
        summary = do_import_data_values(
            _Body(request),  # type: ignore[arg-type]
            actor=actor,
            options=options,
            content_type=content_type,
        )
        return Response(summary.as_dhis2(), status=_status_of(summary))


class DataValueSetFormatView(DataValueSetView):
    """The same, at ``/api/dataValueSets.csv`` (``.json``, ``.adx``, ``.xml``) and with a
    trailing slash; left out of the schema, which shows the plain path."""

    schema = None


def _scheme(text: str | None, name: str) -> IdScheme | None:
    """An identifier scheme given for elements or units alone (None: as ``idScheme``)."""
    if text is None or not text.strip():
        return None
    return parse_choice(IdScheme, name, text, IdScheme.CODE)


def _status_of(summary: ExchangeSummary) -> int:
    if summary.unreadable:
        return status.HTTP_400_BAD_REQUEST
    if summary.refused:
        return status.HTTP_409_CONFLICT
    return status.HTTP_200_OK


#: Mounted by kaohe/urls.py before the API router: DHIS2 clients post to
#: ``/api/dataValueSets`` without a trailing slash, which the router would redirect (a POST
#: cannot follow a redirect).
dhis2_urlpatterns: list[URLPattern] = [
    path("api/dataValueSets", DataValueSetView.as_view(), name="datavaluesets"),
    re_path(
        r"^api/dataValueSets(?P<suffix>\.json|\.csv|\.adx|\.xml)?/?$",
        DataValueSetFormatView.as_view(),
        name="datavaluesets-format",
    ),
]


# --- configuration: external identifiers and combination mappings --------------------------


class _ConfigurationMixin:
    """Read by anyone holding a role; created, changed and deleted by system administrators
    (configuration, as :func:`kaohe.core.access.restrict` has it)."""

    request: Request

    def _visible(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return restrict(queryset, self.request.user)

    def _require_admin(self) -> Actor:
        if not can_read_all(self.request.user):
            raise PermissionDenied(
                _("只有系统管理员可以修改映射 / only system administrators change mappings")
            )
        return Actor.from_request(self.request, Channel.API)


class ExternalIdSerializer(serializers.ModelSerializer[ExternalId]):
    code = serializers.CharField(source="target_code")

    class Meta:
        model = ExternalId
        fields = ["id", "kind", "code", "uid"]


class ExternalIdViewSet(
    _ConfigurationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ExternalId],
):
    """External identifiers (``uid``) of elements, units and data sets. POST ``{kind, code,
    uid}`` sets one (replacing the object's former uid)."""

    serializer_class = ExternalIdSerializer

    def get_queryset(self) -> QuerySet[ExternalId]:
        return self._visible(ExternalId.objects.select_related("element", "unit", "dataset"))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = self._require_admin()
        data = request.data
        try:
            row = do_set_external_id(
                actor,
                str(data.get("kind", "")),
                str(data.get("code", "")),
                str(data.get("uid", "")),
            )
        except MappingError as error:
            raise ValidationError({error.field: [str(error)]}) from None
        return Response(ExternalIdSerializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = self.get_object()
        do_delete_external_id(self._require_admin(), row)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ComboMappingSerializer(serializers.ModelSerializer[CategoryComboMapping]):
    element = serializers.SlugRelatedField(
        slug_field="code",
        queryset=DataElement.objects.all(),
        allow_null=True,
        required=False,
    )
    adx = serializers.CharField(source="adx_options", required=False, allow_blank=True)

    class Meta:
        model = CategoryComboMapping
        fields = ["id", "source_element", "combo", "adx", "element", "note"]


class ComboMappingViewSet(_ConfigurationMixin, viewsets.ModelViewSet[CategoryComboMapping]):
    """How disaggregations fold into Kaohe's elements (see the mappings page)."""

    serializer_class = ComboMappingSerializer
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[CategoryComboMapping]:
        return self._visible(CategoryComboMapping.objects.select_related("element"))

    def _given(self, request: Request) -> ComboInput:
        data = request.data
        return ComboInput(
            **{
                k: str(data.get(k) or "")
                for k in ("source_element", "combo", "adx", "element", "note")
            }
        )

    def _save(self, request: Request, mapping: CategoryComboMapping | None, code: int) -> Response:
        actor = self._require_admin()
        try:
            row = do_save_combo_mapping(actor, self._given(request), mapping)
        except MappingError as error:
            raise ValidationError({error.field: [str(error)]}) from None
        return Response(ComboMappingSerializer(row).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, None, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, self.get_object(), status.HTTP_200_OK)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        row = self.get_object()
        do_delete_combo_mapping(self._require_admin(), row)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the record of imports -----------------------------------------------------------------


def visible_imports(user: Any) -> QuerySet[ValueImport]:
    """The imports ``user`` may see: their own; every one for system administrators and
    auditors (an import can span units, so it is seen like the audit log)."""
    imports = ValueImport.objects.all()
    if can_read_all(user) or may_read_audit(user):
        return imports
    if not getattr(user, "is_authenticated", False):
        return imports.none()
    return imports.filter(user=user)


class ValueImportSerializer(serializers.ModelSerializer[ValueImport]):
    class Meta:
        model = ValueImport
        fields = [
            "id",
            "created_at",
            "actor",
            "channel",
            "file_name",
            "file_size",
            "digest",
            "fmt",
            "options",
            "total",
            "imported",
            "updated",
            "ignored",
            "deleted",
            "conflicts",
            "summary",
        ]


class ValueImportViewSet(viewsets.ReadOnlyModelViewSet[ValueImport]):
    """Imports that wrote something: who, how, the file's SHA-256 and DHIS2's counters."""

    serializer_class = ValueImportSerializer

    def get_queryset(self) -> QuerySet[ValueImport]:
        return visible_imports(self.request.user)


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the API router."""
    router.register("interop/external-ids", ExternalIdViewSet, basename="external-id")
    router.register("interop/combo-mappings", ComboMappingViewSet, basename="combo-mapping")
    router.register("interop/imports", ValueImportViewSet, basename="value-import")
