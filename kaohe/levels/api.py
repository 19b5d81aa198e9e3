"""REST API of the levels app: metadata exchange and pushes upward.

``GET /api/metadata/?township=CODE`` gives a township's metadata (units, officials, rules,
targets, contracts) as the JSON form of the bundle; without ``township`` only the rules.
``POST /api/metadata/import/`` takes an export in (the JSON document itself, or
``{"text": "<YAML>", "name": "…"}``; ``?dry_run=true``, ``?allow_moves=true``): 200 with the
summary, 400 with every problem (``problems``: file, path, line, message_zh, message_en), 403
for anyone but a system administrator.

``GET /api/pushes/`` lists the pushes of the townships the user sees (``/{id}/`` one, with its
batches and the import summaries that came back); ``POST /api/pushes/`` {to, township, start,
end, batch_size, dry_run, id_scheme} pushes a township's approved figures to a destination the server
allows (``KAOHE_PUSH_URLS``), elements and units named by ``id_scheme`` (code, name or uid):
201 with the log, 400 with the ``field`` at fault.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.bundles.loader import BundleError
from kaohe.interop.options import IdScheme

from .bounds import parse_bound
from .metadata import render_document, rules_document, township_document
from .metadata_import import do_import_metadata
from .models import PushBatch, PushLog
from .push import DEFAULT_BATCH, MAX_BATCH, PushError, do_push
from .selectors import (
    exportable_units,
    may_read_rules,
    push_roots,
    visible_batches,
    visible_pushes,
)


class PushBatchSerializer(serializers.ModelSerializer[PushBatch]):
    class Meta:
        model = PushBatch
        fields = [
            "index",
            "values",
            "digest",
            "attempts",
            "http_status",
            "summary_status",
            "imported",
            "updated",
            "ignored",
            "deleted",
            "conflicts",
            "summary",
            "error",
            "sent_at",
        ]


class PushLogSerializer(serializers.ModelSerializer[PushLog]):
    township = serializers.CharField(source="township.code", allow_null=True, read_only=True)

    class Meta:
        model = PushLog
        fields = [
            "id",
            "destination",
            "township",
            "start_date",
            "end_date",
            "batch_size",
            "dry_run",
            "id_scheme",
            "auth",
            "status",
            "values",
            "batches_planned",
            "imported",
            "updated",
            "ignored",
            "deleted",
            "conflicts",
            "message",
            "created_at",
            "finished_at",
            "actor",
        ]


class PushLogDetailSerializer(PushLogSerializer):
    batches = serializers.SerializerMethodField()

    class Meta(PushLogSerializer.Meta):
        fields = [*PushLogSerializer.Meta.fields, "batches"]

    def get_batches(self, log: PushLog) -> list[dict[str, Any]]:
        rows = visible_batches(self.context["request"].user, log)
        return list(PushBatchSerializer(rows, many=True).data)


class PushRequestSerializer(serializers.Serializer[Any]):
    to = serializers.CharField(max_length=500, help_text="接收方地址 / the receiver's URL")
    township = serializers.CharField(max_length=50, help_text="乡镇代码 / township code")
    start = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="日期或期间 / date or period"
    )
    end = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="日期或期间 / date or period"
    )
    batch_size = serializers.IntegerField(
        required=False, default=DEFAULT_BATCH, min_value=1, max_value=MAX_BATCH
    )
    dry_run = serializers.BooleanField(required=False, default=False)
    id_scheme = serializers.ChoiceField(
        choices=[s.value for s in IdScheme], required=False, default=IdScheme.CODE.value
    )


class MetadataImportSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(
        required=False, help_text="YAML 或 JSON 文本 / the export as YAML or JSON text"
    )
    name = serializers.CharField(required=False, default="api-upload.yaml", max_length=200)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


class MetadataViewSet(viewsets.ViewSet):
    """A township's metadata as one bundle (JSON), and taking an export in."""

    @extend_schema(
        parameters=[
            OpenApiParameter("township", str, description="乡镇代码；不填只导出规则 / code"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        code = request.query_params.get("township", "").strip()
        if not code:
            if not may_read_rules(request.user):
                raise NotFound
            return Response(rules_document())
        township = exportable_units(request.user).filter(code=code).first()
        if township is None:
            raise NotFound(_("没有这个乡镇，或无权查看 / no such township, or not yours to see"))
        return Response(township_document(township))

    @extend_schema(
        request=MetadataImportSerializer,
        parameters=[
            OpenApiParameter("dry_run", bool, description="只检查 / check only"),
            OpenApiParameter("allow_moves", bool, description="允许移动单位 / allow moves"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_(self, request: Request) -> Response:
        data = request.data
        if isinstance(data, dict) and "text" in data and "kaohe_bundle" not in data:
            payload = MetadataImportSerializer(data=data)
            payload.is_valid(raise_exception=True)
            text, name = payload.validated_data["text"], payload.validated_data["name"]
        elif isinstance(data, dict):
            text, name = render_document(data, "json"), "api-upload.json"
        else:
            return Response({"detail": _("应为 JSON 对象 / expected a JSON object")}, status=400)
        try:
            report = do_import_metadata(
                text,
                name,
                Actor.from_request(request, Channel.API),
                dry_run=_flag(request, "dry_run"),
                allow_moves=_flag(request, "allow_moves"),
            )
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except BundleError as error:
            problems = [
                {
                    "file": p.file,
                    "path": p.path,
                    "line": p.line,
                    "message_zh": p.message_zh,
                    "message_en": p.message_en,
                    "detail": p.detail,
                }
                for p in error.problems
            ]
            return Response(
                {"detail": _("未作任何修改 / nothing was changed"), "problems": problems},
                status=400,
            )
        return Response(
            {
                "dry_run": report.dry_run,
                "changed": report.changed,
                "summary": report.summary_lines(),
            }
        )


class PushLogViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[PushLog]
):
    """Pushes upward of the townships the user sees; POST starts one."""

    def get_queryset(self) -> QuerySet[PushLog]:
        return visible_pushes(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[PushLog]]:
        return PushLogDetailSerializer if self.action == "retrieve" else PushLogSerializer

    @extend_schema(request=PushRequestSerializer, responses={201: PushLogDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = PushRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        township = push_roots(request.user).filter(code=data["township"]).first()
        if township is None:
            raise NotFound(_("没有这个乡镇，或无权上报 / no such township, or not yours to push"))
        try:
            log = do_push(
                Actor.from_request(request, Channel.API),
                data["to"],
                township=township,
                start=parse_bound(data["start"], end=False, field="start"),
                end=parse_bound(data["end"], end=True, field="end"),
                batch_size=data["batch_size"],
                dry_run=data["dry_run"],
                id_scheme=IdScheme(data["id_scheme"]),
            )
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except PushError as error:
            return Response({"field": error.field, "detail": str(error)}, status=400)
        context = {"request": request}
        return Response(PushLogDetailSerializer(log, context=context).data, status=201)


def register(router: DefaultRouter) -> None:
    """Add this app's viewsets to the API router."""
    router.register("metadata", MetadataViewSet, basename="metadata")
    router.register("pushes", PushLogViewSet, basename="push-log")
