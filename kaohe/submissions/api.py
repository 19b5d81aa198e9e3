"""REST API: submissions (read through the access check) and the steps that move them along.

``POST /api/submissions/submit/`` {dataset, unit, period} submits a unit's figures;
``POST /api/submissions/{id}/approve/``, ``…/return/`` {reason} and ``…/unlock/`` {reason}
review and unlock one; ``POST /api/submissions/approve-many/`` {ids} approves many at once and
answers per id. A refused step answers 400 with a bilingual ``detail`` (a submission refused
by its data set's validation rules also gives ``field: "validation"`` and the ``failures``); an
approval that another reviewer made first answers 409; a step outside the user's roles answers
403, and a submission they cannot see 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import CHANGE, restrict
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit

from .models import Submission, SubmissionEvent
from .services import (
    AlreadyApproved,
    SubmissionError,
    ValidationFailed,
    do_approve,
    do_approve_many,
    do_return,
    do_submit,
    do_unlock,
    figures_of,
    lock_state_of,
    submission_on_time,
)


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    dataset = serializers.CharField(source="dataset.code", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    period = serializers.CharField(source="period.code", read_only=True)
    on_time = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "dataset",
            "unit",
            "unit_name",
            "period",
            "status",
            "submitted_at",
            "last_submitted_at",
            "submitted_by",
            "on_time",
            "reviewed_at",
            "reviewed_by",
            "return_reason",
            "unlocked_at",
            "unlocked_by",
            "unlock_reason",
        ]

    def get_on_time(self, obj: Submission) -> bool | None:
        return submission_on_time(obj)


class FigureSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField(allow_null=True)
    approved_value = serializers.CharField(allow_null=True)
    changed = serializers.BooleanField()


class EventSerializer(serializers.ModelSerializer[SubmissionEvent]):
    class Meta:
        model = SubmissionEvent
        fields = ["at", "action", "actor", "reason"]


class SubmissionDetailSerializer(SubmissionSerializer):
    locked = serializers.SerializerMethodField()
    lock_reason = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "locked", "lock_reason", "figures", "events"]

    def get_locked(self, obj: Submission) -> bool:
        return bool(lock_state_of(obj))

    def get_lock_reason(self, obj: Submission) -> str:
        return lock_state_of(obj).reason

    @extend_schema_field(FigureSerializer(many=True))  # type: ignore[misc]
    def get_figures(self, obj: Submission) -> list[dict[str, Any]]:
        return FigureSerializer(figures_of(obj), many=True).data  # type: ignore[return-value]

    @extend_schema_field(EventSerializer(many=True))  # type: ignore[misc]
    def get_events(self, obj: Submission) -> list[dict[str, Any]]:
        return EventSerializer(obj.events.order_by("at", "pk"), many=True).data  # type: ignore[return-value]


class SubmitSerializer(serializers.Serializer[Any]):
    dataset = serializers.CharField(max_length=50)
    unit = serializers.CharField(max_length=50)
    period = serializers.CharField(max_length=20)


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class IdsSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False)


class OutcomeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    status = serializers.CharField()
    message = serializers.CharField()


def _refused(error: SubmissionError) -> Response:
    code = status.HTTP_409_CONFLICT if isinstance(error, AlreadyApproved) else 400
    if isinstance(error, ValidationFailed):
        failures = [
            {
                "rule": c.rule.code,
                "importance": c.rule.importance,
                "period": c.period.code,
                "left": c.left,
                "right": c.right,
                "message_zh": c.rule.message_zh,
                "message_en": c.rule.message_en,
            }
            for c in error.failures
        ]
        return Response(
            {"field": error.field, "detail": str(error), "failures": failures}, status=code
        )
    return Response({"detail": str(error)}, status=code)


class SubmissionViewSet(viewsets.ReadOnlyModelViewSet[Submission]):
    """Submissions the user may see; ``?status=``, ``?dataset=``, ``?period=``, ``?unit=``
    (codes) narrow the list."""

    serializer_class = SubmissionSerializer

    def _visible(self) -> QuerySet[Submission]:
        return restrict(
            Submission.objects.select_related("dataset", "unit", "period"), self.request.user
        ).order_by("-period__start_date", "dataset__code", "unit__path")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = self._visible()
        params = self.request.query_params
        for name, lookup in (
            ("status", "status"),
            ("dataset", "dataset__code"),
            ("period", "period__code"),
            ("unit", "unit__code"),
        ):
            if value := params.get(name):
                qs = qs.filter(**{lookup: value})
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return SubmissionSerializer if self.action == "list" else SubmissionDetailSerializer

    def _actor(self) -> Actor:
        return Actor.from_request(self.request, Channel.API)

    def _answer(self, submission: Submission) -> Response:
        fresh = self._visible().get(pk=submission.pk)
        return Response(SubmissionDetailSerializer(fresh).data)

    @extend_schema(request=SubmitSerializer, responses=SubmissionDetailSerializer)
    @action(detail=False, methods=["post"])
    def submit(self, request: Request) -> Response:
        payload = SubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        dataset = restrict(DataSet.objects.all(), request.user).filter(code=data["dataset"]).first()
        # Among the units the user enters figures for: another unit is refused like a missing one.
        unit = restrict(OrgUnit.objects.all(), request.user, CHANGE).filter(code=data["unit"])
        if dataset is None or not unit.exists():
            raise NotFound(_("没有这个数据集或单位 / no such data set or unit"))
        try:
            submission = do_submit(self._actor(), dataset, unit.get(), data["period"].strip())
        except SubmissionError as error:
            return _refused(error)
        return self._answer(submission)

    @extend_schema(request=None, responses=SubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        try:
            return self._answer(do_approve(self._actor(), submission.pk))
        except SubmissionError as error:
            return _refused(error)

    @extend_schema(request=ReasonSerializer, responses=SubmissionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            done = do_return(self._actor(), submission.pk, payload.validated_data["reason"])
        except SubmissionError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(request=ReasonSerializer, responses=SubmissionDetailSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            done = do_unlock(self._actor(), submission.pk, payload.validated_data["reason"])
        except SubmissionError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(request=IdsSerializer, responses=OutcomeSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="approve-many", url_name="approve-many")
    def approve_many(self, request: Request) -> Response:
        payload = IdsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        outcomes = do_approve_many(self._actor(), payload.validated_data["ids"])
        return Response({"results": OutcomeSerializer(outcomes, many=True).data})
