"""REST API: the audit log, read-only, for auditors and system administrators."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated

from kaohe.core.access import may_read_audit, restrict

from .filtersets import AuditFilterForm
from .models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "user",
            "channel",
            "action",
            "object_type",
            "object_key",
            "before",
            "after",
            "remote_addr",
        ]


class MayReadAudit(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return may_read_audit(request.user)


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """Filter with ``date_from``, ``date_to`` (YYYY-MM-DD, inclusive), ``actor``, ``action``
    (prefix), ``object_type``, ``object_key`` and ``channel``."""

    serializer_class = AuditEntrySerializer
    permission_classes = [IsAuthenticated, MayReadAudit]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        entries = restrict(AuditEntry.objects.select_related("user"), self.request.user)
        form = AuditFilterForm(self.request.query_params, entries=entries)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return form.filter(entries)
