"""REST API: contracts, read-only, through the access check.

``GET /api/contracts/`` lists the contracts the user may see (``?year=``, ``?unit=``,
``?status=`` narrow it); ``GET /api/contracts/{id}/`` gives one with its targets and signatories.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from kaohe.core.access import restrict

from .models import Contract, ContractSignatory, ContractTarget


class ContractSerializer(serializers.ModelSerializer[Contract]):
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "scheme",
            "unit",
            "unit_name",
            "year",
            "version",
            "status",
            "signed_on",
            "amendment_reason",
            "previous",
            "created_at",
            "updated_at",
        ]


class ContractTargetSerializer(serializers.ModelSerializer[ContractTarget]):
    item = serializers.CharField(source="item.code", read_only=True)
    name = serializers.CharField(source="item.name", read_only=True)
    weight = serializers.FloatField(source="item.weight", read_only=True)

    class Meta:
        model = ContractTarget
        fields = ["item", "name", "weight", "value"]


class ContractSignatorySerializer(serializers.ModelSerializer[ContractSignatory]):
    official = serializers.CharField(source="official.code", read_only=True)
    name = serializers.CharField(source="official.name", read_only=True)

    class Meta:
        model = ContractSignatory
        fields = ["official", "name", "role"]


class ContractDetailSerializer(ContractSerializer):
    targets = ContractTargetSerializer(many=True, read_only=True)
    signatories = ContractSignatorySerializer(many=True, read_only=True)

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "targets", "signatories"]


class ContractViewSet(viewsets.ReadOnlyModelViewSet[Contract]):
    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ContractDetailSerializer if self.action == "retrieve" else ContractSerializer

    def get_queryset(self) -> QuerySet[Contract]:
        queryset = Contract.objects.select_related("scheme", "unit")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("targets__item", "signatories__official")
        params = self.request.query_params
        for param, lookup in (("year", "year"), ("unit", "unit__code"), ("status", "status")):
            if params.get(param):
                queryset = queryset.filter(**{lookup: params[param]})
        return restrict(queryset, self.request.user)
