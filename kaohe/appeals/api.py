"""REST API: appeals (read through the access check), filing one and deciding it.

``GET /api/appeals/`` lists the appeals the user may see (``?status=``, ``?run=``, ``?unit=``);
``GET /api/appeals/{id}/`` gives one with its history. ``POST /api/appeals/`` {run, unit,
item_code, reasons} files an appeal; ``POST /api/appeals/{id}/accept/`` and ``…/reject/``
{reason} decide it. A refused step answers 400 with the ``field`` at fault and a bilingual
``detail``; deciding an appeal already decided answers 409; a step outside the user's roles
answers 403, and a run, unit or appeal they cannot see 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import restrict
from kaohe.orgunits.models import OrgUnit

from .errors import AlreadyDecided, AppealError
from .models import Appeal, AppealEvent
from .selectors import MAX_TEXT, last_day, visible_appeals
from .services import do_accept_appeal, do_file_appeal, do_reject_appeal


class AppealSerializer(serializers.ModelSerializer[Appeal]):
    scheme = serializers.CharField(source="run.scheme.code", read_only=True)
    year = serializers.IntegerField(source="run.year", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    filed_by = serializers.CharField(source="filed_by_name", read_only=True)
    decided_by = serializers.CharField(source="decided_by_name", read_only=True)
    last_day = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "run",
            "scheme",
            "year",
            "unit",
            "unit_name",
            "item_code",
            "item_name",
            "reasons",
            "status",
            "filed_by",
            "filed_at",
            "last_day",
            "decided_by",
            "decided_at",
            "decision_reason",
            "resolution_run",
            "resolved_at",
        ]

    def get_last_day(self, obj: Appeal) -> str | None:
        """The last day appeals of the run were accepted (ISO date)."""
        day = last_day(obj.run)
        return day.isoformat() if day else None


class AppealEventSerializer(serializers.ModelSerializer[AppealEvent]):
    class Meta:
        model = AppealEvent
        fields = ["at", "step", "actor", "text"]


class AppealDetailSerializer(AppealSerializer):
    events = serializers.SerializerMethodField()

    class Meta(AppealSerializer.Meta):
        fields = [*AppealSerializer.Meta.fields, "events"]

    @extend_schema_field(AppealEventSerializer(many=True))  # type: ignore[misc]
    def get_events(self, obj: Appeal) -> list[dict[str, Any]]:
        return AppealEventSerializer(obj.events.order_by("at", "pk"), many=True).data  # type: ignore[return-value]


class FileAppealSerializer(serializers.Serializer[Any]):
    run = serializers.IntegerField(min_value=1, help_text="考核结果编号 / run id")
    unit = serializers.CharField(max_length=50, help_text="单位代码 / unit code")
    item_code = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="考核项目代码，空为整体结果 / item code; empty: the whole result",
    )
    # Blank is passed on: the service refuses it, naming the field.
    reasons = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False)


class DecisionSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, default=""
    )


def _refused(error: AppealError) -> Response:
    code = status.HTTP_409_CONFLICT if isinstance(error, AlreadyDecided) else 400
    return Response({"field": error.field, "detail": str(error)}, status=code)


def _forbidden(error: PermissionDenied) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)


class AppealViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Appeal]
):
    """Appeals the user may see; ``?status=``, ``?run=`` (id) and ``?unit=`` (code) narrow
    the list."""

    serializer_class = AppealSerializer

    def get_queryset(self) -> QuerySet[Appeal]:
        appeals = visible_appeals(self.request.user)
        params = self.request.query_params
        if value := params.get("status"):
            appeals = appeals.filter(status=value)
        if (value := params.get("run", "")).isdigit():
            appeals = appeals.filter(run_id=int(value))
        if value := params.get("unit"):
            appeals = appeals.filter(unit__code=value)
        return appeals

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return AppealSerializer if self.action == "list" else AppealDetailSerializer

    def _actor(self) -> Actor:
        return Actor.from_request(self.request, Channel.API)

    def _answer(self, appeal: Appeal, code: int = status.HTTP_200_OK) -> Response:
        fresh = visible_appeals(self.request.user).get(pk=appeal.pk)
        return Response(AppealDetailSerializer(fresh).data, status=code)

    @extend_schema(request=FileAppealSerializer, responses={201: AppealDetailSerializer})
    def create(self, request: Request) -> Response:
        payload = FileAppealSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        run = restrict(AssessmentRun.objects.select_related("scheme"), request.user).filter(
            pk=data["run"]
        )
        unit = restrict(OrgUnit.objects.all(), request.user).filter(code=data["unit"]).first()
        if not run.exists() or unit is None:
            raise NotFound(_("没有这个考核结果或单位 / no such run or unit"))
        try:
            appeal = do_file_appeal(
                self._actor(), run.get(), unit, data["item_code"], data["reasons"]
            )
        except PermissionDenied as error:
            return _forbidden(error)
        except AppealError as error:
            return _refused(error)
        return self._answer(appeal, status.HTTP_201_CREATED)

    def _decide(self, step: Any) -> Response:
        appeal = self.get_object()
        payload = DecisionSerializer(data=self.request.data)
        payload.is_valid(raise_exception=True)
        try:
            done = step(self._actor(), appeal.pk, payload.validated_data["reason"])
        except PermissionDenied as error:
            return _forbidden(error)
        except AppealError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(request=DecisionSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(do_accept_appeal)

    @extend_schema(request=DecisionSerializer, responses=AppealDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(do_reject_appeal)
