"""REST API of the documents: the kinds, and one document as a file.

``GET /api/documents/`` lists every kind (name, Chinese and English label, file type, whether
it is installed here). ``GET /api/documents/{kind}/?scheme=&year=&township=&lang=`` answers
the file itself (an Excel workbook or a Word document) made from the published results of that
scheme, year and township, exactly as the page and ``kaohe report`` make it.

A refusal (a bad year, a scheme that does not exist, no published results…) answers 400 with
``{"field", "detail"}`` (bilingual); an unknown kind, or a township the user may not see
whole, 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from . import registry
from .base import DOCX, XLSX, DocumentError


class KindSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="文书种类 / kind of document")
    label_zh = serializers.CharField()
    label_en = serializers.CharField()
    extension = serializers.CharField(help_text="xlsx 或 docx")
    content_type = serializers.CharField()
    available = serializers.BooleanField(help_text="此处是否已安装 / installed here")


class DocumentRefusalSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()


class _FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file with its own type in ``Accept``; the file is answered as
    it is, and a refusal as JSON."""

    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class XlsxRenderer(_FileRenderer):
    media_type = XLSX
    format = "xlsx"


class DocxRenderer(_FileRenderer):
    media_type = DOCX
    format = "docx"


DOCUMENT_PARAMETERS = [
    OpenApiParameter("scheme", OpenApiTypes.STR, required=True, description="方案代码"),
    OpenApiParameter("year", OpenApiTypes.INT, required=True, description="年度"),
    OpenApiParameter(
        "township",
        OpenApiTypes.STR,
        description="乡镇代码；缺省时为该方案该年度唯一有已发布结果的乡镇",
    ),
    OpenApiParameter("lang", OpenApiTypes.STR, description="zh-hans（缺省）或 en"),
]


class DocumentViewSet(viewsets.ViewSet):
    """The kinds of document, and one document of a township's year as a file."""

    lookup_field = "kind"
    lookup_value_regex = "[a-z_]+"
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer, DocxRenderer]

    @extend_schema(responses={200: KindSerializer(many=True)})
    def list(self, request: Request) -> Response:
        rows = [
            {
                "kind": name,
                "label_zh": kind.label_zh,
                "label_en": kind.label_en,
                "extension": kind.extension,
                "content_type": kind.content_type,
                "available": registry.available(name),
            }
            for name, kind in registry.KINDS.items()
        ]
        return Response(KindSerializer(rows, many=True).data)

    @extend_schema(
        parameters=DOCUMENT_PARAMETERS,
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 报表 (.xlsx)"),
            (200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="Word 文书 (.docx)"),
            400: DocumentRefusalSerializer,
            404: OpenApiResponse(description="没有这种文书，或你不能查看该乡镇"),
        },
    )
    def retrieve(self, request: Request, kind: str | None = None) -> HttpResponse | Response:
        if kind not in registry.KINDS:
            raise Http404
        params = request.query_params
        township = params.get("township", "").strip()
        if township and registry.township_for(request.user, township) is None:
            raise Http404
        try:
            document_request = registry.make_request(
                request.user,
                scheme=params.get("scheme", ""),
                year=params.get("year", ""),
                township=township,
                language=params.get("lang"),
            )
            document = registry.build(kind, document_request)
        except DocumentError as error:
            return Response(
                {"field": error.field, "detail": str(error)}, status=status.HTTP_400_BAD_REQUEST
            )
        response = HttpResponse(document.content, content_type=document.content_type)
        filename = document.filename or registry.filename_for(kind, document_request)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=filename
        )
        return response


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the API router."""
    router.register("documents", DocumentViewSet, basename="document")
