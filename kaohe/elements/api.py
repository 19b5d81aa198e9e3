"""REST API for data elements and data sets."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from kaohe.core.access import restrict

from .models import DataElement, DataSet


class DataElementSerializer(serializers.ModelSerializer[DataElement]):
    class Meta:
        model = DataElement
        fields = [
            "code",
            "name",
            "name_en",
            "value_type",
            "aggregation",
            "zero_is_significant",
            "description",
        ]


class DataSetSerializer(serializers.ModelSerializer[DataSet]):
    elements = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = DataSet
        fields = [
            "code",
            "name",
            "name_en",
            "period_type",
            "unit_kinds",
            "due_day",
            "lock_after_days",
            "validation_required",
            "elements",
        ]


class DataElementViewSet(viewsets.ReadOnlyModelViewSet[DataElement]):
    serializer_class = DataElementSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(DataElement.objects.all(), self.request.user)


class DataSetViewSet(viewsets.ReadOnlyModelViewSet[DataSet]):
    serializer_class = DataSetSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(DataSet.objects.prefetch_related("elements"), self.request.user)
