"""REST API for schemes (with items, vetoes, grades) and indicators."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from kaohe.core.access import restrict

from .models import GradeBand, Indicator, Scheme, ScoringItem, Veto


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
        ]


class ScoringItemSerializer(serializers.ModelSerializer[ScoringItem]):
    class Meta:
        model = ScoringItem
        fields = [
            "code",
            "name",
            "name_en",
            "section",
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
            "veto_grade",
            "content_hash",
            "items",
            "vetoes",
            "grades",
        ]


class SchemeViewSet(viewsets.ReadOnlyModelViewSet[Scheme]):
    serializer_class = SchemeSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(
            Scheme.objects.prefetch_related("items", "vetoes", "grades"), self.request.user
        )


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet[Indicator]):
    serializer_class = IndicatorSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(Indicator.objects.all(), self.request.user)
