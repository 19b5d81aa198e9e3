"""REST API: assessment runs, their results, and starting a run."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import may_change, restrict
from kaohe.engine.assess import SchemeError

from .models import AssessmentRun, ItemResult, UnitResult
from .services import AssessmentError, do_run_assessment, find_scheme


class ItemResultSerializer(serializers.ModelSerializer[ItemResult]):
    class Meta:
        model = ItemResult
        fields = [
            "item_code",
            "item_name",
            "weight",
            "actual",
            "target",
            "score",
            "flag",
            "explanation_zh",
            "explanation_en",
        ]


class UnitResultSerializer(serializers.ModelSerializer[UnitResult]):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    items = ItemResultSerializer(many=True, read_only=True)

    class Meta:
        model = UnitResult
        fields = [
            "unit",
            "unit_name",
            "kind",
            "total",
            "grade",
            "grade_name",
            "rank",
            "vetoed",
            "vetoes",
            "flags",
            "items",
        ]


class AssessmentRunSerializer(serializers.ModelSerializer[AssessmentRun]):
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True)

    class Meta:
        model = AssessmentRun
        fields = [
            "id",
            "scheme",
            "scheme_version",
            "year",
            "period_code",
            "status",
            "inputs_hash",
            "scheme_hash",
            "created_at",
            "actor",
            "duration_ms",
        ]


class StartRunSerializer(serializers.Serializer[Any]):
    scheme = serializers.CharField()
    version = serializers.IntegerField(required=False)
    year = serializers.IntegerField(min_value=1900, max_value=2999)


class AssessmentRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[AssessmentRun]):
    serializer_class = AssessmentRunSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = restrict(AssessmentRun.objects.select_related("scheme"), self.request.user)
        scheme = self.request.query_params.get("scheme")
        year = self.request.query_params.get("year")
        if scheme:
            qs = qs.filter(scheme__code=scheme)
        if year and year.isdigit():
            qs = qs.filter(year=int(year))
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return StartRunSerializer if self.action == "create" else AssessmentRunSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_change(request.user):
            raise PermissionDenied()
        payload = StartRunSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            scheme = find_scheme(
                payload.validated_data["scheme"], payload.validated_data.get("version")
            )
            run = do_run_assessment(
                scheme,
                payload.validated_data["year"],
                actor=Actor.from_request(request, Channel.API),
            )
        except (AssessmentError, SchemeError) as error:
            raise ValidationError({"detail": str(error)}) from error
        return Response(AssessmentRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], serializer_class=UnitResultSerializer)
    def results(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        results = (
            run.unit_results.select_related("unit")
            .prefetch_related(Prefetch("items", queryset=ItemResult.objects.order_by("sort_order")))
            .order_by("kind", "rank", "unit__path")
        )
        return Response(UnitResultSerializer(results, many=True).data)
