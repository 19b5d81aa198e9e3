"""REST API for roles: the memberships the user may see, granting one and revoking one.

``GET /api/memberships/`` lists them; ``POST /api/memberships/`` {user, role, unit} grants a role
(user name, role code, unit code); ``DELETE /api/memberships/{id}/`` revokes one. Both go through
:mod:`kaohe.accounts.services`: a role that cannot be granted as asked answers 400 with a
bilingual ``detail``; a grant or revocation outside the user's reach answers 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor

from .models import Membership
from .services import RoleError, do_grant_role, do_revoke_role
from .views import find_grant_target, may_manage_roles, visible_memberships


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    user = serializers.CharField(source="user.username", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "unit", "unit_name", "created_at"]


class GrantSerializer(serializers.Serializer[Any]):
    user = serializers.CharField(max_length=150)
    role = serializers.CharField(max_length=20)
    unit = serializers.CharField(max_length=50)


def _denied(error: PermissionDenied) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)


class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Membership],
):
    """Roles the user may see (their own, and those over the units they see)."""

    serializer_class = MembershipSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return visible_memberships(self.request.user)

    def _actor(self) -> Actor:
        return Actor.from_request(self.request, Channel.API)

    @extend_schema(request=GrantSerializer, responses=MembershipSerializer)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_manage_roles(request.user):
            raise PermissionDenied
        payload = GrantSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            user, unit = find_grant_target(data["user"], data["unit"])
            membership = do_grant_role(self._actor(), user, data["role"].strip(), unit)
        except RoleError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as error:
            return _denied(error)
        fresh = self.get_queryset().filter(pk=membership.pk).first() or membership
        return Response(MembershipSerializer(fresh).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_manage_roles(request.user):
            raise PermissionDenied
        membership = self.get_object()
        try:
            do_revoke_role(self._actor(), membership.user, membership.role, membership.unit)
        except RoleError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as error:
            return _denied(error)
        return Response(status=status.HTTP_204_NO_CONTENT)
