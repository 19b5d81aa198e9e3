"""REST API for organisation units and officials."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from kaohe.core.access import restrict

from .models import Official, OrgUnit


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "name_en",
            "kind",
            "parent",
            "path",
            "depth",
            "opening_date",
            "closed_date",
        ]


class OfficialSerializer(serializers.ModelSerializer[Official]):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Official
        fields = ["code", "name", "role", "unit", "active"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet[OrgUnit]):
    serializer_class = OrgUnitSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(OrgUnit.objects.select_related("parent"), self.request.user)


class OfficialViewSet(viewsets.ReadOnlyModelViewSet[Official]):
    serializer_class = OfficialSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return restrict(Official.objects.select_related("unit"), self.request.user)
