"""REST API: contracts, read through the access check, and the steps that draw them up.

``GET /api/contracts/`` lists the contracts the user may see (``?year=``, ``?unit=``,
``?status=``, ``?scheme=`` narrow it); ``GET /api/contracts/{id}/`` gives one with its targets
and signatories; ``GET /api/contracts/{id}/print/`` its Word document.

The steps (township administrators of the unit): ``POST /api/contracts/generate/``
{scheme, version?, year, township}; ``POST …/{id}/targets/`` {targets: {ITEM: value}};
``POST …/{id}/signatories/`` {official, role?}; ``DELETE …/{id}/signatories/{official}/``;
``POST …/{id}/sign/`` {signed_on}; ``POST …/{id}/amend/`` {targets, reason, signed_on?}.
A refused step answers 400 with ``{"field", "detail"}`` (bilingual; a refused set of targets
adds ``items``: the problem of each item); a contract the user cannot see 404; a step outside
their roles 403.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor
from kaohe.core.access import restrict
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus

from .errors import ContractError, TargetErrors
from .models import Contract, ContractSignatory, ContractTarget
from .printing import DOCX, contract_docx, contract_filename
from .roles import label_for
from .services import (
    do_add_signatory,
    do_amend,
    do_generate_contracts,
    do_remove_signatory,
    do_set_targets,
    do_sign,
)


class ContractSerializer(serializers.ModelSerializer[Contract]):
    scheme = serializers.CharField(source="scheme.code", read_only=True)
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "scheme",
            "scheme_version",
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


# --- what the steps take and give -----------------------------------------------------------


class ContractGenerateSerializer(serializers.Serializer[Any]):
    scheme = serializers.CharField(max_length=50, help_text="方案代码 / scheme code")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="方案版本，缺省为最新的已发布版本 / default: latest"
    )
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    township = serializers.CharField(max_length=50, help_text="乡镇代码 / township code")


class ContractGenerateOutcomeSerializer(serializers.Serializer[Any]):
    created = ContractSerializer(many=True)
    skipped = serializers.ListField(child=serializers.CharField(), help_text="已有责任书的单位")


class ContractTargetsSerializer(serializers.Serializer[Any]):
    targets = serializers.DictField(
        child=serializers.FloatField(), allow_empty=False, help_text="项目代码 → 目标值"
    )


class ContractNewSignatorySerializer(serializers.Serializer[Any]):
    official = serializers.CharField(max_length=50, help_text="责任人代码 / official code")
    role = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="签订身份（印在责任书上），缺省按方案配置 / label printed; default: the scheme's",
    )


class ContractSignSerializer(serializers.Serializer[Any]):
    signed_on = serializers.DateField()


class ContractAmendSerializer(serializers.Serializer[Any]):
    targets = serializers.DictField(child=serializers.FloatField(), help_text="改动的目标")
    reason = serializers.CharField(allow_blank=True, help_text="修订原因（必填）")
    signed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ContractRefusalSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    detail = serializers.CharField()
    items = serializers.DictField(child=serializers.CharField(), required=False)


class DocxRenderer(renderers.BaseRenderer):
    """Lets a client ask for the print with ``Accept: …wordprocessingml.document``; the file
    itself is answered as it is, and a refusal as JSON."""

    media_type = DOCX
    format = "docx"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


def _refused(error: ContractError) -> Response:
    body: dict[str, Any] = {"field": error.field, "detail": str(error)}
    if isinstance(error, TargetErrors):
        body["items"] = error.problems
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _bad(field: str, detail: str) -> Response:
    return Response({"field": field, "detail": detail}, status=status.HTTP_400_BAD_REQUEST)


REFUSED = {400: ContractRefusalSerializer}


class ContractViewSet(viewsets.ReadOnlyModelViewSet[Contract]):
    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ContractSerializer if self.action == "list" else ContractDetailSerializer

    def get_queryset(self) -> QuerySet[Contract]:
        queryset = Contract.objects.select_related("scheme", "unit", "unit__parent")
        if self.action != "list":
            queryset = queryset.prefetch_related("targets__item", "signatories__official")
        params = self.request.query_params
        for param, lookup in (
            ("year", "year"),
            ("unit", "unit__code"),
            ("status", "status"),
            ("scheme", "scheme__code"),
        ):
            if params.get(param):
                queryset = queryset.filter(**{lookup: params[param]})
        return restrict(queryset, self.request.user)

    def _actor(self) -> Actor:
        return Actor.from_request(self.request, Channel.API)

    def _answer(self, contract: Contract, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=contract.pk)
        return Response(ContractDetailSerializer(fresh).data, status=code)

    @extend_schema(
        request=ContractGenerateSerializer,
        responses={201: ContractGenerateOutcomeSerializer, **REFUSED},
    )
    @action(detail=False, methods=["post"])
    def generate(self, request: Request) -> Response:
        payload = ContractGenerateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        schemes = restrict(Scheme.objects.filter(code=data["scheme"]), request.user)
        if data.get("version"):
            scheme = schemes.filter(version=data["version"]).first()
        else:
            published = schemes.filter(status=SchemeStatus.PUBLISHED)
            scheme = published.order_by("-version").first() or schemes.order_by("-version").first()
        if scheme is None:
            return _bad("scheme", _("没有这个考核方案 / no such scheme"))
        township = (
            restrict(OrgUnit.objects.all(), request.user).filter(code=data["township"]).first()
        )
        if township is None:
            return _bad("township", _("没有这个乡镇 / no such township"))
        try:
            outcome = do_generate_contracts(scheme, data["year"], township, self._actor())
        except ContractError as error:
            return _refused(error)
        body = {
            "created": ContractSerializer(outcome.created, many=True).data,
            "skipped": [unit.code for unit in outcome.skipped],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ContractTargetsSerializer, responses={200: ContractDetailSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def targets(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        payload = ContractTargetsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            done = do_set_targets(contract, payload.validated_data["targets"], self._actor())
        except ContractError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(
        request=ContractNewSignatorySerializer, responses={200: ContractDetailSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def signatories(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        payload = ContractNewSignatorySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        official = (
            restrict(Official.objects.all(), request.user).filter(code=data["official"]).first()
        )
        if official is None:
            return _bad("official", _("没有这个责任人 / no such official"))
        label = data["role"].strip() or label_for(contract.scheme, official)
        try:
            done = do_add_signatory(contract, official, label, self._actor())
        except ContractError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(request=None, responses={200: ContractDetailSerializer, **REFUSED})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"signatories/(?P<official>[^/]+)",
        url_name="remove-signatory",
    )
    def remove_signatory(
        self, request: Request, pk: str | None = None, official: str = ""
    ) -> Response:
        contract = self.get_object()
        signatory = contract.signatories.select_related("official").filter(official__code=official)
        found = signatory.first()
        if found is None:
            return _bad("official", _("此人不是签订人 / not a signatory of this contract"))
        try:
            done = do_remove_signatory(contract, found.official, self._actor())
        except ContractError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(
        request=ContractSignSerializer, responses={200: ContractDetailSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        payload = ContractSignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            done = do_sign(contract, payload.validated_data["signed_on"], self._actor())
        except ContractError as error:
            return _refused(error)
        return self._answer(done)

    @extend_schema(
        request=ContractAmendSerializer, responses={201: ContractDetailSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        payload = ContractAmendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            amended = do_amend(
                contract, data["targets"], data["reason"], self._actor(), data["signed_on"]
            )
        except ContractError as error:
            return _refused(error)
        return self._answer(amended, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description=".docx")},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="print",
        renderer_classes=[renderers.JSONRenderer, DocxRenderer],
    )
    def print(self, request: Request, pk: str | None = None) -> HttpResponse:
        contract = self.get_object()
        response = HttpResponse(contract_docx(contract), content_type=DOCX)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=contract_filename(contract)
        )
        return response
