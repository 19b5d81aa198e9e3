"""REST API of data quality: outliers (computed on request) and min–max ranges.

``GET /api/outliers/?township=T&element=A,B&from=202501&to=202612&method=modified_z&threshold=
&min_values=&max_results=`` judges the series of the unit ``township`` and everything under it
that the user may see, and answers the flagged values (the ``max_results`` most significant,
500 by default, with the series' statistics and the reason in Chinese and English), their
total, and the series not judged and why.
``POST /api/outliers/follow-up/`` {ids, follow_up} marks stored values for follow-up (or clears
the mark) through the audited data-value service, never changing them; the answer has one
outcome per id.

``GET /api/minmax-ranges/`` (``?township=``, ``?unit=``, ``?element=``) and ``…/{id}/`` read
ranges; ``POST /api/minmax-ranges/`` {unit, element, min_value, max_value} sets one by hand;
``DELETE …/{id}/`` removes one; ``POST /api/minmax-ranges/generate/`` {township, elements,
from, to, k, min_values} generates them from history.

A refused request answers 400 with ``{"field", "detail"}`` (bilingual); a row the user cannot
see 404; a write outside their roles 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound as ApiNotFound
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import VIEW, restrict
from kaohe.datavalues.importing import format_value
from kaohe.engine.outliers import DEFAULT_MIN_VALUES
from kaohe.orgunits.models import OrgUnit

from .errors import NotFound, QualityError
from .models import MinMaxRange
from .outliers import FlaggedValue, annotate_marking, find_outliers, parse_query
from .ranges import parse_k, target_of
from .series import find_root, parse_elements, parse_number, parse_window, subtree
from .services import do_delete_range, do_generate_ranges, do_mark_many, do_save_range


def _refused(error: QualityError) -> Response:
    if isinstance(error, NotFound):
        raise ApiNotFound(str(error))
    return Response({"field": error.field, "detail": str(error)}, status=400)


def _codes(params: Any, name: str) -> list[str]:
    return [c.strip() for text in params.getlist(name) for c in text.split(",") if c.strip()]


class OutlierValueSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    element = serializers.CharField(source="element.code")
    element_name = serializers.CharField(source="element.name")
    period = serializers.CharField()
    value = serializers.FloatField()
    value_id = serializers.IntegerField(allow_null=True, help_text="数据值 id；未存储的零为空")
    follow_up = serializers.BooleanField()
    values_in_series = serializers.IntegerField(source="count")
    centre = serializers.FloatField(allow_null=True, help_text="中位数（z 分数：均值）")
    spread = serializers.FloatField(allow_null=True, help_text="MAD、IQR 或标准差")
    q1 = serializers.FloatField(allow_null=True)
    q3 = serializers.FloatField(allow_null=True)
    lower = serializers.FloatField(allow_null=True)
    upper = serializers.FloatField(allow_null=True)
    score = serializers.FloatField()
    reason_zh = serializers.CharField()
    reason_en = serializers.CharField()
    markable = serializers.BooleanField(help_text="你能否标记它需跟进")
    lock_reason = serializers.CharField()


class UnjudgedSeriesSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    element = serializers.CharField(source="element.code")
    status = serializers.SerializerMethodField()
    values_in_series = serializers.IntegerField(source="count")
    reason_zh = serializers.CharField()
    reason_en = serializers.CharField()

    def get_status(self, obj: Any) -> str:
        return str(obj.status.name.lower())


_REPORT = inline_serializer(
    "OutlierReport",
    {
        "township": serializers.CharField(),
        "from": serializers.CharField(),
        "to": serializers.CharField(),
        "method": serializers.CharField(),
        "threshold": serializers.FloatField(),
        "min_values": serializers.IntegerField(),
        "series": serializers.IntegerField(),
        "judged": serializers.IntegerField(),
        "flagged": serializers.IntegerField(help_text="异常值总数（results 最多 max_results 个）"),
        "results": OutlierValueSerializer(many=True),
        "not_judged": UnjudgedSeriesSerializer(many=True),
    },
)

_PARAMETERS = [
    OpenApiParameter("township", str, required=True, description="单位代码（含下级） / unit code"),
    OpenApiParameter("element", str, description="数据元素代码，逗号分隔；不填为全部数值型"),
    OpenApiParameter("from", str, required=True, description="起始期间，如 202501"),
    OpenApiParameter("to", str, required=True, description="截止期间，如 202612"),
    OpenApiParameter("method", str, enum=["modified_z", "iqr", "min_max", "z"]),
    OpenApiParameter("threshold", float, description="阈值 / threshold (default by method)"),
    OpenApiParameter("min_values", int, description=f"最少值个数（默认 {DEFAULT_MIN_VALUES}）"),
    OpenApiParameter("max_results", int, description="最多返回多少个，最显著的在前（默认 500）"),
]


class OutlierFollowUpSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False)
    follow_up = serializers.BooleanField(default=True)


class OutlierMarkOutcomeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    follow_up = serializers.BooleanField()
    message = serializers.CharField()


def _actor(request: Request) -> Actor:
    return Actor.from_request(request, Channel.API)


class OutlierViewSet(viewsets.ViewSet):
    """Outliers, computed on request; marking values for follow-up."""

    @extend_schema(parameters=_PARAMETERS, responses=_REPORT)
    def list(self, request: Request) -> Response:
        params = request.query_params
        try:
            query = parse_query(
                user=request.user,
                township=params.get("township", ""),
                elements=_codes(params, "element"),
                start=params.get("from", ""),
                end=params.get("to", ""),
                method=params.get("method") or None,
                threshold=params.get("threshold"),
                min_values=params.get("min_values"),
            )
            limit = int(parse_number(params.get("max_results"), "max_results", 1, 10000, 500))
            report = find_outliers(query, request.user)
        except QualityError as error:
            return _refused(error)
        rows: list[FlaggedValue] = report.flagged[:limit]
        annotate_marking(rows, _actor(request))
        return Response(
            {
                "township": query.root.code,
                "from": query.start,
                "to": query.end,
                "method": query.method.value,
                "threshold": query.threshold,
                "min_values": query.min_values,
                "series": report.series,
                "judged": report.judged,
                "flagged": len(report.flagged),
                "results": OutlierValueSerializer(rows, many=True).data,
                "not_judged": UnjudgedSeriesSerializer(report.unjudged, many=True).data,
            }
        )

    @extend_schema(
        request=OutlierFollowUpSerializer,
        responses=inline_serializer(
            "OutlierFollowUpOutcomes", {"results": OutlierMarkOutcomeSerializer(many=True)}
        ),
    )
    @action(detail=False, methods=["post"], url_path="follow-up", url_name="follow-up")
    def follow_up(self, request: Request) -> Response:
        payload = OutlierFollowUpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        outcomes = do_mark_many(_actor(request), data["ids"], follow_up=data["follow_up"])
        return Response({"results": OutlierMarkOutcomeSerializer(outcomes, many=True).data})


class MinMaxRangeSerializer(serializers.ModelSerializer[MinMaxRange]):
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    element = serializers.CharField(source="element.code", read_only=True)
    element_name = serializers.CharField(source="element.name", read_only=True)
    min_value = serializers.SerializerMethodField()
    max_value = serializers.SerializerMethodField()

    class Meta:
        model = MinMaxRange
        fields = [
            "id",
            "unit",
            "unit_name",
            "element",
            "element_name",
            "min_value",
            "max_value",
            "generated",
            "basis",
            "updated_by",
            "updated_at",
        ]

    def get_min_value(self, obj: MinMaxRange) -> str:
        return format_value(obj.min_value)

    def get_max_value(self, obj: MinMaxRange) -> str:
        return format_value(obj.max_value)


class MinMaxRangeSetSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(max_length=50)
    element = serializers.CharField(max_length=50)
    min_value = serializers.CharField(max_length=40)
    max_value = serializers.CharField(max_length=40)


class RangeGenerateSerializer(serializers.Serializer[Any]):
    township = serializers.CharField(max_length=50)
    elements = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    start = serializers.CharField(max_length=20, help_text="起始期间，如 202401")
    end = serializers.CharField(max_length=20, help_text="截止期间，如 202512")
    k = serializers.FloatField(required=False, allow_null=True, default=None)
    min_values = serializers.IntegerField(required=False, allow_null=True, default=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" and "to" are what people type (as in the CLI and the outlier list).
        self.fields["from"] = self.fields.pop("start")
        self.fields["to"] = self.fields.pop("end")


_GENERATED = inline_serializer(
    "RangeGenerateOutcome",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "kept": serializers.IntegerField(),
        "skipped": serializers.ListField(child=serializers.DictField()),
        "detail": serializers.CharField(),
    },
)


class MinMaxRangeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[MinMaxRange],
):
    """Min–max ranges the user may see; township administrators set, generate and delete them."""

    serializer_class = MinMaxRangeSerializer

    def get_queryset(self) -> QuerySet[MinMaxRange]:
        rows = restrict(
            MinMaxRange.objects.select_related("unit", "element"), self.request.user
        ).order_by("unit__path", "element__code")
        params = self.request.query_params
        if code := params.get("township"):
            root = restrict(OrgUnit.objects.filter(code=code), self.request.user, VIEW).first()
            rows = rows.filter(subtree(root)) if root else rows.none()
        if code := params.get("unit"):
            rows = rows.filter(unit__code=code)
        if code := params.get("element"):
            rows = rows.filter(element__code=code)
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter("township", str, description="单位代码（含下级）"),
            OpenApiParameter("unit", str, description="单位代码"),
            OpenApiParameter("element", str, description="数据元素代码"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MinMaxRangeSetSerializer, responses=MinMaxRangeSerializer)
    def create(self, request: Request) -> Response:
        payload = MinMaxRangeSetSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            unit, element = target_of(data["unit"], data["element"], request.user)
            row = do_save_range(
                _actor(request), unit, element, data["min_value"], data["max_value"]
            )
        except QualityError as error:
            return _refused(error)
        fresh = self.get_queryset().get(pk=row.pk)
        return Response(MinMaxRangeSerializer(fresh).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            do_delete_range(_actor(request), int(kwargs["pk"]))
        except (ValueError, TypeError):
            raise ApiNotFound() from None
        except QualityError as error:
            return _refused(error)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=RangeGenerateSerializer, responses=_GENERATED)
    @action(detail=False, methods=["post"])
    def generate(self, request: Request) -> Response:
        payload = RangeGenerateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            root = find_root(data["township"], request.user)
            periods = parse_window(data["start"], data["end"])  # sent as "from" and "to"
            elements = parse_elements(data["elements"])
            k = parse_k(data["k"])
            min_values = int(
                parse_number(data["min_values"], "min_values", 3, 240, DEFAULT_MIN_VALUES)
            )
            outcome = do_generate_ranges(
                _actor(request), root, elements, periods, k=k, min_values=min_values
            )
        except QualityError as error:
            return _refused(error)
        return Response(
            {
                "created": len(outcome.created),
                "updated": len(outcome.updated),
                "unchanged": len(outcome.unchanged),
                "kept": len(outcome.kept),
                "skipped": [
                    {
                        "unit": s.unit.code,
                        "element": s.element.code,
                        "values": s.count,
                        "reason_zh": s.reason_zh,
                        "reason_en": s.reason_en,
                    }
                    for s in outcome.skipped
                ],
                "detail": outcome.summary(),
            }
        )
