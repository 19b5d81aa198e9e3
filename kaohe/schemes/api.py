"""REST API for schemes (with items, vetoes, grades) and indicators.

A scheme's versions are published, edited (drafts) and copied through actions of the scheme
endpoint, by the services of :mod:`kaohe.schemes.versions`; a refusal answers 400 with
``{"field", "detail"}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import may_manage_schemes, restrict

from .changes import SchemeVersionError
from .diffing import diff_schemes
from .models import GradeBand, Indicator, Scheme, ScoringItem, Veto
from .versions import do_edit_draft, do_new_version, do_publish_scheme


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_en",
            "numerator",
            "denominator",
            "factor",
            "decimals",
            "unit",
            "valid_from",
            "valid_to",
            "validity_note",
        ]


class ScoringItemSerializer(serializers.ModelSerializer[ScoringItem]):
    class Meta:
        model = ScoringItem
        fields = [
            "code",
            "name",
            "name_en",
            "section",
            "track",
            "weight",
            "rule_type",
            "params",
            "actual",
            "target",
            "direction",
            "decimals",
            "unit",
            "description",
        ]


class VetoSerializer(serializers.ModelSerializer[Veto]):
    class Meta:
        model = Veto
        fields = ["code", "name", "name_en", "condition"]


class GradeSerializer(serializers.ModelSerializer[GradeBand]):
    class Meta:
        model = GradeBand
        fields = ["code", "name", "name_en", "min_total"]


class SchemeSerializer(serializers.ModelSerializer[Scheme]):
    items = ScoringItemSerializer(many=True, read_only=True)
    vetoes = VetoSerializer(many=True, read_only=True)
    grades = GradeSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = [
            "id",
            "code",
            "version",
            "name",
            "name_en",
            "period_type",
            "total",
            "unit_kinds",
            "year_from",
            "year_to",
            "validity_note",
            "veto_grade",
            "tracks",
            "coefficient",
            "coefficient_name",
            "period_parts",
            "corrections",
            "extra_indicators",
            "aggregate_from",
            "signatory_roles",
            "terms",
            "plan_item",
            "status",
            "published_at",
            "published_by",
            "content_hash",
            "created_at",
            "items",
            "vetoes",
            "grades",
        ]


class PublishSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("发布说明（写入审计日志）"),
    )


class EditSerializer(serializers.Serializer[Any]):
    """The changes of :func:`kaohe.schemes.versions.do_edit_draft`: scheme fields, and
    ``items`` as ``{item code: {field: value}}``."""

    name = serializers.CharField(required=False)
    name_en = serializers.CharField(required=False, allow_blank=True)
    year_from = serializers.IntegerField(required=False, allow_null=True)
    year_to = serializers.IntegerField(required=False, allow_null=True)
    total = serializers.FloatField(required=False)
    terms = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    signatory_roles = serializers.ListField(child=serializers.DictField(), required=False)
    plan_item = serializers.CharField(required=False, allow_blank=True)
    validity_note = serializers.CharField(required=False, allow_blank=True)
    veto_grade = serializers.CharField(required=False, allow_blank=True)
    items = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text=gettext_lazy(
            "项目代码 → {weight, target, description, params, rule_type, track} 中要修改的字段"
        ),
    )


class RefusalSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())


class DiffRowSerializer(serializers.Serializer[Any]):
    part = serializers.CharField()
    code = serializers.CharField()
    field = serializers.CharField()
    change = serializers.ChoiceField(choices=["added", "removed", "changed"])
    a = serializers.JSONField(allow_null=True)
    b = serializers.JSONField(allow_null=True)


def refused(error: SchemeVersionError) -> Response:
    """The 400 answer of a refused publication, edit or copy."""
    body = {"field": error.field, "detail": str(error), "problems": error.problems}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class SchemeViewSet(viewsets.ReadOnlyModelViewSet[Scheme]):
    serializer_class = SchemeSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(
            Scheme.objects.prefetch_related("items", "vetoes", "grades"), self.request.user
        ).order_by("code", "-version")

    def _managed(self) -> Scheme:
        """The scheme of the URL: 404 unless the user sees it, 403 unless they manage it."""
        scheme = self.get_object()
        if not may_manage_schemes(self.request.user, scheme):
            raise PermissionDenied(
                gettext_lazy("无权管理考核方案 / not allowed to manage this scheme")
            )
        return scheme

    def _actor(self) -> Actor:
        return Actor.from_request(self.request, Channel.API)

    def _answer(self, scheme: Scheme, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=scheme.pk)
        return Response(SchemeSerializer(fresh).data, status=code)

    @extend_schema(
        request=PublishSerializer, responses={200: SchemeSerializer, 400: RefusalSerializer}
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft version: from then on it cannot change."""
        scheme = self._managed()
        payload = PublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            scheme = do_publish_scheme(scheme, self._actor(), note=payload.validated_data["note"])
        except SchemeVersionError as error:
            return refused(error)
        return self._answer(scheme)

    @extend_schema(request=None, responses={201: SchemeSerializer, 400: RefusalSerializer})
    @action(detail=True, methods=["post"], url_path="new-version", url_name="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        """A draft copy of this version, numbered after the highest version of its code."""
        scheme = self._managed()
        try:
            new = do_new_version(scheme, self._actor())
        except SchemeVersionError as error:
            return refused(error)
        return self._answer(new, status.HTTP_201_CREATED)

    @extend_schema(
        request=EditSerializer, responses={200: SchemeSerializer, 400: RefusalSerializer}
    )
    @action(detail=True, methods=["post"])
    def edit(self, request: Request, pk: str | None = None) -> Response:
        """Change a draft: all of the changes or none; a published version is refused."""
        scheme = self._managed()
        if not isinstance(request.data, dict):
            return refused(
                SchemeVersionError(
                    "changes", str(gettext_lazy("修改内容应为映射 / the changes must be a mapping"))
                )
            )
        try:
            scheme = do_edit_draft(scheme, dict(request.data), self._actor())
        except SchemeVersionError as error:
            return refused(error)
        return self._answer(scheme)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "other",
                int,
                OpenApiParameter.PATH,
                description="另一个版本的 id / the other version",
            )
        ],
        responses={200: DiffRowSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"diff/(?P<other>[0-9]+)",
        url_name="diff",
        serializer_class=DiffRowSerializer,
        pagination_class=None,
    )
    def diff(self, request: Request, pk: str | None = None, other: str | None = None) -> Response:
        """What differs from this version to the other one (an empty list: nothing)."""
        scheme = self.get_object()
        theirs = self.get_queryset().filter(pk=other).first()
        if theirs is None:
            raise NotFound
        return Response([row.as_dict() for row in diff_schemes(scheme, theirs, request.user)])


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet[Indicator]):
    serializer_class = IndicatorSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(Indicator.objects.all(), self.request.user)
